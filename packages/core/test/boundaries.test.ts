import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { type ICruiseOptions, cruise } from "dependency-cruiser"
import { afterAll, describe, expect, it } from "vitest"

// The import boundaries of .dependency-cruiser.mjs, held over the real sources, and each rule proved by
// a tree that breaks it: a check that passes on any code would pass here too, and this test would fail.
const repo = resolve(import.meta.dirname, "../../..")
const sourceDirs = ["packages/core/src", "packages/testkit/src", "apps/cli/src", "apps/backend/src", "apps/health/src"]

interface Boundaries {
  readonly forbidden: ICruiseOptions["ruleSet"] extends infer R ? (R extends { forbidden?: infer F } ? F : never) : never
  readonly options: ICruiseOptions
}
const boundaries = async (): Promise<Boundaries> => ((await import(resolve(repo, ".dependency-cruiser.mjs"))) as { default: Boundaries }).default

/** Every rule broken in `baseDir`'s sources, as `rule: from → to`. */
const violations = async (baseDir: string, dirs: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const { forbidden, options } = await boundaries()
  const previous = process.cwd()
  // dependency-cruiser reads tsconfig and resolves relative to the working directory as well as baseDir.
  process.chdir(baseDir)
  try {
    const result = await cruise([...dirs], { ...options, baseDir, ruleSet: { forbidden }, validate: true })
    const output = result.output as { summary: { violations: ReadonlyArray<{ rule: { name: string }; from: string; to: string }> } }
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)
  } finally {
    process.chdir(previous)
  }
}

/** The two rules an import graph cannot see: re-exporting a whole module, and import() of a computed path. */
const syntaxViolations = async (files: ReadonlyArray<readonly [string, string]>): Promise<ReadonlyArray<string>> => {
  const ts = (await import("typescript")).default
  const found: Array<string> = []
  for (const [path, text] of files) {
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
    const visit = (node: import("typescript").Node): void => {
      if (ts.isExportDeclaration(node) && node.exportClause === undefined && node.moduleSpecifier !== undefined)
        found.push(`no-export-star: ${path} re-exports ${node.moduleSpecifier.getText(source)} whole (name what is public)`)
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [argument] = node.arguments
        if (argument === undefined || !ts.isStringLiteral(argument))
          found.push(`no-computed-import: ${path} imports ${argument?.getText(source) ?? "nothing"} (no check can follow a path made at run time)`)
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return found
}

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  )

// A small tree shaped as the repository is (a core with rooms and entries, a CLI and a backend that
// import it by name), which each proof below breaks in one way.
const scratch: Array<string> = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})
const treeWith = (extra: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "aim-boundaries-"))
  scratch.push(root)
  const files: Record<string, string> = {
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }),
    "packages/core/package.json": JSON.stringify({
      name: "@aim/core",
      type: "module",
      exports: { ".": "./src/index.ts", "./drift": "./src/drift/index.ts", "./testing": "./src/testing.ts" },
    }),
    "packages/core/src/index.ts": 'export { env } from "./config/env.js"\nexport { Verifier } from "./verify/Verifier.js"\n',
    "packages/core/src/testing.ts": 'export { read } from "./migrator/Ledger.js"\n',
    "packages/core/src/config/env.ts": 'import { code } from "../errors/catalog.js"\nexport const env = code\n',
    "packages/core/src/errors/catalog.ts": 'export const code = "AIM-CFG-001"\n',
    "packages/core/src/migrator/Ledger.ts": 'import { env } from "../config/env.js"\nexport const read = env\n',
    "packages/core/src/verify/Verifier.ts": 'import { read } from "../migrator/Ledger.js"\nexport const Verifier = read\n',
    "packages/core/src/drift/Drift.ts": 'import { Verifier } from "../verify/Verifier.js"\nexport const drift = Verifier\n',
    "packages/core/src/drift/index.ts": 'export { drift } from "./Drift.js"\n',
    "apps/cli/package.json": JSON.stringify({ name: "@aim/cli", type: "module" }),
    "apps/cli/src/main.ts": 'import { env } from "@aim/core"\nimport { drift } from "@aim/core/drift"\nexport const main = [env, drift]\n',
    "apps/backend/package.json": JSON.stringify({ name: "@aim/backend", type: "module" }),
    "apps/backend/src/boot.ts": 'import { Verifier } from "@aim/core"\nexport const boot = Verifier\n',
    ...extra,
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  // As pnpm links a workspace package: the apps resolve @aim/core to packages/core through node_modules.
  for (const app of ["cli", "backend"]) {
    mkdirSync(join(root, "apps", app, "node_modules", "@aim"), { recursive: true })
    symlinkSync(relative(join(root, "apps", app, "node_modules", "@aim"), join(root, "packages/core")), join(root, "apps", app, "node_modules", "@aim", "core"))
  }
  return root
}
const treeDirs = ["packages/core/src", "apps/cli/src", "apps/backend/src"]

describe("import boundaries (.dependency-cruiser.mjs): held over packages/*/src and apps/*/src", () => {
  it("the sources keep every rule", async () => {
    expect(await violations(repo, sourceDirs)).toEqual([])
    // The product's sources; the test kit's index re-exports its helpers whole, as a test kit may.
    const product = sourceDirs.filter((dir) => !dir.startsWith("packages/testkit"))
    const files = product.flatMap((dir) => sources(join(repo, dir))).map((file) => [relative(repo, file), readFileSync(file, "utf8")] as const)
    expect(files.length).toBeGreaterThan(100)
    expect(await syntaxViolations(files)).toEqual([])
  })

  it("every folder of the core is a room of the graph (one that is not would escape every room rule)", async () => {
    const { rooms } = (await import(resolve(repo, ".dependency-cruiser.mjs"))) as { rooms: Record<string, ReadonlyArray<string>> }
    const folders = readdirSync(join(repo, "packages/core/src"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
    expect(Object.keys(rooms).sort()).toEqual(folders.sort())
    for (const [room, allowed] of Object.entries(rooms)) for (const other of allowed) expect(Object.keys(rooms), `${room} → ${other}`).toContain(other)
  })

  it("the small tree the proofs break keeps every rule as it is", async () => {
    expect(await violations(treeWith({}), treeDirs)).toEqual([])
  })

  it("fails on the core importing itself by name: `@aim/core` inside the core", async () => {
    const found = await violations(
      treeWith({ "packages/core/src/config/load.ts": 'import { Verifier } from "@aim/core"\nexport const load = Verifier\n' }),
      treeDirs,
    )
    // Resolved as Node resolves a package's own name (its `exports`): to the core's index, an entry.
    expect(found).toEqual(["core-not-through-its-entries: packages/core/src/config/load.ts → packages/core/src/index.ts"])
  })

  it("fails on a module of the core importing an entry, or a room above its own", async () => {
    const found = await violations(
      treeWith({
        "packages/core/src/config/load.ts": 'import { Verifier } from "../index.js"\nexport const load = Verifier\n',
        "packages/core/src/config/check.ts": 'import { Verifier } from "../verify/Verifier.js"\nexport const check = Verifier\n',
      }),
      treeDirs,
    )
    expect(found).toEqual(
      expect.arrayContaining([
        "core-not-through-its-entries: packages/core/src/config/load.ts → packages/core/src/index.ts",
        "core-room-config: packages/core/src/config/check.ts → packages/core/src/verify/Verifier.ts",
      ]),
    )
  })

  it("fails on a circle of imports", async () => {
    const found = await violations(
      treeWith({
        "packages/core/src/output/a.ts": 'import { b } from "./b.js"\nexport const a = () => b\n',
        "packages/core/src/output/b.ts": 'import { a } from "./a.js"\nexport const b = () => a\n',
      }),
      treeDirs,
    )
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^no-circular: packages\/core\/src\/output\/[ab]\.ts/)]))
  })

  it("fails on an app reaching inside the core, importing the test-only entry, or another app", async () => {
    const found = await violations(
      treeWith({
        "apps/cli/src/deep.ts": 'import { read } from "../../../packages/core/src/migrator/Ledger.js"\nexport const deep = read\n',
        "apps/cli/src/tests.ts": 'import { read } from "@aim/core/testing"\nexport const tests = read\n',
        "apps/cli/src/other.ts": 'import { boot } from "../../backend/src/boot.js"\nexport const other = boot\n',
      }),
      treeDirs,
    )
    expect(found).toEqual(
      expect.arrayContaining([
        "entries-only-from-the-apps: apps/cli/src/deep.ts → packages/core/src/migrator/Ledger.ts",
        "entries-only-from-the-apps: apps/cli/src/tests.ts → packages/core/src/testing.ts",
        "apps-apart: apps/cli/src/other.ts → apps/backend/src/boot.ts",
      ]),
    )
  })

  it("fails on an import it cannot place, an `export *`, and an import() of a computed path", async () => {
    expect(await violations(treeWith({ "packages/core/src/config/gone.ts": 'export { x } from "./missing.js"\n' }), treeDirs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^not-to-unresolvable: packages\/core\/src\/config\/gone\.ts/)]),
    )
    // A template literal's placeholder, written without one: `../${room}/Verifier.js`.
    const computed = ["`../$", "{room}/Verifier.js`"].join("")
    expect(
      await syntaxViolations([
        ["packages/core/src/index.ts", 'export * from "./verify/Verifier.js"\n'],
        ["packages/core/src/config/load.ts", `const room = "verify"\nexport const load = () => import(${computed})\n`],
      ]),
    ).toEqual([
      'no-export-star: packages/core/src/index.ts re-exports "./verify/Verifier.js" whole (name what is public)',
      `no-computed-import: packages/core/src/config/load.ts imports ${computed} (no check can follow a path made at run time)`,
    ])
  })
})

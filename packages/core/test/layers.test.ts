import { readFileSync, readdirSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

// The core's rooms from the bottom up, as docs/guide/architecture.md draws them: a module may import
// its own room and the rooms below it, never one above. The catalog is pure data (it imports
// nothing), so every room may name an entry; diagnose.ts, which knows every error, sits high.
const rooms = [
  "output",
  "troubleshooting/catalog.ts",
  "config",
  "database",
  "telemetry",
  "mail",
  "cache",
  "migrations",
  "authoring",
  "impact",
  "troubleshooting",
  "verify",
  "health",
  "drift",
  "workload",
  "rollback",
  "doctor",
  "runtime",
  "index.ts",
  "shippedFiles.ts",
  "testing.ts",
] as const

const src = resolve(import.meta.dirname, "../src")

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  )

const roomOf = (file: string): string => {
  const path = relative(src, file)
  const exact = rooms.find((room) => room === path)
  return exact ?? path.split("/")[0] ?? path
}

/** The project files a module imports (static, dynamic with a literal, and `export … from`). */
const importsOf = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1] ?? "")
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, ".ts")))
}

const files = sources(src)
const graph = new Map(files.map((file) => [file, importsOf(file)]))

describe("the core's layers point one way", () => {
  it("every module belongs to a known room", () => {
    expect(files.map(roomOf).filter((room) => !(rooms as ReadonlyArray<string>).includes(room))).toEqual([])
  })

  it("no module imports a room above its own", () => {
    const level = (file: string) => (rooms as ReadonlyArray<string>).indexOf(roomOf(file))
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => roomOf(target) !== roomOf(file) && level(target) > level(file))
        .map((target) => `${relative(src, file)} -> ${relative(src, target)}`),
    )
    expect(upward).toEqual([])
  })

  it("no circle of imports, inside a room or across rooms", () => {
    // Tarjan's strongly connected components: any component of more than one file is a circle.
    let index = 0
    const indices = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: Array<string> = []
    const onStack = new Set<string>()
    const circles: Array<ReadonlyArray<string>> = []
    const visit = (file: string) => {
      indices.set(file, index)
      low.set(file, index)
      index++
      stack.push(file)
      onStack.add(file)
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue
        if (!indices.has(target)) {
          visit(target)
          low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0))
        } else if (onStack.has(target)) low.set(file, Math.min(low.get(file) ?? 0, indices.get(target) ?? 0))
      }
      if (low.get(file) === indices.get(file)) {
        const component: Array<string> = []
        for (;;) {
          const top = stack.pop()
          if (top === undefined) break
          onStack.delete(top)
          component.push(relative(src, top))
          if (top === file) break
        }
        if (component.length > 1) circles.push(component.sort())
      }
    }
    for (const file of files) if (!indices.has(file)) visit(file)
    expect(circles).toEqual([])
  })

  it("the check sees imports: a module of the top room imports from below", () => {
    // Guards the rule itself: were the import pattern to match nothing, the tests above would pass on any code.
    expect(graph.get(join(src, "runtime/AimLive.ts"))?.map((target) => roomOf(target))).toEqual(expect.arrayContaining(["migrations", "database", "config"]))
  })
})

describe("functions a reader can hold in mind", () => {
  // The rule the issue set: no function over 120 lines in src/, the core's and the front ends'.
  // Lines of a function are counted from its first token to its last; a data table is not a function.
  const trees = [src, ...["cli", "backend", "health"].map((app) => resolve(import.meta.dirname, "../../../apps", app, "src"))]

  it("no function in src/ is longer than 120 lines", async () => {
    const ts = (await import("typescript")).default
    const long: Array<string> = []
    for (const file of trees.flatMap(sources)) {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
      const visit = (node: import("typescript").Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
          const first = source.getLineAndCharacterOfPosition(node.getStart()).line
          const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
          if (last - first + 1 > 120) long.push(`${relative(resolve(src, "../../.."), file)}:${first + 1} (${last - first + 1} lines)`)
        }
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(long).toEqual([])
  })
})

describe("a narrow public surface", () => {
  // index.ts exports what the front ends use (apps, docs generator, bench, deploy tests), the errors
  // the services fail with and the shapes they take; tests reach the rest through testing.ts.
  const errorsAndShapes = [
    "SqlError",
    "ConnectionError",
    "ScratchUnavailable",
    "MigrationFailed",
    "MigrationRefused",
    "ServerTooOld",
    "LedgerUnsafe",
    "CheckFailed",
    "LedgerAdminRefused",
    "RollbackRefused",
    "DataLoss",
    "LockWaitTimeout",
    "RedisError",
    "SmtpError",
    "SmtpNotConfigured",
    "SqlParseError",
    "AimConfigShape",
    "DatabaseSettings",
    "ServerDatabase",
    "EmbeddedDatabase",
    "DatabaseShape",
    "Session",
  ]
  const repo = resolve(src, "../../..")
  const frontEnds = ["apps/cli/src", "apps/backend/src", "apps/health/src", "docs/scripts", "bench", "deploy"].map((dir) => join(repo, dir))

  it("every name index.ts exports is used by a front end, or is an error or a shape of the services", () => {
    const index = readFileSync(join(src, "index.ts"), "utf8")
    const exported = [...index.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)].flatMap((m) =>
      (m[1] ?? "")
        .split(",")
        .map((name) => name.trim().replace(/^type\s+/, ""))
        .filter((name) => name !== ""),
    )
    const walk = (dir: string): ReadonlyArray<string> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.name === "node_modules" || entry.name === "dist"
          ? []
          : entry.isDirectory()
            ? walk(join(dir, entry.name))
            : /\.(ts|mts|mjs)$/.test(entry.name)
              ? [join(dir, entry.name)]
              : [],
      )
    const used = new Set(
      frontEnds
        .flatMap(walk)
        .flatMap((file) => [...readFileSync(file, "utf8").matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"@aim\/core"/g)])
        .flatMap((m) =>
          (m[1] ?? "").split(",").map(
            (name) =>
              name
                .trim()
                .replace(/^type\s+/, "")
                .split(/\s+as\s+/)[0] ?? "",
          ),
        ),
    )
    expect(exported.filter((name) => !used.has(name) && !errorsAndShapes.includes(name))).toEqual([])
  })
})

import { readFileSync, readdirSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

// The import boundaries (the rooms, the entries, no circle) are .dependency-cruiser.mjs's, held by
// boundaries.test.ts. What is here: the size of what a reader holds in mind, and a narrow public surface.
const src = resolve(import.meta.dirname, "../src")

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  )

describe("functions a reader can hold in mind", () => {
  // The rule the issue set: no function over 120 lines in src/, the core's and the front ends'.
  // Lines of a function are counted from its first token to its last; a data table is not a function.
  const trees = [src, ...["cli", "backend", "health"].map((app) => resolve(import.meta.dirname, "../../../apps", app, "src"))]

  it("no module in src/ is longer than 600 lines, data tables aside", () => {
    // The error catalog and the backend's schema are tables of data, read entry by entry.
    const tables = ["errors/catalog.ts", "verify/backendSchema.data.ts"]
    const long = trees
      .flatMap(sources)
      .filter((file) => !tables.includes(relative(src, file)))
      .map((file) => [relative(resolve(src, "../../.."), file), readFileSync(file, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 600)
      .map(([file, lines]) => `${file} (${lines} lines)`)
    expect(long).toEqual([])
  })

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

describe("each room of the core says what it is, once", () => {
  // Each folder of src/ opens with a one-line README: the README's tour quotes it, and the
  // architecture page's drawing of the rooms names every folder; a folder added, renamed or gone
  // without them fails here.
  const repo = resolve(src, "../../..")
  const rooms = readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
  const header = (room: string) => readFileSync(join(src, room, "README.md"), "utf8").trim()

  it("every folder has a one-line header, and the README's tour quotes each, naming no other", () => {
    for (const room of rooms) expect(header(room).split("\n"), room).toHaveLength(1)
    const tour = readFileSync(join(repo, "README.md"), "utf8")
    const listed = new Map([...tour.matchAll(/^ {2}([a-z]+)\/ +(.+)$/gm)].map((m) => [m[1] ?? "", (m[2] ?? "").trim()] as const))
    expect([...listed.keys()].sort()).toEqual(rooms)
    for (const room of rooms) expect(listed.get(room), room).toBe(header(room))
  })

  it("the architecture page's drawing of the rooms names every folder and no other", () => {
    const page = readFileSync(join(repo, "docs/guide/architecture.md"), "utf8")
    const drawing = page.slice(page.indexOf("## Layers that point one way")).split("```")[1] ?? ""
    const named = new Set([...drawing.matchAll(/(?:^|\s)([a-z]+)\/(?=\s)/gm)].map((m) => m[1] ?? ""))
    expect([...named].sort()).toEqual(rooms)
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
    "ServicesConfigShape",
    "DatabaseSettings",
    "ServerDatabase",
    "EmbeddedDatabase",
    "DatabaseShape",
    "Session",
    // The types the apps' exported values are inferred with (their declarations must name them):
    // the migrator's, the ledger administration's and the proof's reports, options and errors.
    "BackendReleaseName",
    "BackendServing",
    "AppliedEntry",
    "CoLedgerServing",
    "FilesPlan",
    "PendingMigration",
    "Plan",
    "Refusal",
    "RefusalKind",
    "IdempotencyFinding",
    "IdempotencyReport",
    "ReplayFailed",
    "ApplyOptions",
    "AppliedNow",
    "MigratorError",
    "MigratorOptions",
    "MigratorShape",
    "AdoptedFile",
    "BaselineReport",
    "LedgerAdminError",
    "RepairReport",
    "ErrorCodes",
    "TelemetrySettings",
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

import { type Cluster, startCluster } from "@aim/testkit"
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, cliBundle, shippedMigrations } from "./run.js"

// Counted where no code of aim's can miss it: file reads by wrapping node:fs before the CLI loads
// (a preload module), ledger reads in the server's own statement log.
const counter = `
import fs from "node:fs"
import { syncBuiltinESMExports } from "node:module"
const counts = {}
const count = (path) => { const p = String(path); counts[p] = (counts[p] ?? 0) + 1 }
const readFileSync = fs.readFileSync
const writeFileSync = fs.writeFileSync
fs.readFileSync = function (path, ...rest) { count(path); return readFileSync.call(this, path, ...rest) }
const readFile = fs.readFile
fs.readFile = function (path, ...rest) { count(path); return readFile.call(this, path, ...rest) }
const promised = fs.promises.readFile
fs.promises.readFile = function (path, ...rest) { count(path); return promised.call(this, path, ...rest) }
syncBuiltinESMExports()
process.on("exit", () => writeFileSync(process.env.AIM_TEST_READS, JSON.stringify(counts)))
`

let cluster: Cluster | undefined

beforeAll(async () => {
  cluster = await startCluster({ settings: ["log_statement = 'all'", "log_line_prefix = ''"] })
}, 60_000)
afterAll(() => cluster?.destroy())

describe("one aim migrate reads each input once", () => {
  it(".env once, each migration file once, the ledger once, from a fresh deploy to its verification", () => {
    const port = cluster?.port ?? 0
    const work = mkdtempSync(join(tmpdir(), "aim-reads-"))
    const migrations = join(work, "migrations")
    cpSync(shippedMigrations, migrations, { recursive: true })
    writeFileSync(join(work, ".env"), `DATABASE_URL=postgres://postgres@127.0.0.1:${port}/postgres\n`)
    const preload = join(work, "count.mjs")
    writeFileSync(preload, counter)
    const reads = join(work, "reads.json")
    const log = join(cluster?.dir ?? "", "log")
    const logBefore = readFileSync(log, "utf8").length

    const result = spawnSync(process.execPath, ["--import", preload, cliBundle(), "migrate", "--migrations-dir", migrations], {
      cwd: work,
      env: cleanEnv({ AIM_TEST_READS: reads }),
      encoding: "utf8",
    })
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/21 migrations applied/)

    const counts = JSON.parse(readFileSync(reads, "utf8")) as Record<string, number>
    expect(counts[join(work, ".env")]).toBe(1)
    const files = readdirSync(migrations).filter((f) => f.endsWith(".sql"))
    expect(files).toHaveLength(21)
    expect(Object.fromEntries(files.map((f) => [f, counts[join(migrations, f)]]))).toEqual(Object.fromEntries(files.map((f) => [f, 1])))

    const statements = readFileSync(log, "utf8").slice(logBefore).split("\n")
    const ledgerReads = statements.filter((line) => /statement: SELECT .* FROM aim_migrations\.schema_migrations/.test(line))
    expect(ledgerReads).toHaveLength(1)
  }, 120_000)
})

describe("argv is parsed once, by @effect/cli", () => {
  // Every place the CLI's source reads process.argv, and why: a new reader (a second parse) fails this.
  it("the command line is handed to @effect/cli once; the other reads are the entry's path, --version's fast path and an unparseable line", () => {
    const src = join(import.meta.dirname, "../src")
    const walk = (dir: string): ReadonlyArray<string> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
      )
    const reads = walk(src).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.includes("process.argv"))
        .map((line) => `${file.slice(src.length + 1)}: ${line.trim()}`),
    )
    expect([...reads].sort()).toEqual([
      `aim.ts: if (process.argv.length === 3 && process.argv[2] === "--version") process.stdout.write(\`\${version}\\n\`)`,
      'invocation.ts: export const rawJson = (): boolean => process.argv.slice(2).includes("--json")',
      "main.ts: const handled = run(process.argv).pipe(",
      "options.ts: const entry = process.argv[1]",
    ])
  })
})

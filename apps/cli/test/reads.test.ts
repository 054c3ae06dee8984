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
    expect(result.stdout).toMatch(/25 migrations applied/)

    const counts = JSON.parse(readFileSync(reads, "utf8")) as Record<string, number>
    expect(counts[join(work, ".env")]).toBe(1)
    const files = readdirSync(migrations).filter((f) => f.endsWith(".sql"))
    expect(files).toHaveLength(25)
    expect(Object.fromEntries(files.map((f) => [f, counts[join(migrations, f)]]))).toEqual(Object.fromEntries(files.map((f) => [f, 1])))

    const statements = readFileSync(log, "utf8").slice(logBefore).split("\n")
    const ledgerReads = statements.filter((line) => /statement: SELECT .* FROM aim_migrations\.schema_migrations/.test(line))
    expect(ledgerReads).toHaveLength(1)
  }, 120_000)
})

describe("a no-op aim migrate: the few round trips it needs, and no code it does not", () => {
  // The statements the server logged for a no-op (everything applied) are its round trips; the
  // modules Node loaded are read at exit (process.moduleLoadList names Node's own internals).
  const internals = `process.on("exit", () => require("node:fs").writeFileSync(process.env.AIM_TEST_MODULES, JSON.stringify(process.moduleLoadList)))`

  it("sets the session up and takes the lock in one statement, reads both ledgers in another, creates nothing, and never loads undici", () => {
    const port = cluster?.port ?? 0
    const work = mkdtempSync(join(tmpdir(), "aim-noop-"))
    const env = cleanEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/noop`, AIM_TEST_MODULES: join(work, "modules.json") })
    const created = spawnSync("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-c", "CREATE DATABASE noop"], { encoding: "utf8" })
    expect(created.status, created.stderr).toBe(0)
    const migrate = (...more: ReadonlyArray<string>) =>
      spawnSync(process.execPath, ["--require", join(work, "modules.cjs"), cliBundle(), "migrate", "--migrations-dir", shippedMigrations, ...more], {
        cwd: work,
        env,
        encoding: "utf8",
      })
    writeFileSync(join(work, "modules.cjs"), internals)
    expect(migrate().status).toBe(0)
    const log = join(cluster?.dir ?? "", "log")
    const logBefore = readFileSync(log, "utf8").length
    const noop = migrate()
    expect(noop.status, noop.stderr).toBe(0)
    expect(noop.stdout).toMatch(/up to date|nothing to apply|0 migrations applied/i)
    // One entry per logged message (a statement's text may span lines): LOG:  statement: … / LOG:  execute <unnamed>: …
    const statements = readFileSync(log, "utf8")
      .slice(logBefore)
      .split(/\n(?=[A-Z]+: {2})/)
      .filter((entry) => /^LOG: {2}(statement|execute [^:]*):/.test(entry))
    const setup = statements.filter((line) => /pg_try_advisory_lock/.test(line))
    expect(setup).toHaveLength(1)
    expect(setup[0]).toMatch(/set_config\('lock_timeout'.*set_config\('search_path'.*pg_try_advisory_lock/s)
    expect(statements.filter((line) => /current_setting\('server_version_num'\)/.test(line))).toHaveLength(1)
    expect(statements.filter((line) => /\bCREATE\b/i.test(line))).toEqual([])
    // Both ledgers in one message, the verification after it included: the co-ledger's reads (the runner's
    // columns, rows and whether its tables are there), then aim's rows.
    const ledgerReads = statements.filter((line) => /schema_migrations/.test(line))
    expect(ledgerReads).toHaveLength(1)
    expect(ledgerReads[0]).toMatch(
      /SELECT a\.attname AS column_name,[\s\S]*FROM pg_catalog\.pg_class c[\s\S]*;\s*SELECT version::text AS version FROM public\.schema_migrations ORDER BY version;\s*SELECT pg_catalog\.to_regclass\('public\.users'\) IS NOT NULL AS present;\s*SELECT version, name, checksum[^;]* FROM aim_migrations\.schema_migrations ORDER BY version$/,
    )
    // Without the verification, that is the whole no-op: the setup with the lock, the ledgers, the unlock.
    const quietBefore = readFileSync(log, "utf8").length
    const quiet = migrate("--no-verify")
    expect(quiet.status, quiet.stderr).toBe(0)
    const sent = readFileSync(log, "utf8")
      .slice(quietBefore)
      .split(/\n(?=[A-Z]+: {2})/)
      .filter((entry) => /^LOG: {2}(statement|execute [^:]*):/.test(entry))
      .map((entry) =>
        /pg_try_advisory_lock/.test(entry) ? "setup" : /schema_migrations/.test(entry) ? "ledgers" : /pg_advisory_unlock/.test(entry) ? "unlock" : entry,
      )
    expect(sent).toEqual(["setup", "ledgers", "unlock"])
    const modules = JSON.parse(readFileSync(join(work, "modules.json"), "utf8")) as ReadonlyArray<string>
    expect(modules.filter((m) => /undici/.test(m))).toEqual([])
  }, 120_000)
})

describe("what the entry loads before any command runs", () => {
  // The bundle's static imports from its entry, followed through its chunks (a dynamic import() is a
  // chunk loaded only when the code that asks for it runs), and the sources esbuild put in each: from
  // the build's own metafile, as the bundle is minified.
  it("neither the lock planner, drift, lint, the proof, the environment checks, the verification's checks nor MCP, no YAML parser, and not the whole of effect's Schema (fast-check comes with it)", async () => {
    const { bundleMeta } = (await import(join(import.meta.dirname, "../build.mjs"))) as {
      bundleMeta: () => Promise<{ outputs: Record<string, { imports: ReadonlyArray<{ path: string; kind: string }>; inputs: Record<string, unknown> }> }>
    }
    const { outputs } = await bundleMeta()
    const seen = new Set<string>()
    const visit = (output: string) => {
      if (seen.has(output)) return
      seen.add(output)
      for (const i of outputs[output]?.imports ?? []) if (i.kind === "import-statement" && i.path in outputs) visit(i.path)
    }
    const entry = Object.keys(outputs).find((o) => /(^|\/)dist\/aim\.mjs$/.test(o)) ?? ""
    visit(entry)
    // The entry itself loads main only through import(): follow that one step, as every command does.
    visit(Object.keys(outputs).find((o) => /\/chunks\/main-[^/]+\.mjs$/.test(o)) ?? "")
    expect(seen.size).toBeGreaterThan(2)
    const sources = [...seen].flatMap((output) => Object.keys(outputs[output]?.inputs ?? {}))
    expect(sources.some((s) => s.includes("packages/core/src/migrator/Migrator.ts"))).toBe(true)
    const loadedLater =
      /core\/src\/(plan|drift|authoring|doctor)\/|core\/src\/verify\/(verification|backendSchema)|\/bcryptjs@|apps\/cli\/src\/mcp\/|\/yaml@|\/toml@|\/undici|\/fast-check@/
    expect(sources.filter((s) => loadedLater.test(s))).toEqual([])
    // The same filter over every chunk finds the planner, drift, the verification's checks and MCP: it sees what it forbids.
    const everywhere = Object.values(outputs).flatMap((o) => Object.keys(o.inputs))
    expect(everywhere.filter((s) => /core\/src\/(plan|drift)\/|apps\/cli\/src\/mcp\//.test(s)).length).toBeGreaterThan(3)
    expect(everywhere.filter((s) => /core\/src\/verify\/(verification|backendSchema\.data)\.ts$|\/bcryptjs@/.test(s))).toHaveLength(3)
  })
})

describe("the process is read in one place", () => {
  // Every place the CLI's source reads the process's argv, environment, working directory or streams,
  // and why: the process entry (aim.ts's --version fast path, main.ts's start) hands them to the run;
  // everything else takes the run's (invocation.ts), so the CLI runs the same in process. A new
  // reader fails this.
  it("argv, the environment, the working directory and the streams are read by the entry only; the MCP server's defaults are for its library use", () => {
    const src = join(import.meta.dirname, "../src")
    const walk = (dir: string): ReadonlyArray<string> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
      )
    const reads = walk(src).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /process\.(argv|env|cwd|stdout|stderr|stdin)\b/.test(line) && !line.trim().startsWith("//"))
        .map((line) => `${file.slice(src.length + 1)}: ${line.trim()}`),
    )
    expect([...reads].sort()).toEqual([
      "aim.ts: const args = process.argv.slice(2)",
      "aim.ts: env: process.env,",
      `aim.ts: if (args.length === 1 && args[0] === "--version") process.stdout.write(\`\${version}\\n\`)`,
      "aim.ts: return process.cwd()",
      "main.ts: args: process.argv.slice(2),",
      "main.ts: entry: process.argv[1],",
      "main.ts: env: process.env,",
      'main.ts: process.stderr.on("error", () => process.exit(exitCodes.failed))',
      "main.ts: process.stderr.write(unwritableLine(error.code ?? error.message), () => process.exit(exitCodes.failed))",
      'main.ts: process.stdout.on("error", (error: NodeJS.ErrnoException) => {',
      "main.ts: return process.cwd()",
      "main.ts: stderr: process.stderr,",
      "main.ts: stdin: process.stdin,",
      "main.ts: stdout: process.stdout,",
      "mcp/server.ts: const cwd = options.cwd ?? process.cwd()",
      "mcp/transport.ts: private readonly input: NodeJS.ReadableStream = process.stdin,",
      "mcp/transport.ts: private readonly output: NodeJS.WritableStream = process.stdout,",
    ])
  })
})

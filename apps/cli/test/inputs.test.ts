import { chmodSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, symlinkSync, writeFileSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { testPostgresUrl } from "@aim/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import { lockKeys } from "@aim/core/testing"
import pg from "pg"
import { aim, aimProcess, cleanEnv, cliBundle, repoRoot, shippedMigrations } from "./run.js"

const scratch = mkdtempSync(join(tmpdir(), "aim-inputs-"))
const aFile = join(scratch, "not-a-directory.sql")
writeFileSync(aFile, "SELECT 1;\n")
const loopDir = mkdtempSync(join(tmpdir(), "aim-loop-"))
writeFileSync(join(loopDir, "001_ok.sql"), "SELECT 1;\n")
symlinkSync(join(loopDir, "002_loop.sql"), join(loopDir, "002_loop.sql"))
const badFleet = join(scratch, "fleet.txt")
writeFileSync(badFleet, "ok_name\nnot a database!\n")
const dotEnvDirectory = mkdtempSync(join(tmpdir(), "aim-envdir-"))
mkdirSync(join(dotEnvDirectory, ".env"))
const emptyFleet = join(scratch, "empty-fleet.txt")
writeFileSync(emptyFleet, "# no database yet\n")
// Directories of one bad file each beside the shipped ones, as an author could leave them.
const withFile = (name: string, text: string | Buffer) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-badfile-"))
  cpSync(shippedMigrations, dir, { recursive: true })
  writeFileSync(join(dir, name), text)
  return dir
}
const lateDirective = withFile("031_late.sql", "CREATE TABLE IF NOT EXISTS late (id int);\n-- aim:no-transaction\n")
const typoDirective = withFile("031_typo.sql", '-- aim:chek "x" SELECT 1\nCREATE TABLE IF NOT EXISTS typo (id int);\n')
const onlyComments = withFile("031_comments.sql", "-- to do\n/* later */\n")
const hugeNumber = withFile("99999999999999999999_x.sql", "SELECT 1;\n")
const slowFile = withFile("031_slow.sql", "SELECT pg_sleep(2);\n")
const nulByte = withFile("031_nul.sql", Buffer.from("SELECT 1;\n\0\n"))
const needsRole = withFile("031_grant.sql", "GRANT SELECT ON agents TO aim_no_such_role;\n")

// Working directories for the embedded default: .aim is a file; .aim/pglite holds damaged data.
const aimIsAFile = mkdtempSync(join(tmpdir(), "aim-dotaim-file-"))
writeFileSync(join(aimIsAFile, ".aim"), "")
const aimDamaged = mkdtempSync(join(tmpdir(), "aim-dotaim-damaged-"))
mkdirSync(join(aimDamaged, ".aim", "pglite"), { recursive: true })
writeFileSync(join(aimDamaged, ".aim", "pglite", "PG_VERSION"), "not a version\n")

// Each row: an input, the exit code and the troubleshooting code expected, and what the first line
// says; run through the real CLI process, human and --json.
interface Row {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env?: Record<string, string>
  readonly exit: number
  readonly code: string
  readonly says: RegExp
  /** Text that must appear in no output (a password, or pieces of one). */
  readonly secret?: ReadonlyArray<string>
  /** The working directory (its .env), when not the repository's. */
  readonly cwd?: string
}

const server = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" }

/** A command line refused before anything is opened: AIM-CLI-001, exit 2 (a server is named, never reached). */
const usage = (name: string, args: ReadonlyArray<string>, says: RegExp): Row => ({ name, args, env: server, exit: 2, code: "AIM-CLI-001", says })

const rows: ReadonlyArray<Row> = [
  // A number that rewrites the ledger is plain decimal digits: 1e1 is not version 10, 0x3 not version 3.
  usage("aim baseline 1e1", ["baseline", "1e1"], /VERSION must be a migration number in plain decimal digits.*"1e1"/),
  usage("aim repair 0x3 --yes", ["repair", "0x3", "--yes"], /VERSION must be a migration number in plain decimal digits.*"0x3"/),
  usage("aim rollback --to 1e1", ["rollback", "--to", "1e1"], /--to must be a migration number in plain decimal digits.*"1e1"/),
  usage("aim rollback without --to", ["rollback", "--dry-run"], /--to/),
  usage("an empty --migrations-dir", ["status", "--migrations-dir", ""], /--migrations-dir is empty/),
  // --wizard asks on a terminal: on a pipe it would wait forever.
  usage("--wizard without a terminal", ["migrate", "--wizard"], /--wizard asks its questions on a terminal/),
  {
    name: "DATABASE_URL set but empty (never the embedded database)",
    args: ["status"],
    env: { DATABASE_URL: "" },
    exit: 2,
    code: "AIM-CFG-001",
    says: /DATABASE_URL: is set but empty/,
  },
  {
    name: ".env that is a directory",
    args: ["status"],
    cwd: dotEnvDirectory,
    exit: 2,
    code: "AIM-CFG-001",
    says: /\.env is not a file \(a directory\)/,
  },
  usage("a negative lock timeout", ["migrate", "--lock-timeout", "-5"], /--lock-timeout must be a whole number of seconds from 1 to 2147483/),
  usage("a zero lock timeout (it would turn lock_timeout off)", ["migrate", "--lock-timeout", "0"], /--lock-timeout must be .* from 1 to/),
  { name: "a zero lock wait", args: ["status", "--lock-wait", "0"], exit: 2, code: "AIM-CLI-001", says: /Received unknown argument|--lock-wait/ },
  usage("a zero lock wait on migrate", ["migrate", "--lock-wait", "0"], /--lock-wait must be .* from 1 to/),
  {
    name: "a zero fleet concurrency",
    args: ["migrate", "--databases", "package.json", "--concurrency", "0"],
    exit: 2,
    code: "AIM-CLI-001",
    says: /--concurrency must be .* from 1 to 256/,
  },
  usage(
    "a lock timeout beyond PostgreSQL's maximum",
    ["migrate", "--lock-timeout", "99999999"],
    /--lock-timeout must be a whole number of seconds from 1 to 2147483/,
  ),
  usage("a lock wait beyond what a timer can wait", ["migrate", "--lock-wait", "3000000"], /--lock-wait must be .* from 1 to 2147483/),
  {
    name: "AIM_DATA_DIR naming a file",
    args: ["migrate", "--migrations-dir", shippedMigrations],
    env: { AIM_DATA_DIR: aFile },
    exit: 2,
    code: "AIM-CFG-001",
    says: /AIM_DATA_DIR: names .*not-a-directory\.sql, which is a file/,
  },
  {
    name: ".aim that is a file (the embedded default)",
    args: ["migrate", "--migrations-dir", shippedMigrations],
    cwd: aimIsAFile,
    exit: 1,
    code: "AIM-DB-017",
    says: /the embedded database cannot use .*\.aim\/pglite: .*\.aim is a file, not a directory/,
  },
  {
    name: ".aim/pglite holding damaged data",
    args: ["migrate", "--migrations-dir", shippedMigrations],
    cwd: aimDamaged,
    exit: 1,
    code: "AIM-DB-017",
    says: /the embedded database cannot use .*\.aim\/pglite: PGlite could not open the data in it/,
  },
  {
    name: "-- aim:no-transaction below the first line (migrate)",
    args: ["migrate", "--dry-run", "--migrations-dir", lateDirective],
    env: { DATABASE_URL: testPostgresUrl() },
    exit: 1,
    code: "AIM-MIG-004",
    says: /031_late\.sql: line 2: -- aim:no-transaction works only as the file's first line/,
  },
  {
    name: "-- aim:no-transaction below the first line (lint)",
    args: ["lint", "--migrations-dir", lateDirective],
    exit: 1,
    code: "AIM-MIG-004",
    says: /031_late\.sql: line 2: -- aim:no-transaction works only/,
  },
  {
    name: "an unknown directive (lint of the file itself)",
    args: ["lint", join(typoDirective, "031_typo.sql")],
    exit: 1,
    code: "AIM-MIG-004",
    says: /031_typo\.sql: line 1: unknown directive -- aim:chek/,
  },
  {
    name: "an unknown directive (migrate)",
    args: ["migrate", "--dry-run", "--migrations-dir", typoDirective],
    env: { DATABASE_URL: testPostgresUrl() },
    exit: 1,
    code: "AIM-MIG-004",
    says: /unknown directive -- aim:chek/,
  },
  {
    name: "a file of only comments",
    args: ["status", "--migrations-dir", onlyComments],
    exit: 1,
    code: "AIM-MIG-004",
    says: /031_comments\.sql: has no statement, only comments/,
  },
  {
    name: "a number too large for the ledger",
    args: ["status", "--migrations-dir", hugeNumber],
    exit: 1,
    code: "AIM-MIG-004",
    says: /99999999999999999999_x\.sql: number 99999999999999999999 does not fit the ledger \(at most 2147483647\)/,
  },
  {
    name: "a NUL byte",
    args: ["status", "--migrations-dir", nulByte],
    exit: 1,
    code: "AIM-MIG-004",
    says: /031_nul\.sql: has a NUL byte at offset 10 \(line 2\)/,
  },
  { name: "aim explain with an empty argument", args: ["explain", ""], exit: 2, code: "AIM-CLI-001", says: /aim explain needs a code .* an empty one/ },
  { name: "a non-integer option", args: ["migrate", "--lock-timeout", "soon"], env: server, exit: 2, code: "AIM-CLI-001", says: /soon|integer/i },
  { name: "an unknown command", args: ["migrat"], exit: 2, code: "AIM-CLI-001", says: /Invalid subcommand/ },
  { name: "an unknown flag", args: ["migrate", "--bogus"], exit: 2, code: "AIM-CLI-001", says: /unknown argument: '--bogus'/ },
  // Known options given again are not "unknown": said as what they are (the JSON run adds --json once).
  {
    name: "an option given twice with two values",
    args: ["plan", "--fail-on", "high", "--fail-on=medium"],
    env: server,
    exit: 2,
    code: "AIM-CLI-001",
    says: /the option '--fail-on' is given 2 times: give it once/,
  },
  {
    name: "a file that needs a role no file creates, proved (not an idempotency finding)",
    args: ["migrate", "--prove-idempotent", "--migrations-dir", needsRole],
    env: { DATABASE_URL: testPostgresUrl(), AIM_SCRATCH_DATABASE_URL: testPostgresUrl() },
    exit: 1,
    code: "AIM-MIG-010",
    says: /031_grant\.sql failed on its first run in the scratch database, before any second run: role "aim_no_such_role" does not exist \(42704\)/,
  },
  {
    name: "a scratch server that refuses connections (said as the scratch server's, not the database's)",
    args: ["migrate", "--prove-idempotent"],
    env: { DATABASE_URL: testPostgresUrl(), AIM_SCRATCH_DATABASE_URL: "postgres://postgres:Scr4tch-pw@127.0.0.1:1/scratch" },
    exit: 1,
    code: "AIM-DB-019",
    says: /the scratch server postgres:\/\/postgres@127\.0\.0\.1:1\/scratch .*cannot be used: connect ECONNREFUSED[\s\S]*Correct AIM_SCRATCH_DATABASE_URL/,
    secret: ["Scr4tch-pw"],
  },
  {
    name: "a flag given twice",
    args: ["migrate", "--no-verify", "--no-verify"],
    env: server,
    exit: 2,
    code: "AIM-CLI-001",
    says: /the option '--no-verify' is given 2 times/,
  },
  {
    name: "Redis listening on the PostgreSQL port",
    args: ["migrate"],
    env: { DATABASE_URL: "postgres://postgres@127.0.0.1:6379/identity", POSTGRES_CONNECT_TIMEOUT: "1" },
    exit: 1,
    code: "AIM-DB-003",
    says: /connection timeout/,
  },
  {
    name: "a connect timeout of 0 (it would wait forever)",
    args: ["migrate"],
    env: { ...server, POSTGRES_CONNECT_TIMEOUT: "0" },
    exit: 2,
    code: "AIM-CFG-001",
    says: /POSTGRES_CONNECT_TIMEOUT: "0" is not a number of seconds from 1 to 600/,
  },
  { name: "explain of an unknown code", args: ["explain", "AIM-XYZ-999"], exit: 2, code: "AIM-MCP-002", says: /unknown troubleshooting code AIM-XYZ-999/ },
  { name: "repair without --yes (nothing is opened)", args: ["repair", "3"], env: server, exit: 2, code: "AIM-ADM-001", says: /needs --yes/ },
  {
    name: "a --databases file with a line that is neither a URL nor a name",
    args: ["migrate", "--databases", badFleet],
    env: { DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" },
    exit: 2,
    code: "AIM-CFG-001",
    says: /fleet\.txt:2: is neither a postgres:\/\/ URL nor a database name/,
  },
  {
    name: "a --databases file that lists nothing",
    args: ["migrate", "--databases", emptyFleet],
    env: server,
    exit: 2,
    code: "AIM-CFG-001",
    says: /lists no database/,
  },
  usage("a shard outside its count", ["migrate", "--databases", badFleet, "--shard", "4/4"], /--shard must be I\/N/),
  usage("a shard without a fleet", ["migrate", "--shard", "0/4"], /--shard splits a fleet: it needs --databases FILE/),
  { name: "a migrations path that is a file", args: ["status", "--migrations-dir", aFile], exit: 2, code: "AIM-MIG-005", says: /is a file, not a directory/ },
  {
    name: "a migration file that is a symbolic link loop",
    args: ["status", "--migrations-dir", loopDir],
    exit: 1,
    code: "AIM-MIG-004",
    says: /002_loop\.sql: cannot be read \(a symbolic link that loops\)/,
  },
  {
    name: "aim new into a missing directory",
    args: ["new", "add things", "--migrations-dir", join(scratch, "nowhere")],
    exit: 2,
    code: "AIM-MIG-005",
    says: /nowhere does not exist/,
  },
  {
    name: "POSTGRES_SSL_ROOT_CERT naming a missing file",
    args: ["migrate"],
    env: { DATABASE_URL: "postgres://postgres@127.0.0.1:1/none?sslmode=verify-full", POSTGRES_SSL_ROOT_CERT: join(scratch, "missing-ca.pem") },
    exit: 2,
    code: "AIM-CFG-001",
    says: /POSTGRES_SSL_ROOT_CERT \(or sslrootcert in DATABASE_URL\): names .*missing-ca\.pem, which does not exist/,
  },
  {
    name: "a DATABASE_URL password with unencoded @ / % : #",
    args: ["migrate"],
    env: { DATABASE_URL: "postgres://postgres:Zq9@xK7/wV3%mN:pL#@db.example.com:5432/identity" },
    exit: 2,
    code: "AIM-CFG-001",
    says: /DATABASE_URL: cannot be right as written/,
    secret: ["Zq9", "xK7", "wV3", "mN:pL", "pL#"],
  },
]

describe("every bad input is answered: one coded line, the right exit code, JSON when asked", () => {
  // In process, through the one renderer: the same answer as the process gives (a few rows run as
  // processes below, to show that), without starting one per row and format.
  it.each(rows)("$name", async (row) => {
    const human = await aim(row.args, row.env ?? {}, row.cwd)
    expect(human.code, human.stderr).toBe(row.exit)
    const first = human.stderr.split("\n").find((line) => line.startsWith("✖")) ?? human.stdout.split("\n").find((line) => /\[AIM-/.test(line)) ?? ""
    expect(first).toContain(`[${row.code}]`)
    expect(`${human.stdout}\n${human.stderr}`).toMatch(row.says)
    expect(human.stderr).not.toMatch(/\n\s+at /) // no stack trace

    const json = await aim([...row.args, "--json"], row.env ?? {}, row.cwd)
    expect(json.code).toBe(row.exit)
    const doc = JSON.parse(json.stdout)
    expect(doc.ok).toBe(false)
    const code = doc.error?.code ?? doc.checks?.find((c: { status: string; code?: string }) => c.status === "fail" && c.code !== undefined)?.code
    expect(code).toBe(row.code)
    for (const piece of row.secret ?? []) expect(`${human.stdout}${human.stderr}${json.stdout}${json.stderr}`).not.toContain(piece)
  })

  // The process gives the same answer, byte for byte, as the run in process: one row of each exit code
  // and kind of failure (usage, configuration, a database refusal), human and --json.
  it("as a process, the same bytes and exit code as in process", async () => {
    const sample = rows.filter((_, index) => index % 10 === 0)
    expect(sample.length).toBeGreaterThanOrEqual(4)
    for (const row of sample) {
      for (const args of [row.args, [...row.args, "--json"]]) {
        const [inProcess, asProcess] = [await aim(args, row.env ?? {}, row.cwd), await aimProcess(args, row.env ?? {}, row.cwd)]
        expect({ name: row.name, ...asProcess }).toEqual({ name: row.name, ...inProcess })
      }
    }
  })

  it("doctor on that DATABASE_URL: the environment is invalid (exit 2), no piece of the password shown as a host or database", async () => {
    const result = await aim(["doctor", "--json"], { DATABASE_URL: "postgres://postgres:Zq9@xK7/wV3%mN:pL#@db.example.com:5432/identity" })
    expect(result.code).toBe(2)
    const doc = JSON.parse(result.stdout)
    expect(doc.checks).toContainEqual(
      expect.objectContaining({ title: "DATABASE_URL", status: "fail", code: "AIM-CFG-001", detail: expect.stringMatching(/^cannot be right as written/) }),
    )
    for (const piece of ["Zq9", "xK7", "wV3", "pL#"]) expect(`${result.stdout}${result.stderr}`).not.toContain(piece)
  })

  it("a secret that looks like JSON (true, a number) or holds a quote, and a % in an OTLP header or REDIS_URL: --json stays valid, no command crashes", async () => {
    for (const password of ["true", "5432", 'pa"ss\\wd']) {
      const result = await aim(["status", "--json", "--migrations-dir", shippedMigrations], {
        DATABASE_URL: testPostgresUrl(),
        POSTGRES_PASSWORD: password,
        OTEL_EXPORTER_OTLP_HEADERS: "api-key=ab%zz",
        REDIS_URL: "redis://:p%w@127.0.0.1:6379",
      })
      expect(result.stderr).not.toMatch(/URIError|\n\s+at /)
      const doc = JSON.parse(result.stdout)
      expect(typeof doc.upToDate).toBe("boolean")
    }
  })

  it("DATABASE_URL and POSTGRES_* both set and different: the URL is used, said once, no value shown", async () => {
    const result = await aim(["status", "--migrations-dir", shippedMigrations], {
      DATABASE_URL: testPostgresUrl(),
      POSTGRES_HOST: "elsewhere.example.com",
      POSTGRES_DB: "otherdb",
    })
    const notices = result.stderr.split("\n").filter((line) => line.includes("DATABASE_URL is used"))
    expect(notices).toEqual(["ℹ DATABASE_URL is used; POSTGRES_HOST, POSTGRES_DB are set to something else and ignored (unset them, or DATABASE_URL)"])
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/elsewhere|otherdb/)
  })

  it("a server that accepts TCP and never answers: AIM-DB-003 within POSTGRES_CONNECT_TIMEOUT, not a lost connection", async () => {
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const port = (silent.address() as AddressInfo).port
    try {
      const t0 = Date.now()
      const result = await aim(["migrate", "--json"], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/identity`, POSTGRES_CONNECT_TIMEOUT: "1" })
      // Bounded by the timeout it was given (1 s), with room for process start-up on a busy machine.
      expect(Date.now() - t0).toBeLessThan(8000)
      expect(result.code).toBe(1)
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: "AIM-DB-003" })
    } finally {
      silent.close()
    }
  })

  it("REDIS_PORT=63a9 is reported by doctor and never connected to (a Redis answers on the default port here)", async () => {
    const result = await aim(["doctor", "--json"], { ...server, REDIS_HOST: "127.0.0.1", REDIS_PORT: "63a9", REDIS_PASSWORD: "Rd5-secret" })
    const doc = JSON.parse(result.stdout)
    const redis = doc.checks.find((c: { id: string }) => c.id === "redis")
    expect(redis).toMatchObject({ status: "warn", code: "AIM-CFG-001" })
    expect(redis.detail).toMatch(/not used, its settings are invalid \(REDIS_PORT: "63a9" is not a port number\): no connection was attempted/)
    expect(result.stdout).not.toContain("Rd5-secret")
  })
})

describe("every wait is bounded and interruptible", () => {
  const start = (args: ReadonlyArray<string>, env: Record<string, string>) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd: repoRoot, env: cleanEnv(env) })
    let stdout = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    const exited = new Promise<number | null>((resolveExit) => child.on("close", (code) => resolveExit(code)))
    return { child, exited, stdout: () => stdout }
  }
  const blackHole = async () => {
    let reached: () => void = () => undefined
    // Resolved at the first connection: whoever connected is now waiting for an answer.
    const connected = new Promise<void>((resolveConnected) => {
      reached = resolveConnected
    })
    const server = createServer((socket) => {
      reached()
      socket.on("error", () => undefined)
    })
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen))
    return { port: (server.address() as AddressInfo).port, connected, close: () => server.close() }
  }

  it("a Redis that accepts and never answers: aim doctor reports it unavailable (optional) within --timeout", async () => {
    const redis = await blackHole()
    try {
      const t0 = Date.now()
      const result = await aim(["doctor", "--json", "--timeout", "2"], {
        DATABASE_URL: testPostgresUrl(),
        REDIS_HOST: "127.0.0.1",
        REDIS_PORT: String(redis.port),
      })
      expect(Date.now() - t0).toBeLessThan(10_000)
      const check = JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === "redis")
      expect(check).toMatchObject({ status: "warn", code: "AIM-REDIS-001", detail: expect.stringMatching(/^unavailable \(optional\): .*timed out connecting/) })
    } finally {
      redis.close()
    }
  })

  it("SIGTERM ends a command within a second: waiting on Redis (doctor) or on the migration lock (migrate, one JSON document saying what stays)", async () => {
    const redis = await blackHole()
    const { createTestDatabase, sql: query } = await import("@aim/testkit")
    const db = await createTestDatabase(testPostgresUrl(), "aim_sigterm")
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      const doctor = start(["doctor", "--timeout", "60"], {
        DATABASE_URL: db.url,
        REDIS_HOST: "127.0.0.1",
        REDIS_PORT: String(redis.port),
        REDIS_CONNECT_TIMEOUT: "60",
      })
      const migrate = start(["migrate", "--json", "--lock-wait", "60", "--migrations-dir", shippedMigrations], { DATABASE_URL: db.url })
      // Each in its wait (not a fixed sleep: a loaded machine starts Node slower): doctor connected to
      // the silent Redis, migrate connected and behind the held migration lock.
      await redis.connected
      for (let waiting = false; !waiting; ) {
        // Its session is open (it tries the lock in its first round trip, then waits for it).
        const rows = await query<{ n: number }>(
          db.url,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'aim-migrate%'",
        )
        waiting = (rows[0]?.n ?? 0) > 0
        if (!waiting) await new Promise((r) => setTimeout(r, 50))
      }
      const t0 = Date.now()
      doctor.child.kill("SIGTERM")
      migrate.child.kill("SIGTERM")
      const [doctorCode, migrateCode] = await Promise.all([doctor.exited, migrate.exited])
      expect(Date.now() - t0).toBeLessThan(1000)
      expect([doctorCode, migrateCode]).toEqual([130, 130])
      expect(JSON.parse(migrate.stdout())).toMatchObject({
        ok: false,
        interrupted: true,
        error: { code: "AIM-GEN-002", message: expect.stringMatching(/^stopped by SIGTERM/) },
      })
      expect(await query(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
    } finally {
      await holder.end()
      redis.close()
      await db.drop()
    }
  })
})

describe("every server refusal has its own code and a fix that works", () => {
  // Databases and roles set up the way a DBA would have left them; each one's URL is the only input.
  const suffix = `${process.pid}_${Date.now() % 100000}`
  const roles = { noLogin: `aim_nologin_${suffix}`, noSlots: `aim_noslots_${suffix}`, noCreatedb: `aim_nocreatedb_${suffix}` }
  const made: Array<{ drop: () => Promise<void> }> = []
  const urls: Record<string, string> = {}
  const withUser = (url: string, user: string) => {
    const u = new URL(url)
    u.username = user
    u.password = "Ro1e-pass"
    return u.toString()
  }

  beforeAll(async () => {
    const { createTestDatabase: create, sql: run } = await import("@aim/testkit")
    const database = async (name: string, setting: string) => {
      const db = await create(testPostgresUrl(), `aim_refuse_${name}`)
      made.push(db)
      await run(testPostgresUrl(), `ALTER DATABASE ${new URL(db.url).pathname.slice(1)} ${setting}`)
      urls[name] = db.url
    }
    await database("readonly", "SET default_transaction_read_only = on")
    // Long enough that no quick statement meets it (a timeout of a millisecond or two can fire as a
    // statement ends, which PostgreSQL then reports as a cancel): the slow file's pg_sleep does.
    await database("timeout", "SET statement_timeout = '300ms'")
    await database("closed", "ALLOW_CONNECTIONS false")
    // A database whose schema public was dropped: nowhere to create the tables.
    const noPublic = await create(testPostgresUrl(), "aim_refuse_nopublic")
    made.push(noPublic)
    await run(noPublic.url, "DROP SCHEMA public CASCADE")
    urls.noPublic = noPublic.url
    await run(testPostgresUrl(), `CREATE ROLE ${roles.noLogin} NOLOGIN PASSWORD 'Ro1e-pass'`)
    await run(testPostgresUrl(), `CREATE ROLE ${roles.noSlots} LOGIN CONNECTION LIMIT 0 PASSWORD 'Ro1e-pass'`)
    await run(testPostgresUrl(), `CREATE ROLE ${roles.noCreatedb} LOGIN NOCREATEDB PASSWORD 'Ro1e-pass'`)
    urls.noLogin = withUser(testPostgresUrl(), roles.noLogin)
    urls.noSlots = withUser(testPostgresUrl(), roles.noSlots)
    urls.noCreatedb = withUser(testPostgresUrl(), roles.noCreatedb)
  })
  afterAll(async () => {
    const { sql: run } = await import("@aim/testkit")
    await Promise.all(made.map((db) => db.drop()))
    await run(testPostgresUrl(), `DROP ROLE IF EXISTS ${roles.noLogin}`)
    await run(testPostgresUrl(), `DROP ROLE IF EXISTS ${roles.noSlots}`)
    await run(testPostgresUrl(), `DROP ROLE IF EXISTS ${roles.noCreatedb}`)
  })

  it.each([
    ["a read-only database (default_transaction_read_only)", "readonly", "AIM-DB-011", /in a read-only transaction/],
    ["a database-level statement_timeout", "timeout", "AIM-DB-012", /statement timeout/],
    ["a database closed to connections (ALLOW_CONNECTIONS false)", "closed", "AIM-DB-014", /is not currently accepting connections/],
    ["a role without LOGIN", "noLogin", "AIM-DB-015", /is not permitted to log in/],
    ["a role whose connection limit is 0", "noSlots", "AIM-DB-016", /too many connections for role/],
    ["a database without schema public", "noPublic", "AIM-DB-020", /no schema has been selected to create in[\s\S]*CREATE SCHEMA IF NOT EXISTS public/],
  ])("%s", async (_, which, code, says) => {
    const migrationsDir = which === "timeout" ? slowFile : shippedMigrations
    const env = { DATABASE_URL: urls[which] ?? "", POSTGRES_CONNECT_TIMEOUT: "3" }
    const human = await aim(["migrate", "--migrations-dir", migrationsDir], env)
    expect(human.code, human.stderr).toBe(1)
    const line = human.stderr.split("\n").find((l) => l.startsWith("✖")) ?? ""
    expect(line).toContain(`[${code}]`)
    expect(line).toMatch(says)
    expect(line).not.toContain("AIM-GEN-001")
    const json = await aim(["migrate", "--json", "--migrations-dir", migrationsDir], env)
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).error).toMatchObject({ code })
    expect(`${human.stdout}${human.stderr}${json.stdout}`).not.toContain("Ro1e-pass")
  })

  it("a scratch role without CREATEDB: AIM-DB-019 says the scratch server's role may not create its database (not AIM-DB-008 about schema public)", async () => {
    const env = { DATABASE_URL: testPostgresUrl(), AIM_SCRATCH_DATABASE_URL: urls.noCreatedb ?? "" }
    const human = await aim(["migrate", "--prove-idempotent"], env)
    expect(human.code, human.stderr).toBe(1)
    const line = human.stderr.split("\n").find((l) => l.startsWith("✖")) ?? ""
    expect(line).toMatch(/^✖ \[AIM-DB-019\] the scratch server .* cannot be used: permission denied to create database\. Fix: .*CREATEDB/)
    const json = await aim(["migrate", "--prove-idempotent", "--json"], env)
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "AIM-DB-019" })
    expect(`${human.stdout}${human.stderr}${json.stdout}`).not.toContain("Ro1e-pass")
  })
})

// What only a process shows: its output going nowhere. /dev/full fails every write with ENOSPC, as
// a full disk does; a pipe whose reader left fails with EPIPE.
describe("an output that cannot be written", () => {
  const run = (stdout: "full" | "closed-pipe", stderr: "pipe" | "full") =>
    new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
      const full = openSync("/dev/full", "w")
      const child = spawn(process.execPath, [cliBundle(), "explain", "AIM-DB-004"], {
        cwd: repoRoot,
        env: cleanEnv(),
        stdio: ["ignore", stdout === "full" ? full : "pipe", stderr === "full" ? full : "pipe"],
      })
      closeSync(full)
      if (stdout === "closed-pipe") child.stdout?.destroy()
      let text = ""
      child.stderr?.on("data", (chunk: Buffer) => {
        text += chunk.toString()
      })
      child.on("close", (code) => resolveRun({ code, stderr: text }))
    })

  it("a full disk: one coded line on stderr (AIM-CLI-002), exit 1, no stack trace", async () => {
    const result = await run("full", "pipe")
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^✖ \[AIM-CLI-002\] stdout could not be written \(ENOSPC\)/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it("a reader that left (EPIPE): exit 0 and nothing said; stderr gone as well: exit 1, no hang", async () => {
    expect(await run("closed-pipe", "pipe")).toEqual({ code: 0, stderr: "" })
    expect((await run("full", "full")).code).toBe(1)
  })
})

describe("the embedded database's directory, unwritable", () => {
  // Root writes anywhere: as root the CLI runs as nobody (setpriv), where this machine has it.
  const asRoot = process.getuid?.() === 0
  const runAs = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath] : [process.execPath]
  const usable =
    !asRoot ||
    spawnSync("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      "-e",
      `require("fs").accessSync(${JSON.stringify(cliBundle())})`,
    ]).status === 0

  it.skipIf(!usable)("a directory this user may not write: AIM-DB-017 naming it, exit 1, nothing created", async () => {
    const parent = mkdtempSync(join(tmpdir(), "aim-unwritable-"))
    chmodSync(parent, 0o555)
    const [command = process.execPath, ...prefix] = runAs
    const result = spawnSync(command, [...prefix, cliBundle(), "migrate", "--json", "--migrations-dir", shippedMigrations], {
      cwd: tmpdir(),
      env: cleanEnv({ AIM_DATA_DIR: join(parent, "data"), HOME: tmpdir() }),
      encoding: "utf8",
    })
    expect(result.status, result.stderr).toBe(1)
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: "AIM-DB-017", message: expect.stringContaining(`${parent} is not writable by this user`) })
    expect(readdirSync(parent)).toEqual([])
  })
})

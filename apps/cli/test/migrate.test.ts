import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { describe, expect, it } from "vitest"
import { aimProcess } from "./run.js"

describe("aim migrate / status on PostgreSQL", () => {
  // Each test has its own database and sets up what it needs: none depends on another's order.
  const fresh = useFreshDatabases("aim_cli")
  const migrated = async () => {
    const db = await fresh()
    const result = await aimProcess(["migrate", "--no-verify"], { DATABASE_URL: db.url })
    expect(result.code, result.stderr).toBe(0)
    return db
  }

  it("dry-run prints the plan and changes nothing", async () => {
    const db = await fresh()
    const database = () => db
    const result = await aimProcess(["migrate", "--dry-run", "--json"], { DATABASE_URL: database().url })
    expect(result.code).toBe(0)
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({ ok: true, dryRun: true, upToDate: false, applied: [] })
    expect(doc.pending).toHaveLength(25)
    expect(doc.pending[0]).toMatchObject({ version: 1, name: "001_initial_schema.sql", checksum: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(await sql(database().url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
  })

  it("applies with the guide's lines, one line per migration, and a second run is up to date", async () => {
    const db = await fresh()
    const database = () => db
    const first = await aimProcess(["migrate"], { DATABASE_URL: database().url })
    expect(first.code, first.stderr).toBe(0)
    const lines = first.stdout.trim().split("\n")
    expect(lines[0]).toBe("✅ Migrating database schema...")
    // One ✓ line per file, right after the first line; then the completion line, then the verification.
    const applied = lines.slice(1, 26)
    expect(applied.every((l) => /^ {2}✓ \d{3}_\w+\.sql \(\d+ ms\)$/.test(l))).toBe(true)
    const done = lines.findIndex((l) => l.startsWith("✅ Database migration completed"))
    expect(lines[done]).toMatch(/^✅ Database migration completed successfully: 25 migrations applied in \d+ ms$/)
    expect(done).toBe(1 + applied.length)
    expect(lines[done + 1]).toMatch(/^Verifying: postgres:\/\//)
    expect(lines.at(-1)).toMatch(/^✅ \d+ passed, \d+ warnings?, 0 failed$/)

    const second = await aimProcess(["migrate"], { DATABASE_URL: database().url })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain("✅ Database migration completed successfully")
    expect(second.stdout).toMatch(/up to date/)
    expect(second.stdout).not.toMatch(/✓ 0/)
  })

  it("status --json and migrate --json print one JSON document with stable fields", async () => {
    const db = await migrated()
    const database = () => db
    const status = await aimProcess(["status", "--json"], { DATABASE_URL: database().url })
    expect(status.code).toBe(0)
    const doc = JSON.parse(status.stdout)
    expect(doc.upToDate).toBe(true)
    expect(doc.pending).toEqual([])
    expect(doc.applied).toHaveLength(25)
    expect(Object.keys(doc.applied[0]).sort()).toEqual(["appliedAt", "appliedBy", "checksum", "durationMs", "method", "name", "state", "version"])
    const migrate = await aimProcess(["migrate", "--json"], { DATABASE_URL: database().url })
    expect(JSON.parse(migrate.stdout)).toMatchObject({ ok: true, applied: [], pending: [], upToDate: true })
  })

  it("a refusal exits 1 with the troubleshooting code, cause and fix on one line", async () => {
    const db = await migrated()
    const database = () => db
    await sql(database().url, "UPDATE aim_migrations.schema_migrations SET checksum = 'x' WHERE version = 3")
    const result = await aimProcess(["migrate"], { DATABASE_URL: database().url })
    expect(result.code).toBe(1)
    const line = result.stderr.split("\n").find((l) => l.startsWith("✖"))
    expect(line).toMatch(
      /^✖ \[AIM-MIG-001\] 003_add_missing_agent_columns\.sql changed after it was applied .*Fix: .*docs: \/troubleshooting\/checksum-changed\)$/,
    )
    const json = await aimProcess(["status", "--json"], { DATABASE_URL: database().url })
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).refusals[0]).toMatchObject({ kind: "changed", version: 3 })
  })

  it("bad usage and bad configuration exit 2; --help documents the exit codes", async () => {
    expect((await aimProcess(["migrate", "--no-such-flag"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/never-opened" })).code).toBe(2)
    const config = await aimProcess(["migrate", "--json"], { POSTGRES_HOST: "localhost", POSTGRES_PORT: "fivefourthreetwo" })
    expect(config.code).toBe(2)
    const doc = JSON.parse(config.stdout)
    expect(doc.error.code).toBe("AIM-CFG-001")
    expect(doc.error.details.join("\n")).toMatch(/POSTGRES_PORT: "fivefourthreetwo" is not a port number/)
    expect(doc.error.details.join("\n")).toMatch(/POSTGRES_PASSWORD: is not set/)
    const help = await aimProcess(["--help"])
    expect(help.stdout).toMatch(/Exit codes: 0 success, 1 a migration or check failed, 2 bad usage or configuration/)
    // Plain text: @effect/cli's bold headings are not printed as \x1b[0;1m (nor as escape codes).
    expect(help.stdout).toMatch(/^USAGE$/m)
    expect(help.stdout).not.toContain("\\x1b")
    expect(help.stdout).not.toContain(String.fromCharCode(0x1b))
  })

  it("an unreachable server is a one-line error with its code, not a stack trace", async () => {
    const result = await aimProcess(["migrate"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" })
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(/^✖ \[AIM-DB-001\] connect ECONNREFUSED 127\.0\.0\.1:1\. Fix: /)
  })
})

describe("8 aim migrate processes at once on a fresh database", () => {
  it("all exit 0 and every migration is applied exactly once", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_race")
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => aimProcess(["migrate", "--json"], { DATABASE_URL: db.url })))
      for (const r of results) expect(r.code, r.stderr).toBe(0)
      const applied = results.flatMap((r) => JSON.parse(r.stdout).applied as Array<{ version: number }>)
      expect(applied.map((a) => a.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
      expect(await sql(db.url, "SELECT count(*)::int AS n, count(DISTINCT version)::int AS d FROM aim_migrations.schema_migrations")).toEqual([
        { n: 25, d: 25 },
      ])
    } finally {
      await db.drop()
    }
  })
})

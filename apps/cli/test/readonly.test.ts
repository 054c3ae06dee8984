import { type TestDatabase, createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { lockKeys } from "@aim/core/testing"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { aim } from "./run.js"

// Every mode that "changes nothing" is proved against a database where every write fails: a role that
// may only read, whose transactions are read-only. A mode that tried to write (create its ledger, take
// a row lock, record anything) would fail here instead of exiting 0.

describe("the modes that change nothing never write, proved as a role that cannot", () => {
  let db: TestDatabase
  const role = `aim_readonly_${process.pid}`
  let readOnlyUrl = ""
  beforeAll(async () => {
    db = await createTestDatabase(testPostgresUrl(), "aim_readonly")
    const migrated = await aim(["migrate", "--no-verify"], { DATABASE_URL: db.url })
    expect(migrated.code, migrated.stderr).toBe(0)
    await sql(
      db.url,
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$;
       ALTER ROLE ${role} PASSWORD 'Read-only-pw1';
       ALTER ROLE ${role} SET default_transaction_read_only = on;
       GRANT USAGE ON SCHEMA public, aim_migrations TO ${role};
       GRANT SELECT ON ALL TABLES IN SCHEMA public, aim_migrations TO ${role};`,
    )
    const url = new URL(db.url)
    url.username = role
    // Its own password: a server that asks for one over TCP (a stock Debian cluster) gets it.
    url.password = "Read-only-pw1"
    readOnlyUrl = url.toString()
  })
  afterAll(async () => {
    await db.drop()
    // A login role with a password this file prints is not left on the server.
    await sql(testPostgresUrl(), `DROP ROLE IF EXISTS ${role}`)
  })

  it.each([
    ["status", ["status"]],
    ["migrate --dry-run", ["migrate", "--dry-run"]],
    ["plan", ["plan"]],
    ["drift", ["drift"]],
    ["migrate --prove-idempotent", ["migrate", "--prove-idempotent"]],
    ["migrate --prove-rollback", ["migrate", "--prove-rollback"]],
    // The plan of a way back: no lock, no transaction, counts only.
    ["rollback --dry-run", ["rollback", "--to", "20", "--dry-run"]],
    // Its one write, a registration row rolled back, is not tried in a read-only session (a warning).
    ["verify", ["verify"]],
  ])("%s exits 0 and writes nothing", async (_mode, args) => {
    const before = await sql(db.url, "SELECT count(*)::int AS n, max(applied_at) AS at FROM aim_migrations.schema_migrations")
    // Replays go to the test server (named by the environment, as an operator would), not PGlite: faster.
    const result = await aim(args, { DATABASE_URL: readOnlyUrl, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() })
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(await sql(db.url, "SELECT count(*)::int AS n, max(applied_at) AS at FROM aim_migrations.schema_migrations")).toEqual(before)
  })

  it("a write really fails as that role (the proof above means something)", async () => {
    await expect(sql(readOnlyUrl, "CREATE TABLE public.should_fail (id int)")).rejects.toThrow(/read-only transaction|permission denied/)
  })

  it("status, plan and drift say that a migration is running now, instead of waiting in silence", async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: "aim-migrate other-host pid 4242" })
    await holder.connect()
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      for (const args of [["status"], ["plan"], ["drift"]]) {
        const result = await aim(args, { DATABASE_URL: readOnlyUrl, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() })
        expect(result.stderr, args.join(" ")).toMatch(/⏳ a migration is running on this database now: aim-migrate other-host pid 4242/)
      }
    } finally {
      await holder.end()
    }
    expect((await aim(["status"], { DATABASE_URL: readOnlyUrl })).stderr).not.toMatch(/migration is running/)
  })
})

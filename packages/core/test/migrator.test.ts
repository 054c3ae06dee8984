import { sql } from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import bcrypt from "bcryptjs"
import { Effect, Fiber } from "effect"
import pg from "pg"
import { appendFileSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import type { MigrationEvent } from "../src/migrator/Migrator.js"
import type { Session } from "../src/database/Database.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { lockKeys } from "../src/migrator/MigrationLock.js"
import type { DatabaseShape } from "../src/database/Database.js"
import { lockedSession } from "../src/migrator/MigrationSession.js"
import { backendTables } from "../src/verify/expectations.js"
import { migrationsCopy, runMigrator, runMigratorFailure, shippedMigrations, migratorFor } from "./support.js"
import { Migrator } from "../src/migrator/Migrator.js"

const expectedTables = [
  "agents",
  "alerts",
  "analytics_agent_activity",
  "analytics_trust_scores",
  "api_keys",
  "audit_logs",
  "mcp_servers",
  "organizations",
  "sdk_tokens",
  "security_policies",
  "system_config",
  "user_registration_requests",
  "users",
  "verification_events",
]

const freshDatabase = useFreshDatabases("aim_migrator")
const migrated = useMigratedDatabases("aim_migrator")

const ledgerVersions = async (url: string) =>
  (await sql<{ version: number }>(url, "SELECT version FROM aim_migrations.schema_migrations ORDER BY version")).map((r) => r.version)

describe("migrator on PostgreSQL", () => {
  it("fresh deploy gives the guide's Step 3 tables and Step 4 rows; a second run is a no-op", async () => {
    const db = await freshDatabase()
    const first = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(first.applied.map((a) => a.version)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))

    const tables = await sql<{ tablename: string }>(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    // The guide's 14, and the AIM backend's own (deployed-shapes.md, state B).
    expect(tables.map((t) => t.tablename).filter((t) => !backendTables.has(t))).toEqual(expectedTables)
    expect(tables.map((t) => t.tablename).filter((t) => backendTables.has(t))).toHaveLength(backendTables.size)

    const admin = await sql<{ email: string; role: string; status: string; org: string; password_hash: string }>(
      db.url,
      `SELECT u.email, u.role, u.status, o.name AS org, u.password_hash
         FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.email = 'admin@opena2a.org'`,
    )
    expect(admin).toHaveLength(1)
    expect(admin[0]).toMatchObject({ email: "admin@opena2a.org", role: "admin", status: "active", org: "OpenA2A Admin" })
    expect(admin[0]?.password_hash).toMatch(/^\$2[ab]\$1\d\$/)
    expect(bcrypt.compareSync("AIM2025!Secure", admin[0]?.password_hash ?? "")).toBe(true)

    const policies = await sql<{ name: string; priority: number; is_enforced: boolean }>(
      db.url,
      "SELECT name, policy_type, enforcement_action, priority, is_enforced FROM security_policies ORDER BY priority DESC",
    )
    expect(policies.map((p) => [p.name, p.priority])).toEqual([
      ["Critical Trust Score Block", 300],
      ["Data Exfiltration Detection", 250],
      ["Capability Violation Detection", 200],
      ["Failed Authentication Monitoring", 150],
      ["Low Trust Score Alert", 100],
      ["Unusual Activity Monitoring", 80],
    ])
    expect(policies.filter((p) => p.is_enforced).map((p) => p.name)).toEqual(["Capability Violation Detection"])

    const ledger = await sql<{ name: string; checksum: string; applied_by: string }>(
      db.url,
      "SELECT name, checksum, applied_by FROM aim_migrations.schema_migrations ORDER BY version",
    )
    expect(ledger).toHaveLength(25)
    expect(ledger[12]?.name).toBe("013_create_default_admin_user.sql")
    expect(ledger[0]?.checksum).toMatch(/^[0-9a-f]{64}$/)

    const second = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(second.applied).toEqual([])
    const status = await runMigrator(db.url, shippedMigrations, (m) => m.status)
    expect(status.upToDate).toBe(true)
    expect(status.applied).toHaveLength(25)
  })

  it("a failing statement rolls its file back, leaves the ledger alone and names file, line and column", async () => {
    const db = await freshDatabase()
    const dir = migrationsCopy({
      "031_broken.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\n\nINSERT INTO test_hooks (id)\n  VALUES (nosuchcolumn);\n",
    })
    const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
    expect(error._tag).toBe("MigrationFailed")
    if (error._tag !== "MigrationFailed") return
    expect(error).toMatchObject({ name: "031_broken.sql", line: 4, column: 11, sqlState: "42703", rolledBack: true })
    expect(error.message).toMatch(/^031_broken\.sql:4:11: column "nosuchcolumn" does not exist \(SQLSTATE 42703\)$/)
    expect(await ledgerVersions(db.url)).toHaveLength(25)
    expect(await sql(db.url, "SELECT to_regclass('public.test_hooks') IS NULL AS gone")).toEqual([{ gone: true }])
  })

  it("locates errors the server gives no position for (RAISE) by their statement", async () => {
    const db = await freshDatabase()
    const dir = migrationsCopy({
      "031_raise.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\n-- a comment\nDO $$ BEGIN\n  RAISE EXCEPTION 'boom';\nEND $$;\n",
    })
    const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
    expect(error).toMatchObject({ _tag: "MigrationFailed", name: "031_raise.sql", line: 3, sqlState: "P0001" })
    expect(await sql(db.url, "SELECT to_regclass('public.test_hooks') IS NULL AS gone")).toEqual([{ gone: true }])
  })

  it("refuses a changed applied file and applies nothing", async () => {
    const db = await migrated()
    const dir = migrationsCopy({ "031_new.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\n" })
    const { appendFileSync } = await import("node:fs")
    appendFileSync(`${dir}/003_add_missing_agent_columns.sql`, "\n-- edited after deploy\n")
    const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
    expect(error._tag).toBe("MigrationRefused")
    if (error._tag !== "MigrationRefused") return
    expect(error.refusals).toHaveLength(1)
    expect(error.refusals[0]).toMatchObject({ kind: "changed", name: "003_add_missing_agent_columns.sql" })
    expect(diagnose(error).entry.code).toBe("AIM-MIG-001")
    expect(await ledgerVersions(db.url)).toHaveLength(25)
    expect(await sql(db.url, "SELECT to_regclass('public.test_hooks') IS NULL AS gone")).toEqual([{ gone: true }])
  })

  it("refuses an applied migration whose file is gone", async () => {
    const db = await migrated()
    const { rmSync } = await import("node:fs")
    const dir = migrationsCopy()
    rmSync(`${dir}/015_add_default_security_policies.sql`)
    const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
    expect(error).toMatchObject({ _tag: "MigrationRefused" })
    if (error._tag !== "MigrationRefused") return
    expect(error.refusals[0]).toMatchObject({ kind: "missing", version: 15 })
    expect(diagnose(error).entry.code).toBe("AIM-MIG-002")
  })

  it("refuses an applied migration whose file is gone from the middle: missing (AIM-MIG-002), not a numbering problem", async () => {
    const db = await migrated()
    const { rmSync } = await import("node:fs")
    const dir = migrationsCopy()
    rmSync(`${dir}/002_add_missing_user_columns.sql`)
    const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
    expect(error).toMatchObject({ _tag: "MigrationRefused" })
    if (error._tag !== "MigrationRefused") return
    expect(error.refusals).toEqual([expect.objectContaining({ kind: "missing", version: 2, name: "002_add_missing_user_columns.sql" })])
    expect(diagnose(error).entry.code).toBe("AIM-MIG-002")
  })

  it("refuses a pending file numbered below the newest applied one", async () => {
    const db = await migrated()
    await sql(db.url, "DELETE FROM aim_migrations.schema_migrations WHERE version = 12")
    const error = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    expect(error).toMatchObject({ _tag: "MigrationRefused" })
    if (error._tag !== "MigrationRefused") return
    expect(error.refusals.map((r) => [r.kind, r.name])).toEqual([["out-of-order", "012_create_user_registration_requests_table.sql"]])
    expect(diagnose(error).entry.code).toBe("AIM-MIG-003")
    expect(await ledgerVersions(db.url)).not.toContain(12)
  })

  it("waits for the migration lock with a bounded wait and names the holder", async () => {
    const db = await freshDatabase()
    const holder = new pg.Client({ connectionString: db.url, application_name: "test-holder on host-x" })
    await holder.connect()
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      const events: Array<MigrationEvent> = []
      const error = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply({ onEvent: (e) => Effect.sync(() => void events.push(e)) }), {
        lockWait: "700 millis",
      })
      expect(error._tag).toBe("LockWaitTimeout")
      if (error._tag !== "LockWaitTimeout") return
      expect(error.holder).toMatchObject({ applicationName: "test-holder on host-x", canMigrate: true })
      expect(error.waitedMs).toBeGreaterThanOrEqual(700)
      expect(events[0]).toMatchObject({ _tag: "LockWaiting", holder: { applicationName: "test-holder on host-x" } })
      expect(diagnose(error).entry.code).toBe("AIM-LOCK-001")
      expect(await sql(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
    } finally {
      await holder.end()
    }
  })

  it("a role that cannot migrate, holding aim's lock under an aim-like name, is named by its role as not an aim", async () => {
    const db = await freshDatabase()
    const role = `aim_intruder_${process.pid}`
    await sql(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'intruder-pw-1'`)
    const url = new URL(db.url)
    url.username = role
    url.password = "intruder-pw-1"
    const holder = new pg.Client({ connectionString: url.toString(), application_name: "aim-migrate deployer-1 pid 1" })
    try {
      await holder.connect()
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      const error = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply(), { lockWait: "500 millis" })
      expect(error._tag).toBe("LockWaitTimeout")
      if (error._tag !== "LockWaitTimeout") return
      expect(error.holder).toMatchObject({ role, canMigrate: false })
      expect(error.message).toMatch(new RegExp(`held by role ${role}, which cannot migrate this database and so is not an aim migrating`))
      expect(error.message).toMatch(/pg_terminate_backend\(\d+\)/)
    } finally {
      await holder.end().catch(() => undefined)
      await sql(db.url, `DROP ROLE IF EXISTS ${role}`)
    }
  })

  it("lock_timeout stops a migration blocked by application traffic and reports it", async () => {
    const db = await migrated()
    const dir = migrationsCopy({ "031_alter.sql": "ALTER TABLE organizations ADD COLUMN IF NOT EXISTS region text;\n" })
    const app = new pg.Client({ connectionString: db.url })
    await app.connect()
    try {
      await app.query("BEGIN")
      await app.query("SELECT count(*) FROM organizations")
      const started = Date.now()
      const error = await runMigratorFailure(db.url, dir, (m) => m.apply(), { lockTimeout: "300 millis" })
      expect(Date.now() - started).toBeLessThan(5000)
      expect(error).toMatchObject({ _tag: "MigrationFailed", sqlState: "55P03", name: "031_alter.sql", line: 1 })
      expect(diagnose(error).entry.code).toBe("AIM-LOCK-002")
      await app.query("ROLLBACK")
    } finally {
      await app.end()
    }
    expect(await ledgerVersions(db.url)).toHaveLength(25)
  })

  it("runs a -- aim:no-transaction file outside a transaction (CREATE INDEX CONCURRENTLY)", async () => {
    const db = await freshDatabase()
    const dir = migrationsCopy({
      "031_concurrent_index.sql":
        "-- aim:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_agents_name ON agents (name);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_agents_type ON agents (agent_type);\n",
    })
    const report = await runMigrator(db.url, dir, (m) => m.apply())
    expect(report.applied.at(-1)?.name).toBe("031_concurrent_index.sql")
    const indexes = await sql<{ indexname: string }>(
      db.url,
      "SELECT indexname FROM pg_indexes WHERE indexname IN ('idx_agents_name', 'idx_agents_type') ORDER BY 1",
    )
    expect(indexes.map((i) => i.indexname)).toEqual(["idx_agents_name", "idx_agents_type"])
  })

  it("applies each migration exactly once when several migrators race", async () => {
    const db = await freshDatabase()
    const reports = await Promise.all(Array.from({ length: 4 }, () => runMigrator(db.url, shippedMigrations, (m) => m.apply())))
    expect(reports.reduce((n, r) => n + r.applied.length, 0)).toBe(25)
    expect(await ledgerVersions(db.url)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  })

  it("interruption mid-migration rolls back and frees the lock at once", async () => {
    const db = await freshDatabase()
    const dir = migrationsCopy({ "031_slow.sql": "CREATE TABLE IF NOT EXISTS slow (id int);\nSELECT pg_sleep(30);\n" })
    const layer = migratorFor({ DATABASE_URL: db.url }, dir)
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
        // wait until 016 is running
        for (let i = 0; i < 100; i++) {
          const rows = yield* Effect.promise(() =>
            sql<{ n: number }>(
              db.url,
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
            ),
          )
          if ((rows[0]?.n ?? 0) > 0) break
          yield* Effect.sleep("100 millis")
        }
        const t0 = Date.now()
        yield* Fiber.interrupt(fiber)
        expect(Date.now() - t0).toBeLessThan(5000)
      }),
    )
    // This database's lock only: other test files (other databases on the same server) migrate meanwhile.
    const locks = await sql(
      db.url,
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [...lockKeys],
    )
    expect(locks).toEqual([])
    expect(await ledgerVersions(db.url)).toHaveLength(25)
    expect(await sql(db.url, "SELECT to_regclass('public.slow') IS NULL AS gone")).toEqual([{ gone: true }])
  })
})

describe("the oldest server the migrations run on", () => {
  // No PostgreSQL 14 runs here: the session setup reads server_version_num, so a session that answers
  // as 14 stands in for one; the real servers (15 here, 18 from npm) pass the same check. The queries
  // it was sent are kept: on 14 the lock is never asked for, on 15 it is asked for in the same round trip.
  const answeringAs = (num: number, version: string) => {
    const sent: Array<string> = []
    const session: Session = {
      query: <A>(text: string) => {
        sent.push(text)
        return Effect.succeed([{ num, version, locked: num >= 150000 }] as unknown as ReadonlyArray<A>)
      },
      execute: () => Effect.void,
      queries: () => Effect.succeed([]),
    }
    const db = { kind: "server", target: "fake", session: Effect.succeed(session) } as unknown as DatabaseShape
    return { db, sent }
  }
  const lock = (db: DatabaseShape) => Effect.scoped(lockedSession(db, { lockWait: 1000, lockTimeoutMs: 5000 }))

  it("refuses PostgreSQL 14 before the first statement (AIM-DB-009) and accepts 15 and newer", async () => {
    const old = answeringAs(140012, "14.12")
    const refused = await Effect.runPromise(Effect.flip(lock(old.db)))
    expect(refused).toMatchObject({ _tag: "ServerTooOld", version: "14.12" })
    expect(diagnose(refused).entry.code).toBe("AIM-DB-009")
    expect(old.sent).toHaveLength(1)
    const current = answeringAs(150004, "15.4")
    await Effect.runPromise(lock(current.db))
    // The setup with the lock in it, then the lock's release: two round trips for the whole session.
    expect(current.sent).toHaveLength(2)
    expect(current.sent[0]).toMatch(/pg_try_advisory_lock/)
    expect(current.sent[1]).toMatch(/pg_advisory_unlock/)
    const db = await freshDatabase()
    const report = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(report.applied).toHaveLength(25)
  })
})

describe("a database a newer release migrated (a rolling update, a rollback)", () => {
  it("the older release's aim migrate succeeds and names the newer files; a file of its own that is gone is still refused", async () => {
    const db = await migrated()
    await runMigrator(db.url, migrationsCopy({ "031_newer_release.sql": "CREATE TABLE IF NOT EXISTS newer_release (id int);\n" }), (m) => m.apply())
    const older = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(older.applied).toEqual([])
    expect(older.ahead).toEqual(["031_newer_release.sql"])
    // The newest shipped file deleted from this release's directory is a deletion, not a newer release.
    const gap = migrationsCopy({})
    const newest =
      readdirSync(gap)
        .filter((f) => f.endsWith(".sql"))
        .sort()
        .at(-1) ?? ""
    rmSync(join(gap, newest))
    const refused = await runMigratorFailure(db.url, gap, (m) => m.apply())
    expect(refused.message).toContain(`${newest} was applied on`)
  })
})

describe("upgrading from an earlier release of aim", () => {
  const release010 = resolve(import.meta.dirname, "fixtures/release-0.1.0")

  it("files aim revised since 0.1.0 run again and update their ledger rows; a file edited by hand is still refused", async () => {
    const db = await freshDatabase()
    // A database migrated by aim 0.1.0: its 001, 009, 012 and 015 as that release shipped them.
    // The rest of 0.1.0's files as 0.2.0 shipped them (unchanged between the two).
    const release020 = resolve(import.meta.dirname, "fixtures/release-0.2.0")
    const files = (dir: string) => readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")] as const)
    const old = migrationsCopy(Object.fromEntries([...files(release020), ...files(release010)]), false)
    expect((await runMigrator(db.url, old, (m) => m.apply())).applied).toHaveLength(21)

    const status = await runMigrator(db.url, shippedMigrations, (m) => m.status)
    expect(status.refusals).toEqual([])
    // 0.3.0 revised 001-020 (written from the backend's own database) and adds 022-025, which converge.
    const revised = Array.from({ length: 20 }, (_, i) => i + 1)
    expect(status.pending.map((p) => [p.version, p.revision])).toEqual([
      ...revised.map((v) => [v, true]),
      [22, undefined],
      [23, undefined],
      [24, undefined],
      [25, undefined],
    ])
    const upgraded = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(upgraded.applied.map((a) => a.version)).toEqual([...revised, 22, 23, 24, 25])
    expect(await sql(db.url, "SELECT version, method FROM aim_migrations.schema_migrations WHERE method = 'revised' ORDER BY version")).toEqual(
      revised.map((version) => ({ version, method: "revised" })),
    )
    expect(await ledgerVersions(db.url)).toHaveLength(25)
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.status)).upToDate).toBe(true)

    // The same ledger with a hand edit of an aim file is not a revision: refused as before.
    const edited = migrationsCopy()
    appendFileSync(join(edited, "009_create_security_policies_table.sql"), "\n-- edited by hand\n")
    const refused = await runMigratorFailure(db.url, edited, (m) => m.apply())
    expect(refused).toMatchObject({ _tag: "MigrationRefused" })
  })
})

describe("an approved apply (an agent's plan)", () => {
  it("runs only the content the approval saw: a checksum that differs under the lock is refused (AIM-MCP-003) and nothing is applied", async () => {
    const db = await freshDatabase()
    const files = readdirSync(shippedMigrations).filter((f) => f.endsWith(".sql"))
    const status = await runMigrator(db.url, shippedMigrations, (m) => m.status)
    const approved = new Map(status.pending.map((p) => [p.version, p.checksum]))
    // The approval saw another 005: the file on disk is not what was approved.
    approved.set(5, "0".repeat(64))
    const refused = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply({ approved }))
    expect(diagnose(refused).entry.code).toBe("AIM-MCP-003")
    expect(String((refused as { refusals?: Array<{ detail: string }> }).refusals?.[0]?.detail)).toMatch(
      /^005_create_verification_events_table\.sql is not the content the plan approved/,
    )
    expect(await sql(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
    // With the approval as it is on disk, all of it applies.
    approved.set(5, status.pending.find((p) => p.version === 5)?.checksum ?? "")
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.apply({ approved }))).applied).toHaveLength(files.length)
  })
})

describe("a run's status is the ledger it left", () => {
  // aim migrate verifies against the status apply returns instead of reading files and ledger again:
  // it must be what reading them again would say.
  const comparable = (status: Awaited<ReturnType<typeof statusNow>>) => ({
    applied: status.applied.map(({ version, name, checksum, appliedBy, method, state }) => ({ version, name, checksum, appliedBy, method, state })),
    pending: status.pending,
    refusals: status.refusals,
    backend: status.coLedger,
    upToDate: status.upToDate,
  })
  const statusNow = (url: string, dir: string) => runMigrator(url, dir, (m) => m.status)

  it.each([
    ["a new database", async (_url: string) => undefined],
    [
      "an earlier aim release's database (001-015 applied, the backend's ledger not written)",
      async (url: string) => {
        await runMigrator(url, migrationsCopy(), (m) => m.apply({ upTo: 15 }))
        await sql(url, "DROP TABLE public.schema_migrations")
      },
    ],
    [
      "half applied, with a revision of a shipped file pending",
      async (url: string) => {
        await runMigrator(url, migrationsCopy(), (m) => m.apply({ upTo: 10 }))
      },
    ],
  ])("%s", async (_, prepare) => {
    const db = await freshDatabase()
    await prepare(db.url)
    const report = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(comparable(report.status)).toEqual(comparable(await statusNow(db.url, shippedMigrations)))
  })
})

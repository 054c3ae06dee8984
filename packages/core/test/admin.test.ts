import { buildDeployedDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { appendFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Database } from "../src/database/Database.js"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { proveIdempotent } from "../src/authoring/proveIdempotent.js"
import { migrationsCopy, migratorFor, psqlFile, runMigrator, runMigratorFailure, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_admin")
const migrated = useMigratedDatabases("aim_admin")

// Baseline replays files 1..N on a scratch database: the test server's (AIM_SCRATCH_DATABASE_URL),
// not a PGlite per call; the embedded scratch has its own test below.
const admin = <A, E>(url: string, dir: string, f: (a: LedgerAdmin["Type"]) => Effect.Effect<A, E>, scratch: "server" | "embedded" = "server") =>
  Effect.runPromise(
    Effect.either(
      Effect.flatMap(LedgerAdmin, f).pipe(
        Effect.provide(
          LedgerAdminLive().pipe(
            Layer.provideMerge(migratorFor({ DATABASE_URL: url, ...(scratch === "server" ? { AIM_SCRATCH_DATABASE_URL: testPostgresUrl() } : {}) }, dir)),
          ),
        ),
      ),
    ),
  )

const files = readdirSync(shippedMigrations)
  .filter((f) => f.endsWith(".sql"))
  .sort()

describe("adopt", () => {
  it("refuses on a database the deployed backend never touched", async () => {
    const db = await fresh()
    const result = await admin(db.url, shippedMigrations, (a) => a.adopt())
    expect(result._tag === "Left" && diagnose(result.left).entry.code).toBe("AIM-ADM-001")
  })
})

describe("repair", () => {
  it("re-records a reviewed edit's checksum and logs who and when; refuses when there is nothing to repair", async () => {
    const db = await migrated()
    const dir = migrationsCopy()
    appendFileSync(join(dir, "007_create_system_config_table.sql"), "\n-- reviewed: comment only\n")
    expect((await runMigratorFailure(db.url, dir, (m) => m.apply()))._tag).toBe("MigrationRefused")
    const notApplied = await admin(db.url, migrationsCopy({ "031_x.sql": "SELECT 1;\n" }), (a) => a.repair(31))
    expect(notApplied._tag === "Left" && notApplied.left).toMatchObject({ _tag: "LedgerAdminRefused", operation: "repair" })
    const unchanged = await admin(db.url, dir, (a) => a.repair(8))
    expect(unchanged._tag === "Left" && String(unchanged.left)).toMatch(/nothing to repair/)
    const repaired = await admin(db.url, dir, (a) => a.repair(7))
    if (repaired._tag === "Left") throw repaired.left
    expect(repaired.right.name).toBe("007_create_system_config_table.sql")
    expect(await sql(db.url, "SELECT version, repaired_by FROM aim_migrations.repairs")).toEqual([
      { version: 7, repaired_by: expect.stringMatching(/pid \d+$/) },
    ])
    expect((await runMigrator(db.url, dir, (m) => m.status)).upToDate).toBe(true)
  })
})

describe("baseline", () => {
  it("records versions up to N on a hand-built database after checking what they create; refuses naming the first missing object", async () => {
    const db = await fresh()
    for (const file of files.slice(0, 10)) expect((await psqlFile(db.url, join(shippedMigrations, file))).status).toBe(0)
    const tooFar = await admin(db.url, shippedMigrations, (a) => a.baseline(12))
    expect(tooFar._tag === "Left" && String(tooFar.left)).toMatch(
      /table user_registration_requests, which 012_create_user_registration_requests_table\.sql creates, is missing/,
    )
    const ok = await admin(db.url, shippedMigrations, (a) => a.baseline(10))
    if (ok._tag === "Left") throw ok.left
    expect(ok.right.recorded).toEqual(files.slice(0, 10))
    expect(ok.right.checkedObjects).toBeGreaterThan(150)
    const again = await admin(db.url, shippedMigrations, (a) => a.baseline(10))
    expect(again._tag === "Left" && String(again.left)).toMatch(/every migration up to 10 is already recorded in the ledger: nothing to baseline/)
    const report = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(report.applied.map((a) => a.version)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
  })
})

describe("a deleted ledger row of a shipped file", () => {
  it("is refused by migrate with both causes and their commands, and recorded again by aim baseline N (without running the file)", async () => {
    const db = await migrated()
    await sql(db.url, "DELETE FROM aim_migrations.schema_migrations WHERE version = 5")
    const refused = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    expect(diagnose(refused).entry.code).toBe("AIM-MIG-003")
    expect(refused.message).toContain("a file applied before whose ledger row was deleted: aim baseline 5 records it once its objects are found")
    const newer = await admin(db.url, migrationsCopy({ "031_new.sql": "CREATE TABLE IF NOT EXISTS n (id int);\n" }), (a) => a.baseline(31))
    expect(newer._tag === "Left" && String(newer.left)).toMatch(
      /031_new\.sql is newer than the newest applied migration \(025\): it is pending, not a deleted row/,
    )
    const recorded = await admin(db.url, shippedMigrations, (a) => a.baseline(5))
    if (recorded._tag === "Left") throw recorded.left
    expect(recorded.right.recorded).toEqual(["005_create_verification_events_table.sql"])
    expect(await sql(db.url, "SELECT method FROM aim_migrations.schema_migrations WHERE version = 5")).toEqual([{ method: "baseline" }])
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.status)).upToDate).toBe(true)
  })

  it("is not recorded when the file's objects are gone; the refusal names the command that runs the file again, and that command does", async () => {
    const db = await migrated()
    await sql(db.url, "DELETE FROM aim_migrations.schema_migrations WHERE version = 5; DROP TABLE verification_events CASCADE")
    // With no AIM_SCRATCH_DATABASE_URL, the replay runs on the embedded scratch database.
    const result = await admin(db.url, shippedMigrations, (a) => a.baseline(5), "embedded")
    // Not "run aim migrate", which refuses the hole and sends the operator back to baseline.
    expect(result._tag === "Left" && String(result.left)).toMatch(
      /table verification_events, which 005_create_verification_events_table\.sql creates, is missing: .*aim adopt runs 005_create_verification_events_table\.sql again/,
    )
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations WHERE version = 5")).toEqual([{ n: 0 }])
    const adopted = await admin(db.url, shippedMigrations, (a) => a.adopt())
    expect(adopted._tag).toBe("Right")
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations WHERE version = 5")).toEqual([{ n: 1 }])
    expect(await sql(db.url, "SELECT to_regclass('public.verification_events') IS NOT NULL AS back")).toEqual([{ back: true }])
  })
})

describe("baseline checks objects, not only tables", () => {
  it("refuses state A of the deployed backend (its tables are there, a column of the current release is not) naming the column and its file", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    await sql(db.url, "DROP TABLE public.schema_migrations") // as if its ledger were gone: baseline must still see the difference
    const result = await admin(db.url, shippedMigrations, (a) => a.baseline(9))
    expect(result._tag === "Left" && result.left).toMatchObject({ _tag: "LedgerAdminRefused", operation: "baseline" })
    expect(result._tag === "Left" && String(result.left)).toMatch(/column agents\.last_active, which 001_initial_schema\.sql creates, is missing/)
    expect(
      await sql(
        db.url,
        "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL OR NOT EXISTS (SELECT 1 FROM aim_migrations.schema_migrations) AS empty",
      ),
    ).toEqual([{ empty: true }])
  })
})

// The shipped files' proof runs once, on the test server (PostgreSQL 15), below; PGlite's replay is
// the CLI's (apps/cli authoring.test.ts, aim migrate --prove-idempotent on the embedded default).
describe("prove idempotent", () => {
  const prove = async (dir: string) => {
    const db = await fresh()
    const migrations = await Effect.runPromise(loadMigrations(dir))
    return Effect.runPromise(Effect.flatMap(Database, (d) => proveIdempotent(d, migrations)).pipe(Effect.provide(migratorFor({ DATABASE_URL: db.url }, dir))))
  }

  it("the shipped migrations run twice with an identical catalog, on a real PostgreSQL scratch database", async () => {
    const report = await prove(shippedMigrations)
    expect(report.findings).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.objects).toBeGreaterThan(150)
  })

  it("catches a non-idempotent trigger and a seed insert without ON CONFLICT, naming file and object", async () => {
    const dir = migrationsCopy({
      "031_bad_trigger.sql": "CREATE TRIGGER system_config_touch BEFORE UPDATE ON system_config FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();\n",
      "032_bad_seed.sql": "INSERT INTO alerts (organization_id, alert_type, severity, title) SELECT id, 'seed', 'low', 'seed' FROM organizations;\n",
    })
    const report = await prove(dir)
    expect(report.ok).toBe(false)
    expect(report.findings).toContainEqual(
      expect.objectContaining({ file: "031_bad_trigger.sql", object: "error (second run)", after: expect.stringMatching(/already exists/) }),
    )
    expect(report.findings).toContainEqual({ file: "032_bad_seed.sql", object: "rows:alerts", before: "1", after: "2" })
  })
})

import { type DeployedState, buildDeployedDatabase, deployedScripts, operatorPasswordHash, sql } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { readdirSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { type AdoptReport, LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { Database } from "../src/database/Database.js"
import { MigrationSourceLive } from "../src/source/MigrationSource.js"
import { MigratorLive } from "../src/migrator/Migrator.js"
import { AimProductLive } from "../src/aim/product.js"
import { InMemoryDatabase } from "../src/database/databases.js"
import { Verifier, VerifierLive } from "../src/verify/Verifier.js"
import { defaultAdmin } from "../src/verify/expectations.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { catalogSnapshot } from "../src/database/catalogSnapshot.js"
import { seedMigrations } from "../src/aim/shipped.js"
import { migrationsCopy, migratorFor, runMigrator, runMigratorFailure, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_takeover")

const stack = (url: string, dir: string) => LedgerAdminLive().pipe(Layer.provideMerge(migratorFor({ DATABASE_URL: url }, dir)))

const adopt = (url: string, dir: string, dryRun = false) =>
  Effect.runPromise(Effect.either(Effect.flatMap(LedgerAdmin, (a) => a.adopt({ dryRun })).pipe(Effect.provide(stack(url, dir)))))

const verify = (url: string, dir = shippedMigrations) => Effect.runPromise(Effect.flatMap(Verifier, (v) => v.run).pipe(Effect.provide(stack(url, dir))))

/** Everything a user or operator wrote, which no step of the takeover may change. */
const operatorRows = (url: string) =>
  Promise.all([
    sql(url, "SELECT id, name, domain, plan_type FROM organizations WHERE domain = 'acme.example'"),
    sql(url, "SELECT id, email, role, password_hash FROM users WHERE email = 'ops@acme.example'"),
    // trust_score is not here: the backend's upgrade rounds it to two decimals, after 022 copied the old value.
    sql(url, "SELECT id, name, status FROM agents"),
    sql(url, "SELECT prefix, key_hash FROM api_keys"),
    sql(url, "SELECT action, user_id, resource_id FROM audit_logs"),
    sql(url, "SELECT title FROM alerts"),
    sql(url, "SELECT endpoint FROM api_calls"),
    sql(url, "SELECT api_calls_count FROM agent_activity_metrics"),
    sql(url, "SELECT key, value FROM system_config"),
    sql(url, "SELECT email, status FROM user_registration_requests"),
  ])

const adminHash = async (url: string) =>
  (await sql<{ password_hash: string }>(url, "SELECT password_hash FROM users WHERE email = $1", [defaultAdmin.email]))[0]?.password_hash

/** Tables with more than one BEFORE UPDATE trigger that maintains updated_at. */
const doubledUpdatedAtTriggers = (url: string) =>
  sql(
    url,
    `SELECT c.relname AS "table", count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace AND (t.tgtype & 2) = 2 AND (t.tgtype & 16) = 16
        AND p.proname IN ('set_updated_at', 'update_updated_at_column')
      GROUP BY c.relname HAVING count(*) > 1`,
  )

const ran = (report: AdoptReport) => report.files.filter((f) => f.action === "ran").map((f) => f.name)
const changed = (report: AdoptReport, file: string) => report.files.find((f) => f.name === file)?.changes.map((c) => `${c.change} ${c.object}`) ?? []

const shippedNames = readdirSync(shippedMigrations)
  .filter((f) => f.endsWith(".sql"))
  .sort()

describe.each<DeployedState>(["A", "B", "A-no-policies"])("taking over deployed state %s", (state) => {
  it("adopt --dry-run changes nothing; adopt converges with every row kept; verify has no failure; migrate has nothing left", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, state)
    const rows = await operatorRows(db.url)
    const hash = await adminHash(db.url)
    const catalogBefore = await Effect.runPromise(catalogSnapshot({ query: (text) => Effect.promise(() => sql(db.url, text)) }))

    // Before adoption verify reads what is there: the policies by name, the missing column named as such.
    const before = await verify(db.url)
    const check = (id: string) => before.checks.find((c) => c.id === id)
    expect(check("policies")?.status).toBe(state === "A-no-policies" ? "fail" : "pass")
    expect(check("policy-enforced")).toMatchObject({ status: "fail", detail: "cannot be checked: column security_policies.is_enforced is missing" })
    expect(check("tables")?.detail).toBe("missing: analytics_agent_activity, analytics_trust_scores")
    expect(check("ledger")).toMatchObject({ status: "fail", code: "AIM-MIG-006" })
    // The backend's own tables are expected: they are the AIM backend's schema.
    expect(check("unexpected-tables")?.status).toBe("pass")

    // migrate refuses until the database is adopted: it would not know what the deployed backend did
    expect(diagnose(await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())).entry.code).toBe("AIM-MIG-006")

    const dry = await adopt(db.url, shippedMigrations, true)
    if (dry._tag === "Left") throw dry.left
    expect(dry.right.dryRun).toBe(true)
    // The seed files the deployed backend applied are recorded, never re-run (an admin or policy an operator deleted stays deleted).
    expect(ran(dry.right)).toEqual(shippedNames.filter((n) => !seedMigrations.has(n)))
    expect(changed(dry.right, "009_create_security_policies_table.sql")).toContain("added column:security_policies.is_enforced")
    expect(changed(dry.right, "010_create_analytics_tables.sql")).toEqual(
      expect.arrayContaining(["added table:analytics_agent_activity", "added table:analytics_trust_scores"]),
    )
    // The backend's own objects are the contract's: 001 removes none of them (it replaced its updated_at triggers before 0.3.0).
    expect(changed(dry.right, "001_initial_schema.sql").filter((c) => c.startsWith("removed"))).toEqual([])
    const catalogAfterDryRun = await Effect.runPromise(catalogSnapshot({ query: (text) => Effect.promise(() => sql(db.url, text)) }))
    expect(catalogAfterDryRun).toEqual(catalogBefore)
    expect(await sql(db.url, "SELECT to_regnamespace('aim_migrations') IS NULL AS untouched")).toEqual([{ untouched: true }])

    const adopted = await adopt(db.url, shippedMigrations)
    if (adopted._tag === "Left") throw adopted.left
    expect(adopted.right.dryRun).toBe(false)
    expect(adopted.right.files.map((f) => [f.name, f.action])).toEqual(dry.right.files.map((f) => [f.name, f.action]))
    expect(adopted.right.files.map((f) => f.changes)).toEqual(dry.right.files.map((f) => f.changes))
    expect(adopted.right.deployedLedger).toBe(state === "B" ? 42 : 15)
    expect(await sql(db.url, "SELECT version, method FROM aim_migrations.schema_migrations WHERE method <> 'adopted' ORDER BY version")).toEqual([
      { version: 13, method: "recorded" },
      { version: 15, method: "recorded" },
    ])

    expect(await operatorRows(db.url)).toEqual(rows)
    // A-no-policies: the deployed admin was deleted; adoption does not bring it back.
    if (state === "A-no-policies") expect(await adminHash(db.url)).toBeUndefined()
    else expect(await adminHash(db.url)).toBe(hash)
    if (state !== "A-no-policies") expect(hash).toBe(operatorPasswordHash)
    expect(await doubledUpdatedAtTriggers(db.url)).toEqual([])
    // The deployed backend's own triggers and tables are still there and still work.
    expect(
      await sql(db.url, "SELECT tgname FROM pg_trigger WHERE tgname IN ('trigger_log_trust_score', 'trigger_aggregate_agent_metrics') ORDER BY 1"),
    ).toEqual([{ tgname: "trigger_aggregate_agent_metrics" }, { tgname: "trigger_log_trust_score" }])
    await sql(db.url, "UPDATE organizations SET name = name WHERE domain = 'acme.example'")
    expect(await sql(db.url, "SELECT updated_at > created_at AS touched FROM organizations WHERE domain = 'acme.example'")).toEqual([{ touched: true }])
    expect(await sql(db.url, "SELECT name FROM security_policies WHERE is_enforced")).toEqual(
      state === "A-no-policies" ? [] : [{ name: "Capability Violation Detection" }],
    )

    const report = await verify(db.url)
    // The deployed 015 never created the policies there (its admin was missing): verify says so.
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(state === "A-no-policies" ? ["policies", "policy-enforced"] : [])
    expect(report.checks.find((c) => c.id === "policies")?.status).toBe(state === "A-no-policies" ? "fail" : "pass")
    expect(report.checks.find((c) => c.id === "admin")?.status).toBe("pass")
    const unexpected = report.checks.find((c) => c.id === "unexpected-tables")
    expect(unexpected?.status).toBe("pass")
    expect(report.checks.find((c) => c.id === "backend")?.status).toBe("pass")
    // Converged to the backend's own schema: verify's contract check passes.
    expect(report.checks.find((c) => c.id === "backend-schema")?.status).toBe("pass")
    expect(report.checks.find((c) => c.id === "admin-password")?.status).toBe("pass")

    const again = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(again.applied).toEqual([])
    const readopt = await adopt(db.url, shippedMigrations)
    expect(readopt._tag === "Right" && readopt.right.files).toEqual([])
  })
})

describe("the deployed backend's own files", () => {
  it("a file it applied is recorded, never run again, even renumbered: the operator's password stays", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "B")
    // The deployed 034_reset_admin_password.sql, renumbered as the duplicate-number hint says.
    const reset = `UPDATE users SET password_hash = '${defaultAdmin.shippedHash}', force_password_change = true WHERE email = 'admin@opena2a.org';\n`
    const dir = migrationsCopy({
      "042_reset_admin_password.sql": reset,
      "043_add_webhook_index.sql": "CREATE INDEX IF NOT EXISTS idx_webhooks_last_triggered ON webhooks (last_triggered);\n",
    })
    const adopted = await adopt(db.url, dir)
    if (adopted._tag === "Left") throw adopted.left
    const byName = new Map(adopted.right.files.map((f) => [f.name, f]))
    expect(byName.get("042_reset_admin_password.sql")).toMatchObject({ action: "recorded", deployedAs: "034_reset_admin_password.sql", changes: [] })
    expect(byName.get("043_add_webhook_index.sql")).toMatchObject({
      action: "ran",
      changes: [expect.objectContaining({ object: "index:idx_webhooks_last_triggered", change: "added" })],
    })
    expect(await adminHash(db.url)).toBe(operatorPasswordHash)
    expect(await sql(db.url, "SELECT method FROM aim_migrations.schema_migrations WHERE version = 42")).toEqual([{ method: "recorded" }])
    expect((await runMigrator(db.url, dir, (m) => m.apply())).applied).toEqual([])
    expect(await adminHash(db.url)).toBe(operatorPasswordHash)
  })

  it("a failing file stops adoption there: earlier files stay adopted, the failing one leaves nothing, a re-run continues", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    const dir = migrationsCopy({ "031_broken.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\nSELECT no_such_function();\n" })
    const failed = await adopt(db.url, dir)
    expect(failed._tag === "Left" && failed.left).toMatchObject({ _tag: "MigrationFailed", name: "031_broken.sql", line: 2 })
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")).toEqual([{ n: 25 }])
    expect(await sql(db.url, "SELECT to_regclass('public.test_hooks') IS NULL AS gone")).toEqual([{ gone: true }])
    const fixed = migrationsCopy({ "031_broken.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\n" })
    const resumed = await adopt(db.url, fixed)
    expect(resumed._tag === "Right" && resumed.right.files.map((f) => f.name)).toEqual(["031_broken.sql"])
  })
})

describe("on the embedded PGlite (PostgreSQL 18)", () => {
  it("state A converges the same way: adopt, no failed check, the operator's password kept, one updated_at trigger per table", async () => {
    const layer = Layer.mergeAll(LedgerAdminLive(), VerifierLive).pipe(
      Layer.provideMerge(MigratorLive()),
      Layer.provideMerge(Layer.mergeAll(InMemoryDatabase, MigrationSourceLive(shippedMigrations), AimProductLive)),
    )
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        const db = yield* Database
        // As the backend ran them: with the database's search_path (public); then aim's again (PGlite has one session).
        for (const script of deployedScripts("A"))
          yield* Effect.scoped(Effect.flatMap(db.session, (s) => s.execute(`SET search_path = public;\n${script};\nSET search_path = pg_catalog, pg_temp`)))
        const report = yield* (yield* LedgerAdmin).adopt()
        const verification = yield* (yield* Verifier).run
        const hash = yield* db.query<{ password_hash: string }>("SELECT password_hash FROM public.users WHERE email = $1", [defaultAdmin.email])
        const doubled = yield* db.query(
          `SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND (t.tgtype & 18) = 18 AND p.proname IN ('set_updated_at', 'update_updated_at_column')
            GROUP BY c.relname HAVING count(*) > 1`,
        )
        return { report, verification, hash: hash[0]?.password_hash, doubled }
      }).pipe(Effect.provide(layer)),
    )
    expect(outcome.report.files.filter((f) => f.action === "ran")).toHaveLength(23)
    expect(outcome.verification.checks.filter((c) => c.status === "fail")).toEqual([])
    expect(outcome.hash).toBe(operatorPasswordHash)
    expect(outcome.doubled).toEqual([])
  })
})

describe("another application's database", () => {
  it("a golang-migrate ledger (version bigint, dirty boolean) and its own tables: adopt and migrate refuse, naming what was found; nothing is created", async () => {
    const db = await fresh()
    await sql(
      db.url,
      "CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO public.schema_migrations VALUES (20240101120000, false)",
    )
    await sql(db.url, "CREATE TABLE public.invoices (id bigserial PRIMARY KEY, total numeric)")
    const adopted = await Effect.runPromise(Effect.flip(Effect.flatMap(LedgerAdmin, (a) => a.adopt()).pipe(Effect.provide(stack(db.url, shippedMigrations)))))
    expect(diagnose(adopted).entry.code).toBe("AIM-ADM-001")
    expect(adopted.message).toMatch(
      /public\.schema_migrations is not the AIM backend's ledger \(version bigint, dirty boolean\): this is another application's database/,
    )
    const migrated = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    expect(diagnose(migrated).entry.code).toBe("AIM-MIG-009")
    const tables = await sql<{ tablename: string }>(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    expect(tables.map((t) => t.tablename)).toEqual(["invoices", "schema_migrations"])
    expect(await sql(db.url, "SELECT to_regnamespace('aim_migrations') IS NULL AS none")).toEqual([{ none: true }])

    // A ledger of the runner's shape holding timestamps is not the AIM backend's either.
    await sql(
      db.url,
      "DROP TABLE public.schema_migrations; CREATE TABLE public.schema_migrations (version varchar(255) PRIMARY KEY); INSERT INTO public.schema_migrations VALUES ('20240101120000')",
    )
    const timestamps = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    expect(diagnose(timestamps).entry.code).toBe("AIM-MIG-009")
  })
})

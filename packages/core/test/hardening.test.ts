import { buildDeployedDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { HealthReport, HealthReportLive } from "../src/health/HealthReport.js"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { MemoryCacheLive } from "../src/cache/MemoryCache.js"
import { Cache } from "../src/cache/Cache.js"
import { Database } from "../src/database/Database.js"
import { MigrationSource, MigrationSourceLive } from "../src/source/MigrationSource.js"
import { Migrator } from "../src/migrator/Migrator.js"
import { Verifier, VerifierLive } from "../src/verify/Verifier.js"
import { defaultAdmin } from "../src/verify/expectations.js"
import { detectDrift } from "../src/drift/Drift.js"
import { pendingLockPlan } from "../src/workload/workload.js"
import { makeVerifier } from "../src/verify/verification.js"
import { migrationsCopy, migratorFor, runMigrator, serverSettings, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_hardening")
const migrated = useMigratedDatabases("aim_hardening")

const stack = (env: Record<string, string>) => Layer.mergeAll(LedgerAdminLive(), VerifierLive).pipe(Layer.provideMerge(migratorFor(env, shippedMigrations)))
const verify = (url: string, env: Record<string, string> = {}) =>
  Effect.runPromise(Effect.flatMap(Verifier, (v) => v.run).pipe(Effect.provide(stack({ DATABASE_URL: url, ...env }))))
const adopt = (url: string) => Effect.runPromise(Effect.flatMap(LedgerAdmin, (a) => a.adopt()).pipe(Effect.provide(stack({ DATABASE_URL: url }))))
const defaultAdminRows = (url: string) => sql(url, "SELECT email FROM users WHERE email = $1", [defaultAdmin.email])

// In production sslmode=prefer never falls back to plaintext; the test server has no SSL.
const production = { NODE_ENV: "production", POSTGRES_SSL_MODE: "disable" }

describe("a deleted default admin never comes back", () => {
  it("aim adopt records the deployed seed files instead of re-running them: no admin with the published password, no deleted policy", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    // The hardening every guide recommends: own admin (ops@acme.example), default admin and one policy deleted.
    await sql(db.url, "DELETE FROM security_policies WHERE name = 'Low Trust Score Alert'")
    await sql(db.url, "DELETE FROM users WHERE email = $1", [defaultAdmin.email])
    const report = await adopt(db.url)
    const actions = new Map(report.files.map((f) => [f.name, f.action]))
    expect(actions.get("013_create_default_admin_user.sql")).toBe("recorded")
    expect(actions.get("015_add_default_security_policies.sql")).toBe("recorded")
    expect(await defaultAdminRows(db.url)).toEqual([])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM security_policies WHERE name = 'Low Trust Score Alert'")).toEqual([{ n: 0 }])
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.apply())).applied).toEqual([])
    expect(await defaultAdminRows(db.url)).toEqual([])

    // Verification does not fight the hardening: an active admin exists, no published password works.
    const checks = (await verify(db.url)).checks
    expect(checks.find((c) => c.id === "admin")).toMatchObject({ status: "pass" })
    expect(checks.find((c) => c.id === "admin-password")).toMatchObject({ status: "pass", detail: expect.stringContaining("is not there") })
  })

  it("a deployed database whose runner ledger was emptied is not new: aim migrate refuses, and the deleted policy stays deleted", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    await sql(db.url, "DELETE FROM security_policies WHERE name = 'Low Trust Score Alert'")
    await sql(db.url, "DELETE FROM public.schema_migrations")
    const refused = await runMigrator(db.url, shippedMigrations, (m) => m.apply()).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(refused)).toMatch(/public\.schema_migrations is empty but the backend's tables are here/)
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM security_policies WHERE name = 'Low Trust Score Alert'")).toEqual([{ n: 0 }])
    expect(await sql(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
  })

  it("013 creates the default admin only on a database without an active admin", async () => {
    const db = await migrated()
    await sql(
      db.url,
      `INSERT INTO users (organization_id, email, name, role, status, provider, provider_id, password_hash)
       SELECT organization_id, 'root@corp.example', 'Root', 'admin', 'active', 'local', 'root@corp.example', password_hash FROM users WHERE email = $1`,
      [defaultAdmin.email],
    )
    await sql(db.url, "DELETE FROM security_policies")
    await sql(db.url, "DELETE FROM users WHERE email = $1", [defaultAdmin.email])
    await sql(db.url, readFileSync(join(shippedMigrations, "013_create_default_admin_user.sql"), "utf8"))
    expect(await defaultAdminRows(db.url)).toEqual([])

    // With no active admin at all, 013 creates it (a database that could otherwise not be administered).
    await sql(db.url, "UPDATE users SET status = 'suspended'")
    await sql(db.url, readFileSync(join(shippedMigrations, "013_create_default_admin_user.sql"), "utf8"))
    expect(await defaultAdminRows(db.url)).toEqual([{ email: defaultAdmin.email }])
  })
})

describe("verification and hardening", () => {
  it("passes with any active admin, and with the guide's enforced policy among others enforced", async () => {
    const db = await migrated()
    await sql(db.url, "UPDATE users SET role = 'member' WHERE email = $1", [defaultAdmin.email])
    expect((await verify(db.url)).checks.find((c) => c.id === "admin")).toMatchObject({ status: "fail", code: "AIM-SEED-001" })
    await sql(
      db.url,
      `INSERT INTO users (organization_id, email, name, role, status, provider, provider_id, password_hash)
       SELECT organization_id, 'root@corp.example', 'Root', 'admin', 'active', 'local', 'root@corp.example', '$2b$12$abcdefghijklmnopqrstuuKc3o2cYzOeAiyl6dJ2r3v8S5bQ6gq9e' FROM users WHERE email = $1`,
      [defaultAdmin.email],
    )
    await sql(db.url, "UPDATE security_policies SET is_enforced = true WHERE name = 'Critical Trust Score Block'")
    const report = await verify(db.url)
    expect(report.checks.find((c) => c.id === "admin")).toMatchObject({ status: "pass" })
    expect(report.checks.find((c) => c.id === "policy-enforced")).toMatchObject({
      status: "pass",
      detail: "Capability Violation Detection is enforced, and 1 more",
    })
    await sql(db.url, "UPDATE security_policies SET is_enforced = false WHERE name = 'Capability Violation Detection'")
    expect((await verify(db.url)).checks.find((c) => c.id === "policy-enforced")).toMatchObject({ status: "fail" })
  })

  it("in production a default password that still works fails the report, yet does not block serving", async () => {
    const db = await migrated()
    const development = await verify(db.url)
    expect(development.checks.find((c) => c.id === "admin-password")).toMatchObject({ status: "warn", code: "AIM-VER-002" })
    expect(development).toMatchObject({ ok: true, serviceable: true })
    const inProduction = await verify(db.url, production)
    expect(inProduction.checks.find((c) => c.id === "admin-password")).toMatchObject({ status: "fail", code: "AIM-VER-002" })
    expect(inProduction).toMatchObject({ ok: false, serviceable: true })
    await sql(db.url, "UPDATE users SET password_hash = '$2b$10$abcdefghijklmnopqrstuuKc3o2cYzOeAiyl6dJ2r3v8S5bQ6gq9e' WHERE email = $1", [defaultAdmin.email])
    expect(await verify(db.url, production)).toMatchObject({ ok: true, serviceable: true })
  })
})

describe("/health/ready does not amplify load", () => {
  it("a long-lived verifier writes its probe row once: after it passed, later runs reuse it (a fresh verifier probes again)", async () => {
    const db = await migrated()
    const registration = (report: { checks: ReadonlyArray<{ id: string; status: string }> }) => report.checks.find((c) => c.id === "registration")?.status
    const [first, second] = await Effect.runPromise(
      Effect.gen(function* () {
        const verifier = yield* Verifier
        const first = yield* verifier.run
        // From now on an INSERT fails: a verifier that probed again would report it.
        yield* Effect.promise(() => sql(db.url, "ALTER TABLE user_registration_requests ADD CONSTRAINT no_more_rows CHECK (false) NOT VALID"))
        return [first, yield* verifier.run] as const
      }).pipe(Effect.provide(stack({ DATABASE_URL: db.url }))),
    )
    expect([registration(first), registration(second)]).toEqual(["pass", "pass"])
    expect(registration(await verify(db.url))).toBe("fail")
  })

  it("probes that miss the cache at once share one verification", async () => {
    const db = await migrated()
    let runs = 0
    // The real verifier, counted and slowed so that every probe arrives while it is in flight.
    const CountingVerifier = Layer.effect(
      Verifier,
      Effect.map(makeVerifier, (v) =>
        Verifier.of({
          run: Effect.zipRight(
            Effect.sync(() => runs++),
            Effect.delay(v.run, "200 millis"),
          ),
          runWith: (status) =>
            Effect.zipRight(
              Effect.sync(() => runs++),
              Effect.delay(v.runWith(status), "200 millis"),
            ),
        }),
      ),
    )
    const layer = HealthReportLive().pipe(
      Layer.provideMerge(Layer.merge(CountingVerifier, MemoryCacheLive())),
      Layer.provideMerge(migratorFor({ DATABASE_URL: db.url }, shippedMigrations)),
    )
    const probes = await Effect.runPromise(
      Effect.flatMap(HealthReport, (h) =>
        Effect.all(
          Array.from({ length: 30 }, () => h.readiness),
          { concurrency: "unbounded" },
        ),
      ).pipe(Effect.provide(layer)),
    )
    expect(probes.every((p) => p.ready)).toBe(true)
    expect(runs).toBe(1)
  })
})

describe("a shared cache that holds something else under the health key", () => {
  // Redis is shared (another release of aim, another application, an operator's SET): what the
  // readiness probe reads back is decoded, and anything that is not a verification is a miss.
  it.each([
    ["not JSON", "{not json"],
    ["JSON of another shape", JSON.stringify({ ok: "yes", reasons: "none" })],
    ["an older release's verification, without advisories", JSON.stringify({ ok: false, reasons: [] })],
  ])("%s: the probe verifies afresh and answers, never fails", async (_, planted) => {
    const db = await migrated()
    const layer = HealthReportLive().pipe(
      Layer.provideMerge(Layer.merge(VerifierLive, MemoryCacheLive())),
      Layer.provideMerge(migratorFor({ DATABASE_URL: db.url }, shippedMigrations)),
    )
    const ready = await Effect.runPromise(
      Effect.gen(function* () {
        const target = (yield* Database).target
        yield* (yield* Cache).set(`aim:health:verify:${target}`, planted, "1 minute")
        return yield* (yield* HealthReport).readiness
      }).pipe(Effect.provide(layer)),
    )
    expect(ready.ready).toBe(true)
  })
})

describe("objects a lower role plants on a ledger never run with aim's privileges", () => {
  // A role that may create objects in public and in the database, as the backend's role may.
  const plantingRole = `aim_planter_${process.pid}`
  // The databases it planted in: what it owns there is dropped with it, after the tests.
  const plantedIn = new Set<string>()
  afterAll(async () => {
    for (const url of plantedIn) await sql(url, `DROP OWNED BY ${plantingRole}`).catch(() => undefined)
    await sql(testPostgresUrl(), `DROP ROLE IF EXISTS ${plantingRole}`)
  })
  const plant = async (url: string, statements: string) => {
    plantedIn.add(url)
    await sql(url, `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${plantingRole}') THEN CREATE ROLE ${plantingRole}; END IF; END $$`)
    await sql(url, `CREATE TABLE IF NOT EXISTS public.fired (at timestamptz DEFAULT now()); GRANT ALL ON public.fired TO ${plantingRole}`)
    await sql(
      url,
      `CREATE OR REPLACE FUNCTION public.planted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.fired DEFAULT VALUES; RETURN NEW; END $$; ${statements}`,
    )
  }
  const fired = async (url: string) => (await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM public.fired"))[0]?.n

  it("a trigger on the backend's public.schema_migrations: aim adopt refuses with AIM-DB-018 and the trigger never fires", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    await plant(db.url, "CREATE TRIGGER planted AFTER INSERT ON public.schema_migrations FOR EACH ROW EXECUTE FUNCTION public.planted()")
    const error = await adopt(db.url).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(error)).toMatch(/aim will not write its ledger: trigger planted on public\.schema_migrations; nothing was written/)
    expect(await fired(db.url)).toBe(0)
    expect(await sql(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
  })

  it("an aim_migrations schema a lower role created first, and a trigger or rule on aim's ledger: aim migrate refuses before writing", async () => {
    const foreignSchema = await fresh()
    await plant(foreignSchema.url, `CREATE SCHEMA aim_migrations AUTHORIZATION ${plantingRole}`)
    await expect(runMigrator(foreignSchema.url, shippedMigrations, (m) => m.apply())).rejects.toThrow(
      new RegExp(`schema aim_migrations is owned by role ${plantingRole}`),
    )
    expect(await sql(foreignSchema.url, "SELECT to_regclass('public.users') IS NULL AS none")).toEqual([{ none: true }])

    const planted = await migrated()
    await plant(
      planted.url,
      "CREATE TRIGGER planted BEFORE INSERT ON aim_migrations.schema_migrations FOR EACH ROW EXECUTE FUNCTION public.planted(); CREATE RULE planted AS ON UPDATE TO aim_migrations.repairs DO ALSO NOTIFY planted",
    )
    const before = await sql<{ n: number }>(planted.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")
    await sql(planted.url, "DELETE FROM aim_migrations.schema_migrations WHERE version = (SELECT max(version) FROM aim_migrations.schema_migrations)")
    await expect(runMigrator(planted.url, shippedMigrations, (m) => m.apply())).rejects.toThrow(
      /trigger planted on aim_migrations\.schema_migrations; rule planted on aim_migrations\.repairs/,
    )
    expect(await fired(planted.url)).toBe(0)
    expect((await sql<{ n: number }>(planted.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations"))[0]?.n).toBe((before[0]?.n ?? 0) - 1)
  })

  it("an operator =(varchar, varchar) planted in public is never picked by aim verify (which the readiness probe runs)", async () => {
    const db = await migrated()
    await plant(
      db.url,
      `CREATE FUNCTION public.eq_spy(varchar, varchar) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO public.fired DEFAULT VALUES; SELECT $1::text = $2::text $$;
       CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.eq_spy)`,
    )
    // The planted operator is what an unqualified comparison would pick: proved before aim runs.
    await sql(db.url, "SELECT count(*) FROM users WHERE role = 'admin'")
    const picked = await fired(db.url)
    expect(picked).toBeGreaterThan(0)
    const report = await verify(db.url)
    expect(report.checks.find((c) => c.id === "admin")).toMatchObject({ status: "pass" })
    expect(await fired(db.url)).toBe(picked)
  })

  it("operators and functions planted in public never run in aim's own statements: status, verify, drift, plan and a migrate with nothing to do", async () => {
    const db = await migrated()
    // Each the exact match for a comparison or a call on varchar or name with public on the path
    // (pg_catalog has none for varchar: its own compare as text).
    const spy = (args: string, body: string) =>
      `CREATE FUNCTION public.spy_${args.replace(/\W/g, "_")}(${args}) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO public.fired DEFAULT VALUES; SELECT ${body} $$`
    await plant(
      db.url,
      `${spy("varchar, varchar", "$1::text = $2::text")}; CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.spy_varchar__varchar);
       ${spy("varchar, text", "$1::text = $2")}; CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = text, FUNCTION = public.spy_varchar__text);
       ${spy("text, varchar", "$1 = $2::text")}; CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = varchar, FUNCTION = public.spy_text__varchar);
       CREATE FUNCTION public.ne_spy(varchar, varchar) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO public.fired DEFAULT VALUES; SELECT $1::text <> $2::text $$;
       CREATE OPERATOR public.<> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.ne_spy)`,
    )
    await sql(db.url, "SELECT count(*) FROM security_policies WHERE name = ANY($1)", [["x"]])
    const picked = await fired(db.url)
    expect(picked).toBeGreaterThan(0)
    const directory = migrationsCopy({ "900_pending.sql": "UPDATE users SET status = 'active' WHERE email = 'nobody@example.com';\n" })
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* (yield* Migrator).status
        yield* pendingLockPlan
        const files = yield* (yield* MigrationSource).load
        yield* detectDrift(
          serverSettings(db.url),
          files.filter((f) => f.version < 900),
        )
      }).pipe(Effect.provide(Layer.merge(migratorFor({ DATABASE_URL: db.url }, directory), MigrationSourceLive(directory)))),
    )
    await verify(db.url)
    await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(await fired(db.url)).toBe(picked)
  })
})

describe("a database-level search_path does not send aim elsewhere", () => {
  it("with ALTER DATABASE … SET search_path to another schema and a schema named after aim's role, verify passes and status reads the ledger", async () => {
    const db = await migrated()
    const role = (await sql<{ role: string }>(db.url, "SELECT current_user AS role"))[0]?.role ?? "postgres"
    await sql(
      db.url,
      `CREATE SCHEMA elsewhere; ALTER DATABASE "${db.name}" SET search_path = elsewhere;
       CREATE SCHEMA IF NOT EXISTS "${role}"; CREATE TABLE "${role}".users (email text, role text, status text)`,
    )
    const report = await verify(db.url)
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([])
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.status)).upToDate).toBe(true)
    await sql(db.url, `DROP SCHEMA "${role}" CASCADE`)
  })
})

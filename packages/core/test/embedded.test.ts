import { PGlite } from "@electric-sql/pglite"
import { contractDifferences, contractOutcomes, probeOutcomes, type RunnerConnection, runBackendRunner } from "@aim/testkit"
import { Effect, Layer } from "effect"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { comparedDigest, detectDrift, replayedCatalogOf } from "../src/drift/Drift.js"
import { PgliteDatabaseLive, preparedClusterFile } from "../src/database/PgliteDatabase.js"
import { shippedCatalogOf, shippedClusterFile, shippedDigestOf, shippedPrefixOf } from "../src/drift/shippedCatalog.js"
import { readCatalog } from "../src/drift/catalog.js"
import { Database } from "../src/database/Database.js"
import { ReplayProgress, executeFile } from "../src/migrator/replay.js"
import type { Migration } from "../src/source/Migration.js"
import { MigrationSourceLive, loadMigrations } from "../src/source/MigrationSource.js"
import { Migrator, MigratorLive } from "../src/migrator/Migrator.js"
import { AimProductLive } from "../src/aim/product.js"
import { databaseFor } from "../src/database/databases.js"
import { proveRollback } from "../src/rollback/Rollback.js"
import { migrationsCopy, shippedMigrations } from "./support.js"

/**
 * PGlite parity, in one file: what the server tests check, on the embedded PostgreSQL 18. One data
 * directory is migrated once, by the first test, and the others run on it in order (a file's tests
 * run one after another): the contract, the backend's runner, drift, a failing file located by
 * bisection, and a file's checks. Each server test keeps its own database; this file is what PGlite
 * adds, so the Node 24 run covers PGlite's WebAssembly with this file alone.
 */
describe("embedded PostgreSQL (PGlite 18)", () => {
  const settings = { _tag: "Embedded", dataDir: join(mkdtempSync(join(tmpdir(), "aim-pglite-")), "data") } as const
  const migratorOn = (dir: string) =>
    MigratorLive().pipe(Layer.provideMerge(databaseFor(settings)), Layer.provide(MigrationSourceLive(dir)), Layer.provide(AimProductLive))

  it("applies the shipped migrations, gives the 14 tables, the backend's and the seed rows, then is a no-op", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const migrator = yield* Migrator
        const db = yield* Database
        const first = yield* migrator.apply()
        const second = yield* migrator.apply()
        const version = yield* db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")
        const tables = yield* db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        const policies = yield* db.query<{ name: string }>("SELECT name FROM public.security_policies ORDER BY priority DESC")
        const admin = yield* db.query<{ role: string; status: string }>("SELECT role, status FROM public.users WHERE email = 'admin@opena2a.org'")
        return { first, second, version, tables, policies, admin }
      }).pipe(Effect.provide(migratorOn(shippedMigrations))),
    )
    expect(Number(result.version[0]?.v)).toBeGreaterThanOrEqual(180000)
    expect(result.first.applied).toHaveLength(25)
    expect(result.second.applied).toHaveLength(0)
    // The guide's 14, the AIM backend's 25 and its runner's ledger.
    expect(result.tables).toHaveLength(14 + 25 + 1)
    expect(result.policies[2]?.name).toBe("Capability Violation Detection")
    expect(result.admin).toEqual([{ role: "admin", status: "active" }])
  })

  it("an aim database is the backend's own: the contract's catalog and seed rows, and the backend's outcomes", async () => {
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const session = yield* (yield* Database).session
          // The backend's connection: the database's search_path (public), not aim's.
          yield* session.execute("SET search_path = public")
          // The server's error itself (its SQLSTATE and message), as a pg client would throw it.
          const query = async (text: string, params: ReadonlyArray<unknown> = []) => {
            const result = await Effect.runPromise(Effect.either(session.query(text, [...params])))
            if (result._tag === "Left") throw result.left
            return result.right
          }
          const differences = yield* Effect.promise(() => contractDifferences(query))
          const outcomes = yield* Effect.promise(() => probeOutcomes(query))
          return { differences, outcomes }
        }),
      ).pipe(Effect.provide(databaseFor(settings))),
    )
    expect(result.differences).toEqual([])
    expect(result.outcomes).toEqual(contractOutcomes)
  })

  it("the backend's own runner, at either release, finds nothing to run", async () => {
    const pglite = new PGlite(settings.dataDir)
    try {
      const connection: RunnerConnection = { query: (text, params) => pglite.query(text, params) }
      expect(await runBackendRunner(connection, "guide")).toEqual({ ran: [] })
      expect(await runBackendRunner(connection, "current")).toEqual({ ran: [] })
    } finally {
      await pglite.close()
    }
  })

  it("aim drift: the shipped files' catalog it reads is what a replay on an in-memory PGlite builds, with the artifact's digest; an added column is found", async () => {
    const migrations = await Effect.runPromise(loadMigrations(shippedMigrations))
    const { report, replayed, digest } = await Effect.runPromise(
      Effect.gen(function* () {
        const db = yield* Database
        const digest = comparedDigest(yield* readCatalog(db))
        yield* db.query("ALTER TABLE public.alerts ADD COLUMN note text")
        const found = yield* detectDrift(settings, migrations)
        yield* db.query("ALTER TABLE public.alerts DROP COLUMN note")
        return { report: found, replayed: yield* replayedCatalogOf(settings, migrations), digest }
      }).pipe(Effect.provide(databaseFor(settings))),
    )
    // The database aim migrated here (PostgreSQL 18) has the digest drift checks before loading the artifact.
    expect(digest).toBe(shippedDigestOf(migrations))
    expect(report.differences.map((d) => `${d.kind} ${d.objectType} ${d.name}`)).toEqual(["extra column alerts.note"])
    expect(report.ok).toBe(true)
    const artifact = await Effect.runPromise(shippedCatalogOf(migrations))
    expect(artifact).toBeDefined()
    expect(new Map(replayed.catalog)).toEqual(artifact?.catalog)
    expect(new Map(replayed.createdBy)).toEqual(artifact?.createdBy)
  })

  it("names a failing statement the server gives no position for (PGlite cannot count completed statements: bisection)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-migrations-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    const text = [
      "CREATE TABLE located (id int PRIMARY KEY);",
      ...Array.from({ length: 40 }, (_, i) => `INSERT INTO located VALUES (${i});`),
      "INSERT INTO located VALUES (7);",
      "INSERT INTO located VALUES (99);",
      "",
    ]
    writeFileSync(join(dir, "031_located.sql"), text.join("\n"))
    const error = await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.flip, Effect.provide(migratorOn(dir))))
    expect(error).toMatchObject({ _tag: "MigrationFailed", name: "031_located.sql", line: 42, sqlState: "23505", rolledBack: true })
  })

  it("a file's checks stop it on a violation, and it applies once the rows are fixed", async () => {
    const dir = migrationsCopy({
      "031_unique_user_emails.sql": `-- 031_unique_user_emails: one account per address
-- aim:check "no two users share an email (case-insensitive)" SELECT lower(email) AS email, count(*)::int AS accounts FROM users GROUP BY 1 HAVING count(*) > 1
CREATE UNIQUE INDEX IF NOT EXISTS idx_users_email_lower ON users (lower(email));
`,
    })
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        const migrator = yield* Migrator
        const database = yield* Database
        for (const [email, id] of [
          ["A@b.co", "a"],
          ["a@B.co", "b"],
        ]) {
          yield* database.query(
            `INSERT INTO public.users (organization_id, email, name, provider, provider_id) SELECT id, '${email}', '${id}', 'local', '${id}' FROM public.organizations LIMIT 1`,
          )
        }
        const failed = yield* Effect.flip(migrator.apply())
        yield* database.query("DELETE FROM public.users WHERE email = 'a@B.co'")
        const passed = yield* migrator.apply()
        return { failed, passed }
      }).pipe(Effect.provide(migratorOn(dir))),
    )
    expect(outcome.failed._tag).toBe("CheckFailed")
    expect(outcome.passed.applied.map((a) => a.version)).toEqual([31])
  })

  // These two replay or initdb whole clusters and check aim's logic and its artifact, not the runtime:
  // once, in the Node 20 pass (on Node 24 each cost half a minute of both cores beside the other tasks).
  const onceOnly = Number(process.versions.node.split(".")[0]) >= 22

  it.skipIf(onceOnly)("every way back of the shipped files converges on PGlite too (aim migrate --prove-rollback's scratch default)", async () => {
    const proof = await Effect.runPromise(proveRollback(undefined, await Effect.runPromise(loadMigrations(shippedMigrations))))
    expect(proof).toMatchObject({ ok: true, scratch: "in-memory embedded PostgreSQL", files: 25, findings: [] })
  })

  it.skipIf(onceOnly)(
    "every new cluster starts from the prepared one, which is what this PGlite's initdb makes (else: pnpm --filter @aim/core pglite-cluster)",
    async () => {
      // What initdb decides: the versions, the template databases' encoding and locale, the catalog's
      // size, the roles and the settings it writes. The system identifier is the cluster's own.
      const fingerprint = async (db: PGlite) => {
        const rows = await db.query(
          `SELECT (SELECT catalog_version_no FROM pg_control_system()) AS catalog, current_setting('server_version') AS version,
           (SELECT json_agg(json_build_array(datname, encoding, datcollate, datctype, datlocprovider) ORDER BY datname) FROM pg_database) AS databases,
           (SELECT count(*) FROM pg_class)::int AS relations, (SELECT count(*) FROM pg_proc)::int AS functions,
           (SELECT json_agg(rolname ORDER BY rolname) FROM pg_roles) AS roles,
           (SELECT json_agg(json_build_array(name, setting) ORDER BY name) FROM pg_settings WHERE source = 'configuration file') AS configured`,
        )
        return rows.rows[0]
      }
      const identifier = async (db: PGlite) => (await db.query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0]?.id
      const fresh = new PGlite("memory://")
      const prepared = new PGlite("memory://", { loadDataDir: new Blob([readFileSync(join(import.meta.dirname, "../src/database", preparedClusterFile))]) })
      try {
        expect(await fingerprint(prepared)).toEqual(await fingerprint(fresh))
        const preparedId = await identifier(prepared)
        expect(preparedId).not.toBe(await identifier(fresh))
        // The data directory the first test migrated, and a scratch cluster, were both made from it.
        const ids = await Effect.runPromise(
          Effect.all(
            [settings, { _tag: "Embedded", dataDir: "memory://" } as const].map((where) =>
              Effect.flatMap(Database, (db) => db.query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")).pipe(
                Effect.provide(databaseFor(where)),
              ),
            ),
          ),
        )
        expect(ids.map((rows) => rows[0]?.id)).toEqual([preparedId, preparedId])
      } finally {
        await fresh.close()
        await prepared.close()
      }
    },
  )

  it.skipIf(onceOnly)("a first run cut short while unpacking the prepared cluster (no PG_VERSION yet) unpacks it again and starts", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aim-pglite-cut-")), "data")
    mkdirSync(join(dataDir, "global"), { recursive: true })
    writeFileSync(join(dataDir, "global", "pg_control"), "half written")
    const rows = await Effect.runPromise(
      Effect.flatMap(Database, (db) =>
        db.query<{ id: string; n: number }>("SELECT system_identifier::text AS id, (SELECT count(*)::int FROM pg_database) AS n FROM pg_control_system()"),
      ).pipe(Effect.provide(databaseFor({ _tag: "Embedded", dataDir }))),
    )
    const prepared = new PGlite("memory://", { loadDataDir: new Blob([readFileSync(join(import.meta.dirname, "../src/database", preparedClusterFile))]) })
    try {
      expect(rows).toEqual([{ id: (await prepared.query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0]?.id, n: 3 }])
      expect(readFileSync(join(dataDir, "PG_VERSION"), "utf8").trim()).toBe("18")
    } finally {
      await prepared.close()
    }
  })

  it.skipIf(onceOnly)(
    "drift's prepared cluster holds what replaying the shipped files on a new cluster leaves: the artifact's catalog, every row and every sequence (else: pnpm --filter @aim/core pglite-cluster)",
    async () => {
      const files = await Effect.runPromise(loadMigrations(shippedMigrations))
      // What a replay leaves beyond the catalog: each table's rows and each sequence's position. A
      // seeded row's generated ids and timestamps are each replay's own: the rest of it is compared.
      const contents = Effect.flatMap(Database, (db) =>
        Effect.gen(function* () {
          const tables = yield* db.query<{ name: string; volatile: ReadonlyArray<string> }>(
            `SELECT format('%I.%I', t.schemaname, t.tablename) AS name,
                    coalesce(array_agg(c.column_name::text) FILTER (WHERE c.data_type IN ('uuid', 'timestamp with time zone', 'timestamp without time zone')), '{}') AS volatile
             FROM pg_tables t JOIN information_schema.columns c ON c.table_schema = t.schemaname AND c.table_name = t.tablename
             WHERE t.schemaname = 'public' GROUP BY 1 ORDER BY 1`,
          )
          const rows: Record<string, unknown> = {}
          for (const { name, volatile } of tables) {
            rows[name] = (yield* db.query(
              `SELECT md5(coalesce(string_agg((to_jsonb(t) - $1::text[])::text, '|' ORDER BY (to_jsonb(t) - $1::text[])::text), '')) AS rows, count(*)::int AS n FROM ${name} t`,
              [volatile],
            ))[0]
          }
          const sequences = yield* db.query("SELECT sequencename, last_value::text, start_value::text FROM pg_sequences ORDER BY 1")
          const versions = yield* db.query(
            "SELECT current_setting('server_version') AS version, (SELECT catalog_version_no FROM pg_control_system()) AS catalog",
          )
          return { catalog: yield* readCatalog(db), rows, sequences, versions }
        }),
      )
      const replayed = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(Database, (db) => Effect.flatMap(db.session, (session) => Effect.forEach(files, (f) => executeFile(session, f), { discard: true }))),
        ).pipe(Effect.zipRight(contents), Effect.provide(databaseFor({ _tag: "Embedded", dataDir: "memory://" }))),
      )
      const prepared = await Effect.runPromise(
        contents.pipe(Effect.provide(PgliteDatabaseLive({ _tag: "Embedded", dataDir: "memory://" }, shippedClusterFile))),
      )
      expect(prepared).toEqual(replayed)
      expect(new Map(prepared.catalog)).toEqual((await Effect.runPromise(shippedCatalogOf(files)))?.catalog)
      expect(Object.keys(prepared.rows).length).toBeGreaterThan(10)
    },
  )

  it("an operator's files on top of the shipped ones replay on drift's prepared cluster: only they run, and the catalog and each object's file are a full replay's", async () => {
    const own = {
      "026_own_table.sql": "CREATE TABLE own_things (id bigint PRIMARY KEY, note text); CREATE INDEX own_things_note ON own_things (note);",
      // Reads what the shipped files seeded: the prepared cluster must hold their rows, not only their tables.
      "027_own_rows.sql": "INSERT INTO own_things SELECT count(*), string_agg(name, ',' ORDER BY name) FROM security_policies;",
      "028_own_column.sql": "ALTER TABLE agents ADD COLUMN own_label text;",
    }
    const files = (await Effect.runPromise(loadMigrations(migrationsCopy(own)))) as ReadonlyArray<Migration>
    const told: Array<string> = []
    const onPrepared = await Effect.runPromise(
      replayedCatalogOf(undefined, files, await Effect.runPromise(shippedPrefixOf(files))).pipe(
        Effect.provideService(ReplayProgress, (done, total) => Effect.sync(() => told.push(`${done}/${total}`))),
      ),
    )
    expect(told).toEqual(["1/3", "2/3", "3/3"])
    const full = await Effect.runPromise(replayedCatalogOf(undefined, files))
    expect(new Map(onPrepared.catalog)).toEqual(new Map(full.catalog))
    expect(new Map(onPrepared.createdBy)).toEqual(new Map(full.createdBy))
    expect(onPrepared.createdBy.get("table:own_things")).toBe("026_own_table.sql")
    expect(onPrepared.createdBy.get("table:agents")).toBe("001_initial_schema.sql")
    expect(onPrepared.createdBy.get("column:agents.own_label")).toBe("028_own_column.sql")
  })
})

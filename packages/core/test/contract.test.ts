import { buildDeployedDatabase, contractDifferences, contractItems, contractOutcomes, deployedScripts, probeOutcomes, sql } from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import pg from "pg"
import { readFileSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { Migrator } from "../src/migrator/Migrator.js"
import { Verifier } from "../src/verify/Verifier.js"
import { backendSchema } from "../src/verify/backendSchema.data.js"
import { migrationsCopy, migratorFor, runMigrator, runMigratorFailure, shippedMigrations } from "./support.js"

/**
 * An aim database is the backend's own (issue 33): on every path (a fresh database, one an earlier aim
 * release built, one the backend built at the guide's or its current release, one with only some of
 * aim's files) the catalog is the contract's, object for object, and the backend's writes give the
 * outcomes its own database gives.
 */

const fresh = useFreshDatabases("aim_contract")
const migrated = useMigratedDatabases("aim_contract")

const onServer =
  (url: string) =>
  async (text: string, params: ReadonlyArray<unknown> = []) =>
    sql(url, text, params)

/** One connection for the probes' transaction. */
const probeServer = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await probeOutcomes(async (text, params = []) => (await client.query(text, [...params])).rows)
  } finally {
    await client.end()
  }
}

const release = (name: string) => {
  const dir = resolve(import.meta.dirname, "fixtures", name)
  return readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")] as const)
}
const release020 = () => migrationsCopy(Object.fromEntries(release("release-0.2.0")), false)
// 0.1.0: its four files that 0.2.0 revised, the others as 0.2.0 shipped them (unchanged between the two).
const release010 = () => migrationsCopy(Object.fromEntries([...release("release-0.2.0"), ...release("release-0.1.0")]), false)

const adopt = (url: string) =>
  Effect.runPromise(
    Effect.flatMap(LedgerAdmin, (a) => a.adopt()).pipe(
      Effect.provide(LedgerAdminLive().pipe(Layer.provideMerge(migratorFor({ DATABASE_URL: url }, shippedMigrations)))),
    ),
  )

const verifyCheck = async (url: string) =>
  (await Effect.runPromise(Effect.flatMap(Verifier, (v) => v.run).pipe(Effect.provide(migratorFor({ DATABASE_URL: url }, shippedMigrations))))).checks.find(
    (c) => c.id === "backend-schema",
  )

const paths: ReadonlyArray<readonly [string, (url: string) => Promise<void>]> = [
  ["a fresh database", async () => undefined],
  ["a database aim 0.2.0 built", async (url) => void (await runMigrator(url, release020(), (m) => m.apply()))],
  ["a database aim 0.1.0 built", async (url) => void (await runMigrator(url, release010(), (m) => m.apply()))],
  ["a database with only 001-010 of aim 0.2.0", async (url) => void (await runMigrator(url, release020(), (m) => m.apply({ upTo: 10 })))],
  [
    "the backend's own database at the guide's release (state A), adopted",
    async (url) => {
      await buildDeployedDatabase(url, "A-seeds")
      await adopt(url)
    },
  ],
  ["state A as aim 0.2.0's aim adopt left it (its metrics trigger without WHEN)", (url) => buildDeployedDatabase(url, "A-adopted-0.2.0")],
  ["state B as aim 0.2.0's aim adopt left it (its metrics trigger without WHEN)", (url) => buildDeployedDatabase(url, "B-adopted-0.2.0")],
  [
    "the backend's own database at its current release (state B), adopted",
    async (url) => {
      await buildDeployedDatabase(url, "B-seeds")
      await adopt(url)
    },
  ],
]

describe("an aim database is the backend's own", () => {
  it.each(paths)("%s, then aim migrate: the contract's catalog and seed rows, and the backend's outcomes", async (_, build) => {
    const db = await fresh()
    await build(db.url)
    await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(await contractDifferences(onServer(db.url))).toEqual([])
    expect(await probeServer(db.url)).toEqual(contractOutcomes)
    expect(await verifyCheck(db.url)).toMatchObject({ status: "pass" })
    // A second run changes nothing.
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.apply())).applied).toEqual([])
  })

  it("an operator's rows are kept through the takeover of state A: a changed trust score is copied before it is rounded", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    await adopt(db.url)
    expect(await contractDifferences(onServer(db.url), { seeds: false })).toEqual([])
    expect(await sql(db.url, "SELECT trust_score::text FROM agents WHERE name = 'invoke-bot' OR name = 'invoice-bot'")).toEqual([{ trust_score: "0.88" }])
    expect(await sql(db.url, "SELECT table_name, column_name, old_value, migration FROM aim_migrations.value_copies")).toEqual([
      { table_name: "agents", column_name: "trust_score", old_value: "0.875", migration: "022_converge_to_backend_schema.sql" },
    ])
  })

  it("rows the backend's schema refuses stop 022 with AIM02, naming them; nothing is changed", async () => {
    const db = await fresh()
    await runMigrator(db.url, release020(), (m) => m.apply())
    // aim 0.2.0 kept 0-100 scores: 87.5 is scaled, 5 fits no scale of the backend's 0..1.
    const [admin] = await sql<{ id: string; organization_id: string }>(db.url, "SELECT id, organization_id FROM users WHERE email = 'admin@opena2a.org'")
    await sql(
      db.url,
      "INSERT INTO agents (organization_id, name, display_name, agent_type, created_by, trust_score) VALUES ($1, 'a', 'A', 'ai_agent', $2, 87.5), ($1, 'b', 'B', 'ai_agent', $2, 5)",
      [admin?.organization_id, admin?.id],
    )
    const failed = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    expect(failed).toMatchObject({ _tag: "MigrationFailed", name: "022_converge_to_backend_schema.sql", sqlState: "AIM02" })
    expect(String((failed as { serverMessage?: string }).serverMessage)).toMatch(/rows of agents do not fit the backend's trust_score_range_check/)
    // Rolled back: the scores and the ledger are as they were.
    expect(await sql(db.url, "SELECT name, trust_score::text FROM agents ORDER BY name")).toEqual([
      { name: "a", trust_score: "87.50" },
      { name: "b", trust_score: "5.00" },
    ])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations WHERE version >= 22")).toEqual([{ n: 0 }])
  })

  it("rows a key of the backend refuses are named by their ids, never by the values (a token hash stays out of the message)", async () => {
    const db = await fresh()
    await runMigrator(db.url, release020(), (m) => m.apply())
    await sql(
      db.url,
      `ALTER TABLE sdk_tokens DROP CONSTRAINT sdk_tokens_token_hash_key;
       INSERT INTO sdk_tokens (user_id, organization_id, token_hash, token_id, expires_at)
         SELECT id, organization_id, 'hash-of-a-secret-token', 'token-' || g, now() FROM users, generate_series(1, 2) g`,
    )
    const failed = await runMigratorFailure(db.url, shippedMigrations, (m) => m.apply())
    const message = String((failed as { serverMessage?: string }).serverMessage)
    expect(failed).toMatchObject({ sqlState: "AIM02", name: "022_converge_to_backend_schema.sql" })
    const ids = (await sql<{ id: string }>(db.url, "SELECT id::text AS id FROM sdk_tokens")).map((r) => r.id)
    for (const id of ids) expect(message).toContain(id)
    expect(message).not.toContain("hash-of-a-secret-token")
  })

  it("timestamptz goes back to the backend's timestamp at the operator's zone (AIM_TIMESTAMP_ZONE), the instant kept and the zone recorded", async () => {
    const db = await fresh()
    await runMigrator(db.url, release020(), (m) => m.apply())
    const [admin] = await sql<{ id: string; organization_id: string }>(db.url, "SELECT id, organization_id FROM users WHERE email = 'admin@opena2a.org'")
    await sql(
      db.url,
      `INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id, "timestamp") VALUES ($1, $2, 'login', 'user', $2, '2026-01-01 12:00:00+00')`,
      [admin?.organization_id, admin?.id],
    )
    await Effect.runPromise(
      Effect.flatMap(Migrator, (m) => m.apply()).pipe(
        Effect.provide(migratorFor({ DATABASE_URL: db.url, AIM_TIMESTAMP_ZONE: "Europe/Berlin" }, shippedMigrations)),
      ),
    )
    expect(await sql(db.url, `SELECT "timestamp"::text AS at FROM audit_logs`)).toEqual([{ at: "2026-01-01 13:00:00" }])
    expect(await sql(db.url, "SELECT migration, at_zone FROM aim_migrations.conversions WHERE table_name = 'audit_logs'")).toEqual([
      { migration: "023_converge_audit_logs.sql", at_zone: "Europe/Berlin" },
    ])
    // The 35 columns aim 0.2.0 made timestamptz where the backend has timestamp (read off both catalogs).
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.conversions WHERE at_zone = 'Europe/Berlin'")).toEqual([{ n: 35 }])
  })

  // On the embedded PGlite: embedded.test.ts (the core's PGlite parity file).
  it("aim verify's check reads the contract (the page's own lists) and names each difference by kind", async () => {
    const { columns, constraints, indexes, triggers } = contractItems()
    expect(backendSchema).toEqual({ columns, constraints, indexes, triggers })
    const db = await migrated()
    await sql(db.url, "ALTER TABLE agents DROP CONSTRAINT trust_score_range_check; CREATE INDEX agents_by_name ON agents (name)")
    expect(await verifyCheck(db.url)).toMatchObject({
      status: "fail",
      code: "AIM-VER-007",
      detail:
        "2 differences: 1 constraint (missing agents: trust_score_range_check: CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0)))), 1 index (extra CREATE INDEX agents_by_name ON public.agents USING btree (name))",
    })
    // An added plain index alone leaves the backend's writes and deletes as they were: a warning.
    await sql(db.url, "ALTER TABLE agents ADD CONSTRAINT trust_score_range_check CHECK (trust_score >= 0.0 AND trust_score <= 1.0)")
    expect(await verifyCheck(db.url)).toMatchObject({ status: "warn", code: "AIM-VER-007" })
  })

  it("the fixtures of the backend's own databases are the spec's: state B is the contract before aim touches it", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "B-seeds")
    expect(await contractDifferences(onServer(db.url))).toEqual([])
    expect(deployedScripts("B-seeds").join("\n")).not.toMatch(/set_updated_at/)
  })
})

import { buildDeployedDatabase, sql } from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Database } from "../src/database/Database.js"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import type { Migration } from "../src/source/Migration.js"
import { ReplayProgress, replayFiles } from "../src/migrator/replay.js"
import { databaseFor } from "../src/database/databases.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { type DriftReport, type ExpectedCatalog, comparedDigest, detectDrift, driftAgainst, replayedCatalogOf } from "../src/drift/Drift.js"
import { readCatalog, readCatalogKeys } from "../src/drift/catalog.js"
import { shippedCatalogOf, shippedDigestOf, shippedPrefixOf } from "../src/drift/shippedCatalog.js"
import { migrationsCopy, migratorFor, serverSettings, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_drift")
const migrated = useMigratedDatabases("aim_drift")

const shipped = (): Promise<ReadonlyArray<Migration>> => Effect.runPromise(loadMigrations(shippedMigrations))
const prefixOf = (files: ReadonlyArray<Migration>) => Effect.runPromise(shippedPrefixOf(files))

// Every database here is compared with what the 25 shipped files build: that catalog is replayed
// once, on a scratch database of the test server (PostgreSQL 15), and each drift then reads only the
// live catalog (driftAgainst). aim drift itself reads the shipped files' artifact instead of
// replaying: the first test holds the two equal.
let expected: Promise<ExpectedCatalog> | undefined
const replayedOnServer = (url: string) => {
  const settings = serverSettings(url)
  expected ??= shipped().then((files) => Effect.runPromise(replayedCatalogOf(settings, files)))
  return expected
}
const drift = async (url: string): Promise<DriftReport> => {
  const settings = serverSettings(url)
  const catalog = await replayedOnServer(url)
  return Effect.runPromise(driftAgainst(catalog).pipe(Effect.provide(databaseFor(settings))))
}

describe("aim drift: the live database against what its applied files produce", () => {
  it("a replay says how far it is after each file (the CLI prints it every 2 s: a replay of thousands of files takes minutes)", async () => {
    const db = await fresh()
    const files = (await Effect.runPromise(
      loadMigrations(migrationsCopy({ "001_a.sql": "CREATE TABLE a (id int);", "002_b.sql": "CREATE TABLE b (id int);", "003_c.sql": "SELECT 1;" }, false)),
    )) as ReadonlyArray<Migration>
    const told: Array<string> = []
    await Effect.runPromise(
      replayedCatalogOf(serverSettings(db.url), files).pipe(
        Effect.provideService(ReplayProgress, (done, total) => Effect.sync(() => told.push(`${done}/${total}`))),
      ),
    )
    expect(told).toEqual(["1/3", "2/3", "3/3"])
  })

  it("reads the shipped files' catalog from the artifact, which is what a replay on PostgreSQL 15 builds, object for object", async () => {
    const db = await migrated()
    const replayed = await replayedOnServer(db.url)
    const files = await shipped()
    const artifact = await Effect.runPromise(shippedCatalogOf(files))
    expect(artifact).toBeDefined()
    expect(new Map(replayed.catalog)).toEqual(artifact?.catalog)
    expect(new Map(replayed.createdBy)).toEqual(artifact?.createdBy)
    // A changed file is not the artifact's: drift replays it.
    const changed = files.map((f, i) => (i === 3 ? { ...f, checksum: "changed" } : f))
    expect(await Effect.runPromise(shippedCatalogOf(changed))).toBeUndefined()
    expect(shippedDigestOf(changed)).toBeUndefined()
  })

  it("the artifact's digest is its catalog's and a migrated database's, so drift there loads no catalog but the live one; a difference changes it, and is found", async () => {
    const db = await migrated()
    const files = await shipped()
    const settings = serverSettings(db.url)
    const artifact = await Effect.runPromise(shippedCatalogOf(files))
    const digest = shippedDigestOf(files)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(comparedDigest(artifact?.catalog ?? new Map())).toBe(digest)
    const live = () => Effect.runPromise(Effect.flatMap(Database, readCatalog).pipe(Effect.provide(databaseFor(settings))))
    expect(comparedDigest(await live())).toBe(digest)
    const detect = () => Effect.runPromise(detectDrift(settings, files).pipe(Effect.provide(databaseFor(settings))))
    expect(await detect()).toMatchObject({ ok: true, files: 25, differences: [], script: [] })

    // A default written otherwise that compares equal (0.0 for 0.000) is no difference and keeps the
    // digest; a dropped index is both, and its fix names the file from the artifact.
    await sql(db.url, "ALTER TABLE agents ALTER COLUMN trust_score SET DEFAULT 0.0")
    expect(comparedDigest(await live())).toBe(digest)
    await sql(db.url, "DROP INDEX idx_agents_status")
    expect(comparedDigest(await live())).not.toBe(digest)
    const found = await detect()
    expect(found.ok).toBe(false)
    expect(found.differences.map((d) => `${d.kind} ${d.objectType} ${d.name}`)).toEqual(["missing index idx_agents_status"])
    expect(found.differences[0]?.fix).toMatch(/^CREATE INDEX idx_agents_status ON public\.agents .*\(001_initial_schema\.sql creates it\)$/)
    expect(found.script.filter((line) => line.startsWith("CREATE INDEX idx_agents_status"))).toHaveLength(1)
  })

  it("an operator's own files on top of the shipped ones: snapshots start at the operator's first file, and every object is still the file's that made it", async () => {
    const db = await fresh()
    const own = {
      "026_own_table.sql": "CREATE TABLE own_things (id bigint PRIMARY KEY, note text); CREATE INDEX own_things_note ON own_things (note);",
      "027_own_rows.sql": "INSERT INTO own_things VALUES (1, 'one');",
      "028_own_column.sql": "ALTER TABLE agents ADD COLUMN own_label text;",
    }
    const files = (await Effect.runPromise(loadMigrations(migrationsCopy(own)))) as ReadonlyArray<Migration>
    const told: Array<number> = []
    const replayed = await Effect.runPromise(
      replayedCatalogOf(serverSettings(db.url), files, await prefixOf(files)).pipe(
        Effect.provideService(ReplayProgress, (done) => Effect.sync(() => told.push(done))),
      ),
    )
    expect(told).toEqual(Array.from({ length: 28 }, (_, i) => i + 1))
    // The same as a replay that attributes every object itself, snapshot after snapshot.
    const full = await Effect.runPromise(replayedCatalogOf(serverSettings(db.url), files))
    expect(new Map(replayed.catalog)).toEqual(new Map(full.catalog))
    expect(new Map(replayed.createdBy)).toEqual(new Map(full.createdBy))
    expect(replayed.createdBy.get("table:own_things")).toBe("026_own_table.sql")
    expect(replayed.createdBy.get("index:own_things_note")).toBe("026_own_table.sql")
    expect(replayed.createdBy.get("column:agents.own_label")).toBe("028_own_column.sql")
    expect(replayed.createdBy.get("table:agents")).toBe("001_initial_schema.sql")
    // A shipped file changed is no known prefix: the replay attributes every object itself.
    expect(await prefixOf(files.map((f, i) => (i === 3 ? { ...f, checksum: "changed" } : f)))).toBeUndefined()
    expect(await prefixOf(files.slice(0, 24))).toBeUndefined()
    expect((await prefixOf(files))?.files).toBe(25)
  })

  it("a replay that need not name files takes one snapshot, after the last file, and builds the same catalog", async () => {
    const db = await fresh()
    const own = {
      "026_own_table.sql": "CREATE TABLE own_things (id bigint PRIMARY KEY, note text); CREATE INDEX own_things_note ON own_things (note);",
      "027_own_column.sql": "ALTER TABLE agents ADD COLUMN own_label text;",
    }
    const files = (await Effect.runPromise(loadMigrations(migrationsCopy(own)))) as ReadonlyArray<Migration>
    const reads = { snapshots: 0, keys: 0 }
    const settings = serverSettings(db.url)
    const known = await prefixOf(files)
    const unattributed = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(
          Effect.flatMap(Database, (scratch) => scratch.session),
          (session) =>
            replayFiles(
              session,
              files,
              (s) =>
                Effect.zipRight(
                  Effect.sync(() => reads.snapshots++),
                  readCatalog(s),
                ),
              {
                known,
                keys: (s) =>
                  Effect.zipRight(
                    Effect.sync(() => reads.keys++),
                    readCatalogKeys(s),
                  ),
                attribute: false,
              },
            ),
        ),
      ).pipe(Effect.provide(databaseFor(settings))),
    )
    expect(reads).toEqual({ snapshots: 1, keys: 0 })
    expect(unattributed.createdBy.size).toBe(0)
    const full = await Effect.runPromise(replayedCatalogOf(serverSettings((await fresh()).url), files, known))
    expect(new Map(unattributed.snapshot)).toEqual(new Map(full.catalog))
    expect(full.createdBy.get("column:agents.own_label")).toBe("027_own_column.sql")
  })

  it("the keys a replay reads between files are exactly the catalog's keys, for every kind of object", async () => {
    const db = await migrated()
    await sql(
      db.url,
      `CREATE TYPE own_mood AS ENUM ('calm', 'busy');
       CREATE SEQUENCE own_seq;
       CREATE TABLE own_things (id int PRIMARY KEY, mood own_mood, CONSTRAINT own_things_id_check CHECK (id > 0));
       CREATE INDEX own_things_mood ON own_things (mood);
       CREATE VIEW own_view AS SELECT id FROM own_things;
       CREATE FUNCTION own_sum(a integer, b text DEFAULT 'x') RETURNS integer LANGUAGE sql AS 'SELECT a';
       CREATE FUNCTION own_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
       CREATE TRIGGER own_things_touch BEFORE UPDATE ON own_things FOR EACH ROW EXECUTE FUNCTION own_touch();
       ALTER TABLE own_things ENABLE ROW LEVEL SECURITY;
       CREATE POLICY own_things_read ON own_things FOR SELECT USING (id > 0);`,
    )
    const { catalog, keys } = await Effect.runPromise(
      Effect.gen(function* () {
        const database = yield* Database
        return { catalog: yield* readCatalog(database), keys: yield* readCatalogKeys(database) }
      }).pipe(Effect.provide(databaseFor(serverSettings(db.url)))),
    )
    expect([...keys].sort()).toEqual([...catalog.keys()].sort())
    const kinds = new Set([...keys].map((key) => key.slice(0, key.indexOf(":"))))
    expect([...kinds].sort()).toEqual(["column", "constraint", "function", "index", "label", "policy", "seed", "sequence", "table", "trigger", "type", "view"])
  })

  it("finds nothing on a fresh deploy, then a dropped index, an added column and a changed default, each with its fix", async () => {
    const db = await migrated()
    const clean = await drift(db.url)
    expect(clean).toMatchObject({ ok: true, files: 25, differences: [] })

    await sql(db.url, "DROP INDEX idx_agents_status; ALTER TABLE agents ADD COLUMN nickname text; ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'")
    const found = await drift(db.url)
    expect(found.ok).toBe(false)
    const byName = Object.fromEntries(found.differences.map((d) => [`${d.kind} ${d.objectType} ${d.name}`, d]))
    expect(Object.keys(byName).sort()).toEqual(["changed column users.role", "extra column agents.nickname", "missing index idx_agents_status"])
    expect(byName["missing index idx_agents_status"]?.fix).toBe(
      "CREATE INDEX idx_agents_status ON public.agents USING btree (status); (001_initial_schema.sql creates it)",
    )
    expect(found.script).toEqual([
      "BEGIN;",
      "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'member'::character varying;",
      "CREATE INDEX idx_agents_status ON public.agents USING btree (status);",
      "COMMIT;",
    ])
    expect(byName["changed column users.role"]).toMatchObject({ expected: expect.stringMatching(/'member'/), actual: expect.stringMatching(/'admin'/) })
    expect(byName["extra column agents.nickname"]?.fix).toMatch(/aim new/)
  })

  it("a missing default policy and a changed trigger are drift; a policy an operator added is not", async () => {
    const db = await migrated()
    await sql(
      db.url,
      `DELETE FROM security_policies WHERE name = 'Data Exfiltration Detection';
       INSERT INTO security_policies (organization_id, name, description, policy_type, enforcement_action, severity_threshold, priority, created_by)
         SELECT organization_id, 'Operator policy', 'added by hand', policy_type, enforcement_action, severity_threshold, 5, created_by FROM security_policies LIMIT 1;
       DROP TRIGGER update_users_updated_at ON users;
       CREATE TRIGGER update_users_updated_at BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();`,
    )
    const found = await drift(db.url)
    expect(found.ok).toBe(false)
    expect(found.differences.map((d) => `${d.kind} ${d.objectType} ${d.name}`).sort()).toEqual([
      "changed trigger users.update_users_updated_at",
      "missing seed security_policies/Data Exfiltration Detection",
    ])
    expect(found.differences.find((d) => d.objectType === "trigger")?.fix).toMatch(
      /^DROP TRIGGER IF EXISTS update_users_updated_at ON users; CREATE TRIGGER update_users_updated_at BEFORE UPDATE /,
    )
  })

  it.each(["A", "B"] as const)(
    "after adopting deployed state %s: no difference at all (the backend's own schema is the files'), and it passes",
    async (state) => {
      const db = await fresh()
      await buildDeployedDatabase(db.url, state)
      await Effect.runPromise(
        Effect.flatMap(LedgerAdmin, (a) => a.adopt()).pipe(
          Effect.provide(LedgerAdminLive().pipe(Layer.provideMerge(migratorFor({ DATABASE_URL: db.url }, shippedMigrations)))),
        ),
      )
      const found = await drift(db.url)
      const failing = found.differences.filter((d) => d.kind !== "extra" && d.known === undefined)
      expect(failing).toEqual([])
      expect(found.ok).toBe(true)
      // Converged to the backend's own schema: no known difference is left, and nothing is extra.
      expect(found.differences.filter((d) => d.known !== undefined)).toEqual([])
      expect(found.differences.filter((d) => d.kind === "extra")).toEqual([])
      expect(found.script).toEqual([])

      // Hand changes on top of the adopted database: the script repairs them.
      await sql(
        db.url,
        `DROP INDEX idx_agents_status; ALTER TABLE agents RENAME COLUMN display_name TO shown_name;
         ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'; ALTER TABLE users DISABLE TRIGGER update_users_updated_at;
         UPDATE security_policies SET priority = 1 WHERE name = 'Low Trust Score Alert'`,
      )
      const changed = await drift(db.url)
      expect(changed.ok).toBe(false)
      await sql(db.url, changed.script.join("\n"))
      const repaired = await drift(db.url)
      expect(repaired.differences.filter((d) => d.kind !== "extra" && d.known === undefined)).toEqual([])
      expect(repaired.ok).toBe(true)
    },
  )

  // On the embedded PGlite: embedded.test.ts (the core's PGlite parity file).
})

import { sql, testPostgresUrl } from "@aim/testkit"
import { useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { driftAgainst, replayedCatalogOf } from "../src/drift/Drift.js"
import { readCatalog } from "../src/drift/catalog.js"
import { Database } from "../src/database/Database.js"
import { databaseFor } from "../src/database/databases.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { proveRollback, rollback } from "../src/rollback/Rollback.js"
import type { RollbackOptions } from "../src/rollback/Rollback.js"
import { migrationsCopy, migratorFor, runMigrator, serverSettings, shippedMigrations } from "./support.js"

const migrated = useMigratedDatabases("aim_rollback")

// Files 1..N replay on a scratch database of the test server (AIM_SCRATCH_DATABASE_URL), as in CI.
const rollBack = (url: string, dir: string, options: RollbackOptions) =>
  Effect.runPromise(Effect.either(rollback(options).pipe(Effect.provide(migratorFor({ DATABASE_URL: url, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() }, dir)))))

/** The live catalog against what files 1..N build: no difference at all, extras included. */
const differencesFrom = async (url: string, dir: string, upTo: number) => {
  const files = (await Effect.runPromise(loadMigrations(dir))).filter((f) => f.version <= upTo)
  const expected = await Effect.runPromise(replayedCatalogOf(serverSettings(testPostgresUrl()), files))
  const report = await Effect.runPromise(driftAgainst(expected).pipe(Effect.provide(databaseFor(serverSettings(url)))))
  return report.differences.map((d) => `${d.kind} ${d.objectType} ${d.name}`)
}

const own = {
  "026_own_notes.sql": `-- 026_own_notes: a table of the operator's own
CREATE TABLE IF NOT EXISTS own_notes (id bigint PRIMARY KEY, organization_id uuid REFERENCES organizations (id), note text NOT NULL);
CREATE INDEX IF NOT EXISTS idx_own_notes_org ON own_notes (organization_id);
`,
  "027_nicknames.sql": `-- 027_nicknames: a column on a backend table, a wider one, and a view
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS nickname text;
ALTER TABLE api_keys ALTER COLUMN prefix TYPE varchar(64);
CREATE OR REPLACE VIEW org_nicknames AS SELECT id, nickname FROM organizations;
`,
}

const ledger = (url: string) => sql(url, "SELECT version FROM aim_migrations.schema_migrations ORDER BY version")

describe("aim rollback", () => {
  it("refuses a step that removes data nobody named, then with the objects named (and saved) gives exactly what files 1..25 build", async () => {
    const db = await migrated()
    const dir = migrationsCopy(own)
    await runMigrator(db.url, dir, (m) => m.apply())
    await sql(
      db.url,
      "INSERT INTO own_notes (id, organization_id, note) SELECT n, (SELECT id FROM organizations LIMIT 1), 'note ' || n FROM generate_series(1, 2) n",
    )
    await sql(db.url, "UPDATE organizations SET nickname = 'hq'")
    const rowsBefore = await sql(
      db.url,
      "SELECT (SELECT json_agg(n ORDER BY id) FROM own_notes n) AS notes, (SELECT json_agg(json_build_array(id, nickname) ORDER BY id) FROM organizations) AS nicknames",
    )
    const before = await liveCatalog(db.url)

    // The plan alone: every step, every loss, nothing changed.
    const dry = await rollBack(db.url, dir, { to: 25, dryRun: true })
    if (dry._tag === "Left") throw dry.left
    expect(dry.right.files.map((f) => f.version)).toEqual([27, 26])
    expect(dry.right.statements).toEqual(
      expect.arrayContaining([
        "DROP VIEW IF EXISTS org_nicknames",
        "DROP TABLE IF EXISTS own_notes",
        "ALTER TABLE organizations DROP COLUMN IF EXISTS nickname",
      ]),
    )
    expect(dry.right.statements.indexOf("DROP VIEW IF EXISTS org_nicknames")).toBeLessThan(
      dry.right.statements.indexOf("ALTER TABLE organizations DROP COLUMN IF EXISTS nickname"),
    )
    expect(dry.right.losses).toEqual([
      { object: "organizations.nickname", what: "values", rows: 1, accepted: false },
      { object: "own_notes", what: "rows", rows: 2, accepted: false },
    ])
    expect(dry.right.locks?.statements.some((s) => s.locks.some((l) => l.relation === "organizations" && l.mode === "AccessExclusiveLock"))).toBe(true)
    expect(dry.right.next).toMatch(/applies 026_own_notes.sql, 027_nicknames.sql again/)
    expect(await liveCatalog(db.url)).toEqual(before)

    // Not named: refused, nothing changed.
    const refused = await rollBack(db.url, dir, { to: 25 })
    expect(refused._tag === "Left" && diagnose(refused.left).entry.code).toBe("AIM-RBK-001")
    expect(refused._tag === "Left" && refused.left.message).toMatch(/2 rows of own_notes/)
    expect((await ledger(db.url)).at(-1)).toEqual({ version: 27 })
    expect(await liveCatalog(db.url)).toEqual(before)

    // Named and saved: rolled back, the rows kept in files only the owner reads.
    const saveDir = join(mkdtempSync(join(tmpdir(), "aim-rollback-")), "saved")
    const done = await rollBack(db.url, dir, { to: 25, acceptLoss: ["own_notes", "organizations.nickname"], saveData: saveDir })
    if (done._tag === "Left") throw done.left
    expect(done.right.saved.map((s) => [s.object, s.rows])).toEqual([
      ["organizations.nickname", 1],
      ["own_notes", 2],
    ])
    const notes = join(saveDir, "own_notes.jsonl")
    expect(statSync(notes).mode & 0o777).toBe(0o600)
    expect(
      readFileSync(notes, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).note),
    ).toEqual(["note 1", "note 2"])
    expect((await ledger(db.url)).at(-1)).toEqual({ version: 25 })
    expect(await differencesFrom(db.url, dir, 25)).toEqual([])

    // Forward again: the files apply as before, and the saved rows go back as the guide's page says.
    const forward = await runMigrator(db.url, dir, (m) => m.apply())
    expect(forward.applied.map((a) => a.version)).toEqual([26, 27])
    expect(await differencesFrom(db.url, dir, 27)).toEqual([])
    const saved = (file: string) => `[${readFileSync(join(saveDir, file), "utf8").trim().split("\n").join(",")}]`
    await sql(db.url, "INSERT INTO own_notes SELECT * FROM json_populate_recordset(NULL::own_notes, $1::json)", [saved("own_notes.jsonl")])
    await sql(db.url, "UPDATE organizations o SET nickname = r.nickname FROM json_populate_recordset(NULL::organizations, $1::json) r WHERE o.id = r.id", [
      saved("organizations.nickname.jsonl"),
    ])
    expect(
      await sql(
        db.url,
        "SELECT (SELECT json_agg(n ORDER BY id) FROM own_notes n) AS notes, (SELECT json_agg(json_build_array(id, nickname) ORDER BY id) FROM organizations) AS nicknames",
      ),
    ).toEqual(rowsBefore)
  })

  it("from the shipped files back to 20 in one rollback: the catalog files 1..20 build, every row of the kept tables still there; to 15, below the backend's release, refused", async () => {
    const db = await migrated()
    const users = await sql(db.url, "SELECT id, email, password_hash FROM users ORDER BY id")
    const result = await rollBack(db.url, shippedMigrations, { to: 20 })
    if (result._tag === "Left") throw result.left
    expect(result.right.files.map((f) => f.version)).toEqual([25, 24, 23, 22, 21])
    expect(await differencesFrom(db.url, shippedMigrations, 20)).toEqual([])
    const below = await rollBack(db.url, shippedMigrations, { to: 15 })
    expect(below._tag === "Left" && diagnose(below.left).entry.code).toBe("AIM-RBK-003")
    expect((await ledger(db.url)).at(-1)).toEqual({ version: 20 })
    expect(await sql(db.url, "SELECT id, email, password_hash FROM users ORDER BY id")).toEqual(users)
  })
})

describe("aim rollback and the rows the rolled-back files seeded", () => {
  it("rows a file seeded and nobody changed go with its table unasked; a row an operator added or changed is a loss to name", async () => {
    const db = await migrated()
    const dir = migrationsCopy({
      "026_kinds.sql":
        "-- 026_kinds: a lookup table and its rows\nCREATE TABLE IF NOT EXISTS kinds (id serial PRIMARY KEY, name text UNIQUE NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nINSERT INTO kinds (name) VALUES ('bot'), ('human') ON CONFLICT (name) DO NOTHING;\n",
    })
    await runMigrator(db.url, dir, (m) => m.apply())
    const plan = async () => {
      const result = await rollBack(db.url, dir, { to: 25, dryRun: true })
      if (result._tag === "Left") throw result.left
      return { losses: result.right.losses, seeded: result.right.seeded }
    }
    expect(await plan()).toEqual({ losses: [], seeded: [{ object: "kinds", rows: 2 }] })
    await sql(db.url, "INSERT INTO kinds (name) VALUES ('agent'); UPDATE kinds SET name = 'person' WHERE name = 'human'")
    expect(await plan()).toEqual({ losses: [{ object: "kinds", what: "rows", rows: 2, accepted: false }], seeded: [{ object: "kinds", rows: 1 }] })
    await sql(db.url, "DELETE FROM kinds WHERE name = 'agent'; UPDATE kinds SET name = 'human' WHERE name = 'person'")
    const done = await rollBack(db.url, dir, { to: 25 })
    if (done._tag === "Left") throw done.left
    expect(await sql(db.url, "SELECT to_regclass('public.kinds') IS NULL AS gone")).toEqual([{ gone: true }])
  })
})

describe("aim rollback of a file that ran outside a transaction", () => {
  it("its concurrently built index goes with DROP INDEX CONCURRENTLY, on its own before the transaction, and the catalog is files 1..25's", async () => {
    const db = await migrated()
    const dir = migrationsCopy({
      "026_org_name_index.sql":
        "-- aim:no-transaction\n-- 026_org_name_index: looked up by name\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_organizations_name ON organizations (name);\n",
    })
    await runMigrator(db.url, dir, (m) => m.apply())
    const dry = await rollBack(db.url, dir, { to: 25, dryRun: true })
    if (dry._tag === "Left") throw dry.left
    expect(dry.right).toMatchObject({ outside: ["DROP INDEX CONCURRENTLY IF EXISTS idx_organizations_name"], statements: [] })
    expect(dry.right.locks?.statements.map((s) => [s.kind, s.locks])).toEqual([
      [
        "DROP INDEX CONCURRENTLY",
        [
          { relation: "idx_organizations_name", mode: "AccessExclusiveLock" },
          { relation: "organizations", mode: "ShareUpdateExclusiveLock" },
        ],
      ],
    ])
    const done = await rollBack(db.url, dir, { to: 25 })
    if (done._tag === "Left") throw done.left
    expect(await differencesFrom(db.url, dir, 25)).toEqual([])
    expect((await ledger(db.url)).at(-1)).toEqual({ version: 25 })
  })
})

describe("aim migrate --prove-rollback", () => {
  it("the shipped files: every way back gives what the files before it build, and forward again the whole catalog (PostgreSQL 15)", async () => {
    const files = await Effect.runPromise(loadMigrations(shippedMigrations))
    const proof = await Effect.runPromise(proveRollback(serverSettings(testPostgresUrl()), files))
    expect(proof).toMatchObject({ ok: true, files: 25, rollbacks: 25, findings: [] })
  })

  it("names the way back that does not converge: an enum value a later file added stays", async () => {
    const dir = migrationsCopy(
      {
        "001_mood.sql": "-- 001_mood: a type\nDO $$ BEGIN CREATE TYPE mood AS ENUM ('calm'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
        "002_mood_value.sql": "-- 002_mood_value: one more value\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'busy';\n",
      },
      false,
    )
    const files = await Effect.runPromise(loadMigrations(dir))
    const proof = await Effect.runPromise(proveRollback(serverSettings(testPostgresUrl()), files))
    expect(proof.ok).toBe(false)
    expect(proof.findings).toEqual([{ step: "rollback to 001", differences: ["extra label mood.busy"] }])
  })
})

const liveCatalog = (url: string) => Effect.runPromise(Effect.flatMap(Database, readCatalog).pipe(Effect.provide(databaseFor(serverSettings(url)))))

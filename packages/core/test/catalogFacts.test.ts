import { sql } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { readCatalogFacts } from "../src/plan/catalogRead.js"
import { pendingLockPlan } from "../src/workload/workload.js"
import { Database } from "../src/database/Database.js"
import { databaseFor } from "../src/database/databases.js"
import { migrationsCopy, migratorFor, serverSettings } from "./support.js"

// What the lock plan reads from a real catalog, in its one round trip: indexes and their tables,
// foreign keys, column types, validated IS NOT NULL checks, and each relation's live size (counted
// where the table was never analysed).
const database = useTestDatabase("aim_catalog_facts")

describe("readCatalogFacts", () => {
  it("reads every fact the analysis uses from pg_catalog", async () => {
    const { url } = database()
    await sql(
      url,
      `CREATE TABLE parent (id int PRIMARY KEY, code varchar(8), label character varying, amount numeric(7,2));
       CREATE TABLE child (id int PRIMARY KEY, parent_id int, note text,
         CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id),
         CONSTRAINT child_note_nn CHECK (note IS NOT NULL),
         CONSTRAINT child_id_positive CHECK (id > 0));
       ALTER TABLE child ADD CONSTRAINT child_parent_nn CHECK (parent_id IS NOT NULL) NOT VALID;
       CREATE TABLE "Quoted" ("Odd" int, CONSTRAINT quoted_nn CHECK ("Odd" IS NOT NULL));
       CREATE TABLE wide (a_column_name_long_enough_that_its_check_passes_63_bytes int,
         CONSTRAINT wide_nn CHECK (a_column_name_long_enough_that_its_check_passes_63_bytes IS NOT NULL));
       CREATE INDEX child_note_idx ON child (note);
       CREATE VIEW parent_codes AS SELECT code FROM parent;
       INSERT INTO parent SELECT g, 'c' || g, 'l', g FROM generate_series(1, 40) g;
       INSERT INTO child SELECT g, g, 'n' FROM generate_series(1, 25) g;
       ANALYZE parent;`,
    )
    const settings = serverSettings(url)
    const { facts, sizes } = await Effect.runPromise(Effect.flatMap(Database, readCatalogFacts).pipe(Effect.provide(databaseFor(settings))))
    expect(Object.fromEntries(facts.indexTable)).toEqual({ parent_pkey: "parent", child_pkey: "child", child_note_idx: "child" })
    expect(Object.fromEntries(facts.foreignKeyTarget)).toEqual({ "child.child_parent_fk": "parent" })
    expect(facts.references).toEqual([
      { table: "child", columns: ["parent_id"], referenced: "parent", referencedColumns: ["id"], onDelete: "a", onUpdate: "a" },
    ])
    expect(Object.fromEntries(facts.viewReads)).toEqual({ parent_codes: ["parent"] })
    expect(Object.fromEntries(facts.columnType)).toEqual({
      "parent.id": "integer",
      "parent.code": "character varying(8)",
      "parent.label": "character varying",
      "parent.amount": "numeric(7,2)",
      "child.id": "integer",
      "child.parent_id": "integer",
      "child.note": "text",
      "Quoted.Odd": "integer",
      "wide.a_column_name_long_enough_that_its_check_passes_63_bytes": "integer",
    })
    // Only validated checks let SET NOT NULL skip its scan; the NOT VALID one does not.
    // A check's text longer than a name's 63 bytes is read whole.
    expect([...facts.notNullChecked].sort()).toEqual(["Quoted.Odd", "child.note", "wide.a_column_name_long_enough_that_its_check_passes_63_bytes"])
    // parent was analysed (its estimate); child never was (counted); the view and indexes have sizes too.
    expect(sizes.get("parent")).toMatchObject({ name: "parent", rows: 40 })
    expect(sizes.get("child")).toMatchObject({ name: "child", rows: 25 })
    expect(sizes.get("child")?.bytes).toBeGreaterThan(0)
    expect(sizes.get("parent_codes")).toMatchObject({ name: "parent_codes", rows: 0 })
    expect(sizes.get("child_note_idx")?.bytes).toBeGreaterThan(0)
    expect([...sizes.keys()].sort()).toEqual(["Quoted", "child", "child_note_idx", "child_pkey", "parent", "parent_codes", "parent_pkey", "wide"])
  })
})

describe("pendingLockPlan", () => {
  it("plans the pending files only, against the configured database, with the migrator's status", async () => {
    const { url } = database()
    await sql(url, "CREATE TABLE IF NOT EXISTS parent (id int PRIMARY KEY)")
    const dir = migrationsCopy(
      {
        "001_a.sql": "CREATE TABLE IF NOT EXISTS planned (id int);",
        "002_b.sql": '-- aim:check "no parents" SELECT 1 FROM parent WHERE false\nCREATE INDEX IF NOT EXISTS parent_id_idx ON parent (id);',
      },
      false,
    )
    const { status, plan } = await Effect.runPromise(pendingLockPlan.pipe(Effect.provide(migratorFor({ DATABASE_URL: url }, dir))))
    expect(status.pending.map((p) => p.version)).toEqual([1, 2])
    expect(plan.pending.map((f) => [f.version, f.name, f.risk, f.checks.map((c) => c.message)])).toEqual([
      [1, "001_a.sql", "low", []],
      [2, "002_b.sql", "low", ["no parents"]],
    ])
    expect(plan.pending[1]?.statements.map((s) => [s.kind, s.locks])).toEqual([["CREATE INDEX", [{ relation: "parent", mode: "ShareLock" }]]])
    expect(plan.relations.map((r) => r.name)).toEqual(["parent"])
  })
})

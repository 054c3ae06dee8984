import { type Cluster, createTestDatabase, sql, startCluster } from "@aim/testkit"
import { useMigratedDatabases } from "@aim/testkit/hooks"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WorkloadUnavailable, parseWorkload, pendingLockPlanWith, readWorkload } from "../src/workload/workload.js"
import { databaseFor } from "../src/database/databases.js"
import { migrationsCopy, migratorFor, runMigrator, serverSettings, shippedMigrations } from "./support.js"

describe("a workload file", () => {
  it("is read as a pg_stat_statements CSV export, as ;-separated statements, or one statement per line", () => {
    expect(parseWorkload('query,calls\n"SELECT a, b FROM t WHERE c = $1",12\n"UPDATE t SET note = \'x,""y""\'\nWHERE id = $1",3\n')).toEqual([
      { query: "SELECT a, b FROM t WHERE c = $1", calls: 12 },
      { query: "UPDATE t SET note = 'x,\"y\"'\nWHERE id = $1", calls: 3 },
    ])
    expect(parseWorkload("SELECT 1;\nSELECT a\n  FROM t;")).toEqual([
      { query: "SELECT 1", calls: null },
      { query: "SELECT a\n  FROM t", calls: null },
    ])
    expect(parseWorkload("SELECT a FROM t\nDELETE FROM t WHERE id = $1\n")).toEqual([
      { query: "SELECT a FROM t", calls: null },
      { query: "DELETE FROM t WHERE id = $1", calls: null },
    ])
  })
})

describe("what an addition breaks", () => {
  const migrated = useMigratedDatabases("aim_workload_file")
  it("a column added to a joined table makes an unqualified name ambiguous: that is a break; a query not naming it is not checked again", async () => {
    const db = await migrated()
    const workload = join(mkdtempSync(join(tmpdir(), "aim-workload-")), "w.sql")
    writeFileSync(workload, "SELECT agent_type FROM agents a JOIN organizations o ON o.id = a.organization_id;\nSELECT o.name FROM organizations o;\n")
    const { plan } = await Effect.runPromise(
      pendingLockPlanWith({ kind: "file", path: workload }).pipe(
        Effect.provide(migratorFor({ DATABASE_URL: db.url }, migrationsCopy({ "900_add.sql": "ALTER TABLE organizations ADD COLUMN agent_type text;\n" }))),
      ),
    )
    expect(plan.workload?.breaks.map((b) => [b.file, b.line, b.sqlState, b.reason])).toEqual([["900_add.sql", 1, "42702", expect.stringMatching(/ambiguous/)]])
  })
})

// A server that keeps pg_stat_statements (it must be preloaded: a throwaway cluster with the setting).
let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster({ settings: ["shared_preload_libraries = 'pg_stat_statements'"] })
}, 60_000)
afterAll(() => cluster?.stop())

const appRole = `aim_app_${process.pid}`

describe("aim plan against the queries the application ran (pg_stat_statements)", () => {
  it("names the pending statement that breaks a query the application ran, with its calls; an addition breaks nothing; the live database is not changed", async () => {
    const db = await createTestDatabase(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, "aim_workload")
    await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    await sql(
      db.url,
      `CREATE EXTENSION pg_stat_statements; CREATE ROLE ${appRole} LOGIN; GRANT USAGE ON SCHEMA public TO ${appRole};
       GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${appRole}`,
    )
    // The application's traffic, as its role: a read of a column, a write of another, a read the files leave alone.
    const app = db.url.replace("postgres://postgres@", `postgres://${appRole}@`)
    for (let i = 0; i < 3; i++) {
      await sql(app, "SELECT description FROM agents WHERE id = $1", ["00000000-0000-0000-0000-000000000000"])
      await sql(app, "UPDATE agents SET display_name = $2 WHERE id = $1", ["00000000-0000-0000-0000-000000000000", "x"])
      await sql(app, "SELECT name, status FROM agents WHERE organization_id = $1", ["00000000-0000-0000-0000-000000000000"])
    }
    const planWith = (files: Record<string, string>) =>
      Effect.runPromise(
        pendingLockPlanWith({ kind: "pg_stat_statements", asked: true, role: appRole }).pipe(
          Effect.provide(migratorFor({ DATABASE_URL: db.url }, migrationsCopy(files))),
        ),
      )
    const adds = await planWith({ "900_add.sql": "ALTER TABLE agents ADD COLUMN nickname text;\n" })
    expect(adds.plan.workload).toMatchObject({ source: "pg_stat_statements", queries: 3, checked: 3, breaks: [], notes: [] })
    const drops = await planWith({
      "900_drop.sql":
        "ALTER TABLE agents ADD COLUMN nickname text;\nALTER TABLE agents DROP COLUMN description;\nALTER TABLE agents RENAME COLUMN display_name TO shown_name;\n",
    })
    const statements = drops.plan.pending[0]?.statements ?? []
    expect(statements.map((s) => s.breaks?.map((b) => [b.line, b.query, b.calls, b.sqlState]) ?? [])).toEqual([
      [],
      [[2, "SELECT description FROM agents WHERE id = $1", 3, "42703"]],
      [[3, "UPDATE agents SET display_name = $2 WHERE id = $1", 3, "42703"]],
    ])
    // Planned on a scratch copy: the live table still has both columns, and no nickname.
    expect(
      await sql(
        db.url,
        "SELECT string_agg(attname, ',' ORDER BY attname) AS c FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname IN ('description', 'display_name', 'nickname')",
      ),
    ).toEqual([{ c: "description,display_name" }])
    await sql(db.url, `DROP OWNED BY ${appRole}`)
  }, 120_000)

  it("a role that may not read the application's query text is told which privilege it lacks (AIM-PLAN-001), never given an empty workload", async () => {
    const db = await createTestDatabase(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, "aim_workload")
    const reader = `aim_reader_${process.pid}`
    await sql(db.url, `CREATE EXTENSION pg_stat_statements; DO $$ BEGIN CREATE ROLE ${reader} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
    await sql(db.url, "SELECT count(*) FROM pg_class") // a query of another role (postgres)
    const as = db.url.replace("postgres://postgres@", `postgres://${reader}@`)
    const read = (asked: boolean) =>
      Effect.runPromise(Effect.either(readWorkload({ kind: "pg_stat_statements", asked }).pipe(Effect.provide(databaseFor(serverSettings(as))))))
    const refused = await read(true)
    expect(refused._tag === "Left" && refused.left).toBeInstanceOf(WorkloadUnavailable)
    expect(refused._tag === "Left" && refused.left.message).toMatch(/pg_read_all_stats/)
    // By default (not asked for) the plan goes on and says why nothing was checked.
    const noted = await read(false)
    expect(noted._tag === "Right" && noted.right).toMatchObject({ queries: [], note: expect.stringMatching(/^\[AIM-PLAN-001\] .*pg_read_all_stats/) })
  })
})

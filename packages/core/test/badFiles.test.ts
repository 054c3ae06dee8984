import { sql } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { diagnose, loadMigrations } from "../src/index.js"
import { migrationsCopy, runMigrator, runMigratorFailure, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_badfiles")

const ledgerCount = async (url: string) => (await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations"))[0]?.n

describe("a file that ends its own transaction is refused before anything runs", () => {
  it.each([
    ["COMMIT mid-file, then an error", "CREATE TABLE half_a (id int);\nCOMMIT;\nCREATE TABLE half_b (id int);\nSELECT 1/0;\n", 2, "COMMIT"],
    ["ROLLBACK mid-file", "CREATE TABLE half_a (id int);\nROLLBACK;\nCREATE TABLE half_b (id int);\n", 2, "ROLLBACK"],
    ["a SAVEPOINT", "SAVEPOINT s1;\nCREATE TABLE half_a (id int);\n", 1, "SAVEPOINT s1"],
    ["BEGIN and END", "-- wrapped by hand\nBEGIN;\nCREATE TABLE half_a (id int);\nEND;\n", 2, "BEGIN"],
  ])("%s", async (_, text, line, statement) => {
    const db = await fresh()
    await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    const before = await ledgerCount(db.url)
    const error = await runMigratorFailure(db.url, migrationsCopy({ "031_half.sql": text }), (m) => m.apply())
    expect(error._tag).toBe("MigrationSourceError")
    expect(diagnose(error).entry.code).toBe("AIM-MIG-004")
    expect(error.message).toContain(`031_half.sql: line ${line}: ${statement} controls the transaction aim runs the file in`)
    expect(await ledgerCount(db.url)).toBe(before)
    expect(await sql(db.url, "SELECT to_regclass('public.half_a') AS a, to_regclass('public.half_b') AS b")).toEqual([{ a: null, b: null }])
  })

  it("the same statements in a -- aim:no-transaction file are the author's to manage", async () => {
    const db = await fresh()
    const report = await runMigrator(
      db.url,
      migrationsCopy({ "031_own.sql": "-- aim:no-transaction\nBEGIN;\nCREATE TABLE own_tx (id int);\nCOMMIT;\n" }),
      (m) => m.apply(),
    )
    expect(report.applied.at(-1)?.name).toBe("031_own.sql")
  })
})

describe("only regular files are migrations", () => {
  it("a FIFO named like a migration is named, not read (which would wait forever)", async () => {
    const dir = migrationsCopy()
    execFileSync("mkfifo", [join(dir, "031_pipe.sql")])
    const result = await Effect.runPromise(Effect.either(loadMigrations(dir)).pipe(Effect.timeout("5 seconds")))
    expect(result._tag).toBe("Left")
    if (result._tag === "Left") expect(result.left.message).toContain("031_pipe.sql: is not a regular file")
  })
})

describe("the session's search_path is pinned to public", () => {
  it("ALTER DATABASE … SET search_path = app does not send the tables to app", async () => {
    const db = await fresh()
    const name = new URL(db.url).pathname.slice(1)
    await sql(db.url, `CREATE SCHEMA app; ALTER DATABASE ${name} SET search_path = app`)
    await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'app'")).toEqual([{ n: 0 }])
    expect(await sql(db.url, "SELECT to_regclass('public.users') IS NOT NULL AS ok")).toEqual([{ ok: true }])
  })
})

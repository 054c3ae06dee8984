import { Effect, Layer } from "effect"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Database, MigrationSourceLive, Migrator, MigratorLive, databaseFor } from "../src/testing.js"
import { shippedMigrations } from "./support.js"

describe("embedded PostgreSQL (PGlite 18)", () => {
  it("applies the shipped migrations, gives the 14 tables, the backend's and the seed rows, then is a no-op", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aim-pglite-")), "data")
    const layer = MigratorLive().pipe(Layer.provideMerge(databaseFor({ _tag: "Embedded", dataDir })), Layer.provide(MigrationSourceLive(shippedMigrations)))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const migrator = yield* Migrator
        const db = yield* Database
        const first = yield* migrator.apply()
        const second = yield* migrator.apply()
        const version = yield* db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")
        const tables = yield* db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        const policies = yield* db.query<{ name: string }>("SELECT name FROM security_policies ORDER BY priority DESC")
        const admin = yield* db.query<{ role: string; status: string }>("SELECT role, status FROM users WHERE email = 'admin@opena2a.org'")
        return { first, second, version, tables, policies, admin }
      }).pipe(Effect.provide(layer)),
    )
    expect(Number(result.version[0]?.v)).toBeGreaterThanOrEqual(180000)
    expect(result.first.applied).toHaveLength(25)
    expect(result.second.applied).toHaveLength(0)
    // The guide's 14, the AIM backend's 25 and its runner's ledger.
    expect(result.tables).toHaveLength(14 + 25 + 1)
    expect(result.policies[2]?.name).toBe("Capability Violation Detection")
    expect(result.admin).toEqual([{ role: "admin", status: "active" }])
  })

  it("names a failing statement the server gives no position for (PGlite cannot count completed statements: bisection)", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aim-pglite-")), "data")
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
    const layer = MigratorLive().pipe(Layer.provideMerge(databaseFor({ _tag: "Embedded", dataDir })), Layer.provide(MigrationSourceLive(dir)))
    const error = await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.flip, Effect.provide(layer)))
    expect(error).toMatchObject({ _tag: "MigrationFailed", name: "031_located.sql", line: 42, sqlState: "23505", rolledBack: true })
  })
})

import { sql } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { tmpdir } from "node:os"
import { describe, expect, it } from "vitest"
import { migrateFleet, parseFleet } from "../src/runtime/fleet.js"
import { shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_fleet_core")

describe("a fleet builds each database's stack from AimLive, on the target alone", () => {
  it("in production with no POSTGRES_* or DATABASE_URL (each line names its server), every database is migrated", async () => {
    const [a, b] = [await fresh(), await fresh()]
    const env = { NODE_ENV: "production" }
    // Production sends no password over plaintext: the test server has no SSL, so each line says disable.
    const { targets, problems } = parseFleet(`${a.url}?sslmode=disable\n${b.url}?sslmode=disable\n`, env, undefined)
    expect(problems).toEqual([])
    const results = await Effect.runPromise(migrateFleet(targets, { migrationsDir: shippedMigrations, env, cwd: tmpdir(), concurrency: 2 }))
    expect(results.map((r) => [r.status, r.applied, r.error?.code])).toEqual([
      ["ok", 25, undefined],
      ["ok", 25, undefined],
    ])
    for (const db of [a, b]) expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")).toEqual([{ n: 25 }])
  })
})

describe("a fleet file that names one database more than once", () => {
  it("a URL, its host in capitals and its bare name on the configured server are one database: each repeat is a problem naming the first line", () => {
    const base = {
      _tag: "Server",
      source: "DATABASE_URL",
      host: "db.internal",
      port: 5432,
      user: "aim",
      password: undefined,
      database: "postgres",
      sslMode: "require",
      sslRootCert: undefined,
      plaintextFallback: false,
      connectTimeoutSeconds: 10,
    } as const
    const { targets, problems } = parseFleet(
      "postgres://aim@db.internal:5432/tenant_a\n# a comment\npostgres://aim@DB.INTERNAL/tenant_a\ntenant_a\ntenant_b\n",
      {},
      base,
    )
    expect(targets.map((t) => t.settings.database)).toEqual(["tenant_a", "tenant_b"])
    expect(problems).toEqual([
      { line: 3, problem: expect.stringMatching(/^names the same database as line 1 \(/) },
      { line: 4, problem: expect.stringMatching(/^names the same database as line 1 \(/) },
    ])
    // localhost and the loopback addresses are one host.
    const local = parseFleet("postgres://aim@localhost/tenant_a\npostgres://aim@127.0.0.1:5432/tenant_a\npostgres://aim@[::1]/tenant_a\n", {}, base)
    expect(local.targets).toHaveLength(1)
    expect(local.problems.map((p) => p.line)).toEqual([2, 3])
  })
})

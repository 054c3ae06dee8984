import { createTestDatabase, testPostgresUrl } from "@aim/testkit"
import { describe, expect, it } from "vitest"
import { BootError, bootAsync } from "../src/index.js"
import { shippedMigrations } from "./backend.js"

describe("bootAsync (for Express, Fastify, Nest)", () => {
  it("resolves once migrated and verified; a second boot applies nothing", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_async")
    try {
      const first = await bootAsync({ env: { DATABASE_URL: db.url }, migrationsDir: shippedMigrations })
      expect(first.report.applied).toHaveLength(25)
      expect(first.report.verification.ok).toBe(true)
      await first.close()
      const second = await bootAsync({ env: { DATABASE_URL: db.url }, migrationsDir: shippedMigrations })
      expect(second.report.applied).toEqual([])
      await second.close()
    } finally {
      await db.drop()
    }
  })

  it("rejects with a BootError carrying the troubleshooting entry", async () => {
    const failure = await bootAsync({ env: { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" }, migrationsDir: shippedMigrations, connectRetries: 1 }).catch(
      (e: unknown) => e,
    )
    expect(failure).toBeInstanceOf(BootError)
    if (!(failure instanceof BootError)) return
    expect(failure.entry.code).toBe("AIM-DB-001")
    expect(failure.message).toMatch(/^\[AIM-DB-001\] connect ECONNREFUSED .*Fix: /)
  })
})

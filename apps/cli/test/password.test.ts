import { type Cluster, postgresEnvOf, startCluster } from "@aim/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { aim, shippedMigrations } from "./run.js"

// Quotes, spaces, @, : and / — each broke the deployed backend's string-formatted DSN.
const password = `p'a"s s@:/w%rd`

describe("password authentication (throwaway scram-sha-256 cluster)", () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster({ password })
  })
  afterAll(() => cluster?.destroy())

  const postgresEnv = (overrides: Record<string, string> = {}) => ({
    ...postgresEnvOf(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/postgres`),
    ...overrides,
  })

  it("works with a password full of special characters through POSTGRES_* and never prints it", async () => {
    const result = await aim(["migrate", "--migrations-dir", shippedMigrations], postgresEnv())
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/25 migrations applied/)
    expect(result.stdout + result.stderr).not.toContain(password)
  })

  it("works through a percent-encoded DATABASE_URL too", async () => {
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/postgres?sslmode=disable`
    const result = await aim(["status", "--json", "--migrations-dir", shippedMigrations], { DATABASE_URL: url })
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).upToDate).toBe(true)
    expect(result.stdout + result.stderr).not.toContain(password)
    expect(result.stdout + result.stderr).not.toContain(encodeURIComponent(password))
  })

  it("a wrong password is AIM-DB-004 with the guide's fix, and the attempted password is not echoed", async () => {
    const result = await aim(["migrate", "--json", "--migrations-dir", shippedMigrations], postgresEnv({ POSTGRES_PASSWORD: "wrong-Secret-123" }))
    expect(result.code).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc.error.code).toBe("AIM-DB-004")
    expect(doc.error.fix).toMatch(/POSTGRES_PASSWORD/)
    expect(result.stdout + result.stderr).not.toContain("wrong-Secret-123")
  })
})

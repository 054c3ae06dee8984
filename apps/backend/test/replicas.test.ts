import { type AddressInfo, createServer } from "node:net"
import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { describe, expect, it } from "vitest"
import { type Backend, migrationsWith, startBackend, stop } from "./backend.js"
import { ledgerVersions } from "./invariants.js"

describe("replicas booting at once", () => {
  it("16 processes on a fresh database: all ready, each migration in the ledger once, no error", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_replicas")
    const backends: Array<Backend> = Array.from({ length: 16 }, () => startBackend({ DATABASE_URL: db.url }))
    try {
      const urls = await Promise.all(backends.map((b) => b.ready))
      const statuses = await Promise.all(urls.map((u) => fetch(`${u}/health/ready`).then((r) => r.status)))
      expect(statuses).toEqual(Array(16).fill(200))
      expect(await ledgerVersions(db.url)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
      const applied = backends.flatMap((b) => b.logs.filter((l) => /^applied /.test(l.message)))
      expect(applied).toHaveLength(25)
      expect(backends.flatMap((b) => b.logs.filter((l) => l.level === "error" || l.level === "stderr"))).toEqual([])
      for (const b of backends) expect(b.logs.some((l) => l.message === "✅ Database migration completed successfully")).toBe(true)
      // Those that waited said who held the lock.
      const waited = backends.flatMap((b) => b.logs.filter((l) => /^migration lock held by aim-migrate /.test(l.message)))
      for (const w of waited) expect(w).toMatchObject({ holderPid: expect.any(Number), holder: expect.stringMatching(/^aim-migrate .+ pid \d+$/) })
    } finally {
      await Promise.all(backends.map((b) => stop(b)))
      await db.drop()
    }
  })

  it("a -- aim:no-transaction CREATE INDEX CONCURRENTLY while other replicas wait for the lock: no deadlock", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cic")
    const dir = migrationsWith({
      "031_concurrent_index.sql": "-- aim:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_agents_display_name ON agents (display_name);\n",
    })
    const backends = Array.from({ length: 4 }, () => startBackend({ DATABASE_URL: db.url }, dir))
    try {
      const t0 = Date.now()
      await Promise.all(backends.map((b) => b.ready))
      expect(Date.now() - t0).toBeLessThan(30_000)
      expect(await sql(db.url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_agents_display_name'::regclass")).toEqual([{ indisvalid: true }])
      expect(await ledgerVersions(db.url)).toHaveLength(26)
    } finally {
      await Promise.all(backends.map((b) => stop(b)))
      await db.drop()
    }
  })

  it("a missing migrations directory is an error, never nothing to do", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_nodir")
    try {
      const backend = startBackend({ DATABASE_URL: db.url }, "/nonexistent/migrations")
      expect(await backend.exited).toBe(1)
      expect(backend.logs.find((l) => l.level === "error")).toMatchObject({ code: "AIM-MIG-005" })
    } finally {
      await db.drop()
    }
  })

  it("invalid REDIS_PORT and SMTP_PORT are logged with their code and never replaced by a default; ready says redis unavailable", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_badports")
    const backend = startBackend({
      DATABASE_URL: db.url,
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: "63a9",
      REDIS_PASSWORD: "Rb7-secret",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: "58x7",
      SMTP_USERNAME: "a@b.co",
      SMTP_PASSWORD: "Sm7-secret",
      AIM_HEALTH_TOKEN: "backend-health-token-0123456789",
    })
    try {
      const base = await backend.ready
      const redis = await backend.waitFor(/Redis settings are invalid/)
      expect(redis).toMatchObject({ level: "warn", code: "AIM-CFG-001" })
      expect(redis.message).toMatch(/REDIS_PORT: "63a9" is not a port number/)
      const smtp = await backend.waitFor(/SMTP settings are invalid/)
      expect(smtp).toMatchObject({ level: "warn", code: "AIM-CFG-001" })
      const ready = (await (await fetch(`${base}/health/ready`, { headers: { authorization: "Bearer backend-health-token-0123456789" } })).json()) as {
        redis?: string
      }
      expect(ready.redis).toBe("unavailable (optional)")
      expect(JSON.stringify(backend.logs)).not.toMatch(/Rb7-secret|Sm7-secret/)
    } finally {
      await stop(backend)
      await db.drop()
    }
  })

  it("a Redis that accepts and never answers: the backend serves within REDIS_CONNECT_TIMEOUT on the in-memory cache, and SIGTERM ends it within a second", async () => {
    const blackHole = createServer((socket) => socket.on("error", () => undefined))
    await new Promise<void>((resolveListen) => blackHole.listen(0, "127.0.0.1", resolveListen))
    const db = await createTestDatabase(testPostgresUrl(), "aim_redis_blackhole")
    const backend = startBackend({
      DATABASE_URL: db.url,
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: String((blackHole.address() as AddressInfo).port),
      REDIS_CONNECT_TIMEOUT: "1",
      AIM_HEALTH_TOKEN: "backend-health-token-0123456789",
    })
    try {
      const base = await backend.ready
      const warning = await backend.waitFor(/Redis unavailable \(optional\)/)
      expect(warning.message).toMatch(/timed out connecting/)
      const ready = await fetch(`${base}/health/ready`, { headers: { authorization: "Bearer backend-health-token-0123456789" } })
      expect(ready.status).toBe(200)
      expect(((await ready.json()) as { redis: string }).redis).toBe("unavailable (optional)")
      const stopped = Date.now()
      backend.child.kill("SIGTERM")
      await backend.exited
      expect(Date.now() - stopped).toBeLessThan(1000)
    } finally {
      backend.child.kill("SIGKILL")
      blackHole.close()
      await db.drop()
    }
  })

  it("its own variables are checked too: PORT=80a0 and AIM_LOCK_TIMEOUT_MS=5s are AIM-CFG-001 before anything connects; a taken port is AIM-SRV-001", async () => {
    const bad = startBackend({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none", PORT: "80a0", AIM_LOCK_TIMEOUT_MS: "5s" })
    expect(await bad.exited).toBe(1)
    const error = bad.logs.find((l) => l.level === "error")
    expect(error).toMatchObject({ code: "AIM-CFG-001" })
    expect(String(error?.problems)).toMatch(/PORT: "80a0" is not a port number/)
    expect(String(error?.problems)).toMatch(/AIM_LOCK_TIMEOUT_MS: "5s" is not a whole number of milliseconds/)

    const db = await createTestDatabase(testPostgresUrl(), "aim_port_taken")
    const first = startBackend({ DATABASE_URL: db.url })
    try {
      const port = new URL(await first.ready).port
      const second = startBackend({ DATABASE_URL: db.url, PORT: port })
      expect(await second.exited).toBe(1)
      expect(second.logs.find((l) => l.level === "error")).toMatchObject({ code: "AIM-SRV-001" })
      expect(second.logs.find((l) => l.level === "error")?.message).toMatch(/EADDRINUSE/)
    } finally {
      await stop(first)
      await db.drop()
    }
  })
})

import { AimProductLive, MigrationSourceLive, Migrator, MigratorLive, databaseFor, parseConfig } from "@aim/core"
import { lockKeys } from "@aim/core/testing"
import { type Cluster, type TestDatabase, createTestDatabase, postgresEnvOf, sql, startCluster, startRedis, testPostgresUrl } from "@aim/testkit"
import { HttpApp } from "@effect/platform"
import { type Duration, Effect, Layer } from "effect"
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import pg from "pg"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { healthLayer, healthRouter } from "../src/index.js"

const shipped = resolve(import.meta.dirname, "../../../migrations")

const migrate = async (url: string, dir = shipped) => {
  const config = parseConfig({ DATABASE_URL: url }, tmpdir())
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  const layer = MigratorLive().pipe(Layer.provide(databaseFor(config.right.database)), Layer.provide(MigrationSourceLive(dir)), Layer.provide(AimProductLive))
  await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
}

const handlers: Array<{ dispose: () => Promise<void> }> = []
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((h) => h.dispose()))
})

const healthToken = "health-token-0123456789abcdef"

/** The routes served in-process over the real layers; requests carry the health token unless `token` says otherwise. */
const serve = (env: Record<string, string>, dir = shipped, verifyTtl: Duration.DurationInput = "5 seconds") => {
  const web = HttpApp.toWebHandlerLayer(
    healthRouter,
    healthLayer({ env: { AIM_HEALTH_TOKEN: healthToken, ...env }, migrationsDir: dir, verifyTtl, service: "aim-test" }),
  )
  handlers.push(web)
  return async (path: string, token: string | null = healthToken) => {
    const response = await web.handler(new Request(`http://aim.test${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } }))
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown> & { reasons?: Array<{ code: string }> },
    }
  }
}

describe("health endpoint", () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase(testPostgresUrl(), "aim_health")
    await migrate(db.url)
  })
  afterAll(async () => {
    await db.drop()
  })

  it("without the health token: status and codes only, and /health/migrations is AIM-SRV-002 (401)", async () => {
    const get = serve({ DATABASE_URL: db.url })
    for (const token of [null, "wrong-token-0123456789abcdef"]) {
      expect((await get("/health", token)).body).toEqual({ status: "healthy" })
      const ready = await get("/health/ready", token)
      expect(ready.status).toBe(200)
      // A fresh database's default admin password still works (AIM-VER-002): an advisory for the
      // operator, never told to whoever reaches the port.
      expect(ready.body).toEqual({ ready: true, reasons: [] })
      expect(JSON.stringify(ready.body)).not.toContain("AIM-VER-002")
      const detail = await get("/health/migrations", token)
      expect(detail.status).toBe(401)
      expect(detail.body).toMatchObject({ ok: false, code: "AIM-SRV-002" })
      expect(JSON.stringify(detail.body) + JSON.stringify(ready.body)).not.toMatch(/aim_health|postgres@|pid/)
    }
    // In production the default admin password that still works is an advisory (AIM-VER-002): the
    // operator sees it with the token; whoever reaches the port does not.
    const production = serve({ DATABASE_URL: db.url, NODE_ENV: "production", POSTGRES_SSL_MODE: "disable" })
    expect((await production("/health/ready")).body).toMatchObject({ ready: true, advisories: [expect.objectContaining({ code: "AIM-VER-002" })] })
    expect((await production("/health/ready", null)).body).toEqual({ ready: true, reasons: [] })
    // No token configured: the detail is never served.
    const unset = serve({ DATABASE_URL: db.url, AIM_HEALTH_TOKEN: "" })
    expect((await unset("/health/migrations", "")).status).toBe(401)
  })

  it("GET /health is liveness only; /health/ready is 200 with no-store, dependencies and latencies", async () => {
    const get = serve({ DATABASE_URL: db.url })
    const live = await get("/health")
    expect(live.status).toBe(200)
    expect(live.body).toMatchObject({ status: "healthy", service: "aim-test", version: expect.any(String), time: expect.any(String) })
    const ready = await get("/health/ready")
    expect(ready.status).toBe(200)
    expect(ready.headers.get("cache-control")).toBe("no-store")
    expect(ready.body).toMatchObject({ ready: true, database: "connected", redis: "not configured", reasons: [] })
    expect(ready.body.dependencies).toMatchObject({ database: { status: "connected", latencyMs: expect.any(Number) } })
  })

  it("caches the verification: the next probe reuses it", async () => {
    const get = serve({ DATABASE_URL: db.url })
    expect((await get("/health/ready")).body.verification).toEqual({ ok: true, cached: false })
    expect((await get("/health/ready")).body.verification).toEqual({ ok: true, cached: true })
  })

  it("503 for a pending migration (AIM-VER-003) and for a changed file (AIM-MIG-001)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-health-"))
    cpSync(shipped, dir, { recursive: true })
    appendFileSync(join(dir, "031_pending.sql"), "CREATE TABLE IF NOT EXISTS pending_one (id int);\n")
    const pending = await serve({ DATABASE_URL: db.url }, dir)("/health/ready")
    expect(pending.status).toBe(503)
    expect(pending.body).toMatchObject({ ready: false, migrations: { pending: 1 } })
    expect(pending.body.reasons?.map((r) => r.code)).toEqual(["AIM-VER-003"])
    expect(pending.body.error).toMatch(/031_pending\.sql/)

    const changed = mkdtempSync(join(tmpdir(), "aim-health-"))
    cpSync(shipped, changed, { recursive: true })
    appendFileSync(join(changed, "004_create_mcp_servers_table.sql"), "\n-- edited\n")
    const drift = await serve({ DATABASE_URL: db.url }, changed)("/health/ready")
    expect(drift.status).toBe(503)
    expect(drift.body.reasons?.map((r) => r.code)).toEqual(["AIM-MIG-001"])
  })

  it("a rolling update: once a newer release applied its file, the old release's replicas stay ready (an advisory says so); a file of its own gone is still a 503", async () => {
    const newer = await createTestDatabase(testPostgresUrl(), "aim_health_rolling")
    try {
      const next = mkdtempSync(join(tmpdir(), "aim-health-next-"))
      cpSync(shipped, next, { recursive: true })
      writeFileSync(join(next, "031_next_release.sql"), "CREATE TABLE IF NOT EXISTS next_release (id int);\n")
      await migrate(newer.url, next)
      // The previous release's replica: it has every file but the newer one.
      const old = await serve({ DATABASE_URL: newer.url })("/health/ready")
      expect(old.status, JSON.stringify(old.body)).toBe(200)
      expect(old.body).toMatchObject({ ready: true, reasons: [] })
      expect(JSON.stringify(old.body.advisories)).toMatch(/031_next_release\.sql.*newer release/)
      // A file of its own range missing is drift, as before.
      const gap = mkdtempSync(join(tmpdir(), "aim-health-gap-"))
      cpSync(next, gap, { recursive: true })
      rmSync(join(gap, "004_create_mcp_servers_table.sql"))
      const missing = await serve({ DATABASE_URL: newer.url }, gap)("/health/ready")
      expect(missing.status).toBe(503)
    } finally {
      await newer.drop()
    }
  })

  it("503 when verification fails (no policy enforced any more)", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_health_verify")
    try {
      await migrate(other.url)
      await sql(other.url, "UPDATE security_policies SET is_enforced = false")
      const res = await serve({ DATABASE_URL: other.url }, shipped, "10 millis")("/health/ready")
      expect(res.status).toBe(503)
      expect(res.body.reasons?.map((r) => r.code)).toContain("AIM-SEED-002")
    } finally {
      await other.drop()
    }
  })

  it("200 with Redis stopped: reported as unavailable (optional), never a reason for 503", async () => {
    const redis = await startRedis()
    const get = serve({ DATABASE_URL: db.url, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port) })
    expect((await get("/health/ready")).body.redis).toBe("connected")
    await redis.stop()
    const res = await get("/health/ready")
    expect(res.status).toBe(200)
    expect(res.body.redis).toBe("unavailable (optional)")
  })

  it("/health/migrations lists applied migrations with checksums and who holds the lock now", async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: "aim-migrate deployer-7 pid 42" })
    await holder.connect()
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      const res = await serve({ DATABASE_URL: db.url })("/health/migrations")
      expect(res.status).toBe(200)
      const applied = res.body.applied as Array<{ name: string; checksum: string }>
      expect(applied).toHaveLength(25)
      expect(applied[0]?.checksum).toMatch(/^[0-9a-f]{64}$/)
      expect(res.body.lockHolder).toMatchObject({ applicationName: "aim-migrate deployer-7 pid 42", pid: expect.any(Number) })
    } finally {
      await holder.end()
    }
  })
})

describe("health with the database stopped (throwaway cluster, password auth)", () => {
  const password = "Health-secret-pw"
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster({ password })
  })
  afterAll(() => cluster?.destroy())

  it("503 database unavailable with AIM-DB-001 while /health stays 200; no secret in any response", async () => {
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/postgres`
    const env = postgresEnvOf(url)
    await migrate(url)
    const get = serve(env)
    const before = await get("/health/ready")
    expect(before.status).toBe(200)
    cluster.stop("fast")
    const down = await get("/health/ready")
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ ready: false, database: "unavailable" })
    expect(down.body.reasons?.[0]?.code).toMatch(/^AIM-DB-(001|010)$/)
    const again = await get("/health/ready")
    expect(again.body.reasons?.[0]?.code).toBe("AIM-DB-001")
    const live = await get("/health")
    expect(live.status).toBe(200)
    const migrations = await get("/health/migrations")
    expect(migrations.status).toBe(503)
    expect(migrations.body).toMatchObject({
      ok: false,
      code: expect.stringMatching(/^AIM-DB-(001|010)$/),
      fix: expect.any(String),
      docs: expect.stringMatching(/^\/troubleshooting\//),
    })
    for (const res of [before, down, live, migrations]) expect(JSON.stringify(res.body)).not.toContain(password)
    cluster.start()
  })
})

import { lockKeys } from "@aim/core/testing"
import { createTestDatabase, inParallel, sql, startCluster, testPostgresUrl } from "@aim/testkit"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { migrationsWith, sleep, startBackend, stop } from "./backend.js"
import { expectMigrationBoundary, ledgerVersions, lockReleased } from "./invariants.js"

// A deploy with a slow step inside a transactional migration, so kills land inside migrations too.
const slowDeploy = () =>
  migrationsWith({
    "026_slow_step.sql": "CREATE TABLE IF NOT EXISTS slow_step (id int);\nSELECT pg_sleep(0.4);\n",
    "027_after_slow.sql": "CREATE TABLE IF NOT EXISTS after_slow (id int);\n",
  })
const extraTables = { 26: "slow_step", 27: "after_slow" }

/** Resolves once aim's ledger holds a row (the boot is migrating), or the boot ended. */
const firstFileRecorded = async (url: string, exited: Promise<unknown>) => {
  let ended = false
  void exited.then(() => {
    ended = true
  })
  while (!ended) {
    const rows = await sql<{ n: number }>(
      url,
      "SELECT CASE WHEN to_regclass('aim_migrations.schema_migrations') IS NULL THEN 0 ELSE (SELECT count(*)::int FROM aim_migrations.schema_migrations) END AS n",
    ).catch(() => [{ n: 0 }])
    if ((rows[0]?.n ?? 0) > 0) return
    await sleep(20)
  }
}

describe("faults during a deploy (real processes, real PostgreSQL)", () => {
  it("SIGKILL at random moments (20 trials): always at a migration boundary, lock freed, next boot completes", async () => {
    const dir = slowDeploy()
    // Measure the deploy window as the trials will run, four boots at once, then kill uniformly
    // inside it (a window measured on one boot alone is shorter than a boot among four).
    const probes = await Promise.all(Array.from({ length: 4 }, () => createTestDatabase(testPostgresUrl(), "aim_kill_probe")))
    const t0 = Date.now()
    const windows = await Promise.all(
      probes.map(async (probeDb) => {
        const probe = startBackend({ DATABASE_URL: probeDb.url }, dir)
        await probe.ready
        const took = Date.now() - t0
        await stop(probe)
        return took
      }),
    )
    await Promise.all(probes.map((probeDb) => probeDb.drop()))
    const window = Math.min(...windows)

    const progress: Array<number> = []
    // The trials are independent (a database each), so four run side by side.
    await inParallel(
      Array.from({ length: 20 }, (_, trial) => trial),
      4,
      async (trial) => {
        const db = await createTestDatabase(testPostgresUrl(), "aim_kill")
        try {
          const victim = startBackend({ DATABASE_URL: db.url }, dir)
          const started = Date.now()
          // Half the trials are killed at any moment of the boot; the other half once its first file is
          // recorded, at a moment of what is left of the window. Timed from the boot alone, a machine
          // busier during the trials than while the window was measured kills every boot before its
          // first file, and the part-way kills this test is about would not happen.
          if (trial % 2 === 1) await firstFileRecorded(db.url, victim.exited)
          const left = Math.max(50, window - (Date.now() - started))
          await sleep(Math.random() * (trial % 2 === 1 ? left : window))
          victim.child.kill("SIGKILL")
          await victim.exited
          expect(await lockReleased(db.url), `trial ${trial}: lock still held`).toBe(true)
          progress.push(await expectMigrationBoundary(db.url, extraTables))
          const next = startBackend({ DATABASE_URL: db.url }, dir)
          await next.ready
          await stop(next)
          expect(await expectMigrationBoundary(db.url, extraTables)).toBe(27)
        } finally {
          await db.drop()
        }
      },
    )
    // The kills landed at different points of the deploy, including part-way through it.
    expect(progress.filter((k) => k > 0 && k < 27).length).toBeGreaterThanOrEqual(3)
  }, 300_000)

  it("SIGTERM while waiting for the lock: exits promptly", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_term_wait")
    const holder = new pg.Client({ connectionString: db.url, application_name: "other-deployer" })
    await holder.connect()
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...lockKeys])
      const backend = startBackend({ DATABASE_URL: db.url })
      const waiting = await backend.waitFor(/^migration lock held by other-deployer/)
      expect(waiting).toMatchObject({ holder: "other-deployer", holderPid: expect.any(Number) })
      const t0 = Date.now()
      backend.child.kill("SIGTERM")
      expect(await backend.exited).not.toBe(0)
      expect(Date.now() - t0).toBeLessThan(3000)
      expect(await ledgerVersions(db.url)).toEqual([])
    } finally {
      await holder.end()
      await db.drop()
    }
  })

  it("SIGTERM while migrating: exits promptly, the transaction rolls back, the lock is released", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_term_mig")
    const dir = migrationsWith({ "026_very_slow.sql": "CREATE TABLE IF NOT EXISTS very_slow (id int);\nSELECT pg_sleep(60);\n" })
    try {
      const backend = startBackend({ DATABASE_URL: db.url }, dir)
      await backend.waitFor(/^applied 015_/)
      for (let i = 0; i < 100; i++) {
        const rows = await sql(
          db.url,
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
        )
        if (rows.length > 0) break
        await sleep(50)
      }
      const t0 = Date.now()
      backend.child.kill("SIGTERM")
      expect(await backend.exited).not.toBe(0)
      expect(Date.now() - t0).toBeLessThan(3000)
      expect(await lockReleased(db.url, 2000)).toBe(true)
      expect(await ledgerVersions(db.url)).toHaveLength(25)
      expect(await sql(db.url, "SELECT to_regclass('public.very_slow') IS NULL AS gone")).toEqual([{ gone: true }])
    } finally {
      await db.drop()
    }
  })

  it("lock_timeout: retries with backoff, then fails naming the blocking session; app queries never wait longer than lock_timeout", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_locktimeout")
    const first = startBackend({ DATABASE_URL: db.url })
    await first.ready
    await stop(first)
    const dir = migrationsWith({ "031_alter_orgs.sql": "ALTER TABLE organizations ADD COLUMN IF NOT EXISTS region text;\n" })
    const blocker = new pg.Client({ connectionString: db.url, application_name: "long-report" })
    const app = new pg.Client({ connectionString: db.url, application_name: "app" })
    await blocker.connect()
    await app.connect()
    try {
      await blocker.query("BEGIN")
      await blocker.query("SELECT count(*) FROM organizations")
      const backend = startBackend({ DATABASE_URL: db.url, AIM_LOCK_TIMEOUT_MS: "300", AIM_LOCK_TIMEOUT_RETRIES: "2" }, dir)
      let worst = 0
      let running = true
      const traffic = (async () => {
        while (running) {
          const t0 = Date.now()
          await app.query("SELECT count(*) FROM organizations")
          worst = Math.max(worst, Date.now() - t0)
          await sleep(20)
        }
      })()
      const code = await backend.exited
      running = false
      await traffic
      expect(code).toBe(1)
      expect(backend.logs.filter((l) => /^lock_timeout in 031_alter_orgs\.sql; retrying/.test(l.message))).toHaveLength(3)
      const error = backend.logs.find((l) => l.level === "error")
      expect(error).toMatchObject({ code: "AIM-LOCK-002" })
      expect(error?.message).toMatch(/blocked by server pid \d+ \(long-report\)/)
      expect(worst).toBeLessThan(300 + 400)
      expect(await ledgerVersions(db.url)).toHaveLength(25)
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined)
      await blocker.end()
      await app.end()
      await db.drop()
    }
  })

  it("the server restarts during a deploy: the boot fails cleanly or retries, a later boot completes with nothing lost", async () => {
    const cluster = await startCluster()
    const url = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`
    const dir = slowDeploy()
    try {
      const backend = startBackend({ DATABASE_URL: url, AIM_CONNECT_RETRIES: "10" }, dir)
      await backend.waitFor(/^applied 015_/)
      cluster.stop("fast")
      await sleep(300)
      cluster.start()
      const code = await Promise.race([backend.exited, backend.ready.then(() => "ready" as const)])
      if (code !== "ready") {
        expect(code).toBe(1)
        expect(backend.logs.find((l) => l.level === "error")).toMatchObject({ code: expect.stringMatching(/^AIM-/) })
      } else await stop(backend)
      expect(await lockReleased(url)).toBe(true)
      const partial = await expectMigrationBoundary(url, extraTables)
      expect(partial).toBeGreaterThanOrEqual(15)
      const again = startBackend({ DATABASE_URL: url }, dir)
      await again.ready
      await stop(again)
      expect(await expectMigrationBoundary(url, extraTables)).toBe(27)
    } finally {
      cluster.destroy()
    }
  })
})

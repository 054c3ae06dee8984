import { AimProductLive, MigrationSourceLive, Migrator, MigratorLive, databaseFor, parseConfig } from "@aim/core"
import { Effect, Layer } from "effect"
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freshDb, median, timed } from "./measure.js"
import { cliBundle, root } from "./tools.js"

/** N small migrations: one table, then one guarded insert per file. */
export const generateMigrations = (n: number): string => {
  const dir = mkdtempSync(join(tmpdir(), `aim-scale-${n}-`))
  const width = Math.max(3, String(n).length)
  writeFileSync(join(dir, `${"1".padStart(width, "0")}_create_bench_scale.sql`), "CREATE TABLE IF NOT EXISTS bench_scale (n int PRIMARY KEY);\n")
  for (let i = 2; i <= n; i++)
    writeFileSync(join(dir, `${String(i).padStart(width, "0")}_insert_${i}.sql`), `INSERT INTO bench_scale VALUES (${i}) ON CONFLICT DO NOTHING;\n`)
  return dir
}

export interface ScaleRow {
  readonly n: number
  readonly floorMs: number
  readonly applyMs: number
  readonly perMigrationMs: number
  readonly statusMs: number
  readonly processMs: number
  readonly processPeakKb: number
}

const layerFor = (url: string, dir: string) => {
  const config = parseConfig({ DATABASE_URL: url }, root)
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  return MigratorLive().pipe(Layer.provide(databaseFor(config.right.database)), Layer.provide(MigrationSourceLive(dir)), Layer.provide(AimProductLive))
}

export const scaleRun = async (n: number, runs: number): Promise<ScaleRow> => {
  const dir = generateMigrations(n)
  const concatenated = readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("")
  const floor: Array<number> = []
  const apply: Array<number> = []
  const status: Array<number> = []
  const proc: Array<number> = []
  const peaks: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const a = await freshDb()
    try {
      floor.push(timed("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", a.url], { input: concatenated }).ms)
    } finally {
      await a.drop()
    }
    const b = await freshDb()
    try {
      const { applyMs, statusMs } = await Effect.runPromise(
        Effect.gen(function* () {
          const migrator = yield* Migrator
          let t0 = performance.now()
          yield* migrator.apply()
          const applyMs = performance.now() - t0
          t0 = performance.now()
          const report = yield* migrator.status
          if (!report.upToDate) throw new Error("not up to date")
          return { applyMs, statusMs: performance.now() - t0 }
        }).pipe(Effect.provide(layerFor(b.url, dir))),
      )
      apply.push(applyMs)
      status.push(statusMs)
    } finally {
      await b.drop()
    }
    const c = await freshDb()
    try {
      const sample = timed("node", [cliBundle, "migrate", "--no-verify", "--json", "--migrations-dir", dir], {
        env: { PATH: process.env.PATH, DATABASE_URL: c.url },
      })
      proc.push(sample.ms)
      peaks.push(sample.peakKb ?? 0)
    } finally {
      await c.drop()
    }
  }
  const applyMs = median(apply)
  return { n, floorMs: median(floor), applyMs, perMigrationMs: applyMs / n, statusMs: median(status), processMs: median(proc), processPeakKb: median(peaks) }
}

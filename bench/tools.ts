import { MigrationSourceLive, Migrator, MigratorLive, PgDatabaseLive, parseConfig } from "@aim/core"
import { Effect, Layer } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type Sample, timed } from "./measure.js"

export const root = resolve(import.meta.dirname, "..")
const bin = (name: string) => join(root, "bench", "node_modules", ".bin", name)
export const cliBundle = join(root, "apps/cli/dist/aim.mjs")

export interface Tool {
  readonly name: string
  /** Native binaries are compared apart: the targets are about tools that run on Node. */
  readonly native?: boolean
  readonly run: (url: string) => Promise<Sample> | Sample
}

const sqlFiles = (dir: string) => readdirSync(dir).filter((f) => /^\d+_.*\.sql$/.test(f) && !f.endsWith(".down.sql")).sort()

/** The same SQL files, in the layout each peer tool expects (markers added, content unchanged). */
const peerCopy = (dir: string, wrap: (sql: string) => string) => {
  const out = mkdtempSync(join(tmpdir(), "aim-peer-"))
  for (const f of sqlFiles(dir)) writeFileSync(join(out, f), wrap(readFileSync(join(dir, f), "utf8")))
  return out
}

const psqlArgs = (url: string) => ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
const env = (url: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url })

export const inProcessApply = async (url: string, dir: string): Promise<Sample> => {
  const config = parseConfig({ DATABASE_URL: url }, root)
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  const layer = MigratorLive().pipe(Layer.provide(PgDatabaseLive(config.right.database)), Layer.provide(MigrationSourceLive(dir)))
  const t0 = performance.now()
  await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
  return { ms: performance.now() - t0 }
}

/** The check alone on an open pool: what a running process pays to confirm nothing is pending. */
export const inProcessCheck = async (url: string, dir: string): Promise<Sample> => {
  const config = parseConfig({ DATABASE_URL: url }, root)
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  const layer = MigratorLive().pipe(Layer.provide(PgDatabaseLive(config.right.database)), Layer.provide(MigrationSourceLive(dir)))
  return Effect.runPromise(
    Effect.gen(function* () {
      const migrator = yield* Migrator
      yield* migrator.apply()
      const t0 = performance.now()
      yield* migrator.apply()
      return { ms: performance.now() - t0 }
    }).pipe(Effect.provide(layer)),
  )
}

export const tools = (dir: string): ReadonlyArray<Tool> => {
  const files = sqlFiles(dir).map((f) => join(dir, f))
  const concatenated = files.map((f) => readFileSync(f, "utf8")).join("\n")
  const dbmateDir = peerCopy(dir, (sql) => `-- migrate:up\n${sql}\n-- migrate:down\n`)
  const pgMigrateDir = peerCopy(dir, (sql) => `-- Up Migration\n${sql}\n-- Down Migration\n`)
  const postgresMigrationsDir = peerCopy(dir, (sql) => sql)
  mkdirSync(dbmateDir, { recursive: true })
  return [
    { name: "one psql session, concatenated files (floor)", native: true, run: (url) => timed("psql", psqlArgs(url), { input: concatenated }) },
    {
      name: "guide's loop: psql -f per file",
      native: true,
      run: (url) => {
        const t0 = performance.now()
        let peak = 0
        for (const f of files) peak = Math.max(peak, timed("psql", [...psqlArgs(url), "-f", f]).peakKb ?? 0)
        return { ms: performance.now() - t0, peakKb: peak }
      },
    },
    { name: "aim, in-process apply (connect + lock + apply)", run: (url) => inProcessApply(url, dir) },
    { name: "aim migrate, whole process (node dist/aim.mjs --no-verify)", run: (url) => timed("node", [cliBundle, "migrate", "--no-verify", "--migrations-dir", dir], { env: env(url) }) },
    { name: "aim migrate, whole process, with verify", run: (url) => timed("node", [cliBundle, "migrate", "--migrations-dir", dir], { env: env(url) }) },
    { name: "node-pg-migrate 9 (npm)", run: (url) => timed(bin("node-pg-migrate"), ["up", "-m", pgMigrateDir, "--no-verbose", "--no-check-order"], { env: env(url) }) },
    { name: "postgres-migrations 5 (npm)", run: (url) => timed("node", [join(root, "bench/peers/postgres-migrations.mjs"), postgresMigrationsDir], { env: env(url), cwd: join(root, "bench") }) },
    { name: "dbmate 2 (npm, native Go binary)", native: true, run: (url) => timed(bin("dbmate"), ["--url", `${url}?sslmode=disable`, "--migrations-dir", dbmateDir, "--no-dump-schema", "up"], { env: env(url) }) },
  ]
}

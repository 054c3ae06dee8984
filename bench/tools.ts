import { AimProductLive, MigrationSourceLive, Migrator, MigratorLive, databaseFor, parseConfig } from "@aim/core"
import { Effect, Layer } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { execFileSync } from "node:child_process"
import { type Sample, timed } from "./measure.js"

export const root = resolve(import.meta.dirname, "..")
const bin = (name: string) => join(root, "bench", "node_modules", ".bin", name)
export const cliBundle = join(root, "apps/cli/dist/aim.mjs")

/** The commands users run: the installed CLI (from pnpm pack:cli) and the README's `pnpm aim`. */
export interface UserCommands {
  /** `aim`, installed with npm install -g from the packed tarball into a scratch prefix. */
  readonly installed: string
  /** `pnpm aim …` as [command, ...args] with pnpm's own launcher (node pnpm.cjs), not npx. */
  readonly pnpmAim: ReadonlyArray<string>
}

/** Packs and installs the CLI into a scratch prefix; finds the pnpm the README's npx command fetched. */
export const userCommands = (): UserCommands => {
  const out = mkdtempSync(join(tmpdir(), "aim-bench-pack-"))
  const tarball =
    execFileSync("node", [join(root, "scripts/pack-cli.mjs"), "--out", out], { encoding: "utf8" })
      .trim()
      .split("\n")
      .at(-1) ?? ""
  const prefix = mkdtempSync(join(tmpdir(), "aim-bench-prefix-"))
  execFileSync("npm", ["install", "-g", "--prefix", prefix, tarball], { stdio: "ignore" })
  // `pnpm bench` runs this under pnpm, which names its own entry in npm_execpath.
  const pnpmEntry = process.env.npm_execpath ?? ""
  if (!/pnpm\.c?js$/.test(pnpmEntry)) throw new Error("run the benchmark with pnpm bench (it times pnpm aim with the same pnpm)")
  return { installed: join(prefix, "bin", "aim"), pnpmAim: ["node", pnpmEntry, "-s", "aim"] }
}

export interface Tool {
  readonly name: string
  /** Native binaries are compared apart: the targets are about tools that run on Node. */
  readonly native?: boolean
  readonly run: (url: string) => Promise<Sample> | Sample
}

const sqlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f) && !f.endsWith(".down.sql"))
    .sort()

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
  const layer = MigratorLive().pipe(Layer.provide(databaseFor(config.right.database)), Layer.provide(MigrationSourceLive(dir)), Layer.provide(AimProductLive))
  const t0 = performance.now()
  await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
  return { ms: performance.now() - t0 }
}

/** The check alone on an open pool: what a running process pays to confirm nothing is pending. */
export const inProcessCheck = async (url: string, dir: string): Promise<Sample> => {
  const config = parseConfig({ DATABASE_URL: url }, root)
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  const layer = MigratorLive().pipe(Layer.provide(databaseFor(config.right.database)), Layer.provide(MigrationSourceLive(dir)), Layer.provide(AimProductLive))
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

export const installedName = "aim migrate, installed CLI (npm install -g of pnpm pack:cli, --no-verify)"
export const pnpmAimName = "pnpm aim migrate (the README's command, --no-verify)"
export const dbmateName = "dbmate 2 (npm, native Go binary)"
export const floorName = "one psql session, concatenated files (floor)"

export const tools = (dir: string, user: UserCommands): ReadonlyArray<Tool> => {
  const files = sqlFiles(dir).map((f) => join(dir, f))
  const concatenated = files.map((f) => readFileSync(f, "utf8")).join("\n")
  const dbmateDir = peerCopy(dir, (sql) => `-- migrate:up\n${sql}\n-- migrate:down\n`)
  const pgMigrateDir = peerCopy(dir, (sql) => `-- Up Migration\n${sql}\n-- Down Migration\n`)
  const postgresMigrationsDir = peerCopy(dir, (sql) => sql)
  mkdirSync(dbmateDir, { recursive: true })
  return [
    { name: floorName, native: true, run: (url) => timed("psql", psqlArgs(url), { input: concatenated }) },
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
    {
      name: "aim migrate, whole process (node dist/aim.mjs --no-verify)",
      run: (url) => timed("node", [cliBundle, "migrate", "--no-verify", "--migrations-dir", dir], { env: env(url) }),
    },
    { name: installedName, run: (url) => timed(user.installed, ["migrate", "--no-verify", "--migrations-dir", dir], { env: env(url) }) },
    {
      name: pnpmAimName,
      run: (url) =>
        timed(user.pnpmAim[0] ?? "node", [...user.pnpmAim.slice(1), "migrate", "--no-verify", "--migrations-dir", dir], { env: env(url), cwd: root }),
    },
    { name: "aim migrate, whole process, with verify", run: (url) => timed("node", [cliBundle, "migrate", "--migrations-dir", dir], { env: env(url) }) },
    {
      name: "node-pg-migrate 9 (npm)",
      run: (url) => timed(bin("node-pg-migrate"), ["up", "-m", pgMigrateDir, "--no-verbose", "--no-check-order"], { env: env(url) }),
    },
    {
      name: "postgres-migrations 5 (npm)",
      run: (url) => timed("node", [join(root, "bench/peers/postgres-migrations.mjs"), postgresMigrationsDir], { env: env(url), cwd: join(root, "bench") }),
    },
    {
      name: dbmateName,
      native: true,
      run: (url) => timed(bin("dbmate"), ["--url", `${url}?sslmode=disable`, "--migrations-dir", dbmateDir, "--no-dump-schema", "up"], { env: env(url) }),
    },
  ]
}

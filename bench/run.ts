/**
 * `pnpm bench`: a fresh deploy of the 15 AIM migrations and the no-op run on an up-to-date
 * database, by aim (in-process and whole process), the guide's psql loop, and one psql session over
 * the concatenated files (the floor). Medians over repeated runs; ratios to the floor of the same run.
 * Writes bench/results/latest.md. Needs the local PostgreSQL (or BENCH_DATABASE_URL).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join, resolve } from "node:path"
import { Effect, Layer } from "effect"
import pg from "pg"
import { MigrationSourceLive, Migrator, MigratorLive, PgDatabaseLive, parseConfig } from "@aim/core"

const root = resolve(import.meta.dirname, "..")
const migrationsDir = join(root, "migrations")
const files = readdirSync(migrationsDir).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort().map((f) => join(migrationsDir, f))
const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const runs = Number(process.env.BENCH_RUNS ?? 7)
const cliBundle = join(root, "apps/cli/dist/aim.mjs")

const admin = async (text: string) => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}
let counter = 0
const freshDb = async () => {
  const name = `aim_bench_${process.pid}_${counter++}`
  await admin(`DROP DATABASE IF EXISTS ${name}`)
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { name, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

interface Sample {
  readonly ms: number
  readonly peakKb?: number
}

/** Runs a command under /usr/bin/time to get its wall time and peak RSS. */
const timed = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, input?: string): Sample => {
  const t0 = performance.now()
  const result = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], { env, input, encoding: "utf8" })
  const ms = performance.now() - t0
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`)
  const peakKb = Number(result.stderr.trim().split("\n").at(-1))
  return { ms, peakKb }
}

const inProcess = async (url: string): Promise<Sample> => {
  const config = parseConfig({ DATABASE_URL: url }, root)
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error("bad url")
  const layer = MigratorLive().pipe(Layer.provide(PgDatabaseLive(config.right.database)), Layer.provide(MigrationSourceLive(migrationsDir)))
  const t0 = performance.now()
  await Effect.runPromise(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
  return { ms: performance.now() - t0 }
}

const concatenated = files.map((f) => readFileSync(f, "utf8")).join("\n")
const psqlArgs = (url: string) => ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
const cleanEnv = (url: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url })

type Method = { readonly name: string; readonly run: (url: string) => Promise<Sample> | Sample }

const methods: ReadonlyArray<Method> = [
  { name: "one psql session, concatenated files (floor)", run: (url) => timed("psql", psqlArgs(url), process.env, concatenated) },
  {
    name: "guide's loop: psql -f per file",
    run: (url) => {
      const t0 = performance.now()
      let peak = 0
      for (const f of files) peak = Math.max(peak, timed("psql", [...psqlArgs(url), "-f", f]).peakKb ?? 0)
      return { ms: performance.now() - t0, peakKb: peak }
    },
  },
  { name: "aim migrate, in-process apply", run: inProcess },
  { name: "aim migrate, whole process (node dist/aim.mjs)", run: (url) => timed("node", [cliBundle, "migrate", "--migrations-dir", migrationsDir], cleanEnv(url)) },
]

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

const measure = async (scenario: "fresh" | "noop") => {
  const rows: Array<{ name: string; ms: number; peakKb: number | undefined }> = []
  for (const method of methods) {
    const samples: Array<Sample> = []
    for (let i = 0; i < runs; i++) {
      const db = await freshDb()
      try {
        if (scenario === "noop") await method.run(db.url) // bring it up to date with the same tool
        samples.push(await method.run(db.url))
      } finally {
        await db.drop()
      }
    }
    const peaks = samples.map((s) => s.peakKb).filter((p): p is number => p !== undefined)
    rows.push({ name: method.name, ms: median(samples.map((s) => s.ms)), peakKb: peaks.length > 0 ? median(peaks) : undefined })
  }
  return rows
}

const main = async () => {
  execFileSync("npx", ["-y", "pnpm@10.34.9", "-s", "--filter", "@aim/cli", "build"], { cwd: root, stdio: "ignore" })
  const fresh = await measure("fresh")
  const noop = await measure("noop")
  const floor = (rows: typeof fresh) => rows[0]?.ms ?? 1
  const table = (title: string, rows: typeof fresh) =>
    [
      `### ${title}`,
      "",
      "| method | median ms | × floor | peak RSS MB |",
      "|---|---:|---:|---:|",
      ...rows.map((r) => `| ${r.name} | ${r.ms.toFixed(1)} | ${(r.ms / floor(rows)).toFixed(2)} | ${r.peakKb === undefined ? "in-process" : (r.peakKb / 1024).toFixed(1)} |`),
      "",
    ].join("\n")
  const server = execFileSync("psql", ["-X", "-qAt", "-d", serverUrl, "-c", "SHOW server_version"], { encoding: "utf8" }).trim()
  const report = [
    `## aim-migrate benchmark (${new Date().toISOString()})`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; PostgreSQL ${server} on localhost; ${runs} runs each, median.`,
    "Reproduce: `pnpm bench` (BENCH_RUNS, BENCH_DATABASE_URL to change).",
    "",
    table("Fresh deploy of the 15 AIM migrations", fresh),
    table("No-op on an up-to-date database (every pod start)", noop),
  ].join("\n")
  writeFileSync(join(root, "bench/results/latest.md"), `${report}\n`)
  process.stdout.write(`${report}\n`)
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

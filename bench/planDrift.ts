/**
 * Time of `aim plan` and `aim drift` as a user runs them (the built CLI, a whole process each), on
 * the shipped AIM migrations and on 1,000 generated ones. `aim plan` runs with every file pending (the
 * most it ever parses); `aim drift` on a database where every file was applied (the most it ever
 * rebuilds on its scratch database). Run alone: `pnpm --filter @aim/bench plan-drift`.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { freshDb, median, serverUrl, timed } from "./measure.js"
import { generateMigrations } from "./scale.js"
import { cliBundle, root } from "./tools.js"

export interface PlanDriftRow {
  readonly files: number
  readonly planMs: number
  readonly planPeakKb: number
  readonly driftMs: number
  readonly driftPeakKb: number
  /** aim drift with its scratch database on the server (AIM_SCRATCH_DATABASE_URL) instead of in-memory PGlite. */
  readonly serverScratchMs: number
  readonly serverScratchPeakKb: number
  /** The migrate that prepares drift's database, for scale: the same files applied once. */
  readonly migrateMs: number
}

const env = (url: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url })

export const planDriftRun = async (label: string, dir: string, files: number, runs: number): Promise<PlanDriftRow> => {
  const plan: Array<number> = []
  const planPeak: Array<number> = []
  const drift: Array<number> = []
  const driftPeak: Array<number> = []
  const migrate: Array<number> = []
  const onServer: Array<number> = []
  const onServerPeak: Array<number> = []
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`  ${label}: run ${i + 1} of ${runs}\n`)
    const db = await freshDb()
    try {
      const p = timed("node", [cliBundle, "plan", "--json", "--migrations-dir", dir], { env: env(db.url) })
      plan.push(p.ms)
      planPeak.push(p.peakKb ?? 0)
      migrate.push(timed("node", [cliBundle, "migrate", "--no-verify", "--migrations-dir", dir], { env: env(db.url) }).ms)
      const d = timed("node", [cliBundle, "drift", "--json", "--migrations-dir", dir], { env: env(db.url) })
      drift.push(d.ms)
      driftPeak.push(d.peakKb ?? 0)
      const s = timed("node", [cliBundle, "drift", "--json", "--migrations-dir", dir], { env: { ...env(db.url), AIM_SCRATCH_DATABASE_URL: serverUrl } })
      onServer.push(s.ms)
      onServerPeak.push(s.peakKb ?? 0)
    } finally {
      await db.drop()
    }
  }
  return {
    files,
    planMs: median(plan),
    planPeakKb: median(planPeak),
    driftMs: median(drift),
    driftPeakKb: median(driftPeak),
    serverScratchMs: median(onServer),
    serverScratchPeakKb: median(onServerPeak),
    migrateMs: median(migrate),
  }
}

export const planDriftTable = (rows: ReadonlyArray<PlanDriftRow>) =>
  [
    "### aim plan and aim drift (whole process, built CLI)",
    "",
    "| files | aim plan ms (all pending) | peak RSS MB | aim drift ms (all applied; scratch in PGlite) | peak RSS MB | aim drift ms (scratch on the server) | peak RSS MB | aim migrate of the same files ms |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.files.toLocaleString("en")} | ${r.planMs.toFixed(0)} | ${(r.planPeakKb / 1024).toFixed(1)} | ${r.driftMs.toFixed(0)} | ${(r.driftPeakKb / 1024).toFixed(1)} | ${r.serverScratchMs.toFixed(0)} | ${(r.serverScratchPeakKb / 1024).toFixed(1)} | ${r.migrateMs.toFixed(0)} |`,
    ),
    "",
  ].join("\n")

const shipped = readdirSync(join(root, "migrations")).filter((f) => /^\d+_.*\.sql$/.test(f)).length

export const planDriftRows = async (runs: number) => [
  await planDriftRun(`${shipped} AIM migrations`, join(root, "migrations"), shipped, runs),
  await planDriftRun("1,000 generated migrations", generateMigrations(1000), 1000, Math.min(runs, 3)),
]

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  execFileSync("npx", ["-y", "pnpm@10.34.9", "-s", "--filter", "@aim/cli", "build"], { cwd: root, stdio: "ignore" })
  const server = execFileSync("psql", ["-X", "-qAt", "-d", serverUrl, "-c", "SHOW server_version"], { encoding: "utf8" }).trim()
  const rows = await planDriftRows(runs)
  const table = planDriftTable(rows)
  const thousand = rows.find((r) => r.files === 1000)?.planMs ?? Number.NaN
  const note = `aim plan of 1,000 pending files took ${thousand.toFixed(0)} ms (the target: under 1 s${thousand < 1000 ? ", met" : ", not met on this run"}): it parses every file (DO bodies through PL/pgSQL) and reads the catalog once; most of the time is starting Node, loading the CLI and compiling the parser's WebAssembly. aim drift on exactly the shipped files reads their catalog from the artifact computed when they were written (packages/core/src/drift/shippedCatalog.json): no scratch database, only the live catalog, in both drift columns. Other files are replayed on a scratch database: PGlite in memory by default, so that a command that only compares never runs the files' cluster-wide statements on the configured cluster (its WebAssembly heap is most of the time and memory), or a server with AIM_SCRATCH_DATABASE_URL.`
  const report = `${table}\n${note}\n\nNode ${process.version}, PostgreSQL ${server} on localhost, ${runs} runs (1,000 files: ${Math.min(runs, 3)}), median. Reproduce: \`BENCH_RUNS=${runs} pnpm --filter @aim/bench plan-drift\`.\n`
  mkdirSync(join(root, "bench", "results"), { recursive: true })
  writeFileSync(join(root, "bench", "results", "plan-drift.md"), report)
  process.stdout.write(report)
}

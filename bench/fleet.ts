/**
 * A fleet of 200 AIM databases (one per customer) migrated by the built CLI: in one process at
 * concurrency 1, 4 and 16, and split over 4 shard processes (`--shard I/4`, as the Indexed Job's pods)
 * at concurrency 4 each. Databases per second (wall time from start to the last exit) and peak RSS
 * (per process; for the shards, the largest and the sum). Each case on 200 fresh databases.
 * Run alone: `pnpm --filter @aim/bench fleet` (FLEET_SIZE to change 200).
 */
import { spawn } from "node:child_process"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inParallel, postgresEnvOf } from "@aim/testkit"
import { admin, serverUrl } from "./measure.js"
import { cliBundle, root } from "./tools.js"

export interface FleetRow {
  readonly mode: string
  readonly processes: number
  readonly concurrency: number
  readonly wallMs: number
  readonly databasesPerSecond: number
  /** Largest peak RSS of one process, and the sum over the processes (what the node must hold). */
  readonly peakKb: number
  readonly totalPeakKb: number
}

const size = Number(process.env.FLEET_SIZE ?? 200)

/** One `aim migrate --databases` process under /usr/bin/time: its exit code and peak RSS. */
const migrateProcess = (file: string, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; peakKb: number }>((resolve) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...postgresEnvOf(serverUrl) }
    const child = spawn(
      "/usr/bin/time",
      ["-f", "%M", "node", cliBundle, "migrate", "--databases", file, "--migrations-dir", join(root, "migrations"), "--no-verify", ...args],
      { env },
    )
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout.resume()
    child.on("exit", (code) => {
      if (code !== 0) process.stderr.write(stderr.slice(-1500))
      resolve({ code, peakKb: Number(stderr.trim().split("\n").at(-1)) })
    })
  })

const fleetCase = async (mode: string, processes: number, concurrency: number): Promise<FleetRow> => {
  const names = Array.from({ length: size }, (_, i) => `aim_benchfleet_${process.pid}_${i}`)
  await inParallel(names, 8, (name) => admin(serverUrl, `CREATE DATABASE ${name}`))
  const file = join(mkdtempSync(join(tmpdir(), "aim-bench-fleet-")), "databases.txt")
  writeFileSync(file, `${names.join("\n")}\n`)
  try {
    process.stderr.write(`  ${mode}\n`)
    const t0 = performance.now()
    const results = await Promise.all(
      Array.from({ length: processes }, (_, index) =>
        migrateProcess(file, ["--concurrency", String(concurrency), ...(processes > 1 ? ["--shard", `${index}/${processes}`] : [])]),
      ),
    )
    const wallMs = performance.now() - t0
    if (results.some((r) => r.code !== 0)) throw new Error(`${mode}: a process failed`)
    return {
      mode,
      processes,
      concurrency,
      wallMs,
      databasesPerSecond: size / (wallMs / 1000),
      peakKb: Math.max(...results.map((r) => r.peakKb)),
      totalPeakKb: results.reduce((n, r) => n + r.peakKb, 0),
    }
  } finally {
    await inParallel(names, 8, (name) => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
}

export const fleetRows = async (): Promise<ReadonlyArray<FleetRow>> => [
  await fleetCase("one process, concurrency 1", 1, 1),
  await fleetCase("one process, concurrency 4", 1, 4),
  await fleetCase("one process, concurrency 16", 1, 16),
  await fleetCase("4 shard processes (--shard I/4), concurrency 4 each", 4, 4),
]

export const fleetTable = (rows: ReadonlyArray<FleetRow>) =>
  [
    `### A fleet of ${size} databases (aim migrate --databases, the 15 AIM migrations each)`,
    "",
    "| how | wall s | databases / s | peak RSS MB (largest process) | peak RSS MB (all processes) |",
    "|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${(r.wallMs / 1000).toFixed(1)} | ${r.databasesPerSecond.toFixed(1)} | ${(r.peakKb / 1024).toFixed(1)} | ${(r.totalPeakKb / 1024).toFixed(1)} |`,
    ),
    "",
  ].join("\n")

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;")

/** Databases per second and peak memory per case, as two bar panels. */
export const fleetChart = (rows: ReadonlyArray<FleetRow>): string => {
  const width = 760
  const panel = (x0: number, title: string, values: ReadonlyArray<number>, color: string, format: (v: number) => string) => {
    const max = Math.max(...values, 0.001)
    const base = 230
    const barW = 300 / values.length
    const labels = ["c=1", "c=4", "c=16", "4 shards"]
    return [
      `<text x="${x0 + 170}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
      `<line x1="${x0 + 20}" y1="${base}" x2="${x0 + 330}" y2="${base}" stroke="#999"/>`,
      ...values.flatMap((v, i) => {
        const h = (v / max) * 170
        const x = x0 + 30 + i * barW
        return [
          `<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(barW - 14).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
          `<text x="${(x + (barW - 14) / 2).toFixed(1)}" y="${(base - h - 4).toFixed(1)}" text-anchor="middle" font-size="11">${format(v)}</text>`,
          `<text x="${(x + (barW - 14) / 2).toFixed(1)}" y="${base + 16}" text-anchor="middle" font-size="11">${labels[i] ?? ""}</text>`,
        ]
      }),
    ].join("\n")
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="270" viewBox="0 0 ${width} 270" font-family="sans-serif">`,
    `<rect width="${width}" height="270" fill="white"/>`,
    panel(
      0,
      `${size} databases: databases per second`,
      rows.map((r) => r.databasesPerSecond),
      "#2f6fb3",
      (v) => v.toFixed(1),
    ),
    panel(
      380,
      "Peak memory, all processes (MB)",
      rows.map((r) => r.totalPeakKb / 1024),
      "#c7702e",
      (v) => v.toFixed(0),
    ),
    "</svg>",
  ].join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  execFileSync("npx", ["-y", "pnpm@10.34.9", "-s", "--filter", "@aim/cli", "build"], { cwd: root, stdio: "ignore" })
  const server = execFileSync("psql", ["-X", "-qAt", "-d", serverUrl, "-c", "SHOW server_version"], { encoding: "utf8" }).trim()
  const rows = await fleetRows()
  const report = `${fleetTable(rows)}\nNode ${process.version}, PostgreSQL ${server} on localhost (its max_connections bounds the concurrency), one run per case. Reproduce: \`pnpm --filter @aim/bench fleet\`.\n\n![A fleet of ${size} databases: throughput and memory](/bench-fleet.svg)\n`
  const out = join(root, "bench", "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, "fleet.md"), report)
  writeFileSync(join(out, "fleet.svg"), fleetChart(rows))
  process.stdout.write(report)
}

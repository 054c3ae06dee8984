/**
 * The workload check's speed (issue 39's target: 5,000 distinct queries against 20 pending statements
 * in under 5 s, building the scratch schema included): `aim plan --workload FILE` as a user runs it
 * (the built CLI, a whole process), on a database migrated with the shipped files. The workload reads
 * and writes every column of the backend's tables in 5,000 distinct forms; the 20 pending statements
 * add, drop, rename and retype columns, a few of which the workload reads.
 * Run alone: `pnpm --filter @aim/bench workload`.
 */
import { execFileSync } from "node:child_process"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { freshDb, median, serverUrl, timed } from "./measure.js"
import { cliBundle, root } from "./tools.js"

const env = (url: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url })

/** Every column of public's tables, from the migrated database. */
const columns = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const rows = await client.query<{ t: string; c: string }>(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1, 2",
    )
    return rows.rows
  } finally {
    await client.end()
  }
}

const workloadOf = (cols: ReadonlyArray<{ t: string; c: string }>, size: number) => {
  const queries: Array<string> = []
  for (let i = 0; queries.length < size; i++) {
    const a = cols[i % cols.length]
    const b = cols[(i * 7 + 3) % cols.length]
    if (a === undefined || b === undefined) break
    const shape = Math.floor(i / cols.length) % 4
    queries.push(
      shape === 0
        ? `SELECT ${a.c} FROM ${a.t} WHERE ${a.c} IS NOT NULL LIMIT ${i + 1}`
        : shape === 1
          ? `SELECT count(*) FROM ${a.t} WHERE ${a.c} IS NULL OR ${i} > 0`
          : shape === 2
            ? `UPDATE ${a.t} SET ${a.c} = ${a.c} WHERE ${i} < 0`
            : `SELECT x.${a.c} FROM ${a.t} x WHERE ${i} = ${i} AND x.${a.c} IS DISTINCT FROM NULL`,
    )
    if (b.t === a.t && shape === 0) queries[queries.length - 1] = `SELECT ${a.c}, ${b.c} FROM ${a.t} LIMIT ${i + 1}`
  }
  return queries
}

// 20 statements: additions, and drops, renames and retypes of columns the workload reads.
const pending = [
  ...Array.from({ length: 14 }, (_, i) => `ALTER TABLE agents ADD COLUMN bench_${i} text;`),
  "ALTER TABLE agents DROP COLUMN description;",
  "ALTER TABLE agents RENAME COLUMN display_name TO shown_name;",
  "ALTER TABLE alerts DROP COLUMN title;",
  "ALTER TABLE mcp_servers RENAME COLUMN url TO endpoint;",
  "CREATE TABLE bench_extra (id int PRIMARY KEY);",
  "ALTER TABLE bench_extra ADD COLUMN note text;",
].join("\n")

export interface WorkloadRow {
  readonly queries: number
  readonly statements: number
  readonly ms: number
  readonly peakKb: number
  readonly breaks: number
}

export const workloadRun = async (size: number, runs: number): Promise<WorkloadRow> => {
  const times: Array<number> = []
  const peaks: Array<number> = []
  let breaks = 0
  const dir = mkdtempSync(join(tmpdir(), "aim-bench-workload-"))
  cpSync(join(root, "migrations"), join(dir, "migrations"), { recursive: true })
  writeFileSync(join(dir, "migrations", "900_bench.sql"), `${pending}\n`)
  for (let i = 0; i < runs; i++) {
    const db = await freshDb()
    try {
      execFileSync("node", [cliBundle, "migrate", "--no-verify", "--migrations-dir", join(root, "migrations")], { env: env(db.url), stdio: "ignore" })
      writeFileSync(join(dir, "workload.sql"), `${workloadOf(await columns(db.url), size).join(";\n")};\n`)
      const run = timed("node", [cliBundle, "plan", "--json", "--migrations-dir", join(dir, "migrations"), "--workload", join(dir, "workload.sql")], {
        env: env(db.url),
      })
      times.push(run.ms)
      peaks.push(run.peakKb ?? 0)
      const out = execFileSync("node", [cliBundle, "plan", "--json", "--migrations-dir", join(dir, "migrations"), "--workload", join(dir, "workload.sql")], {
        env: env(db.url),
        encoding: "utf8",
      })
      breaks = (JSON.parse(out) as { workload: { breaks: ReadonlyArray<unknown> } }).workload.breaks.length
    } finally {
      await db.drop()
    }
  }
  return { queries: size, statements: 20, ms: median(times), peakKb: median(peaks), breaks }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  execFileSync("npx", ["-y", "pnpm@10.34.9", "-s", "--filter", "@aim/cli", "build"], { cwd: root, stdio: "ignore" })
  const server = execFileSync("psql", ["-X", "-qAt", "-d", serverUrl, "-c", "SHOW server_version"], { encoding: "utf8" }).trim()
  const row = await workloadRun(5000, runs)
  const text = [
    "### aim plan --workload (whole process, built CLI)",
    "",
    "| workload queries | pending statements | aim plan ms | peak RSS MB | queries broken |",
    "|---:|---:|---:|---:|---:|",
    `| ${row.queries.toLocaleString("en")} | ${row.statements} | ${row.ms.toFixed(0)} | ${(row.peakKb / 1024).toFixed(1)} | ${row.breaks} |`,
    "",
    `The target: under 5 s for 5,000 queries against 20 pending statements, building the scratch schema included (${row.ms < 5000 ? "met" : "not met on this run"}). The scratch database is an in-memory PGlite built from the live catalog; each query is prepared once on today's schema, then only again after a statement that changes a relation it names.`,
    "",
    `Node ${process.version}, PostgreSQL ${server} on localhost, ${runs} runs, median. Reproduce: \`BENCH_RUNS=${runs} pnpm --filter @aim/bench workload\`.`,
    "",
  ].join("\n")
  writeFileSync(join(root, "bench/results/workload.md"), text)
  process.stdout.write(text)
}

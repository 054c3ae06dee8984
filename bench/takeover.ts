/**
 * A takeover under application load: the AIM backend's hot path (a user looked up by email, an agent
 * read and updated, an audit-log and an API-call insert) runs from pgbench on a database the
 * deployed backend built (state A) with millions of audit-log rows, before and during `aim adopt` +
 * `aim migrate` (the built CLI). Reports the application's p99 and worst transaction in each phase,
 * and failed transactions, from pgbench's per-transaction log (pgbench measures, not aim).
 * Run alone: `pnpm --filter @aim/bench exec tsx takeover.ts` (AUDIT_ROWS, default 2,000,000).
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildDeployedDatabase } from "@aim/testkit"
import pg from "pg"
import { freshDb } from "./measure.js"
import { cliBundle, root } from "./tools.js"

const auditRows = Number(process.env.AUDIT_ROWS ?? 2_000_000)
const users = 200
const agents = 500
const clients = Number(process.env.BENCH_CLIENTS ?? 8)
const beforeSeconds = 8

const hotPath = `\\set u random(1, ${users})
\\set a random(1, ${agents})
BEGIN;
SELECT id, organization_id, password_hash, role, status FROM users WHERE email = 'user' || :u || '@acme.example';
SELECT id, trust_score, status, capabilities FROM agents WHERE organization_id = '0e000000-0000-4000-8000-000000000001' AND name = 'agent-' || :a;
UPDATE agents SET updated_at = now() WHERE organization_id = '0e000000-0000-4000-8000-000000000001' AND name = 'agent-' || :a;
INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id) SELECT organization_id, id, 'agent.read', 'agent', id FROM users WHERE email = 'user' || :u || '@acme.example';
INSERT INTO api_calls (organization_id, agent_id, method, endpoint, status_code, duration_ms) SELECT organization_id, id, 'GET', '/api/v1/agents', 200, 3 FROM agents WHERE organization_id = '0e000000-0000-4000-8000-000000000001' AND name = 'agent-' || :a;
END;
`

const seed = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`INSERT INTO users (organization_id, email, name, provider, provider_id)
      SELECT '0e000000-0000-4000-8000-000000000001', 'user' || n || '@acme.example', 'User ' || n, 'local', 'user' || n FROM generate_series(1, ${users}) n`)
    await client.query(`INSERT INTO agents (organization_id, name, display_name, agent_type, created_by)
      SELECT '0e000000-0000-4000-8000-000000000001', 'agent-' || n, 'Agent ' || n, 'ai_agent', '0e000000-0000-4000-8000-000000000002' FROM generate_series(1, ${agents}) n`)
    await client.query(`INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id, "timestamp")
      SELECT '0e000000-0000-4000-8000-000000000001', '0e000000-0000-4000-8000-000000000002', 'agent.read', 'agent', '0e000000-0000-4000-8000-000000000003',
             now() - make_interval(secs => n) FROM generate_series(1, ${auditRows}) n`)
    await client.query("VACUUM ANALYZE")
    // The seed's dirty pages are flushed before measuring: a checkpoint inside a phase is not aim's.
    await client.query("CHECKPOINT")
  } finally {
    await client.end()
  }
}

interface Txn {
  readonly endMs: number
  readonly latencyMs: number
}

const readLogs = (dir: string): ReadonlyArray<Txn> =>
  readdirSync(dir)
    .filter((f) => f.startsWith("pgbench_log"))
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(" "))
        .map(([, , us, , sec, usec]) => ({ latencyMs: Number(us) / 1000, endMs: Number(sec) * 1000 + Number(usec) / 1000 })),
    )

const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}

const aim = (url: string, args: ReadonlyArray<string>) => {
  const result = spawnSync("node", [cliBundle, ...args, "--migrations-dir", join(root, "migrations")], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url },
    encoding: "utf8",
  })
  if (result.status !== 0) throw new Error(`aim ${args.join(" ")} exited ${result.status}: ${result.stdout}${result.stderr}`)
}

const main = async () => {
  const db = await freshDb()
  try {
    await buildDeployedDatabase(db.url, "A")
    process.stdout.write(`seeding ${auditRows.toLocaleString("en")} audit-log rows...\n`)
    await seed(db.url)
    const work = mkdtempSync(join(tmpdir(), "aim-takeover-"))
    writeFileSync(join(work, "hot.sql"), hotPath)
    const bench = spawn("pgbench", ["-n", "-c", String(clients), "-j", "2", "-T", "600", "-l", "-f", "hot.sql", db.url], { cwd: work })
    let summary = ""
    bench.stdout.on("data", (chunk: Buffer) => {
      summary += chunk.toString()
    })
    bench.stderr.on("data", (chunk: Buffer) => {
      summary += chunk.toString()
    })
    const exited = new Promise<void>((resolve) => bench.on("exit", () => resolve()))
    await new Promise((r) => setTimeout(r, beforeSeconds * 1000))
    const start = Date.now()
    aim(db.url, ["adopt", "--json"])
    aim(db.url, ["migrate", "--json", "--no-verify"])
    const end = Date.now()
    await new Promise((r) => setTimeout(r, 1000))
    bench.kill("SIGINT")
    await exited
    const txns = readLogs(work)
    const before = txns.filter((t) => t.endMs < start).map((t) => t.latencyMs)
    // A transaction that overlapped the takeover at all counts as "during".
    const during = txns.filter((t) => t.endMs >= start && t.endMs - t.latencyMs <= end).map((t) => t.latencyMs)
    const failed = /number of failed transactions: (\d+)/.exec(summary)?.[1] ?? "0"
    const row = (name: string, xs: ReadonlyArray<number>) =>
      `| ${name} | ${xs.length} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`
    const report = `## Takeover under load

\`bench/takeover.ts\`: a database the deployed backend built at the guide's release (state A) with
${auditRows.toLocaleString("en")} audit-log rows, ${users} users and ${agents} agents; pgbench (${clients} clients) runs the
backend's hot path (user by email, agent read and update, an audit-log and an API-call insert, one
transaction) before and during \`aim adopt\` + \`aim migrate\` (built CLI, ${((end - start) / 1000).toFixed(1)} s for both).
Latencies in ms from pgbench's per-transaction log; failed transactions: ${failed}.

| phase | transactions | p50 | p99 | worst |
|---|---|---|---|---|
${row("before (app alone)", before)}
${row("during adopt + migrate", during)}
`
    process.stdout.write(report)
    mkdirSync(join(root, "bench", "results"), { recursive: true })
    writeFileSync(join(root, "bench", "results", "takeover.md"), report)
  } finally {
    await db.drop()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

/**
 * A takeover under application load: the AIM backend's hot path (a user looked up by email, an agent
 * read and updated, an audit-log and an API-call insert) runs from pgbench, before and during aim's
 * work on a database with millions of audit-log rows, in two scenarios, each run several times:
 * - the backend's own database at the guide's release (state A), taken over with `aim adopt` +
 *   `aim migrate` (no table rewrite is needed: the target is the application's longest stall ≤ 100 ms);
 * - a database aim 0.2.0 built (audit_logs."timestamp" as timestamptz), converged by `aim migrate`:
 *   023 rewrites audit_logs to the backend's timestamp, which is reported, not targeted.
 * Reports aim's outcome, the application's p99 and worst transaction (its longest stall) in each
 * phase, and failed transactions, from pgbench's per-transaction log (pgbench measures, not aim).
 * Run alone: `pnpm --filter @aim/bench takeover` (AUDIT_ROWS, default 2,000,000; RUNS, default 3;
 * SCENARIO=1 or 2 runs one of them).
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
const beforeSeconds = 5
const runs = Number(process.env.RUNS ?? 3)

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

const aim = (url: string, args: ReadonlyArray<string>, migrationsDir = join(root, "migrations")) => {
  const result = spawnSync("node", [cliBundle, ...args, "--migrations-dir", migrationsDir], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url },
    encoding: "utf8",
  })
  if (result.status !== 0) throw new Error(`aim ${args.join(" ")} exited ${result.status}: ${result.stdout}${result.stderr}`)
  return result.stdout
}

interface Run {
  readonly aimSeconds: number
  readonly retries: number
  readonly before: ReadonlyArray<number>
  readonly during: ReadonlyArray<number>
  readonly failed: string
}

/** pgbench runs the hot path; `work` runs aim meanwhile. */
const underLoad = async (url: string, work: () => number): Promise<Run> => {
  const dir = mkdtempSync(join(tmpdir(), "aim-takeover-"))
  writeFileSync(join(dir, "hot.sql"), hotPath)
  const bench = spawn("pgbench", ["-n", "-c", String(clients), "-j", "2", "-T", "600", "-l", "-f", "hot.sql", url], { cwd: dir })
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
  const retries = work()
  const end = Date.now()
  await new Promise((r) => setTimeout(r, 1000))
  bench.kill("SIGINT")
  await exited
  const txns = readLogs(dir)
  return {
    aimSeconds: (end - start) / 1000,
    retries,
    before: txns.filter((t) => t.endMs < start).map((t) => t.latencyMs),
    // A transaction that overlapped aim's work at all counts as "during".
    during: txns.filter((t) => t.endMs >= start && t.endMs - t.latencyMs <= end).map((t) => t.latencyMs),
    failed: /number of failed transactions: (\d+)/.exec(summary)?.[1] ?? (/aborted|error/i.test(summary) ? "pgbench reported errors" : "0"),
  }
}

const retriesIn = (json: string) => (JSON.parse(json) as { retries?: number }).retries ?? 0

const scenarios: ReadonlyArray<{ readonly name: string; readonly build: (url: string) => Promise<void>; readonly work: (url: string) => number }> = [
  {
    name: "the backend's own database at the guide's release (state A): aim adopt + aim migrate",
    build: (url) => buildDeployedDatabase(url, "A"),
    work: (url) => retriesIn(aim(url, ["adopt", "--json"])) + retriesIn(aim(url, ["migrate", "--json", "--no-verify"])),
  },
  {
    name: "a database aim 0.2.0 built: aim migrate (023 rewrites audit_logs to timestamp)",
    build: async (url) => {
      aim(url, ["migrate", "--json", "--no-verify"], join(root, "packages/core/test/fixtures/release-0.2.0"))
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(
        "INSERT INTO organizations (id, name, domain, plan_type) VALUES ('0e000000-0000-4000-8000-000000000001', 'Acme Robotics', 'acme.example', 'pro')",
      )
      await client.query(`INSERT INTO users (id, organization_id, email, name, role, provider, provider_id) VALUES ('0e000000-0000-4000-8000-000000000002',
        '0e000000-0000-4000-8000-000000000001', 'ops@acme.example', 'Ops Lead', 'admin', 'local', 'ops@acme.example')`)
      await client.query(`INSERT INTO agents (id, organization_id, name, display_name, agent_type, created_by) VALUES ('0e000000-0000-4000-8000-000000000003',
        '0e000000-0000-4000-8000-000000000001', 'invoice-bot', 'Invoice Bot', 'ai_agent', '0e000000-0000-4000-8000-000000000002')`)
      await client.end()
    },
    work: (url) => retriesIn(aim(url, ["migrate", "--json", "--no-verify"])),
  },
]

const main = async () => {
  const sections: Array<string> = []
  const only = process.env.SCENARIO === undefined ? undefined : Number(process.env.SCENARIO) - 1
  for (const scenario of scenarios.filter((_, index) => only === undefined || index === only)) {
    const rows: Array<string> = []
    for (let run = 1; run <= runs; run++) {
      const db = await freshDb()
      try {
        await scenario.build(db.url)
        process.stdout.write(`${scenario.name}, run ${run}: seeding ${auditRows.toLocaleString("en")} audit-log rows...\n`)
        await seed(db.url)
        const r = await underLoad(db.url, () => scenario.work(db.url))
        const row = `| ${run} | ok, ${r.aimSeconds.toFixed(1)} s, ${r.retries} retries | ${r.failed} | ${percentile(r.before, 99).toFixed(1)} / ${Math.max(...r.before).toFixed(1)} | ${r.during.length} | ${percentile(r.during, 99).toFixed(1)} | ${Math.max(...r.during).toFixed(1)} |`
        process.stdout.write(`${row}\n`)
        rows.push(row)
      } finally {
        await db.drop()
      }
    }
    sections.push(`### ${scenario.name}

| run | aim | failed app transactions | before: p99 / worst | during: transactions | during: p99 | during: worst (longest stall) |
|---|---|---|---|---|---|---|
${rows.join("\n")}
`)
  }
  const report = `## Takeover under load

\`bench/takeover.ts\`: ${auditRows.toLocaleString("en")} audit-log rows, ${users} users and ${agents} agents; pgbench (${clients} clients, 2 threads)
runs the backend's hot path (user by email, agent read and update, an audit-log and an API-call insert,
one transaction) for ${beforeSeconds} s alone, then during aim's work (the built CLI). Latencies in ms from
pgbench's per-transaction log (a transaction that overlapped aim's work at all counts as "during").
Measured on ${new Date().toISOString().slice(0, 10)} with PostgreSQL 15 on this repository's 2-core machine.

${sections.join("\n")}`
  process.stdout.write(report)
  mkdirSync(join(root, "bench", "results"), { recursive: true })
  writeFileSync(join(root, "bench", "results", "takeover.md"), report)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

import { type TestDatabase, createTestDatabase, sql, startCluster, startOtlpReceiver, testPostgresUrl } from "@aim/testkit"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { spawn } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, cliBundle, repoRoot, shippedMigrations } from "./run.js"

const clients: Array<Client> = []

/** `aim mcp` as a person starts it for an agent that may apply (--allow-apply), or read-only. */
const connect = async (env: Record<string, string>, migrationsDir = shippedMigrations, allowApply = true) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliBundle(), "mcp", "--migrations-dir", migrationsDir, ...(allowApply ? ["--allow-apply"] : [])],
    env: cleanEnv(env) as Record<string, string>,
    cwd: repoRoot,
    stderr: "pipe",
  })
  const client = new Client({ name: "aim-test", version: "1.0.0" })
  await client.connect(transport)
  clients.push(client)
  return client
}

interface CallResult {
  readonly isError?: boolean
  readonly content: Array<{ type: string; text?: string }>
  readonly structuredContent?: Record<string, unknown>
}
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallResult
const list = <T>(r: CallResult, key: string): Array<T> => (r.structuredContent?.[key] ?? []) as Array<T>
const text = (r: CallResult) => r.content.map((c) => c.text ?? "").join("\n")
/** A plan a person reviewed and approved, risks included: its planId and every statement it names as needing acceptance. */
const approve = async (client: Client, upTo?: number) => {
  const plan = await call(client, "plan_migrations", upTo === undefined ? {} : { upTo })
  return { planId: plan.structuredContent?.planId, acceptRisk: (plan.structuredContent?.highRisk ?? []) as Array<string> }
}
/** The plan a refused apply returns with it: its second text block. */
const attachedPlan = (r: CallResult) => JSON.parse(r.content[1]?.text ?? "null") as { planId: string; wouldApply: Array<{ name: string }> }

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

describe("aim mcp (SDK client over stdio, real PostgreSQL)", () => {
  let db: TestDatabase
  const secret = "mcp-Secret-in-url"
  beforeAll(async () => {
    db = await createTestDatabase(testPostgresUrl(), "aim_mcp")
  })
  afterAll(async () => {
    await db.drop()
  })
  // Trust auth ignores the password, but it is in the configuration and must never come back.
  const env = () => {
    const url = new URL(db.url)
    url.password = secret
    return { DATABASE_URL: url.toString(), SMTP_HOST: "smtp.example.com", SMTP_USERNAME: "a@example.com", SMTP_PASSWORD: "mcp-smtp-Secret" }
  }
  const responses: Array<string> = []
  const record = (r: unknown) => {
    responses.push(JSON.stringify(r))
    return r
  }

  it("lists the tools and resources; status, plan, apply (with and without confirm), apply_migration, verify, explain", async () => {
    const client = await connect(env())
    const tools = (await client.listTools()).tools.map((t) => t.name).sort()
    expect(tools).toEqual([
      "apply_migration",
      "apply_migrations",
      "apply_rollback",
      "explain_error",
      "migration_status",
      "plan_migrations",
      "plan_rollback",
      "verify_database",
    ])
    const resources = (await client.listResources()).resources.map((r) => r.uri)
    expect(resources).toContain("aim://migrations/001_initial_schema.sql")
    expect(resources).toContain("aim://troubleshooting/checksum-changed")
    const file = await client.readResource({ uri: "aim://migrations/013_create_default_admin_user.sql" })
    expect(record(file) && (file.contents[0] as { text: string }).text).toBe(readFileSync(join(shippedMigrations, "013_create_default_admin_user.sql"), "utf8"))

    const status = record(await call(client, "migration_status")) as CallResult
    expect(status.isError).toBeFalsy()
    expect(status.structuredContent).toMatchObject({ upToDate: false, applied: [], lockHolder: null })
    expect(list<unknown>(status, "pending").length).toBe(25)

    const plan = record(await call(client, "plan_migrations", { upTo: 2 })) as CallResult
    expect(list<{ name: string }>(plan, "wouldApply").map((p) => p.name)).toEqual(["001_initial_schema.sql", "002_add_missing_user_columns.sql"])
    expect(plan.structuredContent).toMatchObject({ planId: expect.stringMatching(/^[0-9a-f]{16}$/), lockPlan: { pending: expect.any(Array) } })
    // The DO blocks of 001 and 002 are read through their PL/pgSQL: on a new database they lock only
    // tables they create, so nothing needs accepting (031_wipe.sql below is what must be accepted by name).
    expect(list<string>(plan, "highRisk")).toEqual([])

    const unconfirmed = record(await call(client, "apply_migrations", { confirm: false })) as CallResult
    expect(unconfirmed.isError).toBe(true)
    expect(text(unconfirmed)).toMatch(/confirm: true/)
    expect(await sql(db.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])

    // The guide's shape: only the exact file content, and only the next pending file.
    const first = readFileSync(join(shippedMigrations, "001_initial_schema.sql"), "utf8")
    const edited = record(await call(client, "apply_migration", { name: "001_initial_schema", query: `${first}\nDROP TABLE users;` })) as CallResult
    expect(edited.isError).toBe(true)
    expect(text(edited)).toMatch(/not the content of 001_initial_schema\.sql/)
    const unknown = record(await call(client, "apply_migration", { name: "999_drop_everything", query: "DROP SCHEMA public CASCADE;" })) as CallResult
    expect(unknown.isError).toBe(true)
    expect(text(unknown)).toMatch(/not a migration file/)
    const outOfTurn = record(
      await call(client, "apply_migration", {
        name: "002_add_missing_user_columns",
        query: readFileSync(join(shippedMigrations, "002_add_missing_user_columns.sql"), "utf8"),
      }),
    ) as CallResult
    expect(outOfTurn.isError).toBe(true)
    // The guide's exact call, without a planId, is refused with the plan it would apply.
    const unapproved = record(await call(client, "apply_migration", { project_id: "ignored", name: "001_initial_schema", query: first })) as CallResult
    expect(unapproved.isError).toBe(true)
    expect(text(unapproved)).toMatch(/needs the planId/)
    const planOne = await approve(client, 1)
    expect(attachedPlan(unapproved).planId).toBe(planOne.planId)
    const matching = record(
      await call(client, "apply_migration", { project_id: "ignored", name: "001_initial_schema", query: first.replace(/\n/g, "\r\n"), ...planOne }),
    ) as CallResult
    expect(matching.isError, text(matching)).toBeFalsy()
    expect(list<{ name: string }>(matching, "applied").map((a) => a.name)).toEqual(["001_initial_schema.sql"])

    const applied = record(await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })) as CallResult
    expect(applied.isError, text(applied)).toBeFalsy()
    expect(list<unknown>(applied, "applied").length).toBe(24)
    expect(applied.structuredContent?.verify).toMatchObject({ ok: true })

    const verify = record(await call(client, "verify_database")) as CallResult
    expect(verify.structuredContent).toMatchObject({ ok: true })
    const explained = record(await call(client, "explain_error", { message: 'FATAL: password authentication failed for user "aim"' })) as CallResult
    expect(explained.structuredContent).toMatchObject({ code: "AIM-DB-004", docs: "/troubleshooting/password-authentication-failed" })
    const byCode = record(await call(client, "explain_error", { code: "AIM-MIG-001" })) as CallResult
    expect(byCode.structuredContent).toMatchObject({ code: "AIM-MIG-001" })
    // A URL given as the code (its password is not in this environment) is not echoed back whole.
    const leaky = record(await call(client, "explain_error", { code: "postgres://app:Agent-Typed-Pw9@db.example/aim" })) as CallResult
    expect(leaky.isError).toBe(true)
    expect(JSON.stringify(leaky)).not.toMatch(/Agent-Typed|Typed-Pw9/)
    // Nor a secret in key=value or Bearer form: an argument that is not a code's shape is never echoed.
    for (const pasted of ["password=Hunter2-Typed", "PGPASSWORD=Hunter2-Typed", "Authorization: Bearer Hunter2-Typed", "AIM_HEALTH_TOKEN=Hunter2-Typed"]) {
      const refused = record(await call(client, "explain_error", { code: pasted })) as CallResult
      expect(refused.isError).toBe(true)
      expect(JSON.stringify(refused)).not.toContain("Hunter2")
    }
  })

  it("read-only unless a person starts it with --allow-apply: no apply tool is served; with it, the apply tools say they are destructive", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_readonly")
    try {
      const readOnly = await connect({ DATABASE_URL: other.url }, shippedMigrations, false)
      const served = (await readOnly.listTools()).tools
      expect(served.map((t) => t.name).sort()).toEqual(["explain_error", "migration_status", "plan_migrations", "plan_rollback", "verify_database"])
      for (const t of served) expect(t.annotations?.readOnlyHint, t.name).toBe(true)
      const refused = await readOnly
        .callTool({ name: "apply_migrations", arguments: { confirm: true, ...(await approve(readOnly)) } })
        .catch((e: Error) => ({ isError: true, content: [{ type: "text", text: e.message }] }))
      expect(refused.isError).toBe(true)
      expect(await sql(other.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])
    } finally {
      await other.drop()
    }

    const applying = await connect(env())
    const tools = (await applying.listTools()).tools
    for (const name of ["apply_migrations", "apply_migration", "apply_rollback"]) {
      expect(tools.find((t) => t.name === name)?.annotations, name).toMatchObject({ readOnlyHint: false, destructiveHint: true })
    }
  })

  it("destructive statements need acceptance by name at any size; a file edited after its plan was approved is refused; lint errors refuse an apply", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_destructive")
    const dir = mkdtempSync(join(tmpdir(), "aim-mcp-destructive-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    try {
      const client = await connect({ DATABASE_URL: other.url }, dir)
      expect((await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })).isError).toBeFalsy()
      // Small tables, weak locks, and still every user gone and the audit trail dropped.
      writeFileSync(
        join(dir, "031_wipe.sql"),
        "DELETE FROM users;\nUPDATE agents SET status = 'revoked';\nALTER TABLE alerts DROP COLUMN IF EXISTS title;\nDROP TABLE IF EXISTS audit_logs;\n",
      )
      const wipe = await approve(client)
      expect(wipe.acceptRisk).toEqual(["031_wipe.sql:1", "031_wipe.sql:2", "031_wipe.sql:3", "031_wipe.sql:4"])
      const lockPlan = (await call(client, "plan_migrations")).structuredContent?.lockPlan as {
        pending: Array<{ name: string; statements: Array<{ risk: string; destructive: boolean }> }>
      }
      expect(lockPlan.pending.find((f) => f.name === "031_wipe.sql")?.statements.map((st) => [st.risk, st.destructive])).toEqual([
        ["high", true],
        ["high", true],
        ["high", true],
        ["high", true],
      ])
      const unaccepted = await call(client, "apply_migrations", { confirm: true, planId: wipe.planId })
      expect(unaccepted.isError).toBe(true)

      // Classified by effect, not by its WHERE: a DELETE … WHERE true empties the table all the same,
      // an UPDATE of some rows changes rows an operator wrote, and COPY … PROGRAM runs a program on the server.
      writeFileSync(
        join(dir, "031_wipe.sql"),
        "DELETE FROM audit_logs WHERE true;\nUPDATE agents SET status = 'revoked' WHERE status = 'active';\nCOPY (SELECT 1) TO PROGRAM 'true';\nCREATE TABLE IF NOT EXISTS agent_notes (id uuid PRIMARY KEY);\n",
      )
      const byEffect = await approve(client)
      expect(byEffect.acceptRisk).toEqual(["031_wipe.sql:1", "031_wipe.sql:2", "031_wipe.sql:3"])
      const external = (await call(client, "plan_migrations")).structuredContent?.lockPlan as {
        pending: Array<{ name: string; statements: Array<{ risk: string; changesRows: boolean; external: boolean }> }>
      }
      expect(external.pending.find((f) => f.name === "031_wipe.sql")?.statements.map((st) => [st.changesRows, st.external, st.risk])).toEqual([
        [true, false, expect.any(String)],
        [true, false, expect.any(String)],
        [false, true, "high"],
        [false, false, "low"],
      ])
      expect((await call(client, "apply_migrations", { confirm: true, planId: byEffect.planId })).isError).toBe(true)
      expect(await sql(other.url, "SELECT count(*) >= 0 AS kept FROM audit_logs")).toEqual([{ kept: true }])

      // Approved, then edited before the apply: the new content never runs.
      writeFileSync(join(dir, "031_wipe.sql"), "CREATE TABLE IF NOT EXISTS agent_notes (id uuid PRIMARY KEY);\n")
      const approved = await approve(client)
      writeFileSync(join(dir, "031_wipe.sql"), "CREATE TABLE IF NOT EXISTS agent_notes (id uuid PRIMARY KEY);\nDELETE FROM users;\n")
      const edited = await call(client, "apply_migrations", { confirm: true, ...approved })
      expect(edited.isError).toBe(true)
      expect(await sql(other.url, "SELECT count(*)::int AS n FROM users")).not.toEqual([{ n: 0 }])

      // A file aim lint refuses (not idempotent) is refused for an agent too.
      writeFileSync(join(dir, "031_wipe.sql"), "CREATE TABLE agent_notes (id uuid PRIMARY KEY);\n")
      const lint = await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })
      expect(lint.isError).toBe(true)
      expect(text(lint)).toMatch(/aim lint finds errors in the files to apply: 031_wipe\.sql:1/)
      expect(await sql(other.url, "SELECT to_regclass('agent_notes') IS NULL AS none")).toEqual([{ none: true }])
    } finally {
      await other.drop()
    }
  })

  it("an agent rolls back the plan it approved: every object whose data goes named in acceptLoss; a plan that changed since is refused", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_rollback")
    try {
      const dir = mkdtempSync(join(tmpdir(), "aim-mcp-rollback-"))
      cpSync(shippedMigrations, dir, { recursive: true })
      writeFileSync(join(dir, "026_own_notes.sql"), "-- 026_own_notes: ours\nCREATE TABLE IF NOT EXISTS own_notes (id bigint PRIMARY KEY, note text);\n")
      const client = await connect({ DATABASE_URL: other.url, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() }, dir)
      const applied = await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })
      expect(applied.isError, text(applied)).toBeFalsy()
      await sql(other.url, "INSERT INTO own_notes VALUES (1, 'x')")

      const plan = await call(client, "plan_rollback", { to: 25 })
      expect(plan.structuredContent).toMatchObject({ from: 26, to: 25, statements: ["DROP TABLE IF EXISTS own_notes"], mustAccept: ["own_notes"] })
      const planId = plan.structuredContent?.planId
      const unnamed = await call(client, "apply_rollback", { confirm: true, planId, to: 25 })
      expect(unnamed.isError).toBe(true)
      expect(text(unnamed)).toMatch(/^\[AIM-RBK-001\] rolling back to 025 would remove 1 row of own_notes/)

      // A row more since the approval: the plan is another one, refused.
      await sql(other.url, "INSERT INTO own_notes VALUES (2, 'y')")
      const stale = await call(client, "apply_rollback", { confirm: true, planId, to: 25, acceptLoss: ["own_notes"] })
      expect(text(stale)).toMatch(/^\[AIM-RBK-005\]/)
      expect(await sql(other.url, "SELECT count(*)::int AS n FROM own_notes")).toEqual([{ n: 2 }])

      const again = await call(client, "plan_rollback", { to: 25 })
      const done = await call(client, "apply_rollback", { confirm: true, planId: again.structuredContent?.planId, to: 25, acceptLoss: ["own_notes"] })
      expect(done.isError, text(done)).toBeFalsy()
      expect(text(done)).toMatch(/^rolled back 026_own_notes\.sql; the next aim migrate/)
      expect(await sql(other.url, "SELECT to_regclass('public.own_notes') IS NULL AS gone")).toEqual([{ gone: true }])
    } finally {
      await other.drop()
    }
  })

  it("a statement that breaks a query the application ran (pg_stat_statements) is high risk: applying it needs acceptRisk naming it", async () => {
    // pg_stat_statements must be preloaded: a throwaway cluster with the setting.
    const cluster = await startCluster({ settings: ["shared_preload_libraries = 'pg_stat_statements'"] })
    try {
      const url = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`
      const dir = mkdtempSync(join(tmpdir(), "aim-mcp-breaks-"))
      cpSync(shippedMigrations, dir, { recursive: true })
      const client = await connect({ DATABASE_URL: url }, dir)
      expect((await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })).isError).toBeFalsy()
      await sql(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
      for (let i = 0; i < 2; i++) await sql(url, "SELECT description FROM agents WHERE id = $1", ["00000000-0000-0000-0000-000000000000"])
      // An addition alone breaks nothing; the rename on line 3 breaks the read above (a low-risk
      // statement by its locks, high risk by what the application ran).
      writeFileSync(
        join(dir, "026_agents_nickname.sql"),
        "-- 026: nicknames, and the description renamed\nALTER TABLE agents ADD COLUMN IF NOT EXISTS nickname text;\nALTER TABLE agents RENAME COLUMN description TO summary;\n",
      )
      const plan = await call(client, "plan_migrations")
      const lockPlan = plan.structuredContent?.lockPlan as
        | { pending: Array<{ statements: Array<{ line: number; breaks?: Array<{ query: string }> }> }> }
        | undefined
      const statements = (lockPlan?.pending[0]?.statements ?? []).map((st) => [st.line, (st.breaks ?? []).map((b) => b.query)])
      expect(statements).toEqual([
        [2, []],
        [3, ["SELECT description FROM agents WHERE id = $1"]],
      ])
      expect(plan.structuredContent?.highRisk).toContain("026_agents_nickname.sql:3")
      const unnamed = await call(client, "apply_migrations", { confirm: true, planId: plan.structuredContent?.planId })
      expect(text(unnamed)).toMatch(/high-risk statements need to be accepted by name: .*026_agents_nickname\.sql:3/)
      expect(await sql(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'agents' AND column_name = 'description'")).toEqual([
        { n: 1 },
      ])
      const accepted = await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })
      expect(accepted.isError, text(accepted)).toBeFalsy()
      expect(list<{ name: string }>(accepted, "applied").map((a) => a.name)).toEqual(["026_agents_nickname.sql"])
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()))
      await cluster.stop()
    }
  }, 120_000)

  it("two clients applying at once apply each migration once", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_race")
    try {
      const [a, b] = await Promise.all([connect({ DATABASE_URL: other.url }), connect({ DATABASE_URL: other.url })])
      const [planA, planB] = await Promise.all([approve(a), approve(b)])
      const results = await Promise.all([call(a, "apply_migrations", { confirm: true, ...planA }), call(b, "apply_migrations", { confirm: true, ...planB })])
      for (const r of results) expect(r.isError, text(r)).toBeFalsy()
      const total = results.reduce((n, r) => n + list<unknown>(r, "applied").length, 0)
      expect(total).toBe(25)
      expect(await sql(other.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")).toEqual([{ n: 25 }])
    } finally {
      await other.drop()
    }
  })

  it("an agent applies the plan it approved: a file added after the plan is refused with the new plan; high risk must be accepted by name", async () => {
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_plan")
    const dir = mkdtempSync(join(tmpdir(), "aim-mcp-plan-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    try {
      const client = await connect({ DATABASE_URL: other.url }, dir)
      const first = record(await call(client, "plan_migrations")) as CallResult
      const approved = first.structuredContent?.planId as string
      expect(list<unknown>(first, "wouldApply")).toHaveLength(25)

      // After the approval, a file appears: the apply refuses and returns the plan as it is now.
      writeFileSync(join(dir, "031_audit_logs_action.sql"), "CREATE INDEX IF NOT EXISTS idx_audit_logs_ip_address ON audit_logs (ip_address);\n")
      const stale = record(await call(client, "apply_migrations", { confirm: true, planId: approved })) as CallResult
      expect(stale.isError).toBe(true)
      expect(text(stale)).toMatch(new RegExp(`plan changed since ${approved}.*nothing was applied`))
      const fresh = attachedPlan(stale)
      expect(fresh.planId).not.toBe(approved)
      expect(fresh.wouldApply.map((p) => p.name).at(-1)).toBe("031_audit_logs_action.sql")
      expect(await sql(other.url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS none")).toEqual([{ none: true }])

      const base = record(await call(client, "apply_migrations", { confirm: true, ...(await approve(client, 15)), upTo: 15 })) as CallResult
      expect(base.isError, text(base)).toBeFalsy()
      await sql(
        other.url,
        "INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id) SELECT u.organization_id, u.id, 'login', 'user', u.id FROM (SELECT id, organization_id FROM users LIMIT 1) u, generate_series(1, 110000); ANALYZE audit_logs",
      )
      const risky = await approve(client)
      expect(risky.acceptRisk).toContain("031_audit_logs_action.sql:1")
      const others = risky.acceptRisk.filter((r) => r !== "031_audit_logs_action.sql:1")
      const unaccepted = record(await call(client, "apply_migrations", { confirm: true, planId: risky.planId, acceptRisk: others })) as CallResult
      expect(unaccepted.isError).toBe(true)
      expect(text(unaccepted)).toMatch(/high-risk statements need to be accepted by name: 031_audit_logs_action\.sql:1\. /)
      const accepted = record(await call(client, "apply_migrations", { confirm: true, ...risky })) as CallResult
      expect(accepted.isError, text(accepted)).toBeFalsy()
      expect(list<{ name: string }>(accepted, "applied").map((a) => a.name)).toEqual([
        "016_create_backend_metrics_tables.sql",
        "017_create_backend_capability_tables.sql",
        "018_create_backend_webhook_and_tag_tables.sql",
        "019_create_backend_mcp_tables.sql",
        "020_align_columns_with_backend.sql",
        "021_validate_audit_logs_user_fkey.sql",
        "022_converge_to_backend_schema.sql",
        "023_converge_audit_logs.sql",
        "024_converge_audit_logs_user_fkey.sql",
        "025_validate_audit_logs_user_fkey.sql",
        "031_audit_logs_action.sql",
      ])
    } finally {
      await other.drop()
    }
  })

  it("an agent's apply is traced: an aim mcp apply span with a child per migration reaches the collector", async () => {
    const receiver = await startOtlpReceiver()
    const other = await createTestDatabase(testPostgresUrl(), "aim_mcp_otel")
    try {
      const client = await connect({ DATABASE_URL: other.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
      const applied = await call(client, "apply_migrations", { confirm: true, ...(await approve(client)) })
      expect(applied.isError, text(applied)).toBeFalsy()
      // Spans are exported every half second while the server runs.
      const deadline = Date.now() + 10_000
      while (!receiver.spans.some((s) => s.name === "aim mcp apply") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const apply = receiver.spans.find((s) => s.name === "aim mcp apply")
      expect(apply?.resource["service.name"]).toBe("aim-mcp")
      expect(receiver.spans.filter((s) => s.parentSpanId === apply?.spanId && s.name.startsWith("aim.migration "))).toHaveLength(25)
    } finally {
      await other.drop()
      await receiver.close()
    }
  })

  it("errors come back as tool errors with a troubleshooting code; the server keeps serving", async () => {
    const client = await connect({ DATABASE_URL: "postgres://postgres:mcp-Secret-down@127.0.0.1:1/nothing" })
    const down = record(await call(client, "migration_status")) as CallResult
    expect(down.isError).toBe(true)
    expect(text(down)).toMatch(/^\[AIM-DB-001\] /)
    const still = await call(client, "explain_error", { code: "AIM-DB-001" })
    expect(still.isError).toBeFalsy()
  })

  it("an argument of the wrong type or out of range is AIM-MCP-004 naming it, never the validator's dump; nothing runs", async () => {
    const client = await connect({ DATABASE_URL: "postgres://postgres:mcp-Secret-down@127.0.0.1:1/nothing" })
    // tools/list still advertises each argument's type: the refusal is aim's, the schema the SDK's.
    const plan = (await client.listTools()).tools.find((t) => t.name === "plan_migrations")
    expect(plan?.inputSchema.properties?.upTo).toMatchObject({ type: "integer", minimum: 1, maximum: 2147483647 })
    for (const [tool, args, argument] of [
      ["plan_migrations", { upTo: 21.5 }, "upTo"],
      ["plan_migrations", { upTo: 1e308 }, "upTo"],
      ["plan_migrations", { upTo: "3" }, "upTo"],
      ["plan_migrations", { upTo: 0 }, "upTo"],
      ["apply_migrations", { confirm: "yes" }, "confirm"],
      ["apply_migrations", { confirm: true, upTo: -1 }, "upTo"],
      ["apply_migration", { name: 1, query: "SELECT 1" }, "name"],
      ["explain_error", { message: { password: "mcp-Arg-Secret" } }, "message"],
    ] as const) {
      const answer = record(await call(client, tool, args)) as CallResult
      expect(answer.isError, `${tool} ${JSON.stringify(args)}`).toBe(true)
      expect(text(answer)).toMatch(new RegExp(`^\\[AIM-MCP-004\\] refused: argument ${argument} \\(`))
      expect(text(answer)).not.toMatch(/-32602|invalid_type|"code"|"path"|mcp-Arg-Secret/)
      expect(text(answer).split("\n")).toHaveLength(1)
    }
  })

  it("a line that is not JSON, not JSON-RPC, or over 10 MB is answered with its JSON-RPC error, and the server keeps serving", async () => {
    const child = spawn(process.execPath, [cliBundle(), "mcp", "--migrations-dir", shippedMigrations], { env: cleanEnv(env()), cwd: repoRoot })
    let received = ""
    child.stdout.on("data", (chunk) => {
      received += chunk
    })
    const replies = async (count: number) => {
      const deadline = Date.now() + 15_000
      while (received.split("\n").filter((l) => l !== "").length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      return received
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { id: unknown; error?: { code: number }; result?: { tools?: Array<unknown> } })
    }
    try {
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`,
      )
      await replies(1)
      child.stdin.write(`${"x".repeat(11 * 1024 * 1024)}\n`)
      child.stdin.write("not json\n")
      child.stdin.write('{"hello": "world"}\n')
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`)
      const [, tooLong, notJson, notRpc, tools] = await replies(5)
      expect([tooLong?.error?.code, notJson?.error?.code, notRpc?.error?.code]).toEqual([-32600, -32700, -32600])
      expect(tools).toMatchObject({ id: 2, result: { tools: expect.any(Array) } })
    } finally {
      child.kill()
    }
  })

  it("no secret in any response", () => {
    expect(responses.length).toBeGreaterThan(10)
    for (const r of responses) {
      for (const s of [secret, "mcp-smtp-Secret", "mcp-Secret-down"]) expect(r).not.toContain(s)
    }
  })
})

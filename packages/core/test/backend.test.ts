import {
  type BackendRelease,
  type DeployedState,
  buildDeployedDatabase,
  deployedColumns,
  operatorPasswordHash,
  publishedDefaultHash,
  runBackendRunner,
  sql,
} from "@aim/testkit"
import { useFreshDatabases, useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { Migrator } from "../src/migrator/Migrator.js"
import { Verifier, VerifierLive } from "../src/verify/Verifier.js"
import { backendFilesProvided, backendReleases } from "../src/aim/backendRelease.js"
import { migrationsCopy, migratorFor, runMigrator, shippedMigrations } from "./support.js"

const fresh = useFreshDatabases("aim_backend")
const migrated = useMigratedDatabases("aim_backend")

/** One start of the simulated backend of `release` on the server database at `url`. */
const startBackend = async (url: string, release: BackendRelease) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await runBackendRunner(client, release)
  } finally {
    await client.end()
  }
}

const stack = (url: string, dir = shippedMigrations) => LedgerAdminLive().pipe(Layer.provideMerge(migratorFor({ DATABASE_URL: url }, dir)))
const adopt = (url: string) => Effect.runPromise(Effect.flatMap(LedgerAdmin, (a) => a.adopt()).pipe(Effect.provide(stack(url))))
const verify = (url: string) =>
  Effect.runPromise(Effect.flatMap(Verifier, (v) => v.run).pipe(Effect.provide(VerifierLive.pipe(Layer.provideMerge(stack(url))))))
const adminHash = async (url: string) =>
  (await sql<{ password_hash: string }>(url, "SELECT password_hash FROM users WHERE email = 'admin@opena2a.org'"))[0]?.password_hash

const changedHash = "$2b$10$abcdefghijklmnopqrstuuKc3o2cYzOeAiyl6dJ2r3v8S5bQ6gq9e"

describe("the runner simulation (the oracle the tests below rely on)", () => {
  it("reproduces the measured failures: on state A it runs the 27 newer files and resets the password; on a bare aim 0.2.0 schema it stops at 013", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, "A")
    expect(await adminHash(db.url)).toBe(operatorPasswordHash)
    const upgraded = await startBackend(db.url, "current")
    expect(upgraded.failed).toBeUndefined()
    expect(upgraded.ran).toHaveLength(27)
    expect(upgraded.ran).toContain("034_reset_admin_password.sql")
    expect(upgraded.ran).not.toContain("036_create_mcp_server_capabilities_table.down.sql")
    expect(await adminHash(db.url)).toBe(publishedDefaultHash)

    // The guide's 15 files without any backend record: what aim 0.2.0 built.
    const bare = await fresh()
    const dir = migrationsCopy()
    for (const f of readdirSync(dir)) if (Number(f.slice(0, 3)) > 15) rmSync(join(dir, f))
    await runMigrator(bare.url, dir, (m) => m.apply())
    await sql(bare.url, "DROP TABLE public.schema_migrations")
    const started = await startBackend(bare.url, "guide")
    expect(started.failed).toMatchObject({
      file: "013_create_default_admin_user.sql",
      message: expect.stringMatching(/^duplicate key value violates unique constraint "users_/),
    })
  })
})

describe("a database built by aim migrate alone", () => {
  it("lets the backend of the guide's release, then of the current one, start without running a file; the changed password stays", async () => {
    const db = await fresh()
    const report = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(report.applied.map((a) => a.name)).toEqual(readdirSync(shippedMigrations).sort())
    await sql(db.url, "UPDATE users SET password_hash = $1 WHERE email = 'admin@opena2a.org'", [changedHash])
    expect(await startBackend(db.url, "guide")).toEqual({ ran: [] })
    expect(await startBackend(db.url, "current")).toEqual({ ran: [] })
    expect(await adminHash(db.url)).toBe(changedHash)
    // The runner's ledger is the runner's: its exact columns, one row per file of the current release.
    expect(
      await sql(
        db.url,
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'schema_migrations' AND table_schema = 'public' ORDER BY ordinal_position",
      ),
    ).toEqual([
      { column_name: "id", data_type: "integer", is_nullable: "NO" },
      { column_name: "version", data_type: "character varying", is_nullable: "NO" },
      { column_name: "applied_at", data_type: "timestamp without time zone", is_nullable: "NO" },
    ])
    expect((await sql(db.url, "SELECT version FROM public.schema_migrations")).map((r) => r.version).sort()).toEqual([...backendReleases.current].sort())
    const status = await runMigrator(db.url, shippedMigrations, (m) => m.status)
    expect(status.coLedger).toEqual({ release: "current", unrecorded: [], unknown: [], recorded: [...backendReleases.current].sort() })
    expect((await verify(db.url)).checks.find((c) => c.id === "backend")).toMatchObject({ status: "pass" })
  })

  // On the embedded PGlite: embedded.test.ts (the core's PGlite parity file).
  it("records a backend file in the transaction of the aim file that provides it: a failed file records neither", async () => {
    const db = await fresh()
    const broken = migrationsCopy({ "017_create_backend_capability_tables.sql": "CREATE TABLE IF NOT EXISTS half_done (id int);\nSELECT 1/0;\n" })
    const failed = await Effect.runPromise(
      Effect.either(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(migratorFor({ DATABASE_URL: db.url }, broken)))),
    )
    expect(failed._tag).toBe("Left")
    const recorded = (await sql<{ version: string }>(db.url, "SELECT version FROM public.schema_migrations")).map((r) => r.version)
    expect(recorded).toEqual(expect.arrayContaining([...(backendFilesProvided.get("016_create_backend_metrics_tables.sql") ?? ["?"])]))
    expect(recorded).not.toContain("016_create_agent_capabilities_table.sql")
    expect(await sql(db.url, "SELECT to_regclass('public.half_done') AS t")).toEqual([{ t: null }])
  })
})

describe.each<Exclude<DeployedState, "A-no-policies">>(["A", "B"])("deployed state %s taken over by aim", (state) => {
  it("adopt + migrate, then the backend upgraded to the current release: it runs nothing and the changed password stays", async () => {
    const db = await fresh()
    await buildDeployedDatabase(db.url, state)
    const adopted = await adopt(db.url)
    // Files that ran recorded what they provide themselves; nothing was left to fill in.
    expect(adopted.backendRecorded).toEqual([])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM public.schema_migrations")).toEqual([{ n: 42 }])
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.apply())).applied).toEqual([])
    expect(await startBackend(db.url, "current")).toEqual({ ran: [] })
    expect(await startBackend(db.url, "guide")).toEqual({ ran: [] })
    expect(await adminHash(db.url)).toBe(operatorPasswordHash)
    const report = await verify(db.url)
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([])
    expect(report.checks.find((c) => c.id === "backend")).toMatchObject({ status: "pass" })
  })
})

describe("aim verify: The AIM backend can start", () => {
  it("names a missing record, a password reset above all, and aim migrate records it again; a newer release's file is a warning", async () => {
    const db = await migrated()
    await sql(db.url, "DELETE FROM public.schema_migrations WHERE version IN ('034_reset_admin_password.sql', '021_create_tags_tables.sql')")
    const broken = (await verify(db.url)).checks.find((c) => c.id === "backend")
    expect(broken).toMatchObject({ status: "fail", code: "AIM-VER-005" })
    expect(broken?.detail).toContain("021_create_tags_tables.sql, 034_reset_admin_password.sql")
    expect(broken?.detail).toContain("034_reset_admin_password.sql would set the admin password back to the published default")
    expect((await runMigrator(db.url, shippedMigrations, (m) => m.status)).coLedger.unrecorded).toEqual([
      "021_create_tags_tables.sql",
      "034_reset_admin_password.sql",
    ])
    const again = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(again).toMatchObject({ applied: [], backendRecorded: ["021_create_tags_tables.sql", "034_reset_admin_password.sql"] })
    expect((await verify(db.url)).checks.find((c) => c.id === "backend")).toMatchObject({ status: "pass" })

    await sql(db.url, "INSERT INTO public.schema_migrations (version) VALUES ('042_add_agent_quotas.sql')")
    expect((await verify(db.url)).checks.find((c) => c.id === "backend")).toMatchObject({
      status: "warn",
      code: "AIM-VER-006",
      detail: "recorded by a backend release aim does not know: 042_add_agent_quotas.sql",
    })
  })

  it("a database an earlier aim release built (no backend records) gets them from the next aim migrate", async () => {
    const db = await fresh()
    const old = migrationsCopy()
    for (const f of readdirSync(old)) if (Number(f.slice(0, 3)) > 15) rmSync(join(old, f))
    await runMigrator(db.url, old, (m) => m.apply())
    await sql(db.url, "DROP TABLE public.schema_migrations")
    const next = await runMigrator(db.url, shippedMigrations, (m) => m.apply())
    expect(next.applied.map((a) => a.version)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
    expect(next.backendRecorded).toHaveLength(13)
    expect(await startBackend(db.url, "current")).toEqual({ ran: [] })
  })
})

/** How wide a column type is, for "at least as wide as the backend's". */
const widthOk = (ours: { data_type: string; len: number | null; precision: number | null; scale: number | null }, theirs: string): boolean => {
  const varchar = /^varchar\((\d+)\)$/.exec(theirs)
  if (varchar !== null) return ours.data_type === "text" || (ours.data_type === "character varying" && (ours.len ?? 0) >= Number(varchar[1]))
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(theirs)
  if (numeric !== null) {
    const [p, s] = [Number(numeric[1]), Number(numeric[2])]
    return ours.data_type === "numeric" && (ours.scale ?? 0) >= s && (ours.precision ?? 0) - (ours.scale ?? 0) >= p - s
  }
  const same: Record<string, ReadonlyArray<string>> = {
    uuid: ["uuid"],
    text: ["text"],
    integer: ["integer", "bigint"],
    bigint: ["bigint"],
    boolean: ["boolean"],
    jsonb: ["jsonb"],
    date: ["date"],
    inet: ["inet"],
    ARRAY: ["ARRAY"],
    timestamptz: ["timestamp with time zone"],
    // Deliberate: aim's timestamps carry their zone; every value the backend writes fits.
    timestamp: ["timestamp without time zone", "timestamp with time zone"],
  }
  return same[theirs]?.includes(ours.data_type) === true
}

/** Columns the backend declares NOT NULL that aim leaves nullable on purpose (docs: The AIM schema). */
const deliberatelyNullable = new Set([
  "audit_logs.user_id",
  "audit_logs.resource_id",
  "api_keys.agent_id",
  "api_keys.created_by",
  "mcp_servers.created_by",
  "security_policies.created_by",
])

describe("every table and column of the backend's current release (deployed-shapes.md, state B)", () => {
  it("is present on a fresh aim database with a type at least as wide and the same nullability", async () => {
    const db = await migrated()
    const rows = await sql<{
      table_name: string
      column_name: string
      data_type: string
      len: number | null
      precision: number | null
      scale: number | null
      is_nullable: string
    }>(
      db.url,
      `SELECT table_name, column_name, data_type, character_maximum_length AS len, numeric_precision AS precision, numeric_scale AS scale, is_nullable
         FROM information_schema.columns WHERE table_schema = 'public'`,
    )
    const ours = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]))
    const expected = deployedColumns("B")
    expect(expected.length).toBeGreaterThan(400)
    const problems = expected.flatMap((c) => {
      const key = `${c.table}.${c.column}`
      const col = ours.get(key)
      if (col === undefined) return [`${key} missing`]
      const out: Array<string> = []
      if (!widthOk(col, c.type))
        out.push(`${key} is ${col.data_type}(${col.len ?? col.precision ?? ""}${col.scale === null ? "" : `,${col.scale}`}), narrower than ${c.type}`)
      if (!c.notNull && col.is_nullable === "NO") out.push(`${key} is NOT NULL, the backend's is nullable`)
      if (c.notNull && col.is_nullable === "YES" && !deliberatelyNullable.has(key)) out.push(`${key} is nullable, the backend's is NOT NULL`)
      return out
    })
    expect(problems).toEqual([])
  })

  it("takes the rows the backend writes: a trust score with its eight factors, an API call, a webhook and a delivery, tags, an attestation", async () => {
    const db = await migrated()
    const [admin] = await sql<{ id: string; organization_id: string }>(db.url, "SELECT id, organization_id FROM users WHERE email = 'admin@opena2a.org'")
    const org = admin?.organization_id
    const [agent] = await sql<{ id: string }>(
      db.url,
      "INSERT INTO agents (organization_id, name, display_name, agent_type, created_by, trust_score, last_active) VALUES ($1, 'bot', 'Bot', 'ai_agent', $2, 0.875, now()) RETURNING id",
      [org, admin?.id],
    )
    const [server] = await sql<{ id: string }>(
      db.url,
      "INSERT INTO mcp_servers (organization_id, name, url, created_by, verification_method, confidence_score) VALUES ($1, 'fs', 'https://mcp.example/fs', $2, 'agent_attestation', 95.5) RETURNING id",
      [org, admin?.id],
    )
    await sql(
      db.url,
      `INSERT INTO trust_scores (agent_id, score, confidence, uptime, success_rate, security_alerts, compliance, age, drift_detection, user_feedback, verification_status, factors)
       VALUES ($1, 0.875, 0.9, 0.99, 0.97, 1.0, 0.95, 0.5, 1.0, 0.8, 1.0, '{"uptime":0.99}')`,
      [agent?.id],
    )
    await sql(
      db.url,
      "INSERT INTO api_calls (organization_id, agent_id, method, endpoint, status_code, duration_ms, ip_address, called_at) VALUES ($1, $2, 'POST', $3, 201, 42, '2001:db8::1', '2026-11-30 10:15:00+00')",
      [org, agent?.id, `/api/v1/agents/${agent?.id}/verify`],
    )
    const [hook] = await sql<{ id: string }>(
      db.url,
      "INSERT INTO webhooks (organization_id, name, url, events, secret, created_by) VALUES ($1, 'ops', 'https://hooks.example/aim', ARRAY['agent.verified','alert.created'], 'whsec_x', $2) RETURNING id",
      [org, admin?.id],
    )
    await sql(db.url, "INSERT INTO webhook_deliveries (webhook_id, event, payload, status_code, success) VALUES ($1, 'agent.verified', '{}', 200, true)", [
      hook?.id,
    ])
    const [tag] = await sql<{ id: string }>(
      db.url,
      "INSERT INTO tags (organization_id, key, value, category, color, created_by) VALUES ($1, 'env', 'prod', 'environment', '#ff0000', $2) RETURNING id",
      [org, admin?.id],
    )
    await sql(db.url, "INSERT INTO agent_tags (agent_id, tag_id) VALUES ($1, $2)", [agent?.id, tag?.id])
    await sql(db.url, "INSERT INTO mcp_server_tags (mcp_server_id, tag_id) VALUES ($1, $2)", [server?.id, tag?.id])
    await sql(
      db.url,
      "INSERT INTO mcp_attestations (mcp_server_id, agent_id, attestation_data, signature, signature_verified, verified_at, expires_at) VALUES ($1, $2, '{\"tools\":[\"read\"]}', 'sig', true, now(), now() + interval '1 day')",
      [server?.id, agent?.id],
    )
    await sql(db.url, "UPDATE agents SET trust_score = 0.9125 WHERE id = $1", [agent?.id])
    await sql(db.url, "UPDATE users SET password_reset_expires = '2026-12-01 00:00:00+00' WHERE id = $1", [admin?.id])

    expect(await sql(db.url, "SELECT uptime::text, user_feedback::text, factors FROM trust_scores")).toEqual([
      { uptime: "0.9900", user_feedback: "0.8000", factors: { uptime: 0.99 } },
    ])
    expect(await sql(db.url, "SELECT host(ip_address) AS ip, endpoint FROM api_calls")).toEqual([
      { ip: "2001:db8::1", endpoint: `/api/v1/agents/${agent?.id}/verify` },
    ])
    // The backend's triggers: hourly counts from api_calls, history from a score change.
    expect(await sql(db.url, "SELECT api_calls_count, hour_timestamp = '2026-11-30 10:00:00+00' AS bucket FROM agent_activity_metrics")).toEqual([
      { api_calls_count: 1, bucket: true },
    ])
    expect(await sql(db.url, "SELECT trust_score::text, previous_score::text FROM trust_score_history")).toEqual([
      { trust_score: "0.91", previous_score: "0.88" },
    ])
    expect(await sql(db.url, "SELECT events FROM webhooks")).toEqual([{ events: ["agent.verified", "alert.created"] }])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id")).toEqual([{ n: 1 }])
    expect(
      await sql(
        db.url,
        "SELECT (SELECT count(*) FROM agent_tags)::int AS a, (SELECT count(*) FROM mcp_server_tags)::int AS m, (SELECT count(*) FROM mcp_attestations)::int AS t",
      ),
    ).toEqual([{ a: 1, m: 1, t: 1 }])
    // Either reset-expiry column gives the same expiry.
    expect(await sql(db.url, "SELECT password_reset_expires = password_reset_expires_at AS same FROM users WHERE id = $1", [admin?.id])).toEqual([
      { same: true },
    ])
  })
})

describe("the provides table", () => {
  it("provides each file of the current release exactly once, from a shipped file", () => {
    const provided = [...backendFilesProvided.values()].flat()
    expect([...provided].sort()).toEqual([...backendReleases.current].sort())
    expect(new Set(provided).size).toBe(provided.length)
    const shipped = new Set(readdirSync(shippedMigrations))
    expect([...backendFilesProvided.keys()].filter((f) => !shipped.has(f))).toEqual([])
  })
})

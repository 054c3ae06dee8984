import { sql } from "@aim/testkit"
import { expect } from "vitest"
import { lockKeys } from "@aim/core/testing"

/** Tables each shipped migration creates (the rest alter or seed). */
const tablesBy: Record<number, ReadonlyArray<string>> = {
  // 001 also records its backend file in the backend runner's ledger, which it creates.
  1: ["agents", "alerts", "api_keys", "audit_logs", "organizations", "users", "schema_migrations"],
  4: ["mcp_servers"],
  5: ["verification_events"],
  7: ["system_config"],
  8: ["sdk_tokens"],
  9: ["security_policies"],
  10: ["analytics_agent_activity", "analytics_trust_scores"],
  12: ["user_registration_requests"],
  16: [
    "agent_activity_metrics",
    "organization_daily_metrics",
    "api_calls",
    "trust_scores",
    "trust_score_history",
    "agent_actions",
    "agent_health_checks",
    "agent_compliance_events",
    "agent_behavioral_baselines",
    "agent_user_feedback",
  ],
  17: ["agent_capabilities", "capability_violations", "capability_requests", "agent_capability_reports", "security_anomalies"],
  18: ["webhooks", "webhook_deliveries", "tags", "agent_tags", "mcp_server_tags"],
  19: ["detections", "agent_mcp_detections", "mcp_server_capabilities", "agent_mcp_connections", "mcp_attestations"],
}

export const ledgerVersions = async (url: string): Promise<Array<number>> => {
  const exists = await sql<{ ok: boolean }>(url, "SELECT to_regclass('aim_migrations.schema_migrations') IS NOT NULL AS ok")
  if (exists[0]?.ok !== true) return []
  return (await sql<{ version: number }>(url, "SELECT version FROM aim_migrations.schema_migrations ORDER BY version")).map((r) => r.version)
}

/** Waits (bounded) until no session holds the migration lock. */
export const lockReleased = async (url: string, timeoutMs = 8000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const rows = await sql(
      url,
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [...lockKeys],
    )
    if (rows.length === 0) return true
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * The database is at a migration boundary: the ledger is a prefix 1..k, and exactly the tables and
 * seed rows of migrations 1..k exist (extra: tables created by test migrations above 20).
 */
export const expectMigrationBoundary = async (url: string, extra: Record<number, string> = {}): Promise<number> => {
  const versions = await ledgerVersions(url)
  const k = versions.length
  expect(versions).toEqual(Array.from({ length: k }, (_, i) => i + 1))
  const expected = Object.entries(tablesBy)
    .filter(([v]) => Number(v) <= k)
    .flatMap(([, t]) => t)
  for (const [v, table] of Object.entries(extra)) if (Number(v) <= k) expected.push(table)
  const tables = await sql<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
  expect(tables.map((t) => t.tablename)).toEqual([...expected].sort())
  if (k >= 13) expect(await sql(url, "SELECT count(*)::int AS n FROM users WHERE email = 'admin@opena2a.org'")).toEqual([{ n: 1 }])
  else if (k >= 1) expect(await sql(url, "SELECT count(*)::int AS n FROM users")).toEqual([{ n: 0 }])
  if (k >= 9) expect(await sql(url, "SELECT count(*)::int AS n FROM security_policies")).toEqual([{ n: k >= 15 ? 6 : 0 }])
  return k
}

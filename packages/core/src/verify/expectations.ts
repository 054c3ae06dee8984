/** What the guide's Step 3 and Step 4 promise, as data the Verifier checks against. */

/** The 14 tables of Step 3, each with the columns the platform cannot run without. */
export const expectedTables: Readonly<Record<string, ReadonlyArray<string>>> = {
  agents: ["id", "organization_id", "name", "status", "trust_score", "capabilities", "created_by"],
  alerts: ["id", "organization_id", "alert_type", "severity", "is_acknowledged", "acknowledged_by", "acknowledged_at"],
  analytics_agent_activity: ["id", "agent_id", "bucket_start", "api_calls"],
  analytics_trust_scores: ["id", "agent_id", "score", "recorded_at"],
  api_keys: ["id", "organization_id", "key_hash", "prefix"],
  audit_logs: ["id", "organization_id", "user_id", "action", "timestamp"],
  mcp_servers: ["id", "organization_id", "url", "public_key", "status"],
  organizations: ["id", "name", "domain"],
  sdk_tokens: ["id", "user_id", "token_hash", "token_id", "expires_at", "revoked_at"],
  security_policies: ["id", "organization_id", "name", "policy_type", "enforcement_action", "priority", "is_enabled", "is_enforced"],
  system_config: ["id", "key", "value"],
  user_registration_requests: ["id", "email", "first_name", "last_name", "status"],
  users: ["id", "organization_id", "email", "role", "status", "password_hash", "provider", "provider_id", "force_password_change"],
  verification_events: ["id", "organization_id", "agent_id", "mcp_server_id", "status", "started_at"],
}

export const defaultAdmin = {
  email: "admin@opena2a.org",
  defaultPassword: "AIM2025!Secure",
  /** The bcrypt hash 013 ships: while it is unchanged, the default password works (no bcrypt needed). */
  shippedHash: "$2b$10$1fnIgWHDohYG6UclsowvGexBAoOpaM0LaEif67BhTpD7YOwAkFohO",
  role: "admin",
  status: "active",
  organization: "OpenA2A Admin",
} as const

/** Step 4's six policies, highest priority first; exactly one is enforced in the MVP. */
export const defaultPolicies = [
  { name: "Critical Trust Score Block", priority: 300 },
  { name: "Data Exfiltration Detection", priority: 250 },
  { name: "Capability Violation Detection", priority: 200 },
  { name: "Failed Authentication Monitoring", priority: 150 },
  { name: "Low Trust Score Alert", priority: 100 },
  { name: "Unusual Activity Monitoring", priority: 80 },
] as const

export const enforcedPolicy = "Capability Violation Detection"

/**
 * Tables of the AIM backend's current release beyond the guide's 14 (deployed-shapes.md, state B),
 * and its runner's ledger: aim's files 016-020 create them, so they are expected in public.
 */
const backendTableNames = [
  "schema_migrations",
  "agent_activity_metrics",
  "organization_daily_metrics",
  "api_calls",
  "trust_scores",
  "trust_score_history",
  "agent_actions",
  "agent_behavioral_baselines",
  "agent_capabilities",
  "agent_capability_reports",
  "agent_compliance_events",
  "agent_health_checks",
  "agent_mcp_connections",
  "agent_mcp_detections",
  "agent_tags",
  "agent_user_feedback",
  "capability_requests",
  "capability_violations",
  "detections",
  "mcp_attestations",
  "mcp_server_capabilities",
  "mcp_server_tags",
  "security_anomalies",
  "tags",
  "webhook_deliveries",
  "webhooks",
] as const

export const backendTables: ReadonlySet<string> = new Set(backendTableNames)

/**
 * Differences a database the deployed AIM backend built can keep after aim converged it: each would
 * lose or reinterpret stored values (or break on existing rows) if aim changed it, so aim verify names
 * it as a warning with the statement that resolves it. `query` returns one `item` per affected object;
 * no rows means the database does not have the difference.
 */
export interface DeployedObject {
  readonly key: string
  readonly deployed: (expected: string) => ReadonlyArray<string | null>
}

export interface DeployedDifference {
  readonly id: string
  readonly title: string
  readonly query: string
  /** What to do, given the affected objects. */
  readonly fix: (items: ReadonlyArray<string>) => string
  /**
   * The catalog objects (`kind:name`) it explains, for aim drift, each with the definitions a database
   * the deployed backend built has for it, from the files' one (null: it has no such object). aim drift
   * names an object as this known difference only when its live definition is exactly one of them.
   */
  readonly inCatalog: (items: ReadonlyArray<string>) => ReadonlyArray<DeployedObject>
}

// None since 0.3.0: 022-025 take every database the backend or an earlier aim built to the backend's
// own schema (the contract), so a difference from it is drift, never a known shape to keep. The
// mechanism stays for a later backend release whose shape aim cannot converge.
export const deployedDifferences: ReadonlyArray<DeployedDifference> = []

/**
 * Shapes the deployed backend's own files give objects that aim's files define otherwise, kept when
 * aim adopts the database (changing them could fail on existing rows or change what the backend
 * relies on). aim drift names each as known when the live object is exactly the deployed shape; any
 * other value is drift. `catalogKey` → the deployed definition, as the catalog snapshot prints it.
 */
export interface DeployedShape {
  readonly title: string
  readonly objects: Readonly<Record<string, string>>
  readonly fix: string
}

// None since 0.3.0: every deployed shape is converged to the contract (022-025).
export const deployedShapes: ReadonlyArray<DeployedShape> = []

/**
 * Definitions a database the backend built keeps as the backend wrote them. None since 0.3.0: 022
 * defines the backend's trigger functions as the contract describes them, on every database.
 */
export const backendOwnedDefinitions: ReadonlyArray<{
  readonly title: string
  readonly definitions: Readonly<Record<string, string>>
  readonly fix: string
}> = []

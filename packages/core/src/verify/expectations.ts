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

// The guide's tables and the backend's own: a database the backend built has its timestamps in both.
const guideTables = Object.keys(expectedTables)
  .concat(
    // The runner's ledger is the backend's bookkeeping: its applied_at is its own affair.
    [...backendTableNames].filter((t) => t !== "schema_migrations"),
  )
  .map((t) => `'${t}'`)
  .join(", ")

export const deployedDifferences: ReadonlyArray<DeployedDifference> = [
  {
    id: "timestamp-without-time-zone",
    title: "Timestamps without time zone",
    query: `SELECT table_name || '.' || column_name AS item FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'timestamp without time zone' AND table_name IN (${guideTables})
             ORDER BY 1`,
    inCatalog: (items) =>
      items.map((item) => ({
        key: `column:${item}`,
        deployed: (expected) => [expected.replace(/^timestamp with time zone\b/, "timestamp without time zone")],
      })),
    fix: () =>
      "Converting reinterprets every stored value in a time zone only the operator knows; in a maintenance window run, per column, ALTER TABLE t ALTER COLUMN c TYPE timestamptz USING c AT TIME ZONE '<the zone the backend wrote in, usually UTC>' (rewrites the table)",
  },
  {
    id: "agents-trust-score-scale",
    title: "agents.trust_score holds the guide release's 0-1 scores",
    query: `SELECT 'agents.trust_score numeric(' || numeric_precision || ',' || numeric_scale || ')' AS item FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = 'agents' AND column_name = 'trust_score' AND (numeric_precision, numeric_scale) <> (5, 2)`,
    // The guide release's numeric(4,3) (deployed-shapes.md, state A), and what 020 widens it to: any other precision is drift.
    inCatalog: () => [
      {
        key: "column:agents.trust_score",
        deployed: (expected) => ["numeric(4,3)", "numeric(6,3)"].map((type) => expected.replace(/^numeric\(5,2\)/, type)),
      },
    ],
    fix: () =>
      "The backend of the guide's release stored scores in numeric(4,3) (0-1); aim widened the column to three integer digits, keeping every value, so the current backend's 0-100 scores fit. Decide whether the stored scores are 0-1 (SELECT max(trust_score) FROM agents below 1 says so), then in a reviewed migration ALTER TABLE agents ALTER COLUMN trust_score TYPE numeric(5,2) USING trust_score * 100 (rewrites the table)",
  },
  {
    id: "verification-events-subject",
    title: "verification_events allows both an agent and an MCP server",
    query: `SELECT 'verification_events' AS item WHERE to_regclass('public.verification_events') IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('public.verification_events') AND conname = 'verification_events_one_subject')`,
    // Only the missing constraint: the table's other constraints are compared as usual.
    inCatalog: () => [{ key: "constraint:verification_events.verification_events_one_subject", deployed: () => [null] }],
    fix: () =>
      "The deployed check asks for an agent or an MCP server, not exactly one; when no row has both (SELECT count(*) FROM verification_events WHERE agent_id IS NOT NULL AND mcp_server_id IS NOT NULL is 0), ALTER TABLE verification_events ADD CONSTRAINT verification_events_one_subject CHECK ((agent_id IS NOT NULL) <> (mcp_server_id IS NOT NULL))",
  },
  {
    id: "security-policies-duplicate-names",
    title: "security_policies has no unique (organization_id, name)",
    query: `SELECT 'security_policies (organization_id, name)' AS item WHERE to_regclass('public.security_policies') IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('public.security_policies') AND conname = 'security_policies_organization_id_name_key')`,
    inCatalog: () => [{ key: "constraint:security_policies.security_policies_organization_id_name_key", deployed: () => [null] }],
    fix: () =>
      "Some organization has two policies with one name, so 009 could not add the constraint; merge or rename them (SELECT organization_id, name FROM security_policies GROUP BY 1, 2 HAVING count(*) > 1), then ALTER TABLE security_policies ADD CONSTRAINT security_policies_organization_id_name_key UNIQUE (organization_id, name)",
  },
  {
    id: "registration-pending-email",
    title: "user_registration_requests allows two open requests per address",
    query: `SELECT 'idx_user_registration_requests_pending_email' AS item WHERE to_regclass('public.user_registration_requests') IS NOT NULL
               AND to_regclass('public.idx_user_registration_requests_pending_email') IS NULL`,
    inCatalog: () => [{ key: "index:idx_user_registration_requests_pending_email", deployed: () => [null] }],
    fix: () =>
      "Two pending requests share an address, so 012 could not add the unique index; approve or reject the duplicates, then CREATE UNIQUE INDEX CONCURRENTLY idx_user_registration_requests_pending_email ON user_registration_requests (lower(email)) WHERE status = 'pending'",
  },
]

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

const deployedForeignKey = (column: string) => `FOREIGN KEY (${column}) REFERENCES users(id)`

export const deployedShapes: ReadonlyArray<DeployedShape> = [
  {
    title: "Foreign keys to users without ON DELETE SET NULL",
    objects: {
      "constraint:alerts.alerts_acknowledged_by_fkey": deployedForeignKey("acknowledged_by"),
      "constraint:api_keys.api_keys_created_by_fkey": deployedForeignKey("created_by"),
      "constraint:mcp_servers.mcp_servers_created_by_fkey": deployedForeignKey("created_by"),
      "constraint:user_registration_requests.user_registration_requests_reviewed_by_fkey": deployedForeignKey("reviewed_by"),
      "constraint:users.users_approved_by_fkey": deployedForeignKey("approved_by"),
      "column:api_keys.agent_id": "uuid NOT NULL",
      "column:api_keys.created_by": "uuid NOT NULL",
      "column:mcp_servers.created_by": "uuid NOT NULL",
    },
    fix: "Deleting a user fails while these rows point at them, and the deployed backend requires the columns; once it no longer does, per constraint in a reviewed migration: ALTER COLUMN … DROP NOT NULL, then DROP CONSTRAINT and ADD CONSTRAINT … ON DELETE SET NULL NOT VALID, then VALIDATE CONSTRAINT (aim plan shows the locks)",
  },
  {
    title: "Text columns with the deployed backend's lengths",
    objects: {
      "column:user_registration_requests.password_hash": "character varying(255)",
    },
    fix: "Narrowing fails on stored values that are longer, and widening changes nothing the backend reads; leave them, or check the longest stored value (SELECT max(length(c)) FROM t) before ALTER COLUMN … TYPE in a reviewed migration",
  },
  {
    title: "idx_users_password_reset_token covers every row",
    objects: {
      "index:idx_users_password_reset_token": "CREATE INDEX idx_users_password_reset_token ON public.users USING btree (password_reset_token)",
    },
    fix: "It answers the same lookups as the partial index, only larger; to match: CREATE INDEX CONCURRENTLY idx_users_password_reset_token_partial ON users (password_reset_token) WHERE password_reset_token IS NOT NULL, then DROP INDEX CONCURRENTLY idx_users_password_reset_token and rename",
  },
]

/**
 * Definitions a database the backend built keeps as the backend wrote them: aim's files create these
 * only where they are missing (their bodies are the backend's, which aim's files only approximate
 * from the catalog), so aim drift names them as known, but only as the backend's files define them
 * (the digest aim drift compares, md5 of pg_get_functiondef, the same in states A and B): any other
 * body is drift.
 */
export const backendOwnedDefinitions: ReadonlyArray<{
  readonly title: string
  readonly definitions: Readonly<Record<string, string>>
  readonly fix: string
}> = [
  {
    title: "Trigger functions with the backend's own bodies",
    definitions: {
      "function:log_trust_score_change()": "md5 bd13d005ffcabb33fa45af877fbef68c",
      "function:aggregate_agent_hourly_metrics()": "md5 c69ab4b3395bd9dbb56044c37dd01438",
    },
    fix: "The backend wrote them and relies on what they do; aim keeps them as they are. Nothing to do",
  },
]

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

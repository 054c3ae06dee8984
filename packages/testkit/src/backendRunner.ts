import { readFileSync } from "node:fs"
import { resolve } from "node:path"

/**
 * A simulation of the AIM backend's own migration runner, written from its documented behaviour
 * (schema-facts.md, "How the deployed AIM backend runs its migrations"), independent of aim's code:
 * it creates its ledger with its exact DDL, sorts its release's file names bytewise, skips
 * `*.down.sql`, runs each file whose name is not recorded in its own transaction with its ledger row,
 * and stops at the first error (the backend then exits). The backend's files are not ours to copy:
 * a file "runs" as the effect the facts give it where they give one (013 inserts the default admin
 * without a conflict clause; 034/038 set the admin password back to the published default) and as
 * a no-op otherwise; either way it is reported in `ran`, which is what an aim database must keep empty.
 */
export type BackendRelease = "guide" | "current"

const guideFiles = [
  "001_initial_schema.sql",
  "002_add_missing_user_columns.sql",
  "003_add_missing_agent_columns.sql",
  "004_create_mcp_servers_table.sql",
  "005_create_verification_events_table.sql",
  "006_add_password_hash_column.sql",
  "007_create_system_config_table.sql",
  "008_create_sdk_tokens_table.sql",
  "009_create_security_policies_table.sql",
  "010_create_analytics_tables.sql",
  "011_add_password_reset_fields.sql",
  "012_create_user_registration_requests_table.sql",
  "013_create_default_admin_user.sql",
  "014_fix_alerts_schema.sql",
  "015_add_default_security_policies.sql",
]

/** The image's ./migrations directory of each release: the up/down pair is there, the runner skips .down.sql. */
export const backendReleaseDirectory: Readonly<Record<BackendRelease, ReadonlyArray<string>>> = {
  guide: guideFiles,
  current: [
    ...guideFiles,
    "016_create_agent_capabilities_table.sql",
    "017_create_capability_violations_table.sql",
    "018_create_operational_metrics_tables.sql",
    "019_update_trust_scores_schema_for_8_factors.sql",
    "020_create_webhooks_tables.sql",
    "021_create_tags_tables.sql",
    "022_create_capability_requests_table.sql",
    "023_increase_api_key_prefix_length.sql",
    "024_fix_default_organization_auto_approve_sso.sql",
    "025_remove_auto_approve_sso.sql",
    "026_create_agent_capability_reports_table.sql",
    "027_create_security_anomalies_table.sql",
    "028_add_factors_column_to_trust_scores.sql",
    "029_set_default_values_for_trust_score_factors.sql",
    "030_fix_agents_trust_score_scale.sql",
    "031_normalize_trust_scores.sql",
    "032_add_changed_by_to_trust_score_history.sql",
    "033_backfill_verification_events.sql",
    "034_create_detections_table.sql",
    "034_reset_admin_password.sql",
    "035_create_agent_mcp_detections_table.sql",
    "036_create_mcp_server_capabilities_table.down.sql",
    "036_create_mcp_server_capabilities_table.up.sql",
    "037_add_last_active_to_agents.sql",
    "038_fix_admin_password_again.sql",
    "039_create_agent_mcp_connections_table.sql",
    "040_create_mcp_attestations_table.sql",
    "041_update_mcp_servers_for_attestation.sql",
  ],
}

/** The published default password's bcrypt hash, as the backend's 013/034/038 write it. */
export const publishedDefaultHash = "$2b$10$1fnIgWHDohYG6UclsowvGexBAoOpaM0LaEif67BhTpD7YOwAkFohO"

const resetAdminPassword = `UPDATE users SET password_hash = '${publishedDefaultHash}', force_password_change = TRUE WHERE email = 'admin@opena2a.org'`

/** What the facts say a backend file does, where it matters to an aim database. */
const knownEffects: Readonly<Record<string, ReadonlyArray<string>>> = {
  "013_create_default_admin_user.sql": [
    "INSERT INTO organizations (name, domain, plan_type) VALUES ('OpenA2A Admin', 'admin.opena2a.org', 'enterprise') ON CONFLICT (domain) DO NOTHING",
    `INSERT INTO users (organization_id, email, name, role, status, provider, provider_id, password_hash, email_verified, force_password_change)
     SELECT id, 'admin@opena2a.org', 'System Administrator', 'admin', 'active', 'local', 'admin@opena2a.org', '${publishedDefaultHash}', true, true
     FROM organizations WHERE domain = 'admin.opena2a.org'`,
  ],
  "034_reset_admin_password.sql": [resetAdminPassword],
  "038_fix_admin_password_again.sql": [resetAdminPassword],
}

/** A connection the runner talks through: a pg.Client or a PGlite instance. */
export interface RunnerConnection {
  readonly query: (sql: string, params?: Array<unknown>) => Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>> }>
}

export interface RunnerOutcome {
  /** Files the runner ran (and recorded): empty on a database that is the backend's own. */
  readonly ran: ReadonlyArray<string>
  /** The file it stopped at, with the server's message: the backend exits and never serves. */
  readonly failed?: { readonly file: string; readonly message: string }
}

const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** One start of the backend of `release` on the database behind `connection`. */
export const runBackendRunner = async (connection: RunnerConnection, release: BackendRelease): Promise<RunnerOutcome> => {
  await connection.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id SERIAL PRIMARY KEY, version VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
  )
  const recorded = new Set((await connection.query("SELECT version FROM schema_migrations")).rows.map((r) => String(r.version)))
  const files = [...backendReleaseDirectory[release]].filter((f) => !f.endsWith(".down.sql")).sort(bytewise)
  const ran: Array<string> = []
  for (const file of files) {
    if (recorded.has(file)) continue
    try {
      await connection.query("BEGIN")
      for (const statement of knownEffects[file] ?? []) await connection.query(statement)
      await connection.query("INSERT INTO schema_migrations (version) VALUES ($1)", [file])
      await connection.query("COMMIT")
      ran.push(file)
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => undefined)
      return { ran, failed: { file, message: error instanceof Error ? error.message : String(error) } }
    }
  }
  return { ran }
}

export interface ShapeColumn {
  readonly table: string
  readonly column: string
  /** As deployed-shapes.md prints it: `varchar(255)`, `numeric(5,2)`, `timestamptz`, `ARRAY`, ... */
  readonly type: string
  readonly notNull: boolean
}

/**
 * The tables and columns of a state in deployed-shapes.md (a verbatim copy of the spec beside the
 * fixtures), parsed from its "Tables and columns" section: the backend's catalog, not ours.
 */
export const deployedColumns = (state: "A" | "B"): ReadonlyArray<ShapeColumn> => {
  const text = readFileSync(resolve(import.meta.dirname, "../fixtures/deployed/deployed-shapes.md"), "utf8")
  const start = text.indexOf(`### ${state}: Tables and columns`)
  const end = text.indexOf("###", start + 4)
  if (start < 0 || end < 0) throw new Error(`deployed-shapes.md has no "${state}: Tables and columns" section`)
  const columns: Array<ShapeColumn> = []
  for (const line of text.slice(start, end).split("\n")) {
    const match = /^\*\*(\w+)\*\*: (.*)\.$/.exec(line.trim())
    if (match === null) continue
    const [, table, list] = match
    for (const part of (list ?? "").split("; ")) {
      const [column, type] = part.split(" ")
      if (column === undefined || type === undefined) continue
      columns.push({ table: table ?? "", column, type, notNull: part.endsWith(" not null") })
    }
  }
  return columns
}

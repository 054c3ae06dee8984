/**
 * The AIM backend's own migration runner (schema-facts.md, last section), which runs at every start
 * of the backend: it creates `public.schema_migrations`, runs in bytewise order every file of its
 * release whose name is not recorded there, and exits on the first error. An aim database records,
 * for each file of aim that ran, the backend files whose effect it provides, in the same transaction
 * as aim's own ledger row: a backend starting on it then runs nothing.
 */

/** The runner's ledger, created with exactly the runner's DDL when missing (never altered). */
export const backendLedgerTable = "public.schema_migrations"
export const backendLedgerDdl =
  "CREATE TABLE IF NOT EXISTS public.schema_migrations (id SERIAL PRIMARY KEY, version VARCHAR(255) NOT NULL UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"

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
] as const

const currentFiles = [
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
  "036_create_mcp_server_capabilities_table.up.sql",
  "037_add_last_active_to_agents.sql",
  "038_fix_admin_password_again.sql",
  "039_create_agent_mcp_connections_table.sql",
  "040_create_mcp_attestations_table.sql",
  "041_update_mcp_servers_for_attestation.sql",
] as const

export type BackendReleaseName = "guide" | "current"

/** The runner's `version` values of each release, in the runner's (bytewise) order. */
export const backendReleases: Readonly<Record<BackendReleaseName, ReadonlyArray<string>>> = {
  guide: guideFiles,
  current: currentFiles,
}

/** The newest backend release aim provides every file of: what `aim verify` expects recorded. */
export const supportedRelease: BackendReleaseName = "current"

/** Backend files that set the admin password back to the published default: never run, always recorded. */
export const passwordResettingFiles: ReadonlySet<string> = new Set(["034_reset_admin_password.sql", "038_fix_admin_password_again.sql"])

/**
 * Which backend files each aim migration's effect provides: the one place this is said (a test
 * checks that the current release's 42 files are each provided exactly once). Our 010 and 011 make
 * the guide's tables and columns; the backend's files of those names made others, which our 016
 * makes, so 016 records them.
 */
const guideProvidedByOwnName = guideFiles.filter((f) => f !== "010_create_analytics_tables.sql" && f !== "011_add_password_reset_fields.sql")

export const backendFilesProvided: ReadonlyMap<string, ReadonlyArray<string>> = new Map<string, ReadonlyArray<string>>([
  ...guideProvidedByOwnName.map((file) => [file, [file]] as const),
  [
    "016_create_backend_metrics_tables.sql",
    [
      "010_create_analytics_tables.sql",
      "011_add_password_reset_fields.sql",
      "018_create_operational_metrics_tables.sql",
      "019_update_trust_scores_schema_for_8_factors.sql",
      "028_add_factors_column_to_trust_scores.sql",
      "029_set_default_values_for_trust_score_factors.sql",
      "032_add_changed_by_to_trust_score_history.sql",
    ],
  ],
  [
    "017_create_backend_capability_tables.sql",
    [
      "016_create_agent_capabilities_table.sql",
      "017_create_capability_violations_table.sql",
      "022_create_capability_requests_table.sql",
      "026_create_agent_capability_reports_table.sql",
      "027_create_security_anomalies_table.sql",
    ],
  ],
  ["018_create_backend_webhook_and_tag_tables.sql", ["020_create_webhooks_tables.sql", "021_create_tags_tables.sql"]],
  [
    "019_create_backend_mcp_tables.sql",
    [
      "034_create_detections_table.sql",
      "035_create_agent_mcp_detections_table.sql",
      "036_create_mcp_server_capabilities_table.up.sql",
      "039_create_agent_mcp_connections_table.sql",
      "040_create_mcp_attestations_table.sql",
      "041_update_mcp_servers_for_attestation.sql",
    ],
  ],
  [
    "020_align_columns_with_backend.sql",
    [
      "023_increase_api_key_prefix_length.sql",
      "024_fix_default_organization_auto_approve_sso.sql",
      "025_remove_auto_approve_sso.sql",
      "030_fix_agents_trust_score_scale.sql",
      "031_normalize_trust_scores.sql",
      "033_backfill_verification_events.sql",
      "034_reset_admin_password.sql",
      "037_add_last_active_to_agents.sql",
      "038_fix_admin_password_again.sql",
    ],
  ],
])

/** The backend files a migration's effect provides (none for a file aim does not ship). */
export const providedBy = (migrationName: string): ReadonlyArray<string> => backendFilesProvided.get(migrationName) ?? []

const knownBackendFiles: ReadonlySet<string> = new Set(currentFiles)

/** Is `version` a file of a backend release aim knows? */
export const isKnownBackendFile = (version: string): boolean => knownBackendFiles.has(version)

/** What an aim database offers the backend: the newest release whose every file aim's applied files provide. */
export interface BackendServing {
  /** `current` or `guide`; `none` while a file of the guide's release is not provided yet. */
  readonly release: BackendReleaseName | "none"
  /** Provided by an applied file but not recorded in public.schema_migrations (aim migrate records them). */
  readonly unrecorded: ReadonlyArray<string>
  /** Recorded by the backend but of no release aim knows (a newer backend release). */
  readonly unknown: ReadonlyArray<string>
  /** The runner ledger's rows as read, sorted (undefined: no such ledger), for the checks that follow the read. */
  readonly recorded: ReadonlyArray<string> | undefined
}

export const backendServing = (appliedNames: ReadonlyArray<string>, backendLedger: ReadonlyArray<string> | undefined): BackendServing => {
  const provided = new Set(appliedNames.flatMap(providedBy))
  const serves = (release: BackendReleaseName) => backendReleases[release].every((f) => provided.has(f))
  const recorded = new Set(backendLedger ?? [])
  return {
    release: serves("current") ? "current" : serves("guide") ? "guide" : "none",
    unrecorded: [...provided].filter((f) => !recorded.has(f)).sort(),
    unknown: [...recorded].filter((f) => !knownBackendFiles.has(f)).sort(),
    recorded: backendLedger === undefined ? undefined : [...backendLedger].sort(),
  }
}

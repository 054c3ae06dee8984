/**
 * Everything the tests reach for: the public surface (index.ts) and the internals a test needs by
 * name (ledger SQL, plan computation, lock tables, telemetry metrics, …). Not for applications:
 * what is here and not in index.ts may change without notice.
 */

// Runtime: the one wiring (AimLive), the one server/embedded switch, scratch databases and fleets.
export { AimLive, type AimOptions, AimServicesLive, type AimServicesOptions } from "./runtime/AimLive.js"
export { DatabaseLive, InMemoryDatabase, databaseFor, withScratchDatabase } from "./database/databases.js"
export { type FleetProblem, type FleetResult, type FleetTarget, type Shard, inShard, migrateFleet, parseFleet, parseShard, shardOf } from "./runtime/fleet.js"

// Configuration: every variable read and validated at once.
export { AimConfig, type AimConfigShape, type ParsedConfig, parseConfig, readConfig } from "./config/AimConfig.js"
export { ConfigError, type ConfigProblem } from "./config/ConfigError.js"
export {
  type DatabaseSettings,
  type EmbeddedDatabase,
  type ServerDatabase,
  type SslMode,
  describeDatabase,
  overriddenNotice,
  requiredPostgresVariables,
} from "./config/DatabaseConfig.js"
export { type AppSettings, type RedisSettings, type SmtpSettings, invalidSettings } from "./config/ServicesConfig.js"
export { type Env, loadEnv, read, readPort, readWhole } from "./config/env.js"
export { type ServeSettings, readServeSettings } from "./config/ServerConfig.js"

// Database: a server or the embedded PGlite behind one service.
export { Database, type DatabaseShape, type Row, type Session, transaction } from "./database/Database.js"
export { type PgOptions, applicationName } from "./database/PgDatabase.js"
export { ConnectionError, ScratchUnavailable, SqlError, isTransient } from "./database/SqlError.js"
export type { CatalogChange } from "./database/catalogSnapshot.js"

// Migrations: files, ledger, lock, migrator and ledger administration.
export type { AppliedMigration, Migration } from "./migrations/Migration.js"
export {
  MigrationSource,
  MigrationSourceLive,
  fileNamePattern,
  isTransactional,
  loadMigrations,
  noTransactionDirective,
  textProblems,
} from "./migrations/MigrationSource.js"
export { MigrationSourceError, MigrationsDirectoryMissing, type SourceProblem } from "./migrations/MigrationSourceError.js"
export type { AppliedEntry, PendingMigration, Plan, Refusal, RefusalKind } from "./migrations/ledgerPlan.js"
export type { LedgerMethod } from "./migrations/Ledger.js"
export { type BackendReleaseName, type BackendServing, backendReleases, supportedRelease } from "./migrations/backendRelease.js"
export { type BlockingSession, type LockHolder, LockWaitTimeout, describeBlocker, describeHolder, lockHolder, lockKeys } from "./migrations/MigrationLock.js"
export {
  type ApplyOptions,
  type ApplyReport,
  type AppliedNow,
  type MigrationEvent,
  Migrator,
  type MigratorError,
  MigratorLive,
  type MigratorOptions,
  type MigratorShape,
  type StatusReport,
  lockDefaults,
} from "./migrations/Migrator.js"
export { type DataLoss, LedgerUnsafe, MigrationFailed, MigrationRefused, RollbackRefused, ServerTooOld } from "./migrations/MigratorError.js"
export { CheckFailed, type MigrationCheck, readChecks } from "./migrations/fileChecks.js"
export {
  type AdoptReport,
  type AdoptedFile,
  type BaselineReport,
  LedgerAdmin,
  type LedgerAdminError,
  LedgerAdminLive,
  LedgerAdminRefused,
  type RepairReport,
} from "./migrations/LedgerAdmin.js"
export { shippedMigrations } from "./migrations/shipped.js"
export { ReplayProgress, executeFile } from "./migrations/replay.js"
export { checksumOf } from "./migrations/checksum.js"

// Before and after a migration: the lock-impact plan of pending files, drift of the live database.
export {
  type LockPlan,
  type PlanInput,
  type PlannedFile,
  type PlannedStatement,
  type RelationSize,
  type Risk,
  atLeast,
  planLocks,
  planRisk,
  risks,
} from "./impact/LockPlan.js"
export { type LockMode, type RelationLock, lockModes } from "./impact/statementLocks.js"
export {
  type Difference,
  type DriftReport,
  type ObjectType,
  detectDrift,
  driftAgainst,
  driftOfApplied,
  expectedCatalogOf,
  replayedCatalogOf,
} from "./drift/Drift.js"
export { shippedCatalogOf } from "./drift/shippedCatalog.js"

// Verification and environment checks.
export { Verifier, VerifierLive, type VerifierShape } from "./verify/Verifier.js"
export type { Check, CheckStatus, VerifyReport } from "./verify/VerifyReport.js"
export { blockingFailures } from "./verify/VerifyReport.js"
export { defaultAdmin, defaultPolicies, enforcedPolicy, expectedTables } from "./verify/expectations.js"
export { type DoctorOptions, runDoctor } from "./doctor/Doctor.js"

// The services a running backend adds: cache, mail, health.
export { Cache, type CacheShape, type CacheStatus, RedisError } from "./cache/Cache.js"
export { CacheLive } from "./runtime/CacheLive.js"
export { MemoryCacheLive } from "./cache/MemoryCache.js"
export { type RedisOptions, RedisCacheLive } from "./cache/RedisCache.js"
export { Mailer, MailerLive, type MailerOptions, type MailerShape, type SmtpCheck, SmtpError, SmtpNotConfigured, makeMailer } from "./mail/Mailer.js"
export { type Email, approvalEmail, welcomeEmail } from "./mail/templates.js"
export {
  type Dependency,
  type HealthOptions,
  HealthReport,
  HealthReportLive,
  type HealthReportShape,
  type Liveness,
  type MigrationsView,
  type Readiness,
  type Reason,
} from "./health/HealthReport.js"

// Authoring: lint, idempotency proof.
export { type LintFinding, type LintInput, type LintRule, type Severity, lintMigration, lintMigrations, lintRules } from "./authoring/lint.js"
export { WorkloadUnavailable, parseWorkload, pendingLockPlan, pendingLockPlanWith, readWorkload } from "./workload/workload.js"
export { type ParsedStatement, SqlParseError, createdTables, parseScript, relationName } from "./migrations/sqlAnalysis.js"
export { type IdempotencyFinding, type IdempotencyReport, ReplayFailed, proveIdempotent } from "./authoring/proveIdempotent.js"
export { proveOnScratch } from "./authoring/scratch.js"

// OpenTelemetry: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
export {
  ErrorCodes,
  TelemetryLive,
  type TelemetrySettings,
  lockWait,
  migrationDuration,
  pendingMigrations,
  readTelemetrySettings,
  traced,
} from "./telemetry/Telemetry.js"

// Errors and the troubleshooting catalog they map to; output hygiene.
export { type AimError, type Diagnosis, codedLine, diagnose, explain, refusalEntry } from "./troubleshooting/diagnose.js"
export { type CatalogEntry, catalog, catalogEntries, docsPath, entryDocument, findEntry, pasted } from "./troubleshooting/catalog.js"
export { scrub, scrubValue, secretsOf, withoutUrlCredentials } from "./output/redact.js"
export { type RollbackPlan, type RollbackProof, type RollbackReport, acceptBackendRelease, proveRollback, rollback } from "./rollback/Rollback.js"

/**
 * The public surface of @aim/core: the runtime that wires everything, the services and their
 * layers, the reports they return, the errors they fail with and the troubleshooting catalog those
 * errors map to. Anything not exported here (ledger SQL, statement splitting, plan computation,
 * catalog snapshots) is internal and may change without notice.
 *
 * The flow: environment → config → database → migration files → migrator → reports → front ends.
 */

// Runtime: the one wiring (AimLive), the one server/embedded switch, scratch databases and fleets.
export { AimLive, AimServicesLive } from "./runtime/AimLive.js"
export { DatabaseLive, InMemoryDatabase, databaseFor } from "./database/databases.js"
export { type FleetResult, type FleetTarget, type Shard, inShard, migrateFleet, parseFleet, parseShard, shardOf } from "./runtime/fleet.js"

// Configuration: every variable read and validated at once.
export { AimConfig, ServicesConfig, parseConfig, readConfig } from "./config/AimConfig.js"
export { ConfigError, type ConfigProblem } from "./config/ConfigError.js"
export { describeDatabase, overriddenNotice } from "./config/DatabaseConfig.js"
export { invalidSettings } from "./config/ServicesConfig.js"
export { type Env, loadEnv, read, readWhole } from "./config/env.js"
export { readServeSettings } from "./config/ServerConfig.js"

// Database: a server or the embedded PGlite behind one service.
export { Database } from "./database/Database.js"

export { ConnectionError, ScratchUnavailable, isTransient } from "./database/SqlError.js"
export type { CatalogChange } from "./database/catalogSnapshot.js"

// Migrations: files, ledger, lock, migrator and ledger administration.
export { type Migration, versionLabel } from "./source/Migration.js"
export { MigrationSource, MigrationSourceLive, fileNamePattern, isTransactional, loadMigrations, textProblems } from "./source/MigrationSource.js"
export { MigrationSourceError, MigrationsDirectoryMissing } from "./source/MigrationSourceError.js"
export { type BackendReleaseName, type BackendServing, backendReleases } from "./aim/backendRelease.js"
export type { AppliedEntry, CoLedgerServing, FilesPlan, PendingMigration, Plan, Refusal, RefusalKind } from "./ledger/ledgerPlan.js"
// Types only: naming them keeps proveIdempotent.ts out of the chunk every command loads.
export type { IdempotencyFinding, IdempotencyReport, ReplayFailed } from "./authoring/proveIdempotent.js"
export { describeHolder, lockHolder } from "./migrator/MigrationLock.js"
export {
  type ApplyOptions,
  type AppliedNow,
  type ApplyReport,
  type MigrationEvent,
  Migrator,
  type MigratorError,
  MigratorLive,
  type MigratorOptions,
  type MigratorShape,
  type StatusReport,
  lockDefaults,
} from "./migrator/Migrator.js"
export { AimProductLive } from "./aim/product.js"

export { type AdoptReport, type AdoptedFile, type BaselineReport, LedgerAdmin, type LedgerAdminError, type RepairReport } from "./migrator/LedgerAdmin.js"

export { checksumOf } from "./source/checksum.js"
export { ReplayProgress, executeFile } from "./migrator/replay.js"

// The lock-impact plan, drift, the environment checks, lint, the idempotency proof and rollback are
// entries of their own (@aim/core/plan, /drift, /doctor, /authoring, /rollback): only the command that
// asks for one loads it, and the CLI's bundle puts each in that command's chunk, not one chunk for all.

// Verification and environment checks.
export { Verifier } from "./verify/Verifier.js"
export type { VerifyReport } from "./verify/VerifyReport.js"
export { blockingFailures } from "./verify/VerifyReport.js"
export { expectedTables } from "./verify/expectations.js"

// The services a running backend adds: cache, mail, health.
export { Cache } from "./cache/Cache.js"

export { Mailer } from "./mail/Mailer.js"

export { type HealthOptions, HealthReport, type Readiness } from "./health/HealthReport.js"

// SQL as PostgreSQL's parser reads it (libpg-query, loaded on first use).
export { type ParsedStatement, createdTables, parseScript, relationName } from "./sql/sqlAnalysis.js"

// OpenTelemetry: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
export { ErrorCodes, TelemetryLive, type TelemetrySettings, traced } from "./telemetry/Telemetry.js"

// Errors and the troubleshooting catalog they map to; output hygiene.
export { type AimError, type Diagnosis, codedLine, diagnose, explain } from "./diagnose/diagnose.js"
export { type CatalogEntry, catalog, catalogEntries, docsPath, entryDocument, findEntry, pasted } from "./errors/catalog.js"
export { scrub, scrubValue, secretsOf, withoutUrlCredentials } from "./output/redact.js"

// The errors the services fail with (every member of AimError), for callers that handle one by its tag.
export { SqlError } from "./database/SqlError.js"
export { type DataLoss, MigrationFailed, MigrationRefused, RollbackRefused, ServerTooOld } from "./migrator/MigratorError.js"
export { LedgerUnsafe } from "./ledger/Ledger.js"
export { CheckFailed } from "./source/fileChecks.js"
export { LedgerAdminRefused } from "./migrator/LedgerAdmin.js"
export { LockWaitTimeout } from "./migrator/MigrationLock.js"
export { RedisError } from "./cache/Cache.js"
export { SmtpError, SmtpNotConfigured } from "./mail/Mailer.js"
export { SqlParseError } from "./sql/sqlAnalysis.js"
// The shapes of the configuration and the database, which the services above take and return.
export type { AimConfigShape, ServicesConfigShape } from "./config/AimConfig.js"
export type { DatabaseSettings, ServerDatabase, EmbeddedDatabase } from "./config/DatabaseConfig.js"
export type { DatabaseShape, Session } from "./database/Database.js"

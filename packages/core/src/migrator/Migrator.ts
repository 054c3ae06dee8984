import { Context, Duration, Effect, Layer, Metric } from "effect"
import { Database, transaction } from "../database/Database.js"
import type { ConnectionError, SqlError } from "../database/SqlError.js"
import { type Ledgers, appliedByLabel, ensureLedger, planOf, readLedgersOnce, readPlan, recordCoLedger } from "../ledger/Ledger.js"
import { CoLedger, type CoLedgerShape } from "../ledger/CoLedger.js"
import { ShippedFiles } from "../source/ShippedFiles.js"
import type { Migration } from "../source/Migration.js"
import { MigrationSource } from "../source/MigrationSource.js"
import { MigrationSourceError, type MigrationsDirectoryMissing } from "../source/MigrationSourceError.js"
import type { LockHolder, LockWaitTimeout } from "./MigrationLock.js"
import { type MigrationRetry, type MigratorOptions, configuredLocking, lockedSession, runMigration, transactionControl } from "./MigrationSession.js"
import { lockWait, migrationDuration, pendingMigrations, traced } from "../telemetry/Telemetry.js"
import type { CheckFailed } from "../source/fileChecks.js"
import { type MigrationFailed, MigrationRefused, type ServerTooOld } from "./MigratorError.js"
import type { LedgerUnsafe } from "../ledger/Ledger.js"
import type { Plan, Refusal } from "../ledger/ledgerPlan.js"

export { type LockedSessionOptions, type MigratorOptions, lockDefaults, lockSettings } from "./MigrationSession.js"

export type MigrationEvent =
  | { readonly _tag: "LockWaiting"; readonly holder: LockHolder | undefined }
  | { readonly _tag: "LockAcquired" }
  | { readonly _tag: "MigrationStarted"; readonly version: number; readonly name: string }
  | { readonly _tag: "MigrationApplied"; readonly version: number; readonly name: string; readonly durationMs: number }
  /** The file lost a lock race with the application (lock_timeout or a deadlock): rolled back, it runs again after `waitMs`. */
  | ({ readonly _tag: "MigrationRetrying"; readonly version: number; readonly name: string } & MigrationRetry)

export interface ApplyOptions {
  /** Apply up to and including this version only. */
  readonly upTo?: number
  /**
   * The checksums an approval saw (version → checksum; an agent's plan): checked under the lock, right
   * before anything runs, so a file edited after its plan was approved is refused, never applied.
   */
  readonly approved?: ReadonlyMap<number, string>
  readonly onEvent?: (event: MigrationEvent) => Effect.Effect<void>
}

export interface StatusReport extends Plan {
  readonly database: string
  readonly directory: string
  readonly upToDate: boolean
}

export interface AppliedNow {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly durationMs: number
}

export interface ApplyReport {
  readonly database: string
  readonly directory: string
  readonly applied: ReadonlyArray<AppliedNow>
  /** The files against the ledgers as this run left them (computed from what it read and wrote, not read again). */
  readonly status: StatusReport
  /** Still pending afterwards (only with `upTo`). */
  readonly pending: ReadonlyArray<{ readonly version: number; readonly name: string }>
  /**
   * Records written to the co-ledger (the backend's public.schema_migrations) for files applied before
   * this run (by an earlier aim release, or before that ledger existed); files applied now record their own.
   */
  readonly backendRecorded: ReadonlyArray<string>
  /** Files in the ledger newer than every file here: a newer release applied them; left as they are. */
  readonly ahead: ReadonlyArray<string>
  /** Files that lost a lock race with the application and ran again (each retry once). */
  readonly retries: ReadonlyArray<{ readonly version: number; readonly name: string } & MigrationRetry>
  readonly durationMs: number
}

export type MigratorError =
  | CheckFailed
  | ServerTooOld
  | MigrationSourceError
  | MigrationsDirectoryMissing
  | MigrationRefused
  | MigrationFailed
  | LedgerUnsafe
  | LockWaitTimeout
  | SqlError
  | ConnectionError

export interface MigratorShape {
  /** Ledger against files, read-only: applied, pending (with reasons) and refusals. */
  readonly status: Effect.Effect<StatusReport, Exclude<MigratorError, MigrationRefused | MigrationFailed | LockWaitTimeout | CheckFailed>>
  /** The same, for files already read: a long-running process (the health endpoint) reads them once. */
  readonly statusOf: (migrations: ReadonlyArray<Migration>) => Effect.Effect<StatusReport, SqlError>
  /** Applies what is pending under the migration lock, one transaction per file. */
  readonly apply: (options?: ApplyOptions) => Effect.Effect<ApplyReport, MigratorError>
}

export class Migrator extends Context.Tag("@aim/core/Migrator")<Migrator, MigratorShape>() {}

export const makeMigrator = (options: MigratorOptions = {}) =>
  Effect.gen(function* () {
    const db = yield* Database
    const source = yield* MigrationSource
    const coLedger = yield* CoLedger
    const shipped = yield* ShippedFiles
    const locking = yield* configuredLocking(options)
    const appliedBy = appliedByLabel()

    const report = (plan: Plan): StatusReport => ({
      database: db.target,
      directory: source.directory,
      ...plan,
      upToDate: plan.pending.length === 0 && plan.refusals.length === 0,
    })
    const statusOf: MigratorShape["statusOf"] = (migrations) => Effect.map(readPlan(db.query, migrations, coLedger, shipped), report)

    const status: MigratorShape["status"] = Effect.flatMap(source.load, statusOf)

    const apply = (applyOptions: ApplyOptions = {}) =>
      Effect.scoped(
        Effect.gen(function* () {
          const emit = applyOptions.onEvent ?? (() => Effect.void)
          const started = performance.now()
          const migrations = yield* source.load
          const [waited, session] = yield* Effect.timed(
            lockedSession(db, { ...locking, onWait: (holder) => emit({ _tag: "LockWaiting", holder }) }).pipe(
              traced("aim.lock.wait", { "aim.database": db.target }),
            ),
          )
          yield* Metric.update(lockWait, Duration.toMillis(waited))
          yield* emit({ _tag: "LockAcquired" })
          // Read after the lock is held: another replica may have applied everything meanwhile.
          const ledgers = yield* readLedgersOnce(session, coLedger)
          const plan = planOf(migrations, ledgers, coLedger, shipped)
          yield* Metric.set(pendingMigrations, plan.pending.length)
          // Rows a newer release applied (a rolling update, or a rollback to this release) are not this
          // release's to refuse: its own files are what it checks and applies.
          const refusals = plan.refusals.filter((r) => !plan.ahead.includes(r))
          if (refusals.length > 0) return yield* new MigrationRefused({ refusals })
          const byVersion = new Map(migrations.map((m) => [m.version, m]))
          const todo = plan.pending.filter((p) => applyOptions.upTo === undefined || p.version <= applyOptions.upTo)
          const unapproved =
            applyOptions.approved === undefined
              ? []
              : todo
                  .filter((p) => applyOptions.approved?.get(p.version) !== p.checksum)
                  .map(
                    (p): Refusal => ({
                      kind: "not-approved",
                      version: p.version,
                      name: p.name,
                      detail: `${p.name} is not the content the plan approved (${applyOptions.approved?.has(p.version) ? "edited since" : "not in the plan"}): nothing was applied`,
                    }),
                  )
          if (unapproved.length > 0) return yield* new MigrationRefused({ refusals: unapproved })
          // Refused before the ledger is created: a refusal leaves no trace.
          const controlled = yield* transactionControl(todo.flatMap((p) => byVersion.get(p.version) ?? []))
          if (controlled.length > 0) return yield* new MigrationSourceError({ directory: source.directory, problems: controlled })
          if (plan.pending.length > 0) yield* ensureLedger(session.query, coLedger)
          const applied: Array<AppliedNow & { readonly method: "applied" | "revised" }> = []
          const retries: Array<ApplyReport["retries"][number]> = []
          for (const pending of todo) {
            const migration = byVersion.get(pending.version)
            if (migration === undefined) continue
            yield* emit({ _tag: "MigrationStarted", version: migration.version, name: migration.name })
            const durationMs = yield* runMigration(session, migration, appliedBy, pending.revision === true ? "revised" : "applied", {
              coLedger,
              shipped,
              lockTimeoutMs: locking.lockTimeoutMs,
              onRetry: (retry) =>
                Effect.zipRight(
                  Effect.sync(() => retries.push({ version: migration.version, name: migration.name, ...retry })),
                  emit({ _tag: "MigrationRetrying", version: migration.version, name: migration.name, ...retry }),
                ),
            }).pipe(
              traced(`aim.migration ${migration.name}`, {
                "aim.migration.version": migration.version,
                "aim.migration.name": migration.name,
                "aim.migration.checksum": migration.checksum,
                "aim.database": db.target,
              }),
            )
            yield* Metric.update(migrationDuration, durationMs)
            applied.push({
              version: migration.version,
              name: migration.name,
              checksum: migration.checksum,
              durationMs,
              method: pending.revision === true ? "revised" : "applied",
            })
            yield* emit({ _tag: "MigrationApplied", version: migration.version, name: migration.name, durationMs })
          }
          // An aim database built by an earlier release lacks the co-ledger's records of what it applied.
          const backendRecorded = plan.coLedger.unrecorded
          if (backendRecorded.length > 0) yield* transaction(session, recordCoLedger(session, coLedger, backendRecorded))
          return {
            database: db.target,
            directory: source.directory,
            applied: applied.map(({ method: _method, ...now }) => now),
            status: report(planOf(migrations, afterRun(coLedger, ledgers, applied, appliedBy, backendRecorded), coLedger, shipped)),
            backendRecorded,
            ahead: plan.ahead.map((r) => r.name),
            retries,
            pending: plan.pending.filter((p) => !todo.includes(p)).map((p) => ({ version: p.version, name: p.name })),
            durationMs: Math.round(performance.now() - started),
          } satisfies ApplyReport
        }),
      )

    return Migrator.of({ status, statusOf, apply })
  })

/**
 * The ledgers after a run, from the ones read under the lock and the rows the run wrote: what the
 * verification that follows needs, without reading either ledger again.
 */
const afterRun = (
  coLedger: CoLedgerShape,
  before: Ledgers,
  applied: ReadonlyArray<AppliedNow & { readonly method: string }>,
  appliedBy: string,
  backendRecorded: ReadonlyArray<string>,
): Ledgers => {
  const appliedAt = new Date().toISOString()
  const written = new Map(
    applied.map((a) => [
      a.version,
      { version: a.version, name: a.name, checksum: a.checksum, appliedAt, durationMs: a.durationMs, appliedBy, method: a.method },
    ]),
  )
  const ledger = [...before.ledger.filter((row) => !written.has(row.version)), ...written.values()].sort((a, b) => a.version - b.version)
  const recorded = [...backendRecorded, ...applied.flatMap((a) => coLedger.provides(a.name))]
  return { ledger, coLedger: coLedger.withRecorded(before.coLedger, recorded) }
}

export const MigratorLive = (options: MigratorOptions = {}): Layer.Layer<Migrator, never, Database | MigrationSource | CoLedger | ShippedFiles> =>
  Layer.effect(Migrator, makeMigrator(options))

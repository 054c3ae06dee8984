import { Context, Duration, Effect, Layer, Metric } from "effect"
import { Database, transaction } from "../database/Database.js"
import type { ConnectionError, SqlError } from "../database/SqlError.js"
import { appliedByLabel, ensureLedger, readPlan, recordBackendFiles } from "./Ledger.js"
import type { Migration } from "./Migration.js"
import { MigrationSource } from "./MigrationSource.js"
import { MigrationSourceError, type MigrationsDirectoryMissing } from "./MigrationSourceError.js"
import type { LockHolder, LockWaitTimeout } from "./MigrationLock.js"
import { type MigratorOptions, lockSettings, lockedSession, runMigration, transactionControl } from "./MigrationSession.js"
import { lockWait, migrationDuration, pendingMigrations, traced } from "../telemetry/Telemetry.js"
import type { CheckFailed } from "./checks.js"
import { type MigrationFailed, MigrationRefused, type ServerTooOld } from "./MigratorError.js"
import type { Plan, Refusal } from "./plan.js"

export { type LockedSessionOptions, type MigratorOptions, lockDefaults, lockSettings } from "./MigrationSession.js"

export type MigrationEvent =
  | { readonly _tag: "LockWaiting"; readonly holder: LockHolder | undefined }
  | { readonly _tag: "LockAcquired" }
  | { readonly _tag: "MigrationStarted"; readonly version: number; readonly name: string }
  | { readonly _tag: "MigrationApplied"; readonly version: number; readonly name: string; readonly durationMs: number }

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
  /** Still pending afterwards (only with `upTo`). */
  readonly pending: ReadonlyArray<{ readonly version: number; readonly name: string }>
  /**
   * Backend files recorded in public.schema_migrations for files applied before this run (by an
   * earlier aim release, or before a backend ledger existed); files applied now record their own.
   */
  readonly backendRecorded: ReadonlyArray<string>
  readonly durationMs: number
}

export type MigratorError =
  | CheckFailed
  | ServerTooOld
  | MigrationSourceError
  | MigrationsDirectoryMissing
  | MigrationRefused
  | MigrationFailed
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
    const locking = lockSettings(options)
    const appliedBy = appliedByLabel()

    const statusOf: MigratorShape["statusOf"] = (migrations) =>
      Effect.map(readPlan(db.query, migrations), (plan) => ({
        database: db.target,
        directory: source.directory,
        ...plan,
        upToDate: plan.pending.length === 0 && plan.refusals.length === 0,
      }))

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
          const plan = yield* readPlan(session.query, migrations)
          yield* Metric.set(pendingMigrations, plan.pending.length)
          if (plan.refusals.length > 0) return yield* new MigrationRefused({ refusals: plan.refusals })
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
          if (plan.pending.length > 0) yield* ensureLedger(session.query)
          const applied: Array<AppliedNow> = []
          for (const pending of todo) {
            const migration = byVersion.get(pending.version)
            if (migration === undefined) continue
            yield* emit({ _tag: "MigrationStarted", version: migration.version, name: migration.name })
            const durationMs = yield* runMigration(session, migration, appliedBy, pending.revision === true ? "revised" : "applied").pipe(
              traced(`aim.migration ${migration.name}`, {
                "aim.migration.version": migration.version,
                "aim.migration.name": migration.name,
                "aim.migration.checksum": migration.checksum,
                "aim.database": db.target,
              }),
            )
            yield* Metric.update(migrationDuration, durationMs)
            applied.push({ version: migration.version, name: migration.name, checksum: migration.checksum, durationMs })
            yield* emit({ _tag: "MigrationApplied", version: migration.version, name: migration.name, durationMs })
          }
          // An aim database built by an earlier release lacks the backend's records of what it applied.
          const backendRecorded = plan.backend.unrecorded
          if (backendRecorded.length > 0) yield* transaction(session, recordBackendFiles(session, backendRecorded))
          return {
            database: db.target,
            directory: source.directory,
            applied,
            backendRecorded,
            pending: plan.pending.filter((p) => !todo.includes(p)).map((p) => ({ version: p.version, name: p.name })),
            durationMs: Math.round(performance.now() - started),
          } satisfies ApplyReport
        }),
      )

    return Migrator.of({ status, statusOf, apply })
  })

export const MigratorLive = (options: MigratorOptions = {}): Layer.Layer<Migrator, never, Database | MigrationSource> =>
  Layer.effect(Migrator, makeMigrator(options))

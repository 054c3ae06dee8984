import { Context, Data, Effect, Layer, Option } from "effect"
import { type CatalogChange, type CatalogSnapshot, catalogSnapshot, diffSnapshots } from "../database/catalogSnapshot.js"
import { Database, type DatabaseShape, type Session, asAim, asFiles, transaction } from "../database/Database.js"
import { appliedByLabel, ensureLedger, ledgerSchema, ledgerTable, readLedger, readPlan, recordApplied, recordCoLedger } from "../ledger/Ledger.js"
import { CoLedger, type CoLedgerShape } from "../ledger/CoLedger.js"
import { ShippedFiles, type ShippedFilesShape, isShipped } from "../source/ShippedFiles.js"
import { type Migration, versionLabel } from "../source/Migration.js"
import { MigrationSource, descriptionOf } from "../source/MigrationSource.js"
import {
  type LockedSessionOptions,
  type MigratorOptions,
  configuredLocking,
  failed,
  lockedSession,
  runMigration,
  shippedFailure,
  transactionControl,
} from "./MigrationSession.js"
import { MigrationSourceError } from "../source/MigrationSourceError.js"
import type { CheckFailed } from "../source/fileChecks.js"
import { type MigrationFailed, MigrationRefused } from "./MigratorError.js"
import type { LedgerUnsafe } from "../ledger/Ledger.js"
import { computePlan } from "../ledger/ledgerPlan.js"
import { withScratchDatabase } from "../database/databases.js"
import { AimConfig } from "../config/AimConfig.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { replayFiles } from "./replay.js"

/** A ledger operation that was refused; nothing was changed. */
export class LedgerAdminRefused extends Data.TaggedError("LedgerAdminRefused")<{
  readonly operation: "adopt" | "repair" | "baseline"
  readonly message: string
}> {}

/** What aim adopt did (or, with --dry-run, would do) with one file. */
export interface AdoptedFile {
  readonly version: number
  readonly name: string
  /**
   * `ran`: run in its own transaction with its ledger row (an idempotent file converging the
   * database); `recorded`: the deployed backend applied it and it is not one of aim's shipped files,
   * so running it again could undo an operator's work: recorded without running.
   */
  readonly action: "ran" | "recorded"
  /** The deployed ledger's name for it, when the deployed backend applied it. */
  readonly deployedAs?: string
  /** The catalog diff the file caused: objects added, altered or removed, and row counts. */
  readonly changes: ReadonlyArray<CatalogChange>
  readonly durationMs: number
}

export interface AdoptReport {
  readonly database: string
  readonly dryRun: boolean
  /** Rows in the deployed backend's public.schema_migrations. */
  readonly deployedLedger: number
  readonly files: ReadonlyArray<AdoptedFile>
  /** In the deployed backend's ledger but of no backend release aim knows, nor in the migrations directory. */
  readonly unknownInLegacy: ReadonlyArray<string>
  /** Backend files recorded in public.schema_migrations because aim's files now provide them. */
  readonly backendRecorded: ReadonlyArray<string>
}

export interface RepairReport {
  readonly version: number
  readonly name: string
  readonly oldChecksum: string
  readonly newChecksum: string
  readonly repairedBy: string
}

export interface BaselineReport {
  readonly recorded: ReadonlyArray<string>
  /** Catalog objects the files up to N create, all found in the database. */
  readonly checkedObjects: number
}

export type LedgerAdminError =
  | CheckFailed
  | LedgerAdminRefused
  | MigrationRefused
  | MigrationFailed
  | LedgerUnsafe
  | Effect.Effect.Error<ReturnType<typeof lockedSession>>
  | Effect.Effect.Error<MigrationSource["Type"]["load"]>

export interface LedgerAdminShape {
  /**
   * Takes over a database the deployed AIM backend migrated: under the migration lock, runs each
   * file not yet in aim's ledger in its own transaction with its ledger row (the files are
   * idempotent and converge the deployed schema), and reports each file's catalog diff. With
   * `dryRun` the same runs happen inside one transaction that is always rolled back.
   */
  readonly adopt: (options?: { readonly dryRun?: boolean }) => Effect.Effect<AdoptReport, LedgerAdminError>
  /** Re-records an applied file's checksum after a reviewed edit; logged in aim_migrations.repairs. */
  readonly repair: (version: number) => Effect.Effect<RepairReport, LedgerAdminError>
  /** Records 1..version as applied on a hand-built database, after checking it has what they create. */
  readonly baseline: (version: number) => Effect.Effect<BaselineReport, LedgerAdminError>
}

export class LedgerAdmin extends Context.Tag("@aim/core/LedgerAdmin")<LedgerAdmin, LedgerAdminShape>() {}

// Row counts in adopt's diffs are bounded scans: a production audit_logs with millions of rows stays cheap.
const adoptRowCountCap = 100_000

/** What each ledger operation works with: the database, the migration files and the lock settings. */
interface AdminContext {
  readonly db: DatabaseShape
  readonly source: MigrationSource["Type"]
  readonly locking: LockedSessionOptions
  /** Where baseline replays files 1..N: AIM_SCRATCH_DATABASE_URL's server, else an in-memory PGlite (as drift). */
  readonly scratch: DatabaseSettings | undefined
  /** The other runner's ledger: what adopt takes over from, what baseline refuses beside. */
  readonly coLedger: CoLedgerShape
  readonly shipped: ShippedFilesShape
}

/** Ledger-only changes (repair, baseline) hold the migration lock and run in one transaction. */
const locked = <A, E>({ db, locking, coLedger }: AdminContext, f: (session: Session) => Effect.Effect<A, E>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const session = yield* lockedSession(db, locking)
      yield* ensureLedger(session.query, coLedger)
      return yield* transaction(session, f(session))
    }),
  )

const adopt = ({ db, source, locking, coLedger, shipped }: AdminContext, adoptOptions: { readonly dryRun?: boolean } = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const dryRun = adoptOptions.dryRun === true
      const migrations = yield* source.load
      const session = yield* lockedSession(db, locking)
      const adoptable = coLedger.adoptable(yield* coLedger.read(session.query))
      if ("refused" in adoptable) return yield* new LedgerAdminRefused({ operation: "adopt", message: adoptable.refused })
      const legacy = adoptable.deployed
      const ledger = yield* readLedger(session.query)
      // Changed or missing files that are already in aim's ledger stop adoption as they stop migrate.
      const refusals = computePlan(migrations, ledger, shipped).refusals.filter((r) => r.kind !== "out-of-order")
      if (refusals.length > 0) return yield* new MigrationRefused({ refusals })
      const recorded = new Set(ledger.map((row) => row.version))
      const deployedName = deployedNames(legacy)
      const todo = migrations.filter((m) => !recorded.has(m.version))
      const controlled = yield* transactionControl(todo)
      if (controlled.length > 0) return yield* new MigrationSourceError({ directory: source.directory, problems: controlled })
      const appliedBy = appliedByLabel()
      const snapshot = (s: Session) => catalogSnapshot(s, { rowCountCap: adoptRowCountCap })

      const files: Array<AdoptedFile> = []
      if (!dryRun && todo.length > 0) yield* ensureLedger(session.query, coLedger)
      const run = Effect.gen(function* () {
        let before: CatalogSnapshot = yield* snapshot(session)
        for (const migration of todo) {
          const deployedAs = deployedName(migration)
          // A file the deployed backend applied runs again only when it is aim's own idempotent file
          // and writes no seed rows (those would bring back an admin or policy an operator deleted).
          const action =
            deployedAs !== undefined && (!isShipped(shipped, migration.name, migration.checksum) || shipped.seeds.has(migration.name)) ? "recorded" : "ran"
          const t0 = performance.now()
          if (action === "recorded") {
            if (!dryRun) yield* recordApplied(session.query, migration, 0, appliedBy, "recorded")
          } else if (dryRun) {
            yield* rehearse(session, migration).pipe(Effect.mapError((e) => (e._tag === "MigrationFailed" ? shippedFailure(shipped, migration, e) : e)))
          } else {
            yield* runMigration(session, migration, appliedBy, "adopted", { coLedger, shipped, lockTimeoutMs: locking.lockTimeoutMs })
          }
          const after = action === "ran" ? yield* snapshot(session) : before
          files.push({
            version: migration.version,
            name: migration.name,
            action,
            ...(deployedAs === undefined ? {} : { deployedAs }),
            changes: diffSnapshots(before, after),
            durationMs: Math.round(performance.now() - t0),
          })
          before = after
        }
      })
      // A dry run is one transaction that is always rolled back, whatever happened inside it.
      yield* dryRun ? transaction(session, run, { rollback: "always" }) : run
      // The other runner must find every record aim's files now provide, or it runs its files at its next start.
      const backendRecorded = dryRun
        ? [...new Set(todo.flatMap((m) => coLedger.provides(m.name)))].filter((f) => !legacy.includes(f)).sort()
        : (yield* readPlan(session.query, migrations, coLedger, shipped)).coLedger.unrecorded
      if (!dryRun && backendRecorded.length > 0) yield* transaction(session, recordCoLedger(session, coLedger, backendRecorded))
      const names = new Set(migrations.map((m) => m.name))
      const descriptions = new Set(migrations.map((m) => descriptionOf(m.name)))
      return {
        database: db.target,
        dryRun,
        deployedLedger: legacy.length,
        files,
        unknownInLegacy: legacy.filter((name) => !coLedger.isKnown(name) && !names.has(name) && !descriptions.has(descriptionOf(name))),
        backendRecorded,
      } satisfies AdoptReport
    }),
  )

const repair = (context: AdminContext, version: number) =>
  locked(context, (session) =>
    Effect.gen(function* () {
      const migrations = yield* context.source.load
      const row = (yield* readLedger(session.query)).find((r) => r.version === version)
      if (row === undefined)
        return yield* new LedgerAdminRefused({
          operation: "repair",
          message: `version ${version} is not applied: nothing to repair (aim migrate applies it)`,
        })
      const file = migrations.find((m) => m.version === version)
      if (file === undefined)
        return yield* new LedgerAdminRefused({
          operation: "repair",
          message: `no file with version ${version} in ${context.source.directory}: restore it before repairing`,
        })
      if (file.checksum === row.checksum && file.name === row.name) {
        return yield* new LedgerAdminRefused({ operation: "repair", message: `${file.name} matches its applied checksum: nothing to repair` })
      }
      const repairedBy = appliedByLabel()
      yield* session.query(`UPDATE ${ledgerTable} SET checksum = $2, name = $3 WHERE version = $1`, [version, file.checksum, file.name])
      yield* session.query(`INSERT INTO ${ledgerSchema}.repairs (version, name, old_checksum, new_checksum, repaired_by) VALUES ($1, $2, $3, $4, $5)`, [
        version,
        file.name,
        row.checksum,
        file.checksum,
        repairedBy,
      ])
      return { version, name: file.name, oldChecksum: row.checksum, newChecksum: file.checksum, repairedBy } satisfies RepairReport
    }),
  )

/**
 * What to do when an object of files 1..N is missing, so that no two commands send the operator to
 * each other: on an empty ledger aim migrate runs the files; a deleted row whose file's objects are
 * gone too needs the file run again, which aim adopt does (it runs files that have no ledger row and
 * records them; aim migrate refuses a file below the newest applied one); an applied file's object
 * dropped by hand is drift.
 */
const missingAdvice = (file: string, emptyLedger: boolean, toRecord: ReadonlyArray<Migration>): string => {
  if (emptyLedger) return "run aim migrate instead, or baseline a lower version"
  if (!toRecord.some((m) => m.name === file)) return "an applied file's object was dropped by hand: aim drift names it with the statement that restores it"
  return `its ledger row was deleted and its objects are gone: aim adopt runs ${file} again and records it (aim adopt --dry-run first shows what it changes)`
}

const baseline = (context: AdminContext, version: number) =>
  Effect.gen(function* () {
    const migrations = yield* context.source.load
    const upTo = migrations.filter((m) => m.version <= version)
    if (upTo.length === 0 || upTo.at(-1)?.version !== version) {
      return yield* new LedgerAdminRefused({ operation: "baseline", message: `no migration file with version ${version}` })
    }
    // What files 1..N create, read off a scratch database that ran them (before taking the lock).
    const expected = yield* referenceCatalog(context.scratch, upTo)
    return yield* locked(context, (session) =>
      Effect.gen(function* () {
        const ledger = yield* readLedger(session.query)
        // On a migrated database, baseline fills holes: files below the newest applied one whose
        // rows were deleted (by hand, a restore of part of a schema). Their objects are checked
        // like a whole baseline's; a file newer than the newest applied is aim migrate's to run.
        const recorded = new Set(ledger.map((row) => row.version))
        const newest = Math.max(0, ...recorded)
        const toRecord = ledger.length === 0 ? upTo : upTo.filter((m) => !recorded.has(m.version))
        if (ledger.length > 0 && toRecord.length === 0) {
          return yield* new LedgerAdminRefused({
            operation: "baseline",
            message: `every migration up to ${version} is already recorded in the ledger: nothing to baseline`,
          })
        }
        const newer = toRecord.find((m) => m.version > newest)
        if (ledger.length > 0 && newer !== undefined) {
          return yield* new LedgerAdminRefused({
            operation: "baseline",
            message: `${newer.name} is newer than the newest applied migration (${versionLabel(newest)}): it is pending, not a deleted row; run aim migrate to apply it (baseline records only files below ${versionLabel(newest)} whose ledger rows are gone)`,
          })
        }
        const refused = ledger.length === 0 ? context.coLedger.baselineRefusal(yield* context.coLedger.read(session.query)) : undefined
        if (refused !== undefined) return yield* new LedgerAdminRefused({ operation: "baseline", message: refused })
        const present = yield* catalogSnapshot(session, {})
        const missing = expected.find((object) => !present.has(object.key))
        if (missing !== undefined) {
          return yield* new LedgerAdminRefused({
            operation: "baseline",
            message: `${describeObject(missing.key)}, which ${missing.file} creates, is missing: this database does not have what migrations up to ${version} create; ${missingAdvice(missing.file, ledger.length === 0, toRecord)}`,
          })
        }
        for (const m of toRecord) yield* recordApplied(session.query, m, 0, appliedByLabel(), "baseline")
        yield* recordCoLedger(session, context.coLedger, [...new Set(toRecord.flatMap((m) => context.coLedger.provides(m.name)))])
        return { recorded: toRecord.map((m) => m.name), checkedObjects: expected.length } satisfies BaselineReport
      }),
    )
  })

export const makeLedgerAdmin = (options: MigratorOptions = {}) =>
  Effect.gen(function* () {
    const db = yield* Database
    const source = yield* MigrationSource
    const locking = yield* configuredLocking(options)
    const config = yield* Effect.serviceOption(AimConfig)
    const coLedger = yield* CoLedger
    const shipped = yield* ShippedFiles
    const context: AdminContext = { db, source, locking, scratch: Option.isSome(config) ? config.value.scratch : undefined, coLedger, shipped }
    return LedgerAdmin.of({
      adopt: (adoptOptions) => adopt(context, adoptOptions),
      repair: (version) => repair(context, version),
      baseline: (version) => baseline(context, version),
    })
  })

/**
 * Finds a file's name in the deployed ledger: the same name, or the same description under another
 * number (a file renumbered to resolve the deployed layout's shared 034 is still the file it applied).
 */
const deployedNames = (legacy: ReadonlyArray<string>) => {
  const byName = new Set(legacy)
  const byDescription = new Map(legacy.flatMap((name) => (descriptionOf(name) === undefined ? [] : [[descriptionOf(name), name] as const])))
  return (migration: Migration): string | undefined => (byName.has(migration.name) ? migration.name : byDescription.get(descriptionOf(migration.name)))
}

/** Runs a file's SQL inside the dry run's transaction, under a savepoint so a failure names the file. */
const rehearse = (session: Session, migration: Migration) =>
  Effect.gen(function* () {
    if (!migration.transactional) {
      return yield* new LedgerAdminRefused({
        operation: "adopt",
        message: `${migration.name} runs outside a transaction (-- aim:no-transaction), so a dry run cannot rehearse it; adopt without --dry-run after reviewing it`,
      })
    }
    // Under the savepoint, with the files' search_path until aim's statements that follow (asAim).
    yield* session.execute(asFiles)
    yield* session.execute(migration.sql).pipe(Effect.mapError((error) => failed(migration, error, true, 0, migration.sql)))
    yield* session.execute(asAim)
  })

interface ExpectedObject {
  readonly key: string
  readonly file: string
}

// Row counts and index definitions say nothing about whether files 1..N ran; names of objects do.
const checkedKinds = ["table:", "column:", "constraint:", "trigger:", "function:"]

/** The objects files 1..N create, in file order, from an in-memory embedded database that ran them. */
const referenceCatalog = (scratch: DatabaseSettings | undefined, migrations: ReadonlyArray<Migration>) =>
  withScratchDatabase(
    scratch,
    Effect.gen(function* () {
      const session = yield* (yield* Database).session
      const { createdBy } = yield* replayFiles(session, migrations, (db) => catalogSnapshot(db, {}))
      return [...createdBy].flatMap(([key, file]) => (checkedKinds.some((k) => key.startsWith(k)) ? [{ key, file } satisfies ExpectedObject] : []))
    }).pipe(Effect.scoped),
    "baseline",
  ).pipe(
    Effect.mapError(
      (error) =>
        new LedgerAdminRefused({
          operation: "baseline",
          message: `the migration files do not run on an empty scratch database, so what they create is unknown: ${error.message}`,
        }),
    ),
  )

const describeObject = (key: string): string => {
  const [kind, ...rest] = key.split(":")
  const name = rest.join(":")
  return kind === "function" ? `function ${name}` : `${kind} ${name}`
}

export const LedgerAdminLive = (options: MigratorOptions = {}): Layer.Layer<LedgerAdmin, never, Database | MigrationSource | CoLedger | ShippedFiles> =>
  Layer.effect(LedgerAdmin, makeLedgerAdmin(options))

import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { withScratchDatabase } from "../database/databases.js"
import { executeFile } from "../migrator/replay.js"
import { Database, type DatabaseShape, type Session, asAim, asFiles, inFilesSearchPath, transaction } from "../database/Database.js"
import { SqlError } from "../database/SqlError.js"
import { ident } from "../database/sqlText.js"
import { type Difference, type ExpectedCatalog, compareCatalogs } from "../drift/Drift.js"
import { type Catalog, type CatalogObject, readCatalog } from "../drift/catalog.js"
import { type Repair, repairScript } from "../drift/repair.js"
import { type PlannedFile, planLocks, planRisk } from "../plan/LockPlan.js"
import { ensureLedger, ensureLedgerSafe, ledgerTable, readLedger, recordApplied, recordCoLedger } from "../ledger/Ledger.js"
import { aimCoLedger, readBackendLedger } from "../aim/backendLedger.js"
import { type Migration, versionLabel } from "../source/Migration.js"
import { type BackendReleaseName, backendLedgerTable, backendServing, providedBy } from "../aim/backendRelease.js"
import { MigrationSource } from "../source/MigrationSource.js"
import { type MigratorOptions, configuredLocking, lockedSession } from "../migrator/MigrationSession.js"
import { type DataLoss, RollbackRefused } from "../migrator/MigratorError.js"
import { computePlan } from "../ledger/ledgerPlan.js"
import { aimShippedFiles } from "../aim/shipped.js"
import {
  keyOfDifference,
  lossCountCap,
  type LossSource,
  lossSources,
  countLosses,
  configuredTarget,
  type SavedData,
  type SeededRows,
  type TargetError,
  seededOnScratch,
  unseededRows,
  saveData,
} from "./losses.js"

/**
 * aim rollback: the way back to what files 1..N build, computed rather than written by hand. The
 * target is the catalog files 1..N build (drift's expected catalog: the shipped files' artifact, else
 * a replay on a scratch database); the way there is drift's comparison of the live catalog with it:
 * what later files created is dropped, what they changed or renamed is made again as files 1..N made
 * it. A step that would remove data (a table's rows, a column's values, values a narrower type cannot
 * hold) is refused unless the operator names its object; the whole way back runs in one transaction
 * under the migration lock, with both ledgers' rows of the rolled-back files deleted in it.
 */

/** What a rollback to N does, planned before anything runs (all of it with --dry-run). */
export interface RollbackPlan {
  readonly database: string
  /** The newest applied version, and the version rolled back to. */
  readonly from: number
  readonly to: number
  /** The applied files rolled back, newest first. */
  readonly files: ReadonlyArray<{ readonly version: number; readonly name: string }>
  /**
   * Run first, each on its own outside the transaction: the reverse of a rolled-back
   * `-- aim:no-transaction` file's concurrently built indexes (DROP INDEX CONCURRENTLY, which takes no
   * lock that stops the application's writes). A failure after them leaves them done, and says so.
   */
  readonly outside: ReadonlyArray<string>
  /** The statements, in the order they run, in one transaction. */
  readonly statements: ReadonlyArray<string>
  /** The statements' locks, rewrites and risk, planned as aim plan plans a file (outside ones first). */
  readonly locks: PlannedFile | undefined
  readonly losses: ReadonlyArray<DataLoss>
  /** What the rolled-back files made that cannot be undone in place (an enum's added value): it stays. */
  readonly kept: ReadonlyArray<string>
  /** Tables that go with rows the rolled-back files seeded and nobody changed since: they go with them, unasked. */
  readonly seeded: ReadonlyArray<{ readonly object: string; readonly rows: number }>
  /** The AIM backend release the database serves before and after, and the runner's rows deleted. */
  readonly backend: {
    readonly before: BackendReleaseName | "none"
    readonly after: BackendReleaseName | "none"
    readonly unrecorded: ReadonlyArray<string>
  }
  /** What the next aim migrate does. */
  readonly next: string
  /**
   * Binds an approval to this plan: a hash of the files rolled back, the statements, the losses and
   * the backend's rows. A rollback given it (`approvedPlan`) runs only while the plan is still this one.
   */
  readonly planId: string
}

export interface RollbackReport extends RollbackPlan {
  readonly dryRun: boolean
  /** Files --save-data wrote before the rollback ran (mode 0600). */
  readonly saved: ReadonlyArray<SavedData>
}

export interface RollbackOptions extends MigratorOptions {
  readonly to: number
  readonly dryRun?: boolean
  /** Objects whose data may go (`own_notes`, `organizations.nickname`), and `backend-release`. */
  readonly acceptLoss?: ReadonlyArray<string>
  /** Where the data that goes is written first, one JSON-lines file per object. */
  readonly saveData?: string
  /** The planId of the plan a person (or an agent) approved: anything else is refused (MCP's apply_rollback). */
  readonly approvedPlan?: string
}

/** The name --accept-loss takes to roll back below the backend release the database serves. */
export const acceptBackendRelease = "backend-release"

/** Drops run before drift's repairs (steps 1-16): dependents first, what they depend on after. */
const dropSteps = { view: -11, trigger: -10, foreignKey: -9, constraint: -8, index: -7, column: -6, table: -5, routine: -4, sequence: -3, type: -2 } as const

/** The statement that drops a live object the target does not have, on its own; undefined for the rest. */
const dropRepair = (o: CatalogObject): Repair | undefined => {
  switch (o.kind) {
    case "trigger":
      return { step: dropSteps.trigger, sql: `DROP TRIGGER IF EXISTS ${ident(o.name)} ON ${ident(o.table)}` }
    case "policy":
      return { step: dropSteps.trigger, sql: `DROP POLICY IF EXISTS ${ident(o.name)} ON ${ident(o.table)}` }
    case "constraint":
      return {
        step: o.type === "f" ? dropSteps.foreignKey : dropSteps.constraint,
        sql: `ALTER TABLE ${ident(o.table)} DROP CONSTRAINT IF EXISTS ${ident(o.name)}`,
      }
    case "index":
      // IF EXISTS: a constraint's own index went with the constraint, a step before.
      return { step: dropSteps.index, sql: `DROP INDEX IF EXISTS ${ident(o.name)}` }
    case "column":
      return { step: dropSteps.column, sql: `ALTER TABLE ${ident(o.table)} DROP COLUMN IF EXISTS ${ident(o.name)}` }
    case "function":
      return { step: dropSteps.routine, sql: `DROP ROUTINE IF EXISTS ${o.signature}` }
    case "sequence":
      return { step: dropSteps.sequence, sql: `DROP SEQUENCE IF EXISTS ${ident(o.name)}` }
    case "type":
      return { step: dropSteps.type, sql: `DROP TYPE IF EXISTS ${ident(o.name)}` }
    // Tables and views go together (droppedTogether); an enum's value and a seed row cannot go alone.
    case "view":
    case "table":
    case "label":
    case "seed":
      return undefined
  }
}

/**
 * The tables, the views and the materialized views that go, each kind in one statement: PostgreSQL
 * then drops a set whose members reference one another (a later file's tables with foreign keys
 * between them) in the right order.
 */
const droppedTogether = (drops: ReadonlyArray<CatalogObject>): ReadonlyArray<Repair> => {
  const statement = (step: number, what: string, names: ReadonlyArray<string>): ReadonlyArray<Repair> =>
    names.length === 0 ? [] : [{ step, sql: `DROP ${what} IF EXISTS ${names.map(ident).join(", ")}` }]
  const views = drops.filter((o): o is Extract<CatalogObject, { kind: "view" }> => o.kind === "view")
  return [
    ...statement(
      dropSteps.view,
      "VIEW",
      views.filter((v) => !v.materialized).map((v) => v.name),
    ),
    ...statement(
      dropSteps.view,
      "MATERIALIZED VIEW",
      views.filter((v) => v.materialized).map((v) => v.name),
    ),
    ...statement(
      dropSteps.table,
      "TABLE",
      drops.flatMap((o) => (o.kind === "table" ? [o.name] : [])),
    ),
  ]
}

const releaseRank = { none: 0, guide: 1, current: 2 } as const

/**
 * The way back's statements: drops of what the live database has beyond the target (dependents first;
 * a rolled-back -- aim:no-transaction file's indexes CONCURRENTLY, outside the transaction), then
 * drift's repairs of what differs; and what cannot be undone in place.
 */
const statementsOf = (differences: ReadonlyArray<Difference>, live: Catalog, noTransaction: boolean) => {
  const drops = differences.flatMap((d) => (d.kind === "extra" ? (live.get(keyOfDifference(d)) ?? []) : []))
  // A rolled-back file that ran outside a transaction built its indexes concurrently: they go the same
  // way, each on its own, before the transaction (an index of a table that goes, or of a constraint, goes with it).
  const concurrent = (o: CatalogObject): o is Extract<CatalogObject, { kind: "index" }> =>
    noTransaction &&
    o.kind === "index" &&
    !drops.some((d) => (d.kind === "table" && d.name === o.table) || (d.kind === "constraint" && d.name === o.name)) &&
    !live.has(`constraint:${o.table}.${o.name}`)
  const outside = drops.filter(concurrent).map((o) => `DROP INDEX CONCURRENTLY IF EXISTS ${ident(o.name)}`)
  const repairs = [...droppedTogether(drops), ...drops.flatMap((o) => (concurrent(o) ? [] : (dropRepair(o) ?? []))), ...differences.flatMap((d) => d.repair)]
  const keptObjects = drops.flatMap((o) => (o.kind === "label" ? [`enum value ${o.type}.${o.label}`] : []))
  const script = repairScript(repairs).filter((statement) => statement !== "BEGIN;" && statement !== "COMMIT;")
  return { outside, script, keptObjects }
}

/**
 * A table that goes with rows only the rolled-back files seeded, unchanged, is no loss: they go with
 * it. The losses without those rows, and the seeded rows of each table (`applied`: every applied file,
 * undefined when one is not in the directory to replay).
 */
const withoutSeededRows = (
  db: Pick<DatabaseShape, "query">,
  found: ReadonlyArray<{ readonly source: LossSource; readonly loss: DataLoss }>,
  live: Catalog,
  applied: ReadonlyArray<Migration> | undefined,
  seededOf: SeededRows | undefined,
) =>
  Effect.gen(function* () {
    const goingTables = found.filter((c) => c.loss.what === "rows").map((c) => c.loss.object)
    const seededRows =
      seededOf === undefined || applied === undefined || goingTables.length === 0
        ? new Map<string, ReadonlyArray<string>>()
        : yield* seededOf(applied, goingTables)
    const seeded: Array<{ object: string; rows: number }> = []
    const losses: Array<(typeof found)[number]> = []
    for (const c of found) {
      const rows = seededRows.get(c.loss.object)
      const unseeded = rows === undefined || rows.length === 0 ? c.loss.rows : yield* unseededRows(db, c.loss.object, live, rows)
      if (unseeded === undefined || unseeded === c.loss.rows) losses.push(c)
      else if (unseeded === 0) seeded.push({ object: c.loss.object, rows: c.loss.rows })
      else {
        seeded.push({ object: c.loss.object, rows: c.loss.rows - unseeded })
        losses.push({ ...c, loss: { ...c.loss, rows: unseeded } })
      }
    }
    return { losses, seeded }
  })

/** The locks of the outside statements, then the transaction's, in the order they run, as one planned file. */
const lockPlanOf = (db: DatabaseShape, to: number, outside: ReadonlyArray<string>, script: ReadonlyArray<string>) =>
  Effect.map(
    planLocks(db, [
      ...(outside.length === 0
        ? []
        : [
            {
              version: to,
              name: `rollback to ${versionLabel(to)}, outside the transaction`,
              sql: outside.map((o) => `${o};`).join("\n"),
              transactional: false,
              checks: [],
            },
          ]),
      ...(script.length === 0 ? [] : [{ version: to, name: `rollback to ${versionLabel(to)}`, sql: script.join("\n"), transactional: true, checks: [] }]),
    ]),
    (planned): PlannedFile => ({
      ...(planned.pending.at(-1) as PlannedFile),
      risk: planRisk(planned),
      statements: planned.pending.flatMap((f) => f.statements),
    }),
  )

/**
 * The plan of a rollback to `to` on the database behind `db`, against the target catalog. Reads only.
 */
const planOn = (
  db: DatabaseShape,
  migrations: ReadonlyArray<Migration>,
  to: number,
  options: RollbackOptions,
  targetOf: (kept: ReadonlyArray<Migration>) => Effect.Effect<Pick<ExpectedCatalog, "catalog" | "createdBy">, TargetError>,
  withLocks = true,
  seededOf: SeededRows | undefined = undefined,
) =>
  Effect.gen(function* () {
    const ledger = yield* readLedger(db.query)
    const from = Math.max(0, ...ledger.map((row) => row.version))
    const rolledBack = ledger.filter((row) => row.version > to).sort((a, b) => b.version - a.version)
    // Files 1..N must be the ones that ran: the target is what they build.
    const kept = ledger.filter((row) => row.version <= to)
    const refusals = computePlan(migrations, kept, aimShippedFiles).refusals.filter((r) => r.kind === "changed" || r.kind === "missing")
    if (refusals.length > 0)
      return yield* new RollbackRefused({
        reason: "target",
        message: `the files up to ${versionLabel(to)} are not the ones that ran (${refusals.map((r) => `${r.name}: ${r.detail}`).join("; ")}), so what they build is not what this database had: restore them first (git checkout of the release that applied them)`,
      })
    const keptFiles = migrations.filter((m) => kept.some((row) => row.version === m.version))
    const expected = yield* targetOf(keptFiles)
    const live = yield* readCatalog(db)
    const differences = compareCatalogs(expected, live, () => undefined)
    const noTransaction = migrations.some((m) => !m.transactional && rolledBack.some((row) => row.version === m.version))
    const { outside, script, keptObjects } = statementsOf(differences, live, noTransaction)
    const accepted = new Set(options.acceptLoss ?? [])
    const found = yield* countLosses(db, lossSources(differences, live, expected.catalog), accepted)
    const applied = migrations.filter((m) => ledger.some((row) => row.version === m.version))
    const { losses, seeded } = yield* withoutSeededRows(db, found, live, applied.length === ledger.length ? applied : undefined, seededOf)
    const locks = !withLocks || script.length + outside.length === 0 ? undefined : yield* lockPlanOf(db, to, outside, script)
    const backendLedger = yield* readBackendLedger(db.query)
    const recorded = backendLedger._tag === "Backend" ? backendLedger.versions : []
    const keptProvided = new Set(kept.flatMap((row) => providedBy(row.name)))
    const backend = {
      before: backendServing(
        ledger.map((row) => row.name),
        recorded,
      ).release,
      after: backendServing(
        kept.map((row) => row.name),
        recorded,
      ).release,
      unrecorded: recorded.filter((name) => rolledBack.some((row) => providedBy(row.name).includes(name)) && !keptProvided.has(name)),
    }
    const names = rolledBack.map((row) => row.name).reverse()
    const statements = script.map((s) => s.replace(/;$/, ""))
    const lost = losses.map((l) => l.loss)
    const planId = createHash("sha256")
      .update(
        JSON.stringify({
          to,
          files: rolledBack.map((row) => [row.version, row.checksum]),
          outside,
          statements,
          lost: lost.map((l) => [l.object, l.rows]),
          backend,
        }),
      )
      .digest("hex")
      .slice(0, 16)
    return {
      plan: {
        database: db.target,
        from,
        to,
        files: rolledBack.map((row) => ({ version: row.version, name: row.name })),
        outside,
        statements,
        locks,
        losses: lost,
        kept: keptObjects,
        seeded,
        backend,
        next:
          names.length === 0
            ? "nothing was rolled back"
            : `the next aim migrate (the backend's start-up step too) applies ${names.join(", ")} again unless they leave the migrations directory (deploy the release before them)`,
        planId,
      } satisfies RollbackPlan,
      sources: losses.map((l) => l.source),
    }
  })

/** Refusals that need the operator's word, in the order they are said. */
const refusalOf = (plan: RollbackPlan, accepted: ReadonlySet<string>): RollbackRefused | undefined => {
  const unnamed = plan.losses.filter((l) => !l.accepted)
  if (unnamed.length > 0)
    return new RollbackRefused({
      reason: "loss",
      losses: unnamed,
      message: `rolling back to ${versionLabel(plan.to)} would remove ${unnamed
        .map(
          (l) =>
            `${l.rows >= lossCountCap ? `${lossCountCap} or more` : l.rows} row${l.rows === 1 ? "" : "s"} of ${l.object}${l.what === "rows" ? "" : ` (${l.what})`}`,
        )
        .join(
          ", ",
        )}; nothing was changed: name what may go (${unnamed.map((l) => `--accept-loss ${l.object}`).join(" ")}), and keep a copy with --save-data DIR`,
    })
  if (releaseRank[plan.backend.after] < releaseRank[plan.backend.before] && !accepted.has(acceptBackendRelease))
    return new RollbackRefused({
      reason: "backend",
      message: `after rolling back to ${versionLabel(plan.to)} this database no longer serves the AIM backend's ${plan.backend.before} release (it would serve: ${plan.backend.after}): that backend would run its own files at its next start; nothing was changed. Roll the backend back first, then accept it by name: --accept-loss ${acceptBackendRelease}`,
    })
  return undefined
}

/**
 * The plan's outside statements one by one, then its statements and both ledgers' deletions in one
 * transaction on `session`. A failure names what was done: the outside statements before it stay done.
 */
const applyPlan = (session: Session, plan: RollbackPlan) =>
  Effect.gen(function* () {
    for (const [index, statement] of plan.outside.entries())
      yield* inFilesSearchPath(session, session.execute(statement)).pipe(
        Effect.mapError(
          (error) =>
            new SqlError({
              ...error,
              message: `${error.message} (at ${statement}; ${index === 0 ? "nothing was changed" : `done before it, outside the transaction: ${plan.outside.slice(0, index).join("; ")}`}; the rest did not run)`,
            }),
        ),
      )
    yield* applyInTransaction(session, plan).pipe(
      Effect.mapError((error) =>
        error._tag === "SqlError" && plan.outside.length > 0
          ? new SqlError({
              ...error,
              message: `${error.message} (the transaction was rolled back; done before it, outside the transaction: ${plan.outside.join("; ")})`,
            })
          : error,
      ),
    )
  })

const applyInTransaction = (session: Session, plan: RollbackPlan) =>
  transaction(
    session,
    Effect.gen(function* () {
      // The statements name public's objects as the files do; the ledgers are aim's, qualified.
      yield* session.execute(asFiles)
      for (const statement of plan.statements) yield* session.execute(statement)
      yield* session.execute(asAim)
      yield* session.query(`DELETE FROM ${ledgerTable} WHERE version > $1`, [plan.to])
      if (plan.backend.unrecorded.length > 0)
        yield* session.query(`DELETE FROM ${backendLedgerTable} WHERE version = ANY($1::text[])`, [plan.backend.unrecorded])
    }),
  )

/**
 * Rolls the configured database back to what files 1..`to` build. With `dryRun` it only plans: no
 * lock, no transaction, no write. Otherwise, under the migration lock: the plan is made again, refused
 * if it removes data nobody named (or serves an older backend release unaccepted), the named data is
 * saved where --save-data points, and the statements and both ledgers' deletions run in one transaction.
 */
export const rollback = (options: RollbackOptions) =>
  Effect.gen(function* () {
    const db = yield* Database
    const migrations = yield* (yield* MigrationSource).load
    const accepted = new Set(options.acceptLoss ?? [])
    if (options.dryRun === true) {
      const { plan } = yield* planOn(db, migrations, options.to, options, configuredTarget, true, seededOnScratch)
      return { ...plan, dryRun: true, saved: [] } satisfies RollbackReport
    }
    const locking = yield* configuredLocking(options)
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const session = yield* lockedSession(db, locking)
        const { plan, sources } = yield* planOn(db, migrations, options.to, options, configuredTarget, true, seededOnScratch)
        if (options.approvedPlan !== undefined && options.approvedPlan !== plan.planId)
          return yield* new RollbackRefused({
            reason: "changed",
            message: `the rollback's plan changed since ${options.approvedPlan} was approved (now ${plan.planId}: a migration ran, a file changed, or rows came or went); nothing was changed`,
          })
        if (plan.from <= options.to) return { ...plan, dryRun: false, saved: [] } satisfies RollbackReport
        const refused = refusalOf(plan, accepted)
        if (refused !== undefined) return yield* refused
        const saved = options.saveData === undefined ? [] : yield* saveData(db, options.saveData, sources)
        yield* ensureLedgerSafe(session.query, aimCoLedger)
        yield* applyPlan(session, plan)
        return { ...plan, dryRun: false, saved } satisfies RollbackReport
      }),
    )
  })

/** Where a shipped or own file's way back does not give what the files before it build. */
export interface RollbackFinding {
  /** `rollback to N`, or `forward again` after the last rollback. */
  readonly step: string
  readonly differences: ReadonlyArray<string>
}

export interface RollbackProof {
  readonly ok: boolean
  readonly scratch: string
  readonly files: number
  /** The rollbacks run: one to each earlier version, newest first, then forward again. */
  readonly rollbacks: number
  readonly findings: ReadonlyArray<RollbackFinding>
}

const differencesOf = (expected: Catalog, live: Catalog) =>
  compareCatalogs({ catalog: expected, createdBy: new Map() }, live, () => undefined).map((d) => `${d.kind} ${d.objectType} ${d.name}`)

/**
 * aim migrate --prove-rollback, on a scratch database (never the configured one): every file forward
 * with its ledger rows (both ledgers, as aim migrate records them), the catalog read after each; then
 * a rollback to each earlier version in turn, newest first, each compared with the catalog the files
 * before it built; then every file forward again, compared with the full catalog. Every loss is
 * accepted here: the scratch database holds only what the files seeded.
 */
export const proveRollback = (scratch: DatabaseSettings | undefined, migrations: ReadonlyArray<Migration>) =>
  withScratchDatabase(
    scratch,
    Effect.scoped(
      Effect.gen(function* () {
        const db = yield* Database
        const session = yield* db.session
        yield* ensureLedger(session.query, aimCoLedger)
        const forward = (files: ReadonlyArray<Migration>) =>
          Effect.forEach(
            files,
            (m) =>
              Effect.gen(function* () {
                yield* executeFile(session, m)
                yield* recordApplied(session.query, m, 0, "aim migrate --prove-rollback", "applied")
                yield* recordCoLedger(session, aimCoLedger, providedBy(m.name))
                return yield* readCatalog(session)
              }),
            { discard: false },
          )
        const catalogs: ReadonlyArray<Catalog> = [yield* readCatalog(session), ...(yield* forward(migrations))]
        const findings: Array<RollbackFinding> = []
        const everything = { to: 0, acceptLoss: [acceptBackendRelease] } satisfies RollbackOptions
        for (let kept = migrations.length - 1; kept >= 0; kept--) {
          const to = migrations[kept - 1]?.version ?? 0
          const target = catalogs[kept] ?? new Map()
          const { plan } = yield* planOn(db, migrations, to, everything, () => Effect.succeed({ catalog: target, createdBy: new Map() }), false)
          yield* applyPlan(session, plan)
          const differences = differencesOf(target, yield* readCatalog(session))
          if (differences.length > 0) findings.push({ step: `rollback to ${versionLabel(to)}`, differences })
        }
        yield* forward(migrations)
        const differences = differencesOf(catalogs.at(-1) ?? new Map(), yield* readCatalog(session))
        if (differences.length > 0) findings.push({ step: "forward again", differences })
        return {
          ok: findings.length === 0,
          scratch: db.kind === "embedded" ? "in-memory embedded PostgreSQL" : db.target,
          files: migrations.length,
          rollbacks: migrations.length,
          findings,
        } satisfies RollbackProof
      }),
    ),
    "prove_rollback",
  )

import { Duration, Effect, Exit, Option } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import { type DatabaseShape, type Session, aimSearchPath, asAim, asFiles, inFilesSearchPath, transaction } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import { ident } from "../database/sqlText.js"
import { type LedgerMethod, recordApplied, recordAppliedStatement, recordCoLedger } from "../ledger/Ledger.js"
import type { CoLedgerShape } from "../ledger/CoLedger.js"
import { type ShippedFilesShape, isShipped } from "../source/ShippedFiles.js"
import type { Migration } from "../source/Migration.js"
import type { SourceProblem } from "../source/MigrationSourceError.js"
import { type LockHolder, acquireLock, blockingSessions, lockKeys, releaseLock } from "./MigrationLock.js"
import { type CheckFailed, readChecks, runChecks } from "../source/fileChecks.js"
import { MigrationFailed, ServerTooOld, oldestServer } from "./MigratorError.js"
import { parseScript } from "../sql/sqlAnalysis.js"
import { lineColumnAt, offsetOfPosition, splitStatements } from "../sql/splitStatements.js"

/**
 * The migration session: the one connection that holds the migration lock, and how a file runs on
 * it (one transaction with its ledger rows, or statement by statement for -- aim:no-transaction),
 * how a failure is named at its statement. Migrate and the ledger commands (adopt, repair,
 * baseline) both run here.
 */

export interface MigratorOptions {
  /** How long to wait for another process's migration lock (default 60 s). */
  readonly lockWait?: Duration.DurationInput
  /** `lock_timeout` for migration statements (default 5 s): fail fast rather than queue app traffic. */
  readonly lockTimeout?: Duration.DurationInput
}

const ms = (duration: Duration.DurationInput) => Math.max(0, Math.round(Duration.toMillis(Duration.decode(duration))))

/**
 * The one place the lock defaults live (front ends show them in their help): wait a minute for
 * another process's migration lock; let a statement wait 5 s for a table lock, then fail rather
 * than queue the application's queries behind it.
 */
export const lockDefaults = { lockWaitSeconds: 60, lockTimeoutSeconds: 5 } as const

/** The lock settings of `options` with their defaults: what migrate and the ledger commands lock with. */
export const lockSettings = (options: MigratorOptions): LockedSessionOptions => ({
  lockWait: options.lockWait ?? Duration.seconds(lockDefaults.lockWaitSeconds),
  lockTimeoutMs: ms(options.lockTimeout ?? Duration.seconds(lockDefaults.lockTimeoutSeconds)),
})

/** `lockSettings` with the configured timestamp zone, where a configuration is given (AimLive's). */
export const configuredLocking = (options: MigratorOptions): Effect.Effect<LockedSessionOptions> =>
  Effect.map(Effect.serviceOption(AimConfig), (config) => ({
    ...lockSettings(options),
    ...(Option.isSome(config) ? { timestampZone: config.value.timestampZone } : {}),
  }))

/**
 * Statements in a transactional file that would end or split aim's transaction (BEGIN, COMMIT,
 * ROLLBACK, END, SAVEPOINT, ...): found with PostgreSQL's own parser before any file runs, so a file
 * is never half-applied in autocommit behind a ledger row that says it ran whole. A file the parser
 * rejects is left to the server, which names its error.
 */
export const transactionControl = (migrations: ReadonlyArray<Migration>): Effect.Effect<ReadonlyArray<SourceProblem>> =>
  Effect.forEach(migrations, (migration) =>
    // Every such statement has one of these words; a file without them (a large data load) is not parsed.
    !migration.transactional || !transactionWords.test(migration.sql)
      ? Effect.succeed([])
      : parseScript(migration.sql).pipe(
          Effect.map((statements) =>
            statements
              .filter((s) => s.kind === "TransactionStmt")
              .map((s) => ({
                file: migration.name,
                problem: `line ${s.line}: ${migration.sql.slice(s.offset).split(/[;\n]/, 1)[0]?.trim()} controls the transaction aim runs the file in; remove it (each file is one transaction), or make the file -- aim:no-transaction`,
              })),
          ),
          Effect.orElseSucceed(() => []),
        ),
  ).pipe(Effect.map((found) => found.flat()))

const transactionWords = /\b(?:begin|commit|rollback|end|start|savepoint|release|abort|prepare)\b/i

export interface LockedSessionOptions {
  readonly lockWait: Duration.DurationInput
  readonly lockTimeoutMs: number
  /** The zone the files read timestamps at (aim.timestamp_zone; AimConfig's timestampZone), UTC when not given. */
  readonly timestampZone?: string
  readonly onWait?: (holder: LockHolder | undefined) => Effect.Effect<void>
}

/**
 * A dedicated session on a server new enough for the migrations, holding the migration lock, with
 * `lock_timeout` set: where every change to the schema or the ledger (migrate, adopt, repair,
 * baseline) runs. Callers create the ledger only once they are about to write to it, so a refusal
 * or a dry run leaves no trace.
 */
export const lockedSession = (db: DatabaseShape, options: LockedSessionOptions) =>
  Effect.gen(function* () {
    const session = yield* db.session
    const setup = yield* sessionSetup(session, db.kind === "server", options.lockTimeoutMs, options.timestampZone ?? "UTC")
    if (setup.num < oldestServer) return yield* new ServerTooOld({ version: setup.version, versionNum: setup.num })
    // Taken in the setup when free (the usual case); otherwise waited for, naming who holds it.
    if (!setup.locked) yield* acquireLock(session, { wait: options.lockWait, ...(options.onWait === undefined ? {} : { onWait: options.onWait }) })
    // A server session that fails is closed, which frees the lock; the embedded one stays open.
    yield* Effect.addFinalizer((exit) => (Exit.isSuccess(exit) || db.kind === "embedded" ? releaseLock(session).pipe(Effect.ignore) : Effect.void))
    return session
  })

/**
 * The session's settings and the migration lock in one round trip, where they took five: the server's
 * version, lock_timeout, aim's search_path (again: a pooled session may have been handed back by a
 * file that set its own; each file gets public around its statements), client_connection_check_interval (PostgreSQL 14+: a
 * killed client's long statement is aborted within a second, freeing the lock) and the lock itself,
 * taken only on a server new enough to migrate. The check interval is a server's alone and only
 * where its platform supports it: where setting it fails, the setup runs again without it.
 */
const sessionSetup = (session: Session, checkInterval: boolean, lockTimeoutMs: number, timestampZone: string) => {
  const query = (withInterval: boolean) =>
    session.query<{ num: number; version: string; locked: boolean | null }>(
      `SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version,
              set_config('lock_timeout', $1, false) AS lock_timeout, set_config('search_path', $6, false) AS search_path,
              set_config('aim.timestamp_zone', $5, false) AS timestamp_zone,
              ${withInterval ? "set_config('client_connection_check_interval', '1000', false)" : "NULL"} AS check_interval,
              CASE WHEN current_setting('server_version_num')::int >= $4 THEN pg_try_advisory_lock($2, $3) END AS locked`,
      [`${lockTimeoutMs}ms`, ...lockKeys, oldestServer, timestampZone, aimSearchPath],
    )
  const setup = checkInterval
    ? query(true).pipe(
        Effect.catchIf(
          (e) => e.code === "42704" || e.code === "22023",
          () => query(false),
        ),
      )
    : query(false)
  return Effect.map(setup, (rows) => ({ num: Number(rows[0]?.num ?? 0), version: rows[0]?.version ?? "unknown", locked: rows[0]?.locked === true }))
}

const scriptPrefix = "BEGIN;\n"

/** The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name` statement builds, unquoted; undefined for any other statement. */
export const concurrentIndexName = (text: string): string | undefined => {
  const match =
    /^\s*(?:--[^\n]*\n\s*)*create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?(?:(?:public|"public")\.)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)/i.exec(
      text,
    )
  const name = match?.[1]
  if (name === undefined) return undefined
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase()
}

/** Of `names`, the indexes of public that exist and are INVALID. */
const invalidIndexes = (session: Session, names: ReadonlyArray<string>) =>
  names.length === 0
    ? Effect.succeed([] as ReadonlyArray<string>)
    : session
        .query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid
            WHERE c.relnamespace OPERATOR(pg_catalog.=) 'public'::pg_catalog.regnamespace AND NOT i.indisvalid AND c.relname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[])`,
          [names],
        )
        .pipe(Effect.map((rows) => rows.map((row) => row.name)))

/** Drops `name` (CONCURRENTLY: no lock on its table's writes) when it is an INVALID index of public. */
const dropInvalidIndex = (session: Session, name: string) =>
  Effect.flatMap(invalidIndexes(session, [name]), (invalid) =>
    invalid.length === 0 ? Effect.void : session.execute(`DROP INDEX CONCURRENTLY IF EXISTS public.${ident(name)}`),
  )

/** A transactional file that lost a lock race (lock_timeout or a deadlock) and runs again. */
export interface MigrationRetry {
  readonly attempt: number
  readonly sqlState: "55P03" | "40P01"
  readonly waitMs: number
}

/**
 * How a file's lock waits are spent beside a live application: attempts with a short lock_timeout
 * (100 ms, doubling, at most 800 ms: below PostgreSQL's 1 s deadlock_timeout, so in a lock cycle aim
 * gives up before the application's transaction is chosen as the victim), each queueing the
 * application's queries for no longer than that, until the file's budget (--lock-timeout) is spent.
 * A deadlock or a lock timeout rolls the file's transaction back, so running it again is safe.
 */
export const lockAttempts = { firstMs: 100, maxMs: 800, maxAttempts: 12, backoffMs: 50 } as const

const attemptTimeoutMs = (attempt: number, remainingMs: number) => Math.max(1, Math.min(remainingMs, lockAttempts.maxMs, lockAttempts.firstMs * 2 ** attempt))

const lostLockRace = (e: MigrationFailed | CheckFailed | SqlError): e is MigrationFailed =>
  e._tag === "MigrationFailed" && (e.sqlState === "55P03" || e.sqlState === "40P01")

/** How a file runs: the co-ledger its records go to, the shipped files, its lock budget. */
export interface RunOptions {
  readonly coLedger: CoLedgerShape
  readonly shipped: ShippedFilesShape
  readonly lockTimeoutMs: number
  readonly onRetry?: (retry: MigrationRetry) => Effect.Effect<void>
}

/**
 * Runs one file with its ledger row and the co-ledger's records of what it provides (method
 * `applied`, or `adopted` when aim adopt runs it); returns its duration in ms. A transactional file
 * that loses a lock race is retried with backoff within its lock budget, each retry announced through
 * `onRetry`; a lock_timeout failure that remains names the sessions that held the locks.
 */
export const runMigration = (
  session: Session,
  migration: Migration,
  appliedBy: string,
  method: LedgerMethod,
  budget: RunOptions,
): Effect.Effect<number, MigrationFailed | CheckFailed | SqlError> => {
  const attempt = (n: number, spentMs: number): Effect.Effect<number, MigrationFailed | CheckFailed | SqlError> => {
    const timeoutMs = migration.transactional && budget.lockTimeoutMs > 0 ? attemptTimeoutMs(n, budget.lockTimeoutMs - spentMs) : undefined
    const t0 = performance.now()
    return runFile(session, migration, appliedBy, method, budget.coLedger, timeoutMs).pipe(
      Effect.catchIf(
        (e): e is MigrationFailed =>
          timeoutMs !== undefined && lostLockRace(e) && n + 1 < lockAttempts.maxAttempts && spentMs + (performance.now() - t0) < budget.lockTimeoutMs,
        (e) => {
          const spent = spentMs + (performance.now() - t0)
          const waitMs = Math.round(lockAttempts.backoffMs * 2 ** n * (1 + Math.random()))
          const sqlState = e.sqlState === "40P01" ? "40P01" : "55P03"
          return (budget.onRetry?.({ attempt: n + 1, sqlState, waitMs }) ?? Effect.void).pipe(
            Effect.zipRight(Effect.sleep(Duration.millis(waitMs))),
            Effect.zipRight(attempt(n + 1, spent)),
          )
        },
      ),
    )
  }
  return attempt(0, 0).pipe(
    Effect.catchIf(
      (e): e is MigrationFailed => e._tag === "MigrationFailed" && e.sqlState === "55P03",
      (e) =>
        blockingSessions(session.query).pipe(
          Effect.orElseSucceed(() => []),
          Effect.flatMap((blockers) => Effect.fail(new MigrationFailed({ ...e, blockers }))),
        ),
    ),
    Effect.mapError((e) => (e._tag === "MigrationFailed" ? shippedFailure(budget.shipped, migration, e) : e)),
  )
}

/** A failure says whether the file is a shipped one, unchanged: then the database is what to fix, not the file. */
export const shippedFailure = (shipped: ShippedFilesShape, migration: Migration, failure: MigrationFailed): MigrationFailed =>
  new MigrationFailed({ ...failure, shipped: isShipped(shipped, migration.name, migration.checksum) })

// A statement's first word, past comments: a no-transaction file may open and end transactions of its own.
const firstWords = (text: string) =>
  text
    .replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, "")
    .slice(0, 40)
    .toUpperCase()
const opensTransaction = (text: string) => /^(BEGIN|START\s+TRANSACTION)\b/.test(firstWords(text))
const endsTransaction = (text: string) => /^(COMMIT|END|ROLLBACK(?!\s+TO\b)|ABORT)\b/.test(firstWords(text))

const runFile = (
  session: Session,
  migration: Migration,
  appliedBy: string,
  method: LedgerMethod,
  coLedger: CoLedgerShape,
  lockTimeoutMs: number | undefined,
): Effect.Effect<number, MigrationFailed | CheckFailed | SqlError> =>
  Effect.gen(function* () {
    const t0 = performance.now()
    const checks = migration.checks ?? readChecks(migration.sql).checks
    if (!migration.transactional) {
      // No transaction to hold it: the files' search_path for the session until the last statement
      // (or a failure) ends, then aim's again. The checks run just before the first statement.
      const statements = splitStatements(migration.sql)
      // The indexes the file builds concurrently, read once from its statements.
      const builtConcurrently: Array<string> = []
      yield* inFilesSearchPath(
        session,
        Effect.gen(function* () {
          yield* runChecks(session, migration, checks)
          // A BEGIN of the file's own, not yet ended: a failure inside it rolls back every statement from
          // the BEGIN on, so only those before it stayed applied.
          let openedAt: number | undefined
          for (const [index, statement] of statements.entries()) {
            if (opensTransaction(statement.text)) openedAt = index
            else if (endsTransaction(statement.text)) openedAt = undefined
            const built = concurrentIndexName(statement.text)
            if (built !== undefined) builtConcurrently.push(built)
            // A cancelled or failed CREATE INDEX CONCURRENTLY leaves its index INVALID; IF NOT EXISTS would
            // then skip it and the file be recorded with an index that is never used. Dropped first, so the
            // run aim advises after a failure builds it again.
            if (built !== undefined) yield* dropInvalidIndex(session, built)
            const keptBefore = openedAt ?? index
            yield* session.execute(statement.text).pipe(
              Effect.mapError((error) => {
                const failure = failed(migration, error, false, statement.offset, statement.text)
                const first = statements[0]?.line ?? statement.line
                const last = statements[keptBefore - 1]?.line ?? statement.line
                return new MigrationFailed({ ...failure, kept: { count: keptBefore, firstLine: first, lastLine: last } })
              }),
              // The file's own transaction is aborted: ended here, so the session (and the lock it holds) is usable.
              Effect.tapError(() => (openedAt === undefined ? Effect.void : session.execute("ROLLBACK").pipe(Effect.ignore))),
            )
          }
        }),
      )
      // Every index the file built concurrently must be valid before the file is recorded.
      const invalid = yield* invalidIndexes(session, builtConcurrently)
      if (invalid.length > 0) {
        const last = statements.at(-1)
        return yield* new MigrationFailed({
          version: migration.version,
          name: migration.name,
          path: migration.path,
          line: last?.line,
          column: 1,
          sqlState: undefined,
          serverMessage: `index ${invalid.join(", ")} is INVALID after the file ran (a concurrent build that did not finish); aim migrate drops and builds it again on the next run`,
          detail: undefined,
          hint: undefined,
          rolledBack: false,
          kept: { count: statements.length, firstLine: statements[0]?.line ?? 1, lastLine: last?.line ?? 1 },
        })
      }
      // The two ledgers are written together or not at all.
      yield* transaction(
        session,
        Effect.zipRight(
          recordApplied(session.query, migration, Math.round(performance.now() - t0), appliedBy, method),
          recordCoLedger(session, coLedger, coLedger.provides(migration.name)),
        ),
      )
      return Math.round(performance.now() - t0)
    }
    // The file, aim's ledger row and the co-ledger's records of what it provides: one transaction.
    const provided = coLedger.provides(migration.name)
    const coLedgerRecords = provided.length === 0 ? "" : coLedger.recordStatement(provided)
    // The file with the files' search_path, aim's rows with aim's (asFiles, asAim: both end with the transaction).
    const body = `${migration.sql}\n;\n${asAim};\n${recordAppliedStatement(migration, appliedBy, method)};${coLedgerRecords === "" ? "" : `\n${coLedgerRecords};`}`
    // With checks, they and the file share one transaction: what they checked cannot change before
    // it runs. Without, one round trip per file: BEGIN, the file, its ledger row (timed by the server)
    // and COMMIT; the one transaction not run by `transaction()`, which costs two more round trips.
    // This attempt's lock_timeout, for the file's transaction only (SET LOCAL): no extra round trip.
    const setLock = lockTimeoutMs === undefined ? "" : `SET LOCAL lock_timeout = '${lockTimeoutMs}ms';\n`
    const prefix = `${scriptPrefix}${setLock}${asFiles};\n`
    const script = checks.length > 0 ? body : `${prefix}${body}\nCOMMIT;`
    const outcome = yield* Effect.either(
      checks.length > 0
        ? transaction(
            session,
            Effect.zipRight(session.execute(`${setLock}${asFiles}`), Effect.zipRight(runChecks(session, migration, checks), session.execute(body))),
          )
        : session.execute(script).pipe(Effect.tapError(() => session.execute("ROLLBACK").pipe(Effect.ignore))),
    )
    if (outcome._tag === "Right") return Math.round(performance.now() - t0)
    if (outcome.left._tag === "CheckFailed") return yield* outcome.left
    if (outcome.left.position !== undefined) return yield* failed(migration, outcome.left, true, body === script ? 0 : -prefix.length, script)
    // The server completed the statements before the failing one: counted by the driver, mapped onto
    // the file split as psql splits it (as the server does). Otherwise (PGlite) found by bisection.
    const completed = outcome.left.completedStatements
    if (completed !== undefined) {
      // Before the file in the script: BEGIN, SET LOCAL lock_timeout (when given) and asFiles.
      const statement = splitStatements(migration.sql)[completed - (body === script ? 0 : setLock === "" ? 2 : 3)]
      if (statement !== undefined) return yield* failed(migration, outcome.left, true, statement.offset, "")
    }
    return yield* locateFailure(session, migration, outcome.left)
  })

export const failed = (migration: Migration, error: SqlError, rolledBack: boolean, baseOffset: number, submitted: string) => {
  const offset = baseOffset + (error.position === undefined ? 0 : offsetOfPosition(submitted, error.position))
  const { line, column } = lineColumnAt(migration.sql, offset)
  return new MigrationFailed({
    version: migration.version,
    name: migration.name,
    path: migration.path,
    line,
    column,
    sqlState: error.code,
    serverMessage: error.message,
    detail: error.detail,
    hint: error.hint,
    rolledBack,
  })
}

/**
 * The server gave no position (a RAISE, a constraint, a lock timeout): find the statement that fails
 * by bisection, inside a transaction that is always rolled back. Each probe runs the next half of the
 * statements not yet known good as one batch under a savepoint: a batch that passes is kept and the
 * search moves past it, one that fails is rolled back to the savepoint and halved. About as many
 * statements run as in the file itself, in log2(statements) round trips: the lock is held for the
 * file's run plus about one more (replaying statement by statement took one round trip each).
 */
const locateFailure = (session: Session, migration: Migration, original: SqlError) =>
  Effect.gen(function* () {
    const statements = splitStatements(migration.sql)
    const batch = (from: number, to: number) =>
      statements
        .slice(from, to)
        .map((s) => s.text)
        .join("\n")
    const bisect = Effect.gen(function* () {
      yield* session.execute(asFiles)
      // [0, known) ran without error in this transaction; the failing statement is in [known, suspect).
      let known = 0
      let suspect = statements.length
      while (suspect - known > 1) {
        const middle = Math.ceil((known + suspect) / 2)
        yield* session.execute("SAVEPOINT aim_locate")
        const probe = yield* Effect.either(session.execute(batch(known, middle)))
        if (probe._tag === "Right") {
          yield* session.execute("RELEASE SAVEPOINT aim_locate")
          known = middle
        } else {
          yield* session.execute("ROLLBACK TO SAVEPOINT aim_locate")
          suspect = middle
        }
      }
      const statement = statements[known]
      if (statement === undefined) return undefined
      const result = yield* Effect.either(session.execute(statement.text))
      return result._tag === "Left"
        ? failed(migration, result.left.code === original.code ? result.left : original, true, statement.offset, statement.text)
        : undefined
    })
    const located = yield* transaction(session, bisect, { rollback: "always" })
    return yield* located ?? failed(migration, original, true, 0, migration.sql)
  }).pipe(Effect.catchTag("SqlError", () => failed(migration, original, true, 0, migration.sql)))

import { Context, Effect } from "effect"
import { type DatabaseShape, type Session, asFiles, inFilesSearchPath, transaction } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { Migration } from "../source/Migration.js"
import { splitStatements } from "../sql/splitStatements.js"

/**
 * Runs a file's SQL on `session` without a ledger row (scratch databases: the idempotency proof,
 * drift's and baseline's reference catalogs): in one transaction, or statement by statement for a
 * `-- aim:no-transaction` file, as the migrator runs it.
 */
export const executeFile = (session: Session, migration: Migration): Effect.Effect<void, SqlError> =>
  migration.transactional
    ? transaction(session, Effect.zipRight(session.execute(asFiles), session.execute(migration.sql)))
    : inFilesSearchPath(
        session,
        Effect.forEach(splitStatements(migration.sql), (statement) => session.execute(statement.text), { discard: true }),
      )

/**
 * What can change a snapshot: DDL, a DO block (not ON CONFLICT DO NOTHING), or a write naming a table
 * whose rows the snapshot counts as schema (drift's seeded rows), which the caller names. Built once
 * per replay.
 */
const snapshotChanges = (snapshotTables: ReadonlyArray<string>): RegExp =>
  new RegExp(
    [
      "\\b(create|alter|drop|comment|grant|revoke)\\b",
      "\\bdo\\s*(\\$|')",
      ...snapshotTables.map((table) => `\\b${table.replace(/[^A-Za-z0-9_]/g, "")}\\b`),
    ].join("|"),
    "i",
  )

export interface ReplayedCatalog<V> {
  /** The catalog after the last file. */
  readonly snapshot: ReadonlyMap<string, V>
  /** The file that created each object, in the order the objects appeared. */
  readonly createdBy: ReadonlyMap<string, string>
}

/**
 * Told after each file a replay runs (done of total): a replay of thousands of files takes minutes, and
 * a command that waits must say so. `again` names why a second replay of the same files runs (drift's,
 * naming each difference's file), so its count starting over at 1 is not read as the first one's. A
 * no-op unless a front end provides one (the CLI: a line on stderr).
 */
export class ReplayProgress extends Context.Reference<ReplayProgress>()("@aim/core/ReplayProgress", {
  defaultValue:
    () =>
    (_done: number, _total: number, _again?: string): Effect.Effect<void> =>
      Effect.void,
}) {}

/**
 * What a replay already knows of its first files: which file created each object of the catalog the
 * first `files` files build (drift's build artifact for the shipped files). Those files still run, but
 * no snapshot is taken between them.
 */
export interface KnownPrefix {
  readonly files: number
  readonly createdBy: ReadonlyMap<string, string>
  /**
   * A prepared embedded cluster, by file name (PgliteDatabase), in which those files are already
   * applied: a scratch database started from it runs only the files after them (`prefixApplied`).
   */
  readonly cluster?: string
}

/**
 * Runs `migrations` in order on `session` (a scratch database) and reads what they built, with the
 * file that created each object. A snapshot reads the whole catalog, so it is taken only after a file
 * that can change it (and after the last): a thousand data-only files cost a thousand statements,
 * not a thousand snapshots. With a `known` prefix, only after the prefix's last file and the files
 * after it: an operator's own files on top of the shipped ones pay for their own snapshots alone
 * (25 snapshots were 0.7 s of a 3 s drift on PGlite).
 */
export const replayFiles = <V>(
  session: Session,
  migrations: ReadonlyArray<Migration>,
  snapshot: (db: Pick<DatabaseShape, "query">) => Effect.Effect<ReadonlyMap<string, V>, SqlError>,
  options: {
    readonly known?: KnownPrefix | undefined
    /** The snapshot's keys alone, cheaper to read: taken between files, the whole snapshot after the last. */
    readonly keys?: (db: Pick<DatabaseShape, "query">) => Effect.Effect<ReadonlySet<string>, SqlError>
    /** Tables whose rows the snapshot reads (drift's seeded rows): a file writing one changes the snapshot. */
    readonly snapshotTables?: ReadonlyArray<string>
    /**
     * False: no snapshot between files and no `createdBy`, the final snapshot alone (drift when it
     * has no difference to name a file for). True, the default: which file created each object.
     */
    readonly attribute?: boolean
    /** The scratch database already holds the `known` prefix (it started from its cluster): only the files after it run. */
    readonly prefixApplied?: boolean
  } = {},
): Effect.Effect<ReplayedCatalog<V>, SqlError> =>
  Effect.gen(function* () {
    const { known, keys, snapshotTables = [], attribute = true, prefixApplied = false } = options
    const changes = snapshotChanges(snapshotTables)
    const createdBy = new Map<string, string>()
    const progress = yield* ReplayProgress
    const prefix = known === undefined ? 0 : Math.min(known.files, migrations.length)
    let before: ReadonlySet<string> = new Set()
    let final: ReadonlyMap<string, V> = new Map()
    // What runs: every file, or only those after a prefix the scratch database already holds.
    const skipped = prefixApplied ? prefix : 0
    for (const [index, migration] of migrations.entries()) {
      if (index >= skipped) {
        yield* executeFile(session, migration)
        yield* progress(index + 1 - skipped, migrations.length - skipped)
      }
      const last = index === migrations.length - 1
      // Inside a known prefix no snapshot is taken; after it, only after a file that can change one.
      const snapshotHere = last || (attribute && (index === prefix - 1 || (index >= prefix && changes.test(migration.sql))))
      if (!snapshotHere) continue
      if (last) final = yield* snapshot(session)
      if (!attribute) continue
      const after: ReadonlySet<string> = last ? new Set(final.keys()) : keys === undefined ? new Set((yield* snapshot(session)).keys()) : yield* keys(session)
      // At the prefix's end, each object is the known file's; one the artifact does not name (it
      // cannot happen while the artifact's test passes) is the prefix's last file's.
      for (const key of after) if (!before.has(key)) createdBy.set(key, (index < prefix ? known?.createdBy.get(key) : undefined) ?? migration.name)
      before = after
    }
    return { snapshot: final, createdBy }
  })

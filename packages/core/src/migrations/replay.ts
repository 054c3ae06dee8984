import { Context, Effect } from "effect"
import { type DatabaseShape, type Session, asFiles, inFilesSearchPath, transaction } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { Migration } from "./Migration.js"
import { splitStatements } from "./splitStatements.js"

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

// DDL, a DO block (not ON CONFLICT DO NOTHING), or a write to the seeded policies.
const changesCatalog = (sql: string) => /\b(create|alter|drop|comment|grant|revoke|security_policies)\b|\bdo\s*(\$|')/i.test(sql)

export interface ReplayedCatalog<V> {
  /** The catalog after the last file. */
  readonly snapshot: ReadonlyMap<string, V>
  /** The file that created each object, in the order the objects appeared. */
  readonly createdBy: ReadonlyMap<string, string>
}

/**
 * Told after each file a replay runs (done of total): a replay of thousands of files takes minutes, and
 * a command that waits must say so. A no-op unless a front end provides one (the CLI: a line on stderr).
 */
export class ReplayProgress extends Context.Reference<ReplayProgress>()("@aim/core/ReplayProgress", {
  defaultValue:
    () =>
    (_done: number, _total: number): Effect.Effect<void> =>
      Effect.void,
}) {}

/**
 * Runs `migrations` in order on `session` (a scratch database) and reads what they built, with the
 * file that created each object. A snapshot reads the whole catalog, so it is taken only after a file
 * that can change it (and after the last): a thousand data-only files cost a thousand statements,
 * not a thousand snapshots.
 */
export const replayFiles = <V>(
  session: Session,
  migrations: ReadonlyArray<Migration>,
  snapshot: (db: Pick<DatabaseShape, "query">) => Effect.Effect<ReadonlyMap<string, V>, SqlError>,
): Effect.Effect<ReplayedCatalog<V>, SqlError> =>
  Effect.gen(function* () {
    const createdBy = new Map<string, string>()
    const progress = yield* ReplayProgress
    let before: ReadonlyMap<string, V> = new Map()
    for (const [index, migration] of migrations.entries()) {
      yield* executeFile(session, migration)
      yield* progress(index + 1, migrations.length)
      if (!changesCatalog(migration.sql) && index < migrations.length - 1) continue
      const after = yield* snapshot(session)
      for (const key of after.keys()) if (!before.has(key)) createdBy.set(key, migration.name)
      before = after
    }
    return { snapshot: before, createdBy }
  })

import { Effect } from "effect"
import type { DatabaseShape } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { Migration } from "../migrations/Migration.js"
import { splitStatements } from "../migrations/splitStatements.js"

/** Catalog objects keyed `kind:name`, valued by their definition (or row count for seed data). */
export type CatalogSnapshot = ReadonlyMap<string, string>

export interface IdempotencyFinding {
  readonly file: string
  /** e.g. `rows:security_policies`, `trigger:users.users_set_updated_at`, or `error`. */
  readonly object: string
  readonly before: string | undefined
  readonly after: string | undefined
}

export interface IdempotencyReport {
  readonly ok: boolean
  readonly files: number
  readonly objects: number
  readonly findings: ReadonlyArray<IdempotencyFinding>
}

const snapshotQueries: ReadonlyArray<readonly [string, string]> = [
  ["table", "SELECT tablename AS k, '' AS v FROM pg_tables WHERE schemaname = 'public'"],
  [
    "column",
    "SELECT table_name || '.' || column_name AS k, data_type || ' ' || coalesce(column_default, '') || ' ' || is_nullable AS v FROM information_schema.columns WHERE table_schema = 'public'",
  ],
  ["constraint", "SELECT conrelid::regclass::text || '.' || conname AS k, pg_get_constraintdef(oid) AS v FROM pg_constraint WHERE connamespace = 'public'::regnamespace"],
  ["index", "SELECT indexname AS k, indexdef AS v FROM pg_indexes WHERE schemaname = 'public'"],
  ["trigger", "SELECT tgrelid::regclass::text || '.' || tgname AS k, pg_get_triggerdef(oid) AS v FROM pg_trigger WHERE NOT tgisinternal"],
  [
    "function",
    "SELECT proname || '(' || pg_get_function_identity_arguments(oid) || ')' AS k, md5(pg_get_functiondef(oid)) AS v FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
  ],
]

/** Tables, columns, constraints, indexes, triggers, functions and every table's row count. */
export const catalogSnapshot = (db: Pick<DatabaseShape, "query">): Effect.Effect<CatalogSnapshot, SqlError> =>
  Effect.gen(function* () {
    const snapshot = new Map<string, string>()
    const tables: Array<string> = []
    for (const [kind, sql] of snapshotQueries) {
      for (const row of yield* db.query<{ k: string; v: string }>(sql)) {
        snapshot.set(`${kind}:${row.k}`, row.v)
        if (kind === "table") tables.push(row.k)
      }
    }
    if (tables.length > 0) {
      const counts = yield* db.query<{ t: string; n: number }>(
        tables.map((t) => `SELECT '${t.replace(/'/g, "''")}' AS t, count(*)::int AS n FROM public."${t.replace(/"/g, '""')}"`).join(" UNION ALL "),
      )
      for (const row of counts) snapshot.set(`rows:${row.t}`, String(row.n))
    }
    return snapshot
  })

const diff = (file: string, before: CatalogSnapshot, after: CatalogSnapshot): ReadonlyArray<IdempotencyFinding> => {
  const findings: Array<IdempotencyFinding> = []
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(key) !== after.get(key)) findings.push({ file, object: key, before: before.get(key), after: after.get(key) })
  }
  return findings.sort((a, b) => a.object.localeCompare(b.object))
}

const runFile = (db: DatabaseShape, migration: Migration) =>
  Effect.scoped(
    Effect.gen(function* () {
      const session = yield* db.session
      if (!migration.transactional) {
        for (const statement of splitStatements(migration.sql)) yield* session.execute(statement.text)
        return
      }
      yield* session.execute("BEGIN")
      const result = yield* Effect.either(session.execute(migration.sql))
      yield* session.execute(result._tag === "Right" ? "COMMIT" : "ROLLBACK")
      yield* result
    }),
  )

/**
 * Applies every migration to a scratch database, snapshots the catalog, then runs every file a
 * second time and compares the snapshot after each one: any error or difference names the file and
 * the object that changed.
 */
export const proveIdempotent = (db: DatabaseShape, migrations: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    for (const migration of migrations) {
      const first = yield* Effect.either(runFile(db, migration))
      if (first._tag === "Left") {
        return { ok: false, files: migrations.length, objects: 0, findings: [{ file: migration.name, object: "error (first run)", before: undefined, after: first.left.message }] } satisfies IdempotencyReport
      }
    }
    let previous = yield* catalogSnapshot(db)
    const objects = previous.size
    const findings: Array<IdempotencyFinding> = []
    for (const migration of migrations) {
      const second = yield* Effect.either(runFile(db, migration))
      if (second._tag === "Left") {
        findings.push({ file: migration.name, object: "error (second run)", before: undefined, after: second.left.message })
        continue
      }
      const next = yield* catalogSnapshot(db)
      findings.push(...diff(migration.name, previous, next))
      previous = next
    }
    return { ok: findings.length === 0, files: migrations.length, objects, findings } satisfies IdempotencyReport
  })

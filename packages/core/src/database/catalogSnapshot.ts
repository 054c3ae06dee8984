import { Effect } from "effect"
import type { DatabaseShape } from "./Database.js"
import type { SqlError } from "./SqlError.js"
import { withFilesSearchPath } from "./catalogText.js"
import { ident, literal } from "./sqlText.js"

/** Catalog objects of `public` keyed `kind:name` (e.g. `column:users.status`), valued by their definition. */
export type CatalogSnapshot = ReadonlyMap<string, string>

// In dependency order (a trigger needs its function), so the first missing object is the one to name.
// NOT NULL constraints are left out: PostgreSQL 18 lists them in pg_constraint, 15-17 do not; the
// column's is_nullable carries the same fact on every version. The AIM backend's runner ledger
// (public.schema_migrations) is bookkeeping like aim's own ledger, not schema: left out.
const snapshotQueries: ReadonlyArray<readonly [string, string]> = [
  ["table", "SELECT tablename AS k, '' AS v FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"],
  [
    "column",
    "SELECT table_name || '.' || column_name AS k, data_type || coalesce('(' || character_maximum_length || ')', '') || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') || ' ' || coalesce(column_default, '') || ' ' || is_nullable AS v FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'",
  ],
  [
    "constraint",
    "SELECT conrelid::regclass::text || '.' || conname AS k, pg_get_constraintdef(oid) AS v FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n' AND conrelid IS DISTINCT FROM to_regclass('public.schema_migrations')",
  ],
  ["index", "SELECT indexname AS k, indexdef AS v FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"],
  [
    "function",
    "SELECT proname || '(' || pg_get_function_identity_arguments(oid) || ')' AS k, md5(pg_get_functiondef(oid)) AS v FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
  ],
  [
    "trigger",
    "SELECT c.relname || '.' || t.tgname AS k, pg_get_triggerdef(t.oid) AS v FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace",
  ],
]

export interface SnapshotOptions {
  /**
   * Count rows of every table (`rows:<table>`), up to this many per table: a bounded scan, so a
   * snapshot of a production database with millions of audit rows stays cheap. Infinity counts all.
   */
  readonly rowCountCap?: number
}

/** Tables, columns, constraints, indexes, triggers, functions and (optionally) row counts of `public`. */
export const catalogSnapshot = (
  db: Pick<DatabaseShape, "query">,
  options: SnapshotOptions = { rowCountCap: Number.POSITIVE_INFINITY },
): Effect.Effect<CatalogSnapshot, SqlError> =>
  Effect.gen(function* () {
    const snapshot = new Map<string, string>()
    const tables: Array<string> = []
    for (const [kind, sql] of snapshotQueries) {
      for (const row of yield* db.query<{ k: string; v: string }>(sql)) {
        // Keys and definitions as the files name them (regclass text and deparsed definitions qualify public's names).
        snapshot.set(`${kind}:${withFilesSearchPath(row.k)}`, withFilesSearchPath(row.v))
        if (kind === "table") tables.push(row.k)
      }
    }
    const cap = options.rowCountCap
    if (tables.length > 0 && cap !== undefined) {
      for (const row of yield* countRows(db, tables, cap)) snapshot.set(`rows:${row.t}`, Number.isFinite(cap) && row.n >= cap ? `${cap}+` : String(row.n))
    }
    return snapshot
  })

/**
 * Row counts of tables of `public` in one round trip, each a bounded scan of at most `cap` rows
 * (Infinity counts all): cheap on a production table with millions of rows.
 */
export const countRows = (
  db: Pick<DatabaseShape, "query">,
  tables: ReadonlyArray<string>,
  cap: number,
): Effect.Effect<ReadonlyArray<{ readonly t: string; readonly n: number }>, SqlError> => {
  const from = (t: string) => `public.${ident(t)}`
  const count = (t: string) =>
    Number.isFinite(cap)
      ? `(SELECT count(*)::int FROM (SELECT 1 FROM ${from(t)} LIMIT ${Math.floor(cap)}) AS capped)`
      : `(SELECT count(*)::int FROM ${from(t)})`
  return db.query<{ t: string; n: number }>(tables.map((t) => `SELECT ${literal(t)} AS t, ${count(t)} AS n`).join(" UNION ALL "))
}

export interface CatalogChange {
  /** `kind:name`, e.g. `column:security_policies.is_enforced`, `rows:security_policies`. */
  readonly object: string
  readonly change: "added" | "altered" | "removed"
  readonly before?: string
  readonly after?: string
}

/** What changed from `before` to `after`, sorted by object. */
export const diffSnapshots = (before: CatalogSnapshot, after: CatalogSnapshot): ReadonlyArray<CatalogChange> => {
  const changes: Array<CatalogChange> = []
  for (const object of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(object)
    const now = after.get(object)
    if (was === now) continue
    if (was === undefined) changes.push(now === undefined || now === "" ? { object, change: "added" } : { object, change: "added", after: now })
    else if (now === undefined) changes.push(was === "" ? { object, change: "removed" } : { object, change: "removed", before: was })
    else changes.push({ object, change: "altered", before: was, after: now })
  }
  return changes.sort((a, b) => a.object.localeCompare(b.object))
}

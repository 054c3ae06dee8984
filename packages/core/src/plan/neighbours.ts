import type { CatalogFacts, ForeignKey, LockMode, RelationLock } from "./catalogFacts.js"

/**
 * The relations a statement locks besides the ones it names, by PostgreSQL's rules: the tables its
 * foreign keys' triggers read or write (a row written with a foreign key checks its referenced row
 * FOR KEY SHARE; a deleted or re-keyed referenced row is checked, cascaded or set null in the tables
 * that reference it, and a cascade goes on from there), and the partitions of a partitioned table
 * (which every statement on the parent reaches) or the partitioned tables above a partition.
 * Each function returns the locks to add; `merge` keeps the strongest per relation.
 */

/** Every partition below `table`, at any depth (a partition may itself be partitioned). */
export const partitionsOf = (table: string, facts: CatalogFacts): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (parent: string) => {
    for (const child of facts.partitions.get(parent) ?? []) {
      if (found.includes(child)) continue
      found.push(child)
      visit(child)
    }
  }
  visit(table)
  return found
}

/** The partitioned tables above `table`, nearest first. */
export const ancestorsOf = (table: string, facts: CatalogFacts): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (let parent = facts.partitionOf.get(table); parent !== undefined && !found.includes(parent); parent = facts.partitionOf.get(parent)) {
    found.push(parent)
  }
  return found
}

/**
 * The default partition of `parent` when it is not `table` itself: a partition added, attached,
 * detached or dropped changes the bound of the default one, which PostgreSQL then takes exclusively.
 */
export const defaultPartitionBesides = (parent: string, table: string, facts: CatalogFacts): ReadonlyArray<string> => {
  const fallback = facts.defaultPartition.get(parent)
  return fallback === undefined || fallback === table ? [] : [fallback]
}

/** The same mode on every partition of each partitioned table locked (the statement recurses to them). */
export const withPartitions = (locks: ReadonlyArray<RelationLock>, facts: CatalogFacts): ReadonlyArray<RelationLock> => [
  ...locks,
  ...locks.flatMap((lock) => partitionsOf(lock.relation, facts).map((relation) => ({ relation, mode: lock.mode }))),
]

const locking = (relations: ReadonlyArray<string>, mode: LockMode): ReadonlyArray<RelationLock> => relations.map((relation) => ({ relation, mode }))

const overlaps = (a: ReadonlyArray<string>, b: ReadonlyArray<string> | undefined) => b === undefined || a.some((column) => b.includes(column))

/** Foreign keys of `table` (it references), and those that reference it. */
const outgoing = (table: string, facts: CatalogFacts) => facts.references.filter((fk) => fk.table === table)
const incoming = (table: string, facts: CatalogFacts) => facts.references.filter((fk) => fk.referenced === table)

/**
 * Rows written into `table` (INSERT, COPY, the new values of an UPDATE): each foreign key among the
 * `columns` written (all of them when undefined) checks its referenced row FOR KEY SHARE.
 */
export const referencedByWrite = (table: string, columns: ReadonlyArray<string> | undefined, facts: CatalogFacts): ReadonlyArray<RelationLock> =>
  locking(
    outgoing(table, facts)
      .filter((fk) => overlaps(fk.columns, columns))
      .map((fk) => fk.referenced),
    "RowShareLock",
  )

/** What the action of a foreign key does to its referencing table when a referenced row goes or changes. */
const actionLock = (action: ForeignKey["onDelete"]): LockMode =>
  // NO ACTION and RESTRICT look for referencing rows (FOR KEY SHARE); CASCADE, SET NULL and SET DEFAULT change them.
  action === "a" || action === "r" ? "RowShareLock" : "RowExclusiveLock"

/** Rows deleted from `table`: each referencing table is checked, or its rows deleted or set null, and a cascade goes on. */
export const referencingByDelete = (table: string, facts: CatalogFacts): ReadonlyArray<RelationLock> => {
  const found: Array<RelationLock> = []
  const seen = new Set<string>([table])
  const visit = (from: string) => {
    for (const fk of incoming(from, facts)) {
      found.push({ relation: fk.table, mode: actionLock(fk.onDelete) })
      if (fk.onDelete === "c" && !seen.has(fk.table)) {
        seen.add(fk.table)
        visit(fk.table)
      }
    }
  }
  visit(table)
  return found
}

/** The referenced key columns of `table` changed by an UPDATE of `columns`: the referencing tables' ON UPDATE actions run. */
export const referencingByKeyUpdate = (table: string, columns: ReadonlyArray<string> | undefined, facts: CatalogFacts): ReadonlyArray<RelationLock> =>
  incoming(table, facts)
    .filter((fk) => overlaps(fk.referencedColumns, columns))
    .map((fk) => ({ relation: fk.table, mode: actionLock(fk.onUpdate) }))

/** TRUNCATE … CASCADE: every table that references a truncated one, at any depth, is truncated too. */
export const truncatedByCascade = (tables: ReadonlyArray<string>, facts: CatalogFacts): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (from: string) => {
    for (const fk of incoming(from, facts)) {
      if (tables.includes(fk.table) || found.includes(fk.table)) continue
      found.push(fk.table)
      visit(fk.table)
    }
  }
  for (const table of tables) visit(table)
  return found
}

/**
 * A column's type changed: the foreign keys on it are rebuilt, which takes AccessExclusiveLock on the
 * table at their other end (the referenced table for a referencing column, each referencing table
 * for a referenced one).
 */
export const rebuiltForeignKeys = (table: string, column: string, facts: CatalogFacts): ReadonlyArray<RelationLock> =>
  locking(
    [
      ...outgoing(table, facts)
        .filter((fk) => fk.columns.includes(column))
        .map((fk) => fk.referenced),
      ...incoming(table, facts)
        .filter((fk) => fk.referencedColumns.includes(column))
        .map((fk) => fk.table),
    ].filter((relation) => relation !== table),
    "AccessExclusiveLock",
  )

/** Every table whose foreign key references `table` (their constraints go with a CASCADE drop of its key). */
export const referencingTables = (table: string, facts: CatalogFacts): ReadonlyArray<string> =>
  incoming(table, facts)
    .map((fk) => fk.table)
    .filter((relation) => relation !== table)

/** The views and materialized views that read `relation`, at any depth (a view of a view): DROP … CASCADE drops them too. */
export const viewsOf = (relation: string, facts: CatalogFacts): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (read: string) => {
    for (const [view, reads] of facts.viewReads) {
      if (!reads.includes(read) || found.includes(view) || view === relation) continue
      found.push(view)
      visit(view)
    }
  }
  visit(relation)
  return found
}

/** The views that use `table.column`, and the views of those: DROP COLUMN … CASCADE drops them. */
export const viewsOfColumn = (table: string, column: string, facts: CatalogFacts): ReadonlyArray<string> => {
  const direct = facts.viewColumns.get(`${table}.${column}`) ?? []
  return [...new Set(direct.flatMap((view) => [view, ...viewsOf(view, facts)]))]
}

// Up to RowExclusiveLock: what a query or a write takes, and what the rewriter passes on to the
// relations a view's query reads (DDL on a view is no query of it).
const queryModes: ReadonlySet<LockMode> = new Set<LockMode>(["AccessShareLock", "RowShareLock", "RowExclusiveLock"])

/**
 * A query of a plain view is rewritten into its query: the relations the view reads are locked in
 * the same mode (AccessShareLock for a read, RowExclusiveLock for a write through an updatable
 * view), views of views down to their tables. A materialized view is read as a table. LOCK TABLE
 * of a view passes any mode on.
 */
export const throughViews = (
  locks: ReadonlyArray<RelationLock>,
  facts: CatalogFacts,
  modes: "query modes" | "any mode" = "query modes",
): ReadonlyArray<RelationLock> => {
  const found: Array<RelationLock> = [...locks]
  const visit = (view: string, mode: LockMode, seen: ReadonlySet<string>) => {
    for (const relation of facts.viewReads.get(view) ?? []) {
      if (seen.has(relation)) continue
      found.push({ relation, mode })
      if (facts.plainViews.has(relation)) visit(relation, mode, new Set([...seen, relation]))
    }
  }
  for (const { relation, mode } of locks)
    if (facts.plainViews.has(relation) && (modes === "any mode" || queryModes.has(mode))) visit(relation, mode, new Set([relation]))
  return found
}

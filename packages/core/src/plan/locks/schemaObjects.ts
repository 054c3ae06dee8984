// Creating, altering, dropping and maintaining schema objects: CREATE TABLE, indexes, triggers,
// policies, views, rules, statistics, sequences, renames, GRANT, DROP, REINDEX, VACUUM, CLUSTER,
// LOCK TABLE, COMMENT ON and SECURITY LABEL ON.
import { type AstNode, lastName, type StatementKind } from "../../sql/sqlAnalysis.js"
import type { CatalogFacts, LockMode } from "../catalogFacts.js"
import { defaultPartitionBesides, partitionsOf, throughViews, viewsOf, withPartitions } from "../neighbours.js"
import {
  constraintTargets,
  impact,
  items,
  type LockRules,
  listed,
  listedWithPartitions,
  rangeVars,
  recurses,
  relname,
  type StatementLocks,
  str,
  untyped,
} from "./syntax.js"

/** DROP: a table takes its foreign-key neighbours with it; an index its table; a trigger, policy or rule its table. */
export const dropLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const type = String(node.removeType).replace(/^OBJECT_/, "")
  const objects = ((node.objects ?? []) as ReadonlyArray<unknown>).map((o) =>
    items(o)
      .map(str)
      .filter((s): s is string => s !== undefined),
  )
  if (type === "TABLE") {
    const tables = objects.flatMap((o) => o.at(-1) ?? [])
    // Dropping a table drops its foreign keys' triggers on the tables they reference, and theirs on it.
    const neighbours = facts.references.flatMap((fk) => (tables.includes(fk.table) ? [fk.referenced] : tables.includes(fk.referenced) ? [fk.table] : []))
    // A partitioned table goes with its partitions; a partition is taken out of its partitioned table
    // (exclusively) and of the default partition's bound.
    const partitioned = tables.flatMap((t) => {
      const parent = facts.partitionOf.get(t)
      return [...partitionsOf(t, facts), ...(parent === undefined ? [] : [parent, ...defaultPartitionBesides(parent, t, facts)])]
    })
    return impact(
      "DROP TABLE",
      [...tables, ...neighbours, ...partitioned, ...cascadedViews(tables, node, facts)].map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
      { destructive: true },
    )
  }
  if (type === "INDEX") {
    const concurrent = node.concurrent === true
    const indexes = objects.flatMap((o) => o.at(-1) ?? [])
    const mode = concurrent ? ("ShareUpdateExclusiveLock" as const) : ("AccessExclusiveLock" as const)
    return impact(
      `DROP INDEX${concurrent ? " CONCURRENTLY" : ""}`,
      indexes.flatMap((index) => {
        const table = facts.indexTable.get(index)
        // CONCURRENTLY takes the table SHARE UPDATE EXCLUSIVE, waits (on their transactions) for every
        // transaction using the table to end, then takes the index ACCESS EXCLUSIVE to remove it, when
        // no query can be using it any more (pg_locks, with readers holding it: lockPlan.test.ts).
        return [{ relation: index, mode: "AccessExclusiveLock" as const }, ...(table === undefined ? [] : [{ relation: table, mode }])]
      }),
      concurrent
        ? {
            outsideTransaction: true,
            saferForm: "waits for every transaction using the table to end before it finishes: run it when no long query or idle transaction holds the table",
          }
        : { saferForm: "DROP INDEX CONCURRENTLY in its own file with -- aim:no-transaction" },
    )
  }
  if (type === "TRIGGER" || type === "POLICY" || type === "RULE") {
    // DROP TRIGGER name ON table: the table is every name but the last.
    const tables = objects.flatMap((o) => o.at(-2) ?? [])
    return impact(
      `DROP ${type}`,
      tables.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  if (type === "VIEW" || type === "MATVIEW" || type === "SEQUENCE") {
    const dropped = objects.flatMap((o) => o.at(-1) ?? [])
    return impact(
      `DROP ${type}`,
      [...dropped, ...cascadedViews(dropped, node, facts)].map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  if ((type === "FUNCTION" || type === "PROCEDURE") && node.behavior === "DROP_CASCADE") {
    // CASCADE drops the triggers that run it: each one's table is taken exclusively.
    const functions = ((node.objects ?? []) as ReadonlyArray<{ ObjectWithArgs?: { objname?: ReadonlyArray<unknown> } }>).flatMap(
      (o) => lastName(o.ObjectWithArgs?.objname ?? []) ?? [],
    )
    const tables = [...facts.triggers].filter(([, triggers]) => triggers.some((t) => functions.includes(t.function))).map(([table]) => table)
    return impact(
      `DROP ${type}`,
      tables.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  return impact(`DROP ${type}`, [])
}
/** With CASCADE, the views that read what a DROP drops go too. */
export const cascadedViews = (dropped: ReadonlyArray<string>, drop: AstNode, facts: CatalogFacts): ReadonlyArray<string> =>
  drop.behavior === "DROP_CASCADE" ? dropped.flatMap((relation) => viewsOf(relation, facts)) : []
/**
 * REINDEX TABLE and INDEX (± CONCURRENTLY); other forms (SCHEMA, DATABASE, SYSTEM) are not analysed.
 * A plain REINDEX holds ShareLock on the table and AccessExclusiveLock on each index it rebuilds:
 * a SELECT that would use one of them waits, so it blocks reads too.
 */
export const reindexLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const concurrent = ((node.params ?? []) as ReadonlyArray<unknown>).some((p) => (p as { DefElem?: { defname?: string } }).DefElem?.defname === "concurrently")
  const name = relname(node.relation)
  const table =
    node.kind === "REINDEX_OBJECT_TABLE" ? name : node.kind === "REINDEX_OBJECT_INDEX" && name !== undefined ? facts.indexTable.get(name) : undefined
  if (name === undefined || (node.kind !== "REINDEX_OBJECT_TABLE" && node.kind !== "REINDEX_OBJECT_INDEX")) return impact("REINDEX", [], { opaque: true })
  const indexes = node.kind === "REINDEX_OBJECT_INDEX" ? [name] : [...facts.indexTable].filter(([, of]) => of === name).map(([index]) => index)
  const what = node.kind === "REINDEX_OBJECT_TABLE" ? "TABLE" : "INDEX"
  return impact(
    `REINDEX ${what}${concurrent ? " CONCURRENTLY" : ""}`,
    [
      ...(table === undefined ? [] : [{ relation: table, mode: concurrent ? ("ShareUpdateExclusiveLock" as const) : ("ShareLock" as const) }]),
      // CONCURRENTLY builds beside each index and swaps them in holding SHARE UPDATE EXCLUSIVE on each
      // index only; at its swap and drop phases it waits (on their transactions, not on a relation
      // lock) for every transaction using the index to end. It never blocks the application's queries
      // (pg_locks, with readers holding the indexes: lockPlan.test.ts).
      ...indexes.map((index) => ({ relation: index, mode: concurrent ? ("ShareUpdateExclusiveLock" as const) : ("AccessExclusiveLock" as const) })),
    ],
    {
      scan: true,
      outsideTransaction: concurrent,
      saferForm: concurrent
        ? "waits for every transaction using the index to end at its swap: run it when no long query or idle transaction holds the table"
        : `REINDEX ${what} CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes go on while it rebuilds)`,
    },
  )
}
/** VACUUM (FULL rewrites) and ANALYZE. */
export const vacuumLocks = (node: AstNode): StatementLocks => {
  const relations = ((node.rels ?? []) as ReadonlyArray<{ VacuumRelation?: { relation?: unknown } }>).flatMap((r) => relname(r.VacuumRelation?.relation) ?? [])
  const full = ((node.options ?? []) as ReadonlyArray<unknown>).some((o) => (o as { DefElem?: { defname?: string } }).DefElem?.defname === "full")
  const verb = node.is_vacuumcmd === true ? (full ? "VACUUM FULL" : "VACUUM") : "ANALYZE"
  return impact(
    verb,
    relations.map((relation) => ({ relation, mode: full ? ("AccessExclusiveLock" as const) : ("ShareUpdateExclusiveLock" as const) })),
    { scan: true, rewrite: full, outsideTransaction: node.is_vacuumcmd === true },
  )
}
/** LOCK TABLE in the mode it names. */
export const lockTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const modes: Record<number, LockMode> = {
    1: "AccessShareLock",
    2: "RowShareLock",
    3: "RowExclusiveLock",
    4: "ShareUpdateExclusiveLock",
    5: "ShareLock",
    6: "ShareRowExclusiveLock",
    7: "ExclusiveLock",
    8: "AccessExclusiveLock",
  }
  const mode = modes[Number(node.mode)] ?? "AccessExclusiveLock"
  // LOCK of a view locks what the view's query reads, in the same mode.
  return impact("LOCK TABLE", throughViews(listedWithPartitions(node.relations, mode, facts), facts, "any mode"))
}
/**
 * CREATE TABLE: its foreign keys take the referenced tables (ShareRowExclusiveLock), LIKE reads the
 * table it copies, INHERITS takes each parent, PARTITION OF takes the partitioned table.
 */
export const createTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const elements = (node.tableElts ?? []) as ReadonlyArray<unknown>
  const columnConstraints = elements.flatMap((e) => ((e as { ColumnDef?: AstNode }).ColumnDef?.constraints ?? []) as ReadonlyArray<unknown>)
  const tableConstraints = elements.filter((e) => (e as { Constraint?: unknown }).Constraint !== undefined)
  const references = constraintTargets([...columnConstraints, ...tableConstraints]).map((relation) => ({
    relation,
    mode: "ShareRowExclusiveLock" as const,
  }))
  // CREATE TABLE … PARTITION OF: the partitioned table is taken exclusively, and its default
  // partition too (its rows must not belong to the new one).
  const parent = node.partbound === undefined ? undefined : relname(((node.inhRelations ?? []) as ReadonlyArray<{ RangeVar?: unknown }>)[0]?.RangeVar)
  if (parent !== undefined) {
    return impact("CREATE TABLE … PARTITION OF", [
      ...[parent, ...defaultPartitionBesides(parent, relname(node.relation) ?? "?", facts)].map((relation) => ({
        relation,
        mode: "AccessExclusiveLock" as const,
      })),
      ...references,
    ])
  }
  // LIKE reads the table it copies; INHERITS takes each parent as ALTER TABLE … INHERIT does.
  const copied = elements.flatMap((e) => relname((e as { TableLikeClause?: { relation?: unknown } }).TableLikeClause?.relation) ?? [])
  const parents = ((node.inhRelations ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => relname(r.RangeVar) ?? [])
  return impact("CREATE TABLE", [
    ...references,
    ...copied.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    ...parents.map((relation) => ({ relation, mode: "ShareUpdateExclusiveLock" as const })),
  ])
}
/**
 * COMMENT ON and SECURITY LABEL ON (PostgreSQL's get_object_address): a relation of any kind (an index
 * too) or a column's relation is taken SHARE UPDATE EXCLUSIVE; a table's constraint, trigger, policy or
 * rule takes its table ACCESS SHARE (and the object itself an object lock); anything else (a function,
 * a type, a domain's constraint, a schema) only an object lock, which no query of the application takes.
 */
export const objectPropertyLocks = (verb: string, node: AstNode): StatementLocks => {
  const objectType = String(node.objtype).replace(/^OBJECT_/, "")
  const names = items(node.object)
    .map(str)
    .filter((s): s is string => s !== undefined)
  const relation = ["TABLE", "VIEW", "MATVIEW", "INDEX", "SEQUENCE", "FOREIGN_TABLE"].includes(objectType)
    ? names.at(-1)
    : objectType === "COLUMN"
      ? names.at(-2)
      : undefined
  const ofTable = ["TABCONSTRAINT", "TRIGGER", "POLICY", "RULE"].includes(objectType) ? names.at(-2) : undefined
  return impact(`${verb} ${objectType}`, [
    ...(relation === undefined ? [] : [{ relation, mode: "ShareUpdateExclusiveLock" as const }]),
    ...(ofTable === undefined ? [] : [{ relation: ofTable, mode: "AccessShareLock" as const }]),
  ])
}

// Statements that create something new or set a session value: they lock no existing table.
const createsOnlyNewObjects: Readonly<Partial<Record<StatementKind, string>>> = {
  CreateFunctionStmt: "CREATE FUNCTION",
  CreateExtensionStmt: "CREATE EXTENSION",
  CreateSeqStmt: "CREATE SEQUENCE",
  CreateEnumStmt: "CREATE TYPE",
  CompositeTypeStmt: "CREATE TYPE",
  CreateDomainStmt: "CREATE TYPE",
  CreateSchemaStmt: "CREATE SCHEMA",
  VariableSetStmt: "SET",
}

/** What a statement that creates only new objects takes: nothing on an existing table. */
export const createsOnly = (kind: StatementKind): StatementLocks | undefined => {
  const created = createsOnlyNewObjects[kind]
  return created === undefined ? undefined : impact(created, [])
}

/** The lock rules of the statements that create, alter, drop and maintain schema objects. */
export const schemaObjectRules: LockRules = {
  CreateStmt: (node, facts) => createTableLocks(untyped(node), facts),
  DropStmt: (node, facts) => dropLocks(untyped(node), facts),
  ReindexStmt: (node, facts) => reindexLocks(untyped(node), facts),
  VacuumStmt: (node) => vacuumLocks(untyped(node)),
  CommentStmt: (node) => objectPropertyLocks("COMMENT ON", untyped(node)),
  // No label provider ships with PostgreSQL, so no server here runs one: planned from the
  // documentation and seclabel.c, which finds the object as COMMENT does (get_object_address with
  // SHARE UPDATE EXCLUSIVE).
  SecLabelStmt: (node) => objectPropertyLocks("SECURITY LABEL ON", untyped(node)),
  LockStmt: (node, facts) => lockTableLocks(untyped(node), facts),
  RenameStmt: (node) => {
    const table = relname(node.relation)
    const what = String(node.renameType).replace(/^OBJECT_/, "")
    if (what === "INDEX") return impact("ALTER INDEX … RENAME", table === undefined ? [] : [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    return impact(`RENAME ${what}`, table === undefined ? [] : [{ relation: table, mode: "AccessExclusiveLock" }])
  },
  IndexStmt: (node, facts) => {
    const table = relname(node.relation) ?? "?"
    const concurrent = node.concurrent === true
    const unique = node.unique === true ? "UNIQUE " : ""
    const target = [{ relation: table, mode: concurrent ? ("ShareUpdateExclusiveLock" as const) : ("ShareLock" as const) }]
    return impact(
      `CREATE ${unique}INDEX${concurrent ? " CONCURRENTLY" : ""}`,
      // On a partitioned table (not ONLY) the index is built on every partition.
      recurses(node.relation) ? withPartitions(target, facts) : target,
      {
        scan: true,
        outsideTransaction: concurrent,
        ...(concurrent ? {} : { saferForm: `CREATE ${unique}INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)` }),
      },
    )
  },
  CreateTrigStmt: (node, facts) => {
    // A row trigger on a partitioned table is created on every partition too.
    const target = [{ relation: relname(node.relation) ?? "?", mode: "ShareRowExclusiveLock" as const }]
    return impact("CREATE TRIGGER", recurses(node.relation) ? withPartitions(target, facts) : target)
  },
  CreatePolicyStmt: (node) => impact("CREATE POLICY", [{ relation: relname(node.table) ?? "?", mode: "AccessExclusiveLock" }]),
  AlterPolicyStmt: (node) => impact("ALTER POLICY", [{ relation: relname(node.table) ?? "?", mode: "AccessExclusiveLock" }]),
  ClusterStmt: (node) =>
    impact("CLUSTER", [{ relation: relname(node.relation) ?? "?", mode: "AccessExclusiveLock" }], {
      rewrite: true,
      saferForm: "pg_repack, or leave physical order to the planner",
    }),
  ViewStmt: (node, facts) => {
    const view = relname(node.view)
    // OR REPLACE of a view that exists takes it exclusively; the new query's relations are read.
    const replaced = node.replace === true && view !== undefined && (facts.relations === undefined || facts.relations.has(view))
    return impact(node.replace === true ? "CREATE OR REPLACE VIEW" : "CREATE VIEW", [
      ...(replaced ? [{ relation: view, mode: "AccessExclusiveLock" as const }] : []),
      ...rangeVars(node.query)
        .filter((r) => r !== view)
        .map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    ])
  },
  RefreshMatViewStmt: (node, facts) => {
    const view = relname(node.relation) ?? "?"
    const concurrent = node.concurrent === true
    return impact(
      `REFRESH MATERIALIZED VIEW${concurrent ? " CONCURRENTLY" : ""}`,
      [
        { relation: view, mode: concurrent ? "ExclusiveLock" : "AccessExclusiveLock" },
        ...(facts.viewReads.get(view) ?? []).map((relation) => ({ relation, mode: "AccessShareLock" as const })),
      ],
      {
        scan: true,
        rewrite: !concurrent,
        ...(concurrent ? {} : { saferForm: "REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view): reads of the view go on meanwhile" }),
      },
    )
  },
  CreateTableAsStmt: (node) => {
    const into = relname(node.into?.rel)
    return impact(
      node.objtype === "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS",
      rangeVars(node.query)
        .filter((r) => r !== into)
        .map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    )
  },
  GrantStmt: (node, facts) => {
    // GRANT and REVOKE on tables read each table from PostgreSQL 16 on (AccessShareLock; 15 takes
    // none): unknown, the plan names the lock, which is never less than the server takes.
    const tables = node.objtype === "OBJECT_TABLE" && (facts.serverVersion ?? 160000) >= 160000 ? listed(node.objects, "AccessShareLock") : []
    return impact(node.is_grant === true ? "GRANT" : "REVOKE", tables)
  },
  CreateStatsStmt: (node) => impact("CREATE STATISTICS", listed(node.relations, "ShareUpdateExclusiveLock")),
  RuleStmt: (node) => impact("CREATE RULE", [{ relation: relname(node.relation) ?? "?", mode: "AccessExclusiveLock" }]),
  AlterObjectSchemaStmt: (node) => {
    const relation = relname(node.relation)
    return impact(
      `ALTER ${String(node.objectType).replace(/^OBJECT_/, "")} … SET SCHEMA`,
      relation === undefined ? [] : [{ relation, mode: "AccessExclusiveLock" }],
    )
  },
  AlterSeqStmt: (node) => {
    // OWNED BY table.column reads the table.
    const ownedBy = (node.options ?? [])
      .flatMap((o) => ("DefElem" in o && o.DefElem.defname === "owned_by" ? [items(o.DefElem.arg).map(str)] : []))
      .flatMap((names) => (names.length >= 2 ? (names.at(-2) ?? []) : []))
    return impact("ALTER SEQUENCE", [
      { relation: relname(node.sequence) ?? "?", mode: "ShareRowExclusiveLock" },
      ...ownedBy.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    ])
  },
}

import { type AstNode, kindOf, lastName, type ParsedStatement, type StatementKind } from "../sql/sqlAnalysis.js"
import { type CatalogFacts, noFacts, type RelationLock } from "./catalogFacts.js"
import { ancestorsOf, referencedByWrite, throughViews, truncatedByCascade, withPartitions } from "./neighbours.js"
import {
  combined,
  funcCalls,
  impact,
  items,
  listed,
  listedWithPartitions,
  merge,
  rangeVars,
  recurses,
  relname,
  type StatementLocks,
  str,
} from "./locks/syntax.js"
import { alterTableLocks } from "./locks/alterTable.js"
import { createTableLocks, dropLocks, lockTableLocks, objectPropertyLocks, reindexLocks, vacuumLocks } from "./locks/schemaObjects.js"
import { firedTriggers, selectLocks, sequenceCalls, writeLocks } from "./locks/rowsAndReads.js"

export {
  type CatalogFacts,
  type ForeignKey,
  type LockMode,
  type RelationLock,
  blocksReads,
  blocksWrites,
  lockModes,
  noFacts,
  strength,
} from "./catalogFacts.js"
export type { StatementLocks } from "./locks/syntax.js"

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
// Statements the rewriter runs as queries: a view they read or write is replaced by its query, and a
// function of the schema they call runs its body.
const queries: ReadonlySet<StatementKind> = new Set([
  "SelectStmt",
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
  "CallStmt",
  "CreateTableAsStmt",
  "CopyStmt",
])
/**
 * The locks, rewrite and scan of one parsed statement, given what the target's catalog says: the
 * statement's own, then what PostgreSQL adds that its text does not say: the statements of its WITH
 * clause, the relations of the views it queries, the bodies of the schema's functions it calls; and
 * with IF EXISTS, nothing on a relation that does not exist. `calling`: the functions whose bodies
 * are being read (a recursive function is read once).
 */
export const statementLocks = (statement: ParsedStatement, facts: CatalogFacts = noFacts, calling: ReadonlySet<string> = new Set()): StatementLocks => {
  const node = statement.node
  const ctes = ((node.withClause as { ctes?: ReadonlyArray<{ CommonTableExpr?: { ctename?: string; ctequery?: AstNode } }> } | undefined)?.ctes ?? []).flatMap(
    (c) => c.CommonTableExpr ?? [],
  )
  const own = ownLocks(ctes.length === 0 ? statement : { ...statement, node: { ...node, withClause: undefined } }, facts)
  // A WITH query runs as a statement of its own (a data-modifying one writes); its name is no relation.
  const names = new Set(ctes.flatMap((c) => c.ctename ?? []))
  const withQueries = ctes.flatMap((c) => {
    if (c.ctequery === undefined) return []
    const kind = kindOf(c.ctequery)
    return [statementLocks({ ...statement, kind, node: (c.ctequery[kind] ?? {}) as AstNode }, facts, calling)]
  })
  // CALL's procedure is its funccall (a FuncCall not wrapped as a node); other calls are FuncCall nodes.
  const procedure = lastName(((node.funccall as { funcname?: ReadonlyArray<unknown> } | undefined)?.funcname ?? []) as ReadonlyArray<unknown>)
  // One walk for every call: the schema's functions it runs, and the sequences nextval/setval write.
  const found = funcCalls(node)
  const calls = [...(procedure === undefined ? [] : [procedure]), ...found.map((c) => c.name)]
  const called = queries.has(statement.kind) ? [...new Set(calls)].filter((f) => facts.functionBodies.has(f)) : []
  // A write runs the target's triggers for it: their functions' bodies are part of the statement.
  const fired = firedTriggers(statement, facts).filter((f) => !called.includes(f))
  const bodies = [...called, ...fired].map((name) => calledLocks(name, facts, calling))
  const all =
    withQueries.length === 0 && bodies.length === 0
      ? own
      : combined(called.length === 0 ? own.kind : `${own.kind} ${own.kind === "CALL" ? "" : "calling "}${called.map((f) => `${f}()`).join(", ")}`, [
          own,
          ...withQueries,
          ...bodies,
        ])
  const locks = [...(queries.has(statement.kind) ? throughViews(all.locks, facts) : all.locks), ...sequenceCalls(found)].filter((l) => !names.has(l.relation))
  // IF EXISTS of a relation that does not exist (and that no earlier statement creates) does nothing.
  const known = facts.relations
  const absent = node.missing_ok === true && known !== undefined ? (l: RelationLock) => !known.has(l.relation) : () => false
  return { ...all, locks: merge(locks.filter((l) => !absent(l))) }
}
/** What calling a function of the schema runs: every statement of its body (each overload), or opaque where a body cannot be read. */
const calledLocks = (name: string, facts: CatalogFacts, calling: ReadonlySet<string>): StatementLocks => {
  if (calling.has(name)) return impact(`${name}()`, [])
  const bodies = facts.functionBodies.get(name)
  // A function the catalog lists without a body the plan can read runs code it cannot see.
  if (bodies === undefined || bodies.length === 0) return impact(`${name}()`, [], { opaque: true })
  const inner = new Set([...calling, name])
  const parts = bodies.flatMap((body) => body.statements.map((statement) => statementLocks(statement, facts, inner)))
  const all = combined(`${name}()`, parts)
  return bodies.some((body) => body.unreadable.length > 0) ? { ...all, opaque: true } : all
}
/** The locks of a statement's own text. */
const ownLocks = (statement: ParsedStatement, facts: CatalogFacts): StatementLocks => {
  const node = statement.node
  switch (statement.kind) {
    case "CreateStmt":
      return createTableLocks(node, facts)
    case "AlterTableStmt":
      return alterTableLocks(node, facts)
    case "RenameStmt": {
      const table = relname(node.relation)
      const what = String(node.renameType).replace(/^OBJECT_/, "")
      if (what === "INDEX") return impact("ALTER INDEX … RENAME", table === undefined ? [] : [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
      return impact(`RENAME ${what}`, table === undefined ? [] : [{ relation: table, mode: "AccessExclusiveLock" }])
    }
    case "IndexStmt": {
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
    }
    case "DropStmt":
      return dropLocks(node, facts)
    case "CreateTrigStmt": {
      // A row trigger on a partitioned table is created on every partition too.
      const target = [{ relation: relname(node.relation) ?? "?", mode: "ShareRowExclusiveLock" as const }]
      return impact("CREATE TRIGGER", recurses(node.relation) ? withPartitions(target, facts) : target)
    }
    case "CreatePolicyStmt":
    case "AlterPolicyStmt":
      return impact(statement.kind === "CreatePolicyStmt" ? "CREATE POLICY" : "ALTER POLICY", [
        { relation: relname(node.table) ?? "?", mode: "AccessExclusiveLock" },
      ])
    case "InsertStmt":
    case "UpdateStmt":
    case "DeleteStmt":
      return writeLocks(statement.kind, node, facts)
    case "SelectStmt": {
      const select = selectLocks(node)
      return { ...select, locks: merge(withPartitions(select.locks, facts)) }
    }
    case "CallStmt":
      return impact("CALL", [])
    case "TruncateStmt": {
      const tables = listedWithPartitions(node.relations, "AccessExclusiveLock", facts)
      // CASCADE truncates every table whose foreign key references one of them, at any depth.
      const cascaded =
        node.behavior === "DROP_CASCADE"
          ? truncatedByCascade(
              tables.map((t) => t.relation),
              facts,
            ).map((relation) => ({ relation, mode: "AccessExclusiveLock" as const }))
          : []
      return impact("TRUNCATE", [...tables, ...withPartitions(cascaded, facts)], { destructive: true, changesRows: true })
    }
    case "ClusterStmt":
      return impact("CLUSTER", [{ relation: relname(node.relation) ?? "?", mode: "AccessExclusiveLock" }], {
        rewrite: true,
        saferForm: "pg_repack, or leave physical order to the planner",
      })
    case "ReindexStmt":
      return reindexLocks(node, facts)
    case "VacuumStmt":
      return vacuumLocks(node)
    case "CommentStmt":
      return objectPropertyLocks("COMMENT ON", node)
    // No label provider ships with PostgreSQL, so no server here runs one: planned from the
    // documentation and seclabel.c, which finds the object as COMMENT does (get_object_address with
    // SHARE UPDATE EXCLUSIVE).
    case "SecLabelStmt":
      return objectPropertyLocks("SECURITY LABEL ON", node)
    case "LockStmt":
      return lockTableLocks(node, facts)
    case "ViewStmt": {
      const view = relname(node.view)
      // OR REPLACE of a view that exists takes it exclusively; the new query's relations are read.
      const replaced = node.replace === true && view !== undefined && (facts.relations === undefined || facts.relations.has(view))
      return impact(node.replace === true ? "CREATE OR REPLACE VIEW" : "CREATE VIEW", [
        ...(replaced ? [{ relation: view, mode: "AccessExclusiveLock" as const }] : []),
        ...rangeVars(node.query)
          .filter((r) => r !== view)
          .map((relation) => ({ relation, mode: "AccessShareLock" as const })),
      ])
    }
    case "DoStmt":
      return doBlockLocks(statement, facts)
    default:
      return otherStatementLocks(statement, facts)
  }
}
/**
 * A DO block: the locks of every statement its PL/pgSQL can run, whichever branch runs (a guarded
 * ADD COLUMN locks as ADD COLUMN does). Opaque where part of it cannot be read: SQL built at run
 * time, a function of the schema it calls, another language.
 */
const doBlockLocks = (statement: ParsedStatement, facts: CatalogFacts): StatementLocks => {
  const body = statement.body
  if (body === undefined) return impact("DO block", [], { opaque: true })
  const parts = body.statements.map((inner) => statementLocks(inner, facts))
  const kinds = [...new Set(parts.filter((p) => p.locks.length > 0 || p.opaque).map((p) => p.kind))]
  const all = combined(kinds.length === 0 ? "DO block" : `DO block (${kinds.join(", ")})`, parts)
  return body.unreadable.length > 0 ? { ...all, opaque: true } : all
}
/** Statements beyond the common migration forms: materialized views, statistics, rules, MERGE, schemas, sequences. */
const otherStatementLocks = (statement: ParsedStatement, facts: CatalogFacts): StatementLocks => {
  const node = statement.node
  switch (statement.kind) {
    case "RefreshMatViewStmt": {
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
          ...(concurrent
            ? {}
            : { saferForm: "REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view): reads of the view go on meanwhile" }),
        },
      )
    }
    case "CreateTableAsStmt": {
      const into = relname((node.into as { rel?: unknown } | undefined)?.rel)
      const kind = node.objtype === "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS"
      return impact(
        kind,
        rangeVars(node.query)
          .filter((r) => r !== into)
          .map((relation) => ({ relation, mode: "AccessShareLock" as const })),
      )
    }
    case "GrantStmt": {
      // GRANT and REVOKE on tables read each table from PostgreSQL 16 on (AccessShareLock; 15 takes
      // none): unknown, the plan names the lock, which is never less than the server takes.
      const tables = node.objtype === "OBJECT_TABLE" && (facts.serverVersion ?? 160000) >= 160000 ? listed(node.objects, "AccessShareLock") : []
      return impact(node.is_grant === true ? "GRANT" : "REVOKE", tables)
    }
    case "CreateStatsStmt":
      return impact("CREATE STATISTICS", listed(node.relations, "ShareUpdateExclusiveLock"))
    case "RuleStmt":
      return impact("CREATE RULE", [{ relation: relname(node.relation) ?? "?", mode: "AccessExclusiveLock" }])
    case "MergeStmt": {
      const target = relname(node.relation) ?? "?"
      return impact(
        "MERGE",
        [
          { relation: target, mode: "RowExclusiveLock" },
          ...rangeVars(node.sourceRelation)
            .filter((r) => r !== target)
            .map((relation) => ({ relation, mode: "AccessShareLock" as const })),
        ],
        { changesRows: true },
      )
    }
    case "AlterObjectSchemaStmt": {
      const relation = relname(node.relation)
      return impact(
        `ALTER ${String(node.objectType).replace(/^OBJECT_/, "")} … SET SCHEMA`,
        relation === undefined ? [] : [{ relation, mode: "AccessExclusiveLock" }],
      )
    }
    case "CopyStmt": {
      const table = relname(node.relation)
      // A program or a file name runs or opens it on the database server, as its operating-system user.
      const external = node.is_program === true || typeof node.filename === "string"
      if (table === undefined)
        return impact(
          "COPY (query) TO",
          withPartitions(
            rangeVars(node.query).map((relation) => ({ relation, mode: "AccessShareLock" as const })),
            facts,
          ),
          { external },
        )
      if (node.is_from !== true) return impact("COPY … TO", withPartitions([{ relation: table, mode: "AccessShareLock" }], facts), { external })
      // COPY FROM writes rows as INSERT does: the same foreign key checks, the same partitions.
      const columns = ((node.attlist ?? []) as ReadonlyArray<unknown>).map(str).filter((c): c is string => c !== undefined)
      return impact(
        "COPY … FROM",
        [
          ...withPartitions([{ relation: table, mode: "RowExclusiveLock" }], facts),
          ...referencedByWrite(table, columns.length === 0 ? undefined : columns, facts),
          ...ancestorsOf(table, facts).map((relation) => ({ relation, mode: "AccessShareLock" as const })),
        ],
        { external },
      )
    }
    case "AlterSeqStmt": {
      // OWNED BY table.column reads the table.
      const ownedBy = ((node.options ?? []) as ReadonlyArray<{ DefElem?: { defname?: string; arg?: unknown } }>)
        .flatMap((o) => (o.DefElem?.defname === "owned_by" ? [items(o.DefElem.arg).map(str)] : []))
        .flatMap((names) => (names.length >= 2 ? (names.at(-2) ?? []) : []))
      return impact("ALTER SEQUENCE", [
        { relation: relname(node.sequence) ?? "?", mode: "ShareRowExclusiveLock" },
        ...ownedBy.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
      ])
    }
    default: {
      const created = createsOnlyNewObjects[statement.kind]
      return created === undefined ? impact(statement.kind.replace(/Stmt$/, ""), [], { opaque: true }) : impact(created, [])
    }
  }
}

// Rows written and read: INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE and SELECT, with the triggers
// a write fires and the sequences nextval and setval write.
import type { AstNode, ParsedStatement } from "../../sql/sqlAnalysis.js"
import type { CatalogFacts, RelationLock } from "../catalogFacts.js"
import { ancestorsOf, referencedByWrite, referencingByDelete, referencingByKeyUpdate, truncatedByCascade, withPartitions } from "../neighbours.js"
import {
  type Call,
  impact,
  type LockRules,
  listedNames,
  listedWithPartitions,
  merge,
  namesUnder,
  rangeVars,
  recurses,
  relname,
  type StatementLocks,
  str,
  targetColumns,
  untyped,
} from "./syntax.js"

/**
 * INSERT, UPDATE and DELETE: RowExclusiveLock on the target and every partition below it (a
 * partition written directly has its partitioned tables read), AccessShareLock on what it reads, and
 * its foreign keys' work: a written key checks the referenced row (RowShareLock), a deleted or
 * re-keyed referenced row is checked, cascaded or set null in each referencing table.
 */
export const writeLocks = (kind: string, node: AstNode, facts: CatalogFacts): StatementLocks => {
  const table = relname(node.relation) ?? "?"
  // Everything the statement reads besides its target: a SELECT, FROM/USING, WHERE, a subquery in SET or RETURNING.
  const reads = rangeVars({ ...node, relation: undefined }).filter((r) => r !== table)
  const everyRow = kind !== "InsertStmt" && node.whereClause === undefined
  const verb = kind === "InsertStmt" ? "INSERT" : kind === "UpdateStmt" ? "UPDATE" : "DELETE"
  const columns = verb === "INSERT" ? targetColumns(node.cols) : verb === "UPDATE" ? targetColumns(node.targetList) : undefined
  const target = [{ relation: table, mode: "RowExclusiveLock" as const }]
  // An INSERT of constants goes to the partitions its rows route to (the server said which); anything
  // else on a partitioned table (not ONLY) may reach every partition.
  const routed = verb === "INSERT" ? facts.routes.get(node) : undefined
  const written =
    routed !== undefined
      ? [
          ...target,
          ...withPartitions(
            routed.map((relation) => ({ relation, mode: "RowExclusiveLock" as const })),
            facts,
          ),
        ]
      : recurses(node.relation)
        ? withPartitions(target, facts)
        : target
  // A row inserted without a value for a serial or identity column takes the sequence's next value.
  const sequences =
    verb === "INSERT" ? (facts.columnSequences.get(table) ?? []).filter((c) => columns === undefined || !columns.includes(c.column)).map((c) => c.sequence) : []
  const neighbours = [
    ...sequences.map((relation) => ({ relation, mode: "RowExclusiveLock" as const })),
    ...(verb === "DELETE" ? referencingByDelete(table, facts) : referencedByWrite(table, columns, facts)),
    ...(verb === "UPDATE" ? referencingByKeyUpdate(table, columns, facts) : []),
    ...(verb === "DELETE" ? [] : ancestorsOf(table, facts).map((relation) => ({ relation, mode: "AccessShareLock" as const }))),
  ]
  return impact(
    verb,
    [
      ...written,
      ...withPartitions(
        reads.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
        facts,
      ),
      ...neighbours,
    ],
    {
      scan: everyRow,
      // Every row deleted or overwritten: as final as a TRUNCATE.
      destructive: everyRow,
      changesRows: verb !== "INSERT",
      ...(everyRow ? { saferForm: `${verb} in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction` } : {}),
    },
  )
}
/**
 * SELECT: AccessShareLock on what it reads; FOR UPDATE/SHARE takes RowShareLock on the tables it
 * locks rows of: every table read, or those its OF names (by name or alias; an alias is no relation).
 */
export const selectLocks = (node: AstNode): StatementLocks => {
  const clauses = ((node.lockingClause ?? []) as ReadonlyArray<{ LockingClause?: { lockedRels?: ReadonlyArray<{ RangeVar?: unknown }> } }>).flatMap(
    (c) => c.LockingClause ?? [],
  )
  const read = rangeVars({ ...node, lockingClause: undefined })
  if (clauses.length === 0)
    return impact(
      "SELECT",
      read.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    )
  const aliases = new Map(
    namesUnder(node.fromClause, "RangeVar", (rangeVar) => {
      const rv = rangeVar as { relname?: string; alias?: { aliasname?: string } }
      return rv.alias?.aliasname === undefined || rv.relname === undefined ? undefined : `${rv.alias.aliasname}\u0000${rv.relname}`
    }).map((pair) => pair.split("\u0000") as [string, string]),
  )
  const named = clauses.flatMap((c) => c.lockedRels ?? []).flatMap((r) => relname(r.RangeVar) ?? [])
  const locked = new Set(named.length === 0 ? read : named.map((name) => aliases.get(name) ?? name))
  return impact(
    "SELECT … FOR UPDATE",
    read.map((relation) => ({ relation, mode: locked.has(relation) ? ("RowShareLock" as const) : ("AccessShareLock" as const) })),
  )
}
/** nextval('seq') and setval('seq', …) with the sequence written out: RowExclusiveLock on it. */
export const sequenceCalls = (calls: ReadonlyArray<Call>): ReadonlyArray<RelationLock> =>
  calls.flatMap((c) =>
    (c.name === "nextval" || c.name === "setval") && c.literal !== undefined
      ? [{ relation: c.literal.replace(/^public\./, ""), mode: "RowExclusiveLock" as const }]
      : [],
  )
export const writeEvents: Readonly<Record<string, ReadonlyArray<string>>> = {
  InsertStmt: ["INSERT"],
  UpdateStmt: ["UPDATE"],
  DeleteStmt: ["DELETE"],
  TruncateStmt: ["TRUNCATE"],
  MergeStmt: ["INSERT", "UPDATE", "DELETE"],
}
/** The functions of the triggers a write fires on its target (INSERT … ON CONFLICT DO UPDATE may update too). */
export const firedTriggers = (statement: ParsedStatement, facts: CatalogFacts): ReadonlyArray<string> => {
  const { node } = statement
  const upsert = statement.kind === "InsertStmt" && node.onConflictClause !== undefined ? ["UPDATE"] : []
  const copied = statement.kind === "CopyStmt" && node.is_from === true ? ["INSERT"] : []
  const events = [...(writeEvents[statement.kind] ?? []), ...upsert, ...copied]
  if (events.length === 0) return []
  const tables = statement.kind === "TruncateStmt" ? listedNames(node.relations) : [relname(node.relation) ?? ""]
  return [
    ...new Set(
      tables.flatMap((table) => (facts.triggers.get(table) ?? []).filter((t) => t.enabled && t.events.some((e) => events.includes(e))).map((t) => t.function)),
    ),
  ]
}

/** The lock rules of the statements that write and read rows. */
export const rowsAndReadsRules: LockRules = {
  InsertStmt: (node, facts) => writeLocks("InsertStmt", untyped(node), facts),
  UpdateStmt: (node, facts) => writeLocks("UpdateStmt", untyped(node), facts),
  DeleteStmt: (node, facts) => writeLocks("DeleteStmt", untyped(node), facts),
  SelectStmt: (node, facts) => {
    const select = selectLocks(untyped(node))
    return { ...select, locks: merge(withPartitions(select.locks, facts)) }
  },
  // A procedure's body is read by the caller of the rules, as every called function's is.
  CallStmt: () => impact("CALL", []),
  TruncateStmt: (node, facts) => {
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
  },
  MergeStmt: (node) => {
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
  },
  CopyStmt: (node, facts) => {
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
    const columns = (node.attlist ?? []).map(str).filter((c): c is string => c !== undefined)
    return impact(
      "COPY … FROM",
      [
        ...withPartitions([{ relation: table, mode: "RowExclusiveLock" }], facts),
        ...referencedByWrite(table, columns.length === 0 ? undefined : columns, facts),
        ...ancestorsOf(table, facts).map((relation) => ({ relation, mode: "AccessShareLock" as const })),
      ],
      { external },
    )
  },
}

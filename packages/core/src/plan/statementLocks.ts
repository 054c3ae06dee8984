import { type AstNode, kindOf, lastName, type ParsedStatement, type StatementKind } from "../sql/sqlAnalysis.js"
import { type CatalogFacts, noFacts, type RelationLock } from "./catalogFacts.js"
import { throughViews } from "./neighbours.js"
import { combined, funcCalls, impact, type LockRule, type LockRules, merge, type Payload, type StatementLocks } from "./locks/syntax.js"
import { alterTableRules } from "./locks/alterTable.js"
import { createsOnly, schemaObjectRules } from "./locks/schemaObjects.js"
import { firedTriggers, rowsAndReadsRules, sequenceCalls } from "./locks/rowsAndReads.js"

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
/**
 * The lock rule of each statement kind, by family (locks/): ALTER TABLE; schema objects; rows
 * written and read; and the DO block, which reads its body with these same rules.
 */
const rules: LockRules = {
  ...alterTableRules,
  ...schemaObjectRules,
  ...rowsAndReadsRules,
  DoStmt: (_node, facts, statement) => doBlockLocks(statement, facts),
}

/** The locks of a statement's own text: its kind's rule, or opaque for a kind no rule reads. */
const ownLocks = (statement: ParsedStatement, facts: CatalogFacts): StatementLocks => {
  const rule = rules[statement.kind] as LockRule<StatementKind> | undefined
  // The one place the parser's untyped node meets its type: the rule was chosen by the node's own key.
  if (rule !== undefined) return rule(statement.node as Payload<StatementKind>, facts, statement)
  return createsOnly(statement.kind) ?? impact(statement.kind.replace(/Stmt$/, ""), [], { opaque: true })
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

// The parse tree as the lock rules read it: names, relations and calls under a node, and how one
// statement's locks are built and merged (impact, combined, merge).
import { type AstNode, lastName, type ParsedStatement, type Payload, type StatementKind } from "../../sql/sqlAnalysis.js"
import { type CatalogFacts, type LockMode, type RelationLock, strength } from "../catalogFacts.js"
import { partitionsOf } from "../neighbours.js"

export type { Payload } from "../../sql/sqlAnalysis.js"

/** The locks of one kind of statement, read from its typed node and the target's catalog. */
export type LockRule<K extends StatementKind> = (node: Payload<K>, facts: CatalogFacts, statement: ParsedStatement) => StatementLocks

/**
 * Lock rules keyed by statement kind, one table per statement family: a key that is no node type of
 * the parser, or a rule that reads a field its node does not have, does not compile.
 */
export type LockRules = { readonly [K in StatementKind]?: LockRule<K> }

/** A typed node, for the rules still written against the untyped tree (a record of fields). */
export const untyped = (node: object): AstNode => node as AstNode

/** One statement's effect on existing relations, read from its syntax tree and the catalog. */
export interface StatementLocks {
  /** e.g. `ALTER TABLE … ADD COLUMN`, `CREATE INDEX`, `UPDATE`. */
  readonly kind: string
  /** The strongest mode taken on each relation, in the order the statement names them. */
  readonly locks: ReadonlyArray<RelationLock>
  /** Rewrites the whole table (a new copy of every row). */
  readonly rewrite: boolean
  /** Reads the whole table while holding its lock (validation, index build, every-row DML). */
  readonly scan: boolean
  /** What it does is not visible in its text (DO blocks, functions): locks unknown. */
  readonly opaque: boolean
  /** The safer form, when there is one. */
  readonly saferForm?: string
  /** Removes data (DROP TABLE/COLUMN, TRUNCATE) or overwrites every row (DELETE/UPDATE without WHERE). */
  readonly destructive: boolean
  /** PostgreSQL refuses it inside a transaction block (CONCURRENTLY, VACUUM): its file needs -- aim:no-transaction. */
  readonly outsideTransaction: boolean
  /** Changes or removes rows that exist (UPDATE, DELETE, MERGE, TRUNCATE), whatever its WHERE: an agent must accept it by name. */
  readonly changesRows: boolean
  /** Runs a program or reads or writes a file on the database server (COPY … PROGRAM, COPY to or from a server file). */
  readonly external: boolean
}
export const str = (node: unknown): string | undefined => (node as { String?: { sval?: string } } | undefined)?.String?.sval
export const relname = (rangeVar: unknown): string | undefined => (rangeVar as { relname?: string } | undefined)?.relname
export const items = (list: unknown): ReadonlyArray<unknown> =>
  ((list as { List?: { items?: ReadonlyArray<unknown> } } | undefined)?.List?.items ?? []) as ReadonlyArray<unknown>
/** Every node of type `nodeType` under `node` (e.g. every RangeVar), named by `name`, in tree order. */
export const namesUnder = (node: unknown, nodeType: string, name: (found: unknown) => string | undefined, found: Array<string> = []): Array<string> => {
  if (Array.isArray(node)) for (const n of node) namesUnder(n, nodeType, name, found)
  else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      const named = key === nodeType ? name(value) : undefined
      if (named !== undefined) found.push(named)
      namesUnder(value, nodeType, name, found)
    }
  }
  return found
}
/** The relations of a list of RangeVar nodes (TRUNCATE a, b; LOCK TABLE a, b; CREATE STATISTICS … FROM a, b). */
export const listedNames = (list: unknown): ReadonlyArray<string> =>
  ((list ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => relname(r.RangeVar) ?? [])
/** Each relation of such a list, in one mode. */
export const listed = (list: unknown, mode: LockMode): ReadonlyArray<RelationLock> => listedNames(list).map((relation) => ({ relation, mode }))
// PostgreSQL's own catalogs and information_schema: read by the statement, never a migration's table.
export const systemSchemas = new Set(["pg_catalog", "information_schema"])
/** The tables a query reads (not the system catalogs). */
export const rangeVars = (node: unknown) =>
  namesUnder(node, "RangeVar", (rangeVar) => {
    const rv = rangeVar as { relname?: string; schemaname?: string }
    return systemSchemas.has(rv.schemaname ?? "") || (rv.schemaname === undefined && rv.relname?.startsWith("pg_") === true) ? undefined : rv.relname
  })
export type Literal = { readonly A_Const?: { readonly sval?: { readonly sval?: string } } }
export interface Call {
  readonly name: string
  /** The first argument when it is a string literal (a regclass written out: nextval('seq')). */
  readonly literal: string | undefined
}
/** Every function call under `node`, with its first argument when that is a string literal. */
export const funcCalls = (node: unknown): ReadonlyArray<Call> => {
  const calls: Array<Call> = []
  namesUnder(node, "FuncCall", (call) => {
    const c = call as { funcname?: ReadonlyArray<unknown>; args?: ReadonlyArray<Literal & { TypeCast?: { arg?: Literal } }> }
    const name = lastName((c.funcname ?? []) as ReadonlyArray<unknown>)
    const first = c.args?.[0]
    if (name !== undefined) calls.push({ name, literal: first?.A_Const?.sval?.sval ?? first?.TypeCast?.arg?.A_Const?.sval?.sval })
    return undefined
  })
  return calls
}
/** The functions an expression calls. */
export const funcNames = (node: unknown) => funcCalls(node).map((c) => c.name)
// Functions whose value differs per row: a default that calls one must be written into every row.
export const volatileDefault = /^(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval|txid_current)$/
export const merge = (locks: ReadonlyArray<RelationLock>): ReadonlyArray<RelationLock> => {
  const strongest = new Map<string, LockMode>()
  for (const { relation, mode } of locks) {
    const was = strongest.get(relation)
    if (was === undefined || strength(mode) > strength(was)) strongest.set(relation, mode)
  }
  return [...strongest].map(([relation, mode]) => ({ relation, mode }))
}
export const impact = (kind: string, locks: ReadonlyArray<RelationLock>, extra: Partial<Omit<StatementLocks, "kind" | "locks">> = {}): StatementLocks => ({
  kind,
  locks: merge(locks),
  rewrite: extra.rewrite ?? false,
  scan: extra.scan ?? false,
  opaque: extra.opaque ?? false,
  destructive: extra.destructive ?? false,
  outsideTransaction: extra.outsideTransaction ?? false,
  changesRows: extra.changesRows ?? false,
  external: extra.external ?? false,
  ...(extra.saferForm === undefined ? {} : { saferForm: extra.saferForm }),
})
/** Several analyses as one statement's (ALTER TABLE's commands, a DO block's statements): every lock, any flag, the first safer form. */
export const combined = (kind: string, parts: ReadonlyArray<StatementLocks>): StatementLocks => {
  const saferForm = parts.find((p) => p.saferForm !== undefined)?.saferForm
  return impact(
    kind,
    parts.flatMap((p) => p.locks),
    {
      rewrite: parts.some((p) => p.rewrite),
      scan: parts.some((p) => p.scan),
      opaque: parts.some((p) => p.opaque),
      destructive: parts.some((p) => p.destructive),
      outsideTransaction: parts.some((p) => p.outsideTransaction),
      changesRows: parts.some((p) => p.changesRows),
      external: parts.some((p) => p.external),
      ...(saferForm === undefined ? {} : { saferForm }),
    },
  )
}
export const constraintTargets = (constraints: ReadonlyArray<unknown>): ReadonlyArray<string> =>
  constraints.flatMap((c) => {
    const con = (c as { Constraint?: AstNode }).Constraint
    return con?.contype === "CONSTR_FOREIGN" ? (relname(con.pktable) ?? []) : []
  })
/** False for `ONLY table`: the statement stays on the table and does not reach its partitions. */
export const recurses = (rangeVar: unknown): boolean => (rangeVar as { inh?: boolean } | undefined)?.inh === true
/** `listed`, with the partitions of each partitioned table not named ONLY, in the same mode. */
export const listedWithPartitions = (list: unknown, mode: LockMode, facts: CatalogFacts): ReadonlyArray<RelationLock> =>
  ((list ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => {
    const relation = relname(r.RangeVar)
    if (relation === undefined) return []
    return [{ relation, mode }, ...(recurses(r.RangeVar) ? partitionsOf(relation, facts).map((p) => ({ relation: p, mode })) : [])]
  })
/** The columns an INSERT names (undefined: all of them) or an UPDATE sets. */
export const targetColumns = (targets: unknown): ReadonlyArray<string> | undefined => {
  const names = ((targets ?? []) as ReadonlyArray<{ ResTarget?: { name?: string } }>).flatMap((t) => t.ResTarget?.name ?? [])
  return names.length === 0 ? undefined : names
}

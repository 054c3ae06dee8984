import { Data, Effect } from "effect"
import { type ParsedStatement, type SqlParseError, parseScript } from "../sql/sqlAnalysis.js"
import { Database, type DatabaseShape, transaction } from "../database/Database.js"
import { ident, literal } from "../database/sqlText.js"
import type { SqlError } from "../database/SqlError.js"
import { type MigrationCheck, readChecks } from "../source/fileChecks.js"
import type { Migration } from "../source/Migration.js"
import { MigrationSource } from "../source/MigrationSource.js"
import { Migrator } from "../migrator/Migrator.js"
import { type RelationSize, readCatalogFacts } from "./catalogRead.js"
import { type CatalogFacts, type LockMode, type RelationLock, blocksReads, blocksWrites, statementLocks, strength } from "./statementLocks.js"

export type Risk = "low" | "medium" | "high"
export type { RelationSize } from "./catalogRead.js"

export interface PlannedStatement {
  /** 1-based line of the statement in its file. */
  readonly line: number
  readonly kind: string
  readonly locks: ReadonlyArray<RelationLock>
  /** Rewrites or scans the whole table while holding its lock. */
  readonly rewrite: boolean
  readonly scan: boolean
  readonly risk: Risk
  /** The safer form, or why the risk is what it is; null when there is nothing to say. */
  readonly advice: string | null
  /** Removes data or overwrites every row: always high risk, whatever the table's size. */
  readonly destructive: boolean
  /** What it does is not visible in its text (DO blocks, functions): its locks and effects are unknown. */
  readonly opaque: boolean
  /** Changes or removes existing rows (UPDATE, DELETE, MERGE, TRUNCATE), whatever its WHERE. */
  readonly changesRows: boolean
  /** Runs a program or opens a file on the database server (COPY … PROGRAM, COPY with a server file): always high risk. */
  readonly external: boolean
  /** Queries the application ran that prepare before this statement and not after it (the workload check). */
  readonly breaks?: ReadonlyArray<BrokenQuery>
}

export interface PlannedFile {
  readonly version: number
  readonly name: string
  readonly transactional: boolean
  /** The file's -- aim:check assertions, run before its statements. */
  readonly checks: ReadonlyArray<MigrationCheck>
  readonly risk: Risk
  readonly statements: ReadonlyArray<PlannedStatement>
}

/** A query the application ran that prepares on today's schema and not after a pending statement. */
export interface BrokenQuery {
  readonly version: number
  readonly file: string
  /** 1-based line of the breaking statement in its file, and its 0-based place among the file's statements. */
  readonly line: number
  readonly statement: number
  readonly query: string
  readonly calls: number | null
  readonly sqlState: string | undefined
  /** The server's reason: `column "trust_score" does not exist`. */
  readonly reason: string
}

export interface WorkloadCheck {
  readonly source: "pg_stat_statements" | "file" | "none"
  /** Distinct queries read. */
  readonly queries: number
  /** Of those, the ones checked: they prepare on today's schema (a query that already fails is not blamed on the migration). */
  readonly checked: number
  readonly breaks: ReadonlyArray<BrokenQuery>
  /** Why nothing, or not everything, was checked: the extension is absent, a pending statement failed on the scratch schema. */
  readonly notes: ReadonlyArray<string>
}

/** The workload cannot be read: the file is not there, or the role may not read other roles' query text. */
export class WorkloadUnavailable extends Data.TaggedError("WorkloadUnavailable")<{
  readonly message: string
  readonly reason: "file" | "privilege"
}> {}

export interface LockPlan {
  readonly database: string
  readonly pending: ReadonlyArray<PlannedFile>
  /** Every existing relation a pending statement locks, with its live size. */
  readonly relations: ReadonlyArray<RelationSize>
  /** The application's queries against the pending files (workload.ts); absent when none was asked for. */
  readonly workload?: WorkloadCheck
}

/** Row and byte counts from which holding a lock for a whole-table pass is felt (100k rows / 100 MB) or noticed (10k / 10 MB). */
export const sizeThresholds = { large: { rows: 100_000, bytes: 100 * 1024 * 1024 }, medium: { rows: 10_000, bytes: 10 * 1024 * 1024 } } as const

const sizeClass = (size: RelationSize | undefined): "new" | "small" | "medium" | "large" => {
  if (size === undefined) return "new"
  if (size.rows >= sizeThresholds.large.rows || size.bytes >= sizeThresholds.large.bytes) return "large"
  if (size.rows >= sizeThresholds.medium.rows || size.bytes >= sizeThresholds.medium.bytes) return "medium"
  return "small"
}

const riskOrder: ReadonlyArray<Risk> = ["low", "medium", "high"]
const maxRisk = (risks: ReadonlyArray<Risk>): Risk => riskOrder[Math.max(0, ...risks.map((r) => riskOrder.indexOf(r)))] ?? "low"

const formatRows = (n: number) => n.toLocaleString("en-US")

/**
 * The risk of one statement: what its strongest lock blocks, whether it holds that lock for a pass
 * over the whole table, and how big that table is on the target database now.
 */
export const assess = (
  impact: ReturnType<typeof statementLocks>,
  sizes: ReadonlyMap<string, RelationSize>,
  /** Locks earlier statements of the same transaction still hold: they are held for this one's whole run too. */
  held: ReadonlyArray<RelationLock> = [],
): Pick<PlannedStatement, "risk" | "advice"> => {
  const own = assessAlone(impact, sizes)
  const whole = impact.rewrite || impact.scan
  const target = impact.locks.find((l) => sizes.has(l.relation))
  const size = sizeClass(target === undefined ? undefined : sizes.get(target.relation))
  const blocking = held.filter(
    (l) => sizes.has(l.relation) && blocksWrites(l.mode) && !impact.locks.some((o) => o.relation === l.relation && strength(o.mode) >= strength(l.mode)),
  )
  const first = blocking[0]
  if (!whole || first === undefined || (size !== "large" && size !== "medium")) return own
  const risk = maxRisk([own.risk, size === "large" ? "high" : "medium"])
  return {
    risk,
    advice: `an earlier statement of this transaction holds ${first.mode} on ${first.relation} until it commits, so ${first.relation} stays blocked while this statement ${impact.rewrite ? "rewrites" : "scans"} ${target?.relation}: move this statement to its own file, or put it first${own.advice === null ? "" : `; ${own.advice}`}`,
  }
}

const assessAlone = (impact: ReturnType<typeof statementLocks>, sizes: ReadonlyMap<string, RelationSize>): Pick<PlannedStatement, "risk" | "advice"> => {
  if (impact.external) {
    return {
      risk: "high",
      advice:
        "runs a program or opens a file on the database server, as its operating-system user: a migration should never need it; load data with COPY … FROM STDIN from the client instead",
    }
  }
  // Lost data does not come back with a rollback of the deploy: whatever it locks, it is high risk.
  if (impact.destructive) {
    const assessed = assessLocks(impact, sizes)
    return { risk: "high", advice: assessed.advice ?? "removes or overwrites data: make sure nothing needs it any more (aim lint flags it as destructive)" }
  }
  return assessLocks(impact, sizes)
}

const assessLocks = (impact: ReturnType<typeof statementLocks>, sizes: ReadonlyMap<string, RelationSize>): Pick<PlannedStatement, "risk" | "advice"> => {
  if (impact.opaque) {
    return { risk: "medium", advice: "what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout" }
  }
  const existing = impact.locks.filter((l) => sizes.has(l.relation))
  if (existing.length === 0) return { risk: "low", advice: impact.saferForm ?? null }
  // The strongest lock, and among relations locked that strongly the largest: a neighbour's size
  // (a referencing table taken with the target) counts as much as the target's.
  const bytes = (l: RelationLock) => sizes.get(l.relation)?.bytes ?? 0
  const heaviest = existing.reduce((a, b) => (strength(b.mode) > strength(a.mode) || (strength(b.mode) === strength(a.mode) && bytes(b) > bytes(a)) ? b : a))
  const whole = impact.rewrite || impact.scan
  const size = sizeClass(sizes.get(heaviest.relation))
  const sized = sizes.get(heaviest.relation)
  const what = sized === undefined ? heaviest.relation : `${heaviest.relation} (${formatRows(sized.rows)} rows)`
  const blocks = blocksReads(heaviest.mode) ? "reads and writes" : blocksWrites(heaviest.mode) ? "writes" : undefined
  if (whole && blocks !== undefined) {
    const risk: Risk = size === "large" ? "high" : size === "medium" ? "medium" : "low"
    const pass = impact.rewrite ? "rewrites" : "scans"
    return {
      risk: impact.destructive ? maxRisk([risk, "medium"]) : risk,
      advice:
        impact.saferForm ??
        (risk === "low" ? null : `${pass} ${what} while blocking ${blocks}: run it in a maintenance window, or split it so the long part takes a weaker lock`),
    }
  }
  if (whole) {
    // A weaker lock (ShareUpdateExclusive, RowExclusive): traffic goes on, but the transaction is long.
    const risk: Risk = size === "large" ? "medium" : "low"
    return { risk, advice: impact.saferForm ?? (risk === "low" ? null : `a long pass over ${what}; writes go on meanwhile`) }
  }
  if (impact.destructive) return { risk: "medium", advice: "removes data: make sure nothing reads it any more (aim lint flags it as destructive)" }
  if (heaviest.mode === "AccessExclusiveLock") {
    return {
      risk: "low",
      advice: `brief, but it waits behind every running query on ${heaviest.relation} and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic`,
    }
  }
  return { risk: "low", advice: impact.saferForm ?? null }
}

export type PlanInput = Pick<Migration, "version" | "name" | "sql" | "transactional" | "checks">

/** Plans one parsed statement against the facts and sizes: locks, rewrite or scan, risk, advice. */
export const planStatement = (
  statement: ParsedStatement,
  facts: CatalogFacts,
  sizes: ReadonlyMap<string, RelationSize>,
  held: ReadonlyArray<RelationLock> = [],
  inTransaction = false,
): PlannedStatement => {
  const impact = statementLocks(statement, facts)
  const { kind, locks, rewrite, scan, destructive, opaque, changesRows, external } = impact
  const seen = { line: statement.line, kind, locks, rewrite, scan, destructive, opaque, changesRows, external }
  if (inTransaction && impact.outsideTransaction) {
    return {
      ...seen,
      risk: "high",
      advice: `PostgreSQL refuses ${kind} inside a transaction, so this file fails here: put it in its own file whose first line is -- aim:no-transaction`,
    }
  }
  return { ...seen, ...assess(impact, sizes, held) }
}

/**
 * The lock-impact plan of `files` against the database behind `db`: every statement parsed with
 * PostgreSQL's parser, the locks it takes in PostgreSQL's names, whether it rewrites or scans, the
 * live size of what it locks, and a risk with the safer form. Reads the catalog; changes nothing.
 */
export const planLocks = (
  db: Pick<DatabaseShape, "query" | "target" | "session">,
  files: ReadonlyArray<PlanInput>,
): Effect.Effect<LockPlan, SqlError | SqlParseError> =>
  Effect.gen(function* () {
    const read = yield* readCatalogFacts(db)
    const { sizes } = read
    // What exists when a statement runs: the catalog, and what the pending statements before it create.
    const existing = new Set(read.facts.relations)
    const routes = new Map<object, ReadonlyArray<string>>()
    const facts: CatalogFacts = { ...read.facts, relations: existing, routes }
    const locked = new Set<string>()
    const pending: Array<PlannedFile> = []
    for (const file of files) {
      // In a transaction every lock is held until COMMIT: each statement runs under the ones before it.
      const held: Array<RelationLock> = []
      const parsed = yield* parseScript(file.sql, { bodies: true })
      for (const [node, partitions] of yield* routedInserts(db, parsed, facts)) routes.set(node, partitions)
      const statements = parsed.map((statement) => {
        const planned = planStatement(statement, facts, sizes, file.transactional ? held : [], file.transactional)
        held.push(...planned.locks)
        for (const name of createdRelations(statement)) existing.add(name)
        return planned
      })
      for (const s of statements) for (const l of s.locks) if (sizes.has(l.relation)) locked.add(l.relation)
      pending.push({
        version: file.version,
        name: file.name,
        transactional: file.transactional,
        checks: file.checks ?? readChecks(file.sql).checks,
        risk: maxRisk(statements.map((s) => s.risk)),
        statements,
      })
    }
    const relations = [...locked].sort().flatMap((name) => sizes.get(name) ?? [])
    return { database: db.target, pending, relations }
  })

// The clock's values (stable within a statement, no side effect): evaluated as they are written.
const clockValues: Readonly<Record<string, string>> = {
  SVFOP_CURRENT_DATE: "current_date",
  SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
  SVFOP_LOCALTIMESTAMP: "localtimestamp",
}

/** A constant of a VALUES list as SQL text (a cast's constant, the clock), or undefined for anything else. */
const constantText = (expr: unknown): string | undefined => {
  const e = expr as { A_Const?: Record<string, unknown>; TypeCast?: { arg?: unknown }; SQLValueFunction?: { op?: string; typmod?: number }; FuncCall?: unknown }
  if (e.TypeCast !== undefined) return constantText(e.TypeCast.arg)
  if (e.SQLValueFunction !== undefined) return clockValues[e.SQLValueFunction.op ?? ""]
  const call = e.FuncCall as { funcname?: ReadonlyArray<{ String?: { sval?: string } }>; args?: ReadonlyArray<unknown> } | undefined
  if (call !== undefined) return call.funcname?.at(-1)?.String?.sval === "now" && (call.args ?? []).length === 0 ? "now()" : undefined
  const c = e.A_Const
  if (c === undefined) return undefined
  if (c.isnull === true) return "NULL"
  if (c.sval !== undefined) return literal(String((c.sval as { sval?: string }).sval ?? ""))
  if (c.ival !== undefined) return String((c.ival as { ival?: number }).ival ?? 0)
  if (c.fval !== undefined) return String((c.fval as { fval?: string }).fval ?? "0")
  if (c.boolval !== undefined) return String((c.boolval as { boolval?: boolean }).boolval === true)
  return undefined
}

/**
 * The partitions each INSERT … VALUES of constants into a partitioned table routes its rows to: the
 * server evaluates each partition's constraint on the rows' key values (a SELECT of constants, which
 * writes nothing). A statement with any other value, an expression key or a failing cast is not
 * routed: the plan then names every partition.
 */
const routedInserts = (db: Pick<DatabaseShape, "session">, statements: ReadonlyArray<ParsedStatement>, facts: CatalogFacts) =>
  Effect.gen(function* () {
    const found: Array<readonly [object, ReadonlyArray<string>]> = []
    for (const { kind, node } of statements) {
      const table = (node.relation as { relname?: string } | undefined)?.relname
      // Only a key of built-in types and operator classes is routed: its constraint then calls built-in
      // functions only. A user's type, domain or operator class could run the user's code as aim's role.
      const key = table === undefined || !facts.builtinPartitionKey.has(table) ? undefined : facts.partitionKey.get(table)
      const rows = ((node.selectStmt as { SelectStmt?: { valuesLists?: ReadonlyArray<{ List?: { items?: ReadonlyArray<unknown> } }> } } | undefined)?.SelectStmt
        ?.valuesLists ?? []) as ReadonlyArray<{ List?: { items?: ReadonlyArray<unknown> } }>
      if (kind !== "InsertStmt" || table === undefined || key === undefined || rows.length === 0) continue
      const columns = ((node.cols ?? []) as ReadonlyArray<{ ResTarget?: { name?: string } }>).map((c) => c.ResTarget?.name)
      const keyValues = rows.map((row) =>
        key.map(({ name, position }) => {
          const at = columns.length === 0 ? position - 1 : columns.indexOf(name)
          const text = at < 0 ? "NULL" : constantText(row.List?.items?.[at])
          return text === undefined ? undefined : `${text}::${facts.columnType.get(`${table}.${name}`) ?? "text"} AS ${ident(name)}`
        }),
      )
      if (keyValues.some((values) => values.some((v) => v === undefined))) continue
      const partitions = (facts.partitions.get(table) ?? []).filter((p) => facts.partitionBound.has(p))
      if (partitions.length === 0) continue
      const hits = partitions.flatMap((p) =>
        keyValues.map((values) => `SELECT ${literal(p)} AS p WHERE (SELECT ${facts.partitionBound.get(p)} FROM (SELECT ${values.join(", ")}) AS v)`),
      )
      // Read-only, always rolled back, and with only the catalog on the search_path: the constraint's
      // operators and the casts resolve to pg_catalog's, never to a same-named one planted in public.
      const routed = yield* Effect.either(
        Effect.scoped(
          Effect.flatMap(db.session, (session) =>
            transaction(
              session,
              Effect.zipRight(
                session.execute("SET TRANSACTION READ ONLY; SET LOCAL search_path = pg_catalog, pg_temp"),
                session.query<{ p: string }>(`SELECT DISTINCT p FROM (${hits.join(" UNION ALL ")}) AS hits`),
              ),
              { rollback: "always" },
            ),
          ),
        ),
      )
      if (routed._tag === "Right") found.push([node, routed.right.map((r) => r.p)])
    }
    return found
  })

/** The relations a statement creates or renames something to (a DO block's statements too): they exist for the statements after it. */
const createdRelations = (statement: ParsedStatement): ReadonlyArray<string> => {
  const { kind, node } = statement
  const name = (rangeVar: unknown) => (rangeVar as { relname?: string } | undefined)?.relname
  const created: Readonly<Record<string, () => unknown>> = {
    CreateStmt: () => name(node.relation),
    CreateSeqStmt: () => name(node.sequence),
    ViewStmt: () => name(node.view),
    CreateTableAsStmt: () => name((node.into as { rel?: unknown } | undefined)?.rel),
    IndexStmt: () => node.idxname,
    // A rename of a relation, not of a column, constraint or trigger.
    RenameStmt: () =>
      ["OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE"].includes(String(node.renameType)) ? node.newname : undefined,
  }
  const own = created[kind]?.()
  return [...(typeof own === "string" ? [own] : []), ...(statement.body?.statements ?? []).flatMap(createdRelations)]
}

/** The highest risk of a plan: what `aim plan --fail-on` compares against. */
export const planRisk = (plan: LockPlan): Risk => maxRisk(plan.pending.map((f) => f.risk))

export const risks: ReadonlyArray<Risk> = riskOrder
export const atLeast = (risk: Risk, threshold: Risk): boolean => riskOrder.indexOf(risk) >= riskOrder.indexOf(threshold)
export type { LockMode, RelationLock }

/** The lock-impact plan of what is pending on the configured database, with the migrator's status and the pending files (the workload check adds the application's queries: workload/workload.ts). */
export const pendingFilesPlan = Effect.gen(function* () {
  const files = yield* (yield* MigrationSource).load
  const status = yield* (yield* Migrator).statusOf(files)
  const pendingVersions = new Set(status.pending.map((p) => p.version))
  const pendingFiles = files.filter((f) => pendingVersions.has(f.version))
  return { status, plan: yield* planLocks(yield* Database, pendingFiles), pendingFiles }
})

import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import { Database, type Session, filesSearchPath } from "../database/Database.js"
import { withScratchDatabase } from "../database/databases.js"
import { ident } from "../database/sqlText.js"
import { type SqlError, withoutStringLiterals } from "../database/SqlError.js"
import { readCatalog } from "../drift/catalog.js"
import { compareCatalogs } from "../drift/Drift.js"
import { repairScript } from "../drift/repair.js"
import type { Migration } from "../source/Migration.js"
import { type BrokenQuery, type LockPlan, type PlannedStatement, type WorkloadCheck, WorkloadUnavailable, pendingFilesPlan } from "../plan/LockPlan.js"
import { splitStatements } from "../sql/splitStatements.js"
import { catalog } from "../errors/catalog.js"

/**
 * The workload-aware plan: the queries the running application sends, prepared (never executed)
 * against the schema as it is and as the pending files leave it, on a scratch database that holds the
 * live schema without its rows. A query that prepares now and fails after is broken by the first
 * pending statement after which it fails: a rolling upgrade's old pods would fail the same way.
 */

/** Where the workload comes from: the target's pg_stat_statements (the default), or a file the operator gives. */
export type WorkloadSource =
  | {
      readonly kind: "pg_stat_statements"
      readonly role?: string
      /** Asked for (aim plan --workload-role): a workload that cannot be read fails the plan; by default it is a note. */
      readonly asked: boolean
    }
  | { readonly kind: "file"; readonly path: string }

export interface WorkloadQuery {
  /** As pg_stat_statements normalizes it ($1 for each literal), or as the file has it (its literals are shown as '…' only when printed). */
  readonly query: string
  /** How often it ran (pg_stat_statements' calls); null from a file of statements. */
  readonly calls: number | null
}

// Statements PREPARE takes: the application's reads and writes.
const preparable = /^\s*(?:\(\s*)*(SELECT|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE|WITH)\b/i

// A file's literals may hold what the application wrote (an email, a token): never printed.
const shown = (query: string) => withoutStringLiterals(query).replace(/\s+/g, " ").trim()

/** Reads a CSV line (RFC 4180: quoted fields, doubled quotes) into its fields. */
const csvRows = (text: string): ReadonlyArray<ReadonlyArray<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ",") {
      row.push(field)
      field = ""
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++
      row.push(field)
      rows.push(row)
      row = []
      field = ""
    } else field += c
  }
  if (field !== "" || row.length > 0) rows.push([...row, field])
  return rows.filter((r) => r.some((f) => f.trim() !== ""))
}

/**
 * A workload file: a pg_stat_statements CSV export (a header with a `query` column, `calls` if there),
 * or statements separated by `;`, or one per line.
 */
export const parseWorkload = (text: string): ReadonlyArray<WorkloadQuery> => {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? ""
  if (/(^|,)"?query"?(,|$)/i.test(firstLine)) {
    const [header = [], ...rows] = csvRows(text)
    const queryAt = header.findIndex((h) => h.trim().toLowerCase() === "query")
    const callsAt = header.findIndex((h) => h.trim().toLowerCase() === "calls")
    return rows.flatMap((r) => {
      const query = r[queryAt]?.trim() ?? ""
      const calls = callsAt < 0 ? Number.NaN : Number(r[callsAt])
      return query === "" ? [] : [{ query, calls: Number.isFinite(calls) ? calls : null }]
    })
  }
  return splitStatements(text).flatMap((s) => {
    const body = s.text.replace(/;\s*$/, "").trim()
    // Statements one per line, without semicolons: each line that starts a statement is one.
    const lines = body.split(/\r?\n/).filter((l) => l.trim() !== "")
    const parts = lines.length > 1 && lines.every((l) => preparable.test(l)) ? lines : [body]
    return parts.filter((p) => p.trim() !== "").map((query) => ({ query: query.trim(), calls: null }))
  })
}

const turnOn =
  "to check the queries the application runs, turn pg_stat_statements on (shared_preload_libraries = 'pg_stat_statements' in postgresql.conf or the server's parameters, a server restart, then CREATE EXTENSION pg_stat_statements in this database), or give --workload FILE"

/** The target's pg_stat_statements for this database (and role), or a note why there is none. */
const statStatements = (role: string | undefined, asked: boolean) =>
  Effect.gen(function* () {
    const db = yield* Database
    const [extension] = yield* db.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
        WHERE e.extname OPERATOR(pg_catalog.=) 'pg_stat_statements'`,
    )
    if (extension === undefined) return { queries: [] as ReadonlyArray<WorkloadQuery>, note: `pg_stat_statements is not installed in this database: ${turnOn}` }
    const rows = yield* db
      .query<{ query: string; calls: number; hidden: boolean }>(
        `SELECT s.query, s.calls::float8 AS calls, s.query OPERATOR(pg_catalog.=) '<insufficient privilege>' AS hidden
           FROM ${ident(extension.schema)}.pg_stat_statements s
          WHERE s.dbid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
            ${role === undefined ? "" : "AND s.userid OPERATOR(pg_catalog.=) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) $1::text)"}`,
        role === undefined ? [] : [role],
      )
      .pipe(
        // Created but not preloaded: the view errors (55000) until the server loads the library.
        Effect.catchIf(
          (e: SqlError) => e.code === "55000",
          () => Effect.succeed(undefined),
        ),
      )
    if (rows === undefined) return { queries: [], note: `pg_stat_statements is created but not loaded by the server: ${turnOn}` }
    if (rows.some((r) => r.hidden)) {
      const hidden = new WorkloadUnavailable({
        reason: "privilege",
        message:
          "pg_stat_statements hides the query text of other roles from this role, so the application's queries cannot be read: GRANT pg_read_all_stats TO the migrating role, or run aim plan as the application's role",
      })
      if (asked) return yield* hidden
      return { queries: [], note: `[${catalog.workloadHidden.code}] ${hidden.message}` }
    }
    return { queries: rows.map((r) => ({ query: r.query, calls: Number(r.calls) })), note: undefined }
  })

const readFile = (path: string) =>
  Effect.try({
    try: () => readFileSync(path, "utf8").replace(/^\uFEFF/, ""),
    catch: (e) =>
      new WorkloadUnavailable({
        reason: "file",
        message: `the workload file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "unreadable"}): give a file of the application's statements, or a pg_stat_statements CSV export`,
      }),
  })

/** The application's distinct preparable statements, from the source asked for. */
export const readWorkload = (source: WorkloadSource) =>
  Effect.gen(function* () {
    const read =
      source.kind === "file" ? { queries: parseWorkload(yield* readFile(source.path)), note: undefined } : yield* statStatements(source.role, source.asked)
    const distinct = new Map<string, WorkloadQuery>()
    for (const q of read.queries) {
      // One statement PREPARE takes; pg_stat_statements also holds utility statements, and aim's own catalog reads are harmless.
      if (!preparable.test(q.query) || splitStatements(q.query).length !== 1) continue
      const before = distinct.get(q.query)
      distinct.set(q.query, { query: q.query, calls: before === undefined ? q.calls : (before.calls ?? 0) + (q.calls ?? 0) })
    }
    return { queries: [...distinct.values()], note: read.note }
  })

/**
 * Prepares `query` and forgets it, in one round trip; its error, or undefined when it prepares.
 * `query` is one statement (readWorkload keeps no other), so nothing else runs with it.
 */
const prepareError = (session: Session, query: string) =>
  session.execute(`PREPARE aim_workload AS ${query};\nDEALLOCATE aim_workload`).pipe(
    Effect.as(undefined),
    Effect.catchTag("SqlError", (e) => Effect.succeed(e)),
  )

// One ADD COLUMN and nothing else (no comma: a second subcommand, or a type's precision, falls back to
// the relation's queries): an added column breaks only a query that names it (now ambiguous) or
// expands a * (an INSERT … SELECT * with one value too many).
const addedColumn = (text: string) =>
  text.includes(",")
    ? undefined
    : /^\s*ALTER\s+TABLE\s+[^;]*?\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][\w$]*)"?/i.exec(text)?.[1]?.toLowerCase()

// A query's names as words: it is checked again after a statement only when it names one of the
// relations the statement changes (or after a statement whose effect is not in its text).
const words = (text: string) => new Set(text.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? [])

/**
 * The workload against the pending files, on a scratch database holding the live schema as drift reads
 * it (no rows): today's schema first, then after each pending statement. The pending files' locks are
 * never taken on the live database.
 */
export const checkWorkload = (
  queries: ReadonlyArray<WorkloadQuery>,
  pending: ReadonlyArray<Migration>,
  /** The relations the i-th statement of a file changes; undefined when it may change what any query reads. */
  relationsOf: (version: number, index: number) => ReadonlyArray<string> | undefined,
) =>
  Effect.gen(function* () {
    const live = yield* readCatalog(yield* Database)
    const scratch = (yield* AimConfig).scratch
    return yield* withScratchDatabase(
      scratch,
      Effect.scoped(
        Effect.gen(function* () {
          const session = yield* (yield* Database).session
          const notes: Array<string> = []
          // The live schema: what drift would create on an empty database to make it the live one.
          const empty = yield* readCatalog(session)
          const build = repairScript(compareCatalogs({ catalog: live, createdBy: new Map() }, empty, () => undefined).flatMap((d) => d.repair))
          yield* session.execute(`SET search_path = ${filesSearchPath}`)
          let unbuilt = 0
          for (const statement of build) {
            if (statement === "BEGIN;" || statement === "COMMIT;") continue
            // An object the scratch server cannot build (a role or extension it lacks): the queries that need it fail today and are not blamed.
            if ((yield* Effect.either(session.execute(statement)))._tag === "Left") unbuilt++
          }
          if (unbuilt > 0)
            notes.push(
              `${unbuilt} statement(s) of the live schema could not be built on the scratch database (a role or an extension it lacks): queries that need them are not checked`,
            )
          // Today's schema: only what prepares now is checked.
          let candidates: Array<WorkloadQuery & { readonly words: ReadonlySet<string> }> = []
          for (const q of queries) if ((yield* prepareError(session, q.query)) === undefined) candidates.push({ ...q, words: words(q.query) })
          const checked = candidates.length
          const breaks: Array<BrokenQuery> = []
          for (const migration of pending) {
            for (const [index, statement] of splitStatements(migration.sql).entries()) {
              const ran = yield* Effect.either(session.execute(statement.text))
              if (ran._tag === "Left") {
                notes.push(`${migration.name}:${statement.line} fails on the scratch schema (${ran.left.message}): the workload is not checked past it`)
                return { checked, breaks, notes }
              }
              const relations = relationsOf(migration.version, index)
              const added = addedColumn(statement.text)
              const again =
                relations === undefined
                  ? candidates
                  : candidates.filter(
                      (q) => relations.some((r) => q.words.has(r.toLowerCase())) && (added === undefined || q.words.has(added) || q.query.includes("*")),
                    )
              const broken = new Set<WorkloadQuery>()
              for (const q of again) {
                const error = yield* prepareError(session, q.query)
                if (error === undefined) continue
                broken.add(q)
                breaks.push({
                  version: migration.version,
                  file: migration.name,
                  line: statement.line,
                  statement: index,
                  query: shown(q.query),
                  calls: q.calls,
                  sqlState: error.code,
                  reason: error.message,
                })
              }
              if (broken.size > 0) candidates = candidates.filter((q) => !broken.has(q))
            }
          }
          return { checked, breaks, notes }
        }),
      ),
      "workload",
    )
  })

/**
 * The plan of the pending files, with the application's queries checked against them: from
 * `workload` (the target's pg_stat_statements by default, where it is installed) or none.
 */
export const pendingLockPlanWith = (workload: WorkloadSource | undefined) =>
  Effect.gen(function* () {
    const { status, plan, pendingFiles } = yield* pendingFilesPlan
    if (workload === undefined || pendingFiles.length === 0) return { status, plan }
    return { status, plan: yield* withWorkload(plan, pendingFiles, workload) }
  })

/** Which queries to check again after a statement: those naming a relation it locks; none after a CREATE (an addition breaks no query that prepared); all after one whose effect is not in its locks. */
const relationsChanged = (statement: PlannedStatement | undefined): ReadonlyArray<string> | undefined =>
  statement === undefined || statement.opaque
    ? undefined
    : /^CREATE\b/i.test(statement.kind)
      ? []
      : statement.locks.length === 0
        ? undefined
        : statement.locks.map((l) => l.relation)

const withWorkload = (plan: LockPlan, pendingFiles: ReadonlyArray<Migration>, source: WorkloadSource) =>
  Effect.gen(function* () {
    const read = yield* readWorkload(source)
    const origin = source.kind === "file" ? "file" : read.queries.length === 0 && read.note !== undefined ? "none" : "pg_stat_statements"
    if (read.queries.length === 0) {
      const workload: WorkloadCheck = { source: origin, queries: 0, checked: 0, breaks: [], notes: read.note === undefined ? [] : [read.note] }
      return { ...plan, workload }
    }
    const byVersion = new Map(plan.pending.map((f) => [f.version, f.statements] as const))
    const checked = yield* checkWorkload(read.queries, pendingFiles, (version, index) => relationsChanged(byVersion.get(version)?.[index]))
    const pending = plan.pending.map((file) => ({
      ...file,
      statements: file.statements.map((statement, index) => {
        const breaks = checked.breaks.filter((b) => b.version === file.version && b.statement === index)
        return breaks.length === 0 ? statement : { ...statement, breaks }
      }),
    }))
    const workload: WorkloadCheck = {
      source: origin,
      queries: read.queries.length,
      ...checked,
      notes: [...(read.note === undefined ? [] : [read.note]), ...checked.notes],
    }
    return { ...plan, pending, workload }
  })

/** aim plan's, aim migrate --dry-run's and the MCP plan's: the target's pg_stat_statements where it is installed. */
export const pendingLockPlan = pendingLockPlanWith({ kind: "pg_stat_statements", asked: false })

export { WorkloadUnavailable }

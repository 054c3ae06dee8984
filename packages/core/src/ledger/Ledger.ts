import { Data, Effect } from "effect"
import { hostname, userInfo } from "node:os"
import type { Row, Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import { literal } from "../database/sqlText.js"
import type { AppliedMigration, Migration } from "../source/Migration.js"
import type { CoLedgerShape } from "./CoLedger.js"
import { type Plan, computePlan } from "./ledgerPlan.js"
import type { ShippedFilesShape } from "../source/ShippedFiles.js"

/**
 * A ledger aim writes to could run someone else's code, or is not aim's: a trigger, rule or row
 * security policy on aim's ledger tables or on the co-ledger's (the backend's public.schema_migrations), or an
 * aim_migrations schema or table owned by a role other than the one aim runs as or the database's
 * owner. aim runs as a privileged role; anything that fires while it writes its rows runs with that
 * role's privileges. Nothing was written.
 */
export class LedgerUnsafe extends Data.TaggedError("LedgerUnsafe")<{
  /** Each finding, naming the object and what is on it (never its code). */
  readonly findings: ReadonlyArray<string>
}> {
  override get message(): string {
    return `aim will not write its ledger: ${this.findings.join("; ")}; nothing was written`
  }
}

/** Our bookkeeping lives outside `public`, which holds exactly the guide's 14 tables. */
export const ledgerSchema = "aim_migrations"
export const ledgerTable = `${ledgerSchema}.schema_migrations`

const createStatements = [
  `CREATE SCHEMA IF NOT EXISTS ${ledgerSchema}`,
  `CREATE TABLE IF NOT EXISTS ${ledgerTable} (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL DEFAULT 0,
    applied_by  text NOT NULL,
    method      text NOT NULL DEFAULT 'applied'
  )`,
  `CREATE TABLE IF NOT EXISTS ${ledgerSchema}.repairs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version      integer NOT NULL,
    name         text NOT NULL,
    old_checksum text NOT NULL,
    new_checksum text NOT NULL,
    repaired_by  text NOT NULL,
    repaired_at  timestamptz NOT NULL DEFAULT now()
  )`,
]

// Concurrent IF NOT EXISTS can still collide in the catalogs: these codes mean "someone else made it".
const alreadyCreated = new Set(["23505", "42P06", "42P07"])

type Query = Session["query"]

/** The co-ledger's tables, which aim writes too: checked with aim's own. */
type CoTables = Pick<CoLedgerShape, "tables">

/**
 * Creates the ledger, after checking that nothing on it or on the co-ledger would run another
 * role's code while aim writes (ensureLedgerSafe): every write to a ledger comes after this. Safe
 * when several processes start at once (callers also hold the migration lock).
 */
export const ensureLedger = (query: Query, coLedger: CoTables): Effect.Effect<void, SqlError | LedgerUnsafe> =>
  Effect.zipRight(ensureLedgerSafe(query, coLedger), createLedger(query))

const createLedger = (query: Query): Effect.Effect<void, SqlError> =>
  Effect.forEach(createStatements, (sql) =>
    query(sql).pipe(
      Effect.catchIf(
        (e) => e.code !== undefined && alreadyCreated.has(e.code),
        () => Effect.succeed([]),
      ),
    ),
  ).pipe(Effect.asVoid)

/**
 * What would run someone else's code while aim writes its ledgers, or shows they are not aim's (see
 * LedgerUnsafe): checked before every write, in one round trip, by aim's own SQL on the catalog
 * (every name qualified with pg_catalog, so nothing in the database can stand in for it).
 */
export const ledgerSafetyFindings = (query: Query, coLedger: CoTables): Effect.Effect<ReadonlyArray<string>, SqlError> =>
  query<{ finding: string }>(
    // The co-ledger's tables are the other runner's to own: only what fires on them is checked.
    `WITH ledgers AS (
       SELECT c.oid, n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.relname AS name, c.relowner, c.relrowsecurity,
              n.nspname OPERATOR(pg_catalog.=) '${ledgerSchema}' AS own
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE (n.nspname, c.relname) IN (${[[ledgerSchema, "schema_migrations"], [ledgerSchema, "repairs"], ...coLedger.tables].map(([schema, table]) => `(${literal(schema)}, ${literal(table)})`).join(", ")})
     ), trusted AS (
       SELECT r.oid FROM pg_catalog.pg_roles r
        WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER OR r.rolsuper
           OR r.oid OPERATOR(pg_catalog.=) (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
     )
     SELECT 'trigger ' OPERATOR(pg_catalog.||) t.tgname OPERATOR(pg_catalog.||) ' on ' OPERATOR(pg_catalog.||) l.name AS finding
       FROM pg_catalog.pg_trigger t JOIN ledgers l ON l.oid OPERATOR(pg_catalog.=) t.tgrelid WHERE NOT t.tgisinternal
     UNION ALL
     SELECT 'rule ' OPERATOR(pg_catalog.||) w.rulename OPERATOR(pg_catalog.||) ' on ' OPERATOR(pg_catalog.||) l.name
       FROM pg_catalog.pg_rewrite w JOIN ledgers l ON l.oid OPERATOR(pg_catalog.=) w.ev_class
     UNION ALL
     SELECT 'policy ' OPERATOR(pg_catalog.||) p.polname OPERATOR(pg_catalog.||) ' on ' OPERATOR(pg_catalog.||) l.name
       FROM pg_catalog.pg_policy p JOIN ledgers l ON l.oid OPERATOR(pg_catalog.=) p.polrelid
     UNION ALL
     SELECT 'row level security enabled on ' OPERATOR(pg_catalog.||) l.name FROM ledgers l WHERE l.relrowsecurity
     UNION ALL
     SELECT 'table ' OPERATOR(pg_catalog.||) l.name OPERATOR(pg_catalog.||) ' is owned by role ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(r.rolname)
       FROM ledgers l JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) l.relowner
      WHERE l.own AND l.relowner NOT IN (SELECT oid FROM trusted)
     UNION ALL
     SELECT 'schema ${ledgerSchema} is owned by role ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(r.rolname)
       FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
      WHERE n.nspname OPERATOR(pg_catalog.=) '${ledgerSchema}' AND n.nspowner NOT IN (SELECT oid FROM trusted)`,
  ).pipe(Effect.map((rows) => rows.map((row) => row.finding)))

/** Fails with LedgerUnsafe when ledgerSafetyFindings finds anything. */
export const ensureLedgerSafe = (query: Query, coLedger: CoTables): Effect.Effect<void, SqlError | LedgerUnsafe> =>
  Effect.flatMap(ledgerSafetyFindings(query, coLedger), (findings) => (findings.length === 0 ? Effect.void : Effect.fail(new LedgerUnsafe({ findings }))))

interface LedgerRow extends Row {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly applied_at: Date | string
  readonly duration_ms: number
  readonly applied_by: string
  readonly method: string
}

const toApplied = (row: LedgerRow): AppliedMigration => ({
  version: Number(row.version),
  name: row.name,
  checksum: row.checksum,
  appliedAt: row.applied_at instanceof Date ? row.applied_at.toISOString() : new Date(row.applied_at).toISOString(),
  durationMs: Number(row.duration_ms),
  appliedBy: row.applied_by,
  method: row.method,
})

const ledgerRows = `SELECT version, name, checksum, applied_at, duration_ms, applied_by, method FROM ${ledgerTable} ORDER BY version`

/** The ledger's rows in version order; a database that has never been migrated has none. */
export const readLedger = (query: Query): Effect.Effect<ReadonlyArray<AppliedMigration>, SqlError> =>
  query<LedgerRow>(ledgerRows).pipe(
    Effect.map((rows) => rows.map(toApplied)),
    // 42P01: undefined_table, 3F000: invalid_schema_name — nothing applied yet.
    Effect.catchIf(
      (e) => e.code === "42P01" || e.code === "3F000",
      () => Effect.succeed([]),
    ),
  )

/** Who is recording a ledger row: user, host and pid of this process. */
export const appliedByLabel = (): string => {
  let user = "unknown"
  try {
    user = userInfo().username
  } catch {
    // no passwd entry (containers running as a bare uid)
  }
  return `${user}@${hostname()} pid ${process.pid}`
}

/**
 * The ledger row as one SQL statement, for a script that runs the migration and records it in one
 * round trip; the server times it. Values are a number, a validated file name, hex and our label.
 */
export const recordAppliedStatement = (migration: Migration, appliedBy: string, method: LedgerMethod = "applied"): string =>
  method === "revised"
    ? `UPDATE ${ledgerTable} SET name = ${literal(migration.name)}, checksum = ${literal(migration.checksum)}, applied_at = now(), duration_ms = (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::int, applied_by = ${literal(appliedBy)}, method = 'revised' WHERE version = ${migration.version}`
    : `INSERT INTO ${ledgerTable} (version, name, checksum, duration_ms, applied_by, method) VALUES (${migration.version}, ${literal(migration.name)}, ${literal(migration.checksum)}, (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::int, ${literal(appliedBy)}, ${literal(method)})`

/**
 * How a ledger row came to be: `applied` by aim migrate; `adopted` when aim adopt ran the file on a
 * database of the deployed backend; `recorded` when aim adopt recorded, without running it, a file
 * the deployed backend had applied and aim cannot safely run again; `baseline`; `revised` when a
 * file aim revised since an earlier release ran again (the row is updated, not added).
 */
export type LedgerMethod = "applied" | "adopted" | "recorded" | "baseline" | "revised"

export const recordApplied = (
  query: Query,
  migration: Migration,
  durationMs: number,
  appliedBy: string,
  method: LedgerMethod = "applied",
): Effect.Effect<void, SqlError> =>
  query(
    method === "revised"
      ? `UPDATE ${ledgerTable} SET name = $2, checksum = $3, applied_at = now(), duration_ms = $4, applied_by = $5, method = $6 WHERE version = $1`
      : `INSERT INTO ${ledgerTable} (version, name, checksum, duration_ms, applied_by, method) VALUES ($1, $2, $3, $4, $5, $6)`,
    [migration.version, migration.name, migration.checksum, Math.round(durationMs), appliedBy, method],
  ).pipe(Effect.asVoid)

/** The ledger against the files, and the co-ledger beside it (whose refusals come first). */
export const readPlan = (
  query: Query,
  migrations: ReadonlyArray<Migration>,
  coLedger: CoLedgerShape,
  shipped: ShippedFilesShape,
): Effect.Effect<Plan, SqlError> => Effect.map(readLedgers(query, coLedger), (ledgers) => planOf(migrations, ledgers, coLedger, shipped))

/** Both ledgers as read once: aim's rows and what the co-ledger found. */
export interface Ledgers {
  readonly ledger: ReadonlyArray<AppliedMigration>
  readonly coLedger: unknown
}

export const readLedgers = (query: Query, coLedger: CoLedgerShape): Effect.Effect<Ledgers, SqlError> =>
  Effect.all({ ledger: readLedger(query), coLedger: coLedger.read(query) })

/**
 * Both ledgers in one round trip, on the migration session: the co-ledger's reads and aim's as one
 * script, as every no-op finds them (both tables there). The script only reads, so where it fails
 * nothing changed, and the ledgers are read statement by statement. The co-ledger's reads come first:
 * where its table is missing (a fresh database, one an earlier aim release built) the script stops
 * before aim's ledger, which is then read once, by the reads that follow.
 */
export const readLedgersOnce = (session: Pick<Session, "query" | "queries">, coLedger: CoLedgerShape): Effect.Effect<Ledgers, SqlError> =>
  session.queries([...coLedger.script, ledgerRows].join(";\n")).pipe(
    Effect.map((sets) => ({
      ledger: (sets[coLedger.script.length] as ReadonlyArray<LedgerRow> | undefined)?.map(toApplied) ?? [],
      coLedger: coLedger.decode(sets.slice(0, coLedger.script.length)),
    })),
    // 42P01, 3F000: a table or aim's schema is missing; 42703: another tool's table lacks a column the co-ledger reads.
    Effect.catchIf(
      (e) => e.code === "42P01" || e.code === "3F000" || e.code === "42703",
      () => readLedgers(session.query, coLedger),
    ),
  )

/** The plan of `migrations` against ledgers already read: the co-ledger's refusals first, then the files'. */
export const planOf = (
  migrations: ReadonlyArray<Migration>,
  { ledger, coLedger: state }: Ledgers,
  coLedger: CoLedgerShape,
  shipped: ShippedFilesShape,
): Plan => {
  const files = computePlan(migrations, ledger, shipped)
  const served = files.applied.filter((a) => a.state === "ok" || a.state === "revised").map((a) => a.name)
  return {
    ...files,
    refusals: [...coLedger.refusals(state, ledger), ...files.refusals],
    coLedger: coLedger.serving(state, served),
  }
}

/** Writes `records` to the co-ledger (nothing when there are none). */
export const recordCoLedger = (session: Session, coLedger: CoLedgerShape, records: ReadonlyArray<string>): Effect.Effect<void, SqlError> =>
  records.length === 0 ? Effect.void : session.execute(coLedger.recordStatement(records))

import { Data, Effect } from "effect"
import { hostname, userInfo } from "node:os"
import type { Row, Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import { literal } from "../database/sqlText.js"
import type { AppliedMigration, Migration } from "../source/Migration.js"
import { backendLedgerDdl, backendLedgerTable } from "./backendRelease.js"
import { type Plan, computePlan } from "./ledgerPlan.js"

/**
 * A ledger aim writes to could run someone else's code, or is not aim's: a trigger, rule or row
 * security policy on aim's ledger tables or on the backend's public.schema_migrations, or an
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

/**
 * Creates the ledger, after checking that nothing on it or on the backend's ledger would run another
 * role's code while aim writes (ensureLedgerSafe): every write to a ledger comes after this. Safe
 * when several processes start at once (callers also hold the migration lock).
 */
export const ensureLedger = (query: Query): Effect.Effect<void, SqlError | LedgerUnsafe> => Effect.zipRight(ensureLedgerSafe(query), createLedger(query))

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
export const ledgerSafetyFindings = (query: Query): Effect.Effect<ReadonlyArray<string>, SqlError> =>
  query<{ finding: string }>(
    `WITH ledgers AS (
       SELECT c.oid, n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.relname AS name, c.relowner, c.relrowsecurity
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE (n.nspname, c.relname) IN (('${ledgerSchema}', 'schema_migrations'), ('${ledgerSchema}', 'repairs'), ('public', 'schema_migrations'))
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
      WHERE l.name OPERATOR(pg_catalog.<>) 'public.schema_migrations' AND l.relowner NOT IN (SELECT oid FROM trusted)
     UNION ALL
     SELECT 'schema ${ledgerSchema} is owned by role ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(r.rolname)
       FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
      WHERE n.nspname OPERATOR(pg_catalog.=) '${ledgerSchema}' AND n.nspowner NOT IN (SELECT oid FROM trusted)`,
  ).pipe(Effect.map((rows) => rows.map((row) => row.finding)))

/** Fails with LedgerUnsafe when ledgerSafetyFindings finds anything. */
export const ensureLedgerSafe = (query: Query): Effect.Effect<void, SqlError | LedgerUnsafe> =>
  Effect.flatMap(ledgerSafetyFindings(query), (findings) => (findings.length === 0 ? Effect.void : Effect.fail(new LedgerUnsafe({ findings }))))

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
 * SQL that records `files` in the AIM backend's runner ledger (creating it first, with the runner's
 * DDL, when missing), skipping names already there; empty when there is nothing to record. Names are
 * aim's own constants, so the statement goes into the file's one-round-trip script like its ledger row.
 */
export const recordBackendFilesStatement = (files: ReadonlyArray<string>): string =>
  files.length === 0
    ? ""
    : `${backendLedgerDdl};
INSERT INTO ${backendLedgerTable} (version) SELECT v FROM unnest(ARRAY[${files.map(literal).join(", ")}]::varchar[]) AS v WHERE NOT EXISTS (SELECT 1 FROM ${backendLedgerTable} s WHERE s.version = v)`

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

/** What `public.schema_migrations` is: absent, the AIM backend runner's ledger, or another tool's table. */
export type BackendLedger =
  | { readonly _tag: "Absent" }
  | {
      readonly _tag: "Backend"
      readonly versions: ReadonlyArray<string>
      /** The runner's table is empty while the backend's tables are there: its rows were deleted. */
      readonly emptied?: true
    }
  | { readonly _tag: "Foreign"; readonly shape: string }

// The runner's rows are full file names (`013_create_default_admin_user.sql`); golang-migrate's,
// dbmate's or Rails' are numbers or timestamps.
const backendFileName = /^\d{3,}_[A-Za-z0-9_.-]+\.sql$/

/**
 * Reads `public.schema_migrations` and tells the AIM backend's ledger (a text `version` holding file
 * names) from another application's table of the same name (golang-migrate's `version bigint, dirty
 * boolean`, a ledger of timestamps): a database with the latter is not an AIM database, and neither
 * adopt nor migrate may treat it as one. Catalog reads first, so it is safe inside a transaction.
 */
export const readBackendLedger = (query: Query): Effect.Effect<BackendLedger, SqlError> =>
  Effect.gen(function* () {
    const columns = yield* query<BackendColumn>(backendColumns)
    // Rows are read only from a table that can be the runner's.
    if (columns.length === 0 || foreignShape(columns) !== undefined) return backendLedgerOf(columns, [], false)
    const rows = yield* query<{ version: string }>(backendRows)
    const tables = rows.length > 0 ? [] : yield* query<{ present: boolean }>(backendTablesPresent)
    return backendLedgerOf(columns, rows, tables[0]?.present === true)
  })

interface BackendColumn extends Row {
  readonly column_name: string
  readonly data_type: string
}

const backendColumns = `SELECT column_name, data_type FROM information_schema.columns
  WHERE table_schema = 'public' AND table_name = 'schema_migrations' ORDER BY ordinal_position`
const backendRows = "SELECT version::text AS version FROM public.schema_migrations ORDER BY version"
// The backend's first table: with it there and the runner's ledger empty, the ledger was emptied.
const backendTablesPresent = "SELECT pg_catalog.to_regclass('public.users') IS NOT NULL AS present"

const shapeOf = (columns: ReadonlyArray<BackendColumn>) => columns.map((c) => `${c.column_name} ${c.data_type}`).join(", ")

/** A table whose `version` is not text is another tool's, whatever its rows. */
const foreignShape = (columns: ReadonlyArray<BackendColumn>): BackendLedger | undefined => {
  const version = columns.find((c) => c.column_name === "version")
  return version === undefined || (version.data_type !== "character varying" && version.data_type !== "text")
    ? { _tag: "Foreign", shape: shapeOf(columns) }
    : undefined
}

/** The table's columns and rows as one of the three: the rows are the runner's only when they are file names. */
const backendLedgerOf = (columns: ReadonlyArray<BackendColumn>, rows: ReadonlyArray<{ readonly version: string }>, backendTables: boolean): BackendLedger => {
  if (columns.length === 0) return { _tag: "Absent" }
  const foreign = foreignShape(columns)
  if (foreign !== undefined) return foreign
  const versions = rows.map((r) => r.version)
  if (versions.length > 0 && !versions.some((v) => backendFileName.test(v)))
    return { _tag: "Foreign", shape: `${shapeOf(columns)}; rows such as ${versions[0]}` }
  return versions.length === 0 && backendTables ? { _tag: "Backend", versions, emptied: true } : { _tag: "Backend", versions }
}

/** The deployed AIM backend's ledger's file names; none when absent or when the table is another tool's. */
export const readLegacyLedger = (query: Query): Effect.Effect<ReadonlyArray<string> | undefined, SqlError> =>
  Effect.map(readBackendLedger(query), (ledger) => (ledger._tag === "Backend" ? ledger.versions : undefined))

/**
 * The ledger against the files, and the AIM backend's runner ledger beside it. Another tool's
 * `public.schema_migrations` is a refusal: aim would write the runner's rows into it.
 */
export const readPlan = (query: Query, migrations: ReadonlyArray<Migration>): Effect.Effect<Plan, SqlError> =>
  Effect.map(readLedgers(query), (ledgers) => planOf(migrations, ledgers))

/** Both ledgers as read once: aim's rows and the AIM backend runner's. */
export interface Ledgers {
  readonly ledger: ReadonlyArray<AppliedMigration>
  readonly backend: BackendLedger
}

export const readLedgers = (query: Query): Effect.Effect<Ledgers, SqlError> => Effect.all({ ledger: readLedger(query), backend: readBackendLedger(query) })

/**
 * Both ledgers in one round trip, on the migration session: the three reads as one script, as every
 * no-op finds them (both tables there). The script only reads, so where it fails nothing changed, and
 * the ledgers are read statement by statement. The runner's table comes first: where it is missing
 * (a fresh database, one an earlier aim release built) the script stops before aim's ledger, which is
 * then read once, by the reads that follow.
 */
export const readLedgersOnce = (session: Pick<Session, "query" | "queries">): Effect.Effect<Ledgers, SqlError> =>
  session.queries(`${backendColumns};\n${backendRows};\n${ledgerRows};\n${backendTablesPresent}`).pipe(
    Effect.map(([columns = [], rows = [], ledger = [], tables = []]) => ({
      ledger: (ledger as ReadonlyArray<LedgerRow>).map(toApplied),
      backend: backendLedgerOf(
        columns as ReadonlyArray<BackendColumn>,
        rows as ReadonlyArray<{ readonly version: string }>,
        (tables as ReadonlyArray<{ readonly present?: boolean }>)[0]?.present === true,
      ),
    })),
    // 42P01, 3F000: a table or aim's schema is missing; 42703: another tool's table has no `version`.
    Effect.catchIf(
      (e) => e.code === "42P01" || e.code === "3F000" || e.code === "42703",
      () => readLedgers(session.query),
    ),
  )

/** The plan of `migrations` against ledgers already read. */
export const planOf = (migrations: ReadonlyArray<Migration>, { ledger, backend }: Ledgers): Plan => {
  const plan = computePlan(migrations, ledger, backend._tag === "Backend" ? backend.versions : undefined)
  if (backend._tag === "Backend" && backend.emptied === true && ledger.length === 0) {
    // Not a new database: running every file would bring back the default admin and policies the
    // operator deleted. What the database has must be recorded, not re-created.
    return {
      ...plan,
      refusals: [
        {
          kind: "not-adopted",
          version: 0,
          name: "public.schema_migrations",
          detail:
            "public.schema_migrations is empty but the backend's tables are here (public.users): the runner's ledger was emptied, and running every file would re-create what the operator deleted; restore public.schema_migrations from a backup and run aim adopt, or record what this database has with aim baseline N",
        },
        ...plan.refusals,
      ],
    }
  }
  if (backend._tag !== "Foreign") return plan
  return {
    ...plan,
    refusals: [
      {
        kind: "foreign-ledger",
        version: 0,
        name: "public.schema_migrations",
        detail: `public.schema_migrations is not the AIM backend's ledger (${backend.shape}): this looks like another application's database`,
      },
      ...plan.refusals,
    ],
  }
}

/**
 * Records `files` in the AIM backend's runner ledger (created with the runner's DDL when missing):
 * the files aim's applied migrations provide, so that a backend start runs none of them.
 */
export const recordBackendFiles = (session: Session, files: ReadonlyArray<string>): Effect.Effect<void, SqlError> =>
  files.length === 0 ? Effect.void : session.execute(recordBackendFilesStatement(files))

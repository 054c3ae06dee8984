import { Effect } from "effect"
import type { Row, Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import { literal } from "../database/sqlText.js"
import type { CoLedgerShape } from "../ledger/CoLedger.js"
import type { Refusal } from "../ledger/ledgerPlan.js"
import type { AppliedMigration } from "../source/Migration.js"
import { backendLedgerDdl, backendLedgerTable, backendServing, isKnownBackendFile, providedBy } from "./backendRelease.js"

/**
 * The AIM backend runner's ledger, `public.schema_migrations`, as aim's co-ledger: read beside aim's
 * own, written in the transaction of each aim file that provides backend files, the source of the
 * refusals a database the backend migrated calls for (not adopted; emptied; another tool's table).
 */

type Query = Session["query"]

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

/**
 * What `information_schema.columns` says of public.schema_migrations (the same rows, the same
 * data_type words, the same privilege filter: backendLedger.test.ts holds them equal on every shape),
 * read from pg_catalog: the view cost a cold session about 19 ms of every command's ledger read, this
 * about 10 ms.
 */
export const backendColumns = `SELECT a.attname AS column_name,
  CASE WHEN t.typtype = 'd' THEN
    CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY' WHEN bt.typnamespace = 'pg_catalog'::regnamespace THEN pg_catalog.format_type(t.typbasetype, NULL) ELSE 'USER-DEFINED' END
  ELSE
    CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY' WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN pg_catalog.format_type(a.atttypid, NULL) ELSE 'USER-DEFINED' END
  END AS data_type
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
  WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public') AND c.relname = 'schema_migrations' AND c.relkind IN ('r', 'v', 'f', 'p')
    AND (pg_catalog.pg_has_role(c.relowner, 'USAGE') OR pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
  ORDER BY a.attnum`
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

const notAdopted = (versions: number): Refusal => ({
  kind: "not-adopted",
  version: 0,
  name: "public.schema_migrations",
  detail: `this database was migrated by the deployed AIM backend (${versions} rows in public.schema_migrations) but not adopted: run aim adopt first`,
})

const emptied: Refusal = {
  kind: "not-adopted",
  version: 0,
  name: "public.schema_migrations",
  detail:
    "public.schema_migrations is empty but the backend's tables are here (public.users): the runner's ledger was emptied, and running every file would re-create what the operator deleted; restore public.schema_migrations from a backup and run aim adopt, or record what this database has with aim baseline N",
}

/**
 * Refusals a database's runner ledger calls for: an emptied ledger is not a new database (running
 * every file would bring back the default admin and policies the operator deleted); another tool's
 * table means this is not an AIM database; the deployed backend's rows with none of aim's mean adopt first.
 */
const backendRefusals = (backend: BackendLedger, ledger: ReadonlyArray<AppliedMigration>): ReadonlyArray<Refusal> => {
  if (backend._tag === "Foreign")
    return [
      {
        kind: "foreign-ledger",
        version: 0,
        name: "public.schema_migrations",
        detail: `public.schema_migrations is not the AIM backend's ledger (${backend.shape}): this looks like another application's database`,
      },
    ]
  if (backend._tag !== "Backend" || ledger.length > 0) return []
  if (backend.emptied === true) return [emptied]
  return backend.versions.length > 0 ? [notAdopted(backend.versions.length)] : []
}

/** The AIM backend's runner ledger as the engine's co-ledger (ledger/CoLedger.ts). */
export const aimCoLedger: CoLedgerShape<BackendLedger> = {
  tables: [["public", "schema_migrations"]],
  script: [backendColumns, backendRows, backendTablesPresent],
  decode: ([columns = [], rows = [], tables = []]) =>
    backendLedgerOf(
      columns as ReadonlyArray<BackendColumn>,
      rows as ReadonlyArray<{ readonly version: string }>,
      (tables as ReadonlyArray<{ readonly present?: boolean }>)[0]?.present === true,
    ),
  read: readBackendLedger,
  refusals: backendRefusals,
  serving: (backend, applied) => backendServing(applied, backend._tag === "Backend" ? backend.versions : undefined),
  provides: providedBy,
  recordStatement: recordBackendFilesStatement,
  withRecorded: (backend, records) =>
    backend._tag === "Foreign" || records.length === 0
      ? backend
      : { _tag: "Backend", versions: [...new Set([...(backend._tag === "Backend" ? backend.versions : []), ...records])] },
  adoptable: (backend) => {
    if (backend._tag === "Foreign")
      return {
        refused: `public.schema_migrations is not the AIM backend's ledger (${backend.shape}): this is another application's database, not one the deployed AIM backend migrated; nothing was changed`,
      }
    if (backend._tag === "Absent")
      return {
        refused:
          "no public.schema_migrations table: this database was not migrated by the deployed AIM backend (run aim migrate on a new database, or aim baseline N on a hand-built one)",
      }
    if (backend.emptied === true)
      return {
        refused:
          "public.schema_migrations is empty but the backend's tables are here: adopting would run every file and re-create the default admin and policies the operator deleted; restore public.schema_migrations from a backup, or record what this database has with aim baseline N; nothing was changed",
      }
    return { deployed: backend.versions }
  },
  baselineRefusal: (backend) =>
    backend._tag === "Absent"
      ? undefined
      : backend._tag === "Backend"
        ? "public.schema_migrations exists: this database was migrated by the deployed backend; use aim adopt"
        : `public.schema_migrations is not the AIM backend's ledger (${backend.shape}): this is another application's database`,
  isKnown: isKnownBackendFile,
}

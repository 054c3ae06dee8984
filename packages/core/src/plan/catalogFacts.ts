import type { ProceduralBody } from "../sql/sqlAnalysis.js"

// The vocabulary of the lock analysis: PostgreSQL's lock modes and what the target's catalog says.
// Its own module so that the statement rules (statementLocks.ts) and the neighbour rules
// (neighbours.ts) both build on it without importing each other.

/** PostgreSQL's table lock modes, weakest first, in the names pg_locks uses. */
export const lockModes = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const
export type LockMode = (typeof lockModes)[number]

export const strength = (mode: LockMode): number => lockModes.indexOf(mode)
/** ShareLock and stronger stop INSERT, UPDATE and DELETE; AccessExclusiveLock stops SELECT too. */
export const blocksWrites = (mode: LockMode): boolean => strength(mode) >= strength("ShareLock")
export const blocksReads = (mode: LockMode): boolean => mode === "AccessExclusiveLock"

export interface RelationLock {
  readonly relation: string
  readonly mode: LockMode
}

/** A foreign key as the catalog has it: its columns, what they reference, and its ON DELETE / ON UPDATE actions. */
export interface ForeignKey {
  /** The referencing table. */
  readonly table: string
  readonly columns: ReadonlyArray<string>
  readonly referenced: string
  readonly referencedColumns: ReadonlyArray<string>
  /** pg_constraint's codes: a NO ACTION, r RESTRICT, c CASCADE, n SET NULL, d SET DEFAULT. */
  readonly onDelete: "a" | "r" | "c" | "n" | "d"
  readonly onUpdate: "a" | "r" | "c" | "n" | "d"
}

/** What the target database knows that the statement alone does not. */
export interface CatalogFacts {
  /** index name → its table */
  readonly indexTable: ReadonlyMap<string, string>
  /** `table.constraint` → the table a foreign key references */
  readonly foreignKeyTarget: ReadonlyMap<string, string>
  /** `table.column` → its type as format_type prints it, e.g. `character varying(50)` */
  readonly columnType: ReadonlyMap<string, string>
  /** `table.column` with a validated CHECK (column IS NOT NULL): SET NOT NULL then skips its scan. */
  readonly notNullChecked: ReadonlySet<string>
  /** view or materialized view → the relations its query reads (a refresh reads them) */
  readonly viewReads: ReadonlyMap<string, ReadonlyArray<string>>
  /** every foreign key of the schema, with its columns and actions */
  readonly references: ReadonlyArray<ForeignKey>
  /** partitioned table → its partitions (one level) */
  readonly partitions: ReadonlyMap<string, ReadonlyArray<string>>
  /** partition → its partitioned table */
  readonly partitionOf: ReadonlyMap<string, string>
  /** partitioned table → its DEFAULT partition */
  readonly defaultPartition: ReadonlyMap<string, string>
  /**
   * the functions and procedures of the schema (not PostgreSQL's own), each with what it can run (every
   * overload of a name) read from its body: a statement calling one runs its code; none read is opaque
   */
  readonly functionBodies: ReadonlyMap<string, ReadonlyArray<ProceduralBody>>
  /** views (not materialized): a query of one is rewritten into a query of what it reads */
  readonly plainViews: ReadonlySet<string>
  /** `table.column` → the views and materialized views whose query uses it (DROP COLUMN … CASCADE drops them) */
  readonly viewColumns: ReadonlyMap<string, ReadonlyArray<string>>
  /** every relation of the schema (tables, indexes, views, sequences), undefined when not read: IF EXISTS of another locks nothing */
  readonly relations: ReadonlySet<string> | undefined
  /** table → the functions its triggers run, with the writes that fire them (INSERT, UPDATE, DELETE, TRUNCATE); a disabled one fires on none */
  readonly triggers: ReadonlyMap<string, ReadonlyArray<{ readonly function: string; readonly events: ReadonlyArray<string>; readonly enabled: boolean }>>
  /** table → its columns whose default takes a sequence's next value (serial, identity, DEFAULT nextval(…)), with that sequence */
  readonly columnSequences: ReadonlyMap<string, ReadonlyArray<{ readonly column: string; readonly sequence: string }>>
  /** partitioned table → its key columns with their positions (1 = first column), when the key is plain columns */
  readonly partitionKey: ReadonlyMap<string, ReadonlyArray<{ readonly name: string; readonly position: number }>>
  /** partitioned tables whose key is of built-in types, operator classes and collations only: the only ones aim routes (no user code runs) */
  readonly builtinPartitionKey: ReadonlySet<string>
  /** partition → its partition constraint (pg_get_partition_constraintdef), over the key columns' names */
  readonly partitionBound: ReadonlyMap<string, string>
  /** an INSERT … VALUES of constants into a partitioned table → the partitions its rows go to (planLocks asks the server) */
  readonly routes: ReadonlyMap<object, ReadonlyArray<string>>
  /** server_version_num (150004, 180001), undefined when not read: where the rules differ by release */
  readonly serverVersion: number | undefined
}

export const noFacts: CatalogFacts = {
  indexTable: new Map(),
  foreignKeyTarget: new Map(),
  columnType: new Map(),
  notNullChecked: new Set(),
  viewReads: new Map(),
  references: [],
  partitions: new Map(),
  partitionOf: new Map(),
  defaultPartition: new Map(),
  functionBodies: new Map(),
  plainViews: new Set(),
  viewColumns: new Map(),
  relations: undefined,
  triggers: new Map(),
  columnSequences: new Map(),
  partitionKey: new Map(),
  builtinPartitionKey: new Set(),
  partitionBound: new Map(),
  routes: new Map(),
  serverVersion: undefined,
}

import { type AstNode, type ParsedStatement, lastName } from "../migrations/sqlAnalysis.js"
import { declaredType, typeChangeRewrites } from "../migrations/columnTypes.js"
import { type CatalogFacts, type LockMode, type RelationLock, noFacts, strength } from "./catalogFacts.js"
import {
  ancestorsOf,
  defaultPartitionBesides,
  partitionsOf,
  rebuiltForeignKeys,
  referencedByWrite,
  referencingByDelete,
  referencingByKeyUpdate,
  referencingTables,
  throughViews,
  truncatedByCascade,
  viewsOf,
  viewsOfColumn,
  withPartitions,
} from "./neighbours.js"

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

const str = (node: unknown): string | undefined => (node as { String?: { sval?: string } } | undefined)?.String?.sval
const relname = (rangeVar: unknown): string | undefined => (rangeVar as { relname?: string } | undefined)?.relname
const items = (list: unknown): ReadonlyArray<unknown> =>
  ((list as { List?: { items?: ReadonlyArray<unknown> } } | undefined)?.List?.items ?? []) as ReadonlyArray<unknown>

/** Every node of type `nodeType` under `node` (e.g. every RangeVar), named by `name`, in tree order. */
const namesUnder = (node: unknown, nodeType: string, name: (found: unknown) => string | undefined, found: Array<string> = []): Array<string> => {
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
const listedNames = (list: unknown): ReadonlyArray<string> => ((list ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => relname(r.RangeVar) ?? [])

/** Each relation of such a list, in one mode. */
const listed = (list: unknown, mode: LockMode): ReadonlyArray<RelationLock> => listedNames(list).map((relation) => ({ relation, mode }))

// PostgreSQL's own catalogs and information_schema: read by the statement, never a migration's table.
const systemSchemas = new Set(["pg_catalog", "information_schema"])

/** The tables a query reads (not the system catalogs). */
const rangeVars = (node: unknown) =>
  namesUnder(node, "RangeVar", (rangeVar) => {
    const rv = rangeVar as { relname?: string; schemaname?: string }
    return systemSchemas.has(rv.schemaname ?? "") || (rv.schemaname === undefined && rv.relname?.startsWith("pg_") === true) ? undefined : rv.relname
  })

type Literal = { readonly A_Const?: { readonly sval?: { readonly sval?: string } } }
interface Call {
  readonly name: string
  /** The first argument when it is a string literal (a regclass written out: nextval('seq')). */
  readonly literal: string | undefined
}

/** Every function call under `node`, with its first argument when that is a string literal. */
const funcCalls = (node: unknown): ReadonlyArray<Call> => {
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
const funcNames = (node: unknown) => funcCalls(node).map((c) => c.name)

// Functions whose value differs per row: a default that calls one must be written into every row.
const volatileDefault = /^(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval|txid_current)$/

const merge = (locks: ReadonlyArray<RelationLock>): ReadonlyArray<RelationLock> => {
  const strongest = new Map<string, LockMode>()
  for (const { relation, mode } of locks) {
    const was = strongest.get(relation)
    if (was === undefined || strength(mode) > strength(was)) strongest.set(relation, mode)
  }
  return [...strongest].map(([relation, mode]) => ({ relation, mode }))
}

const impact = (kind: string, locks: ReadonlyArray<RelationLock>, extra: Partial<Omit<StatementLocks, "kind" | "locks">> = {}): StatementLocks => ({
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
const combined = (kind: string, parts: ReadonlyArray<StatementLocks>): StatementLocks => {
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

const constraintTargets = (constraints: ReadonlyArray<unknown>): ReadonlyArray<string> =>
  constraints.flatMap((c) => {
    const con = (c as { Constraint?: AstNode }).Constraint
    return con?.contype === "CONSTR_FOREIGN" ? (relname(con.pktable) ?? []) : []
  })

/** ADD COLUMN: a volatile default (serial's nextval among them), an identity or a stored generated column rewrites the table. */
const addColumnLocks = (table: string, columnDef: AstNode | undefined): StatementLocks => {
  const exclusive = [{ relation: table, mode: "AccessExclusiveLock" as const }]
  const constraints = (columnDef?.constraints ?? []) as ReadonlyArray<unknown>
  const defaults = constraints.map((c) => (c as { Constraint?: AstNode }).Constraint).filter((c) => c?.contype === "CONSTR_DEFAULT")
  // A serial column's default is nextval(): volatile like any other.
  const serial = /^(small|big)?serial[248]?$/.test(declaredType(columnDef))
  const volatile = serial || defaults.some((d) => funcNames(d?.raw_expr).some((f) => volatileDefault.test(f)))
  // An identity or stored generated column is computed for every existing row: the table is rewritten.
  const computed = constraints.some((c) => {
    const type = (c as { Constraint?: AstNode }).Constraint?.contype
    return type === "CONSTR_IDENTITY" || type === "CONSTR_GENERATED"
  })
  const references = constraintTargets(constraints).map((relation) => ({ relation, mode: "ShareRowExclusiveLock" as const }))
  const saferForm = volatile
    ? "add the column without a default, backfill it in batches, then SET DEFAULT for new rows"
    : computed
      ? "add a plain nullable column, backfill it in batches, then make it an identity or generated column (or, on PostgreSQL 18, a VIRTUAL generated column, which stores nothing)"
      : undefined
  return impact("ALTER TABLE … ADD COLUMN", [...exclusive, ...references], {
    rewrite: volatile || computed,
    ...(saferForm === undefined ? {} : { saferForm }),
  })
}

const alterTableCommand = (table: string, cmd: AstNode, facts: CatalogFacts): StatementLocks => {
  const subtype = String(cmd.subtype)
  const column = typeof cmd.name === "string" ? cmd.name : undefined
  const def = cmd.def as AstNode | undefined
  const exclusive = [{ relation: table, mode: "AccessExclusiveLock" as const }]
  switch (subtype) {
    case "AT_AddColumn":
      return addColumnLocks(table, def?.ColumnDef as AstNode | undefined)
    case "AT_DropColumn": {
      // CASCADE drops the views that use the column (and theirs).
      const views = cmd.behavior === "DROP_CASCADE" && column !== undefined ? viewsOfColumn(table, column, facts) : []
      return impact("ALTER TABLE … DROP COLUMN", [...exclusive, ...views.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const }))], {
        destructive: true,
      })
    }
    case "AT_AlterColumnType": {
      const rewrite = typeChangeRewrites(facts.columnType.get(`${table}.${column}`), def?.ColumnDef as AstNode | undefined)
      // A foreign key on the column, either end, is rebuilt: its other table is taken exclusively.
      const rebuilt = column === undefined ? [] : rebuiltForeignKeys(table, column, facts)
      return impact("ALTER TABLE … ALTER COLUMN TYPE", [...exclusive, ...rebuilt], {
        rewrite,
        ...(rewrite ? { saferForm: "add a column of the new type, backfill it in batches, switch the application to it, then drop the old column" } : {}),
      })
    }
    case "AT_SetNotNull": {
      const checked = facts.notNullChecked.has(`${table}.${column}`)
      return impact("ALTER TABLE … SET NOT NULL", exclusive, {
        scan: !checked,
        ...(checked
          ? {}
          : {
              saferForm: `ADD CONSTRAINT … CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it in a later file, then SET NOT NULL (no scan once a valid check exists)`,
            }),
      })
    }
    case "AT_DropNotNull":
      return impact("ALTER TABLE … DROP NOT NULL", exclusive)
    case "AT_ColumnDefault":
      return impact(def === undefined ? "ALTER TABLE … DROP DEFAULT" : "ALTER TABLE … SET DEFAULT", exclusive)
    case "AT_SetStatistics":
      return impact("ALTER TABLE … SET STATISTICS", [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    case "AT_SetRelOptions":
    case "AT_ResetRelOptions":
      return impact("ALTER TABLE … SET (storage parameters)", [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    case "AT_AddConstraint": {
      const con = def?.Constraint as AstNode | undefined
      const notValid = con?.skip_validation === true
      if (con?.contype === "CONSTR_FOREIGN") {
        const target = relname(con.pktable)
        return impact(
          `ALTER TABLE … ADD FOREIGN KEY${notValid ? " NOT VALID" : ""}`,
          [{ relation: table, mode: "ShareRowExclusiveLock" }, ...(target === undefined ? [] : [{ relation: target, mode: "ShareRowExclusiveLock" as const }])],
          {
            scan: !notValid,
            ...(notValid
              ? {}
              : { saferForm: "ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)" }),
          },
        )
      }
      if (con?.contype === "CONSTR_CHECK") {
        return impact(`ALTER TABLE … ADD CHECK${notValid ? " NOT VALID" : ""}`, exclusive, {
          scan: !notValid,
          ...(notValid
            ? {}
            : { saferForm: "ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)" }),
        })
      }
      if (con?.contype === "CONSTR_UNIQUE" || con?.contype === "CONSTR_PRIMARY") {
        const usingIndex = typeof con.indexname === "string"
        return impact(`ALTER TABLE … ADD ${con.contype === "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY"}${usingIndex ? " USING INDEX" : ""}`, exclusive, {
          scan: !usingIndex,
          ...(usingIndex
            ? {}
            : { saferForm: "CREATE UNIQUE INDEX CONCURRENTLY (its own file, -- aim:no-transaction), then ADD CONSTRAINT … UNIQUE USING INDEX" }),
        })
      }
      return impact("ALTER TABLE … ADD CONSTRAINT", exclusive, { scan: true })
    }
    case "AT_ValidateConstraint":
      // Validating a foreign key reads the referenced table under the scan's snapshot, with no lock of
      // its own on it (pg_locks on PostgreSQL 15 and 18, as the table owner: lockPlan.test.ts).
      return impact("ALTER TABLE … VALIDATE CONSTRAINT", [{ relation: table, mode: "ShareUpdateExclusiveLock" }], { scan: true })
    case "AT_DropConstraint": {
      // A foreign key's triggers live on both tables: dropping it takes the referenced table exclusively too.
      const target = column === undefined ? undefined : facts.foreignKeyTarget.get(`${table}.${column}`)
      // A key dropped with CASCADE takes the foreign keys that reference it, on their tables.
      const cascaded = target === undefined && cmd.behavior === "DROP_CASCADE" ? referencingTables(table, facts) : []
      return impact("ALTER TABLE … DROP CONSTRAINT", [
        ...exclusive,
        ...(target === undefined ? [] : [{ relation: target, mode: "AccessExclusiveLock" as const }]),
        ...cascaded.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
      ])
    }
    case "AT_AttachPartition":
    case "AT_DetachPartition":
    case "AT_DetachPartitionFinalize":
      return partitionCommand(table, subtype, def?.PartitionCmd as AstNode | undefined, facts)
    default:
      return alterTableOtherCommand(table, subtype)
  }
}

/**
 * ATTACH PARTITION: ShareUpdateExclusiveLock on the partitioned table, AccessExclusiveLock on the
 * table attached and on the default partition (its rows are checked against the new bound). DETACH
 * takes all three exclusively; CONCURRENTLY, ShareUpdateExclusiveLock on both tables (and runs
 * outside a transaction).
 */
const partitionCommand = (table: string, subtype: string, command: AstNode | undefined, facts: CatalogFacts): StatementLocks => {
  const partition = relname(command?.name) ?? "?"
  const others = defaultPartitionBesides(table, partition, facts).map((relation) => ({ relation, mode: "AccessExclusiveLock" as const }))
  if (subtype === "AT_AttachPartition")
    return impact(
      "ALTER TABLE … ATTACH PARTITION",
      [{ relation: table, mode: "ShareUpdateExclusiveLock" }, { relation: partition, mode: "AccessExclusiveLock" }, ...others],
      { scan: true, saferForm: "add a CHECK constraint matching the bound (NOT VALID, then VALIDATE) before ATTACH: the attach then skips its scan" },
    )
  if (subtype === "AT_DetachPartitionFinalize" || command?.concurrent === true)
    return impact(
      "ALTER TABLE … DETACH PARTITION CONCURRENTLY",
      [
        { relation: table, mode: "ShareUpdateExclusiveLock" },
        // Its second transaction (and FINALIZE) takes the partition ACCESS EXCLUSIVE to detach it:
        // queries on the partition itself wait then, those on the partitioned table do not.
        { relation: partition, mode: "AccessExclusiveLock" },
      ],
      { outsideTransaction: subtype !== "AT_DetachPartitionFinalize" },
    )
  return impact(
    "ALTER TABLE … DETACH PARTITION",
    [{ relation: table, mode: "AccessExclusiveLock" }, { relation: partition, mode: "AccessExclusiveLock" }, ...others],
    { saferForm: "DETACH PARTITION … CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes of the partitioned table go on)" },
  )
}

/** ALTER TABLE's triggers, row security, clustering, storage and the rest: PostgreSQL's mode for each. */
const alterTableOtherCommand = (table: string, subtype: string): StatementLocks => {
  const exclusive = [{ relation: table, mode: "AccessExclusiveLock" as const }]
  switch (subtype) {
    case "AT_EnableTrig":
    case "AT_DisableTrig":
    case "AT_EnableTrigAll":
    case "AT_DisableTrigAll":
    case "AT_EnableTrigUser":
    case "AT_DisableTrigUser":
      return impact("ALTER TABLE … ENABLE/DISABLE TRIGGER", [{ relation: table, mode: "ShareRowExclusiveLock" }])
    case "AT_EnableRowSecurity":
    case "AT_DisableRowSecurity":
    case "AT_ForceRowSecurity":
    case "AT_NoForceRowSecurity":
      return impact("ALTER TABLE … ROW LEVEL SECURITY", exclusive)
    case "AT_ClusterOn":
      return impact("ALTER TABLE … CLUSTER ON", [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    case "AT_DropCluster":
      return impact("ALTER TABLE … SET WITHOUT CLUSTER", [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    case "AT_SetOptions":
    case "AT_ResetOptions":
      return impact("ALTER TABLE … ALTER COLUMN SET (attribute options)", [{ relation: table, mode: "ShareUpdateExclusiveLock" }])
    case "AT_SetLogged":
    case "AT_SetUnLogged":
      return impact(`ALTER TABLE … SET ${subtype === "AT_SetLogged" ? "LOGGED" : "UNLOGGED"}`, exclusive, { rewrite: true })
    case "AT_SetTableSpace":
      return impact("ALTER TABLE … SET TABLESPACE", exclusive, { rewrite: true })
    default:
      // Every other ALTER TABLE form takes PostgreSQL's default for ALTER TABLE.
      return impact(`ALTER TABLE (${subtype.replace(/^AT_/, "")})`, exclusive)
  }
}

// Statements that create something new or set a session value: they lock no existing table.
const createsOnlyNewObjects: Readonly<Record<string, string>> = {
  CreateFunctionStmt: "CREATE FUNCTION",
  CreateExtensionStmt: "CREATE EXTENSION",
  CreateSeqStmt: "CREATE SEQUENCE",
  CreateEnumStmt: "CREATE TYPE",
  CompositeTypeStmt: "CREATE TYPE",
  CreateDomainStmt: "CREATE TYPE",
  CreateSchemaStmt: "CREATE SCHEMA",
  VariableSetStmt: "SET",
}

/** ALTER TABLE: each command's locks, rewrite and scan, merged. */
const alterTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const table = relname(node.relation) ?? "?"
  const commands = ((node.cmds ?? []) as ReadonlyArray<{ AlterTableCmd?: AstNode }>).flatMap((c) => (c.AlterTableCmd === undefined ? [] : [c.AlterTableCmd]))
  const only = commands.length === 1 ? commands[0] : undefined
  const partitionCmd = (only?.def as AstNode | undefined)?.PartitionCmd as AstNode | undefined
  const attached = only?.subtype === "AT_AttachPartition" ? relname(partitionCmd?.name) : undefined
  if (node.objtype === "OBJECT_INDEX" && attached !== undefined) {
    // ALTER INDEX … ATTACH PARTITION: the partitioned index in SHARE UPDATE EXCLUSIVE, and both
    // indexes' tables read (pg_locks: ACCESS SHARE on each); the attached index itself is not locked.
    const tables = [facts.indexTable.get(table), facts.indexTable.get(attached)].filter((t): t is string => t !== undefined)
    return impact("ALTER INDEX ATTACH PARTITION", [
      { relation: table, mode: "ShareUpdateExclusiveLock" },
      ...tables.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    ])
  }
  if (node.objtype !== "OBJECT_TABLE") {
    // An index's storage parameters change under ShareUpdateExclusiveLock; every other form of ALTER INDEX, VIEW, … takes it exclusively.
    const parameters = node.objtype === "OBJECT_INDEX" && commands.every((c) => c.subtype === "AT_SetRelOptions" || c.subtype === "AT_ResetRelOptions")
    return impact(`ALTER ${String(node.objtype).replace(/^OBJECT_/, "")}`, [
      { relation: table, mode: parameters ? "ShareUpdateExclusiveLock" : "AccessExclusiveLock" },
    ])
  }
  // Each command on a partitioned table (not ONLY) reaches every partition in the table's own mode;
  // attaching and detaching name their partitions themselves.
  const parts = commands.map((cmd) => {
    const part = alterTableCommand(table, cmd, facts)
    const own = part.locks.find((l) => l.relation === table)
    if (own === undefined || !recurses(node.relation) || /Partition/.test(String(cmd.subtype))) return part
    return { ...part, locks: merge([...part.locks, ...withPartitions([own], facts)]) }
  })
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  return combined(parts.map((p) => p.kind).join(", "), parts)
}

/** DROP: a table takes its foreign-key neighbours with it; an index its table; a trigger, policy or rule its table. */
const dropLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const type = String(node.removeType).replace(/^OBJECT_/, "")
  const objects = ((node.objects ?? []) as ReadonlyArray<unknown>).map((o) =>
    items(o)
      .map(str)
      .filter((s): s is string => s !== undefined),
  )
  if (type === "TABLE") {
    const tables = objects.flatMap((o) => o.at(-1) ?? [])
    // Dropping a table drops its foreign keys' triggers on the tables they reference, and theirs on it.
    const neighbours = facts.references.flatMap((fk) => (tables.includes(fk.table) ? [fk.referenced] : tables.includes(fk.referenced) ? [fk.table] : []))
    // A partitioned table goes with its partitions; a partition is taken out of its partitioned table
    // (exclusively) and of the default partition's bound.
    const partitioned = tables.flatMap((t) => {
      const parent = facts.partitionOf.get(t)
      return [...partitionsOf(t, facts), ...(parent === undefined ? [] : [parent, ...defaultPartitionBesides(parent, t, facts)])]
    })
    return impact(
      "DROP TABLE",
      [...tables, ...neighbours, ...partitioned, ...cascadedViews(tables, node, facts)].map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
      { destructive: true },
    )
  }
  if (type === "INDEX") {
    const concurrent = node.concurrent === true
    const indexes = objects.flatMap((o) => o.at(-1) ?? [])
    const mode = concurrent ? ("ShareUpdateExclusiveLock" as const) : ("AccessExclusiveLock" as const)
    return impact(
      `DROP INDEX${concurrent ? " CONCURRENTLY" : ""}`,
      indexes.flatMap((index) => {
        const table = facts.indexTable.get(index)
        // CONCURRENTLY takes the table SHARE UPDATE EXCLUSIVE, waits (on their transactions) for every
        // transaction using the table to end, then takes the index ACCESS EXCLUSIVE to remove it, when
        // no query can be using it any more (pg_locks, with readers holding it: lockPlan.test.ts).
        return [{ relation: index, mode: "AccessExclusiveLock" as const }, ...(table === undefined ? [] : [{ relation: table, mode }])]
      }),
      concurrent
        ? {
            outsideTransaction: true,
            saferForm: "waits for every transaction using the table to end before it finishes: run it when no long query or idle transaction holds the table",
          }
        : { saferForm: "DROP INDEX CONCURRENTLY in its own file with -- aim:no-transaction" },
    )
  }
  if (type === "TRIGGER" || type === "POLICY" || type === "RULE") {
    // DROP TRIGGER name ON table: the table is every name but the last.
    const tables = objects.flatMap((o) => o.at(-2) ?? [])
    return impact(
      `DROP ${type}`,
      tables.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  if (type === "VIEW" || type === "MATVIEW" || type === "SEQUENCE") {
    const dropped = objects.flatMap((o) => o.at(-1) ?? [])
    return impact(
      `DROP ${type}`,
      [...dropped, ...cascadedViews(dropped, node, facts)].map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  if ((type === "FUNCTION" || type === "PROCEDURE") && node.behavior === "DROP_CASCADE") {
    // CASCADE drops the triggers that run it: each one's table is taken exclusively.
    const functions = ((node.objects ?? []) as ReadonlyArray<{ ObjectWithArgs?: { objname?: ReadonlyArray<unknown> } }>).flatMap(
      (o) => lastName(o.ObjectWithArgs?.objname ?? []) ?? [],
    )
    const tables = [...facts.triggers].filter(([, triggers]) => triggers.some((t) => functions.includes(t.function))).map(([table]) => table)
    return impact(
      `DROP ${type}`,
      tables.map((relation) => ({ relation, mode: "AccessExclusiveLock" as const })),
    )
  }
  return impact(`DROP ${type}`, [])
}

/** With CASCADE, the views that read what a DROP drops go too. */
const cascadedViews = (dropped: ReadonlyArray<string>, drop: AstNode, facts: CatalogFacts): ReadonlyArray<string> =>
  drop.behavior === "DROP_CASCADE" ? dropped.flatMap((relation) => viewsOf(relation, facts)) : []

/**
 * REINDEX TABLE and INDEX (± CONCURRENTLY); other forms (SCHEMA, DATABASE, SYSTEM) are not analysed.
 * A plain REINDEX holds ShareLock on the table and AccessExclusiveLock on each index it rebuilds:
 * a SELECT that would use one of them waits, so it blocks reads too.
 */
const reindexLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const concurrent = ((node.params ?? []) as ReadonlyArray<unknown>).some((p) => (p as { DefElem?: { defname?: string } }).DefElem?.defname === "concurrently")
  const name = relname(node.relation)
  const table =
    node.kind === "REINDEX_OBJECT_TABLE" ? name : node.kind === "REINDEX_OBJECT_INDEX" && name !== undefined ? facts.indexTable.get(name) : undefined
  if (name === undefined || (node.kind !== "REINDEX_OBJECT_TABLE" && node.kind !== "REINDEX_OBJECT_INDEX")) return impact("REINDEX", [], { opaque: true })
  const indexes = node.kind === "REINDEX_OBJECT_INDEX" ? [name] : [...facts.indexTable].filter(([, of]) => of === name).map(([index]) => index)
  const what = node.kind === "REINDEX_OBJECT_TABLE" ? "TABLE" : "INDEX"
  return impact(
    `REINDEX ${what}${concurrent ? " CONCURRENTLY" : ""}`,
    [
      ...(table === undefined ? [] : [{ relation: table, mode: concurrent ? ("ShareUpdateExclusiveLock" as const) : ("ShareLock" as const) }]),
      // CONCURRENTLY builds beside each index and swaps them in holding SHARE UPDATE EXCLUSIVE on each
      // index only; at its swap and drop phases it waits (on their transactions, not on a relation
      // lock) for every transaction using the index to end. It never blocks the application's queries
      // (pg_locks, with readers holding the indexes: lockPlan.test.ts).
      ...indexes.map((index) => ({ relation: index, mode: concurrent ? ("ShareUpdateExclusiveLock" as const) : ("AccessExclusiveLock" as const) })),
    ],
    {
      scan: true,
      outsideTransaction: concurrent,
      saferForm: concurrent
        ? "waits for every transaction using the index to end at its swap: run it when no long query or idle transaction holds the table"
        : `REINDEX ${what} CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes go on while it rebuilds)`,
    },
  )
}

/** VACUUM (FULL rewrites) and ANALYZE. */
const vacuumLocks = (node: AstNode): StatementLocks => {
  const relations = ((node.rels ?? []) as ReadonlyArray<{ VacuumRelation?: { relation?: unknown } }>).flatMap((r) => relname(r.VacuumRelation?.relation) ?? [])
  const full = ((node.options ?? []) as ReadonlyArray<unknown>).some((o) => (o as { DefElem?: { defname?: string } }).DefElem?.defname === "full")
  const verb = node.is_vacuumcmd === true ? (full ? "VACUUM FULL" : "VACUUM") : "ANALYZE"
  return impact(
    verb,
    relations.map((relation) => ({ relation, mode: full ? ("AccessExclusiveLock" as const) : ("ShareUpdateExclusiveLock" as const) })),
    { scan: true, rewrite: full, outsideTransaction: node.is_vacuumcmd === true },
  )
}

/** False for `ONLY table`: the statement stays on the table and does not reach its partitions. */
const recurses = (rangeVar: unknown): boolean => (rangeVar as { inh?: boolean } | undefined)?.inh === true

/** `listed`, with the partitions of each partitioned table not named ONLY, in the same mode. */
const listedWithPartitions = (list: unknown, mode: LockMode, facts: CatalogFacts): ReadonlyArray<RelationLock> =>
  ((list ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => {
    const relation = relname(r.RangeVar)
    if (relation === undefined) return []
    return [{ relation, mode }, ...(recurses(r.RangeVar) ? partitionsOf(relation, facts).map((p) => ({ relation: p, mode })) : [])]
  })

/** The columns an INSERT names (undefined: all of them) or an UPDATE sets. */
const targetColumns = (targets: unknown): ReadonlyArray<string> | undefined => {
  const names = ((targets ?? []) as ReadonlyArray<{ ResTarget?: { name?: string } }>).flatMap((t) => t.ResTarget?.name ?? [])
  return names.length === 0 ? undefined : names
}

/**
 * INSERT, UPDATE and DELETE: RowExclusiveLock on the target and every partition below it (a
 * partition written directly has its partitioned tables read), AccessShareLock on what it reads, and
 * its foreign keys' work: a written key checks the referenced row (RowShareLock), a deleted or
 * re-keyed referenced row is checked, cascaded or set null in each referencing table.
 */
const writeLocks = (kind: string, node: AstNode, facts: CatalogFacts): StatementLocks => {
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
const selectLocks = (node: AstNode): StatementLocks => {
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

/** LOCK TABLE in the mode it names. */
const lockTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const modes: Record<number, LockMode> = {
    1: "AccessShareLock",
    2: "RowShareLock",
    3: "RowExclusiveLock",
    4: "ShareUpdateExclusiveLock",
    5: "ShareLock",
    6: "ShareRowExclusiveLock",
    7: "ExclusiveLock",
    8: "AccessExclusiveLock",
  }
  const mode = modes[Number(node.mode)] ?? "AccessExclusiveLock"
  // LOCK of a view locks what the view's query reads, in the same mode.
  return impact("LOCK TABLE", throughViews(listedWithPartitions(node.relations, mode, facts), facts, "any mode"))
}

/**
 * CREATE TABLE: its foreign keys take the referenced tables (ShareRowExclusiveLock), LIKE reads the
 * table it copies, INHERITS takes each parent, PARTITION OF takes the partitioned table.
 */
const createTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const elements = (node.tableElts ?? []) as ReadonlyArray<unknown>
  const columnConstraints = elements.flatMap((e) => ((e as { ColumnDef?: AstNode }).ColumnDef?.constraints ?? []) as ReadonlyArray<unknown>)
  const tableConstraints = elements.filter((e) => (e as { Constraint?: unknown }).Constraint !== undefined)
  const references = constraintTargets([...columnConstraints, ...tableConstraints]).map((relation) => ({
    relation,
    mode: "ShareRowExclusiveLock" as const,
  }))
  // CREATE TABLE … PARTITION OF: the partitioned table is taken exclusively, and its default
  // partition too (its rows must not belong to the new one).
  const parent = node.partbound === undefined ? undefined : relname(((node.inhRelations ?? []) as ReadonlyArray<{ RangeVar?: unknown }>)[0]?.RangeVar)
  if (parent !== undefined) {
    return impact("CREATE TABLE … PARTITION OF", [
      ...[parent, ...defaultPartitionBesides(parent, relname(node.relation) ?? "?", facts)].map((relation) => ({
        relation,
        mode: "AccessExclusiveLock" as const,
      })),
      ...references,
    ])
  }
  // LIKE reads the table it copies; INHERITS takes each parent as ALTER TABLE … INHERIT does.
  const copied = elements.flatMap((e) => relname((e as { TableLikeClause?: { relation?: unknown } }).TableLikeClause?.relation) ?? [])
  const parents = ((node.inhRelations ?? []) as ReadonlyArray<{ RangeVar?: unknown }>).flatMap((r) => relname(r.RangeVar) ?? [])
  return impact("CREATE TABLE", [
    ...references,
    ...copied.map((relation) => ({ relation, mode: "AccessShareLock" as const })),
    ...parents.map((relation) => ({ relation, mode: "ShareUpdateExclusiveLock" as const })),
  ])
}

// Statements the rewriter runs as queries: a view they read or write is replaced by its query, and a
// function of the schema they call runs its body.
const queries = new Set(["SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CallStmt", "CreateTableAsStmt", "CopyStmt"])

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
    const kind = Object.keys(c.ctequery ?? {})[0]
    return kind === undefined ? [] : [statementLocks({ ...statement, kind, node: (c.ctequery?.[kind] ?? {}) as AstNode }, facts, calling)]
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

/** nextval('seq') and setval('seq', …) with the sequence written out: RowExclusiveLock on it. */
const sequenceCalls = (calls: ReadonlyArray<Call>): ReadonlyArray<RelationLock> =>
  calls.flatMap((c) =>
    (c.name === "nextval" || c.name === "setval") && c.literal !== undefined
      ? [{ relation: c.literal.replace(/^public\./, ""), mode: "RowExclusiveLock" as const }]
      : [],
  )

const writeEvents: Readonly<Record<string, ReadonlyArray<string>>> = {
  InsertStmt: ["INSERT"],
  UpdateStmt: ["UPDATE"],
  DeleteStmt: ["DELETE"],
  TruncateStmt: ["TRUNCATE"],
  MergeStmt: ["INSERT", "UPDATE", "DELETE"],
}

/** The functions of the triggers a write fires on its target (INSERT … ON CONFLICT DO UPDATE may update too). */
const firedTriggers = (statement: ParsedStatement, facts: CatalogFacts): ReadonlyArray<string> => {
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
 * COMMENT ON and SECURITY LABEL ON (PostgreSQL's get_object_address): a relation of any kind (an index
 * too) or a column's relation is taken SHARE UPDATE EXCLUSIVE; a table's constraint, trigger, policy or
 * rule takes its table ACCESS SHARE (and the object itself an object lock); anything else (a function,
 * a type, a domain's constraint, a schema) only an object lock, which no query of the application takes.
 */
const objectPropertyLocks = (verb: string, node: AstNode): StatementLocks => {
  const objectType = String(node.objtype).replace(/^OBJECT_/, "")
  const names = items(node.object)
    .map(str)
    .filter((s): s is string => s !== undefined)
  const relation = ["TABLE", "VIEW", "MATVIEW", "INDEX", "SEQUENCE", "FOREIGN_TABLE"].includes(objectType)
    ? names.at(-1)
    : objectType === "COLUMN"
      ? names.at(-2)
      : undefined
  const ofTable = ["TABCONSTRAINT", "TRIGGER", "POLICY", "RULE"].includes(objectType) ? names.at(-2) : undefined
  return impact(`${verb} ${objectType}`, [
    ...(relation === undefined ? [] : [{ relation, mode: "ShareUpdateExclusiveLock" as const }]),
    ...(ofTable === undefined ? [] : [{ relation: ofTable, mode: "AccessShareLock" as const }]),
  ])
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

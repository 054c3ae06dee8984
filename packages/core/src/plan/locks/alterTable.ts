// ALTER TABLE, command by command: each form's mode in PostgreSQL's AlterTableGetLockLevel, with
// what it rewrites or scans, and the partitions and neighbours a command reaches.
import type { AlterTableType, AstNode } from "../../sql/sqlAnalysis.js"
import { declaredType, typeChangeRewrites } from "../../sql/columnTypes.js"
import type { CatalogFacts } from "../catalogFacts.js"
import { defaultPartitionBesides, rebuiltForeignKeys, referencingTables, viewsOfColumn, withPartitions } from "../neighbours.js"
import {
  combined,
  constraintTargets,
  funcNames,
  impact,
  merge,
  recurses,
  relname,
  type StatementLocks,
  volatileDefault,
  type LockRules,
  untyped,
} from "./syntax.js"

/** ADD COLUMN: a volatile default (serial's nextval among them), an identity or a stored generated column rewrites the table. */
export const addColumnLocks = (table: string, columnDef: AstNode | undefined): StatementLocks => {
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
export const alterTableCommand = (table: string, cmd: AstNode, facts: CatalogFacts): StatementLocks => {
  const subtype = String(cmd.subtype) as AlterTableType
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
export const partitionCommand = (table: string, subtype: AlterTableType, command: AstNode | undefined, facts: CatalogFacts): StatementLocks => {
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
export const alterTableOtherCommand = (table: string, subtype: AlterTableType): StatementLocks => {
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
/** ALTER TABLE: each command's locks, rewrite and scan, merged. */
export const alterTableLocks = (node: AstNode, facts: CatalogFacts): StatementLocks => {
  const table = relname(node.relation) ?? "?"
  const commands = ((node.cmds ?? []) as ReadonlyArray<{ AlterTableCmd?: AstNode }>).flatMap((c) => (c.AlterTableCmd === undefined ? [] : [c.AlterTableCmd]))
  const only = commands.length === 1 ? commands[0] : undefined
  const partitionCmd = (only?.def as AstNode | undefined)?.PartitionCmd as AstNode | undefined
  const attached = (only?.subtype as AlterTableType | undefined) === "AT_AttachPartition" ? relname(partitionCmd?.name) : undefined
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
    const parameters =
      node.objtype === "OBJECT_INDEX" &&
      commands.every((c) => {
        const subtype = c.subtype as AlterTableType
        return subtype === "AT_SetRelOptions" || subtype === "AT_ResetRelOptions"
      })
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

/** The lock rule of ALTER TABLE (each subcommand by its AlterTableType, in alterTableCommand). */
export const alterTableRules: LockRules = {
  AlterTableStmt: (node, facts) => alterTableLocks(untyped(node), facts),
}

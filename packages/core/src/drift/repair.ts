import { ident, literal } from "../database/sqlText.js"
import { type Catalog, type CatalogObject, columnDefinition, decodeJsonRow, definitionOf } from "./catalog.js"

/**
 * The statements that make a live object what the files define. Each carries the step it belongs to,
 * so that the statements of every finding, sorted by step, run in an order that converges: renames
 * first (later statements use the files' names), types and sequences before the columns that use
 * them, columns before the functions, keys before the foreign keys that need them, constraints
 * before indexes and triggers, the policies' seed rows last.
 */
export interface Repair {
  readonly step: number
  readonly sql: string
  /** ALTER TYPE … ADD VALUE: run before the transaction, so later statements may use the value. */
  readonly outsideTransaction?: boolean
}

export const steps = {
  renameTable: 1,
  renamePart: 2,
  type: 3,
  sequence: 4,
  table: 5,
  column: 6,
  alterColumn: 7,
  ownedBy: 8,
  function: 9,
  key: 10,
  foreignKey: 11,
  index: 12,
  trigger: 13,
  triggerState: 14,
  view: 15,
  seed: 16,
} as const

type Of<K extends CatalogObject["kind"]> = Extract<CatalogObject, { kind: K }>

const triggerState: Readonly<Record<string, string>> = { O: "ENABLE", D: "DISABLE", R: "ENABLE REPLICA", A: "ENABLE ALWAYS" }

/** A numeric default compares by value (the deployed backend wrote 0.00 where aim's files write 0); CURRENT_TIMESTAMP is now(). */
export const comparableDefault = (value: string | null): string | null =>
  value === null ? null : value.replace(/^-?\d+\.\d+$/, (n) => String(Number(n))).replace(/^CURRENT_TIMESTAMP$/, "now()")

/** What two objects are compared by (a column's default by value). */
export const comparable = (o: CatalogObject): string =>
  o.kind === "column" ? columnDefinition({ ...o, default: comparableDefault(o.default) }) : definitionOf(o)

const constraintRepair = (c: Of<"constraint">, cascade = false): Repair => ({
  step: c.type === "f" ? steps.foreignKey : steps.key,
  // One form for a missing and a changed constraint, so that a key re-added for a changed primary key
  // and the same key's own finding are one statement in the script.
  sql: `ALTER TABLE ${ident(c.table)} DROP CONSTRAINT IF EXISTS ${ident(c.name)}${cascade ? " CASCADE" : ""}, ADD CONSTRAINT ${ident(c.name)} ${c.definition}`,
})

/** ENABLE or DISABLE, as the files' trigger fires. */
const triggerStateRepair = (t: Of<"trigger">): Repair => ({
  step: steps.triggerState,
  sql: `ALTER TABLE ${ident(t.table)} ${triggerState[t.enabled]} TRIGGER ${ident(t.name)}`,
})

const triggerRepairs = (t: Of<"trigger">, replace: boolean): ReadonlyArray<Repair> => [
  ...(replace ? [{ step: steps.trigger, sql: `DROP TRIGGER IF EXISTS ${ident(t.name)} ON ${ident(t.table)}` }] : []),
  { step: steps.trigger, sql: t.definition },
  // A new trigger fires (O): anything else is set after it.
  ...(t.enabled === "O" ? [] : [triggerStateRepair(t)]),
]

const policyRepair = (p: Of<"policy">, replace: boolean): ReadonlyArray<Repair> => [
  ...(replace ? [{ step: steps.trigger, sql: `DROP POLICY IF EXISTS ${ident(p.name)} ON ${ident(p.table)}` }] : []),
  { step: steps.trigger, sql: `CREATE POLICY ${ident(p.name)} ON ${ident(p.table)} ${p.definition}` },
]

const tableState = (want: Of<"table">, have: Of<"table"> | undefined): ReadonlyArray<Repair> => {
  const t = ident(want.name)
  const repairs: Array<Repair> = []
  if (have !== undefined && want.unlogged !== have.unlogged)
    repairs.push({ step: steps.column, sql: `ALTER TABLE ${t} SET ${want.unlogged ? "UNLOGGED" : "LOGGED"}` })
  if (want.rowSecurity !== (have?.rowSecurity ?? false))
    repairs.push({ step: steps.triggerState, sql: `ALTER TABLE ${t} ${want.rowSecurity ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY` })
  if (want.forceRowSecurity !== (have?.forceRowSecurity ?? false))
    repairs.push({ step: steps.triggerState, sql: `ALTER TABLE ${t} ${want.forceRowSecurity ? "FORCE" : "NO FORCE"} ROW LEVEL SECURITY` })
  return repairs
}

const viewRepairs = (v: Of<"view">, replace: boolean): ReadonlyArray<Repair> => {
  const what = v.materialized ? "MATERIALIZED VIEW" : "VIEW"
  return [
    ...(replace ? [{ step: steps.view, sql: `DROP ${what} IF EXISTS ${ident(v.name)}` }] : []),
    { step: steps.view, sql: `CREATE ${what} ${ident(v.name)} AS ${v.definition.trim().replace(/;$/, "")}` },
  ]
}

/** The ALTER COLUMN subcommands that turn `have` into `want`, in the order PostgreSQL needs them. */
const columnChanges = (want: Of<"column">, have: Of<"column">): ReadonlyArray<string> => {
  const c = ident(want.name)
  const changes: Array<string> = []
  const retype = want.dataType !== have.dataType || want.collation !== have.collation
  const redefault = comparableDefault(want.default) !== comparableDefault(have.default)
  if (want.identity !== have.identity && have.identity !== "") changes.push(`ALTER COLUMN ${c} DROP IDENTITY`)
  // A default of the old type may not cast to the new one: it goes first and comes back after.
  if (have.default !== null && (retype || (redefault && want.default === null))) changes.push(`ALTER COLUMN ${c} DROP DEFAULT`)
  if (retype)
    changes.push(
      `ALTER COLUMN ${c} TYPE ${want.dataType}${want.collation === null ? (have.collation === null ? "" : ' COLLATE "default"') : ` COLLATE ${want.collation}`} USING ${c}::${want.dataType}`,
    )
  if (want.default !== null && (redefault || (retype && have.default !== null))) changes.push(`ALTER COLUMN ${c} SET DEFAULT ${want.default}`)
  if (want.notNull !== have.notNull) changes.push(`ALTER COLUMN ${c} ${want.notNull ? "SET" : "DROP"} NOT NULL`)
  if (want.identity !== have.identity && want.identity !== "")
    changes.push(`ALTER COLUMN ${c} ADD GENERATED ${want.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`)
  return changes
}

const sequenceRepairs = (want: Of<"sequence">, have: Of<"sequence"> | undefined): ReadonlyArray<Repair> => {
  const s = ident(want.name)
  const repairs: Array<Repair> = []
  if (have === undefined) repairs.push({ step: steps.sequence, sql: `CREATE SEQUENCE IF NOT EXISTS ${s} AS ${want.dataType}` })
  else if (have.dataType !== want.dataType) repairs.push({ step: steps.sequence, sql: `ALTER SEQUENCE ${s} AS ${want.dataType}` })
  if (want.ownedBy !== (have?.ownedBy ?? null)) repairs.push({ step: steps.ownedBy, sql: `ALTER SEQUENCE ${s} OWNED BY ${want.ownedBy ?? "NONE"}` })
  return repairs
}

// A default policy goes back into the organization 015 seeds (the admin's), created by the admin where it still exists;
// the seed row's column names (to_jsonb of the row, as the catalog read it) are what the insert lists.
const seedInsert = (seed: Of<"seed">): string => {
  const columns = Object.keys(decodeJsonRow(seed.row ?? "{}")).map(ident)
  return `INSERT INTO security_policies (organization_id, created_by, ${columns.join(", ")}) SELECT o.id, (SELECT u.id FROM users u WHERE u.email = 'admin@opena2a.org' AND u.organization_id = o.id), ${columns.map((c) => `r.${c}`).join(", ")} FROM organizations o, jsonb_populate_record(NULL::security_policies, ${literal(seed.row ?? "{}")}) r WHERE o.domain = 'admin.opena2a.org'`
}

/** The parts of a table (its columns aside) in the files' catalog: what recreating the table recreates. */
const partsOf = (table: string, catalog: Catalog): ReadonlyArray<CatalogObject> =>
  [...catalog.values()].filter((o) => (o.kind === "constraint" || o.kind === "index" || o.kind === "trigger" || o.kind === "policy") && o.table === table)

const tableCreate = (want: Of<"table">, catalog: Catalog): ReadonlyArray<Repair> => {
  const columns = [...catalog.values()]
    .filter((o): o is Of<"column"> => o.kind === "column" && o.table === want.name)
    .sort((a, b) => a.position - b.position)
    .map((c) => `${ident(c.name)} ${columnDefinition(c)}`)
  return [
    { step: steps.table, sql: `CREATE ${want.unlogged ? "UNLOGGED " : ""}TABLE ${ident(want.name)} (${columns.join(", ")})` },
    ...tableState(want, undefined),
    ...partsOf(want.name, catalog).flatMap((part) => repairsFor(part, undefined, catalog)),
  ]
}

/**
 * What makes the live object `have` (undefined: it is missing) the files' `want`, given the files'
 * whole catalog (a missing table's parts, the foreign keys a re-created primary key takes with it).
 */
export const repairsFor = (want: CatalogObject, have: CatalogObject | undefined, expected: Catalog): ReadonlyArray<Repair> => {
  switch (want.kind) {
    case "type":
      return [{ step: steps.type, sql: `CREATE TYPE ${ident(want.name)} AS ENUM (${want.labels.map(literal).join(", ")})` }]
    case "label": {
      // Placed where the files' type has it: after the value before it, or before the one after it.
      const labels = (expected.get(`type:${want.type}`) as Of<"type"> | undefined)?.labels ?? []
      const at = labels.indexOf(want.label)
      const [previous, next] = [labels[at - 1], labels[at + 1]]
      const position = previous !== undefined ? ` AFTER ${literal(previous)}` : next !== undefined ? ` BEFORE ${literal(next)}` : ""
      return [{ step: steps.type, sql: `ALTER TYPE ${ident(want.type)} ADD VALUE IF NOT EXISTS ${literal(want.label)}${position}`, outsideTransaction: true }]
    }
    case "sequence":
      return sequenceRepairs(want, have as Of<"sequence"> | undefined)
    case "table":
      return have === undefined ? tableCreate(want, expected) : tableState(want, have as Of<"table">)
    case "column": {
      if (have === undefined) return [{ step: steps.column, sql: `ALTER TABLE ${ident(want.table)} ADD COLUMN ${ident(want.name)} ${columnDefinition(want)}` }]
      const changes = columnChanges(want, have as Of<"column">)
      return changes.length === 0 ? [] : [{ step: steps.alterColumn, sql: `ALTER TABLE ${ident(want.table)} ${changes.join(", ")}` }]
    }
    case "constraint": {
      const rekeyed = have !== undefined && (want.type === "p" || want.type === "u")
      // Dropping a changed key drops the foreign keys that use it (CASCADE); they come back after it.
      const dependents = rekeyed
        ? [...expected.values()].filter((o): o is Of<"constraint"> => o.kind === "constraint" && o.type === "f" && o.references === want.table)
        : []
      return [constraintRepair(want, rekeyed), ...dependents.map((fk) => constraintRepair(fk))]
    }
    case "index":
      return [
        ...(have === undefined ? [] : [{ step: steps.index, sql: `DROP INDEX IF EXISTS ${ident(want.name)}` }]),
        { step: steps.index, sql: want.definition },
      ]
    case "trigger": {
      const live = have as Of<"trigger"> | undefined
      if (live !== undefined && live.definition === want.definition) return [triggerStateRepair(want)]
      return triggerRepairs(want, live !== undefined)
    }
    case "function":
      return [{ step: steps.function, sql: want.definition.trim() }]
    case "view":
      return viewRepairs(want, have !== undefined)
    case "policy":
      return policyRepair(want, have !== undefined)
    case "seed":
      return [
        have === undefined
          ? { step: steps.seed, sql: seedInsert(want) }
          : {
              step: steps.seed,
              sql: `UPDATE security_policies SET priority = ${Number(want.priorities)} WHERE name = ${literal(want.name)} AND priority IS DISTINCT FROM ${Number(want.priorities)}`,
            },
      ]
  }
}

/** The statement that gives the live object `from` the files' name (a rename found by its definition). */
export const renameRepair = (want: Renamable, from: string): Repair => {
  const to = ident(want.name)
  const was = ident(from)
  switch (want.kind) {
    case "table":
      return { step: steps.renameTable, sql: `ALTER TABLE ${was} RENAME TO ${to}` }
    case "column":
      return { step: steps.renamePart, sql: `ALTER TABLE ${ident(want.table)} RENAME COLUMN ${was} TO ${to}` }
    case "constraint":
      return { step: steps.renamePart, sql: `ALTER TABLE ${ident(want.table)} RENAME CONSTRAINT ${was} TO ${to}` }
    case "trigger":
      return { step: steps.renamePart, sql: `ALTER TRIGGER ${was} ON ${ident(want.table)} RENAME TO ${to}` }
    case "index":
      return { step: steps.renamePart, sql: `ALTER INDEX ${was} RENAME TO ${to}` }
    case "view":
      return { step: steps.renamePart, sql: `ALTER ${want.materialized ? "MATERIALIZED VIEW" : "VIEW"} ${was} RENAME TO ${to}` }
  }
}

/** Objects a rename is found for: a name of their own, and a definition that does not hold it. */
export type Renamable = Of<"table" | "column" | "constraint" | "trigger" | "index" | "view">

/**
 * The script of a set of repairs: sorted by step (stable, so findings keep their order), each
 * statement once, ADD VALUE before one transaction that holds the rest.
 */
export const repairScript = (repairs: ReadonlyArray<Repair>): ReadonlyArray<string> => {
  // Array sort is stable; a Map holds each statement once, where it first came.
  const ordered = [...new Map([...repairs].sort((a, b) => a.step - b.step).map((r) => [r.sql, r] as const)).values()]
  const before = ordered.filter((r) => r.outsideTransaction === true).map((r) => `${r.sql};`)
  const inside = ordered.filter((r) => r.outsideTransaction !== true).map((r) => `${r.sql.replace(/;\s*$/, "")};`)
  return inside.length === 0 ? before : [...before, "BEGIN;", ...inside, "COMMIT;"]
}

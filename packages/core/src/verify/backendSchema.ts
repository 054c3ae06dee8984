import { withFilesSearchPath } from "../database/catalogText.js"
import { backendSchema } from "./backendSchema.data.js"

/**
 * aim verify's "The backend's own schema": the database's columns, constraints, indexes and triggers
 * in public against the contract (the AIM backend's own database at its current release), compared
 * without their names, as the backend's code observes them. The differences the contract allows (aim's
 * guide tables and is_enforced column, the reset-expiry trigger) are not counted.
 */

export type SchemaKind = "column" | "constraint" | "index" | "trigger"
const kinds = { column: "columns", constraint: "constraints", index: "indexes", trigger: "triggers" } as const satisfies Record<
  SchemaKind,
  keyof typeof backendSchema
>

export interface SchemaDifference {
  readonly kind: SchemaKind
  /** `missing`: the contract's object is absent or defined otherwise; `extra`: an object of the database's on a backend table. */
  readonly change: "missing" | "extra"
  readonly item: string
}

/** One statement: every object of public as the contract prints it (pg_get_*def, format_type). */
export const schemaItemsQuery = `
SELECT 'column' AS kind, c.relname || '.' || a.attname || ': ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN '; not null' ELSE '' END || coalesce('; default ' || pg_get_expr(d.adbin, d.adrelid), '') AS item
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', c.relname || ': ' || k.conname || ': ' || pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = 'public'::regnamespace AND k.contype <> 'n'
UNION ALL
SELECT 'index', pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'public'::regnamespace AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)
UNION ALL
SELECT 'trigger', pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`

// The contract's allowed differences.
const allowedTables: ReadonlySet<string> = new Set(["analytics_agent_activity", "analytics_trust_scores"])
const allowedColumns: ReadonlySet<string> = new Set(["security_policies.is_enforced"])
const allowedTrigger = /\bsync_password_reset_expiry\(\)/

const tableOf = (kind: SchemaKind, item: string): string =>
  kind === "column"
    ? (item.split(".", 1)[0] ?? "")
    : kind === "constraint"
      ? (item.split(":", 1)[0] ?? "")
      : (/ ON (?:ONLY )?(?:public\.)?(\w+)/.exec(item)?.[1] ?? "")

/** An object's definition without its name. */
const keyOf = (kind: SchemaKind, item: string): string => {
  if (kind === "constraint") {
    const [table, , ...definition] = item.split(": ")
    return `${table}: ${definition.join(": ")}`
  }
  if (kind === "index") return item.replace(/INDEX \S+ ON/, "INDEX ON")
  if (kind === "trigger") return item.replace(/EXECUTE FUNCTION \S+/, "EXECUTE FUNCTION").replace(/TRIGGER \S+ /, "TRIGGER ")
  return item
}

const columnOf = (item: string) => item.split(":", 1)[0] ?? ""
const backendTables: ReadonlySet<string> = new Set(backendSchema.columns.map((c) => tableOf("column", c)))
const contractColumns: ReadonlySet<string> = new Set(backendSchema.columns.map(columnOf))

/** What differs between the database's objects (`rows` of schemaItemsQuery) and the contract. */
export const schemaDifferences = (read: ReadonlyArray<{ readonly kind: string; readonly item: string }>): ReadonlyArray<SchemaDifference> => {
  // Read with aim's search_path, as the contract has them (deparsed with the files' search_path).
  const rows = read.map((r) => ({ kind: r.kind, item: withFilesSearchPath(r.item) }))
  return (Object.keys(kinds) as ReadonlyArray<SchemaKind>).flatMap((kind) => {
    const wanted = new Map<string, string>(backendSchema[kinds[kind]].map((item) => [keyOf(kind, item), item]))
    const held = new Map(rows.filter((r) => r.kind === kind).map((r) => [keyOf(kind, r.item), r.item]))
    const missing = [...wanted]
      .filter(([key, item]) => !held.has(key) && !(kind === "column" && allowedColumns.has(columnOf(item))))
      .map(([, item]): SchemaDifference => ({ kind, change: "missing", item }))
    // A second object with a contract definition under another name (a duplicate index) is extra too.
    const seen = new Set<string>()
    const extra = rows
      .filter((r) => r.kind === kind)
      .map((r): [string, string] => [keyOf(kind, r.item), r.item])
      .filter(([key, item]) => {
        const table = tableOf(kind, item)
        const duplicate = seen.has(key)
        seen.add(key)
        if ((wanted.has(key) && !duplicate) || allowedTables.has(table) || !backendTables.has(table)) return false
        // A contract column defined otherwise is reported once, as missing with the contract's definition.
        if (kind === "column") return !allowedColumns.has(columnOf(item)) && !contractColumns.has(columnOf(item))
        return !(kind === "trigger" && allowedTrigger.test(item))
      })
      .map(([, item]): SchemaDifference => ({ kind, change: "extra", item }))
    return [...missing, ...extra]
  })
}

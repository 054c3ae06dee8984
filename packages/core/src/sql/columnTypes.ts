import type { ColumnDef } from "@pgsql/types"
import { lastName } from "./sqlAnalysis.js"

// What a column type change costs, from the parse tree alone: shared by aim plan (the live column's
// type from the catalog) and aim lint (the type the files before it declared), so that both say the
// same of one statement.

/** A column definition's type name and modifiers, as the parser reads them. */
const typeParts = (columnDef: ColumnDef | undefined): { readonly base: string; readonly mods: ReadonlyArray<number> } => {
  const typeName = columnDef?.typeName
  const mods = (typeName?.typmods ?? []).map((m) => ("A_Const" in m ? m.A_Const.ival?.ival : undefined))
  return { base: lastName(typeName?.names ?? []) ?? "", mods: mods.filter((n) => n !== undefined) }
}

/** A column definition's type as the parser reads it: `varchar(16)`, `numeric(6,2)`, `text`. */
const typeOf = (columnDef: ColumnDef | undefined): string => {
  const { base, mods } = typeParts(columnDef)
  return mods.length > 0 ? `${base}(${mods.join(",")})` : base
}

// The names format_type prints for the parser's internal type names.
const printedTypeNames: Readonly<Record<string, string>> = {
  varchar: "character varying",
  bpchar: "character",
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  float4: "real",
  float8: "double precision",
  bool: "boolean",
  timestamp: "timestamp without time zone",
  timestamptz: "timestamp with time zone",
  time: "time without time zone",
  timetz: "time with time zone",
}

/**
 * A column definition's type as format_type prints it (`character varying(8)`, `numeric(5,2)`): what
 * the catalog says of a column a migration file declared, for a file read without a database (lint).
 */
export const declaredType = (columnDef: ColumnDef | undefined): string => {
  const { base, mods } = typeParts(columnDef)
  // numeric(p) is numeric(p,0).
  const all = base === "numeric" && mods.length === 1 ? [...mods, 0] : mods
  return `${printedTypeNames[base] ?? base}${all.length > 0 ? `(${all.join(",")})` : ""}`
}

/**
 * Whether ALTER COLUMN … TYPE to the column definition `to` rewrites a column of type `from` (as
 * format_type prints it; undefined: not known, so it may): one rule for aim plan, which reads the
 * live column, and aim lint, which reads the files before it.
 */
export const typeChangeRewrites = (from: string | undefined, to: ColumnDef | undefined): boolean => !binaryCompatible(from, typeOf(to))

/** A type change PostgreSQL makes without rewriting: varchar widened or dropped to text, numeric widened. */
const binaryCompatible = (from: string | undefined, to: string): boolean => {
  if (from === undefined) return false
  // numeric(p, s) to a precision at least p at the same scale, or to unconstrained numeric: the stored values fit as they are.
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(from)
  if (numeric !== null) {
    if (to === "numeric") return true
    const target = /^numeric\((\d+),(\d+)\)$/.exec(to)
    return target !== null && target[2] === numeric[2] && Number(target[1]) >= Number(numeric[1])
  }
  const varchar = /^character varying(?:\((\d+)\))?$/.exec(from)
  if (varchar !== null) {
    if (to === "text" || to === "varchar") return true
    const target = /^varchar\((\d+)\)$/.exec(to)
    return target !== null && (varchar[1] === undefined ? false : Number(target[1]) >= Number(varchar[1]))
  }
  return false
}

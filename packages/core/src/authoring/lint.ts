import { Effect } from "effect"
import { declaredType, typeChangeRewrites } from "../sql/columnTypes.js"
import { readChecks } from "../source/fileChecks.js"
import type { Migration } from "../source/Migration.js"
import { type AstNode, type ParsedStatement, lastName, parseScript, relationName } from "../sql/sqlAnalysis.js"

export type Severity = "error" | "warning"

export interface LintFinding {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly rule: string
  readonly severity: Severity
  readonly message: string
  readonly fix: string
}

export interface LintInput {
  readonly name: string
  readonly sql: string
  readonly transactional: boolean
}

/** Every rule with its severity and the fix a finding prints. */
export const lintRules = {
  syntax: { severity: "error", fix: "Fix the SQL so PostgreSQL can parse it" },
  "create-without-guard": { severity: "error", fix: "Add IF NOT EXISTS (tables, indexes, sequences, schemas) or OR REPLACE (views)" },
  "type-without-guard": {
    severity: "error",
    fix: "Create types inside DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '...') THEN ... END IF; END $$",
  },
  "function-without-or-replace": { severity: "error", fix: "Use CREATE OR REPLACE FUNCTION" },
  "trigger-without-guard": { severity: "error", fix: "Use CREATE OR REPLACE TRIGGER (PostgreSQL 14+) or DROP TRIGGER IF EXISTS first" },
  "constraint-without-guard": {
    severity: "error",
    fix: "DROP CONSTRAINT IF EXISTS the same name first, or add the constraint inside a DO block that checks pg_constraint",
  },
  "add-column-without-if-not-exists": { severity: "error", fix: "Use ADD COLUMN IF NOT EXISTS" },
  "insert-without-on-conflict": {
    severity: "error",
    fix: "Add ON CONFLICT DO NOTHING (or DO UPDATE), or INSERT ... SELECT ... WHERE NOT EXISTS (...), so a second run inserts nothing",
  },
  "concurrently-in-transaction": { severity: "error", fix: "Put CREATE INDEX CONCURRENTLY in its own file starting with -- aim:no-transaction" },
  "transaction-control": { severity: "error", fix: "Remove BEGIN/COMMIT: aim runs each file in its own transaction" },
  destructive: {
    severity: "error",
    fix: "Do not drop or truncate in a forward migration; if it is truly intended, suppress with -- aim:lint-ignore destructive: <reason>",
  },
  extension: { severity: "error", fix: "Avoid extensions (Azure allows them only when allow-listed); gen_random_uuid() is built in since PostgreSQL 13" },
  "not-null-without-default": { severity: "error", fix: "Add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL" },
  "table-rewrite": { severity: "warning", fix: "Changing a column type rewrites and locks the table: add a new column and backfill instead" },
  "set-not-null-scan": {
    severity: "warning",
    fix: "SET NOT NULL scans the table under an exclusive lock: add a CHECK (...) NOT VALID, VALIDATE it, then SET NOT NULL",
  },
  "check-invalid": {
    severity: "error",
    fix: 'Write -- aim:check "what must hold" SELECT … : one SELECT whose rows are the violations (continue it on comment lines indented three spaces)',
  },
  "index-locks-table": { severity: "warning", fix: "CREATE INDEX blocks writes to an existing table: use CONCURRENTLY in a -- aim:no-transaction file" },
} as const satisfies Record<string, { severity: Severity; fix: string }>

export type LintRule = keyof typeof lintRules

const suppression = /--\s*aim:lint-ignore\s+([a-z-]+(?:\s*,\s*[a-z-]+)*)/

/**
 * Rules suppressed for a statement by `-- aim:lint-ignore rule[, rule]: reason` on its own line or in
 * the paragraph above it (the lines up to the previous blank line): one reviewed reason covers a block.
 */
const suppressedAt = (lines: ReadonlyArray<string>, line: number): ReadonlySet<string> => {
  const rules = new Set<string>()
  for (let i = line - 1; i >= 0; i--) {
    const text = lines[i] ?? ""
    if (i < line - 1 && text.trim() === "") break
    const match = suppression.exec(text)
    if (match?.[1] !== undefined) for (const rule of match[1].split(",")) rules.add(rule.trim())
  }
  return rules
}

// Functions whose value differs per row: as a new column's default they rewrite the table.
const volatileFunctions = new Set(["random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v4", "nextval", "txid_current"])

/** The volatile function a column's DEFAULT calls, if any. */
const volatileDefault = (column: AstNode | undefined): string | undefined => {
  const defaults = ((column?.constraints as ReadonlyArray<{ Constraint?: { contype?: string; raw_expr?: unknown } }> | undefined) ?? []).filter(
    (c) => c.Constraint?.contype === "CONSTR_DEFAULT",
  )
  const calls: Array<string> = []
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) visit(n)
    else if (typeof node === "object" && node !== null) {
      const call = (node as { FuncCall?: { funcname?: ReadonlyArray<Named> } }).FuncCall
      const name = lastName(call?.funcname)
      if (name !== undefined) calls.push(name)
      for (const value of Object.values(node)) visit(value)
    }
  }
  visit(defaults.map((c) => c.Constraint?.raw_expr))
  return calls.find((name) => volatileFunctions.has(name))
}

const commands = (node: AstNode): ReadonlyArray<AstNode> =>
  ((node.cmds as ReadonlyArray<{ AlterTableCmd?: AstNode }> | undefined) ?? []).flatMap((c) => (c.AlterTableCmd === undefined ? [] : [c.AlterTableCmd]))

const hasConstraint = (column: AstNode | undefined, type: string): boolean =>
  ((column?.constraints as ReadonlyArray<{ Constraint?: { contype?: string } }> | undefined) ?? []).some((c) => c.Constraint?.contype === type)

type Named = { String?: { sval?: string } }

/** Names a DROP removes: the last part of each object (`t.x` of DROP TRIGGER x ON t is `x`). */
const droppedNames = (node: AstNode): ReadonlyArray<string> =>
  ((node.objects as ReadonlyArray<{ List?: { items?: ReadonlyArray<Named> }; ObjectWithArgs?: { objname?: ReadonlyArray<Named> } }> | undefined) ?? []).flatMap(
    (o) => lastName(o.List?.items ?? o.ObjectWithArgs?.objname) ?? [],
  )

// DROP x IF EXISTS followed by CREATE x is how PostgreSQL spells "replace" for these kinds: the pair
// is idempotent and loses no data. Tables, types and sequences are not here: dropping them loses rows.
const replaceableKinds: Readonly<Record<string, { readonly create: string; readonly name: (node: AstNode) => string | undefined }>> = {
  OBJECT_TRIGGER: { create: "CreateTrigStmt", name: (n) => n.trigname as string | undefined },
  OBJECT_INDEX: { create: "IndexStmt", name: (n) => n.idxname as string | undefined },
  OBJECT_VIEW: { create: "ViewStmt", name: (n) => (n.view as { relname?: string } | undefined)?.relname },
  OBJECT_FUNCTION: { create: "CreateFunctionStmt", name: (n) => lastName(n.funcname as ReadonlyArray<Named> | undefined) },
  OBJECT_POLICY: { create: "CreatePolicyStmt", name: (n) => n.policy_name as string | undefined },
}

const dropsIfExists = (statement: ParsedStatement, kind: string, name: string): boolean =>
  statement.kind === "DropStmt" && statement.node.removeType === kind && statement.node.missing_ok === true && droppedNames(statement.node).includes(name)

/** True when `create` (a CREATE of a replaceable kind) follows a DROP ... IF EXISTS of the same name. */
const createReplaces = (statements: ReadonlyArray<ParsedStatement>, index: number, kind: string, name: string): boolean =>
  statements.slice(0, index).some((s) => dropsIfExists(s, kind, name))

/** True when this DROP ... IF EXISTS is followed by a CREATE of the same name: a replacement. */
const dropIsReplacement = (statements: ReadonlyArray<ParsedStatement>, index: number, node: AstNode): boolean => {
  const kind = replaceableKinds[String(node.removeType)]
  if (kind === undefined || node.missing_ok !== true) return false
  const names = droppedNames(node)
  return statements.slice(index + 1).some((s) => s.kind === kind.create && names.includes(kind.name(s.node) ?? ""))
}

/** Constraint names dropped IF EXISTS on `table`, in this statement or an earlier one. */
const constraintsDroppedBefore = (statements: ReadonlyArray<ParsedStatement>, index: number, table: string | undefined): ReadonlySet<string> =>
  new Set(
    statements
      .slice(0, index + 1)
      .filter((s) => s.kind === "AlterTableStmt" && relationName(s.node) === table)
      .flatMap((s) => commands(s.node))
      .filter((cmd) => cmd.subtype === "AT_DropConstraint" && cmd.missing_ok === true)
      .map((cmd) => String(cmd.name)),
  )

const isNotExistsOn = (node: unknown, table: string): boolean => {
  const bool = (node as { BoolExpr?: { boolop?: string; args?: ReadonlyArray<unknown> } } | undefined)?.BoolExpr
  if (bool === undefined) return false
  if (bool.boolop === "AND_EXPR") return (bool.args ?? []).some((arg) => isNotExistsOn(arg, table))
  if (bool.boolop !== "NOT_EXPR") return false
  const link = (bool.args?.[0] as { SubLink?: { subLinkType?: string; subselect?: unknown } } | undefined)?.SubLink
  return link?.subLinkType === "EXISTS_SUBLINK" && JSON.stringify(link.subselect ?? {}).includes(`"relname":${JSON.stringify(table)}`)
}

/** `INSERT ... SELECT ... WHERE NOT EXISTS (SELECT ... FROM <the same table> ...)` inserts nothing the second time. */
const insertsOnlyWhenAbsent = (node: AstNode): boolean => {
  const table = relationName(node)
  const select = (node.selectStmt as { SelectStmt?: { whereClause?: unknown } } | undefined)?.SelectStmt
  return table !== undefined && isNotExistsOn(select?.whereClause, table)
}

/** Each -- aim:check must be well formed and its query one SELECT that PostgreSQL's parser accepts. */
const checkFindings = (input: LintInput): Effect.Effect<Array<LintFinding>> =>
  Effect.gen(function* () {
    const { checks, problems } = readChecks(input.sql)
    const finding = (line: number, message: string): LintFinding => ({
      file: input.name,
      line,
      column: 1,
      rule: "check-invalid",
      severity: lintRules["check-invalid"].severity,
      message,
      fix: lintRules["check-invalid"].fix,
    })
    const found = problems.map((p) => finding(p.line, p.problem))
    for (const check of checks) {
      const parsed = yield* Effect.either(parseScript(check.query))
      if (parsed._tag === "Left") found.push(finding(check.line, `the query of check "${check.message}" does not parse: ${parsed.left.message}`))
      else if (parsed.right.length !== 1 || parsed.right[0]?.kind !== "SelectStmt")
        found.push(finding(check.line, `the query of check "${check.message}" must be one SELECT (its rows are the violations)`))
    }
    return found
  })

/** The ALTER TABLE commands of one statement: guards, rewrites, scans and drops. */
const lintAlterTable = (
  statement: ParsedStatement,
  statements: ReadonlyArray<ParsedStatement>,
  index: number,
  onExistingTable: boolean,
  declared: DeclaredTypes,
  report: (statement: ParsedStatement, rule: LintRule, message: string) => void,
) => {
  const { node } = statement
  const table = relationName(node)
  for (const cmd of commands(node)) {
    const column = (cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef
    switch (cmd.subtype) {
      case "AT_AddColumn":
        declared.set(`${table}.${String(column?.colname ?? "")}`, declaredType(column))
        if (cmd.missing_ok !== true) report(statement, "add-column-without-if-not-exists", `ADD COLUMN ${String(column?.colname ?? "")} without IF NOT EXISTS`)
        if (
          onExistingTable &&
          hasConstraint(column, "CONSTR_NOTNULL") &&
          !hasConstraint(column, "CONSTR_DEFAULT") &&
          !hasConstraint(column, "CONSTR_IDENTITY")
        ) {
          report(statement, "not-null-without-default", `ADD COLUMN ${String(column?.colname ?? "")} NOT NULL without DEFAULT fails on a table with rows`)
        }
        // PostgreSQL 11+ adds a column with a constant default without touching the rows; a volatile
        // default is computed for every existing row, a rewrite under an exclusive lock.
        if (onExistingTable) {
          const volatile = volatileDefault(column)
          if (volatile !== undefined) {
            report(
              statement,
              "table-rewrite",
              `ADD COLUMN ${String(column?.colname ?? "")} DEFAULT ${volatile}() computes a value for every row: the table is rewritten`,
            )
          }
        }
        break
      case "AT_AddConstraint": {
        const name = (cmd.def as { Constraint?: { conname?: string } } | undefined)?.Constraint?.conname
        if (name === undefined || !constraintsDroppedBefore(statements, index, relationName(node)).has(name)) {
          report(statement, "constraint-without-guard", "ADD CONSTRAINT has no IF NOT EXISTS: a second run fails")
        }
        break
      }
      case "AT_AlterColumnType": {
        // The rule aim plan applies to the live column, here to the type the files before it declared.
        const name = String(cmd.name ?? "")
        const from = declared.get(`${table}.${name}`)
        const type = declaredType(column)
        if (onExistingTable && typeChangeRewrites(from, column))
          report(
            statement,
            "table-rewrite",
            from === undefined
              ? `ALTER COLUMN ${name} TYPE ${type} may rewrite ${table}: no file before it declares the column's type (aim plan reads it from the database)`
              : `ALTER COLUMN ${name} TYPE ${type} rewrites ${table} (from ${from})`,
          )
        declared.set(`${table}.${name}`, type)
        break
      }
      case "AT_SetNotNull":
        if (onExistingTable)
          report(statement, "set-not-null-scan", `SET NOT NULL on ${relationName(node)}.${String(cmd.name ?? "")} scans the table under an exclusive lock`)
        break
      case "AT_DropColumn":
        report(statement, "destructive", `DROP COLUMN ${String(cmd.name ?? "")}`)
        break
    }
  }
}

const createdKinds: Readonly<Record<string, string>> = {
  CreateStmt: "CREATE TABLE",
  CreateSeqStmt: "CREATE SEQUENCE",
  CreateSchemaStmt: "CREATE SCHEMA",
  CreateTableAsStmt: "CREATE TABLE AS",
}

/** `table.column` → its type as format_type prints it, from the CREATE TABLE and ALTER TABLE statements linted so far. */
type DeclaredTypes = Map<string, string>

/** The column types a CREATE TABLE declares. */
const declareColumns = (node: AstNode, declared: DeclaredTypes) => {
  const table = relationName(node)
  for (const element of (node.tableElts ?? []) as ReadonlyArray<{ ColumnDef?: AstNode }>) {
    if (element.ColumnDef !== undefined) declared.set(`${table}.${String(element.ColumnDef.colname ?? "")}`, declaredType(element.ColumnDef))
  }
}

/**
 * Lints one migration; the findings are what PostgreSQL's own parser sees, not regular expressions.
 * `declared` carries the column types of the files before it (lintMigrations passes one map through
 * them in order), so that a type change is a rewrite only where aim plan would call it one.
 */
export const lintMigration = (input: LintInput, declared: DeclaredTypes = new Map()): Effect.Effect<ReadonlyArray<LintFinding>> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.either(parseScript(input.sql))
    if (parsed._tag === "Left") {
      return [
        {
          file: input.name,
          line: parsed.left.line,
          column: parsed.left.column,
          rule: "syntax",
          severity: "error",
          message: parsed.left.message,
          fix: lintRules.syntax.fix,
        },
      ]
    }
    const statements = parsed.right
    const findings: Array<LintFinding> = yield* checkFindings(input)
    const lines = input.sql.split(/\r?\n/)
    const createdHere = new Set(statements.filter((s) => s.kind === "CreateStmt").flatMap((s) => relationName(s.node) ?? []))
    const report = (statement: ParsedStatement, rule: LintRule, message: string) => {
      if (suppressedAt(lines, statement.line).has(rule)) return
      findings.push({
        file: input.name,
        line: statement.line,
        column: statement.column,
        rule,
        severity: lintRules[rule].severity,
        message,
        fix: lintRules[rule].fix,
      })
    }
    const existing = (node: AstNode) => {
      const table = relationName(node)
      return table !== undefined && !createdHere.has(table)
    }
    statements.forEach((statement, index) => {
      const { kind, node } = statement
      switch (kind) {
        case "CreateStmt":
        case "CreateSeqStmt":
        case "CreateSchemaStmt":
        case "CreateTableAsStmt":
          if (node.if_not_exists !== true) report(statement, "create-without-guard", `${createdKinds[kind] ?? kind} without IF NOT EXISTS`)
          if (kind === "CreateStmt") declareColumns(node, declared)
          break
        case "ViewStmt":
          if (
            node.replace !== true &&
            !createReplaces(statements, index, "OBJECT_VIEW", String((node.view as { relname?: string } | undefined)?.relname ?? ""))
          )
            report(statement, "create-without-guard", "CREATE VIEW without OR REPLACE")
          break
        case "IndexStmt":
          if (node.if_not_exists !== true && !createReplaces(statements, index, "OBJECT_INDEX", String(node.idxname ?? "")))
            report(statement, "create-without-guard", `CREATE INDEX ${String(node.idxname ?? "")} without IF NOT EXISTS`)
          if (node.concurrent === true && input.transactional)
            report(statement, "concurrently-in-transaction", "CREATE INDEX CONCURRENTLY cannot run inside a transaction")
          if (node.concurrent !== true && existing(node))
            report(statement, "index-locks-table", `CREATE INDEX on existing table ${relationName(node)} blocks its writes while it builds`)
          break
        case "CompositeTypeStmt":
        case "CreateEnumStmt":
        case "CreateDomainStmt":
          report(statement, "type-without-guard", "CREATE TYPE/DOMAIN has no IF NOT EXISTS: a second run fails")
          break
        case "CreateFunctionStmt":
          if (node.replace !== true && !createReplaces(statements, index, "OBJECT_FUNCTION", lastName(node.funcname as ReadonlyArray<Named> | undefined) ?? ""))
            report(statement, "function-without-or-replace", "CREATE FUNCTION without OR REPLACE")
          break
        case "CreateTrigStmt": {
          const name = String(node.trigname ?? "")
          if (node.replace !== true && !createReplaces(statements, index, "OBJECT_TRIGGER", name)) {
            report(statement, "trigger-without-guard", `CREATE TRIGGER ${name} without OR REPLACE or a DROP TRIGGER IF EXISTS before it`)
          }
          break
        }
        case "InsertStmt":
          if (node.onConflictClause === undefined && !insertsOnlyWhenAbsent(node)) {
            report(statement, "insert-without-on-conflict", `INSERT INTO ${relationName(node) ?? "?"} without ON CONFLICT or WHERE NOT EXISTS`)
          }
          break
        case "TransactionStmt":
          if (input.transactional) report(statement, "transaction-control", "transaction control statement in a file aim already wraps in a transaction")
          break
        case "CreateExtensionStmt":
          report(statement, "extension", `CREATE EXTENSION ${String(node.extname ?? "")}`)
          break
        case "TruncateStmt":
          report(statement, "destructive", "TRUNCATE deletes every row")
          break
        // Without a WHERE, as final as a TRUNCATE: every row deleted, or every row overwritten.
        case "DeleteStmt":
          if (node.whereClause === undefined) report(statement, "destructive", `DELETE FROM ${relationName(node) ?? "?"} without WHERE deletes every row`)
          break
        case "UpdateStmt":
          if (node.whereClause === undefined) report(statement, "destructive", `UPDATE ${relationName(node) ?? "?"} without WHERE overwrites every row`)
          break
        case "DropStmt":
          if (!dropIsReplacement(statements, index, node)) report(statement, "destructive", `DROP ${String(node.removeType ?? "").replace(/^OBJECT_/, "")}`)
          break
        case "AlterTableStmt":
          lintAlterTable(statement, statements, index, existing(node), declared, report)
          break
      }
    })
    return findings
  })

export const lintMigrations = (inputs: ReadonlyArray<LintInput | Migration>) => {
  const declared: DeclaredTypes = new Map()
  return Effect.map(
    Effect.forEach(inputs, (input) => lintMigration(input, declared)),
    (all) => all.flat(),
  )
}

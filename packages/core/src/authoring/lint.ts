import { Effect } from "effect"
import { declaredType, typeChangeRewrites } from "../sql/columnTypes.js"
import { readChecks } from "../source/fileChecks.js"
import type { Migration } from "../source/Migration.js"
import type { AlterTableCmd, AlterTableStmt, ColumnDef, ConstrType, CreateStmt, DropStmt, InsertStmt, Node, ObjectType } from "@pgsql/types"
import { type ParsedStatement, type Payload, type StatementKind, lastName, parseScript, payloadOf, relationName } from "../sql/sqlAnalysis.js"

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
const volatileDefault = (column: ColumnDef | undefined): string | undefined => {
  const defaults = (column?.constraints ?? []).flatMap((c) => ("Constraint" in c && c.Constraint.contype === "CONSTR_DEFAULT" ? [c.Constraint.raw_expr] : []))
  const calls: Array<string> = []
  // Every FuncCall anywhere under the expression, whatever node holds it.
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) visit(n)
    else if (typeof node === "object" && node !== null) {
      const name = "FuncCall" in node ? lastName((node as Extract<Node, { FuncCall: unknown }>).FuncCall.funcname) : undefined
      if (name !== undefined) calls.push(name)
      for (const value of Object.values(node)) visit(value)
    }
  }
  visit(defaults)
  return calls.find((name) => volatileFunctions.has(name))
}

/** The commands of an ALTER TABLE. */
const commands = (node: AlterTableStmt): ReadonlyArray<AlterTableCmd> => (node.cmds ?? []).flatMap((c) => ("AlterTableCmd" in c ? [c.AlterTableCmd] : []))

const hasConstraint = (column: ColumnDef | undefined, type: ConstrType): boolean =>
  (column?.constraints ?? []).some((c) => "Constraint" in c && c.Constraint.contype === type)

/** Names a DROP removes: the last part of each object (`t.x` of DROP TRIGGER x ON t is `x`). */
const droppedNames = (node: DropStmt): ReadonlyArray<string> =>
  (node.objects ?? []).flatMap((o) => ("List" in o ? lastName(o.List.items) : "ObjectWithArgs" in o ? lastName(o.ObjectWithArgs.objname) : undefined) ?? [])

// DROP x IF EXISTS followed by CREATE x is how PostgreSQL spells "replace" for these kinds: the pair
// is idempotent and loses no data. Tables, types and sequences are not here: dropping them loses rows.
// Each gives the name a statement creates of its kind (undefined for a statement of another kind).
const replaceableKinds: Readonly<Partial<Record<ObjectType, (statement: ParsedStatement) => string | undefined>>> = {
  OBJECT_TRIGGER: (s) => payloadOf(s, "CreateTrigStmt")?.trigname,
  OBJECT_INDEX: (s) => payloadOf(s, "IndexStmt")?.idxname,
  OBJECT_VIEW: (s) => payloadOf(s, "ViewStmt")?.view?.relname,
  OBJECT_FUNCTION: (s) => lastName(payloadOf(s, "CreateFunctionStmt")?.funcname),
  OBJECT_POLICY: (s) => payloadOf(s, "CreatePolicyStmt")?.policy_name,
}

const dropsIfExists = (statement: ParsedStatement, kind: ObjectType, name: string): boolean => {
  const drop = payloadOf(statement, "DropStmt")
  return drop !== undefined && drop.removeType === kind && drop.missing_ok === true && droppedNames(drop).includes(name)
}

/** True when `create` (a CREATE of a replaceable kind) follows a DROP ... IF EXISTS of the same name. */
const createReplaces = (statements: ReadonlyArray<ParsedStatement>, index: number, kind: ObjectType, name: string): boolean =>
  statements.slice(0, index).some((s) => dropsIfExists(s, kind, name))

/** True when this DROP ... IF EXISTS is followed by a CREATE of the same name: a replacement. */
const dropIsReplacement = (statements: ReadonlyArray<ParsedStatement>, index: number, node: DropStmt): boolean => {
  const created = node.removeType === undefined ? undefined : replaceableKinds[node.removeType]
  if (created === undefined || node.missing_ok !== true) return false
  const names = droppedNames(node)
  return statements.slice(index + 1).some((s) => names.includes(created(s) ?? ""))
}

/** Constraint names dropped IF EXISTS on `table`, in this statement or an earlier one. */
const constraintsDroppedBefore = (statements: ReadonlyArray<ParsedStatement>, index: number, table: string | undefined): ReadonlySet<string> =>
  new Set(
    statements
      .slice(0, index + 1)
      .flatMap((s) => payloadOf(s, "AlterTableStmt") ?? [])
      .filter((alter) => relationName(alter) === table)
      .flatMap(commands)
      .filter((cmd) => cmd.subtype === "AT_DropConstraint" && cmd.missing_ok === true)
      .map((cmd) => String(cmd.name)),
  )

const isNotExistsOn = (node: Node | undefined, table: string): boolean => {
  if (node === undefined || !("BoolExpr" in node)) return false
  const bool = node.BoolExpr
  if (bool.boolop === "AND_EXPR") return (bool.args ?? []).some((arg) => isNotExistsOn(arg, table))
  if (bool.boolop !== "NOT_EXPR") return false
  const first = bool.args?.[0]
  const link = first !== undefined && "SubLink" in first ? first.SubLink : undefined
  return link?.subLinkType === "EXISTS_SUBLINK" && JSON.stringify(link.subselect ?? {}).includes(`"relname":${JSON.stringify(table)}`)
}

/** `INSERT ... SELECT ... WHERE NOT EXISTS (SELECT ... FROM <the same table> ...)` inserts nothing the second time. */
const insertsOnlyWhenAbsent = (node: InsertStmt): boolean => {
  const table = relationName(node)
  const select = node.selectStmt !== undefined && "SelectStmt" in node.selectStmt ? node.selectStmt.SelectStmt : undefined
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

/** What a statement's rule sees: the file, its statements and where this one is, and how to report. */
interface LintContext {
  readonly input: LintInput
  readonly statements: ReadonlyArray<ParsedStatement>
  readonly index: number
  /** `table.column` → its type, from the files and statements linted so far. */
  readonly declared: DeclaredTypes
  /** Is the statement's table one that exists before this file (not created in it)? */
  readonly existing: (node: object) => boolean
  readonly report: (rule: LintRule, message: string) => void
}

/** The lint rule of one kind of statement, reading its node as the parser's types say it is. */
type StatementRule<K extends StatementKind> = (node: Payload<K>, context: LintContext) => void
type StatementRules = { readonly [K in StatementKind]?: StatementRule<K> }

/** The ALTER TABLE commands of one statement: guards, rewrites, scans and drops. */
const lintAlterTable: StatementRule<"AlterTableStmt"> = (node, { statements, index, existing, declared, report }) => {
  const table = relationName(node)
  const onExistingTable = existing(node)
  for (const cmd of commands(node)) {
    const column = cmd.def !== undefined && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined
    switch (cmd.subtype) {
      case "AT_AddColumn":
        declared.set(`${table}.${column?.colname ?? ""}`, declaredType(column))
        if (cmd.missing_ok !== true) report("add-column-without-if-not-exists", `ADD COLUMN ${column?.colname ?? ""} without IF NOT EXISTS`)
        if (
          onExistingTable &&
          hasConstraint(column, "CONSTR_NOTNULL") &&
          !hasConstraint(column, "CONSTR_DEFAULT") &&
          !hasConstraint(column, "CONSTR_IDENTITY")
        ) {
          report("not-null-without-default", `ADD COLUMN ${column?.colname ?? ""} NOT NULL without DEFAULT fails on a table with rows`)
        }
        // PostgreSQL 11+ adds a column with a constant default without touching the rows; a volatile
        // default is computed for every existing row, a rewrite under an exclusive lock.
        if (onExistingTable) {
          const volatile = volatileDefault(column)
          if (volatile !== undefined) {
            report("table-rewrite", `ADD COLUMN ${column?.colname ?? ""} DEFAULT ${volatile}() computes a value for every row: the table is rewritten`)
          }
        }
        break
      case "AT_AddConstraint": {
        const name = cmd.def !== undefined && "Constraint" in cmd.def ? cmd.def.Constraint.conname : undefined
        if (name === undefined || !constraintsDroppedBefore(statements, index, table).has(name)) {
          report("constraint-without-guard", "ADD CONSTRAINT has no IF NOT EXISTS: a second run fails")
        }
        break
      }
      case "AT_AlterColumnType": {
        // The rule aim plan applies to the live column, here to the type the files before it declared.
        const name = cmd.name ?? ""
        const from = declared.get(`${table}.${name}`)
        const type = declaredType(column)
        if (onExistingTable && typeChangeRewrites(from, column))
          report(
            "table-rewrite",
            from === undefined
              ? `ALTER COLUMN ${name} TYPE ${type} may rewrite ${table}: no file before it declares the column's type (aim plan reads it from the database)`
              : `ALTER COLUMN ${name} TYPE ${type} rewrites ${table} (from ${from})`,
          )
        declared.set(`${table}.${name}`, type)
        break
      }
      case "AT_SetNotNull":
        if (onExistingTable) report("set-not-null-scan", `SET NOT NULL on ${table}.${cmd.name ?? ""} scans the table under an exclusive lock`)
        break
      case "AT_DropColumn":
        report("destructive", `DROP COLUMN ${cmd.name ?? ""}`)
        break
    }
  }
}

/** `table.column` → its type as format_type prints it, from the CREATE TABLE and ALTER TABLE statements linted so far. */
type DeclaredTypes = Map<string, string>

/** The column types a CREATE TABLE declares. */
const declareColumns = (node: CreateStmt, declared: DeclaredTypes) => {
  const table = relationName(node)
  for (const element of node.tableElts ?? []) {
    if ("ColumnDef" in element) declared.set(`${table}.${element.ColumnDef.colname ?? ""}`, declaredType(element.ColumnDef))
  }
}

const createWithoutGuard = (what: string, node: { readonly if_not_exists?: boolean }, { report }: LintContext) => {
  if (node.if_not_exists !== true) report("create-without-guard", `${what} without IF NOT EXISTS`)
}
const typeWithoutGuard = (_node: unknown, { report }: LintContext) =>
  report("type-without-guard", "CREATE TYPE/DOMAIN has no IF NOT EXISTS: a second run fails")

/** The lint rules, keyed by the parser's node types: a kind or a field the parser does not have does not compile. */
const statementRules: StatementRules = {
  CreateStmt: (node, context) => {
    createWithoutGuard("CREATE TABLE", node, context)
    declareColumns(node, context.declared)
  },
  CreateSeqStmt: (node, context) => createWithoutGuard("CREATE SEQUENCE", node, context),
  CreateSchemaStmt: (node, context) => createWithoutGuard("CREATE SCHEMA", node, context),
  CreateTableAsStmt: (node, context) => createWithoutGuard("CREATE TABLE AS", node, context),
  ViewStmt: (node, { statements, index, report }) => {
    if (node.replace !== true && !createReplaces(statements, index, "OBJECT_VIEW", node.view?.relname ?? ""))
      report("create-without-guard", "CREATE VIEW without OR REPLACE")
  },
  IndexStmt: (node, { input, statements, index, existing, report }) => {
    if (node.if_not_exists !== true && !createReplaces(statements, index, "OBJECT_INDEX", node.idxname ?? ""))
      report("create-without-guard", `CREATE INDEX ${node.idxname ?? ""} without IF NOT EXISTS`)
    if (node.concurrent === true && input.transactional) report("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY cannot run inside a transaction")
    if (node.concurrent !== true && existing(node))
      report("index-locks-table", `CREATE INDEX on existing table ${relationName(node)} blocks its writes while it builds`)
  },
  CompositeTypeStmt: typeWithoutGuard,
  CreateEnumStmt: typeWithoutGuard,
  CreateDomainStmt: typeWithoutGuard,
  CreateFunctionStmt: (node, { statements, index, report }) => {
    if (node.replace !== true && !createReplaces(statements, index, "OBJECT_FUNCTION", lastName(node.funcname) ?? ""))
      report("function-without-or-replace", "CREATE FUNCTION without OR REPLACE")
  },
  CreateTrigStmt: (node, { statements, index, report }) => {
    const name = node.trigname ?? ""
    if (node.replace !== true && !createReplaces(statements, index, "OBJECT_TRIGGER", name)) {
      report("trigger-without-guard", `CREATE TRIGGER ${name} without OR REPLACE or a DROP TRIGGER IF EXISTS before it`)
    }
  },
  InsertStmt: (node, { report }) => {
    if (node.onConflictClause === undefined && !insertsOnlyWhenAbsent(node)) {
      report("insert-without-on-conflict", `INSERT INTO ${relationName(node) ?? "?"} without ON CONFLICT or WHERE NOT EXISTS`)
    }
  },
  TransactionStmt: (_node, { input, report }) => {
    if (input.transactional) report("transaction-control", "transaction control statement in a file aim already wraps in a transaction")
  },
  CreateExtensionStmt: (node, { report }) => report("extension", `CREATE EXTENSION ${node.extname ?? ""}`),
  TruncateStmt: (_node, { report }) => report("destructive", "TRUNCATE deletes every row"),
  // Without a WHERE, as final as a TRUNCATE: every row deleted, or every row overwritten.
  DeleteStmt: (node, { report }) => {
    if (node.whereClause === undefined) report("destructive", `DELETE FROM ${relationName(node) ?? "?"} without WHERE deletes every row`)
  },
  UpdateStmt: (node, { report }) => {
    if (node.whereClause === undefined) report("destructive", `UPDATE ${relationName(node) ?? "?"} without WHERE overwrites every row`)
  },
  DropStmt: (node, { statements, index, report }) => {
    if (!dropIsReplacement(statements, index, node)) report("destructive", `DROP ${String(node.removeType ?? "").replace(/^OBJECT_/, "")}`)
  },
  AlterTableStmt: lintAlterTable,
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
    const existing = (node: object) => {
      const table = relationName(node)
      return table !== undefined && !createdHere.has(table)
    }
    statements.forEach((statement, index) => {
      const lint = statementRules[statement.kind] as StatementRule<StatementKind> | undefined
      // The one place the parser's untyped node meets its type: the rule was chosen by the node's own key.
      lint?.(statement.node as Payload<StatementKind>, {
        input,
        statements,
        index,
        declared,
        existing,
        report: (rule, message) => report(statement, rule, message),
      })
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

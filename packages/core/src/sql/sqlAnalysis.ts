import type { Node } from "@pgsql/types"
import { Data, Effect } from "effect"
import { positionsIn } from "./splitStatements.js"

/** A node of libpg-query's JSON AST: `{ NodeType: { ...fields } }`. */
export type AstNode = Readonly<Record<string, unknown>>

/**
 * Every node type of the parser's tree (`@pgsql/types`, libpg-query's own types, for PostgreSQL 18):
 * a statement's kind is one of them, so `case "CreatStmt":` is a compile error, not a rule that never runs.
 */
export type StatementKind = Node extends infer N ? (N extends N ? keyof N : never) : never
export type { AlterTableType, ObjectType } from "@pgsql/types"

/** A statement's node as the parser's own types say it is: `Payload<"IndexStmt">` is `IndexStmt`. */
export type Payload<K extends StatementKind> = Extract<Node, { readonly [P in K]: unknown }>[K]

/** The statement's node, typed, when it is of `kind` (the parser gave it that key): otherwise undefined. */
export const payloadOf = <K extends StatementKind>(statement: Pick<ParsedStatement, "kind" | "node">, kind: K): Payload<K> | undefined =>
  statement.kind === kind ? (statement.node as unknown as Payload<K>) : undefined

/** The node type a `{ NodeType: {...} }` object holds (the parser gives each node exactly one key). */
export const kindOf = (stmt: AstNode): StatementKind => (Object.keys(stmt)[0] ?? "RawStmt") as StatementKind

export interface ParsedStatement {
  /** The statement's node type, e.g. CreateStmt, IndexStmt, InsertStmt. */
  readonly kind: StatementKind
  readonly node: AstNode
  readonly line: number
  readonly column: number
  /** 0-based offset (UTF-16 units) of the statement's first token. */
  readonly offset: number
  /** A DO block's PL/pgSQL, read with PostgreSQL's own PL/pgSQL parser: the SQL it can run. */
  readonly body?: ProceduralBody
}

export interface ProceduralBody {
  /** Every SQL statement and expression of the body (at the DO's line), whichever branch runs. */
  readonly statements: ReadonlyArray<ParsedStatement>
  /** What could not be read: SQL built at run time (EXECUTE of an expression), another language, a parse error. */
  readonly unreadable: ReadonlyArray<string>
}

export class SqlParseError extends Data.TaggedError("SqlParseError")<{
  readonly message: string
  readonly line: number
  readonly column: number
}> {}

// The WebAssembly PostgreSQL parser (the server's own grammar) loads once per process, on first use:
// commands that never parse SQL never pay for it.
const parser = Effect.cached(
  Effect.promise(async () => {
    const module = await import("libpg-query")
    await module.loadModule()
    return module
  }),
)

/**
 * Parses a whole migration with PostgreSQL's own parser (libpg-query). With `bodies`, each DO block's
 * PL/pgSQL is read too (the lock plan needs what it runs; checks that only look at statement kinds
 * do not pay for it).
 */
export const parseScript = (sql: string, options: { readonly bodies?: boolean } = {}): Effect.Effect<ReadonlyArray<ParsedStatement>, SqlParseError> =>
  Effect.gen(function* () {
    const module = yield* yield* parser
    const { parseSync } = module
    const result = yield* Effect.try({
      try: () => parseSync(sql) as { stmts?: ReadonlyArray<{ stmt: AstNode; stmt_location?: number | null }> },
      catch: (error) => {
        const e = error as { message?: string; sqlDetails?: { cursorPosition?: number } }
        const at = positionsIn(sql)
        const { line, column } = at.lineColumn(at.offsetOfByte(e.sqlDetails?.cursorPosition ?? 0))
        return new SqlParseError({ message: e.message ?? String(error), line, column })
      },
    })
    // The statements come in order: their positions are found in one pass over the file.
    const at = positionsIn(sql)
    const noise = /\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/|;/y
    return (result.stmts ?? []).map(({ stmt, stmt_location }) => {
      // stmt_location points at the end of the previous statement: skip blanks and comments.
      let offset = at.offsetOfByte(stmt_location ?? 0)
      for (;;) {
        noise.lastIndex = offset
        const skipped = noise.exec(sql)
        if (skipped === null || skipped[0].length === 0) break
        offset += skipped[0].length
      }
      const kind = kindOf(stmt)
      const { line, column } = at.lineColumn(offset)
      const node = (stmt[kind] ?? {}) as AstNode
      const parsed = { kind, node, line, column, offset }
      return kind === "DoStmt" && options.bodies === true ? { ...parsed, body: doBody(module, node, parsed) } : parsed
    })
  })

type Parser = { readonly parseSync: (sql: string) => unknown; readonly parsePlPgSQLSync: (sql: string) => unknown }

const literal = /^'((?:[^']|'')*)'$/s

/**
 * The SQL a DO block can run, from PostgreSQL's PL/pgSQL parser: each statement (parse mode 0) and
 * each expression (a condition, an assignment: run as SELECT), and an EXECUTE of a string literal.
 * The statements are placed at the DO's own line and offset.
 */
const doBody = (module: Parser, node: AstNode, at: Omit<ParsedStatement, "kind" | "node">): ProceduralBody => {
  const options = ((node.args ?? []) as ReadonlyArray<{ DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }>).flatMap((a) => a.DefElem ?? [])
  const source = options.find((o) => o.defname === "as")?.arg?.String?.sval
  const language = options.find((o) => o.defname === "language")?.arg?.String?.sval ?? "plpgsql"
  return source === undefined ? { statements: [], unreadable: [`a DO block in ${language}`] } : proceduralBody(module, language, source, at, "a DO block")
}

/**
 * What a body of `language` can run: a PL/pgSQL body through PostgreSQL's PL/pgSQL parser, a SQL
 * body as its statements; any other language cannot be read.
 */
const proceduralBody = (
  module: Parser,
  language: string,
  source: string,
  at: Omit<ParsedStatement, "kind" | "node">,
  what: string,
  // The PL/pgSQL compiler checks RETURN against the result type and declares NEW and OLD for a
  // trigger function: the body is read under its own function's signature.
  signature = "aim_do_block() RETURNS void",
): ProceduralBody => {
  const statements: Array<ParsedStatement> = []
  const unreadable: Array<string> = []
  const sql = (text: string) => {
    try {
      const parsed = module.parseSync(text) as { stmts?: ReadonlyArray<{ stmt: AstNode }> }
      for (const { stmt } of parsed.stmts ?? []) {
        const kind = kindOf(stmt)
        statements.push({ ...at, kind, node: (stmt[kind] ?? {}) as AstNode })
      }
    } catch {
      unreadable.push(text)
    }
  }
  type Expr = { readonly query?: string; readonly parseMode?: number } | undefined
  const expression = (expr: Expr, dynamic: boolean) => {
    if (expr?.query === undefined) return
    if (!dynamic) return sql(expr.parseMode === 0 ? expr.query : `SELECT ${expr.query}`)
    const quoted = literal.exec(expr.query.trim())
    if (quoted === null) unreadable.push(`EXECUTE ${expr.query}`)
    else sql((quoted[1] ?? "").replace(/''/g, "'"))
  }
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v)
    else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === "PLpgSQL_expr") expression(inner as Expr, false)
        else if (key === "PLpgSQL_stmt_dynexecute" || key === "PLpgSQL_stmt_dynfors") {
          // EXECUTE's query is a string built at run time: readable only when it is a literal.
          const { query, ...rest } = inner as { readonly query?: { readonly PLpgSQL_expr?: Expr } }
          expression(query?.PLpgSQL_expr, true)
          visit(rest)
        } else visit(inner)
      }
    }
  }
  if (language.toLowerCase() === "sql") {
    sql(source)
    return { statements, unreadable }
  }
  if (language.toLowerCase() !== "plpgsql") return { statements: [], unreadable: [`${what} in ${language}`] }
  try {
    visit(module.parsePlPgSQLSync(`CREATE FUNCTION ${signature} LANGUAGE plpgsql AS $aim_do$${source}$aim_do$`))
  } catch {
    return { statements: [], unreadable: [`${what} PostgreSQL's PL/pgSQL parser cannot read`] }
  }
  return { statements, unreadable }
}

/**
 * What a function's body can run (its language and source as pg_proc has them, its signature as
 * `name(arguments) RETURNS result`), for a statement that calls it.
 */
export const functionBody = (name: string, language: string, source: string, signature: string): Effect.Effect<ProceduralBody> =>
  Effect.map(Effect.flatten(parser), (module) => proceduralBody(module, language, source, { line: 0, column: 0, offset: 0 }, `the function ${name}`, signature))

/** The last part of a qualified name in the parse tree (`public.t` → `t`, `pg_catalog.int4` → `int4`). */
export const lastName = (names: ReadonlyArray<unknown> | undefined): string | undefined =>
  (names?.at(-1) as { String?: { sval?: string } } | undefined)?.String?.sval

export const relationName = (node: object | undefined): string | undefined => {
  const relation = (node as { readonly relation?: { readonly relname?: string } } | undefined)?.relation
  return relation?.relname
}

/** Tables a script creates with CREATE TABLE (for baseline checks and docs). */
export const createdTables = (statements: ReadonlyArray<ParsedStatement>): ReadonlyArray<string> =>
  statements.filter((s) => s.kind === "CreateStmt").flatMap((s) => relationName(s.node) ?? [])

import { Data, Effect } from "effect"
import { positionsIn } from "./splitStatements.js"

/** A node of libpg-query's JSON AST: `{ NodeType: { ...fields } }`. */
export type AstNode = Readonly<Record<string, unknown>>

export interface ParsedStatement {
  /** The statement's node type, e.g. CreateStmt, IndexStmt, InsertStmt. */
  readonly kind: string
  readonly node: AstNode
  readonly line: number
  readonly column: number
  /** 0-based offset (UTF-16 units) of the statement's first token. */
  readonly offset: number
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

/** Parses a whole migration with PostgreSQL's own parser (libpg-query). */
export const parseScript = (sql: string): Effect.Effect<ReadonlyArray<ParsedStatement>, SqlParseError> =>
  Effect.gen(function* () {
    const { parseSync } = yield* yield* parser
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
      const kind = Object.keys(stmt)[0] ?? "Unknown"
      const { line, column } = at.lineColumn(offset)
      return { kind, node: (stmt[kind] ?? {}) as AstNode, line, column, offset }
    })
  })

export const relationName = (node: AstNode | undefined): string | undefined => {
  const relation = node?.relation as { relname?: string } | undefined
  return relation?.relname
}

/** Tables a script creates with CREATE TABLE (for baseline checks and docs). */
export const createdTables = (statements: ReadonlyArray<ParsedStatement>): ReadonlyArray<string> =>
  statements.filter((s) => s.kind === "CreateStmt").flatMap((s) => relationName(s.node) ?? [])

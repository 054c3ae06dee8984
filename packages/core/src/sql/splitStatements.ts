/** A statement of a script with where it starts (0-based code-unit offset, 1-based line/column). */
export interface Statement {
  readonly text: string
  readonly offset: number
  readonly line: number
  readonly column: number
}

/**
 * Splits a SQL script on top-level semicolons the way psql does: quotes, quoted identifiers,
 * E'' strings, dollar quotes and comments (nested block comments too) are kept whole. Statements
 * that are only comments or blanks are dropped.
 */
export const splitStatements = (script: string): ReadonlyArray<Statement> => {
  const statements: Array<Statement> = []
  let start = 0
  let i = 0
  const n = script.length
  // Lines are counted from the previous statement on, not from the top each time: counting from the
  // top made a 20,000-statement file take 27 s to split.
  const at = positionsIn(script)
  // Words of the current statement, and how deep in BEGIN … END / CASE … END blocks the scan is.
  let words = 0
  let depth = 0
  const push = (end: number) => {
    const raw = script.slice(start, end)
    const lead = leadingNoise(raw)
    // An empty statement (a comment, a stray `;`) is not one to the server either: it completes nothing.
    const rest = raw.slice(lead)
    if (rest !== "" && rest !== ";") {
      const offset = start + lead
      statements.push({ text: rest.trimEnd(), offset, ...at.lineColumn(offset) })
    }
  }
  // Stryker disable next-line EqualityOperator: at i = n no character is read and the scan ends the same way
  while (i < n) {
    const c = script[i]
    const next = script[i + 1]
    if (c === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end === -1 ? n : end + 1
    } else if (c === "/" && next === "*") {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (script[i] === "/" && script[i + 1] === "*") {
          depth++
          i += 2
        } else if (script[i] === "*" && script[i + 1] === "/") {
          depth--
          i += 2
        } else i++
      }
    } else if (c === "'") {
      const escapes = /[eE]/.test(script[i - 1] ?? "") && !/[\w$]/.test(script[i - 2] ?? "")
      i++
      // Stryker disable next-line EqualityOperator: at i = n no character is read and the string ends the same way
      while (i < n) {
        if (escapes && script[i] === "\\") i += 2
        else if (script[i] === "'" && script[i + 1] === "'") i += 2
        else if (script[i] === "'") {
          i++
          break
        } else i++
      }
    } else if (c === '"') {
      i++
      // Stryker disable next-line EqualityOperator: at i = n no character is read and the identifier ends the same way
      while (i < n) {
        // Stryker disable next-line ConditionalExpression,StringLiteral,ArithmeticOperator: a doubled quote read as the end and a new start of the identifier covers the same span
        if (script[i] === '"' && script[i + 1] === '"') i += 2
        else if (script[i] === '"') {
          i++
          break
        } else i++
      }
      // Stryker disable next-line LogicalOperator: a $ after a letter or _ is inside a word the word branch consumed; after a digit it is trailing junk PostgreSQL 15+ rejects
    } else if (c === "$" && !/[\w$]/.test(script[i - 1] ?? "")) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64))
      if (tag === null) i++
      else {
        const close = script.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? n : close + tag[0].length
      }
    } else if (c === ";" && depth === 0) {
      push(i + 1)
      i++
      start = i
      words = 0
      // Stryker disable next-line LogicalOperator,StringLiteral: c is a character inside the loop, and a letter after a word character is inside a consumed word (after a digit, trailing junk PostgreSQL 15+ rejects)
    } else if (wordStart.test(c ?? "") && !wordPart.test(script[i - 1] ?? "")) {
      // psql's rule for SQL-standard bodies (CREATE FUNCTION … BEGIN ATOMIC … END): a BEGIN or CASE
      // that is not a statement's first word opens a block its END closes, and semicolons inside a
      // block do not end the statement. The server parses such a body as one statement.
      let end = i + 1
      // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: script[end] is a character while end < n, and past the end none is a word part
      while (end < n && wordPart.test(script[end] ?? "")) end++
      const word = script.slice(i, end).toLowerCase()
      words++
      if ((word === "begin" || word === "case") && words > 1) depth++
      else if (word === "end" && depth > 0) depth--
      i = end
    } else i++
  }
  push(n)
  return statements
}

const wordStart = /[A-Za-z_\u0080-\uffff]/
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/

/**
 * Whether a script holds a statement at all: something other than blanks, comments and stray `;`.
 * Reads only up to the first token, where splitting the whole file would read all of it.
 */
export const hasStatement = (script: string): boolean => {
  let i = leadingNoise(script)
  while (script[i] === ";") i = leadingNoise(script, i + 1)
  return i < script.length
}

/** Where the blanks and comments from `from` on end: a statement's first token. */
const leadingNoise = (raw: string, from = 0): number => {
  let i = from
  for (;;) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: raw[i] is a character while i < length, and past the end none is a blank
    while (i < raw.length && /\s/.test(raw[i] ?? "")) i++
    if (raw.startsWith("--", i)) {
      const end = raw.indexOf("\n", i)
      i = end === -1 ? raw.length : end + 1
    } else if (raw.startsWith("/*", i)) {
      // Block comments nest, as in the server's lexer.
      let depth = 1
      i += 2
      while (i < raw.length && depth > 0) {
        if (raw.startsWith("/*", i)) {
          depth++
          i += 2
        } else if (raw.startsWith("*/", i)) {
          depth--
          i += 2
        } else i++
      }
    } else return i
  }
}

/**
 * Positions in one text asked for in increasing order (a parser's statements, a splitter's): each
 * answer costs only the distance from the previous one, so a file's statements cost one pass, not one
 * pass each (a 100,000-statement file took minutes). Asking for an earlier position starts over.
 */
export const positionsIn = (text: string) => {
  let counted = 0
  let line = 1
  let lineStart = 0
  let bytes = 0
  let chars = 0
  return {
    /** 1-based line and column of a 0-based code-unit offset. */
    lineColumn: (offset: number): { line: number; column: number } => {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: starting over more often costs time, not correctness
      if (offset < counted) {
        counted = 0
        line = 1
        lineStart = 0
      }
      for (const end = Math.min(offset, text.length); counted < end; counted++) {
        if (text.charCodeAt(counted) === 10) {
          line++
          lineStart = counted + 1
        }
      }
      return { line, column: offset - lineStart + 1 }
    },
    /** The code-unit offset of a UTF-8 byte offset (libpg-query's locations count bytes). */
    offsetOfByte: (byte: number): number => {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: starting over more often costs time, not correctness
      if (byte < bytes) {
        bytes = 0
        chars = 0
      }
      while (bytes < byte && chars < text.length) {
        const code = text.codePointAt(chars) ?? 0
        bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
        chars += code > 0xffff ? 2 : 1
      }
      return chars
    },
  }
}

/** 1-based line and column of a 0-based code-unit offset. */
export const lineColumnAt = (text: string, offset: number): { line: number; column: number } => positionsIn(text).lineColumn(offset)

/** The server's error position counts characters (code points) from 1; JavaScript counts UTF-16 units from 0. */
export const offsetOfPosition = (text: string, position: number): number => {
  let offset = 0
  let chars = 1
  while (chars < position && offset < text.length) {
    const code = text.codePointAt(offset) ?? 0
    offset += code > 0xffff ? 2 : 1
    chars++
  }
  return offset
}

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
  let counted = 0
  let line = 1
  let lineStart = 0
  const position = (offset: number) => {
    for (; counted < offset; counted++) {
      if (script[counted] === "\n") {
        line++
        lineStart = counted + 1
      }
    }
    return { line, column: offset - lineStart + 1 }
  }
  const push = (end: number) => {
    const raw = script.slice(start, end)
    const lead = leadingNoise(raw)
    if (lead < raw.length && stripComments(raw).trim() !== "") {
      const offset = start + lead
      statements.push({ text: raw.slice(lead).trimEnd(), offset, ...position(offset) })
    }
  }
  while (i < n) {
    const c = script[i]
    const next = script[i + 1]
    if (c === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end < 0 ? n : end + 1
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
      const escapes = i > 0 && /[eE]/.test(script[i - 1] ?? "") && !/[\w$]/.test(script[i - 2] ?? "")
      i++
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
      while (i < n) {
        if (script[i] === '"' && script[i + 1] === '"') i += 2
        else if (script[i] === '"') {
          i++
          break
        } else i++
      }
    } else if (c === "$" && !/[\w$]/.test(script[i - 1] ?? "")) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64))
      if (tag === null) i++
      else {
        const close = script.indexOf(tag[0], i + tag[0].length)
        i = close < 0 ? n : close + tag[0].length
      }
    } else if (c === ";") {
      push(i + 1)
      i++
      start = i
    } else i++
  }
  push(n)
  return statements
}

/** Length of the blanks and comments before a statement's first token. */
const leadingNoise = (raw: string): number => {
  let i = 0
  for (;;) {
    while (i < raw.length && /\s/.test(raw[i] ?? "")) i++
    if (raw.startsWith("--", i)) {
      const end = raw.indexOf("\n", i)
      i = end < 0 ? raw.length : end + 1
    } else if (raw.startsWith("/*", i)) {
      const end = raw.indexOf("*/", i + 2)
      i = end < 0 ? raw.length : end + 2
    } else return i
  }
}

const stripComments = (text: string): string => text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "")

/** 1-based line and column of a 0-based code-unit offset. */
export const lineColumnAt = (text: string, offset: number): { line: number; column: number } => {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

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

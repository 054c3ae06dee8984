/**
 * Catalog text as the files' search_path shows it. aim reads the catalog with its own search_path
 * (pg_catalog, pg_temp: Database.ts), so PostgreSQL's deparsers (pg_get_expr, pg_get_indexdef,
 * pg_get_constraintdef, pg_get_triggerdef, format_type, regclass output) qualify every name of public:
 * `public.users`, `nextval('public.users_id_seq'::regclass)`. With public on the path they qualify
 * only the table of an index or a trigger and a function's own name. `withFilesSearchPath` turns the one into the other, so
 * definitions compare and print as they did when aim read them with public on its path, and as the
 * contract and the backend's own reads have them.
 */

// A name of public as a deparser writes it: `public.` (never quoted: public needs no quotes) at the
// start of an identifier, not after another name's dot or inside one.
const qualifier = /(?<![\w$."])public\./y

// A literal a reg* cast turns into an object name: `'public.users_id_seq'::regclass`.
const regLiteral = /'public\.((?:[^']|'')*)'(::(?:pg_catalog\.)?reg(?:class|type|proc|procedure|oper|operator|config|dictionary|collation|namespace|role)\b)/y

// What the deparsers qualify whatever the search_path: an index's and a trigger's table
// (pg_get_indexdef, pg_get_triggerdef), a function's own name (pg_get_functiondef).
const alwaysQualified =
  /^(CREATE (?:UNIQUE )?INDEX \S+ ON (?:ONLY )?|CREATE (?:CONSTRAINT )?TRIGGER \S+ .*? ON |CREATE OR REPLACE (?:FUNCTION|PROCEDURE) )(?=\S)/

/** `text` (a definition deparsed with aim's search_path) as it is deparsed with the files' (public). */
export const withFilesSearchPath = (text: string): string =>
  text.includes("public.") ? unqualified(text).replace(alwaysQualified, (start) => `${start}public.`) : text

/**
 * Takes public's qualification off the names in `text`, leaving string literals (other than an
 * object name cast to a reg* type), quoted identifiers and dollar-quoted bodies as they are: a
 * function's body or a default `'public.x'::text` is data, not a name.
 */
const unqualified = (text: string): string => {
  if (!text.includes("public.")) return text
  let out = ""
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === "'") {
      regLiteral.lastIndex = i
      const reg = regLiteral.exec(text)
      if (reg !== null) {
        out += `'${reg[1]}'${reg[2]}`
        i = regLiteral.lastIndex
        continue
      }
      const end = closing(text, i, "'")
      out += text.slice(i, end)
      i = end
    } else if (c === '"') {
      const end = closing(text, i, '"')
      out += text.slice(i, end)
      i = end
    } else if (c === "$") {
      const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(text.slice(i))?.[0]
      const end = tag === undefined || /[\w$]/.test(text[i - 1] ?? "") ? -1 : text.indexOf(tag, i + tag.length)
      if (tag === undefined || end === -1) {
        out += c
        i += 1
      } else {
        out += text.slice(i, end + tag.length)
        i = end + tag.length
      }
    } else {
      qualifier.lastIndex = i
      if (qualifier.test(text)) i += "public.".length
      else {
        out += c
        i += 1
      }
    }
  }
  return out
}

/** The index just past the quote that closes the one at `start` (a doubled quote is one character of the text). */
const closing = (text: string, start: number, quote: string): number => {
  let i = start + 1
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else i += 1
  }
  return text.length
}

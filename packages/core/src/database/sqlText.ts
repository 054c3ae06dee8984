// SQL text aim writes itself (ledger rows, repair scripts, probe queries): literals and identifiers,
// quoted once, here.

/**
 * A string literal: single quotes doubled. A text with a backslash is written E'…' with the backslash
 * doubled, which reads the same whatever standard_conforming_strings is: with it off (a legacy
 * database's setting) a plain '…\' would end early and the rest of the text would run as SQL.
 */
export const literal = (text: string): string =>
  text.includes("\\") ? `E'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'` : `'${text.replace(/'/g, "''")}'`

// Words PostgreSQL reserves (and a few it does not that read badly bare): quoted as identifiers.
const reserved = new Set(
  "all analyse analyze and any array as asc asymmetric authorization both case cast check collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with".split(
    " ",
  ),
)

/** An identifier as SQL text: bare when PostgreSQL reads it back unchanged, quoted otherwise. */
export const ident = (name: string): string => (/^[a-z_][a-z0-9_$]*$/.test(name) && !reserved.has(name) ? name : `"${name.replace(/"/g, '""')}"`)

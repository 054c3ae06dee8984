/**
 * "The AIM schema" page and its ER diagram, read off the catalog of a fresh database: the shipped
 * migrations run on an in-memory embedded PostgreSQL, then every table, column, key and foreign key
 * of public is read back. The diagram is laid out by Graphviz (its WebAssembly build from npm).
 */
import { Database, InMemoryDatabase, type Migration, backendReleases, executeFile, expectedTables } from "@aim/core"
import { Graphviz } from "@hpcc-js/wasm-graphviz"
import { Effect } from "effect"

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string
  readonly type: string
  readonly not_null: boolean
  readonly default_value: string | null
}

interface KeyRow {
  readonly table_name: string
  readonly name: string
  readonly kind: "p" | "u" | "f" | "c"
  readonly columns: ReadonlyArray<string> | string
  readonly referenced: string | null
  readonly definition: string
}

const columnsQuery = `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_value
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum`

const keysQuery = `SELECT c.relname AS table_name, k.conname AS name, k.contype AS kind,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
       r.relname AS referenced, pg_get_constraintdef(k.oid) AS definition
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
 WHERE k.connamespace = 'public'::regnamespace AND k.contype IN ('p', 'u', 'f', 'c')
 ORDER BY c.relname, k.contype, k.conname`

// PGlite returns text[] as an array; a server driver may give the literal.
const list = (value: ReadonlyArray<string> | string): ReadonlyArray<string> =>
  Array.isArray(value)
    ? value
    : String(value)
        .replace(/^\{|\}$/g, "")
        .split(",")
        .filter((v) => v !== "")

/** Reads the catalog a fresh database gets from `migrations`. */
const freshCatalog = (migrations: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    const db = yield* Database
    // As the migrator runs them (the files' search_path, a transaction each), without a ledger.
    for (const m of migrations) yield* Effect.scoped(Effect.flatMap(db.session, (s) => executeFile(s, m)))
    const columns = yield* db.query<ColumnRow & Record<string, unknown>>(columnsQuery)
    const keys = yield* db.query<KeyRow & Record<string, unknown>>(keysQuery)
    return { columns, keys }
  }).pipe(Effect.provide(InMemoryDatabase))

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
const cell = (text: string) => text.replace(/\|/g, "\\|")

const diagram = async (tables: ReadonlyArray<string>, columns: ReadonlyArray<ColumnRow>, keys: ReadonlyArray<KeyRow>): Promise<string> => {
  const guide = new Set(Object.keys(expectedTables))
  const keyColumns = new Map<string, Set<string>>()
  for (const k of keys) {
    if (k.kind !== "p" && k.kind !== "f") continue
    const set = keyColumns.get(k.table_name) ?? new Set<string>()
    for (const c of list(k.columns)) set.add(c)
    keyColumns.set(k.table_name, set)
  }
  // Each box lists the table's keys (primary and foreign): the relations the diagram is about.
  const nodes = tables.map((t) => {
    const rows = columns
      .filter((c) => c.table_name === t && keyColumns.get(t)?.has(c.column_name))
      .map((c) => `<tr><td align="left"><font point-size="9">${escapeHtml(c.column_name)}</font></td></tr>`)
      .join("")
    const fill = guide.has(t) ? "#dbeafe" : "#f3f4f6"
    return `  "${t}" [label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="2"><tr><td bgcolor="${fill}"><b>${escapeHtml(t)}</b></td></tr>${rows}</table>>];`
  })
  const edges = keys
    .filter((k) => k.kind === "f" && k.referenced !== null)
    .map((k) => `  "${k.table_name}" -> "${k.referenced}" [tooltip="${escapeHtml(`${k.table_name}.${list(k.columns).join(", ")} → ${k.referenced}`)}"];`)
  const dot = `digraph aim {
  graph [rankdir=LR, fontname="Helvetica", nodesep=0.25, ranksep=0.9, bgcolor="transparent"];
  node [shape=plain, fontname="Helvetica", fontsize=11];
  edge [color="#6b7280", arrowsize=0.6];
${nodes.join("\n")}
${edges.join("\n")}
}
`
  const graphviz = await Graphviz.load()
  return graphviz.dot(dot)
}

/** The page and the SVG, from the catalog of a fresh database built by `migrations`. */
export const schemaPage = (migrations: ReadonlyArray<Migration>, banner: string) =>
  Effect.gen(function* () {
    const { columns, keys } = yield* freshCatalog(migrations)
    const tables = [...new Set(columns.map((c) => c.table_name))].sort()
    const svg = yield* Effect.promise(() => diagram(tables, columns, keys))
    const guide = new Set(Object.keys(expectedTables))
    const section = (t: string) => {
      const rows = columns
        .filter((c) => c.table_name === t)
        .map(
          (c) =>
            `| \`${c.column_name}\` | \`${cell(c.type)}\` | ${c.not_null ? "not null" : ""} | ${c.default_value === null ? "" : `\`${cell(c.default_value)}\``} |`,
        )
      const constraint = (k: KeyRow) =>
        k.kind === "p"
          ? `primary key (${list(k.columns).join(", ")})`
          : k.kind === "u"
            ? `unique (${list(k.columns).join(", ")}) \`${k.name}\``
            : k.kind === "f"
              ? `(${list(k.columns).join(", ")}) → [\`${k.referenced}\`](#${k.referenced}) ${/ON DELETE (\w+( \w+)?)/.exec(k.definition)?.[0]?.toLowerCase() ?? "on delete no action"}`
              : `check \`${k.name}\`: \`${cell(k.definition.replace(/^CHECK /, ""))}\``
      const keyLines = keys.filter((k) => k.table_name === t).map((k) => `- ${constraint(k)}`)
      return `## ${t}

${guide.has(t) ? "One of the guide's 14 tables (Step 3)." : "The AIM backend's own table (its current release)."}

| Column | Type | Null | Default |
|---|---|---|---|
${rows.join("\n")}

${keyLines.join("\n")}
`
    }
    const page = `${banner}# The AIM schema

What \`aim migrate\` builds in \`public\`: **the AIM backend's own database** at its current release (${backendReleases.current.length} files of its own, which aim's files provide and record, see [Running the AIM backend on an aim database](/guide/backend)), object for object: every column with its type, NOT NULL and default, every constraint with its ON DELETE action, every index and trigger, under the backend's names, so the backend accepts and refuses the same writes, deletes the same rows and counts the same as on its own database. A fresh database is built that way; one the backend built at any release, or an earlier aim release, is taken there by 022-025 (see the [changelog](https://github.com/opena2a/aim-migrate/blob/main/CHANGELOG.md)). Read off the catalog of a fresh database.

The only differences, each asked for by the guide or the operator:

- aim's own ledger schema \`aim_migrations\` (its ledger, and \`value_copies\`: every value a convergence changed or a column it dropped, copied first);
- the guide's tables \`analytics_agent_activity\` and \`analytics_trust_scores\` (Step 3 names them) and \`security_policies.is_enforced\` (the one enforced policy the guide names; the backend ignores it);
- the default admin's \`force_password_change\` is true (the guide: the password MUST be changed on first login), and its password hash is aim's own bcrypt of the guide's password;
- \`users.password_reset_expires\` and \`password_reset_expires_at\` kept in step by a trigger (the backend writes one and reads the other);
- free text the backend only displays: policy descriptions, comments.

## Diagram

Tables and their foreign keys (blue: the guide's 14; each box lists its key columns).

![ER diagram of the AIM schema](/schema-er.svg)

${tables.map(section).join("\n")}`
    return { page, svg: `${svg.trim()}\n` }
  })

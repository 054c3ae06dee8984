import { readFileSync } from "node:fs"
import { resolve } from "node:path"

/**
 * The contract: the AIM backend's own database at its current release, as `fixtures/contract/
 * backend-current-release.md` lists it (a copy of the spec page, so the project's tests need nothing
 * outside the repository). `contractDifferences` reads a database's catalog and names every column,
 * constraint, index and trigger that differs from it, compared without names (as the backend's code
 * observes them), and the objects a database adds to the backend's tables; the differences the page
 * allows are not counted. The same reading as ../shared/tools/contract-diff, in TypeScript, so it runs
 * on PGlite as well as on a server.
 */

export type Kind = "columns" | "constraints" | "indexes" | "triggers" | "seeds"
const kinds: ReadonlyArray<Kind> = ["columns", "constraints", "indexes", "triggers", "seeds"]

/** Runs one statement and returns its rows (a server's pg client, or PGlite). */
export type CatalogQuery = (text: string) => Promise<ReadonlyArray<Record<string, unknown>>>

const sections: ReadonlyArray<readonly [string, Kind]> = [
  ["## Columns", "columns"],
  ["## Constraints", "constraints"],
  ["## Indexes", "indexes"],
  ["## Triggers", "triggers"],
  ["## Seed rows", "seeds"],
]

export const contractPage = readFileSync(resolve(import.meta.dirname, "../fixtures/contract/backend-current-release.md"), "utf8")

/** The page's items by kind, each without its leading "- ". */
export const contractItems = (page = contractPage): Record<Kind, Array<string>> => {
  const items: Record<Kind, Array<string>> = { columns: [], constraints: [], indexes: [], triggers: [], seeds: [] }
  let current: Kind | undefined
  for (const line of page.split("\n")) {
    if (line.startsWith("## ")) {
      current = sections.find(([heading]) => line.startsWith(heading))?.[1]
      continue
    }
    if (current !== undefined && line.startsWith("- ")) items[current].push(line.slice(2).trim())
  }
  return items
}

// What the catalog says, in the page's words (pg_get_*def on PostgreSQL 15 and 18 read the same).
const catalogQueries: Record<Exclude<Kind, "seeds">, string> = {
  columns: `SELECT c.relname || '.' || a.attname || ': ' || format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN '; not null' ELSE '' END || coalesce('; default ' || pg_get_expr(d.adbin, d.adrelid), '') AS item
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
  constraints: `SELECT c.relname || ': ' || con.conname || ': ' || pg_get_constraintdef(con.oid) AS item
                  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND con.contype <> 'n'`,
  indexes: `SELECT indexdef AS item FROM pg_indexes i
             WHERE schemaname = 'public'
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
  triggers: `SELECT pg_get_triggerdef(t.oid) AS item FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND NOT t.tgisinternal`,
}

const seedQueries = [
  `SELECT 'organizations: ' || coalesce(string_agg(format('%s (domain %s, plan %s, max_agents %s, max_users %s, is_active %s)', name, domain, plan_type, max_agents, max_users,
          CASE WHEN is_active THEN 't' ELSE 'f' END), '; ' ORDER BY name), 'no rows') AS item FROM organizations`,
  `SELECT 'users: ' || coalesce(string_agg(format('%s (name %s, role %s, status %s, provider %s, email_verified %s)', email, name, role, status, provider,
          CASE WHEN email_verified THEN 't' ELSE 'f' END), '; ' ORDER BY email), 'no rows') AS item FROM users`,
  `SELECT format('security_policies: %s, %s, %s, %s, %s, %s, %s, %s', name, policy_type, enforcement_action, severity_threshold, priority,
          CASE WHEN is_enabled THEN 't' ELSE 'f' END, applies_to, rules) AS item FROM security_policies ORDER BY priority DESC, name`,
  `SELECT 'system_config: ' || coalesce(string_agg(key, ', ' ORDER BY key), 'no rows') AS item FROM system_config`,
]

/** The differences the contract allows (its page's list): aim's own tables and column, the reset-expiry trigger. */
const allowedTables = new Set(["analytics_agent_activity", "analytics_trust_scores"])
const allowedColumns = new Set(["security_policies.is_enforced"])

const tableOf = (kind: Kind, s: string): string => {
  if (kind === "seeds" || kind === "constraints") return s.split(":", 1)[0] ?? ""
  if (kind === "columns") return s.split(".", 1)[0] ?? ""
  return / ON (?:ONLY )?(?:public\.)?(\w+)/.exec(s)?.[1] ?? ""
}

/** An object's definition without its name: what the backend's code can observe. */
const keyOf = (kind: Kind, s: string): string => {
  if (kind === "constraints") {
    const [table, , ...rest] = s.split(": ")
    return `${table}: ${rest.join(": ")}`
  }
  if (kind === "indexes") return s.replace(/INDEX \S+ ON/, "INDEX ON")
  if (kind === "triggers") return s.replace(/EXECUTE FUNCTION \S+/, "EXECUTE FUNCTION").replace(/TRIGGER \S+ /, "TRIGGER ")
  return s
}

export interface ContractDifference {
  readonly kind: Kind
  readonly change: "missing" | "extra"
  readonly item: string
}

/**
 * Every difference of the database `query` reads from the contract. With `seeds: false`, its rows are
 * not compared (a database that holds an operator's rows besides the seeds).
 */
export const contractDifferences = async (query: CatalogQuery, options: { readonly seeds?: boolean } = {}): Promise<Array<ContractDifference>> => {
  const want = contractItems()
  const have: Record<Kind, Array<string>> = { columns: [], constraints: [], indexes: [], triggers: [], seeds: [] }
  for (const kind of ["columns", "constraints", "indexes", "triggers"] as const) {
    have[kind] = (await query(catalogQueries[kind])).map((r) => String(r.item))
  }
  for (const text of seedQueries) have.seeds.push(...(await query(text)).map((r) => String(r.item)))
  const backendTables = new Set(want.columns.map((s) => tableOf("columns", s)))
  const differences: Array<ContractDifference> = []
  for (const kind of kinds) {
    if (kind === "seeds" && options.seeds === false) continue
    const wanted = new Map(want[kind].map((s) => [keyOf(kind, s), s]))
    const held = new Map(have[kind].map((s) => [keyOf(kind, s), s]))
    for (const [key, item] of wanted) {
      if (held.has(key)) continue
      if (kind === "columns" && allowedColumns.has(item.split(":", 1)[0] ?? "")) continue
      differences.push({ kind, change: "missing", item })
    }
    if (kind === "seeds") continue
    // A second object with the contract's definition under another name (a duplicate index) is extra too.
    const seen = new Set<string>()
    for (const item of have[kind]) {
      const key = keyOf(kind, item)
      const table = tableOf(kind, item)
      const duplicate = seen.has(key)
      seen.add(key)
      if ((wanted.has(key) && !duplicate) || allowedTables.has(table) || !backendTables.has(table)) continue
      if (kind === "columns") {
        const column = item.split(":", 1)[0] ?? ""
        // A column the contract has too is reported once, as missing with the contract's definition.
        if (allowedColumns.has(column) || want.columns.some((w) => w.split(":", 1)[0] === column)) continue
      }
      if (kind === "triggers" && item.includes("sync_password_reset_expiry")) continue
      differences.push({ kind, change: "extra", item })
    }
  }
  return differences
}

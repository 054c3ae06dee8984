import { Data, Effect } from "effect"
import type { Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { Migration, MigrationCheck } from "./Migration.js"

export type { MigrationCheck } from "./Migration.js"

export interface CheckProblem {
  readonly line: number
  readonly problem: string
}

const directive = /^--\s*aim:check\b(.*)$/
const continuation = /^--\s{3,}(\S.*)$/

/**
 * `"message" query`: a quoted message, blanks, then the query (a trailing `;` dropped). Read by hand,
 * in one pass: the regular expression it replaces backtracked cubically on a long line of blanks.
 */
const readForm = (text: string): { readonly message: string; readonly query: string } | undefined => {
  const trimmed = text.trim()
  if (!trimmed.startsWith('"')) return undefined
  const close = trimmed.indexOf('"', 1)
  if (close <= 1) return undefined
  const rest = trimmed.slice(close + 1)
  if (!/^\s/.test(rest)) return undefined
  const query = rest.trim().replace(/;$/, "").trimEnd()
  return query === "" ? undefined : { message: trimmed.slice(1, close), query }
}

/** The checks of a file's header (its leading comment lines), and any directive that is not well formed. */
export const readChecks = (sql: string): { readonly checks: ReadonlyArray<MigrationCheck>; readonly problems: ReadonlyArray<CheckProblem> } => {
  const lines = sql.replace(/\r\n?/g, "\n").split("\n")
  const checks: Array<MigrationCheck> = []
  const problems: Array<CheckProblem> = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? ""
    if (line !== "" && !line.startsWith("--")) break
    const match = directive.exec(line)
    if (match === null) continue
    let text = match[1] ?? ""
    const start = i + 1
    for (let next = continuation.exec((lines[i + 1] ?? "").trimEnd()); next !== null; next = continuation.exec((lines[i + 1] ?? "").trimEnd())) {
      text += ` ${next[1] ?? ""}`
      i++
    }
    const parsed = readForm(text)
    if (parsed === undefined) {
      problems.push({ line: start, problem: 'aim:check needs a quoted message and a query: -- aim:check "what must hold" SELECT … (the rows that break it)' })
      continue
    }
    checks.push({ line: start, message: parsed.message, query: parsed.query })
  }
  return { checks, problems }
}

/** A check found rows that break it: the migration did not run, and nothing of it was applied. */
export class CheckFailed extends Data.TaggedError("CheckFailed")<{
  readonly version: number
  readonly name: string
  readonly line: number
  readonly check: string
  /** The first rows that break it, secret-looking columns hidden. */
  readonly rows: ReadonlyArray<Readonly<Record<string, string>>>
  /** More rows break it than are shown. */
  readonly more: boolean
}> {
  override get message(): string {
    const count = `${this.rows.length}${this.more ? "+" : ""}`
    const verb = this.rows.length === 1 && !this.more ? "row breaks" : "rows break"
    return `${this.name}:${this.line}: check "${this.check}" failed: ${count} ${verb} it, so the file did not run and nothing of it was applied`
  }
}

const shown = 5
// A violation row may come from a table of users: never print what could be a credential.
const secretColumn = /pass|secret|token|hash|salt|key|credential/i

const cell = (value: unknown): string => {
  const text =
    value === null || value === undefined
      ? "NULL"
      : value instanceof Date
        ? value.toISOString()
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Runs each check on `session` (inside the caller's transaction); fails with the first that finds rows. */
export const runChecks = (session: Session, migration: Migration, checks: ReadonlyArray<MigrationCheck>): Effect.Effect<void, CheckFailed | SqlError> =>
  Effect.forEach(
    checks,
    (check) =>
      session.query(`SELECT * FROM (${check.query}) AS aim_check_violations LIMIT ${shown + 1}`).pipe(
        Effect.flatMap((rows) =>
          rows.length === 0
            ? Effect.void
            : Effect.fail(
                new CheckFailed({
                  version: migration.version,
                  name: migration.name,
                  line: check.line,
                  check: check.message,
                  rows: rows
                    .slice(0, shown)
                    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, secretColumn.test(k) ? "[hidden]" : cell(v)]))),
                  more: rows.length > shown,
                }),
              ),
        ),
      ),
    { discard: true },
  )

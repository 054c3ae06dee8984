import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { Redacted } from "effect"
import { type Env, read } from "./env.js"

/**
 * A password from a pgpass file (libpq's format and rules): PGPASSFILE, else ~/.pgpass; lines
 * `host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped, the first matching
 * line wins, and a file readable by group or others is ignored (libpq warns and ignores it too).
 * This is where per-target secrets of a fleet come from: the environment's POSTGRES_PASSWORD goes
 * only to the server the environment names.
 */
export const pgpassPassword = (
  env: Env,
  target: { readonly host: string; readonly port: number; readonly database: string; readonly user: string },
): Redacted.Redacted<string> | undefined => {
  const home = read(env, "HOME")
  const file = read(env, "PGPASSFILE") ?? (home === undefined ? undefined : join(home, ".pgpass"))
  if (file === undefined) return undefined
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined || !stat.isFile() || (stat.mode & 0o077) !== 0) return undefined
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return undefined
  }
  const wanted = [target.host, String(target.port), target.database, target.user]
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue
    const fields = splitFields(line)
    if (fields.length !== 5) continue
    const matches = wanted.every((value, i) => fields[i] === "*" || fields[i] === value)
    const password = fields[4]
    if (matches && password !== undefined && password !== "") return Redacted.make(password)
  }
  return undefined
}

/**
 * Why the pgpass file was not read, when it exists but libpq would ignore it too (readable by group or
 * others): said where a missing password is reported, as libpq warns.
 */
export const pgpassIgnored = (env: Env): string | undefined => {
  const home = read(env, "HOME")
  const file = read(env, "PGPASSFILE") ?? (home === undefined ? undefined : join(home, ".pgpass"))
  if (file === undefined) return undefined
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined || !stat.isFile() || (stat.mode & 0o077) === 0) return undefined
  return `the password file ${file} was ignored: it is readable by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it, as libpq requires`
}

/** Splits one pgpass line at unescaped colons, undoing `\:` and `\\`. */
const splitFields = (line: string): ReadonlyArray<string> => {
  const fields: Array<string> = []
  let field = ""
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === "\\" && i + 1 < line.length) {
      field += line[i + 1]
      i++
    } else if (c === ":" && fields.length < 4) {
      fields.push(field)
      field = ""
    } else {
      field += c
    }
  }
  fields.push(field)
  return fields
}

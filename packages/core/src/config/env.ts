import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { parseEnv } from "node:util"
import { Redacted } from "effect"
import type { ConfigProblem } from "./ConfigError.js"

export type Env = Readonly<Record<string, string | undefined>>

/**
 * The process environment over a `.env` file in `cwd` when one exists: variables set in the
 * environment win, as with docker compose and most dotenv loaders.
 */
export const loadEnv = (cwd: string = process.cwd(), environment: Env = process.env): Env => {
  const dotEnv = readDotEnv(cwd)
  const env: Env = { ...dotEnv.variables, ...environment }
  const learnt: LoadedFacts = { ...dotEnv, names: new Set(Object.keys(dotEnv.variables).filter((name) => environment[name] === undefined)) }
  // Not enumerable: invisible to Object.keys, JSON and spreads, so a copy is a plain environment again.
  Object.defineProperty(env, dotEnvFacts, { value: learnt, enumerable: false })
  return env
}

/** What one read of a `.env` file tells: its variables, why it cannot be read, its values cut at a #. */
export interface DotEnvFacts {
  readonly variables: Env
  readonly problem: string | undefined
  readonly cut: ReadonlyArray<CutValue>
}

interface CutValue {
  readonly name: string
  readonly line: number
  readonly readAs: string | undefined
}

// What an environment made by loadEnv learnt from its .env, read once: which variables came from the
// file, not the process environment (a .env in the working directory, a pull request's branch in CI,
// must not steer the environment's password to a server of its choosing), whether it could be read,
// and which of its values were cut at a #. Carried by the environment itself, under a symbol no
// variable name can be, and not enumerable, so that copies ({ ...env }) are plain environments again.
type LoadedFacts = DotEnvFacts & { readonly names: ReadonlySet<string> }
const dotEnvFacts: unique symbol = Symbol("aim.dotEnvFacts")
const factsOf = (env: Env): LoadedFacts | undefined => (env as { readonly [dotEnvFacts]?: LoadedFacts })[dotEnvFacts]

/** The variables of `env` that its .env file set (none for an environment not made by loadEnv). */
export const fromDotEnv = (env: Env): ReadonlySet<string> => factsOf(env)?.names ?? new Set()

/**
 * The `.env` of `env` as loadEnv read it, or (for an environment given whole, a test's) the `.env`
 * in `cwd`: each process reads its file once.
 */
export const dotEnvOf = (env: Env, cwd: string): DotEnvFacts => factsOf(env) ?? readDotEnv(cwd)

/** Reads the `.env` file in `cwd` once: nothing when there is no such file; its problem when it cannot be read. */
const readDotEnv = (cwd: string): DotEnvFacts => {
  const file = join(cwd, ".env")
  const problem = dotEnvProblem(cwd)
  if (problem !== undefined || !existsSync(file)) return { variables: {}, problem, cut: [] }
  // A byte-order mark (as Windows editors save a file) would make the first name "\uFEFFDATABASE_URL":
  // the server it names silently ignored, and the embedded database used instead.
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "")
  const variables = parseEnv(text) as Record<string, string>
  return { variables, problem: undefined, cut: cutByComment(text, variables) }
}

/** Why the `.env` in `cwd` cannot be read (a directory, no permission), or undefined when it can or does not exist. */
export const dotEnvProblem = (cwd: string): string | undefined => {
  const file = join(cwd, ".env")
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined) return undefined
  if (!stat.isFile()) return `${file} is not a file (${stat.isDirectory() ? "a directory" : "not a regular file"})`
  try {
    accessSync(file, constants.R_OK)
    return undefined
  } catch (error) {
    return `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`
  }
}

/** A variable's value with surrounding blanks removed; empty counts as unset. */
export const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

/**
 * A TCP port, 1 to 65535; `fallback` when unset. An invalid value is a problem, and the fallback is
 * returned only so the caller can go on collecting problems: it is never used to connect.
 */
export const readPort = (value: string | undefined, variable: string, fallback: number, problems: Array<ConfigProblem>): number => {
  if (value === undefined) return fallback
  const port = Number(value)
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    problems.push({ variable, problem: `"${value}" is not a port number`, fix: `use a number from 1 to 65535, e.g. ${fallback}` })
    return fallback
  }
  return port
}

/** A whole number from `min` to `max`; `fallback` when unset, with the same rule as `readPort`. */
export const readWhole = (
  value: string | undefined,
  variable: string,
  range: { readonly min: number; readonly max: number; readonly fallback: number; readonly unit: string },
  problems: Array<ConfigProblem>,
): number => {
  if (value === undefined) return range.fallback
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < range.min || n > range.max) {
    problems.push({
      variable,
      problem: `"${value}" is not a whole number of ${range.unit} from ${range.min} to ${range.max}`,
      fix: `use e.g. ${range.fallback}`,
    })
    return range.fallback
  }
  return n
}

/** A secret, Redacted from the moment it is read and taken as it is (spaces and quotes are part of it); empty is unset. */
export const readSecret = (env: Env, name: string): Redacted.Redacted<string> | undefined => {
  const value = env[name]
  return value === undefined || value === "" ? undefined : Redacted.make(value)
}

/**
 * Variables of a `.env` text whose unquoted value holds a `#`: a .env file reads the rest as a
 * comment (`PASSWORD=abc#def` is `abc`). Each with its line and the cut value it was read as, so the
 * caller can tell whether that value is the one in use; callers print names and lines only.
 */
const cutByComment = (text: string, parsed: Env): ReadonlyArray<CutValue> =>
  text.split(/\r?\n/).flatMap((line, index) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    const value = match?.[2] ?? ""
    if (match?.[1] === undefined || /^['"`]/.test(value)) return []
    // "KEY=value # note" is a comment by intent; "KEY=abc#def" almost never is.
    return /[^\s]#/.test(value) ? [{ name: match[1], line: index + 1, readAs: parsed[match[1]] }] : []
  })

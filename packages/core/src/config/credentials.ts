import { Redacted } from "effect"
import type { ConfigProblem } from "./ConfigError.js"
import { type Env, fromDotEnv, read } from "./env.js"
import { pgpassIgnored, pgpassPassword } from "./pgpass.js"

/**
 * The one place that decides where a credential may go. A secret goes only where its own source
 * points: whoever can name the target must also be the one who gave the secret, else an attacker who
 * can write one of them (a `.env` in a pull request's branch, a line of a fleet file) points the
 * operator's password at a server of their own.
 *
 * | target named by                                   | may use a password from                                     |
 * |---------------------------------------------------|-------------------------------------------------------------|
 * | the environment (DATABASE_URL, POSTGRES_*, PG*)   | its URL, POSTGRES_PASSWORD, PGPASSWORD, a pgpass line        |
 * | `.env`                                            | its URL, a password variable set in `.env`, a pgpass line   |
 * | a fleet line                                      | its own URL, a pgpass line for that host, port, db and user |
 * | a scratch server (AIM_SCRATCH_DATABASE_URL)       | its own URL only                                            |
 *
 * The same rule holds for Redis, SMTP and the OTLP headers (`serviceSecret`). aim always hands the
 * driver the password it decided here (PgDatabase), so no library reads PGPASSWORD or ~/.pgpass behind
 * its back.
 */
export type NamedBy = "environment" | "dotenv" | "fleet" | "scratch"

/** Who named a target whose address is given by `addressVariables`: `.env` when any of them came from it. */
export const namedBy = (env: Env, addressVariables: ReadonlyArray<string>): "environment" | "dotenv" => {
  const file = fromDotEnv(env)
  return addressVariables.some((name) => read(env, name) !== undefined && file.has(name)) ? "dotenv" : "environment"
}

/** A secret decided for a target, and the secrets of the environment that were kept from it (names only). */
export interface Decided {
  readonly secret: Redacted.Redacted<string> | undefined
  readonly withheld: ReadonlyArray<string>
  /** With no secret: why a pgpass file that exists was not read (its mode). */
  readonly hint?: string
}

/**
 * The first of `secretVariables` that may go to a target named by `by`: any of them for a target the
 * environment names; for a target `.env` names, only those `.env` itself set; none for a fleet line or
 * a scratch server, whose secrets are their own.
 */
export const serviceSecret = (env: Env, by: NamedBy, secretVariables: ReadonlyArray<string>): Decided => {
  const file = fromDotEnv(env)
  const set = secretVariables.filter((name) => env[name] !== undefined && env[name] !== "")
  const allowed = set.filter((name) => by === "environment" || (by === "dotenv" && file.has(name)))
  const first = allowed[0]
  return {
    secret: first === undefined ? undefined : Redacted.make(env[first] as string),
    withheld: set.filter((name) => !allowed.includes(name)),
  }
}

export interface DatabaseTarget {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly user: string
}

/** The password variables a database target may take, in libpq's order (aim's own variable first). */
export const databasePasswordVariables = ["POSTGRES_PASSWORD", "PGPASSWORD"] as const

/**
 * A database's password: the URL's own (an empty one, `user:@host`, is none), else what the table above
 * allows for who named it, else a pgpass line for this very target (except for a scratch server).
 */
export const databasePassword = (env: Env, by: NamedBy, target: DatabaseTarget, own: string | undefined): Decided => {
  if (own !== undefined && own !== "") return { secret: Redacted.make(own), withheld: [] }
  const fromVariables = serviceSecret(env, by, databasePasswordVariables)
  if (fromVariables.secret !== undefined || by === "scratch") return fromVariables
  const fromPgpass = pgpassPassword(env, target)
  // A pgpass line is the operator's own file, meant for exactly this host: nothing was withheld that was needed.
  if (fromPgpass !== undefined) return { secret: fromPgpass, withheld: [] }
  const hint = pgpassIgnored(env)
  return hint === undefined ? fromVariables : { ...fromVariables, hint }
}

/**
 * The problem to report when a target named by `.env` gets no secret because the only one there is the
 * environment's: refused before connecting, naming the variables (never their values), so the operator
 * is not left wondering why the server asks for a password.
 */
export const withheldProblem = (decided: Decided, targetVariables: ReadonlyArray<string>, what = "password"): ConfigProblem | undefined => {
  if (decided.secret !== undefined || decided.withheld.length === 0) return undefined
  const named = targetVariables.join(", ")
  const secrets = decided.withheld.join(" and ")
  return {
    variable: named,
    problem: `is set in .env while ${secrets} ${decided.withheld.length === 1 ? "comes" : "come"} from the environment: the environment's ${what} is sent only to a server the environment names`,
    fix: `set ${targetVariables.join(" and ")} in the environment too, or keep the ${what} in .env beside ${targetVariables.length === 1 ? "it" : "them"} (or remove .env from this directory)`,
  }
}

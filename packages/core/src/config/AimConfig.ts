import { Context, Effect, Either, Layer } from "effect"
import { ConfigError, type ConfigProblem } from "./ConfigError.js"
import { type DatabaseSettings, overriddenByUrl, readDatabaseSettings, readServerUrl } from "./DatabaseConfig.js"
import { withoutUrlCredentials } from "../output/redact.js"
import { type DotEnvFacts, type Env, dotEnvOf, fromDotEnv, loadEnv, read } from "./env.js"
import { type AppSettings, type RedisSettings, type SmtpSettings, readAppSettings, readRedisSettings, readSmtpSettings } from "./ServicesConfig.js"

/**
 * The migrator's settings: the database, where replays run, the timestamp zone. What every command
 * reads; the services a running backend adds (Redis, SMTP, the app's URLs and health token) are
 * ServicesConfig, read only by the front ends that build those services.
 */
export interface AimConfigShape {
  readonly production: boolean
  readonly database: DatabaseSettings
  /**
   * Where aim drift, --prove-idempotent and aim baseline replay files: a server only when AIM_SCRATCH_DATABASE_URL
   * names one, else an in-memory embedded database (never the configured server's cluster).
   */
  readonly scratch: DatabaseSettings | undefined
  /** POSTGRES_* variables that DATABASE_URL overrides with other values (named, never their values). */
  readonly overridden: ReadonlyArray<string>
  /**
   * The zone the backend writes its timestamps in (AIM_TIMESTAMP_ZONE, UTC unless set): where 022-023
   * turn a timestamptz column into the backend's timestamp, each value is written at this zone, so the
   * instant it stands for is kept.
   */
  readonly timestampZone: string
}

/** The settings of the services a running AIM backend adds to the migrator: none of them stops a migration. */
export interface ServicesConfigShape {
  /** Undefined when Redis is not configured: it is optional. */
  readonly redis: RedisSettings | undefined
  readonly smtp: SmtpSettings | undefined
  readonly app: AppSettings
  /**
   * Problems in these settings (Redis, SMTP, FRONTEND_URL, SUPPORT_EMAIL, AIM_HEALTH_TOKEN): a setting
   * with a problem is not used, the backend says so once at boot, and `aim doctor` reports it.
   */
  readonly problems: ReadonlyArray<ConfigProblem>
}

export interface ParsedConfig {
  readonly config: AimConfigShape | undefined
  readonly services: ServicesConfigShape
  /** Every problem found, database and services, in one list. */
  readonly problems: ReadonlyArray<ConfigProblem>
}

/**
 * Problems quote the value they reject ("63a9" is not a port number); a value that is a URL with
 * credentials (in any variable, by mistake) is quoted without them.
 */
const withoutCredentials = (problem: ConfigProblem): ConfigProblem => ({ ...problem, problem: withoutUrlCredentials(problem.problem) })

/** An IANA zone name (Europe/Berlin, UTC): one the runtime's time-zone database knows; never a silent UTC for a misspelt one. */
const readTimestampZone = (env: Env, problems: Array<ConfigProblem>): string => {
  const zone = read(env, "AIM_TIMESTAMP_ZONE")
  if (zone === undefined) return "UTC"
  try {
    if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) throw new RangeError(zone)
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return zone
  } catch {
    problems.push({
      variable: "AIM_TIMESTAMP_ZONE",
      problem: `"${zone}" is not a time zone name`,
      fix: "set it to the IANA zone the AIM backend writes its timestamps in (e.g. UTC or Europe/Berlin), or unset it for UTC",
    })
    return "UTC"
  }
}

/**
 * Values of `env` cut at an unquoted # in its .env, for the variables `mine` picks: a value that is
 * not what the operator wrote is said, for the value in use.
 */
const cutValues = (env: Env, dotEnv: DotEnvFacts, mine: (name: string) => boolean): ReadonlyArray<ConfigProblem> =>
  dotEnv.cut.flatMap(({ name, line, readAs }) =>
    mine(name) && env[name] !== undefined && env[name] === readAs
      ? [
          {
            variable: name,
            problem: `is cut at an unquoted # on line ${line} of .env (a .env file reads the rest as a comment)`,
            fix: `quote the value in .env, e.g. ${name}='...', or set ${name} in the environment`,
          },
        ]
      : [],
  )

const isDatabaseVariable = (name: string) => /^(POSTGRES_|DATABASE_URL$)/.test(name)

/** Reads and validates the migrator's settings at once: every problem is reported, not the first. */
const readMigratorConfig = (env: Env, cwd: string, databaseGiven?: DatabaseSettings): Pick<ParsedConfig, "config" | "problems"> => {
  const databaseProblems: Array<ConfigProblem> = []
  // Read once here: an environment loadEnv did not make has no .env facts with it, and each read is I/O.
  const dotEnv = dotEnvOf(env, cwd)
  const unreadable = dotEnv.problem
  if (unreadable !== undefined) {
    databaseProblems.push({ variable: ".env", problem: unreadable, fix: "make .env a readable file of VARIABLE=value lines, or remove it" })
  }
  // A database given (a fleet's target) replaces the environment's; its other settings still apply.
  const database = databaseGiven ?? readDatabaseSettings(env, cwd, databaseProblems)
  const scratchUrl = read(env, "AIM_SCRATCH_DATABASE_URL")
  const scratchProblems: Array<ConfigProblem> = []
  // The scratch server receives the files' cluster-wide statements and is where a repair script's
  // reference is built: only the operator names it (the environment or a flag), never a .env file.
  if (scratchUrl !== undefined && fromDotEnv(env).has("AIM_SCRATCH_DATABASE_URL")) {
    scratchProblems.push({
      variable: "AIM_SCRATCH_DATABASE_URL",
      problem: "is set in .env: the server aim drift and --prove-idempotent replay files on is named by the environment only",
      fix: "set AIM_SCRATCH_DATABASE_URL in the environment (or leave it unset for an in-memory database), and remove it from .env",
    })
  }
  const scratch = scratchUrl === undefined || scratchProblems.length > 0 ? undefined : readServerUrl(scratchUrl, env, "scratch", scratchProblems)
  for (const p of scratchProblems) databaseProblems.push({ ...p, variable: "AIM_SCRATCH_DATABASE_URL" })
  databaseProblems.push(...cutValues(env, dotEnv, isDatabaseVariable))
  const timestampZone = readTimestampZone(env, databaseProblems)
  const problems = databaseProblems.map(withoutCredentials)
  if (databaseProblems.length > 0 || database === undefined) return { config: undefined, problems }
  return {
    config: {
      production: read(env, "NODE_ENV") === "production",
      database,
      scratch,
      timestampZone,
      overridden: overriddenByUrl(env, database),
    },
    problems,
  }
}

/** Reads the services' settings: each with a problem is left unused, and the problem listed. */
export const readServicesConfig = (env: Env, cwd: string): ServicesConfigShape => {
  const problems: Array<ConfigProblem> = []
  const redis = readRedisSettings(env, problems)
  const smtp = readSmtpSettings(env, problems)
  const app = readAppSettings(env, problems)
  problems.push(...cutValues(env, dotEnvOf(env, cwd), (name) => !isDatabaseVariable(name)))
  return { redis, smtp, app, problems: problems.map(withoutCredentials) }
}

/** Reads and validates the whole environment at once, migrator and services (aim doctor): every problem is reported, not the first. */
export const readConfig = (env: Env, cwd: string, databaseGiven?: DatabaseSettings): ParsedConfig => {
  const migrator = readMigratorConfig(env, cwd, databaseGiven)
  const services = readServicesConfig(env, cwd)
  return { config: migrator.config, services, problems: [...migrator.problems, ...services.problems] }
}

/** The configuration, failing only on database problems (nothing works without a database). */
export const parseConfig = (env: Env, cwd: string, database?: DatabaseSettings): Either.Either<AimConfigShape, ConfigError> => {
  const parsed = readMigratorConfig(env, cwd, database)
  return parsed.config === undefined ? Either.left(new ConfigError({ problems: parsed.problems })) : Either.right(parsed.config)
}

export class AimConfig extends Context.Tag("@aim/core/AimConfig")<AimConfig, AimConfigShape>() {
  /** From an explicit environment (tests) or the process environment plus `.env`. */
  static readonly fromEnv = (
    options: { readonly env?: Env; readonly cwd?: string; readonly database?: DatabaseSettings } = {},
  ): Layer.Layer<AimConfig, ConfigError> =>
    Layer.effect(
      AimConfig,
      Effect.suspend(() => {
        const cwd = options.cwd ?? process.cwd()
        return parseConfig(options.env ?? loadEnv(cwd), cwd, options.database)
      }),
    )
}

/**
 * The services' settings, read from the same environment as AimConfig (given whole, or the process
 * environment plus `.env`): built by the front ends that run those services (the backend, the health
 * endpoint), never by a migration, so `aim migrate` reads and checks only what it uses.
 */
export class ServicesConfig extends Context.Tag("@aim/core/ServicesConfig")<ServicesConfig, ServicesConfigShape>() {
  static readonly fromEnv = (options: { readonly env?: Env; readonly cwd?: string } = {}): Layer.Layer<ServicesConfig> =>
    Layer.sync(ServicesConfig, () => {
      const cwd = options.cwd ?? process.cwd()
      return readServicesConfig(options.env ?? loadEnv(cwd), cwd)
    })
}

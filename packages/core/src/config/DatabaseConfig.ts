import { Redacted } from "effect"
import { statSync } from "node:fs"
import { catalog } from "../errors/catalog.js"
import { join, resolve } from "node:path"
import { decoded, withoutUrlCredentials } from "../output/redact.js"
import type { ConfigProblem } from "./ConfigError.js"
import { type NamedBy, databasePassword, namedBy, withheldProblem } from "./credentials.js"
import { type Env, fromDotEnv, read, readPort, readSecret } from "./env.js"
import { libpqServer, libpqVariables } from "./libpq.js"

export const sslModes = ["disable", "prefer", "require", "verify-ca", "verify-full"] as const
export type SslMode = (typeof sslModes)[number]

export interface ServerDatabase {
  readonly _tag: "Server"
  readonly source: "DATABASE_URL" | "POSTGRES_*" | "PG*"
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: Redacted.Redacted<string> | undefined
  readonly database: string
  readonly sslMode: SslMode
  /**
   * The CA certificate file for verify-ca / verify-full, or "system": the CA store of this machine and
   * of Node (as libpq 16's sslrootcert=system), which holds the public CAs Azure's certificates chain to.
   */
  readonly sslRootCert: string | undefined
  /**
   * sslmode=prefer may go on in plaintext when the server has no SSL (libpq's meaning) only outside
   * production: in production a server that will not speak TLS never receives the password.
   */
  readonly plaintextFallback: boolean
  /** How long to wait for a connection: POSTGRES_CONNECT_TIMEOUT or connect_timeout= (seconds, libpq's meaning); 10. */
  readonly connectTimeoutSeconds: number
  /** With no password decided: why a pgpass file was not read, said if the server asks for one. */
  readonly noPasswordHint?: string
}

export interface EmbeddedDatabase {
  readonly _tag: "Embedded"
  readonly dataDir: string
}

export type DatabaseSettings = ServerDatabase | EmbeddedDatabase

export const azurePostgresSuffix = ".postgres.database.azure.com"

/** Where a server database lives, with no secret: safe for logs and JSON. */
export const describeDatabase = (settings: DatabaseSettings): string => {
  if (settings._tag === "Embedded") return `embedded PostgreSQL (PGlite) in ${settings.dataDir}`
  // A URL pasted into POSTGRES_USER/HOST/DB by mistake is shown without its credentials.
  const part = (text: string) => encodeURIComponent(withoutUrlCredentials(text))
  const host = withoutUrlCredentials(settings.host)
  return `postgres://${part(settings.user)}@${host.includes(":") ? `[${host}]` : host}:${settings.port}/${part(settings.database)} (sslmode=${settings.sslMode})`
}

const parseConnectTimeout = (value: string | undefined, variable: string, problems: Array<ConfigProblem>): number => {
  if (value === undefined) return 10
  const seconds = Number(value)
  if (!/^\d+$/.test(value) || seconds < 1 || seconds > 600) {
    problems.push({
      variable,
      problem: `"${value}" is not a number of seconds from 1 to 600`,
      fix: "use whole seconds, e.g. 10 (0, libpq's 'wait forever', would hang on a server that never answers)",
    })
    return 10
  }
  return seconds
}

/** The root certificate setting that means "the system's CA store" (libpq 16+). */
export const systemRootCert = "system"

/**
 * The SSL mode. With sslrootcert=system the default is verify-full and a weaker mode is refused, as
 * libpq 16 does: asking for the system's CAs and then not checking the certificate against them is a mistake.
 */
const parseSslMode = (value: string | undefined, variable: string, rootCert: string | undefined, problems: Array<ConfigProblem>): SslMode => {
  const system = rootCert === systemRootCert
  if (value === undefined) return system ? "verify-full" : "prefer"
  const mode = value.toLowerCase()
  if (!(sslModes as ReadonlyArray<string>).includes(mode)) {
    problems.push({ variable, problem: `unknown SSL mode "${value}"`, fix: `use one of ${sslModes.join(", ")}` })
    return "prefer"
  }
  if (system && mode !== "verify-full") {
    problems.push({
      variable,
      problem: `is "${mode}" with sslrootcert=system, which only means something when the certificate is verified`,
      fix: "use sslmode=verify-full with sslrootcert=system (or leave the mode unset: it then defaults to verify-full)",
    })
  }
  return mode as SslMode
}

/**
 * A password with @ / ? # % left unencoded makes a URL that parses, but into the wrong host, database
 * or fragment (and would print pieces of the password as "the host"). Detected on the raw text, and
 * reported without any part of the URL.
 */
const unencodedUserInfo = (raw: string): boolean => {
  const rest = raw.replace(/^[a-z]+:\/\//i, "")
  const authorityEnd = rest.search(/[/?#]/)
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd)
  const afterAuthority = authorityEnd === -1 ? "" : rest.slice(authorityEnd)
  const userInfo = authority.includes("@") ? authority.slice(0, authority.lastIndexOf("@")) : ""
  return afterAuthority.includes("#") || afterAuthority.includes("@") || /%(?![0-9a-f]{2})/i.test(userInfo)
}

const fromUrl = (raw: string, env: Env, by: NamedBy, problems: Array<ConfigProblem>): ServerDatabase | undefined => {
  if (unencodedUserInfo(raw)) {
    problems.push({
      variable: "DATABASE_URL",
      problem:
        "cannot be right as written: its user or password holds characters that must be percent-encoded (@ / ? # % :), so the host and database it names are pieces of the password",
      fix: "percent-encode the password (@ as %40, / as %2F, # as %23, % as %25, : as %3A), or unset DATABASE_URL and set POSTGRES_HOST, POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB, which take the password as it is",
    })
    return undefined
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // libpq's multi-host form (host1:5432,host2:5432): read as one host with a bad port, it would be "not a URL".
    if (/^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?[^/?#]*,/.test(raw)) {
      problems.push({
        variable: "DATABASE_URL",
        problem:
          "names several hosts (libpq's HOST1:PORT,HOST2:PORT form); aim migrates one server, and picking one of them by itself could send the migration to a standby",
        fix: "name the primary's host alone (postgres://USER@PRIMARY:5432/DB), or a name that always points to the primary (a cluster's read-write endpoint)",
      })
      return undefined
    }
    problems.push({
      variable: "DATABASE_URL",
      problem: "is not a valid URL",
      fix: "use postgres://USER:PASSWORD@HOST:5432/DB with special characters in the password percent-encoded",
    })
    return undefined
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    problems.push({ variable: "DATABASE_URL", problem: `scheme "${url.protocol}" is not postgres`, fix: "start it with postgres:// or postgresql://" })
    return undefined
  }
  // A Unix-socket directory percent-encoded as the host (postgres://user@%2Fvar%2Frun%2Fpostgresql/db) is read as libpq reads it.
  const host = url.searchParams.get("host") ?? decoded(url.hostname.replace(/^\[|\]$/g, ""))
  const database = decoded(url.pathname.replace(/^\//, ""))
  if (host === "") problems.push({ variable: "DATABASE_URL", problem: "has no host", fix: "add the server host after //" })
  const sslRootCert = url.searchParams.get("sslrootcert") ?? read(env, "POSTGRES_SSL_ROOT_CERT")
  const sslMode = parseSslMode(url.searchParams.get("sslmode") ?? read(env, "POSTGRES_SSL_MODE"), "DATABASE_URL sslmode", sslRootCert, problems)
  const user = decoded(url.username) || (read(env, "POSTGRES_USER") ?? "postgres")
  const target = {
    host: host === "" ? "localhost" : host,
    port: readPort(url.port === "" ? undefined : url.port, "DATABASE_URL", 5432, problems),
    user,
    // A URL without a database is read as libpq reads it: POSTGRES_DB (aim's own), PGDATABASE, else the user's name.
    database: database === "" ? (read(env, "POSTGRES_DB") ?? read(env, "PGDATABASE") ?? user) : database,
  }
  // The URL's own password, else what may go to a server named where this URL was (credentials.ts).
  const password = databasePassword(env, by, target, decoded(url.password))
  if (by === "dotenv") {
    const withheld = withheldProblem(password, ["DATABASE_URL"])
    if (withheld !== undefined) problems.push(withheld)
  }
  return {
    _tag: "Server",
    source: "DATABASE_URL",
    ...target,
    password: password.secret,
    ...(password.hint === undefined ? {} : { noPasswordHint: password.hint }),
    sslMode,
    sslRootCert,
    plaintextFallback: sslMode === "prefer" && read(env, "NODE_ENV") !== "production",
    connectTimeoutSeconds: url.searchParams.has("connect_timeout")
      ? parseConnectTimeout(url.searchParams.get("connect_timeout") ?? "", "DATABASE_URL connect_timeout", problems)
      : parseConnectTimeout(read(env, "POSTGRES_CONNECT_TIMEOUT"), "POSTGRES_CONNECT_TIMEOUT", problems),
  }
}

export const requiredPostgresVariables = ["POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"] as const

/**
 * The database to use: DATABASE_URL, else the guide's POSTGRES_* variables, else (outside
 * production only) the embedded database. A partial POSTGRES_* set is an error, never a silent
 * fallback to the embedded database.
 */
export const readDatabaseSettings = (env: Env, cwd: string, problems: Array<ConfigProblem>): DatabaseSettings | undefined => {
  const url = read(env, "DATABASE_URL")
  // Set but empty (DATABASE_URL= in a manifest whose secret did not resolve): never the embedded database.
  if (url === undefined && env.DATABASE_URL !== undefined) {
    problems.push({
      variable: "DATABASE_URL",
      problem: "is set but empty",
      fix: "give it the server's URL (postgres://USER:PASSWORD@HOST:5432/DB), or unset it to use POSTGRES_* (or, outside production, the embedded database)",
    })
    return undefined
  }
  const settings: DatabaseSettings | undefined =
    url !== undefined ? fromUrl(url, env, namedBy(env, ["DATABASE_URL"]), problems) : fromPostgresVariables(env, cwd, problems)
  if (settings?._tag === "Server") checkServer(settings, problems)
  replacedByDotEnv(env, problems)
  return settings
}

/**
 * A server named by a line of a fleet file or by AIM_SCRATCH_DATABASE_URL: a postgres:// URL whose
 * password is its own (or, for a fleet line, a pgpass line for it), never one of the environment's.
 */
export const readServerUrl = (raw: string, env: Env, by: "fleet" | "scratch", problems: Array<ConfigProblem>): ServerDatabase | undefined => {
  const settings = fromUrl(raw, env, by, problems)
  if (settings !== undefined) checkServer(settings, problems)
  return settings
}

/**
 * A `.env` file in the working directory (a pull request's branch, in CI) must not silently replace a
 * server the environment names (where the environment's password may go is credentials.ts's rule).
 */
const replacedByDotEnv = (env: Env, problems: Array<ConfigProblem>): void => {
  const file = fromDotEnv(env)
  if (!file.has("DATABASE_URL") || read(env, "DATABASE_URL") === undefined) return
  const replaced = ["POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE"].filter(
    (name) => read(env, name) !== undefined && !file.has(name),
  )
  if (replaced.length > 0) {
    problems.push({
      variable: "DATABASE_URL",
      problem: `is set in .env and would replace ${replaced.join(", ")} of the environment`,
      fix: "remove DATABASE_URL from .env, or set the connection in one place (the environment or .env)",
    })
  }
}

/**
 * When DATABASE_URL and POSTGRES_* are both set and disagree, the URL wins: the variables it
 * overrides, named (never their values), for the one line that says so.
 */
export const overriddenByUrl = (env: Env, settings: DatabaseSettings | undefined): ReadonlyArray<string> => {
  if (settings?._tag !== "Server" || settings.source !== "DATABASE_URL") return []
  const differs = (name: string, value: string) => read(env, name) !== undefined && read(env, name) !== value
  return [
    differs("POSTGRES_HOST", settings.host) ? "POSTGRES_HOST" : undefined,
    differs("POSTGRES_PORT", String(settings.port)) ? "POSTGRES_PORT" : undefined,
    differs("POSTGRES_USER", settings.user) ? "POSTGRES_USER" : undefined,
    differs("POSTGRES_DB", settings.database) ? "POSTGRES_DB" : undefined,
    env.POSTGRES_PASSWORD !== undefined &&
    env.POSTGRES_PASSWORD !== "" &&
    settings.password !== undefined &&
    Redacted.value(settings.password) !== env.POSTGRES_PASSWORD
      ? "POSTGRES_PASSWORD"
      : undefined,
  ].filter((name): name is string => name !== undefined)
}

export const overriddenNotice = (overridden: ReadonlyArray<string>): string =>
  `DATABASE_URL is used; ${overridden.join(", ")} ${overridden.length === 1 ? "is" : "are"} set to something else and ignored (unset ${overridden.length === 1 ? "it" : "them"}, or DATABASE_URL)`

/** Rules about a server's settings as a whole: Azure's SSL requirement, a CA for verify-* that exists. */
const checkServer = (settings: ServerDatabase, problems: Array<ConfigProblem>): void => {
  if (settings.sslRootCert !== undefined && settings.sslRootCert !== systemRootCert) {
    const stat = statSync(settings.sslRootCert, { throwIfNoEntry: false })
    const variable = settings.source === "DATABASE_URL" ? "POSTGRES_SSL_ROOT_CERT (or sslrootcert in DATABASE_URL)" : "POSTGRES_SSL_ROOT_CERT"
    if (stat === undefined || !stat.isFile()) {
      problems.push({
        variable,
        problem: `names ${settings.sslRootCert}, which ${stat === undefined ? "does not exist" : "is not a file"}`,
        fix: "point it at the CA certificate file (PEM) of the server, e.g. the DigiCert Global Root G2 file for Azure",
      })
    }
  }
  if (settings.host.toLowerCase().endsWith(azurePostgresSuffix) && (settings.sslMode === "disable" || settings.sslMode === "prefer")) {
    problems.push({
      variable: "POSTGRES_SSL_MODE",
      problem: `is "${settings.sslMode}" but ${settings.host} is Azure Database for PostgreSQL, which requires SSL (CRITICAL for Azure PostgreSQL)`,
      fix: "set POSTGRES_SSL_ROOT_CERT=system (verify-full against the public CAs Azure's certificates chain to), or at least POSTGRES_SSL_MODE=require",
      entry: catalog.azureSslRequired,
    })
  }
  if ((settings.sslMode === "verify-ca" || settings.sslMode === "verify-full") && settings.sslRootCert === undefined) {
    problems.push({
      variable: "POSTGRES_SSL_ROOT_CERT",
      problem: `is not set but SSL mode ${settings.sslMode} verifies the server certificate`,
      fix: "set POSTGRES_SSL_ROOT_CERT to the CA certificate file (PEM), or to system for the machine's CA store (a managed server's public CA)",
    })
  }
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true
  } catch {
    return false
  }
}

const fromPostgresVariables = (env: Env, cwd: string, problems: Array<ConfigProblem>): DatabaseSettings | undefined => {
  const production = read(env, "NODE_ENV") === "production"
  const anySet = ["POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_PORT"].some((name) => read(env, name) !== undefined)
  // libpq's own variables (PGHOST, PGSERVICE, …) name a server as surely as ours do: psql would use it,
  // so aim does too, and never replaces it with the embedded database.
  if (!anySet && libpqVariables.some((name) => read(env, name) !== undefined)) {
    const server = libpqServer(env, problems)
    if (server === undefined) return undefined
    return { _tag: "Server", ...server, plaintextFallback: server.sslMode === "prefer" && !production }
  }
  if (!anySet && !production) {
    const dataDir = read(env, "AIM_DATA_DIR")
    // A setting that names a file is wrong as written; anything else about the directory is found when it is opened.
    if (dataDir !== undefined && !dataDir.startsWith("memory://") && isFile(resolve(cwd, dataDir))) {
      problems.push({
        variable: "AIM_DATA_DIR",
        problem: `names ${resolve(cwd, dataDir)}, which is a file`,
        fix: "set it to a directory (created if missing) for the embedded database's files",
      })
    }
    return {
      _tag: "Embedded",
      dataDir: dataDir === undefined ? join(cwd, ".aim", "pglite") : dataDir.startsWith("memory://") ? dataDir : resolve(cwd, dataDir),
    }
  }
  const missing = requiredPostgresVariables.filter(
    (name) => (name === "POSTGRES_PASSWORD" ? readSecret(env, "POSTGRES_PASSWORD") : read(env, name)) === undefined,
  )
  for (const variable of missing) {
    problems.push({
      variable,
      problem: production && !anySet ? "is not set and NODE_ENV=production (no embedded database in production)" : "is not set",
      fix: "set it (the guide's Step 1), or set DATABASE_URL instead",
    })
  }
  const target = {
    host: read(env, "POSTGRES_HOST") ?? "localhost",
    port: readPort(read(env, "POSTGRES_PORT"), "POSTGRES_PORT", 5432, problems),
    user: read(env, "POSTGRES_USER") ?? "postgres",
    database: read(env, "POSTGRES_DB") ?? "postgres",
  }
  const addressedBy = ["POSTGRES_HOST", "POSTGRES_PORT"]
  const password = databasePassword(env, namedBy(env, addressedBy), target, undefined)
  const withheld = withheldProblem(
    password,
    addressedBy.filter((name) => fromDotEnv(env).has(name)),
  )
  if (withheld !== undefined) problems.push(withheld)
  const settings: ServerDatabase = {
    _tag: "Server",
    source: "POSTGRES_*",
    ...target,
    password: password.secret,
    ...(password.hint === undefined ? {} : { noPasswordHint: password.hint }),
    sslMode: parseSslMode(read(env, "POSTGRES_SSL_MODE"), "POSTGRES_SSL_MODE", read(env, "POSTGRES_SSL_ROOT_CERT"), problems),
    sslRootCert: read(env, "POSTGRES_SSL_ROOT_CERT"),
    plaintextFallback: false,
    connectTimeoutSeconds: parseConnectTimeout(read(env, "POSTGRES_CONNECT_TIMEOUT"), "POSTGRES_CONNECT_TIMEOUT", problems),
  }
  // With variables missing, the rest is still checked (every problem at once) but nothing is returned.
  if (missing.length > 0) {
    checkServer(settings, problems)
    return undefined
  }
  return { ...settings, plaintextFallback: settings.sslMode === "prefer" && !production }
}

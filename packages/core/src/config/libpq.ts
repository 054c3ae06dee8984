import { existsSync, readFileSync, statSync } from "node:fs"
import { userInfo } from "node:os"
import { join } from "node:path"
import type { Redacted } from "effect"
import type { ConfigProblem } from "./ConfigError.js"
import { databasePassword, namedBy, withheldProblem } from "./credentials.js"
import { type Env, read, readPort } from "./env.js"

/**
 * libpq's environment variables that name a server (https://www.postgresql.org/docs/current/libpq-envars.html).
 * Any of them set, with neither DATABASE_URL nor POSTGRES_* set, means the operator configured a server
 * the way psql reads it: aim connects to that server, never to the embedded database instead.
 */
export const libpqVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE"] as const

/** The keywords of a connection service file that aim uses (libpq's names). */
type ServiceKeyword = "host" | "hostaddr" | "port" | "dbname" | "user" | "password" | "sslmode" | "sslrootcert" | "connect_timeout"

/**
 * The section `[name]` of a service file: `keyword=value` lines (libpq's pg_service.conf format,
 * `#` comments). Undefined when the file has no such section.
 */
export const serviceSection = (text: string, name: string): Partial<Record<ServiceKeyword, string>> | undefined => {
  // The section's settings, from its header on: undefined until `[name]` is reached.
  let found: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) continue
    const section = /^\[(.*)\]$/.exec(line)
    if (section !== null) {
      // libpq uses the first section of that name in a file.
      if (found !== undefined) break
      if (section[1] === name) found = {}
      continue
    }
    const eq = line.indexOf("=")
    if (found !== undefined && eq > 0) found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return found
}

/** The files libpq looks a service up in, in its order: PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR's. */
const serviceFiles = (env: Env): ReadonlyArray<string> => {
  const home = read(env, "HOME")
  const user = read(env, "PGSERVICEFILE") ?? (home === undefined ? undefined : join(home, ".pg_service.conf"))
  // Debian's and most distributions' libpq are built with this system configuration directory.
  const system = join(read(env, "PGSYSCONFDIR") ?? "/etc/postgresql-common", "pg_service.conf")
  return [user, system].filter((file): file is string => file !== undefined)
}

const readService = (env: Env, name: string, problems: Array<ConfigProblem>): Partial<Record<ServiceKeyword, string>> | undefined => {
  const files = serviceFiles(env)
  for (const file of files) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (error) {
      problems.push({
        variable: "PGSERVICE",
        problem: `names service "${name}", but ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        fix: "make the service file readable by this user, or set DATABASE_URL instead",
      })
      return undefined
    }
    const section = serviceSection(text, name)
    if (section !== undefined) return section
  }
  problems.push({
    variable: "PGSERVICE",
    problem: `names service "${name}", which is in no service file (looked in ${files.join(", ")})`,
    fix: `add a [${name}] section to ~/.pg_service.conf (or the file PGSERVICEFILE names), or set DATABASE_URL instead`,
  })
  return undefined
}

/** What libpq's settings name; DatabaseConfig makes it a ServerDatabase. */
export interface LibpqServer {
  readonly source: "PG*"
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  readonly password: Redacted.Redacted<string> | undefined
  readonly sslMode: "disable" | "prefer" | "require" | "verify-ca" | "verify-full"
  readonly sslRootCert: string | undefined
  readonly connectTimeoutSeconds: number
  readonly noPasswordHint?: string
}

/** libpq's default host when none is given: the Unix socket directory that has this port's socket, else localhost. */
const defaultHost = (port: number): string => ["/var/run/postgresql", "/tmp"].find((dir) => existsSync(join(dir, `.s.PGSQL.${port}`))) ?? "localhost"

const sslModes: ReadonlyArray<string> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

/**
 * The server libpq would connect to from PGSERVICE's section and the PG* variables (a service's
 * settings first, then the variables, as libpq fills them), with libpq's defaults: the operating
 * system's user name, a database named after the user, the local socket.
 */
export const libpqServer = (env: Env, problems: Array<ConfigProblem>): LibpqServer | undefined => {
  const serviceName = read(env, "PGSERVICE")
  const service = serviceName === undefined ? {} : readService(env, serviceName, problems)
  if (service === undefined) return undefined
  const setting = (keyword: ServiceKeyword, variable: string): { value: string | undefined; variable: string } =>
    service[keyword] !== undefined && service[keyword] !== ""
      ? { value: service[keyword], variable: `PGSERVICE ${keyword}` }
      : { value: read(env, variable), variable }
  const hostSetting = setting("host", "PGHOST")
  const hostaddr = setting("hostaddr", "PGHOSTADDR")
  const portSetting = setting("port", "PGPORT")
  if ((hostSetting.value ?? "").includes(",")) {
    problems.push({
      variable: hostSetting.variable,
      problem: "lists several hosts, which aim does not try in turn",
      fix: "name the one primary server aim migrates (migrations are written to the primary only)",
    })
    return undefined
  }
  const port = readPort(portSetting.value, portSetting.variable, 5432, problems)
  const user = setting("user", "PGUSER").value ?? userInfo().username
  const target = {
    host: hostaddr.value ?? hostSetting.value ?? defaultHost(port),
    port,
    user,
    database: setting("dbname", "PGDATABASE").value ?? user,
  }
  const modeSetting = setting("sslmode", "PGSSLMODE")
  const rootCert = setting("sslrootcert", "PGSSLROOTCERT").value
  const requested = modeSetting.value?.toLowerCase()
  if (requested !== undefined && !sslModes.includes(requested)) {
    problems.push({ variable: modeSetting.variable, problem: `unknown SSL mode "${modeSetting.value}"`, fix: `use one of ${sslModes.join(", ")}` })
    return undefined
  }
  // libpq's "allow" tries plaintext first: the same exposure as prefer's fallback, and treated as prefer.
  const sslMode: LibpqServer["sslMode"] =
    requested === undefined ? (rootCert === "system" ? "verify-full" : "prefer") : requested === "allow" ? "prefer" : (requested as LibpqServer["sslMode"])
  const timeout = setting("connect_timeout", "PGCONNECT_TIMEOUT")
  const seconds = timeout.value === undefined ? 10 : Number(timeout.value)
  if (timeout.value !== undefined && (!/^\d+$/.test(timeout.value) || seconds < 1 || seconds > 600)) {
    problems.push({ variable: timeout.variable, problem: `"${timeout.value}" is not a number of seconds from 1 to 600`, fix: "use whole seconds, e.g. 10" })
    return undefined
  }
  // A service's own password is the service file's; otherwise PGPASSWORD (the environment) or a pgpass line.
  const addressedBy = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE"]
  const password = databasePassword(env, namedBy(env, addressedBy), target, service.password)
  const withheld = withheldProblem(
    password,
    addressedBy.filter((name) => read(env, name) !== undefined),
  )
  if (withheld !== undefined) problems.push(withheld)
  return {
    source: "PG*",
    ...target,
    password: password.secret,
    ...(password.hint === undefined ? {} : { noPasswordHint: password.hint }),
    sslMode,
    sslRootCert: rootCert,
    connectTimeoutSeconds: seconds,
  }
}

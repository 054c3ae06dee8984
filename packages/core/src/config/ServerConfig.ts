import { isIP } from "node:net"
import { networkInterfaces } from "node:os"
import type { ConfigProblem } from "./ConfigError.js"
import { type Env, read, readPort } from "./env.js"

/**
 * An address HOST names that this machine does not have: listening on it fails (EADDRNOTAVAIL), and
 * would only after the migrations ran. Said before anything runs. A name is resolved at listen time
 * and not checked here; the wildcards (0.0.0.0, ::) are every address.
 */
const notLocalAddress = (host: string): boolean => {
  if (isIP(host) === 0 || host === "0.0.0.0" || host === "::") return false
  const local = Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((a) => a.address.toLowerCase()))
  return !local.includes(host.toLowerCase().replace(/%.*$/, ""))
}

/** How a long-running front end (the backend, the health endpoint) listens and logs. */
export interface ServeSettings {
  readonly port: number
  readonly host: string
  /** MIGRATIONS_DIR: the migration files the process runs and checks. */
  readonly migrationsDir: string
  /** LOG_FORMAT: `json` lines for log pipelines, or `text`. */
  readonly logFormat: "json" | "text"
}

/**
 * PORT, HOST, MIGRATIONS_DIR and LOG_FORMAT, from the same environment (and .env) as every other
 * setting: a value set and invalid is a problem, never a silent default. PORT=0 asks the system for a
 * free port (tests, several replicas on one host).
 */
export const readServeSettings = (env: Env, defaults: { readonly port: number; readonly host: string }, problems: Array<ConfigProblem>): ServeSettings => {
  const port = read(env, "PORT")
  const logFormat = read(env, "LOG_FORMAT") ?? "text"
  if (logFormat !== "json" && logFormat !== "text") {
    problems.push({ variable: "LOG_FORMAT", problem: `"${logFormat}" is not a log format`, fix: "use json (one JSON object per line) or text" })
  }
  const host = read(env, "HOST") ?? defaults.host
  if (notLocalAddress(host)) {
    problems.push({
      variable: "HOST",
      problem: `${host} is not an address of this machine, so the server could not listen on it`,
      fix: "set HOST to 0.0.0.0 (every address), 127.0.0.1, or one of this machine's own addresses (ip -brief address lists them)",
    })
  }
  return {
    port: port === "0" ? 0 : readPort(port, "PORT", defaults.port, problems),
    host,
    migrationsDir: read(env, "MIGRATIONS_DIR") ?? "migrations",
    logFormat: logFormat === "json" ? "json" : "text",
  }
}

import type { ConfigProblem } from "./ConfigError.js"
import { type Env, read, readPort } from "./env.js"

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
  return {
    port: port === "0" ? 0 : readPort(port, "PORT", defaults.port, problems),
    host: read(env, "HOST") ?? defaults.host,
    migrationsDir: read(env, "MIGRATIONS_DIR") ?? "migrations",
    logFormat: logFormat === "json" ? "json" : "text",
  }
}

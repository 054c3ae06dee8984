import { Redacted } from "effect"
import { decoded } from "../output/redact.js"
import type { ConfigProblem } from "./ConfigError.js"
import { namedBy, serviceSecret, withheldProblem } from "./credentials.js"
import { type Env, fromDotEnv, read, readPort, readSecret, readWhole } from "./env.js"

export interface RedisSettings {
  readonly host: string
  readonly port: number
  readonly password: Redacted.Redacted<string> | undefined
  readonly db: number
  /** Azure Cache for Redis on 6380 (or any *.redis.cache.windows.net) accepts TLS only. */
  readonly tls: boolean
  /** CA certificate file for a private Redis TLS certificate (REDIS_TLS_CA_FILE). */
  readonly caFile?: string | undefined
  /**
   * REDIS_CONNECT_TIMEOUT (seconds, 1-60, default 3): how long connecting and the first PING may take
   * before Redis is "unavailable (optional)" and the in-memory cache is used.
   */
  readonly connectTimeoutMs: number
}

export interface SmtpSettings {
  readonly host: string
  readonly port: number
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  /** 465 (or SMTP_SECURE=true): TLS from the first byte; otherwise STARTTLS is required (587). */
  readonly implicitTls: boolean
  /** CA certificate file for a private or self-signed SMTP server certificate. */
  readonly caFile: string | undefined
}

export interface AppSettings {
  readonly frontendUrl: string | undefined
  readonly supportEmail: string | undefined
  /**
   * AIM_HEALTH_TOKEN: the bearer token that unlocks the health endpoints' detail (who ran what, the
   * lock holder, server messages). Without it they answer status and codes only.
   */
  readonly healthToken: Redacted.Redacted<string> | undefined
}

export const azureRedisSuffix = ".redis.cache.windows.net"

const emailPattern = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/

const flag = (value: string | undefined, variable: string, problems: Array<ConfigProblem>): boolean | undefined => {
  if (value === undefined) return undefined
  if (/^(1|true|yes|on)$/i.test(value)) return true
  if (/^(0|false|no|off)$/i.test(value)) return false
  problems.push({ variable, problem: `"${value}" is not true or false`, fix: "use true or false" })
  return undefined
}

/**
 * Settings with a problem are not used at all: a default in place of an invalid value (port 6379 for
 * REDIS_PORT=63a9) would connect somewhere else, and send that server the password.
 */
const unlessInvalid = <A>(read: (problems: Array<ConfigProblem>) => A | undefined, problems: Array<ConfigProblem>): A | undefined => {
  const own: Array<ConfigProblem> = []
  const settings = read(own)
  problems.push(...own)
  return own.length === 0 ? settings : undefined
}

/** The service problems that belong to Redis (REDIS_*) or SMTP (SMTP_*): why that service is not used. */
export const problemsOf = (service: "REDIS" | "SMTP", problems: ReadonlyArray<ConfigProblem>): ReadonlyArray<ConfigProblem> =>
  problems.filter((p) => p.variable.startsWith(`${service}_`))

/**
 * Why a service is not used, in the words every front end prints (backend log, doctor, cache): the
 * problems of its variables and their fixes, each joined; undefined when its settings are valid.
 */
export const invalidSettings = (
  service: "REDIS" | "SMTP",
  problems: ReadonlyArray<ConfigProblem>,
): { readonly problems: string; readonly fix: string } | undefined => {
  const own = problemsOf(service, problems)
  return own.length === 0
    ? undefined
    : { problems: own.map((p) => `${p.variable}: ${p.problem}`).join("; "), fix: own.map((p) => `${p.variable}: ${p.fix}`).join("; ") }
}

/**
 * A service's secret as credentials.ts allows it: a host from `.env` gets no password from the
 * environment (a problem, so the service is not used rather than sent the operator's password).
 */
const decidedSecret = (
  env: Env,
  addressVariables: ReadonlyArray<string>,
  secretVariables: ReadonlyArray<string>,
  problems: Array<ConfigProblem>,
): Redacted.Redacted<string> | undefined => {
  const decided = serviceSecret(env, namedBy(env, addressVariables), secretVariables)
  const withheld = withheldProblem(
    decided,
    addressVariables.filter((name) => fromDotEnv(env).has(name)),
  )
  if (withheld !== undefined) problems.push(withheld)
  return decided.secret
}

/** REDIS_URL, or REDIS_HOST/PORT/PASSWORD/DB; none of them, or an invalid one: Redis is not used (it is optional). */
export const readRedisSettings = (env: Env, problems: Array<ConfigProblem>): RedisSettings | undefined =>
  unlessInvalid((own) => redisSettings(env, own), problems)

const redisSettings = (env: Env, problems: Array<ConfigProblem>): RedisSettings | undefined => {
  const url = read(env, "REDIS_URL")
  const connectTimeoutMs =
    readWhole(read(env, "REDIS_CONNECT_TIMEOUT"), "REDIS_CONNECT_TIMEOUT", { min: 1, max: 60, fallback: 3, unit: "seconds" }, problems) * 1000
  const tlsFlag = flag(read(env, "REDIS_TLS"), "REDIS_TLS", problems)
  if (url !== undefined) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      problems.push({ variable: "REDIS_URL", problem: "is not a valid URL", fix: "use redis://:PASSWORD@HOST:6379/0 or rediss:// for TLS" })
      return undefined
    }
    if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
      problems.push({ variable: "REDIS_URL", problem: `scheme "${parsed.protocol}" is not redis`, fix: "start it with redis:// or rediss://" })
      return undefined
    }
    const p = readPort(parsed.port === "" ? undefined : parsed.port, "REDIS_URL", 6379, problems)
    const host = parsed.hostname
    return {
      host,
      port: p,
      password: parsed.password === "" ? decidedSecret(env, ["REDIS_URL"], ["REDIS_PASSWORD"], problems) : Redacted.make(decoded(parsed.password)),
      db: Number(parsed.pathname.replace(/^\//, "") || "0") || 0,
      tls: tlsFlag ?? (parsed.protocol === "rediss:" || p === 6380 || host.endsWith(azureRedisSuffix)),
      caFile: read(env, "REDIS_TLS_CA_FILE"),
      connectTimeoutMs,
    }
  }
  const host = read(env, "REDIS_HOST")
  if (host === undefined) {
    for (const name of ["REDIS_PORT", "REDIS_PASSWORD"]) {
      if (read(env, name) !== undefined) {
        problems.push({
          variable: "REDIS_HOST",
          problem: `is not set but ${name} is`,
          fix: "set REDIS_HOST too, or unset the other REDIS_* variables (Redis is optional)",
        })
        break
      }
    }
    return undefined
  }
  const p = readPort(read(env, "REDIS_PORT"), "REDIS_PORT", 6379, problems)
  const dbValue = read(env, "REDIS_DB")
  if (dbValue !== undefined && !/^\d+$/.test(dbValue)) {
    problems.push({ variable: "REDIS_DB", problem: `"${dbValue}" is not a database number`, fix: "use 0-15" })
  }
  return {
    host,
    port: p,
    password: decidedSecret(env, ["REDIS_HOST", "REDIS_PORT"], ["REDIS_PASSWORD"], problems),
    db: dbValue !== undefined && /^\d+$/.test(dbValue) ? Number(dbValue) : 0,
    tls: tlsFlag ?? (p === 6380 || host.toLowerCase().endsWith(azureRedisSuffix)),
    caFile: read(env, "REDIS_TLS_CA_FILE"),
    connectTimeoutMs,
  }
}

/** SMTP_HOST/PORT/USERNAME/PASSWORD: all or nothing; half a configuration, or an invalid one, is an error and SMTP is not used. */
export const readSmtpSettings = (env: Env, problems: Array<ConfigProblem>): SmtpSettings | undefined => unlessInvalid((own) => smtpSettings(env, own), problems)

const smtpSettings = (env: Env, problems: Array<ConfigProblem>): SmtpSettings | undefined => {
  const host = read(env, "SMTP_HOST")
  const username = read(env, "SMTP_USERNAME")
  const password = readSecret(env, "SMTP_PASSWORD")
  if (host === undefined) {
    if (username !== undefined || password !== undefined) {
      problems.push({ variable: "SMTP_HOST", problem: "is not set but SMTP credentials are (SMTP half-configured)", fix: "set SMTP_HOST, e.g. smtp.gmail.com" })
    }
    return undefined
  }
  if ((username === undefined) !== (password === undefined)) {
    problems.push({
      variable: username === undefined ? "SMTP_USERNAME" : "SMTP_PASSWORD",
      problem: `is not set but ${username === undefined ? "SMTP_PASSWORD" : "SMTP_USERNAME"} is (SMTP half-configured)`,
      fix: "set both SMTP_USERNAME and SMTP_PASSWORD, or neither for a relay without authentication",
    })
  }
  if (username !== undefined && /@/.test(username) && !emailPattern.test(username)) {
    problems.push({ variable: "SMTP_USERNAME", problem: `"${username}" is not an email address`, fix: "use the full sender address, e.g. info@opena2a.org" })
  }
  const p = readPort(read(env, "SMTP_PORT"), "SMTP_PORT", 587, problems)
  const secure = flag(read(env, "SMTP_SECURE"), "SMTP_SECURE", problems)
  const decided = password === undefined ? undefined : decidedSecret(env, ["SMTP_HOST", "SMTP_PORT"], ["SMTP_PASSWORD"], problems)
  return { host, port: p, username, password: decided, implicitTls: secure ?? p === 465, caFile: read(env, "SMTP_TLS_CA_FILE") }
}

export const readAppSettings = (env: Env, problems: Array<ConfigProblem>): AppSettings => {
  const frontendUrl = read(env, "FRONTEND_URL")
  if (frontendUrl !== undefined) {
    let ok = false
    try {
      const url = new URL(frontendUrl)
      ok = (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
    } catch {
      ok = false
    }
    if (!ok)
      problems.push({ variable: "FRONTEND_URL", problem: `"${frontendUrl}" is not an http(s) URL`, fix: "use the full URL, e.g. https://aim.example.com" })
  }
  const supportEmail = read(env, "SUPPORT_EMAIL")
  if (supportEmail !== undefined && !emailPattern.test(supportEmail)) {
    problems.push({ variable: "SUPPORT_EMAIL", problem: `"${supportEmail}" is not an email address`, fix: "use an address such as support@opena2a.org" })
  }
  const healthToken = readSecret(env, "AIM_HEALTH_TOKEN")
  if (healthToken !== undefined && Redacted.value(healthToken).length < 16) {
    problems.push({
      variable: "AIM_HEALTH_TOKEN",
      problem: "is shorter than 16 characters: too easy to guess for what it guards",
      fix: "use a random token, e.g. openssl rand -hex 32",
    })
  }
  return { frontendUrl, supportEmail, healthToken: healthToken !== undefined && Redacted.value(healthToken).length >= 16 ? healthToken : undefined }
}

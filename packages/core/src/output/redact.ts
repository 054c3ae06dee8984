import type { Env } from "../config/env.js"

const secretVariables = ["POSTGRES_PASSWORD", "SMTP_PASSWORD", "REDIS_PASSWORD", "PGPASSWORD", "AIM_HEALTH_TOKEN"] as const
const urlVariables = ["DATABASE_URL", "REDIS_URL", "AIM_SCRATCH_DATABASE_URL"] as const
// A collector's address may carry credentials; a value that is not a URL is not one (and is quoted when rejected).
const collectorUrlVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] as const
// key=value,… pairs whose values are credentials for the collector (API keys, bearer tokens).
const headerVariables = ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"] as const

const publicVariables = ["POSTGRES_USER", "POSTGRES_HOST", "POSTGRES_DB", "REDIS_HOST", "SMTP_HOST", "SMTP_USERNAME"] as const

/**
 * Every secret value the environment holds, so that output can be scrubbed of them as a last line of
 * defence. A password that is also the text of a part printed on purpose (the user `postgres`, the
 * scheme `postgres://`, a host, a database) is left out: scrubbing it would blank those parts of
 * every line (`***://***@host`), and aim never prints the password field itself.
 */
export const secretsOf = (env: Env): ReadonlyArray<string> => {
  const secrets = new Set<string>()
  const printed = new Set<string>(publicVariables.flatMap((name) => env[name] ?? []))
  for (const name of urlVariables) {
    try {
      const url = new URL(env[name] ?? "")
      for (const part of [url.protocol.replace(/:$/, ""), decodeURIComponent(url.username), url.hostname, decodeURIComponent(url.pathname.replace(/^\//, ""))])
        printed.add(part)
    } catch {
      // not a URL: nothing printed from it
    }
  }
  for (const name of secretVariables) {
    const value = env[name]
    if (value !== undefined && value.length >= 3) secrets.add(value)
  }
  for (const name of collectorUrlVariables) {
    const password = URL.canParse(env[name] ?? "") ? new URL(env[name] ?? "").password : ""
    if (password.length >= 3) {
      secrets.add(password)
      secrets.add(decodeURIComponent(password))
    }
  }
  for (const name of headerVariables) {
    for (const pair of (env[name] ?? "").split(",")) {
      const value = pair.slice(pair.indexOf("=") + 1).trim()
      if (pair.includes("=") && value.length >= 3) {
        secrets.add(value)
        secrets.add(decodeURIComponent(value))
      }
    }
  }
  for (const name of urlVariables) {
    const value = env[name]
    if (value === undefined) continue
    try {
      const url = new URL(value)
      if (url.password.length >= 3) {
        secrets.add(url.password)
        secrets.add(decodeURIComponent(url.password))
      }
    } catch {
      // Not a URL, so the password cannot be told apart: treat the whole value as secret.
      secrets.add(value)
    }
  }
  return [...secrets].filter((secret) => !printed.has(secret)).sort((a, b) => b.length - a.length)
}

/** Replaces every secret in `text` with `***`. */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) out = out.split(secret).join("***")
  return out
}

/** Text with the credentials of any URL in it replaced: `redis://:pw@cache` becomes `redis://***@cache`. */
export const withoutUrlCredentials = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"]*@/gi, "$1***@")

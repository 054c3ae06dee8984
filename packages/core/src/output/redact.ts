import type { Env } from "../config/env.js"

const secretVariables = ["POSTGRES_PASSWORD", "SMTP_PASSWORD", "REDIS_PASSWORD", "PGPASSWORD"] as const
const urlVariables = ["DATABASE_URL", "REDIS_URL"] as const

/** Every secret value the environment holds, so that output can be scrubbed of them as a last line of defence. */
export const secretsOf = (env: Env): ReadonlyArray<string> => {
  const secrets = new Set<string>()
  for (const name of secretVariables) {
    const value = env[name]
    if (value !== undefined && value.length >= 3) secrets.add(value)
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
  return [...secrets].sort((a, b) => b.length - a.length)
}

/** Replaces every secret in `text` with `***`. */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) out = out.split(secret).join("***")
  return out
}

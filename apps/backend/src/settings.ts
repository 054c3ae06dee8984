import { ConfigError, type ConfigProblem, type Env, read, readServeSettings, readWhole } from "@aim/core"
import { Effect } from "effect"
import type { BootOptions } from "./boot.js"
import { environment } from "./environment.js"

export interface ServerSettings {
  readonly port: number
  readonly host: string
  readonly boot: BootOptions & { readonly migrationsDir: string }
  readonly verifyTtlMs: number | undefined
}

/**
 * The example server's own variables, checked like every other setting: PORT=80a0 or
 * AIM_LOCK_TIMEOUT_MS=5s is a configuration error (AIM-CFG-001), never NaN or a silent default.
 */
export const readServerSettings = (env: Env = environment): Effect.Effect<ServerSettings, ConfigError> => {
  const problems: Array<ConfigProblem> = []
  const serve = readServeSettings(env, { port: 8080, host: "0.0.0.0" }, problems)
  const whole = (name: string, range: { readonly min: number; readonly max: number; readonly unit: string }) => {
    const value = read(env, name)
    return value === undefined ? undefined : readWhole(value, name, { ...range, fallback: range.min }, problems)
  }
  const lockTimeoutMs = whole("AIM_LOCK_TIMEOUT_MS", { min: 1, max: 600_000, unit: "milliseconds" })
  const lockTimeoutRetries = whole("AIM_LOCK_TIMEOUT_RETRIES", { min: 0, max: 100, unit: "retries" })
  const connectRetries = whole("AIM_CONNECT_RETRIES", { min: 0, max: 100, unit: "retries" })
  const settings: ServerSettings = {
    port: serve.port,
    host: serve.host,
    boot: {
      env,
      migrationsDir: serve.migrationsDir,
      ...(lockTimeoutMs === undefined ? {} : { lockTimeout: `${lockTimeoutMs} millis` as const }),
      ...(lockTimeoutRetries === undefined ? {} : { lockTimeoutRetries }),
      ...(connectRetries === undefined ? {} : { connectRetries }),
    },
    verifyTtlMs: whole("AIM_VERIFY_TTL_MS", { min: 0, max: 3_600_000, unit: "milliseconds" }),
  }
  return problems.length === 0 ? Effect.succeed(settings) : Effect.fail(new ConfigError({ problems }))
}

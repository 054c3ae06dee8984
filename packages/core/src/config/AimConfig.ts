import { Context, Effect, Either, Layer } from "effect"
import { ConfigError, type ConfigProblem } from "./ConfigError.js"
import { type DatabaseSettings, readDatabaseSettings } from "./DatabaseConfig.js"
import { type Env, loadEnv, read } from "./env.js"

export interface AimConfigShape {
  readonly production: boolean
  readonly database: DatabaseSettings
}

/** Reads and validates the whole environment at once: every problem is reported, not the first. */
export const parseConfig = (env: Env, cwd: string): Either.Either<AimConfigShape, ConfigError> => {
  const problems: Array<ConfigProblem> = []
  const database = readDatabaseSettings(env, cwd, problems)
  if (problems.length > 0 || database === undefined) return Either.left(new ConfigError({ problems }))
  return Either.right({ production: read(env, "NODE_ENV") === "production", database })
}

export class AimConfig extends Context.Tag("@aim/core/AimConfig")<AimConfig, AimConfigShape>() {
  /** From an explicit environment (tests) or the process environment plus `.env`. */
  static readonly fromEnv = (options: { readonly env?: Env; readonly cwd?: string } = {}): Layer.Layer<AimConfig, ConfigError> =>
    Layer.effect(
      AimConfig,
      Effect.suspend(() => {
        const cwd = options.cwd ?? process.cwd()
        return parseConfig(options.env ?? loadEnv(cwd), cwd)
      }),
    )
}

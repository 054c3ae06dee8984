import { Effect, Layer } from "effect"
import { ErrorCodes } from "../telemetry/Telemetry.js"
import { diagnose } from "../diagnose/diagnose.js"
import { CacheLive } from "./CacheLive.js"
import type { RedisOptions } from "../cache/RedisCache.js"
import { AimConfig, ServicesConfig } from "../config/AimConfig.js"
import { type Env, loadEnv } from "../config/env.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import type { Database } from "../database/Database.js"
import type { ConnectionError } from "../database/SqlError.js"
import { type HealthOptions, HealthReportLive } from "../health/HealthReport.js"
import { type MailerOptions, MailerLive } from "../mail/Mailer.js"
import { LedgerAdminLive } from "../migrator/LedgerAdmin.js"
import { MigrationSourceLive } from "../source/MigrationSource.js"
import { MigratorLive, type MigratorOptions } from "../migrator/Migrator.js"
import { VerifierLive } from "../verify/Verifier.js"
import { DatabaseLive } from "../database/databases.js"
import { AimProductLive } from "../aim/product.js"

export interface AimOptions {
  readonly migrationsDir: string
  /** Environment to read instead of process.env plus `.env` (tests, embedding). */
  readonly env?: Env
  readonly cwd?: string
  /** Lock wait and lock_timeout; their defaults are `lockSettings`'s. */
  readonly migrator?: MigratorOptions
  /** Replaces the configured database layer, e.g. with connect retries for a booting backend. */
  readonly database?: Layer.Layer<Database, ConnectionError, AimConfig>
  /** The database to use instead of the one the environment names (a fleet's target): the environment need not name one. */
  readonly databaseSettings?: DatabaseSettings
}

/**
 * The one wiring every front end runs on (CLI, backend boot, health endpoint, MCP server):
 * environment → config → database → migration files → migrator, verifier and ledger administration,
 * the engine composed with what the AIM product adds to it (the backend runner's ledger as the
 * co-ledger, AIM's shipped files). Building it reads the configuration and connects; nothing is
 * migrated until asked.
 */
export const AimLive = (options: AimOptions) =>
  LedgerAdminLive(options.migrator).pipe(
    // Spans name a failure by its catalog code: telemetry sits below the catalog and is told how here.
    Layer.merge(Layer.succeed(ErrorCodes, (error: unknown) => diagnose(error).entry.code)),
    Layer.provideMerge(VerifierLive),
    Layer.provideMerge(MigratorLive(options.migrator)),
    Layer.provideMerge(options.database ?? DatabaseLive()),
    Layer.provideMerge(MigrationSourceLive(options.migrationsDir)),
    // Provided, not merged: the front ends see the migrator, not what the product plugs into it.
    Layer.provide(AimProductLive),
    Layer.provideMerge(configFrom(options)),
  )

/**
 * The migrator's settings and the services' (the verifier's email check reads those, and the services
 * a running backend adds), from one read of the environment: the one given, or the process's over
 * `.env`, which is read once for both.
 */
const configFrom = (options: AimOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const cwd = options.cwd ?? process.cwd()
      const env = options.env ?? loadEnv(cwd)
      return Layer.merge(
        AimConfig.fromEnv({ env, cwd, ...(options.databaseSettings === undefined ? {} : { database: options.databaseSettings }) }),
        ServicesConfig.fromEnv({ env, cwd }),
      )
    }),
  )

export interface AimServicesOptions {
  readonly redis?: RedisOptions
  readonly mailer?: MailerOptions
  readonly health?: HealthOptions
}

/**
 * What a running AIM backend adds on top of `AimLive`: the cache (Redis, or in memory), the mailer
 * and the health report. Built after the database is migrated, so the cache never waits on it.
 */
export const AimServicesLive = (options: AimServicesOptions = {}) =>
  HealthReportLive(options.health).pipe(Layer.provideMerge(Layer.merge(CacheLive(options.redis), MailerLive(options.mailer))))

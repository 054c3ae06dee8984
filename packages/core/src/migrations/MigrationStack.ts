import { Layer } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { Env } from "../config/env.js"
import type { Database } from "../database/Database.js"
import { DatabaseLive } from "../database/DatabaseLive.js"
import type { ConnectionError } from "../database/SqlError.js"
import { VerifierLive } from "../verify/Verifier.js"
import { MigrationSourceLive } from "./MigrationSource.js"
import { MigratorLive, type MigratorOptions } from "./Migrator.js"

export interface MigrationStackOptions {
  readonly migrationsDir: string
  /** Environment to read instead of process.env plus `.env` (tests, embedding). */
  readonly env?: Env
  readonly cwd?: string
  readonly migrator?: MigratorOptions
  /** Replaces the configured database layer, e.g. with connect retries for a booting backend. */
  readonly database?: Layer.Layer<Database, ConnectionError, AimConfig>
}

/**
 * Config → database → migration files → migrator → verifier: the one stack every front end (CLI,
 * backend boot, health endpoint, MCP server) migrates and verifies with.
 */
export const MigrationStackLive = (options: MigrationStackOptions) =>
  VerifierLive.pipe(
    Layer.provideMerge(MigratorLive(options.migrator)),
    Layer.provideMerge(options.database ?? DatabaseLive()),
    Layer.provideMerge(MigrationSourceLive(options.migrationsDir)),
    Layer.provideMerge(
      AimConfig.fromEnv({ ...(options.env === undefined ? {} : { env: options.env }), ...(options.cwd === undefined ? {} : { cwd: options.cwd }) }),
    ),
  )

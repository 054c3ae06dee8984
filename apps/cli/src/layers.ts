import { AimConfig, MigrationStackLive, describeDatabase, overriddenNotice } from "@aim/core"
import { Effect } from "effect"
import { err } from "./output.js"

export interface MigratorSettings {
  readonly migrationsDir: string
  readonly lockWait: number
  readonly lockTimeout: number
}

/** The migration stack (config, database, files, migrator, verifier) every migration command runs on. */
export const migratorLayer = (settings: MigratorSettings) =>
  MigrationStackLive({
    migrationsDir: settings.migrationsDir,
    migrator: { lockWait: `${settings.lockWait} seconds`, lockTimeout: `${settings.lockTimeout} seconds` },
  })

/**
 * Says so, in one line, when the embedded database is used because nothing is configured, and when
 * DATABASE_URL overrides POSTGRES_* variables that name something else.
 */
export const announceEmbedded = Effect.gen(function* () {
  const config = yield* AimConfig
  if (config.database._tag === "Embedded") {
    yield* err(`ℹ No database configured: using the ${describeDatabase(config.database)}. Set DATABASE_URL or POSTGRES_* to use a server.`)
  }
  if (config.overridden.length > 0) yield* err(`ℹ ${overriddenNotice(config.overridden)}`)
})

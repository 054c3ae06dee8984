import { AimConfig, DatabaseLive, MigrationSourceLive, MigratorLive, describeDatabase } from "@aim/core"
import { Effect, Layer } from "effect"
import { err } from "./output.js"

export interface MigratorSettings {
  readonly migrationsDir: string
  readonly lockWait: number
  readonly lockTimeout: number
}

/** Config → database → migrator: the layers every migration command runs on. */
export const migratorLayer = (settings: MigratorSettings) => {
  const config = AimConfig.fromEnv()
  const database = DatabaseLive().pipe(Layer.provide(config))
  return MigratorLive({ lockWait: `${settings.lockWait} seconds`, lockTimeout: `${settings.lockTimeout} seconds` }).pipe(
    Layer.provideMerge(database),
    Layer.provideMerge(MigrationSourceLive(settings.migrationsDir)),
    Layer.provideMerge(config),
  )
}

/** Says so, in one line, when the embedded database is used because nothing is configured. */
export const announceEmbedded = Effect.gen(function* () {
  const config = yield* AimConfig
  if (config.database._tag === "Embedded") {
    yield* err(
      `ℹ No database configured: using the ${describeDatabase(config.database)}. Set DATABASE_URL or POSTGRES_* to use a server.`,
    )
  }
})

import { Effect, Layer } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { Database } from "./Database.js"
import { type PgOptions, PgDatabaseLive } from "./PgDatabase.js"
import { PgliteDatabaseLive } from "./PgliteDatabase.js"
import type { ConnectionError } from "./SqlError.js"

/** The database the configuration names: a server, or the embedded one when none is configured. */
export const DatabaseLive = (options: PgOptions = {}): Layer.Layer<Database, ConnectionError, AimConfig> =>
  Layer.unwrapEffect(
    Effect.map(AimConfig, (config) => (config.database._tag === "Server" ? PgDatabaseLive(config.database, options) : PgliteDatabaseLive(config.database))),
  )

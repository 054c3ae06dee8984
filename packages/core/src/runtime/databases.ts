import { randomBytes } from "node:crypto"
import { Effect, Layer } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { Database } from "../database/Database.js"
import { type PgOptions, PgDatabaseLive } from "../database/PgDatabase.js"
import { PgliteDatabaseLive } from "../database/PgliteDatabase.js"
import type { ConnectionError, SqlError } from "../database/SqlError.js"

/**
 * The only place that chooses between a PostgreSQL server and the embedded PGlite: the configured
 * database, doctor's probe, scratch databases and every database of a fleet come from here.
 */
export const databaseFor = (settings: DatabaseSettings, options: PgOptions = {}): Layer.Layer<Database, ConnectionError> =>
  settings._tag === "Server" ? PgDatabaseLive(settings, options) : PgliteDatabaseLive(settings)

/** The database the configuration names: a server, or the embedded one when none is configured. */
export const DatabaseLive = (options: PgOptions = {}): Layer.Layer<Database, ConnectionError, AimConfig> =>
  Layer.unwrapEffect(Effect.map(AimConfig, (config) => databaseFor(config.database, options)))

/** An in-memory embedded database that lives as long as the layer: for work that must touch nothing real. */
export const InMemoryDatabase: Layer.Layer<Database, ConnectionError> = databaseFor({ _tag: "Embedded", dataDir: "memory://" })

/**
 * Runs `use` on a scratch database, never on the configured one: a fresh database on the same server
 * (created here and dropped after, whatever happens; needs CREATEDB), or an in-memory embedded one.
 * The configured `Database` is the server's admin connection.
 */
export const withScratchDatabase = <A, E, R>(
  settings: DatabaseSettings,
  use: Effect.Effect<A, E, R | Database>,
  /** Names the scratch database (`aim_<purpose>_<random>`), so a leftover one says what made it. */
  purpose = "scratch",
): Effect.Effect<A, E | SqlError | ConnectionError, Exclude<R, Database> | Database> =>
  Effect.gen(function* () {
    if (settings._tag === "Embedded") return yield* Effect.provide(use, InMemoryDatabase)
    const admin = yield* Database
    const name = `aim_${purpose}_${randomBytes(4).toString("hex")}`
    yield* admin.query(`CREATE DATABASE ${name}`)
    return yield* Effect.provide(use, databaseFor({ ...settings, database: name })).pipe(
      Effect.ensuring(admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)),
    )
  })

import { randomBytes } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import { type DatabaseSettings, describeDatabase } from "../config/DatabaseConfig.js"
import { Database } from "./Database.js"
import { type PgOptions, PgDatabaseLive } from "./PgDatabase.js"
import { PgliteDatabaseLive, hasPreparedCluster } from "./PgliteDatabase.js"
import { type ConnectionError, ScratchUnavailable } from "./SqlError.js"

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
 * Runs `use` on a scratch database, never on the configured one. By default an in-memory embedded
 * database: replaying files on a scratch database of the configured server would still run their
 * cluster-wide statements (roles and their passwords, ALTER SYSTEM, tablespaces) on the production
 * cluster, from a command that only compares. A server is used only when one is named for it
 * (AIM_SCRATCH_DATABASE_URL): a fresh database is created there and dropped after, whatever happens.
 */
export const withScratchDatabase = <A, E, R>(
  scratch: DatabaseSettings | undefined,
  use: Effect.Effect<A, E, R | Database>,
  /** Names the scratch database (`aim_<purpose>_<random>`), so a leftover one says what made it. */
  purpose = "scratch",
): Effect.Effect<A, E | ScratchUnavailable | ConnectionError, Exclude<R, Database>> => withScratchDatabaseFrom(scratch, undefined, () => use, purpose)

/**
 * As withScratchDatabase, but an in-memory scratch database starts from the prepared cluster
 * `cluster` when this build ships it (drift's: the shipped files already applied, so a replay of an
 * operator's files on top of them runs only those). `use` is told whether it did: a server's scratch
 * database, or a build without that cluster, starts empty.
 */
export const withScratchDatabaseFrom = <A, E, R>(
  scratch: DatabaseSettings | undefined,
  cluster: string | undefined,
  use: (prepared: boolean) => Effect.Effect<A, E, R | Database>,
  purpose = "scratch",
): Effect.Effect<A, E | ScratchUnavailable | ConnectionError, Exclude<R, Database>> =>
  Effect.gen(function* () {
    if (scratch === undefined || scratch._tag === "Embedded") {
      const prepared = cluster !== undefined && hasPreparedCluster(cluster)
      return yield* Effect.provide(use(prepared), prepared ? PgliteDatabaseLive({ _tag: "Embedded", dataDir: "memory://" }, cluster) : InMemoryDatabase)
    }
    const name = `aim_${purpose}_${randomBytes(4).toString("hex")}`
    // Reaching the scratch server, creating the database and connecting to it fail as the scratch
    // server's (AIM-DB-019), not as the configured database's; what the replay itself fails with is `use`'s.
    const target = describeDatabase(scratch)
    const unavailable = (error: { readonly message: string }) =>
      new ScratchUnavailable({ message: `the scratch server ${target} cannot be used: ${error.message}`, target })
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const admin = yield* Layer.build(databaseFor(scratch)).pipe(
          Effect.map((context) => Context.get(context, Database)),
          Effect.mapError(unavailable),
        )
        // From template0, never template1: what a repair script is built from must be only what the
        // files build, not a function or table that someone with access to the scratch server put in template1.
        yield* admin.query(`CREATE DATABASE ${name} TEMPLATE template0`).pipe(Effect.mapError(unavailable))
        yield* Effect.addFinalizer(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore))
        const database = yield* Layer.build(databaseFor({ ...scratch, database: name })).pipe(Effect.mapError(unavailable))
        return yield* Effect.provide(use(false), database)
      }),
    )
  })

import { AimConfig, AimLive, Database, ReplayProgress, describeDatabase, describeHolder, lockHolder, overriddenNotice } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import { currentInvocation, fromCwd } from "./invocation.js"
import { err } from "./output.js"

export interface LayerSettings {
  readonly migrationsDir: string
  /** Seconds; core's defaults (`lockDefaults`) apply when a command has no such option. */
  readonly lockWait?: number
  readonly lockTimeout?: number
}

/**
 * A replay of many files (drift's, the idempotency proof's, baseline's) says how far it is, on stderr
 * every 2 s; one that ends within 2 s says nothing.
 */
const replayProgress = () => {
  let started = 0
  let said = 0
  return (done: number, total: number, again?: string) =>
    Effect.suspend(() => {
      const now = Date.now()
      if (done === 1) {
        started = now
        said = now
      }
      if (now - started < 2000 || (now - said < 2000 && done < total)) return Effect.void
      said = now
      const why = again === undefined ? "" : ` again, ${again}`
      return err(`⏳ replaying the files on a scratch database${why}: ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`)
    })
}

/** What a command that opens the database runs on (`Command.provide`): the one wiring, with the CLI's options. */
export const aimLayer = <S extends LayerSettings>(settings: S) =>
  Layer.unwrapEffect(
    Effect.map(currentInvocation, (run) =>
      Layer.merge(
        AimLive({
          migrationsDir: fromCwd(run, settings.migrationsDir),
          env: run.env,
          cwd: run.cwd,
          migrator: {
            ...(settings.lockWait === undefined ? {} : { lockWait: `${settings.lockWait} seconds` as const }),
            ...(settings.lockTimeout === undefined ? {} : { lockTimeout: `${settings.lockTimeout} seconds` as const }),
          },
        }),
        Layer.succeed(ReplayProgress, replayProgress()),
      ),
    ),
  )

/** `Command.provide` of `aimLayer`, built from the command's own options. */
export const withAim = <Name extends string, R, E, A extends LayerSettings>(self: Command.Command<Name, R, E, A>) =>
  Command.provide(self, (options: A) => aimLayer(options))

/**
 * Says so, in one line on stderr, when a migration is running on the database right now: what a
 * status, plan or drift then reports is the database before that migration finishes, and a read of a
 * table the migration has locked waits for it. Said, not waited out in silence.
 */
export const announceRunningMigration = Effect.gen(function* () {
  const holder = yield* Effect.flatMap(Database, (db) => lockHolder(db.query)).pipe(Effect.orElseSucceed(() => Option.none()))
  if (Option.isSome(holder)) {
    yield* err(
      `⏳ a migration is running on this database now: ${describeHolder(holder.value)}; what follows is the database before it finishes (a table it has locked is read when it commits)`,
    )
  }
})

/**
 * Says so, in one line, when the embedded database is used because nothing is configured, and when
 * DATABASE_URL overrides POSTGRES_* variables that name something else.
 */
export const announceEmbedded = Effect.gen(function* () {
  const config = yield* AimConfig
  yield* Effect.annotateCurrentSpan("aim.database", describeDatabase(config.database))
  if (config.database._tag === "Embedded") {
    yield* err(`ℹ No database configured: using the ${describeDatabase(config.database)}. Set DATABASE_URL or POSTGRES_* to use a server.`)
  }
  if (config.overridden.length > 0) yield* err(`ℹ ${overriddenNotice(config.overridden)}`)
})

import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { lockDefaults } from "@aim/core"
import { Effect, Option } from "effect"
import { type Invocation, currentInvocation, fromCwd } from "./invocation.js"
import { defaultMigrationsDir } from "./migrationsDir.js"
import { writeErr } from "./output.js"

export const json = Options.boolean("json").pipe(Options.withDescription("Print one JSON document on stdout and nothing else"))

/** An empty --migrations-dir is a mistake (an unset shell variable), never the current directory. */
const givenDirectory = (run: Invocation, given: string): Effect.Effect<string, ValidationError.ValidationError> =>
  given.trim() === ""
    ? Effect.fail(
        ValidationError.invalidValue(
          HelpDoc.p("--migrations-dir is empty: name the directory of the NNN_description.sql files (an unset shell variable gives an empty one)"),
        ),
      )
    : Effect.succeed(fromCwd(run, given))

/**
 * `--migrations-dir`, else ./migrations, else the AIM migrations shipped with aim (said once on
 * stderr, so an installed `aim` works in any directory). A directory given explicitly is never
 * replaced: a missing one is an error (AIM-MIG-005).
 */
export const migrationsDir = Options.text("migrations-dir").pipe(
  Options.withDescription("Directory of NNN_description.sql files (default: ./migrations, else the 15 AIM migrations shipped with aim)"),
  Options.optional,
  // Against the run's working directory: the same run in process and as a process.
  Options.mapEffect(
    (given): Effect.Effect<string, ValidationError.ValidationError> =>
      Effect.gen(function* () {
        const run = yield* currentInvocation
        if (Option.isSome(given)) return yield* givenDirectory(run, given.value)
        const { dir, shipped } = defaultMigrationsDir(run.cwd, run.entry)
        if (shipped)
          yield* writeErr(`ℹ No ./migrations here: using the AIM migrations shipped with aim (${dir}). Pass --migrations-dir to use another directory.\n`)
        return dir
      }),
  ),
)

/** Where `aim new` writes: never the shipped migrations, always a directory of the project. */
export const authoringMigrationsDir = Options.text("migrations-dir").pipe(
  Options.withDescription("Directory of NNN_description.sql files"),
  Options.withDefault("migrations"),
  Options.mapEffect((given) => Effect.flatMap(currentInvocation, (run) => givenDirectory(run, given))),
)

/** 2^31-1 ms, in whole seconds: lock_timeout's maximum, and the longest timer Node sets. */
const maxSeconds = Math.floor(2_147_483_647 / 1000)

/**
 * A whole number from 1 to `max`. Zero or a negative number is a usage error, never passed on: a
 * lock_timeout of 0 turns the timeout off, so a migration would queue every query behind it. Above
 * the max is a usage error too, not a server error mid-run: PostgreSQL's timeouts and Node's timers
 * end at 2^31-1 ms (about 24.8 days).
 */
export const positive = (name: string, unit: string, max = maxSeconds, why = "0 would turn the limit off; PostgreSQL and Node wait at most 2^31-1 ms") =>
  Options.integer(name).pipe(
    Options.filterMap((n) => (n >= 1 && n <= max ? Option.some(n) : Option.none()), `--${name} must be a whole number of ${unit} from 1 to ${max} (${why})`),
  )

export const lockWait = positive("lock-wait", "seconds").pipe(
  Options.withDescription("Seconds to wait for another process's migration lock"),
  Options.withDefault(lockDefaults.lockWaitSeconds),
)

export const lockTimeout = positive("lock-timeout", "seconds").pipe(
  Options.withDescription("Seconds a migration statement may wait for a table lock (PostgreSQL lock_timeout)"),
  Options.withDefault(lockDefaults.lockTimeoutSeconds),
)

import { Options } from "@effect/cli"

export const json = Options.boolean("json").pipe(Options.withDescription("Print one JSON document on stdout and nothing else"))

export const migrationsDir = Options.text("migrations-dir").pipe(
  Options.withDescription("Directory of NNN_description.sql files"),
  Options.withDefault("migrations"),
)

export const lockWait = Options.integer("lock-wait").pipe(
  Options.withDescription("Seconds to wait for another process's migration lock"),
  Options.withDefault(60),
)

export const lockTimeout = Options.integer("lock-timeout").pipe(
  Options.withDescription("Seconds a migration statement may wait for a table lock (PostgreSQL lock_timeout)"),
  Options.withDefault(5),
)

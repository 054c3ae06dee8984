import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { currentInvocation, fromCwd } from "../invocation.js"
import { withAim } from "../layers.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

const failOn = Options.choice("fail-on", ["medium", "high", "breaking"]).pipe(
  Options.withDescription(
    "Exit 1 when any statement's risk is at least this, or (breaking) when a pending statement breaks a query the application ran (for a CI check on pull requests)",
  ),
  Options.optional,
)

const workload = Options.text("workload").pipe(
  Options.withDescription(
    "Check the application's statements in this file (separated by ; or one per line, or a pg_stat_statements CSV export) against the pending files, instead of the database's pg_stat_statements",
  ),
  Options.optional,
  // Against the run's working directory, as --migrations-dir.
  Options.mapEffect((given) => (Option.isNone(given) ? Effect.succeed(given) : Effect.map(currentInvocation, (run) => Option.some(fromCwd(run, given.value))))),
)

const workloadRole = Options.text("workload-role").pipe(
  Options.withDescription("Check only the queries this role ran (pg_stat_statements): the application's role"),
  Options.optional,
)

export const plan = Command.make(
  "plan",
  { json: opt.json, migrationsDir: opt.migrationsDir, failOn, workload, workloadRole },
  runFrom(() => import("./plan.run.js")),
).pipe(
  withAim,
  Command.withDescription(
    "Show what each pending statement will lock (PostgreSQL's lock modes), whether it rewrites or scans the table, the table's live size and the risk, with the safer form, and which queries the application ran it would break; changes nothing",
  ),
)

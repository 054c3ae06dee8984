import { Command, Options } from "@effect/cli"
import { withAim } from "../layers.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

const failOn = Options.choice("fail-on", ["medium", "high"]).pipe(
  Options.withDescription("Exit 1 when any statement's risk is at least this (for a CI check on pull requests)"),
  Options.optional,
)

export const plan = Command.make(
  "plan",
  { json: opt.json, migrationsDir: opt.migrationsDir, failOn },
  runFrom(() => import("./plan.run.js")),
).pipe(
  withAim,
  Command.withDescription(
    "Show what each pending statement will lock (PostgreSQL's lock modes), whether it rewrites or scans the table, the table's live size and the risk, with the safer form; changes nothing",
  ),
)

import { Command, Options } from "@effect/cli"
import { withAim } from "../layers.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

export const drift = Command.make(
  "drift",
  {
    json: opt.json,
    migrationsDir: opt.migrationsDir,
    sql: Options.boolean("sql").pipe(
      Options.withDescription(
        "Print only the repair script: every finding's statements in the order that converges, in one transaction (exit 1 while there is drift, as without it)",
      ),
    ),
  },
  runFrom(() => import("./drift.run.js")),
).pipe(
  withAim,
  Command.withDescription(
    "Compare the live database with what its applied migration files produce (built on a scratch database): types, sequences, tables, columns, constraints, indexes, triggers, functions, views, row-level security and default policies missing, changed, renamed or extra, each with the SQL that repairs it; exit 1 when something the files define is missing, changed or renamed",
  ),
)

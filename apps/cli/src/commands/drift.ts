import { Command } from "@effect/cli"
import { withAim } from "../layers.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

export const drift = Command.make(
  "drift",
  { json: opt.json, migrationsDir: opt.migrationsDir },
  runFrom(() => import("./drift.run.js")),
).pipe(
  withAim,
  Command.withDescription(
    "Compare the live database with what its applied migration files produce (built on a scratch database): tables, columns, constraints, indexes, triggers, functions and default policies missing, changed or extra, each with its fix; exit 1 when something the files define is missing or changed",
  ),
)

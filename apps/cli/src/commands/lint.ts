import { Args, Command, HelpDoc } from "@effect/cli"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { currentInvocation, fromCwd } from "../invocation.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

// Paths against the run's working directory (not the process's), each of which must exist.
const files = Args.file({ name: "files" }).pipe(
  Args.withDescription("Migration files to lint (default: every file in --migrations-dir)"),
  Args.mapEffect((path) =>
    Effect.flatMap(currentInvocation, (run) => {
      const full = fromCwd(run, path)
      return existsSync(full) ? Effect.succeed(full) : Effect.fail(HelpDoc.p(`Path '${path}' must exist`))
    }),
  ),
  Args.repeated,
)

export const lint = Command.make(
  "lint",
  { files, json: opt.json, migrationsDir: opt.migrationsDir },
  runFrom(() => import("./lint.run.js")),
).pipe(Command.withDescription("Check migrations for statements that are not idempotent, lock or rewrite tables, or are destructive (PostgreSQL's own parser)"))

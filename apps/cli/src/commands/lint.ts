import { Args, Command } from "@effect/cli"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

const files = Args.file({ name: "files", exists: "yes" }).pipe(
  Args.withDescription("Migration files to lint (default: every file in --migrations-dir)"),
  Args.repeated,
)

export const lint = Command.make(
  "lint",
  { files, json: opt.json, migrationsDir: opt.migrationsDir },
  runFrom(() => import("./lint.run.js")),
).pipe(Command.withDescription("Check migrations for statements that are not idempotent, lock or rewrite tables, or are destructive (PostgreSQL's own parser)"))

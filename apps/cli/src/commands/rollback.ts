import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect } from "effect"
import { withAim } from "../layers.js"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

// The version is plain decimal digits, as every command that rewrites the ledger takes it.
const to = Options.text("to").pipe(
  Options.withDescription("Roll back to what migration files 1..N build (N: a migration number, 0 for none)"),
  Options.mapEffect(
    (text): Effect.Effect<number, ValidationError.ValidationError> =>
      /^[0-9]{1,10}$/.test(text) && Number(text) <= 2_147_483_647
        ? Effect.succeed(Number(text))
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(`--to must be a migration number in plain decimal digits, from 0 to 2147483647 (got ${JSON.stringify(text)})`),
            ),
          ),
  ),
)

export const rollback = Command.make(
  "rollback",
  {
    to,
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Print the plan and the statements only: no lock, no transaction, nothing written")),
    acceptLoss: Options.text("accept-loss").pipe(
      Options.repeated,
      Options.withDescription(
        "An object whose data may go (TABLE for its rows, TABLE.COLUMN for its values; backend-release to serve an older AIM backend release); repeat it, or separate names with commas",
      ),
    ),
    saveData: Options.text("save-data").pipe(
      Options.optional,
      Options.withDescription("Write what would go to DIR first: one JSON-lines file per object, mode 0600 (they hold whatever the rows held)"),
    ),
    lockWait: opt.lockWait,
    lockTimeout: opt.lockTimeout,
    json: opt.json,
    migrationsDir: opt.migrationsDir,
  },
  runFrom(() => import("./rollback.run.js")),
).pipe(
  withAim,
  Command.withDescription(
    "Roll the database back to what migration files 1..N build, computed from the catalog: what later files created is dropped, what they changed is made again, in one transaction under the migration lock, with both ledgers' rows of the rolled-back files deleted; a step that removes data is refused until its object is named (--accept-loss), and --save-data keeps a copy first",
  ),
)

import { Verifier } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { printChecks } from "../printChecks.js"
import { announceEmbedded, withAim } from "../layers.js"
import * as opt from "../options.js"
import { report, reported } from "../render.js"

export const verify = Command.make(
  "verify",
  { json: opt.json, migrationsDir: opt.migrationsDir },
  reported(() =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const checks = yield* (yield* Verifier).run
      return report({ ok: checks.ok, document: checks, human: printChecks("Verifying", checks) })
    }),
  ),
).pipe(withAim, Command.withDescription("Check the guide's Steps 3 and 4 and its post-migration list against the database; exit 1 on any failure"))

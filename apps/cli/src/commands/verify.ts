import { Verifier } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { printChecks } from "../checks.js"
import { announceEmbedded, migratorLayer } from "../layers.js"
import * as opt from "../options.js"
import { CliExit, printJson, renderFailure } from "../output.js"

export const verify = Command.make("verify", { json: opt.json, migrationsDir: opt.migrationsDir }, (options) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    const report = yield* (yield* Verifier).run
    if (options.json) yield* printJson(report)
    else yield* printChecks("Verifying", report)
    if (!report.ok) return yield* new CliExit({ code: 1 })
  }).pipe(
    Effect.catchIf(
      (e) => e._tag !== "CliExit",
      (e) => renderFailure(e, options.json),
    ),
    Effect.provide(migratorLayer({ migrationsDir: options.migrationsDir, lockWait: 60, lockTimeout: 5 })),
    Effect.catchIf(
      (e) => e._tag !== "CliExit",
      (e) => renderFailure(e, options.json),
    ),
  ),
).pipe(Command.withDescription("Check the guide's Steps 3 and 4 and its post-migration list against the database; exit 1 on any failure"))

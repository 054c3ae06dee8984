import { loadEnv, readConfig, runDoctor } from "@aim/core"
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { printChecks } from "../checks.js"
import * as opt from "../options.js"
import { CliExit, printJson } from "../output.js"

const sendTestEmail = Options.text("send-test-email").pipe(
  Options.withDescription("Send the welcome and the approval email to this address"),
  Options.optional,
)
const timeout = Options.integer("timeout").pipe(Options.withDescription("Seconds each check may take"), Options.withDefault(8))

export const doctor = Command.make("doctor", { json: opt.json, sendTestEmail, timeout }, (options) =>
  Effect.gen(function* () {
    const cwd = process.cwd()
    const parsed = readConfig(loadEnv(cwd), cwd)
    const report = yield* runDoctor(parsed, {
      timeout: `${options.timeout} seconds`,
      ...(Option.isSome(options.sendTestEmail) ? { sendTestEmailTo: options.sendTestEmail.value } : {}),
    })
    if (options.json) yield* printJson(report)
    else yield* printChecks("Environment", report)
    if (!report.ok) return yield* new CliExit({ code: 1 })
  }),
).pipe(Command.withDescription("Check configuration, PostgreSQL (auth, SSL, version, privileges), Redis and SMTP; Redis and SMTP problems are warnings"))

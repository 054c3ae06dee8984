import { loadEnv, readConfig, runDoctor } from "@aim/core"
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { printChecks } from "../checks.js"
import * as opt from "../options.js"
import { CliExit, exitCodes, printJson } from "../output.js"

const sendTestEmail = Options.text("send-test-email").pipe(Options.withDescription("Send the welcome and the approval email to this address"), Options.optional)
const timeout = opt.positive("timeout", "seconds").pipe(Options.withDescription("Seconds each check may take"), Options.withDefault(8))

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
    // A configuration that names no usable database is a configuration error (2), like everywhere else.
    if (!report.ok) return yield* new CliExit({ code: parsed.config === undefined ? exitCodes.usage : exitCodes.failed })
  }),
).pipe(Command.withDescription("Check configuration, PostgreSQL (auth, SSL, version, privileges), Redis and SMTP; Redis and SMTP problems are warnings"))

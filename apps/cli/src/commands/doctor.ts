import { readConfig, runDoctor } from "@aim/core"
import { cwd, environment as env } from "../environment.js"
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { printChecks } from "../printChecks.js"
import * as opt from "../options.js"
import { exitCodes } from "../output.js"
import { report, reported } from "../render.js"

const sendTestEmail = Options.text("send-test-email").pipe(Options.withDescription("Send the welcome and the approval email to this address"), Options.optional)
const timeout = opt.positive("timeout", "seconds").pipe(Options.withDescription("Seconds each check may take"), Options.withDefault(8))

export const doctor = Command.make(
  "doctor",
  { json: opt.json, sendTestEmail, timeout },
  reported((options) =>
    Effect.gen(function* () {
      const parsed = readConfig(env, cwd)
      const checks = yield* runDoctor(parsed, {
        env,
        timeout: `${options.timeout} seconds`,
        ...(Option.isSome(options.sendTestEmail) ? { sendTestEmailTo: options.sendTestEmail.value } : {}),
      })
      return report({
        ok: checks.ok,
        document: checks,
        human: printChecks("Environment", checks),
        // A configuration that names no usable database is a configuration error (2), like everywhere else.
        exitCode: parsed.config === undefined ? exitCodes.usage : exitCodes.failed,
      })
    }),
  ),
).pipe(Command.withDescription("Check configuration, PostgreSQL (auth, SSL, version, privileges), Redis and SMTP; Redis and SMTP problems are warnings"))

import { Command, Options } from "@effect/cli"
import { runFrom } from "../load.js"
import * as opt from "../options.js"

const sendTestEmail = Options.text("send-test-email").pipe(Options.withDescription("Send the welcome and the approval email to this address"), Options.optional)

const timeout = opt.positive("timeout", "seconds").pipe(Options.withDescription("Seconds each check may take"), Options.withDefault(8))

export const doctor = Command.make(
  "doctor",
  { json: opt.json, sendTestEmail, timeout },
  runFrom(() => import("./doctor.run.js")),
).pipe(Command.withDescription("Check configuration, PostgreSQL (auth, SSL, version, privileges), Redis and SMTP; Redis and SMTP problems are warnings"))

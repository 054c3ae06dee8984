import { readConfig } from "@aim/core"
import { runDoctor } from "@aim/core/doctor"
import { Effect, Option } from "effect"
import { currentInvocation } from "../invocation.js"
import { printChecks } from "../printChecks.js"
import { exitCodes } from "../output.js"
import { report, reported } from "../render.js"

// aim doctor's work, loaded when it runs.

/** The handler, for the options doctor.ts defines. */
export const run = reported((options: { readonly json: boolean; readonly sendTestEmail: Option.Option<string>; readonly timeout: number }) =>
  Effect.gen(function* () {
    const { env, cwd } = yield* currentInvocation
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
)

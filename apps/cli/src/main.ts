#!/usr/bin/env node
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { Cause, Effect, Exit } from "effect"
import { run } from "./cli.js"
import { CliExit, err, exitCodes } from "./output.js"

// `aim status | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0)
    throw error
  })
}

const program = run(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () => new CliExit({ code: exitCodes.usage })),
  Effect.catchAllDefect((defect) =>
    err(`✖ [AIM-GEN-001] unexpected error: ${defect instanceof Error ? defect.message : String(defect)}`).pipe(
      Effect.andThen(new CliExit({ code: exitCodes.failed })),
    ),
  ),
  Effect.provide(NodeContext.layer),
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(0)
    if (Cause.isInterruptedOnly(exit.cause)) return onExit(130)
    const failure = Cause.failureOption(exit.cause)
    onExit(failure._tag === "Some" && failure.value instanceof CliExit ? failure.value.code : exitCodes.failed)
  },
})

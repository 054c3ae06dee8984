// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { catalog } from "@aim/core"
import { Cause, Console, Effect, Exit } from "effect"
import { stripVTControlCharacters } from "node:util"
import { run } from "./cli.js"
import { invocation, rawJson } from "./invocation.js"
import { CliExit, err, exitCodes } from "./output.js"
import { renderFailure, renderInterrupted, renderUsage } from "./render.js"

// @effect/cli writes a usage error's text with Console.error; it is kept here and rendered once,
// below, as aim renders every failure: one coded line, or one JSON document with --json.
const usageText: Array<string> = []
const keep = (...args: ReadonlyArray<unknown>) => void usageText.push(args.map(String).join(" "))
const keepUsageText = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) =>
    Console.withConsole(self, { ...console, error: (...args) => Effect.sync(() => keep(...args)), unsafe: { ...console.unsafe, error: keep } }),
  )

// One document or one line per run, as the command was asked: --json as @effect/cli parsed it
// (invocation), or, when the command line could not be parsed, as its words say.
const json = () => invocation.json ?? rawJson()

const usageMessage = () => stripVTControlCharacters(usageText.join(" ")).replace(/\s+/g, " ").trim() || "the command line was not understood"

/**
 * Runs the command line. Nothing happens when this module loads: the entry (aim.ts) calls it, as a
 * start-up snapshot's main function would, so that no argv, environment or stream is taken before
 * the run it belongs to.
 */
export const start = (): void => {
  // `aim status | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0)
      throw error
    })
  }

  // The command's own span and telemetry are cli.ts's (observed): it knows which command runs.
  const handled = run(process.argv).pipe(
    keepUsageText,
    Effect.catchIf(ValidationError.isValidationError, (e) =>
      ValidationError.isHelpRequested(e) ? new CliExit({ code: exitCodes.ok }) : renderUsage(catalog.usageInvalid, usageMessage(), json()),
    ),
  )

  // NodeRuntime interrupts the run on SIGTERM and SIGINT (finalizers roll back and release the lock);
  // which of the two it was is remembered here, for the line that says so.
  let stoppedBy = "a signal"
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      stoppedBy = signal
    })
  }

  const program = handled.pipe(
    Effect.onInterrupt(() => (invocation.command === "mcp" ? Effect.void : renderInterrupted(stoppedBy, json()))),
    // Every command's errors must be a CommandError: one without a catalog entry fails the typecheck here.
    Effect.catchAll((e) => (e instanceof CliExit ? Effect.fail(e) : renderFailure(e, json()))),
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
}

// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { TelemetryLive, catalog } from "@aim/core"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { stripVTControlCharacters } from "node:util"
import { commandNames, run } from "./cli.js"
import { environment } from "./environment.js"
import { CliExit, err, exitCodes } from "./output.js"
import { errorDocument, renderFailure, renderInterrupted, renderUsage } from "./render.js"

// `aim status | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0)
    throw error
  })
}

// @effect/cli writes a usage error's text with Console.error; it is kept here and rendered once,
// below, as aim renders every failure: one coded line, or one JSON document with --json.
const usageText: Array<string> = []
const keep = (...args: ReadonlyArray<unknown>) => void usageText.push(args.map(String).join(" "))
const keepUsageText = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) =>
    Console.withConsole(self, { ...console, error: (...args) => Effect.sync(() => keep(...args)), unsafe: { ...console.unsafe, error: keep } }),
  )

// One document or one line per run: --json is a flag of every command that prints, so it is read
// here too, where a failure that escaped the command (its layer, a usage error) is rendered.
const json = process.argv.slice(2).includes("--json")

const usageMessage = () => stripVTControlCharacters(usageText.join(" ")).replace(/\s+/g, " ").trim() || "the command line was not understood"

// One span per run, named after the command; a failure is recorded on it with its code.
const command = process.argv.slice(2).find((a): a is (typeof commandNames)[number] => (commandNames as ReadonlyArray<string>).includes(a)) ?? "help"
const handled = run(process.argv).pipe(
  keepUsageText,
  Effect.catchIf(ValidationError.isValidationError, (e) =>
    ValidationError.isHelpRequested(e) ? new CliExit({ code: exitCodes.ok }) : renderUsage(catalog.usageInvalid, usageMessage(), json),
  ),
)
// `aim mcp` serves for as long as its client wants: its tool calls are traced in its own runtime.
// `aim doctor` reports an invalid OTEL_* variable among its checks, so it must start without one.
const untraced = command === "mcp" || command === "doctor"
const traced = untraced
  ? handled
  : handled.pipe(
      Effect.tapError((e) => (e instanceof CliExit ? Effect.void : Effect.annotateCurrentSpan("aim.error.code", errorDocument(e).code))),
      Effect.withSpan(`aim ${command}`),
    )

// NodeRuntime interrupts the run on SIGTERM and SIGINT (finalizers roll back and release the lock);
// which of the two it was is remembered here, for the line that says so.
let stoppedBy = "a signal"
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    stoppedBy = signal
  })
}

const program = traced.pipe(
  Effect.onInterrupt(() => (command === "mcp" ? Effect.void : renderInterrupted(stoppedBy, json))),
  // Telemetry is flushed when this layer closes, before anything is rendered and the process exits.
  Effect.provide(untraced ? Layer.empty : TelemetryLive({ env: environment, serviceName: "aim" })),
  // Every command's errors must be a CommandError: one without a catalog entry fails the typecheck here.
  Effect.catchAll((e) => (e instanceof CliExit ? Effect.fail(e) : renderFailure(e, json))),
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

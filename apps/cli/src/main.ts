// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { catalog, docsPath } from "@aim/core"
import { Cause, Console, Effect, Exit } from "effect"
import { stripVTControlCharacters } from "node:util"
import { run } from "./cli.js"
import { CliExit, err, exitCodes, printJson } from "./output.js"

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

const renderUsage = Effect.gen(function* () {
  const entry = catalog.usageInvalid
  const message = stripVTControlCharacters(usageText.join(" ")).replace(/\s+/g, " ").trim() || "the command line was not understood"
  if (process.argv.includes("--json")) {
    yield* printJson({
      ok: false,
      error: { code: entry.code, title: entry.title, message, cause: entry.cause, fix: entry.fix, docs: docsPath(entry), details: [] },
    })
  } else {
    yield* err(`✖ [${entry.code}] ${message}. Fix: ${entry.fix} (docs: ${docsPath(entry)})`)
  }
  return yield* new CliExit({ code: exitCodes.usage })
})

const program = run(process.argv).pipe(
  keepUsageText,
  Effect.catchIf(ValidationError.isValidationError, (e) => (ValidationError.isHelpRequested(e) ? new CliExit({ code: exitCodes.ok }) : renderUsage)),
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

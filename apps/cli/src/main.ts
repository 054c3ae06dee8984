// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ValidationError } from "@effect/cli"
import { catalog } from "@aim/core"
import { Cause, Console, Effect, Exit, Layer, Ref } from "effect"
import { stripVTControlCharacters } from "node:util"
import { run } from "./cli.js"
import { CurrentInvocation, type Invocation, type InvocationInput, makeInvocation, rawJson } from "./invocation.js"
import { CliExit, exitCodes, writeErr, writeTo } from "./output.js"
import { renderDefect, renderFailure, renderInterrupted, renderUsage } from "./render.js"

/**
 * What @effect/cli needs to run (its CliApp.Environment: files, paths and the terminal for --wizard
 * and completions), without the rest of NodeContext.layer: its worker manager and process executor,
 * which nothing here uses, cost about 10 ms of module top level (their Schema error classes) at
 * every start.
 */
const cliEnvironment = Layer.mergeAll(NodePath.layer, NodeTerminal.layer, NodeFileSystem.layer)

/**
 * One run of the CLI as an Effect, from its invocation to its exit code: every outcome rendered
 * once (render.ts), to the run's own streams. The process entry (start) and a test running the CLI
 * in process (runCli) both run this; only signals and process.exit are the process entry's.
 */
const program = (invocation: Invocation, stoppedBy: () => string) => {
  // @effect/cli writes a usage error's text with Console.error, and help and --version with
  // Console.log: the first is kept and rendered once, below, as aim renders every failure (one coded
  // line, or one JSON document with --json); the others go to the run's stdout.
  const usageText: Array<string> = []
  const keep = (...args: ReadonlyArray<unknown>) => void usageText.push(args.map(String).join(" "))
  // Help comes styled for a terminal (bold headings): printed as plain text, since every control
  // character aim prints is made visible (output.ts), and escape codes would read as \x1b[0;1m.
  const print = (...args: ReadonlyArray<unknown>) => writeTo(invocation, "stdout", `${stripVTControlCharacters(args.map(String).join(" "))}\n`)
  const ownConsole = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Console.consoleWith((console) =>
      Console.withConsole(self, {
        ...console,
        log: (...args) => Effect.sync(() => print(...args)),
        error: (...args) => Effect.sync(() => keep(...args)),
        unsafe: { ...console.unsafe, log: print, error: keep },
      }),
    )
  // One document or one line per run, as the command was asked: --json as @effect/cli parsed it,
  // or, when the command line could not be parsed, as its words say.
  const json = Effect.map(Ref.get(invocation.parsed), (parsed) => parsed.json ?? rawJson(invocation))
  const usageMessage = () => {
    const said = stripVTControlCharacters(usageText.join(" ")).replace(/\s+/g, " ").trim() || "the command line was not understood"
    // @effect/cli calls an option given a second time "unknown": it is known, and given twice (as clap says it).
    const option = /Received unknown argument: '(--[^'=\s]+)/.exec(said)?.[1]
    const times = option === undefined ? 0 : invocation.args.filter((arg) => arg === option || arg.startsWith(`${option}=`)).length
    return option !== undefined && times > 1 ? `the option '${option}' is given ${times} times: give it once` : said
  }

  // @effect/cli's --wizard asks on the terminal and would wait forever for an answer on a pipe or
  // /dev/null: without a terminal it is a usage error, before anything runs.
  const wizardWithoutTerminal = invocation.args.includes("--wizard") && (invocation.stdin as { readonly isTTY?: boolean }).isTTY !== true
  const command =
    invocation.cwd === ""
      ? renderUsage(
          catalog.workingDirectoryGone,
          "the directory aim was started in no longer exists, so .env, the migrations and the embedded database cannot be found",
          rawJson(invocation),
        )
      : wizardWithoutTerminal
        ? renderUsage(
            catalog.usageInvalid,
            "--wizard asks its questions on a terminal, and stdin is not one; give the command its options instead (aim COMMAND --help lists them)",
            rawJson(invocation),
          )
        : run(["node", "aim", ...invocation.args])

  // The command's own span and telemetry are cli.ts's (observed): it knows which command runs.
  return command.pipe(
    ownConsole,
    Effect.catchIf(ValidationError.isValidationError, (e) =>
      ValidationError.isHelpRequested(e)
        ? new CliExit({ code: exitCodes.ok })
        : Effect.flatMap(json, (j) => renderUsage(catalog.usageInvalid, usageMessage(), j)),
    ),
    Effect.onInterrupt(() =>
      Effect.flatMap(Ref.get(invocation.parsed), (parsed) =>
        parsed.command === "mcp" ? Effect.void : renderInterrupted(stoppedBy(), parsed.json ?? rawJson(invocation)),
      ),
    ),
    // Every command's errors must be a CommandError: one without a catalog entry fails the typecheck here.
    Effect.catchAll((e) => (e instanceof CliExit ? Effect.fail(e) : Effect.flatMap(json, (j) => renderFailure(e, j)))),
    Effect.catchAllDefect((defect) => (unwritable(defect) ? outputLost(defect.code) : Effect.flatMap(json, (j) => renderDefect(defect, j)))),
    Effect.provide(cliEnvironment),
    Effect.locally(CurrentInvocation, invocation),
  )
}

// A write to a file or terminal fails at once (a pipe's fails later, on the stream: start() below).
const writeErrors = new Set(["EPIPE", "ENOSPC", "EIO", "EBADF", "EDQUOT", "EFBIG", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"])
const unwritable = (defect: unknown): defect is NodeJS.ErrnoException & { readonly code: string } =>
  typeof defect === "object" &&
  defect !== null &&
  typeof (defect as NodeJS.ErrnoException).code === "string" &&
  writeErrors.has((defect as NodeJS.ErrnoException).code as string)

const unwritableLine = (code: string) => `✖ [${catalog.outputUnwritable.code}] stdout could not be written (${code}). Fix: ${catalog.outputUnwritable.fix}\n`

/** The output could not be written: a reader that left (EPIPE) is its choice, exit 0; anything else is AIM-CLI-002 on stderr, exit 1. */
const outputLost = (code: string) =>
  code === "EPIPE"
    ? new CliExit({ code: exitCodes.ok })
    : writeErr(unwritableLine(code)).pipe(
        // stderr may be gone too: then the exit code says it alone.
        Effect.catchAllDefect(() => Effect.void),
        Effect.andThen(new CliExit({ code: exitCodes.failed })),
      )

const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return exitCodes.ok
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  const failure = Cause.failureOption(exit.cause)
  return failure._tag === "Some" && failure.value instanceof CliExit ? failure.value.code : exitCodes.failed
}

/**
 * Runs one command line in this process, on the given environment, working directory and streams,
 * and resolves to its exit code: what `aim` would print and exit with. Nothing of the process is
 * read or changed (no argv, no environment variable, no exit), so runs do not see each other.
 */
export const runCli = async (input: InvocationInput): Promise<number> => {
  const invocation = makeInvocation(input)
  return exitCodeOf(await Effect.runPromiseExit(program(invocation, () => "a signal")))
}

/** The process's working directory, or "" when it was deleted (reading it throws ENOENT then). */
const currentDirectory = (): string => {
  try {
    return process.cwd()
  } catch {
    return ""
  }
}

/**
 * Runs the process's command line. Nothing happens when this module loads: the entry (aim.ts) calls
 * it, as a start-up snapshot's main function would, so that no argv, environment or stream is taken
 * before the run it belongs to.
 */
export const start = (): void => {
  // `aim status | head` closes the pipe early: that is the reader's choice, not an error (exit 0).
  // Any other write error of stdout (a full disk, a failed device, a closed stream) is said in one
  // coded line on stderr, exit 1; when stderr itself cannot be written, the exit code says it alone.
  // Never a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(exitCodes.ok)
    process.stderr.write(unwritableLine(error.code ?? error.message), () => process.exit(exitCodes.failed))
  })
  process.stderr.on("error", () => process.exit(exitCodes.failed))

  // NodeRuntime interrupts the run on SIGTERM and SIGINT (finalizers roll back and release the lock);
  // which of the two it was is remembered here, for the line that says so.
  let stoppedBy = "a signal"
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      stoppedBy = signal
    })
  }

  const invocation = makeInvocation({
    args: process.argv.slice(2),
    env: process.env,
    cwd: currentDirectory(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    entry: process.argv[1],
  })
  NodeRuntime.runMain(
    program(invocation, () => stoppedBy),
    {
      disableErrorReporting: true,
      teardown: (exit, onExit) => onExit(exitCodeOf(exit)),
    },
  )
}

import { type Env, loadEnv, secretsOf } from "@aim/core"
import { Effect, FiberRef, Ref } from "effect"
import { isAbsolute, resolve } from "node:path"

/**
 * One run of the CLI: its command line, environment, working directory and streams, passed in by
 * the caller (the `aim` process, or a test running the CLI in process) and never read from the
 * process behind its back. The run is carried by a FiberRef, as Effect carries its Console: every
 * fiber of the run sees it, two runs in one process never see each other's.
 */
export interface Invocation {
  /** The words after `aim`. */
  readonly args: ReadonlyArray<string>
  /** The environment over the working directory's `.env`, read once for the run. */
  readonly env: Env
  readonly cwd: string
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream
  readonly stdin: NodeJS.ReadableStream
  /** The script that runs (the installed dist/aim.mjs): where the shipped migrations are found. */
  readonly entry: string | undefined
  /** The secrets of env, which no byte written may contain. */
  readonly secrets: ReadonlyArray<string>
  /**
   * What @effect/cli parsed, recorded by the command as it starts (cli.ts): main.ts renders a
   * failure that escapes the command (its layer, an interruption) the way the command was asked.
   */
  readonly parsed: Ref.Ref<Parsed>
}

/** A command's name and --json, as @effect/cli parsed them. */
export interface Parsed {
  readonly command?: string
  readonly json?: boolean
}

export interface InvocationInput {
  readonly args: ReadonlyArray<string>
  /** The process environment (without .env: it is read here, from cwd). */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly stdout: Invocation["stdout"]
  readonly stderr: NodeJS.WritableStream
  readonly stdin: NodeJS.ReadableStream
  readonly entry?: string | undefined
}

export const makeInvocation = (input: InvocationInput): Invocation => {
  const env = loadEnv(input.cwd, input.env)
  return {
    args: input.args,
    env,
    cwd: input.cwd,
    stdout: input.stdout,
    stderr: input.stderr,
    stdin: input.stdin,
    entry: input.entry,
    secrets: secretsOf(env),
    // A Ref, not a mutable field: the command's fiber sets it, main's handlers read it.
    parsed: Ref.unsafeMake<Parsed>({}),
  }
}

/** The run this fiber belongs to; unset only outside a run (a module's top level), where using it is a bug. */
export const CurrentInvocation = FiberRef.unsafeMake<Invocation | undefined>(undefined)

export const currentInvocation: Effect.Effect<Invocation> = Effect.flatMap(FiberRef.get(CurrentInvocation), (run) =>
  run === undefined ? Effect.dieMessage("aim: no invocation: run the CLI through runCli or start()") : Effect.succeed(run),
)

/** A path the user gave, against the run's working directory (not the process's). */
export const fromCwd = (run: Invocation, path: string): string => (isAbsolute(path) ? path : resolve(run.cwd, path))

/** For a command line @effect/cli could not parse: whether it asked for JSON, from its words. */
export const rawJson = (run: Invocation): boolean => run.args.includes("--json")

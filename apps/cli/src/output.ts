import { scrub, scrubValue } from "@aim/core"
import { Data, Effect } from "effect"
import { type Invocation, currentInvocation } from "./invocation.js"

/** Ends the command with this exit code after its output was printed. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

// Every byte the CLI writes goes through here, to the run's own streams, scrubbed of the run's
// secrets, so no secret can reach a terminal or a log.
/** Writes text as it is (a progress display's escape codes), scrubbed. */
export const writeOut = (text: string) => Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stdout.write(scrub(text, run.secrets))))
export const writeErr = (text: string) => Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stderr.write(scrub(text, run.secrets))))
/** The same, for a run in hand outside an Effect (main.ts's last words). */
export const writeTo = (run: Invocation, stream: "stdout" | "stderr", text: string) => void run[stream].write(scrub(text, run.secrets))
export const out = (line: string) => writeOut(`${line}\n`)
export const err = (line: string) => writeErr(`${line}\n`)
// The document's strings are scrubbed, not its printed text: a secret such as `true` or `5432` must
// not turn a boolean or a number into `***` and the document into invalid JSON.
export const printJson = (value: unknown) =>
  Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stdout.write(`${JSON.stringify(scrubValue(value, run.secrets), null, 2)}\n`)))

/** A definition (a constraint, a column's type and default) on one line, for a diff a reviewer reads. */
export const oneLine = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim()

import { scrub, scrubValue, secretsOf } from "@aim/core"
import { environment } from "./environment.js"
import { Data, Effect } from "effect"

/** Ends the command with this exit code after its output was printed. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

// The secrets of the run's environment, taken when the first line is written.
let known: ReturnType<typeof secretsOf> | undefined
const secrets = () => {
  known ??= secretsOf(environment())
  return known
}

// Every byte the CLI writes goes through here, so no secret can reach a terminal or a log.
/** Writes text as it is (a progress display's escape codes), scrubbed: for the few writes outside an Effect. */
export const writeOut = (text: string) => void process.stdout.write(scrub(text, secrets()))
export const writeErr = (text: string) => void process.stderr.write(scrub(text, secrets()))
export const out = (line: string) => Effect.sync(() => writeOut(`${line}\n`))
export const err = (line: string) => Effect.sync(() => writeErr(`${line}\n`))
// The document's strings are scrubbed, not its printed text: a secret such as `true` or `5432` must
// not turn a boolean or a number into `***` and the document into invalid JSON.
export const printJson = (value: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(scrubValue(value, secrets()), null, 2)}\n`))

/** A definition (a constraint, a column's type and default) on one line, for a diff a reviewer reads. */
export const oneLine = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim()

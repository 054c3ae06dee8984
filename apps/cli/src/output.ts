import { scrub, scrubValue } from "@aim/core"
import { Data, Effect } from "effect"
import { type Invocation, currentInvocation } from "./invocation.js"

/** Ends the command with this exit code after its output was printed. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

// Every byte the CLI writes goes through here, to the run's own streams, scrubbed of the run's
// secrets, so no secret can reach a terminal or a log; and with every control character but newline
// and tab shown as \xNN, so a name from a database or a file (a table named with an escape sequence)
// can neither fake a line (a carriage return) nor drive the terminal (an OSC 52 clipboard write).
// JSON escapes them itself.

/** Text with its control characters (C0 but \n and \t, DEL, C1) made visible as \xNN. */
export const visible = (text: string): string => {
  let shown = ""
  for (const c of text) shown += isControl(c) ? `\\x${(c.codePointAt(0) ?? 0).toString(16).padStart(2, "0")}` : c
  return shown
}

/** A control character other than newline and tab: C0, DEL or C1. */
export const isControl = (c: string): boolean => {
  const code = c.codePointAt(0) ?? 0
  return (code < 0x20 && c !== "\n" && c !== "\t") || (code >= 0x7f && code <= 0x9f)
}

export const writeOut = (text: string) =>
  Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stdout.write(scrub(visible(text), run.secrets))))
export const writeErr = (text: string) =>
  Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stderr.write(scrub(visible(text), run.secrets))))
/**
 * A terminal display's own escape codes (the fleet's live table) around lines already made `visible`:
 * the only output whose control characters are aim's.
 */
export const writeTerminal = (codesAndVisibleLines: string) =>
  Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stdout.write(scrub(codesAndVisibleLines, run.secrets))))
/** The same, for a run in hand outside an Effect (main.ts's last words). */
export const writeTo = (run: Invocation, stream: "stdout" | "stderr", text: string) => void run[stream].write(scrub(visible(text), run.secrets))
export const out = (line: string) => writeOut(`${line}\n`)
export const err = (line: string) => writeErr(`${line}\n`)
// The document's strings are scrubbed, not its printed text: a secret such as `true` or `5432` must
// not turn a boolean or a number into `***` and the document into invalid JSON.
export const printJson = (value: unknown) =>
  Effect.flatMap(currentInvocation, (run) => Effect.sync(() => void run.stdout.write(`${JSON.stringify(scrubValue(value, run.secrets), null, 2)}\n`)))

/** A definition (a constraint, a column's type and default) on one line, for a diff a reviewer reads. */
export const oneLine = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim()

import { type CatalogEntry, diagnose, docsPath, loadEnv, scrub, secretsOf } from "@aim/core"
import { Data, Effect } from "effect"

/** Ends the command with this exit code after its output was printed. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const

const secrets = secretsOf(loadEnv())

// Every byte the CLI writes goes through here, so no secret can reach a terminal or a log.
export const out = (line: string) => Effect.sync(() => process.stdout.write(`${scrub(line, secrets)}\n`))
export const err = (line: string) => Effect.sync(() => process.stderr.write(`${scrub(line, secrets)}\n`))
export const printJson = (value: unknown) => out(JSON.stringify(value, null, 2))

/** Config and usage problems exit 2; everything else that fails exits 1. */
const exitCodeOf = (error: unknown): number => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
  return tag === "ConfigError" || tag === "MigrationsDirectoryMissing" ? exitCodes.usage : exitCodes.failed
}

export interface ErrorDocument {
  readonly code: string
  readonly title: string
  readonly message: string
  readonly cause: string
  readonly fix: string
  readonly docs: string
  readonly details: ReadonlyArray<string>
}

const detailsOf = (error: unknown): ReadonlyArray<string> => {
  if (typeof error !== "object" || error === null) return []
  const e = error as {
    problems?: ReadonlyArray<{ variable?: string; file?: string; problem: string; fix?: string }>
    refusals?: ReadonlyArray<{ detail: string }>
    hint?: string
    detail?: string
  }
  return [
    ...(e.problems ?? []).map((p) => `${p.variable ?? p.file}: ${p.problem}${p.fix === undefined ? "" : ` (fix: ${p.fix})`}`),
    ...(e.refusals ?? []).map((r) => r.detail),
    ...(e.detail === undefined ? [] : [`detail: ${e.detail}`]),
    ...(e.hint === undefined ? [] : [`hint: ${e.hint}`]),
  ]
}

export const errorDocument = (error: unknown): ErrorDocument => {
  const { entry, message } = diagnose(error)
  return { ...entryFields(entry), message, details: detailsOf(error) }
}

const entryFields = (entry: CatalogEntry) => ({
  code: entry.code,
  title: entry.title,
  cause: entry.cause,
  fix: entry.fix,
  docs: docsPath(entry),
})

/** One line with code, what happened and the fix; then any per-item details, indented. */
export const renderFailure = (error: unknown, json: boolean) =>
  Effect.gen(function* () {
    const doc = errorDocument(error)
    if (json) {
      yield* printJson({ ok: false, error: doc })
    } else {
      yield* err(`✖ [${doc.code}] ${doc.message}. Fix: ${doc.fix} (docs: ${doc.docs})`)
      for (const line of doc.details) yield* err(`  - ${line}`)
    }
    return yield* new CliExit({ code: exitCodeOf(error) })
  })

import { type AimError, type CatalogEntry, type Diagnosis, catalog, codedLine, docsPath, explain } from "@aim/core"
import { Data, Effect, Match } from "effect"
import { CliExit, type ExitCode, err, exitCodes, printJson } from "./output.js"

/**
 * What a command hands back: the JSON document (`--json`), the human form, and whether it
 * succeeded. Commands never print their outcome or choose an exit code themselves; `render` does.
 */
export interface Report {
  readonly ok: boolean
  readonly document: object
  readonly human: Effect.Effect<void>
  /** When not ok: 1 (a migration or check failed, the default) or 2 (usage or configuration). */
  readonly exitCode?: ExitCode
}

export const report = (r: Report): Report => r

/**
 * A refusal decided by the command line itself, with its catalog entry: a missing confirmation
 * (`repair` without --yes), an unknown troubleshooting code. Exits 2, like any usage error.
 */
export class UsageRefused extends Data.TaggedError("UsageRefused")<{
  readonly entry: CatalogEntry
  readonly message: string
}> {}

/** Everything a command can fail with: aim's own errors, each mapped to its catalog entry. */
export type CommandError = AimError | UsageRefused

export interface ErrorDocument {
  readonly code: string
  readonly title: string
  readonly message: string
  readonly cause: string
  readonly fix: string
  readonly docs: string
  readonly details: ReadonlyArray<string>
}

const serverFields = (e: { readonly detail: string | undefined; readonly hint: string | undefined }) => [
  ...(e.detail === undefined ? [] : [`detail: ${e.detail}`]),
  ...(e.hint === undefined ? [] : [`hint: ${e.hint}`]),
]

/** The per-item lines under the one-line summary: each problem, refusal, or the server's detail and hint. */
const detailsOf: (error: CommandError) => ReadonlyArray<string> = Match.type<CommandError>().pipe(
  Match.tag("ConfigError", (e) => e.problems.map((p) => `${p.variable}: ${p.problem} (fix: ${p.fix})`)),
  Match.tag("MigrationSourceError", (e) => e.problems.map((p) => `${p.file}: ${p.problem}`)),
  Match.tag("MigrationRefused", (e) => e.refusals.map((r) => r.detail)),
  Match.tag("CheckFailed", (e) => [
    ...e.rows.map((row) =>
      Object.entries(row)
        .map(([k, v]) => `${k}=${v}`)
        .join(", "),
    ),
    ...(e.more ? ["… and more"] : []),
  ]),
  Match.tag("MigrationFailed", serverFields),
  Match.tag("SqlError", serverFields),
  Match.orElse(() => []),
)

/** Config and usage problems exit 2; everything else that fails exits 1. */
const exitCodeOf = (error: CommandError): ExitCode =>
  error._tag === "ConfigError" || error._tag === "MigrationsDirectoryMissing" || error._tag === "UsageRefused" ? exitCodes.usage : exitCodes.failed

const entryFields = (entry: CatalogEntry) => ({ code: entry.code, title: entry.title, cause: entry.cause, fix: entry.fix, docs: docsPath(entry) })

const diagnosisOf = (error: CommandError): Diagnosis => (error._tag === "UsageRefused" ? { entry: error.entry, message: error.message } : explain(error))

export const errorDocument = (error: CommandError): ErrorDocument => {
  const { entry, message } = diagnosisOf(error)
  return { ...entryFields(entry), message, details: detailsOf(error) }
}

/** One coded line (core's codedLine), then any per-item details; or the JSON document. */
const renderDiagnosis = (diagnosis: Diagnosis, details: ReadonlyArray<string>, json: boolean, code: ExitCode) =>
  Effect.gen(function* () {
    if (json) yield* printJson({ ok: false, error: { ...entryFields(diagnosis.entry), message: diagnosis.message, details } })
    else {
      yield* err(`✖ ${codedLine(diagnosis)}`)
      for (const line of details) yield* err(`  - ${line}`)
    }
    return yield* new CliExit({ code })
  })

/** The one renderer: a report becomes its JSON document or its human form, and the exit code. */
export const render = (outcome: Report, json: boolean) =>
  Effect.gen(function* () {
    if (json) yield* printJson(outcome.document)
    else yield* outcome.human
    if (!outcome.ok) return yield* new CliExit({ code: outcome.exitCode ?? exitCodes.failed })
  })

/**
 * A run stopped by SIGTERM or SIGINT (main.ts), in the same coded shape as every failure: what was
 * rolled back and what stays, one line or one JSON document. The exit code stays the signal's 130.
 */
export const renderInterrupted = (signal: string, json: boolean) => {
  const diagnosis = {
    entry: catalog.interrupted,
    message: `stopped by ${signal}: the migration in progress, if any, was rolled back; files applied before it stay applied`,
  }
  return json
    ? printJson({ ok: false, interrupted: true, error: { ...entryFields(diagnosis.entry), message: diagnosis.message, details: [] } })
    : err(`✖ ${codedLine(diagnosis)}`)
}

/** A failure of any command, rendered once at the top (main.ts). */
export const renderFailure = (error: CommandError, json: boolean) => renderDiagnosis(diagnosisOf(error), detailsOf(error), json, exitCodeOf(error))

/**
 * A defect: a failure no command declared, which the compiler could not map to an entry. Rendered as
 * every failure is (one coded line, or the JSON document with --json), under the catalog's "internal"
 * entry, exit 1.
 */
export const renderDefect = (defect: unknown, json: boolean) =>
  renderDiagnosis(
    { entry: catalog.internal, message: `unexpected error: ${defect instanceof Error ? defect.message : String(defect)}` },
    [],
    json,
    exitCodes.failed,
  )

/** A command line @effect/cli could not parse (AIM-CLI-001), with its words. */
export const renderUsage = (entry: CatalogEntry, message: string, json: boolean) => renderDiagnosis({ entry, message }, [], json, exitCodes.usage)

/** Handler → report → render: every command's outcome goes through `render`. */
export const reported =
  <A extends { readonly json: boolean }, E, R>(handler: (options: A) => Effect.Effect<Report, E, R>) =>
  (options: A) =>
    Effect.flatMap(handler(options), (outcome) => render(outcome, options.json))

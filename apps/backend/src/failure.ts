import { type AimError, catalog, docsPath, explain, findEntry } from "@aim/core"
import type { ServeError } from "@effect/platform/HttpServerError"
import { Effect } from "effect"
import type { VerificationFailed } from "./boot.js"

/** Everything the boot step and the server can fail with: aim's errors, a failed verification, a port it cannot listen on. */
export type BootFailure = AimError | VerificationFailed | ServeError

/** The entry of a boot failure: a failed verification is named by its first failing check's code. */
export const entryOfBootFailure = (error: BootFailure) => {
  if (error._tag === "ServeError") {
    const cause = error.cause as { message?: unknown } | undefined
    return { entry: catalog.listenFailed, message: `cannot listen: ${typeof cause?.message === "string" ? cause.message : String(error.cause)}` }
  }
  if (error._tag !== "VerificationFailed") return explain(error)
  const code = error.report.checks.find((c) => c.status === "fail")?.code
  return { entry: (code === undefined ? undefined : findEntry(code)) ?? catalog.migrationsPending, message: error.message }
}

/** Logs a failure as its troubleshooting entry: code, message, fix, docs page. */
export const logFailure = (error: BootFailure) => {
  const { entry, message } = entryOfBootFailure(error)
  // Configuration problems are each named with their fix: the summary line alone says only how many.
  const problems = error._tag === "ConfigError" ? { problems: error.problems.map((p) => `${p.variable}: ${p.problem} (fix: ${p.fix})`).join("; ") } : {}
  return Effect.logError(`✖ ${message}`).pipe(Effect.annotateLogs({ code: entry.code, title: entry.title, fix: entry.fix, docs: docsPath(entry), ...problems }))
}

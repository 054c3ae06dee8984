import { diagnose, docsPath } from "@aim/core"
import { Effect } from "effect"

/** Logs a failure as its troubleshooting entry: code, message, fix, docs page. */
export const logFailure = (error: unknown) => {
  const { entry, message } = diagnose(error)
  return Effect.logError(`✖ ${message}`).pipe(Effect.annotateLogs({ code: entry.code, title: entry.title, fix: entry.fix, docs: docsPath(entry) }))
}

import { read, scrub, secretsOf } from "@aim/core"
import { Cause, Context, FiberRef, FiberRefs, HashMap, Layer, Logger, Option, Tracer } from "effect"

import { environment } from "./environment.js"

const secrets = secretsOf(environment)

/**
 * One line per event on stdout: JSON lines when LOG_FORMAT=json (for log pipelines), otherwise
 * `time LEVEL message key=value`. Every line is scrubbed of configured secrets.
 */
export const bootLogger = (format: string | undefined = read(environment, "LOG_FORMAT")) =>
  Layer.mergeAll(
    // NodeRuntime.runMain swaps the default logger for a pretty one: remove both, add ours.
    Logger.remove(Logger.defaultLogger),
    Logger.remove(Logger.prettyLoggerDefault),
    Logger.add(logLine(format)),
  )

/** The span the line was logged in (the boot's, a migration's): its ids join the line to its trace. */
const traceFields = (context: Context.Context<never>): Record<string, string> => {
  const span = Context.getOption(context, Tracer.ParentSpan)
  return Option.isSome(span) ? { trace_id: span.value.traceId, span_id: span.value.spanId } : {}
}

const logLine = (format: string | undefined) =>
  Logger.make(({ logLevel, message, annotations, cause, date, context }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    const fields: Record<string, unknown> = { ...traceFields(FiberRefs.getOrDefault(context, FiberRef.currentContext)) }
    for (const [key, value] of HashMap.toEntries(annotations)) fields[key] = value
    if (!Cause.isEmpty(cause)) fields.cause = Cause.pretty(cause).split("\n")[0]
    const line =
      format === "json"
        ? JSON.stringify({ time: date.toISOString(), level: logLevel.label.toLowerCase(), message: text, ...fields })
        : `${date.toISOString()} ${logLevel.label.padEnd(5)} ${text}${Object.entries(fields)
            .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join("")}`
    process.stdout.write(`${scrub(line, secrets)}\n`)
  })

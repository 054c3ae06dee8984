import { Context, Duration, Effect, Layer, Metric, MetricBoundaries } from "effect"
import type { ConfigProblem } from "../config/ConfigError.js"
import { ConfigError } from "../config/ConfigError.js"
import type { Env } from "../config/env.js"
import { type TelemetrySettings, readTelemetrySettings } from "../config/TelemetryConfig.js"

export { type TelemetrySettings, readTelemetrySettings } from "../config/TelemetryConfig.js"

/**
 * Spans and metrics exported over OTLP/HTTP for the life of the layer; its finalizer flushes them,
 * bounded by the export timeout, so a process exits with its telemetry sent or given up on in time.
 * The SDK loads only when telemetry is on.
 */
export const TelemetryLive = (options: { readonly env: Env; readonly serviceName: string }): Layer.Layer<never, ConfigError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const problems: Array<ConfigProblem> = []
      const settings = readTelemetrySettings(options.env, options.serviceName, problems)
      if (problems.length > 0) return yield* new ConfigError({ problems })
      if (settings === undefined) return Layer.empty
      const sdk = yield* Effect.promise(() => loadSdk(settings.protocol))
      const exporterOptions = (url: string) => ({ url, timeoutMillis: settings.timeoutMs })
      return sdk.NodeSdk.layer(() => ({
        resource: { serviceName: settings.serviceName, attributes: settings.attributes },
        spanProcessor: new sdk.BatchSpanProcessor(new sdk.TraceExporter(exporterOptions(settings.tracesUrl)), {
          exportTimeoutMillis: settings.timeoutMs,
          scheduledDelayMillis: 500,
        }),
        metricReader: new sdk.PeriodicExportingMetricReader({
          exporter: new sdk.MetricExporter(exporterOptions(settings.metricsUrl)),
          exportIntervalMillis: 60_000,
          exportTimeoutMillis: settings.timeoutMs,
        }),
        shutdownTimeout: Duration.millis(settings.timeoutMs),
      })).pipe(Layer.discard)
    }),
  )

/** A CommonJS package imported from a bundle puts its exports under `default`: take them from where they are. */
const exportsOf = <T extends object>(module: T, name: keyof T): T =>
  module[name] === undefined ? ((module as { readonly default?: T }).default ?? module) : module

const loadSdk = async (protocol: TelemetrySettings["protocol"]) => {
  const NodeSdk = exportsOf(await import("@effect/opentelemetry/NodeSdk"), "layer")
  const { BatchSpanProcessor } = exportsOf(await import("@opentelemetry/sdk-trace-base"), "BatchSpanProcessor")
  const { PeriodicExportingMetricReader } = exportsOf(await import("@opentelemetry/sdk-metrics"), "PeriodicExportingMetricReader")
  if (protocol === "http/json") {
    const { OTLPTraceExporter } = exportsOf(await import("@opentelemetry/exporter-trace-otlp-http"), "OTLPTraceExporter")
    const { OTLPMetricExporter } = exportsOf(await import("@opentelemetry/exporter-metrics-otlp-http"), "OTLPMetricExporter")
    return { NodeSdk, BatchSpanProcessor, PeriodicExportingMetricReader, TraceExporter: OTLPTraceExporter, MetricExporter: OTLPMetricExporter }
  }
  const { OTLPTraceExporter } = exportsOf(await import("@opentelemetry/exporter-trace-otlp-proto"), "OTLPTraceExporter")
  const { OTLPMetricExporter } = exportsOf(await import("@opentelemetry/exporter-metrics-otlp-proto"), "OTLPMetricExporter")
  return { NodeSdk, BatchSpanProcessor, PeriodicExportingMetricReader, TraceExporter: OTLPTraceExporter, MetricExporter: OTLPMetricExporter }
}

/** How long each migration took (ms). */
export const migrationDuration = Metric.histogram(
  "aim.migration.duration",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
  "Time to apply one migration file, in milliseconds",
)

/** How long a run waited for the migration lock (ms). */
export const lockWait = Metric.histogram(
  "aim.lock.wait",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 18 }),
  "Time waited for the migration lock, in milliseconds",
)

/** Files pending when a run read its plan. */
export const pendingMigrations = Metric.gauge("aim.migrations.pending", { description: "Migration files pending when the plan was read" })

/**
 * Names a failure's troubleshooting code for its span. Telemetry sits below the catalog, so the
 * wiring (AimLive) provides the catalog's `explain`; without it a span carries the error's tag.
 */
export class ErrorCodes extends Context.Reference<ErrorCodes>()("@aim/core/ErrorCodes", {
  defaultValue:
    () =>
    (error: unknown): string =>
      typeof error === "object" && error !== null && "_tag" in error ? String((error as { _tag: unknown })._tag) : "unknown",
}) {}

/**
 * Runs `effect` in a span named `name`; a failure is recorded on it with its troubleshooting code
 * (`aim.error.code`), so a trace says what went wrong in the catalog's words.
 */
export const traced =
  (name: string, attributes: Readonly<Record<string, string | number | boolean>> = {}) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.tapError((error) => Effect.flatMap(ErrorCodes, (codeOf) => Effect.annotateCurrentSpan("aim.error.code", codeOf(error)))),
      Effect.withSpan(name, { attributes: { "db.system.name": "postgresql", ...attributes } }),
    )

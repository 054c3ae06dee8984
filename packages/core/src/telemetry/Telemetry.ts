import { Context, Duration, Effect, Layer, Metric, MetricBoundaries } from "effect"
import type { ConfigProblem } from "../config/ConfigError.js"
import { ConfigError } from "../config/ConfigError.js"
import { type Env, read, readWhole } from "../config/env.js"
import { decoded, withoutUrlCredentials } from "../output/redact.js"

/**
 * OpenTelemetry, configured only by the standard variables: off, and free (nothing is loaded), when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is unset.
 */
export interface TelemetrySettings {
  /** Base URL of the collector: traces go to …/v1/traces, metrics to …/v1/metrics. */
  readonly tracesUrl: string
  readonly metricsUrl: string
  readonly protocol: "http/json" | "http/protobuf"
  readonly serviceName: string
  readonly attributes: Readonly<Record<string, string>>
  /** OTEL_EXPORTER_OTLP_TIMEOUT: the most an unreachable collector may add to a run. */
  readonly timeoutMs: number
}

const protocols = ["http/protobuf", "http/json"] as const

/** Reads the OTEL_* variables; undefined when telemetry is off. A value that is set and invalid is a problem, never a default. */
export const readTelemetrySettings = (env: Env, defaultService: string, problems: Array<ConfigProblem>): TelemetrySettings | undefined => {
  const base = read(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
  const traces = read(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  if (read(env, "OTEL_SDK_DISABLED") === "true" || (base === undefined && traces === undefined)) return undefined
  const url = (value: string, variable: string) => {
    try {
      const parsed = new URL(value)
      if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.toString().replace(/\/$/, "")
    } catch {}
    problems.push({
      variable,
      problem: `"${withoutUrlCredentials(value)}" is not an http(s) URL`,
      fix: "set the collector's OTLP/HTTP address, e.g. http://localhost:4318",
    })
    return undefined
  }
  const baseUrl = base === undefined ? undefined : url(base, "OTEL_EXPORTER_OTLP_ENDPOINT")
  const tracesUrl = traces === undefined ? (baseUrl === undefined ? undefined : `${baseUrl}/v1/traces`) : url(traces, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  const metricsSet = read(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
  const metricsUrl =
    metricsSet === undefined
      ? baseUrl === undefined
        ? tracesUrl?.replace(/\/v1\/traces$/, "/v1/metrics")
        : `${baseUrl}/v1/metrics`
      : url(metricsSet, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
  const protocol = read(env, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf"
  if (!(protocols as ReadonlyArray<string>).includes(protocol)) {
    problems.push({
      variable: "OTEL_EXPORTER_OTLP_PROTOCOL",
      problem: `"${protocol}" is not supported`,
      fix: "use http/protobuf (the default) or http/json; for gRPC, point a collector's OTLP/HTTP receiver at aim",
    })
  }
  const attributes: Record<string, string> = {}
  for (const pair of (read(env, "OTEL_RESOURCE_ATTRIBUTES") ?? "").split(",")) {
    if (pair.trim() === "") continue
    const at = pair.indexOf("=")
    if (at <= 0) {
      problems.push({ variable: "OTEL_RESOURCE_ATTRIBUTES", problem: `"${pair.trim()}" is not key=value`, fix: "use key=value pairs separated by commas" })
      continue
    }
    attributes[decoded(pair.slice(0, at).trim())] = decoded(pair.slice(at + 1).trim())
  }
  const timeoutMs = readWhole(
    read(env, "OTEL_EXPORTER_OTLP_TIMEOUT"),
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    { min: 1, max: 600_000, fallback: 10_000, unit: "milliseconds" },
    problems,
  )
  if (tracesUrl === undefined || metricsUrl === undefined) return undefined
  return {
    tracesUrl,
    metricsUrl,
    protocol: protocol === "http/json" ? "http/json" : "http/protobuf",
    serviceName: read(env, "OTEL_SERVICE_NAME") ?? attributes["service.name"] ?? defaultService,
    attributes,
    timeoutMs,
  }
}

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

import type { ConfigProblem } from "./ConfigError.js"
import { namedBy, serviceSecret, withheldProblem } from "./credentials.js"
import { type Env, fromDotEnv, read, readWhole } from "./env.js"

const headerVariables = ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"]
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
  // The exporters read the header variables (a collector's API key) themselves: a collector named by
  // .env may not receive headers from the environment, so such a configuration is refused (credentials.ts).
  const endpoints = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]
  const headers = serviceSecret(env, namedBy(env, endpoints), headerVariables)
  // Any header kept back is refused outright: the exporters would still read it from the environment.
  const withheld = withheldProblem(
    { ...headers, secret: headers.withheld.length > 0 ? undefined : headers.secret },
    endpoints.filter((name) => fromDotEnv(env).has(name)),
    "headers",
  )
  if (withheld !== undefined) problems.push({ ...withheld, problem: withheld.problem.replace("a server", "a collector") })
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

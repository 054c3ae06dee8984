import { type IncomingMessage, createServer } from "node:http"
import type { AddressInfo } from "node:net"
import protobuf from "protobufjs"

/** A span as it arrived, whichever OTLP encoding carried it. */
export interface ReceivedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message: string }
  readonly resource: Readonly<Record<string, string | number | boolean>>
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string
  readonly spans: Array<ReceivedSpan>
  readonly metrics: Array<string>
  /** Content types of the requests, in order. */
  readonly contentTypes: Array<string>
  readonly close: () => Promise<void>
}

// The parts of opentelemetry-proto's trace and metrics service requests a test reads; unknown fields are skipped.
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ["stringValue", "boolValue", "intValue", "doubleValue"] } },
      fields: {
        stringValue: { type: "string", id: 1 },
        boolValue: { type: "bool", id: 2 },
        intValue: { type: "int64", id: 3 },
        doubleValue: { type: "double", id: 4 },
      },
    },
    KeyValue: { fields: { key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } } },
    Resource: { fields: { attributes: { rule: "repeated", type: "KeyValue", id: 1 } } },
    Status: { fields: { message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } } },
    Span: {
      fields: {
        traceId: { type: "bytes", id: 1 },
        spanId: { type: "bytes", id: 2 },
        parentSpanId: { type: "bytes", id: 4 },
        name: { type: "string", id: 5 },
        attributes: { rule: "repeated", type: "KeyValue", id: 9 },
        status: { type: "Status", id: 15 },
      },
    },
    ScopeSpans: { fields: { spans: { rule: "repeated", type: "Span", id: 2 } } },
    ResourceSpans: { fields: { resource: { type: "Resource", id: 1 }, scopeSpans: { rule: "repeated", type: "ScopeSpans", id: 2 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: "repeated", type: "ResourceSpans", id: 1 } } },
    Metric: { fields: { name: { type: "string", id: 1 } } },
    ScopeMetrics: { fields: { metrics: { rule: "repeated", type: "Metric", id: 2 } } },
    ResourceMetrics: { fields: { resource: { type: "Resource", id: 1 }, scopeMetrics: { rule: "repeated", type: "ScopeMetrics", id: 2 } } },
    ExportMetricsServiceRequest: { fields: { resourceMetrics: { rule: "repeated", type: "ResourceMetrics", id: 1 } } },
  },
})

type Json = Record<string, unknown>
const hex = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "string" ? v : "")
const value = (v: Json | undefined): string | number | boolean => {
  if (v === undefined) return ""
  if (typeof v.stringValue === "string") return v.stringValue
  if (v.intValue !== undefined && v.intValue !== null) return Number(v.intValue)
  if (typeof v.boolValue === "boolean") return v.boolValue
  if (typeof v.doubleValue === "number") return v.doubleValue
  return ""
}
const attributes = (list: unknown): Record<string, string | number | boolean> =>
  Object.fromEntries(((list ?? []) as Array<{ key: string; value?: Json }>).map((kv) => [kv.key, value(kv.value)]))

const body = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Array<Buffer> = []
    request.on("data", (c: Buffer) => chunks.push(c))
    request.on("end", () => resolve(Buffer.concat(chunks)))
  })

/** A real OTLP/HTTP receiver (http/json and http/protobuf) on a free port: it decodes what arrives. */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const spans: Array<ReceivedSpan> = []
  const metrics: Array<string> = []
  const contentTypes: Array<string> = []
  const server = createServer(async (request, response) => {
    const raw = await body(request)
    const type = String(request.headers["content-type"] ?? "")
    contentTypes.push(type)
    const protobufBody = type.includes("protobuf")
    const decode = (name: string): Json =>
      protobufBody
        ? (root.lookupType(name).toObject(root.lookupType(name).decode(raw), { longs: Number, defaults: false }) as Json)
        : (JSON.parse(raw.toString("utf8")) as Json)
    if (request.url === "/v1/traces") {
      for (const rs of (decode("ExportTraceServiceRequest").resourceSpans ?? []) as Array<Json>) {
        const resource = attributes((rs.resource as Json | undefined)?.attributes)
        for (const ss of (rs.scopeSpans ?? []) as Array<Json>) {
          for (const span of (ss.spans ?? []) as Array<Json>) {
            const status = (span.status ?? {}) as Json
            spans.push({
              name: String(span.name),
              traceId: hex(span.traceId),
              spanId: hex(span.spanId),
              parentSpanId: hex(span.parentSpanId),
              attributes: attributes(span.attributes),
              status: { code: Number(status.code ?? 0), message: String(status.message ?? "") },
              resource,
            })
          }
        }
      }
    } else if (request.url === "/v1/metrics") {
      for (const rm of (decode("ExportMetricsServiceRequest").resourceMetrics ?? []) as Array<Json>) {
        for (const sm of (rm.scopeMetrics ?? []) as Array<Json>) for (const m of (sm.metrics ?? []) as Array<Json>) metrics.push(String(m.name))
      }
    }
    response.writeHead(200, { "content-type": protobufBody ? "application/x-protobuf" : "application/json" })
    response.end(protobufBody ? Buffer.alloc(0) : "{}")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * A collector that accepts connections and never answers (what an export timeout is for), or with
 * `reset`, one that drops each connection as it comes (what a refused or failing collector looks like
 * to the exporter, which retries). Each connection's times are kept, so a test measures the
 * exporter's own cost from the moment it first connects, not a whole process's run on a loaded machine.
 */
export const startBlackHole = async (
  options: { readonly reset?: boolean } = {},
): Promise<{
  readonly url: string
  /** performance.now() when each connection was accepted, and when the client let it go. */
  readonly connections: ReadonlyArray<{ readonly openedAt: number; closedAt?: number }>
  readonly close: () => Promise<void>
}> => {
  const sockets: Array<import("node:net").Socket> = []
  const connections: Array<{ openedAt: number; closedAt?: number }> = []
  const server = (await import("node:net")).createServer((socket) => {
    const connection: { openedAt: number; closedAt?: number } = { openedAt: performance.now() }
    connections.push(connection)
    socket.on("error", () => undefined)
    // Read (and drop) what comes, so the client's end is seen: a socket nobody reads never emits it.
    socket.resume()
    socket.on("close", () => {
      connection.closedAt ??= performance.now()
    })
    if (options.reset) socket.resetAndDestroy()
    else sockets.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

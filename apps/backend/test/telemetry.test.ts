import { createTestDatabase, startOtlpReceiver, testPostgresUrl } from "@aim/testkit"
import { describe, expect, it } from "vitest"
import { startBackend, stop } from "./backend.js"

describe("the backend's boot, traced", () => {
  it("sends an aim boot span with a child per migration; its JSON log lines carry the trace id", async () => {
    const receiver = await startOtlpReceiver()
    const db = await createTestDatabase(testPostgresUrl(), "aim_boot_otel")
    const backend = startBackend({ DATABASE_URL: db.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
    try {
      await backend.ready
      // The batch processor exports every half second while the server runs.
      const deadline = Date.now() + 10_000
      while (!receiver.spans.some((s) => s.name === "aim boot") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const boot = receiver.spans.find((s) => s.name === "aim boot")
      expect(boot?.resource["service.name"]).toBe("aim-backend")
      expect(receiver.spans.filter((s) => s.parentSpanId === boot?.spanId && s.name.startsWith("aim.migration "))).toHaveLength(25)
      const applied = backend.logs.find((l) => l.message === "applied 001_initial_schema.sql")
      expect(applied?.trace_id).toBe(boot?.traceId)
      expect(typeof applied?.span_id).toBe("string")
    } finally {
      await stop(backend)
      await db.drop()
      await receiver.close()
    }
  })
})

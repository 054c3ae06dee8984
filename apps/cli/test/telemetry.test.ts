import { createTestDatabase, startBlackHole, startOtlpReceiver, testPostgresUrl } from "@aim/testkit"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it, vi } from "vitest"
import { aimProcess, shippedMigrations } from "./run.js"

const withPassword = (url: string, password: string) => {
  const u = new URL(url)
  u.password = password
  return u.toString()
}

describe("OpenTelemetry: traces and metrics to a real OTLP/HTTP receiver", () => {
  it("http/json: one span per run, a child per migration and one for the lock wait, the standard resource variables, three metrics, no secret", async () => {
    const receiver = await startOtlpReceiver()
    const db = await createTestDatabase(testPostgresUrl(), "aim_otel_json")
    try {
      const result = await aimProcess(["migrate", "--no-verify"], {
        DATABASE_URL: withPassword(db.url, "otel-Secret-pw"),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "aim-ci",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=ci,team=platform",
      })
      expect(result.code, result.stderr).toBe(0)
      // The exporter was flushed before the process exited: everything is here already.
      expect(receiver.contentTypes.every((t) => t.includes("application/json"))).toBe(true)
      const root = receiver.spans.find((s) => s.name === "aim migrate")
      expect(root).toBeDefined()
      expect(root?.parentSpanId).toBe("")
      expect(root?.resource).toMatchObject({ "service.name": "aim-ci", "deployment.environment": "ci", team: "platform" })
      expect(root?.attributes["aim.database"]).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/aim_otel_json/)
      const children = receiver.spans.filter((s) => s.parentSpanId === root?.spanId)
      expect(children.map((s) => s.name)).toContain("aim.lock.wait")
      const migrations = children.filter((s) => s.name.startsWith("aim.migration "))
      expect(migrations).toHaveLength(25)
      expect(new Set(receiver.spans.map((s) => s.traceId)).size).toBe(1)
      expect(migrations[0]?.attributes).toMatchObject({
        "aim.migration.version": 1,
        "aim.migration.name": "001_initial_schema.sql",
        "aim.migration.checksum": expect.stringMatching(/^[0-9a-f]{64}$/),
        "db.system.name": "postgresql",
      })
      expect(receiver.metrics).toEqual(expect.arrayContaining(["aim.migration.duration", "aim.lock.wait", "aim.migrations.pending"]))
      expect(JSON.stringify(receiver.spans)).not.toContain("otel-Secret-pw")
    } finally {
      await db.drop()
      await receiver.close()
    }
  })

  it("http/protobuf: a failing migration is an error span with its troubleshooting code", async () => {
    const receiver = await startOtlpReceiver()
    const db = await createTestDatabase(testPostgresUrl(), "aim_otel_proto")
    const dir = mkdtempSync(join(tmpdir(), "aim-otel-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    writeFileSync(join(dir, "031_broken.sql"), "ALTER TABLE no_such_table ADD COLUMN IF NOT EXISTS x int;\n")
    try {
      const result = await aimProcess(["migrate", "--migrations-dir", dir], { DATABASE_URL: db.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })
      expect(result.code).toBe(1)
      expect(receiver.contentTypes.every((t) => t.includes("application/x-protobuf"))).toBe(true)
      const broken = receiver.spans.find((s) => s.name === "aim.migration 031_broken.sql")
      expect(broken?.status.code).toBe(2)
      expect(broken?.attributes["aim.error.code"]).toMatch(/^AIM-/)
      const root = receiver.spans.find((s) => s.name === "aim migrate")
      expect(root?.status.code).toBe(2)
      expect(root?.attributes["aim.error.code"]).toBe(broken?.attributes["aim.error.code"])
    } finally {
      await db.drop()
      await receiver.close()
    }
  })

  it("a collector that never answers, or drops every connection, costs at most the export timeout and never fails the run", async () => {
    const timeoutMs = 1000
    const db = await createTestDatabase(testPostgresUrl(), "aim_otel_down")
    // The exporter's cost is measured from its first connection to the process's exit: that is the
    // exporter's alone, while a whole run's time on a loaded machine is mostly start-up and the
    // command's own work. The margin is for the abandoned request's timer and the exit.
    const exporterCost = async (hole: Awaited<ReturnType<typeof startBlackHole>>) => {
      const result = await aimProcess(["status"], {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: hole.url,
        OTEL_EXPORTER_OTLP_TIMEOUT: String(timeoutMs),
      })
      const exitedAt = performance.now()
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).not.toMatch(/AIM-GEN-001|Error/)
      // The run exported (status's spans and metrics go at exit), so the bound below measures something.
      expect(hole.connections.length).toBeGreaterThan(0)
      return exitedAt - Math.min(...hole.connections.map((c) => c.openedAt))
    }
    const silent = await startBlackHole()
    const dropping = await startBlackHole({ reset: true })
    try {
      expect(await exporterCost(silent)).toBeLessThan(timeoutMs + 1500)
      // Every connection the silent collector took is let go (the process has exited; the kernel's
      // close reaches this side a moment later).
      await vi.waitFor(() => expect(silent.connections.every((c) => c.closedAt !== undefined)).toBe(true))
      // A collector that drops connections is retried, within the same timeout.
      expect(await exporterCost(dropping)).toBeLessThan(timeoutMs + 1500)
      // A port nobody listens on: the run succeeds all the same.
      const refused = await aimProcess(["status"], {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1",
        OTEL_EXPORTER_OTLP_TIMEOUT: String(timeoutMs),
      })
      expect(refused.code, refused.stderr).toBe(0)
      expect(refused.stderr).not.toMatch(/AIM-GEN-001|Error/)
    } finally {
      await db.drop()
      await silent.close()
      await dropping.close()
    }
  })

  it("aim doctor says where traces and metrics go, or that telemetry is off", async () => {
    const receiver = await startOtlpReceiver()
    try {
      const on = JSON.parse((await aimProcess(["doctor", "--json"], { DATABASE_URL: testPostgresUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).stdout)
      expect(on.checks).toContainEqual(
        expect.objectContaining({ id: "telemetry", status: "pass", detail: expect.stringContaining(`traces to ${receiver.url}/v1/traces`) }),
      )
      const off = JSON.parse((await aimProcess(["doctor", "--json"], { DATABASE_URL: testPostgresUrl() })).stdout)
      expect(off.checks).toContainEqual(expect.objectContaining({ id: "telemetry", status: "pass", detail: expect.stringMatching(/^off/) }))
      // A collector's credentials (in its URL, or a header's API key) are never shown.
      const withKey = await aimProcess(["doctor", "--json"], {
        DATABASE_URL: testPostgresUrl(),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace("http://", "http://otel:Url-Secret-7@"),
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=Hdr-Secret-9",
      })
      expect(withKey.stdout).toMatch(/traces to http:\/\/\*\*\*@127\.0\.0\.1/)
      expect(`${withKey.stdout}${withKey.stderr}`).not.toMatch(/Url-Secret-7|Hdr-Secret-9/)
      const badWithKey = await aimProcess(["status"], { DATABASE_URL: testPostgresUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://otel:Url-Secret-7@collector" })
      expect(badWithKey.code).toBe(2)
      expect(`${badWithKey.stdout}${badWithKey.stderr}`).not.toContain("Url-Secret-7")
      // An invalid OTEL_* variable stops every other command; doctor still runs and names it.
      const invalid = await aimProcess(["doctor", "--json"], { DATABASE_URL: testPostgresUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: "notaurl" })
      expect(invalid.code).toBe(1)
      expect(JSON.parse(invalid.stdout).checks).toContainEqual(
        expect.objectContaining({
          status: "fail",
          title: "OTEL_EXPORTER_OTLP_ENDPOINT",
          code: "AIM-CFG-001",
          detail: expect.stringMatching(/"notaurl" is not an http\(s\) URL/),
        }),
      )
    } finally {
      await receiver.close()
    }
  })

  it("an unsupported protocol is a configuration error, not a silent default", async () => {
    const result = await aimProcess(["status"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/x",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/\[AIM-CFG-001\][\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported/)
  })
})

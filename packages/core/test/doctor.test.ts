import { type Certificates, type Cluster, freePort, makeCertificates, startCluster } from "@aim/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readConfig } from "../src/config/AimConfig.js"
import { runDoctor } from "../src/doctor/Doctor.js"
import type { VerifyReport } from "../src/verify/VerifyReport.js"

const password = "cluster-Secret-pw"

describe("aim doctor against a throwaway cluster with scram-sha-256 and SSL required", () => {
  let certs: Certificates
  let cluster: Cluster
  beforeAll(async () => {
    certs = makeCertificates()
    cluster = await startCluster({ password, ssl: { cert: certs.cert, key: certs.key }, requireSsl: true })
  })
  afterAll(() => cluster?.destroy())

  const doctor = (env: Record<string, string>, sendTestEmailTo?: string) => {
    const base = {
      POSTGRES_HOST: "localhost",
      POSTGRES_PORT: String(cluster.port),
      POSTGRES_USER: "postgres",
      POSTGRES_PASSWORD: password,
      POSTGRES_DB: "postgres",
    }
    return Effect.runPromise(
      runDoctor(readConfig({ ...base, ...env }, process.cwd()), { timeout: "4 seconds", ...(sendTestEmailTo === undefined ? {} : { sendTestEmailTo }) }),
    )
  }
  const check = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id)

  it("sslmode=require: connected, authenticated, and the negotiated SSL state is reported", async () => {
    const report = await doctor({ POSTGRES_SSL_MODE: "require" })
    expect(check(report, "postgres")?.status).toBe("pass")
    // Encrypted, but any certificate is accepted: a warning that names verify-full.
    expect(check(report, "postgres-ssl")).toMatchObject({ status: "warn", code: "AIM-DB-006" })
    expect(check(report, "postgres-ssl")?.detail).toMatch(/SSL on \(TLSv1\.[23]\), but sslmode=require accepts any certificate/)
    expect(check(report, "postgres-version")?.status).toBe("pass")
    expect(check(report, "postgres-privileges")?.status).toBe("pass")
    expect(check(report, "redis")).toMatchObject({ status: "pass", detail: expect.stringMatching(/not configured/) })
    expect(check(report, "smtp")?.status).toBe("warn")
    expect(report.ok).toBe(true)
  })

  it("verify-full with the right root certificate passes; with another CA it is AIM-DB-006", async () => {
    const good = await doctor({ POSTGRES_SSL_MODE: "verify-full", POSTGRES_SSL_ROOT_CERT: certs.caFile })
    expect(check(good, "postgres-ssl")).toMatchObject({ status: "pass", detail: expect.stringMatching(/^SSL on/) })
    const bad = await doctor({ POSTGRES_SSL_MODE: "verify-full", POSTGRES_SSL_ROOT_CERT: certs.otherCaFile })
    expect(check(bad, "postgres")).toMatchObject({ status: "fail", code: "AIM-DB-006" })
    expect(bad.ok).toBe(false)
  })

  it("sslrootcert=system verifies against the machine's CA store, which does not hold this throwaway CA: AIM-DB-006", async () => {
    const report = await doctor({ POSTGRES_SSL_ROOT_CERT: "system" })
    expect(check(report, "postgres")).toMatchObject({ status: "fail", code: "AIM-DB-006" })
  })

  it("sslmode=disable against a server that requires SSL is AIM-DB-005", async () => {
    const report = await doctor({ POSTGRES_SSL_MODE: "disable" })
    expect(check(report, "postgres")).toMatchObject({ status: "fail", code: "AIM-DB-005" })
  })

  it("a wrong password is AIM-DB-004 and is not echoed", async () => {
    const report = await doctor({ POSTGRES_SSL_MODE: "require", POSTGRES_PASSWORD: "wrong-pg-pw" })
    expect(check(report, "postgres")).toMatchObject({ status: "fail", code: "AIM-DB-004" })
    expect(JSON.stringify(report)).not.toContain("wrong-pg-pw")
    expect(JSON.stringify(report)).not.toContain(password)
  })

  it("Redis configured but stopped and SMTP refusing are warnings, not failures", async () => {
    const closed = String(await freePort())
    const report = await doctor({
      POSTGRES_SSL_MODE: "require",
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: closed,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: closed,
      SMTP_USERNAME: "a@b.co",
      SMTP_PASSWORD: "smtp-pw-x",
    })
    expect(check(report, "redis")).toMatchObject({ status: "warn", code: "AIM-REDIS-001" })
    expect(check(report, "redis")?.detail).toMatch(/^unavailable \(optional\)/)
    expect(check(report, "smtp")).toMatchObject({ status: "warn", code: "AIM-MAIL-002" })
    expect(report.ok).toBe(true)
  })

  it("asked to send test emails, an SMTP that refuses (or an invalid SMTP_PORT) fails the doctor instead of warning", async () => {
    const closed = String(await freePort())
    const refused = await doctor(
      { POSTGRES_SSL_MODE: "require", SMTP_HOST: "127.0.0.1", SMTP_PORT: closed, SMTP_USERNAME: "a@b.co", SMTP_PASSWORD: "smtp-pw-x" },
      "ops@example.com",
    )
    expect(check(refused, "smtp")).toMatchObject({ status: "fail", code: "AIM-MAIL-002" })
    expect(refused.ok).toBe(false)
    const invalid = await doctor(
      { POSTGRES_SSL_MODE: "require", SMTP_HOST: "127.0.0.1", SMTP_PORT: "58x7", SMTP_USERNAME: "a@b.co", SMTP_PASSWORD: "smtp-pw-x" },
      "ops@example.com",
    )
    expect(check(invalid, "smtp")).toMatchObject({ status: "fail", code: "AIM-CFG-001" })
    expect(check(invalid, "smtp")?.detail).toMatch(/SMTP_PORT: "58x7" is not a port number\): no connection was attempted/)
  })

  it("reports every config problem, and an unreachable server within the timeout", async () => {
    const t0 = Date.now()
    const report = await doctor({ POSTGRES_PORT: String(await freePort()), FRONTEND_URL: "nope", SMTP_PASSWORD: "x-pw" })
    expect(Date.now() - t0).toBeLessThan(6000)
    expect(
      report.checks
        .filter((c) => c.group === "Config")
        .map((c) => c.title)
        .sort(),
    ).toEqual(["FRONTEND_URL", "SMTP_HOST"])
    expect(check(report, "postgres")).toMatchObject({ status: "fail", code: "AIM-DB-001" })
  })
})

import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Certificates, type Cluster, makeCertificates, postgresEnvOf, startCluster, startFakePostgres, testPostgresUrl } from "@aim/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { aimProcess, shippedMigrations } from "./run.js"

const password = "tls-Secret-pw-7"

describe("TLS: certificates verified against the system store, no plaintext fallback in production", () => {
  let certs: Certificates
  let cluster: Cluster
  beforeAll(async () => {
    certs = makeCertificates()
    cluster = await startCluster({ password, ssl: { cert: certs.cert, key: certs.key }, requireSsl: true })
  })
  afterAll(() => cluster?.destroy())

  const url = (query: string) => `postgres://postgres:${password}@localhost:${cluster.port}/postgres?${query}`

  it("sslrootcert=system verifies the server against the machine's CAs: trusted when its CA is there, AIM-DB-006 when not", async () => {
    // NODE_EXTRA_CA_CERTS adds a CA to what Node trusts by default: the system store as this process sees it.
    const trusted = await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], {
      DATABASE_URL: url("sslrootcert=system"),
      NODE_EXTRA_CA_CERTS: certs.caFile,
    })
    expect(trusted.code, trusted.stdout + trusted.stderr).toBe(0)
    expect(JSON.parse(trusted.stdout).database).toMatch(/sslmode=verify-full/)

    const untrusted = await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], { DATABASE_URL: url("sslrootcert=system") })
    expect(untrusted.code).toBe(1)
    expect(JSON.parse(untrusted.stdout).error.code).toBe("AIM-DB-006")
    expect(untrusted.stdout + untrusted.stderr).not.toContain(password)
  })

  it("sslrootcert=system with a weaker sslmode is a configuration error (exit 2), as in libpq 16", async () => {
    const result = await aimProcess(["status", "--json"], { DATABASE_URL: url("sslrootcert=system&sslmode=require") })
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout).error.details.join(" ")).toMatch(/"require" with sslrootcert=system/)
  })

  it("aim doctor warns that sslmode=require accepts any certificate", async () => {
    const result = await aimProcess(["doctor", "--json"], { DATABASE_URL: url("sslmode=require") })
    const check = JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === "postgres-ssl")
    expect(check).toMatchObject({ status: "warn", code: "AIM-DB-006" })
    expect(check.detail).toMatch(/accepts any certificate/)
  })

  it("in production, sslmode=prefer against a server without SSL never sends the startup message or the password; outside production it does (libpq's prefer)", async () => {
    const fake = await startFakePostgres()
    try {
      const env = { POSTGRES_HOST: "127.0.0.1", POSTGRES_PORT: String(fake.port), POSTGRES_USER: "aim", POSTGRES_PASSWORD: password, POSTGRES_DB: "identity" }
      const production = await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], { ...env, NODE_ENV: "production" })
      expect(production.code).toBe(1)
      expect(JSON.parse(production.stdout).error.code).toBe("AIM-DB-005")
      expect(fake.startups()).toBe(0)

      // The control: the same server outside production gets the startup message (this test can fail).
      await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], { ...env, POSTGRES_CONNECT_TIMEOUT: "2" })
      expect(fake.passwords()).toContain(password)
    } finally {
      await fake.close()
    }
  })
})

describe("the environment's password goes only to the server the environment names", () => {
  const secret = "env-Only-secret-42"
  let fake: Awaited<ReturnType<typeof startFakePostgres>>
  let scratch: string
  beforeAll(async () => {
    fake = await startFakePostgres()
    scratch = mkdtempSync(join(tmpdir(), "aim-credentials-"))
  })
  afterAll(async () => {
    await fake?.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  const configured = (): Record<string, string> => ({ ...postgresEnvOf(testPostgresUrl()), POSTGRES_PASSWORD: secret })

  it("a fleet line naming another host gets no password from POSTGRES_PASSWORD; a pgpass line for that host is used instead", async () => {
    const fleet = join(scratch, "fleet.txt")
    writeFileSync(fleet, `postgres://aim@127.0.0.1:${fake.port}/customer1\n`)
    const without = await aimProcess(["migrate", "--json", "--databases", fleet, "--migrations-dir", shippedMigrations], configured())
    expect(without.code).toBe(1)
    expect(fake.passwords()).not.toContain(secret)

    const pgpass = join(scratch, "pgpass")
    writeFileSync(pgpass, `127.0.0.1:${fake.port}:customer1:aim:per-target-pw\n`, { mode: 0o600 })
    await aimProcess(["migrate", "--json", "--databases", fleet, "--migrations-dir", shippedMigrations], { ...configured(), PGPASSFILE: pgpass })
    expect(fake.passwords()).toContain("per-target-pw")
    expect(fake.passwords()).not.toContain(secret)
  })

  it("a .env that names the server while the password comes from the environment is refused before connecting (exit 2)", async () => {
    const cwd = mkdtempSync(join(scratch, "pr-branch-"))
    writeFileSync(join(cwd, ".env"), `POSTGRES_HOST=127.0.0.1\nPOSTGRES_PORT=${fake.port}\n`)
    const { POSTGRES_HOST: _host, POSTGRES_PORT: _port, ...rest } = configured()
    const before = fake.startups()
    const result = await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], rest, cwd)
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout).error.details.join(" ")).toMatch(
      /POSTGRES_HOST, POSTGRES_PORT: is set in \.env while POSTGRES_PASSWORD comes from the environment/,
    )
    expect(fake.startups()).toBe(before)

    // A DATABASE_URL in .env that would replace the environment's server is refused too.
    writeFileSync(join(cwd, ".env"), `DATABASE_URL=postgres://aim@127.0.0.1:${fake.port}/identity\n`)
    const replaced = await aimProcess(["status", "--json", "--migrations-dir", shippedMigrations], configured(), cwd)
    expect(replaced.code).toBe(2)
    expect(fake.startups()).toBe(before)
    expect(replaced.stdout + replaced.stderr).not.toContain(secret)
  })
})

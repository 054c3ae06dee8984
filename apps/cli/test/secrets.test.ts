import { type Cluster, type RedisServer, startCluster, startRedis } from "@aim/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, aimProcess, shippedMigrations } from "./run.js"

const secrets = { pg: "Pg-s3cret w/ @:'quote\"", smtp: "Smtp-s3cret-value", redis: "Redis-s3cret-value" }

describe("no secret appears in any output of any command", () => {
  let cluster: Cluster
  let redis: RedisServer
  beforeAll(async () => {
    cluster = await startCluster({ password: secrets.pg })
    redis = await startRedis({ password: secrets.redis })
  })
  afterAll(async () => {
    cluster?.destroy()
    await redis?.stop()
  })

  it("migrate, status, verify, doctor, explain; human and JSON; success and failure", async () => {
    const env = {
      POSTGRES_HOST: "127.0.0.1",
      POSTGRES_PORT: String(cluster.port),
      POSTGRES_USER: "postgres",
      POSTGRES_PASSWORD: secrets.pg,
      POSTGRES_DB: "postgres",
      POSTGRES_SSL_MODE: "disable",
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: String(redis.port),
      REDIS_PASSWORD: secrets.redis,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: "1",
      SMTP_USERNAME: "info@opena2a.test",
      SMTP_PASSWORD: secrets.smtp,
      FRONTEND_URL: "https://aim.example.com",
    }
    const urlEnv = {
      ...env,
      POSTGRES_HOST: "",
      DATABASE_URL: `postgres://postgres:${encodeURIComponent(secrets.pg)}@127.0.0.1:${cluster.port}/postgres?sslmode=disable`,
    }
    const wrongEnv = { ...env, POSTGRES_PASSWORD: `${secrets.pg}-wrong` }
    const dir = ["--migrations-dir", shippedMigrations]
    const runs: Array<CliResult> = await Promise.all([aimProcess(["migrate", ...dir], env), aimProcess(["migrate", "--dry-run", "--json", ...dir], urlEnv)])
    runs.push(
      ...(await Promise.all([
        aimProcess(["migrate", "--json", ...dir], urlEnv),
        aimProcess(["status", ...dir], env),
        aimProcess(["status", "--json", ...dir], urlEnv),
        aimProcess(["verify", ...dir], env),
        aimProcess(["verify", "--json", ...dir], env),
        aimProcess(["doctor"], env),
        aimProcess(["doctor", "--json"], urlEnv),
        aimProcess(["explain", `password authentication failed; password was ${secrets.pg}`], env),
        aimProcess(["migrate", "--json", ...dir], wrongEnv),
        aimProcess(["doctor", "--json"], wrongEnv),
      ])),
    )
    expect(runs[0]?.code, runs[0]?.stderr).toBe(0)
    expect(JSON.parse(runs[8]?.stdout ?? "{}").checks.find((c: { id: string }) => c.id === "redis")?.status).toBe("pass")
    expect(runs[10]?.code).toBe(1)
    for (const run of runs) {
      const output = run.stdout + run.stderr
      for (const secret of [...Object.values(secrets), encodeURIComponent(secrets.pg)]) expect(output).not.toContain(secret)
    }
  })
})

describe("literals of a failing statement never leave the process", () => {
  it("a token in a failing row, a key's value and a rejected literal are not printed, in text or JSON; the statement's line and SQLSTATE are", async () => {
    const { createTestDatabase, testPostgresUrl } = await import("@aim/testkit")
    const { mkdtempSync, writeFileSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const db = await createTestDatabase(testPostgresUrl(), "aim_literals")
    try {
      const token = "tok_Live_8f2a91c4e7"
      const cases = [
        // Failing row contains (…): every column of the row.
        `CREATE TABLE IF NOT EXISTS api_tokens (id int PRIMARY KEY, secret text NOT NULL CHECK (length(secret) < 5));\nINSERT INTO api_tokens VALUES (1, '${token}');\n`,
        // Key (secret)=(…) already exists.
        `CREATE TABLE IF NOT EXISTS api_tokens2 (secret text UNIQUE);\nINSERT INTO api_tokens2 VALUES ('${token}'), ('${token}');\n`,
        // invalid input syntax for type uuid: "…"
        `SELECT '${token}'::uuid;\n`,
      ]
      for (const [i, sqlText] of cases.entries()) {
        const dir = mkdtempSync(join(tmpdir(), "aim-literals-"))
        writeFileSync(join(dir, "001_leak.sql"), sqlText)
        for (const json of [false, true]) {
          const result = await aimProcess(["migrate", ...(json ? ["--json"] : []), "--migrations-dir", dir], { DATABASE_URL: db.url })
          expect(result.code, `case ${i}`).toBe(1)
          expect(result.stdout + result.stderr, `case ${i}`).not.toContain(token)
          expect(result.stdout + result.stderr, `case ${i}`).not.toContain("8f2a91c4e7")
          expect(result.stdout + result.stderr).toMatch(/001_leak\.sql:\d+/)
          expect(result.stdout + result.stderr).toMatch(/SQLSTATE (23514|23505|22P02)/)
        }
      }
    } finally {
      await db.drop()
    }
  })
})

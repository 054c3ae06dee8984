import { Either, Redacted } from "effect"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { pgpassPassword } from "../src/config/pgpass.js"
import type { ConfigProblem } from "../src/config/ConfigError.js"
import { fromDotEnv, loadEnv } from "../src/config/env.js"
import { parseConfig, readConfig } from "../src/config/AimConfig.js"
import { scrub, secretsOf } from "../src/output/redact.js"

const cwd = tmpdir()
const problemsOf = (env: Record<string, string>): ReadonlyArray<ConfigProblem> => readConfig(env, cwd).problems
const variables = (env: Record<string, string>) => problemsOf(env).map((p) => p.variable)

const server = { POSTGRES_HOST: "db.internal", POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw", POSTGRES_DB: "identity" }

describe("environment config", () => {
  it("reports every problem at once, each with variable, problem and fix", () => {
    const problems = problemsOf({
      ...server,
      POSTGRES_PORT: "54x",
      POSTGRES_SSL_MODE: "sometimes",
      FRONTEND_URL: "aim.example.com",
      SUPPORT_EMAIL: "support-at-opena2a",
      SMTP_HOST: "smtp.gmail.com",
      SMTP_USERNAME: "info@opena2a.org",
      REDIS_PORT: "63z79",
      REDIS_HOST: "cache",
    })
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ["FRONTEND_URL", "POSTGRES_PORT", "POSTGRES_SSL_MODE", "REDIS_PORT", "SMTP_PASSWORD", "SUPPORT_EMAIL"].sort(),
    )
    for (const p of problems) {
      expect(p.problem.length).toBeGreaterThan(5)
      expect(p.fix.length).toBeGreaterThan(5)
    }
    expect(problems.find((p) => p.variable === "POSTGRES_SSL_MODE")?.fix).toMatch(/disable, prefer, require, verify-ca, verify-full/)
    expect(problems.find((p) => p.variable === "SMTP_PASSWORD")?.problem).toMatch(/half-configured/)
  })

  it("SMTP credentials without a host are half-configured", () => {
    expect(variables({ SMTP_PASSWORD: "x" })).toEqual(["SMTP_HOST"])
  })

  it("Azure PostgreSQL without SSL is an error, with require it is fine", () => {
    const azure = { ...server, POSTGRES_HOST: "aim-prod.postgres.database.azure.com" }
    const bad = problemsOf(azure)
    expect(bad).toHaveLength(1)
    expect(bad[0]?.problem).toMatch(/CRITICAL for Azure PostgreSQL/)
    expect(problemsOf({ ...azure, POSTGRES_SSL_MODE: "disable" })).toHaveLength(1)
    expect(problemsOf({ ...azure, POSTGRES_SSL_MODE: "require" })).toEqual([])
    expect(variables({ ...azure, POSTGRES_SSL_MODE: "verify-full" })).toEqual(["POSTGRES_SSL_ROOT_CERT"])
  })

  it("Redis on 6380 or an Azure cache host means TLS; REDIS_TLS and rediss:// decide explicitly", () => {
    const tls = (env: Record<string, string>) => readConfig({ ...server, ...env }, cwd).services.redis?.tls
    expect(tls({ REDIS_HOST: "cache", REDIS_PORT: "6380" })).toBe(true)
    expect(tls({ REDIS_HOST: "aim.redis.cache.windows.net" })).toBe(true)
    expect(tls({ REDIS_HOST: "cache" })).toBe(false)
    expect(tls({ REDIS_HOST: "cache", REDIS_TLS: "true" })).toBe(true)
    expect(tls({ REDIS_URL: "rediss://:pw@cache:6379/1" })).toBe(true)
    expect(readConfig({ ...server, REDIS_URL: "redis://cache:6379/2" }, cwd).services.redis).toMatchObject({ db: 2, tls: false })
  })

  it("SMTP 587 is STARTTLS and 465 implicit TLS", () => {
    const smtp = (port: string) => readConfig({ ...server, SMTP_HOST: "smtp", SMTP_PORT: port, SMTP_USERNAME: "a@b.co", SMTP_PASSWORD: "x" }, cwd).services.smtp
    expect(smtp("587")?.implicitTls).toBe(false)
    expect(smtp("465")?.implicitTls).toBe(true)
  })

  it("secrets are Redacted: printing the config never shows them", () => {
    const config = parseConfig(
      {
        ...server,
        POSTGRES_PASSWORD: "s3cret-pg",
        SMTP_HOST: "smtp",
        SMTP_USERNAME: "a@b.co",
        SMTP_PASSWORD: "s3cret-smtp",
        REDIS_HOST: "r",
        REDIS_PASSWORD: "s3cret-redis",
      },
      cwd,
    )
    if (Either.isLeft(config)) throw new Error(config.left.message)
    const printed = `${JSON.stringify(config.right)} ${String(config.right.database._tag === "Server" && config.right.database.password)}`
    for (const secret of ["s3cret-pg", "s3cret-smtp", "s3cret-redis"]) expect(printed).not.toContain(secret)
    if (config.right.database._tag !== "Server" || config.right.database.password === undefined) throw new Error("expected a server")
    expect(Redacted.value(config.right.database.password)).toBe("s3cret-pg")
  })

  it("reads a .env file; the environment wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-dotenv-"))
    writeFileSync(join(dir, ".env"), 'POSTGRES_HOST=from-file\nPOSTGRES_DB=identity\nPOSTGRES_PASSWORD="quoted # not a comment"\n')
    const env = loadEnv(dir, { POSTGRES_HOST: "from-env" })
    expect(env.POSTGRES_HOST).toBe("from-env")
    expect(env.POSTGRES_DB).toBe("identity")
    expect(env.POSTGRES_PASSWORD).toBe("quoted # not a comment")
  })

  it("DATABASE_URL keeps special characters of a percent-encoded password", () => {
    const password = `p'a"s s@:/w%rd`
    const config = parseConfig({ DATABASE_URL: `postgres://aim:${encodeURIComponent(password)}@db:5433/identity?sslmode=require` }, cwd)
    if (Either.isLeft(config) || config.right.database._tag !== "Server") throw new Error("expected a server")
    const db = config.right.database
    expect({ host: db.host, port: db.port, user: db.user, database: db.database, sslMode: db.sslMode }).toEqual({
      host: "db",
      port: 5433,
      user: "aim",
      database: "identity",
      sslMode: "require",
    })
    expect(db.password && Redacted.value(db.password)).toBe(password)
  })

  it("a DATABASE_URL whose password holds unencoded @ / % : # is refused, naming no part of it", () => {
    for (const password of ["e@s/e%c:r", "Zq9@xK7/wV3%mN:pL#", "Tx5/Rb2", "50%Yk1", "Vm3#Nd6"]) {
      const parsed = readConfig({ DATABASE_URL: `postgres://postgres:${password}@db.example.com:5432/identity` }, cwd)
      expect(parsed.config, password).toBeUndefined()
      expect(parsed.problems, password).toEqual([
        expect.objectContaining({ variable: "DATABASE_URL", problem: expect.stringMatching(/must be percent-encoded/) }),
      ])
      const text = JSON.stringify(parsed.problems)
      for (const piece of password.split(/[@/%:#]/).filter((p) => p.length > 2)) expect(text, password).not.toContain(piece)
    }
    // The same passwords percent-encoded are fine.
    const ok = readConfig({ DATABASE_URL: `postgres://postgres:${encodeURIComponent("e@s/e%c:r#")}@db.example.com:5432/identity` }, cwd)
    expect(ok.problems).toEqual([])
  })

  it("an invalid Redis or SMTP setting is never replaced by a default: that service is not used, and the problem is listed", () => {
    const parsed = readConfig(
      {
        DATABASE_URL: "postgres://x@localhost/x",
        REDIS_HOST: "127.0.0.1",
        REDIS_PORT: "63a9",
        REDIS_PASSWORD: "r-secret",
        SMTP_HOST: "smtp.example.com",
        SMTP_PORT: "58x7",
      },
      cwd,
    )
    expect(parsed.services.redis).toBeUndefined()
    expect(parsed.services.smtp).toBeUndefined()
    expect(parsed.problems.map((p) => p.variable).sort()).toEqual(["REDIS_PORT", "SMTP_PORT"])
  })

  it("a .env value cut at an unquoted # is named (variable and line, never the value); quoted it is fine", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-env-"))
    writeFileSync(join(dir, ".env"), "POSTGRES_HOST=db\nPOSTGRES_USER=aim\nPOSTGRES_PASSWORD=Kq7#Wm3\nPOSTGRES_DB=identity # the guide's name\n")
    const parsed = readConfig(loadEnv(dir, {}), dir)
    expect(parsed.problems).toEqual([
      expect.objectContaining({ variable: "POSTGRES_PASSWORD", problem: expect.stringMatching(/cut at an unquoted # on line 3 of \.env/) }),
    ])
    expect(JSON.stringify(parsed.problems)).not.toMatch(/Kq7|Wm3/)
    writeFileSync(join(dir, ".env"), "POSTGRES_HOST=db\nPOSTGRES_USER=aim\nPOSTGRES_PASSWORD='Kq7#Wm3'\nPOSTGRES_DB=identity\n")
    expect(readConfig(loadEnv(dir, {}), dir).problems).toEqual([])
  })

  it("scrubbing redacts a password, not every part of the URL that happens to have the same text", () => {
    const same = secretsOf({ DATABASE_URL: "postgres://postgres:postgres@db.example.com:5432/identity" })
    expect(scrub("postgres://postgres@db.example.com:5432/identity (sslmode=prefer)", same)).toBe(
      "postgres://postgres@db.example.com:5432/identity (sslmode=prefer)",
    )
    const distinct = secretsOf({ DATABASE_URL: "postgres://postgres:Hx8-distinct@db.example.com:5432/identity" })
    expect(scrub("server said: password Hx8-distinct is wrong", distinct)).toBe("server said: password *** is wrong")
  })

  it("a collector's credentials are secrets: the password in its URL and every header value, not the rest", () => {
    const secrets = secretsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel:Url-Secret-7@collector.example.com:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=Hdr-Secret-9,authorization=Bearer%20tok-Secret-3",
    })
    expect(scrub("sent with Url-Secret-7 and Hdr-Secret-9 and Bearer tok-Secret-3 to collector.example.com", secrets)).toBe(
      "sent with *** and *** and *** to collector.example.com",
    )
    expect(secretsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "notaurl" })).toEqual([])
  })
})

describe("what an environment learnt from its .env", () => {
  it("travels with the environment loadEnv made, and with no copy: a copy is a plain environment, and nothing of it is printed", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-envfacts-"))
    writeFileSync(join(dir, ".env"), "REDIS_HOST=from-file\nPOSTGRES_HOST=also-file\n")
    const env = loadEnv(dir, { POSTGRES_HOST: "from-env" })
    expect([...fromDotEnv(env)]).toEqual(["REDIS_HOST"])
    expect(fromDotEnv({ ...env }).size).toBe(0)
    expect(Object.keys(env).sort()).toEqual(["POSTGRES_HOST", "REDIS_HOST"])
    expect(JSON.parse(JSON.stringify(env))).toEqual({ POSTGRES_HOST: "from-env", REDIS_HOST: "from-file" })
    // Two loads of one directory are two environments, each with its own facts.
    expect([...fromDotEnv(loadEnv(dir, { REDIS_HOST: "x" }))]).toEqual(["POSTGRES_HOST"])
    expect([...fromDotEnv(env)]).toEqual(["REDIS_HOST"])
  })
})

describe("pgpass files (per-target secrets)", () => {
  const dir = mkdtempSync(join(tmpdir(), "aim-pgpass-"))
  const file = join(dir, "pgpass")
  const target = { host: "db1.internal", port: 5432, database: "customer:1", user: "aim" }
  const lookup = (text: string, mode = 0o600, t = target) => {
    writeFileSync(file, text, { mode })
    chmodSync(file, mode)
    const found = pgpassPassword({ PGPASSFILE: file }, t)
    return found === undefined ? undefined : Redacted.value(found)
  }

  it("takes the first matching line, with * wildcards and \\: \\\\ escapes, libpq's rules", () => {
    const text = ["# comment", "db2.internal:5432:*:aim:other", "db1.internal:5432:customer\\:1:aim:pa\\:ss\\\\word", "*:*:*:*:fallback"].join("\n")
    expect(lookup(text)).toBe("pa:ss\\word")
    expect(lookup(text, 0o600, { ...target, host: "db3.internal" })).toBe("fallback")
    expect(lookup("db1.internal:5433:*:aim:wrong-port\n")).toBeUndefined()
  })

  it("ignores a file that group or others can read, as libpq does", () => {
    expect(lookup("*:*:*:*:open-secret\n", 0o644)).toBeUndefined()
    expect(lookup("*:*:*:*:closed-secret\n", 0o600)).toBe("closed-secret")
  })

  it("a DATABASE_URL without a password takes its pgpass line; POSTGRES_PASSWORD comes first", () => {
    writeFileSync(file, "db1.internal:5432:identity:aim:from-pgpass\n", { mode: 0o600 })
    chmodSync(file, 0o600)
    const passwordOf = (env: Record<string, string>) => {
      const config = readConfig({ DATABASE_URL: "postgres://aim@db1.internal:5432/identity", PGPASSFILE: file, ...env }, cwd).config
      return config?.database._tag === "Server" && config.database.password !== undefined ? Redacted.value(config.database.password) : undefined
    }
    expect(passwordOf({})).toBe("from-pgpass")
    expect(passwordOf({ POSTGRES_PASSWORD: "from-env" })).toBe("from-env")
  })
})

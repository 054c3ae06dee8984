import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { ConfigProblem } from "../src/config/ConfigError.js"
import { readServeSettings } from "../src/config/ServerConfig.js"
import { invalidSettings, problemsOf, readAppSettings, readRedisSettings, readSmtpSettings } from "../src/config/ServicesConfig.js"

// Settings as plain data (passwords unwrapped) with the problems the read reported.
const unwrap = (value: unknown): unknown =>
  Redacted.isRedacted(value)
    ? `redacted:${Redacted.value(value)}`
    : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]))
      : value
const withProblems =
  <A>(read: (env: Record<string, string>, problems: Array<ConfigProblem>) => A) =>
  (env: Record<string, string>) => {
    const problems: Array<ConfigProblem> = []
    const settings = read(env, problems)
    return { settings: unwrap(settings), problems: problems.map((p) => `${p.variable}: ${p.problem} | ${p.fix}`) }
  }
const redis = withProblems(readRedisSettings)
const smtp = withProblems(readSmtpSettings)
const app = withProblems(readAppSettings)

describe("Redis settings", () => {
  it("none set: Redis is not used, and that is no problem", () => {
    expect(redis({})).toEqual({ settings: undefined, problems: [] })
  })

  it("REDIS_URL whole: host, port, password, db, TLS", () => {
    expect(redis({ REDIS_URL: "rediss://:p%40ss@cache.example:6390/4" }).settings).toEqual({
      host: "cache.example",
      port: 6390,
      password: "redacted:p@ss",
      db: 4,
      tls: true,
      caFile: undefined,
      connectTimeoutMs: 3000,
    })
    expect(redis({ REDIS_URL: "redis://cache", REDIS_PASSWORD: "envpw", REDIS_TLS_CA_FILE: "/ca.pem", REDIS_CONNECT_TIMEOUT: "7" }).settings).toEqual({
      host: "cache",
      port: 6379,
      password: "redacted:envpw",
      db: 0,
      tls: false,
      caFile: "/ca.pem",
      connectTimeoutMs: 7000,
    })
    expect(redis({ REDIS_URL: "redis://cache:6380/" }).settings).toMatchObject({ tls: true, db: 0 })
    expect(redis({ REDIS_URL: "redis://x.redis.cache.windows.net" }).settings).toMatchObject({ tls: true })
    expect(redis({ REDIS_URL: "rediss://cache", REDIS_TLS: "false" }).settings).toMatchObject({ tls: false })
    expect(redis({ REDIS_URL: "redis://cache/abc" }).settings).toMatchObject({ db: 0 })
  })

  it("a bad REDIS_URL is a problem and Redis is not used", () => {
    expect(redis({ REDIS_URL: "cache:6379" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "REDIS_URL: scheme "cache:" is not redis | start it with redis:// or rediss://",
        ],
        "settings": undefined,
      }
    `)
    expect(redis({ REDIS_URL: "not a url" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "REDIS_URL: is not a valid URL | use redis://:PASSWORD@HOST:6379/0 or rediss:// for TLS",
        ],
        "settings": undefined,
      }
    `)
    expect(redis({ REDIS_URL: "http://cache" }).problems).toEqual(['REDIS_URL: scheme "http:" is not redis | start it with redis:// or rediss://'])
    expect(redis({ REDIS_URL: "redis://cache:0" }).settings).toBeUndefined()
  })

  it("REDIS_HOST and the variables beside it", () => {
    expect(redis({ REDIS_HOST: "cache" }).settings).toEqual({
      host: "cache",
      port: 6379,
      password: undefined,
      db: 0,
      tls: false,
      caFile: undefined,
      connectTimeoutMs: 3000,
    })
    expect(redis({ REDIS_HOST: "cache", REDIS_PORT: "6380", REDIS_PASSWORD: "pw", REDIS_DB: "2", REDIS_TLS_CA_FILE: "/ca" }).settings).toEqual({
      host: "cache",
      port: 6380,
      password: "redacted:pw",
      db: 2,
      tls: true,
      caFile: "/ca",
      connectTimeoutMs: 3000,
    })
    expect(redis({ REDIS_HOST: "AIM.Redis.Cache.Windows.Net" }).settings).toMatchObject({ tls: true })
    expect(redis({ REDIS_HOST: "cache", REDIS_PORT: "6380", REDIS_TLS: "no" }).settings).toMatchObject({ tls: false })
    expect(redis({ REDIS_HOST: "cache", REDIS_TLS: "YES" }).settings).toMatchObject({ tls: true })
    expect(redis({ REDIS_HOST: "cache", REDIS_TLS: "1" }).settings).toMatchObject({ tls: true })
    expect(redis({ REDIS_HOST: "cache", REDIS_TLS: "off" }).settings).toMatchObject({ tls: false })
  })

  it("a password or port without a host, a bad db, flag or timeout: a problem each, and Redis is not used", () => {
    expect(redis({ REDIS_PASSWORD: "pw" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "REDIS_HOST: is not set but REDIS_PASSWORD is | set REDIS_HOST too, or unset the other REDIS_* variables (Redis is optional)",
        ],
        "settings": undefined,
      }
    `)
    expect(redis({ REDIS_PORT: "6379", REDIS_PASSWORD: "pw" }).problems).toHaveLength(1)
    expect(redis({ REDIS_DB: "1" })).toEqual({ settings: undefined, problems: [] })
    expect(redis({ REDIS_HOST: "cache", REDIS_DB: "one" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "REDIS_DB: "one" is not a database number | use 0-15",
        ],
        "settings": undefined,
      }
    `)
    expect(redis({ REDIS_HOST: "cache", REDIS_TLS: "maybe" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "REDIS_TLS: "maybe" is not true or false | use true or false",
        ],
        "settings": undefined,
      }
    `)
    expect(redis({ REDIS_HOST: "cache", REDIS_CONNECT_TIMEOUT: "61" }).settings).toBeUndefined()
    expect(redis({ REDIS_HOST: "cache", REDIS_CONNECT_TIMEOUT: "60" }).settings).toMatchObject({ connectTimeoutMs: 60_000 })
    expect(redis({ REDIS_HOST: "cache", REDIS_PORT: "63a9" }).settings).toBeUndefined()
  })
})

describe("SMTP settings", () => {
  it("none set: SMTP is not used", () => {
    expect(smtp({})).toEqual({ settings: undefined, problems: [] })
  })

  it("587 is STARTTLS, 465 implicit TLS, SMTP_SECURE decides explicitly", () => {
    const base = { SMTP_HOST: "smtp.example", SMTP_USERNAME: "info@example.org", SMTP_PASSWORD: "pw" }
    expect(smtp(base)).toEqual({
      settings: { host: "smtp.example", port: 587, username: "info@example.org", password: "redacted:pw", implicitTls: false, caFile: undefined },
      problems: [],
    })
    expect(smtp({ ...base, SMTP_PORT: "465" }).settings).toMatchObject({ port: 465, implicitTls: true })
    expect(smtp({ ...base, SMTP_PORT: "465", SMTP_SECURE: "false" }).settings).toMatchObject({ implicitTls: false })
    expect(smtp({ ...base, SMTP_SECURE: "true", SMTP_TLS_CA_FILE: "/ca" }).settings).toMatchObject({ implicitTls: true, caFile: "/ca" })
    expect(smtp({ SMTP_HOST: "relay" }).settings).toEqual({
      host: "relay",
      port: 587,
      username: undefined,
      password: undefined,
      implicitTls: false,
      caFile: undefined,
    })
    expect(smtp({ SMTP_HOST: "relay", SMTP_USERNAME: "plainuser", SMTP_PASSWORD: "pw" }).problems).toEqual([])
  })

  it("half a configuration or a bad value is a problem and SMTP is not used", () => {
    expect(smtp({ SMTP_USERNAME: "a@b.co" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "SMTP_HOST: is not set but SMTP credentials are (SMTP half-configured) | set SMTP_HOST, e.g. smtp.gmail.com",
        ],
        "settings": undefined,
      }
    `)
    expect(smtp({ SMTP_PASSWORD: "pw" }).problems).toHaveLength(1)
    expect(smtp({ SMTP_HOST: "smtp", SMTP_USERNAME: "a@b.co" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "SMTP_PASSWORD: is not set but SMTP_USERNAME is (SMTP half-configured) | set both SMTP_USERNAME and SMTP_PASSWORD, or neither for a relay without authentication",
        ],
        "settings": undefined,
      }
    `)
    expect(smtp({ SMTP_HOST: "smtp", SMTP_PASSWORD: "pw" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "SMTP_USERNAME: is not set but SMTP_PASSWORD is (SMTP half-configured) | set both SMTP_USERNAME and SMTP_PASSWORD, or neither for a relay without authentication",
        ],
        "settings": undefined,
      }
    `)
    expect(smtp({ SMTP_HOST: "smtp", SMTP_USERNAME: "info@opena2a", SMTP_PASSWORD: "pw" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "SMTP_USERNAME: "info@opena2a" is not an email address | use the full sender address, e.g. info@opena2a.org",
        ],
        "settings": undefined,
      }
    `)
    expect(smtp({ SMTP_HOST: "smtp", SMTP_SECURE: "sometimes" }).problems).toEqual(['SMTP_SECURE: "sometimes" is not true or false | use true or false'])
    expect(smtp({ SMTP_HOST: "smtp", SMTP_PORT: "0" }).settings).toBeUndefined()
  })
})

describe("app settings", () => {
  it("valid values are kept", () => {
    expect(app({ FRONTEND_URL: "https://aim.example.com", SUPPORT_EMAIL: "support@example.org", AIM_HEALTH_TOKEN: "0123456789abcdef" })).toEqual({
      settings: { frontendUrl: "https://aim.example.com", supportEmail: "support@example.org", healthToken: "redacted:0123456789abcdef" },
      problems: [],
    })
    expect(app({ FRONTEND_URL: "http://localhost:3000" }).problems).toEqual([])
    expect(app({})).toEqual({ settings: { frontendUrl: undefined, supportEmail: undefined, healthToken: undefined }, problems: [] })
  })

  it("bad values are named; a short health token is not used", () => {
    expect(app({ FRONTEND_URL: "aim.example.com", SUPPORT_EMAIL: "support-at-opena2a", AIM_HEALTH_TOKEN: "0123456789abcde" })).toMatchInlineSnapshot(`
      {
        "problems": [
          "FRONTEND_URL: "aim.example.com" is not an http(s) URL | use the full URL, e.g. https://aim.example.com",
          "SUPPORT_EMAIL: "support-at-opena2a" is not an email address | use an address such as support@opena2a.org",
          "AIM_HEALTH_TOKEN: is shorter than 16 characters: too easy to guess for what it guards | use a random token, e.g. openssl rand -hex 32",
        ],
        "settings": {
          "frontendUrl": "aim.example.com",
          "healthToken": undefined,
          "supportEmail": "support-at-opena2a",
        },
      }
    `)
    expect(app({ FRONTEND_URL: "ftp://aim.example.com" }).problems).toHaveLength(1)
    expect(app({ FRONTEND_URL: "https://" }).problems).toHaveLength(1)
    expect(app({ FRONTEND_URL: "file:///etc/passwd" }).problems).toHaveLength(1)
    for (const bad of ["a@b", "a b@c.d", "<a@b.c>", "a@b.c@d"]) expect(app({ SUPPORT_EMAIL: bad }).problems).toHaveLength(1)
  })
})

describe("invalidSettings", () => {
  it("joins a service's own problems and fixes, and is undefined when there are none", () => {
    const problems: Array<ConfigProblem> = [
      { variable: "REDIS_PORT", problem: "bad port", fix: "use a number" },
      { variable: "SMTP_HOST", problem: "missing", fix: "set it" },
      { variable: "REDIS_TLS", problem: "not a flag", fix: "use true" },
      { variable: "POSTGRES_HOST", problem: "x", fix: "y" },
    ]
    expect(invalidSettings("REDIS", problems)).toEqual({
      problems: "REDIS_PORT: bad port; REDIS_TLS: not a flag",
      fix: "REDIS_PORT: use a number; REDIS_TLS: use true",
    })
    expect(invalidSettings("SMTP", problems)).toEqual({ problems: "SMTP_HOST: missing", fix: "SMTP_HOST: set it" })
    expect(invalidSettings("SMTP", [])).toBeUndefined()
    expect(problemsOf("REDIS", [{ variable: "XREDIS_A", problem: "", fix: "" }])).toEqual([])
  })
})

describe("HOST of the backend and the health endpoint", () => {
  const serve = withProblems((env, problems) => readServeSettings(env, { port: 8080, host: "0.0.0.0" }, problems))
  it("an address this machine does not have is a problem before anything runs; the wildcards, loopback and names are not", () => {
    expect(serve({ HOST: "192.0.2.77" }).problems).toEqual([
      "HOST: 192.0.2.77 is not an address of this machine, so the server could not listen on it | set HOST to 0.0.0.0 (every address), 127.0.0.1, or one of this machine's own addresses (ip -brief address lists them)",
    ])
    for (const host of ["0.0.0.0", "::", "127.0.0.1", "localhost", "aim-backend"]) expect(serve({ HOST: host }).problems, host).toEqual([])
    expect(serve({}).problems).toEqual([])
  })
})

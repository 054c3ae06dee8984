import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decoded, scrub, scrubValue, secretsOf, withoutUrlCredentials } from "../src/output/redact.js"

describe("secretsOf", () => {
  it("takes each secret variable of three characters or more, longest first", () => {
    expect(
      secretsOf({ POSTGRES_PASSWORD: "pgpass", SMTP_PASSWORD: "smtp-secret", REDIS_PASSWORD: "red", PGPASSWORD: "ab", AIM_HEALTH_TOKEN: "tok3n" }),
    ).toEqual(["smtp-secret", "pgpass", "tok3n", "red"])
    expect(secretsOf({ POSTGRES_PASSWORD: "   " })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: " ab " })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: " abc " })).toEqual([" abc "])
    expect(secretsOf({})).toEqual([])
  })

  it("takes a URL's password, raw and decoded, but not its user, host or database", () => {
    expect(secretsOf({ DATABASE_URL: "postgres://aim:p%40ss%2Fword@db.example:5432/identity" })).toEqual(["p%40ss%2Fword", "p@ss/word"])
    expect(secretsOf({ REDIS_URL: "redis://:hunter2@cache:6379/0" })).toEqual(["hunter2"])
    expect(secretsOf({ AIM_SCRATCH_DATABASE_URL: "postgres://u:scratchpw@h/d" })).toEqual(["scratchpw"])
    expect(secretsOf({ DATABASE_URL: "postgres://aim@db/identity" })).toEqual([])
    expect(secretsOf({ DATABASE_URL: "postgres://aim:pw@db/identity" })).toEqual([])
  })

  it("a URL variable that is not a URL is secret whole: its password cannot be told apart", () => {
    expect(secretsOf({ DATABASE_URL: "host=db password=whole" })).toEqual(["host=db password=whole"])
  })

  it("a password that is also a part printed on purpose is left out (it would blank that part everywhere)", () => {
    expect(secretsOf({ POSTGRES_PASSWORD: "postgres", POSTGRES_USER: "postgres" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "db.internal", POSTGRES_HOST: "db.internal" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "identity", DATABASE_URL: "postgres://aim@db/identity" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "postgres", DATABASE_URL: "postgres://aim@db/d" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "smtp.example", SMTP_HOST: "smtp.example" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "cachehost", REDIS_HOST: "cachehost" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "identity", POSTGRES_DB: "identity" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "info@x.org", SMTP_USERNAME: "info@x.org" })).toEqual([])
    expect(secretsOf({ POSTGRES_PASSWORD: "other", POSTGRES_USER: "postgres" })).toEqual(["other"])
  })

  it("a collector's URL password and header values are secret, raw and decoded", () => {
    expect(secretsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://u:c%40llector@otel:4318" })).toEqual(["c%40llector", "c@llector"])
    expect(secretsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otel:4318" })).toEqual([])
    expect(secretsOf({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "not a url" })).toEqual([])
    expect(secretsOf({ OTEL_EXPORTER_OTLP_HEADERS: "api-key=k%3Dey1, authorization = Bearer tok ,x-short=ab,novalue" })).toEqual([
      "Bearer tok",
      "k%3Dey1",
      "k=ey1",
    ])
    expect(secretsOf({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: "a=trace-key" })).toEqual(["trace-key"])
    expect(secretsOf({ OTEL_EXPORTER_OTLP_METRICS_HEADERS: "a=metric-key" })).toEqual(["metric-key"])
  })

  it("a decoded value equal to the raw one is listed once", () => {
    expect(secretsOf({ REDIS_URL: "redis://:plain@cache" })).toEqual(["plain"])
  })
})

describe("scrub", () => {
  it("replaces every occurrence, raw and JSON-escaped", () => {
    expect(scrub("pw=s3cret and again s3cret", ["s3cret"])).toBe("pw=*** and again ***")
    expect(scrub(JSON.stringify({ password: 'a"b\\c' }), ['a"b\\c'])).toBe('{"password":"***"}')
    expect(scrub("nothing here", ["s3cret"])).toBe("nothing here")
    expect(scrub("", ["s3cret"])).toBe("")
    expect(scrub("text", [])).toBe("text")
  })

  it("leaves no piece of a secret: longer secrets, overlaps and repeats", () => {
    expect(scrub("abcdef", ["abc", "abcdef"])).toBe("***")
    expect(scrub("xabcdefx", ["abc", "abcdef"])).toBe("x***x")
    expect(scrub("abcd", ["bcd", "abc"])).toBe("***")
    expect(scrub("aaaa", ["aaa"])).toBe("***")
    expect(scrub("abc-abc", ["abc"])).toBe("***-***")
    expect(scrub("abcdef", ["abc", "def"])).toBe("***")
    expect(scrub("[abc]", ["abc"])).toBe("[***]")
  })

  it("an empty secret changes nothing (it would put *** between every character)", () => {
    expect(scrub("abc", [""])).toBe("abc")
  })
})

describe("scrubValue", () => {
  it("scrubs every string, keys too, and keeps other values as they are", () => {
    const secret = "t0psecret"
    const date = new Date("2026-01-01T00:00:00Z")
    expect(scrubValue({ a: `x${secret}y`, [secret]: 1, n: 5432, b: true, z: null, u: undefined, list: [secret, 2, { deep: secret }], date }, [secret])).toEqual(
      { a: "x***y", "***": 1, n: 5432, b: true, z: null, u: undefined, list: ["***", 2, { deep: "***" }], date: "2026-01-01T00:00:00.000Z" },
    )
  })

  it("a secret that is a number or a boolean leaves the JSON valid", () => {
    expect(JSON.parse(JSON.stringify(scrubValue({ port: 5432, ok: true, text: "5432 true" }, ["5432", "true"])))).toEqual({
      port: 5432,
      ok: true,
      text: "*** ***",
    })
  })

  it("uses a value's toJSON", () => {
    expect(scrubValue({ toJSON: () => ({ s: "my-secret" }) }, ["my-secret"])).toEqual({ s: "***" })
  })
})

describe("withoutUrlCredentials", () => {
  it("removes what stands between a URL's scheme and its last @", () => {
    expect(withoutUrlCredentials("redis://:pw@cache:6379")).toBe("redis://***@cache:6379")
    expect(withoutUrlCredentials("at postgres://u:p@ss@db/x now")).toBe("at postgres://***@db/x now")
    expect(withoutUrlCredentials('"postgres://u:p@db"')).toBe('"postgres://***@db"')
  })

  it("leaves words that are no URL with credentials", () => {
    for (const text of ["postgres://db/x", "mail me@example.com", "://u:p@h", "1://u:p@h", "=1a://u:p@h", "postgres://", "a@b://c"]) {
      expect(withoutUrlCredentials(text)).toBe(text)
    }
    expect(withoutUrlCredentials("x://a@h")).toBe("x://***@h")
    expect(withoutUrlCredentials("x://@h")).toBe("x://***@h")
    expect(withoutUrlCredentials("url=s3+x.y-z://u:p@h")).toBe("url=s3+x.y-z://***@h")
  })
})

describe("decoded", () => {
  it("decodes percent escapes and keeps a malformed one as it is", () => {
    expect(decoded("p%40ss")).toBe("p@ss")
    expect(decoded("100%")).toBe("100%")
    expect(decoded("%zz")).toBe("%zz")
  })
})

describe("properties with oracles", () => {
  // Secrets from letters, the text around them from characters no secret holds: after scrubbing,
  // any letter left would be a piece of a secret.
  const secret = fc.stringMatching(/^[a-e]{3,12}$/)
  const filler = fc.stringMatching(/^[ .,:=0-9-]{0,6}$/)

  it("scrubbing any set of secrets leaves none of them, whole or in part", () => {
    fc.assert(
      fc.property(fc.uniqueArray(secret, { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(filler, fc.nat()), { maxLength: 12 }), (secrets, pieces) => {
        const text = pieces.map(([gap, pick]) => `${gap}${secrets[pick % secrets.length]}`).join("")
        const out = scrub(text, secrets)
        expect(out.replaceAll("***", "")).toMatch(/^[ .,:=0-9-]*$/)
        // Nothing but the secrets is removed: the fillers survive in order.
        expect(out.replace(/\*\*\*/g, "")).toBe(text.replace(/[a-e]/g, ""))
      }),
      { numRuns: 500 },
    )
  })

  it("the environment's secrets, scrubbed from text that quotes them, leave no piece", () => {
    fc.assert(
      fc.property(secret, secret, secret, (pg, smtp, redis) => {
        const secrets = secretsOf({ POSTGRES_PASSWORD: pg, SMTP_PASSWORD: smtp, REDIS_URL: `redis://:${redis}@cache:6379` })
        const out = scrub(`PG=${pg} SMTP=${smtp}${pg} R=${redis} ${JSON.stringify({ pg })}`, secrets)
        expect(out).not.toMatch(/[a-e]/)
      }),
      { numRuns: 300 },
    )
  })

  it("a URL's credentials never survive withoutUrlCredentials", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9+.-]{0,8}$/), fc.stringMatching(/^[A-Z0-9:%@]{1,16}$/), (scheme, credentials) => {
        const out = withoutUrlCredentials(`see ${scheme}://${credentials}@host.example:1/x`)
        expect(out).toBe(`see ${scheme}://***@host.example:1/x`)
      }),
      { numRuns: 300 },
    )
  })
})

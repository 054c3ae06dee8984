import { Cause, Effect, Exit } from "effect"
import fc from "fast-check"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { describeDatabase } from "../src/config/DatabaseConfig.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { readConfig } from "../src/config/AimConfig.js"
import { scrub, scrubValue, secretsOf } from "../src/output/redact.js"
import { transactionControl } from "../src/migrator/MigrationSession.js"

// Generated inputs: every one is answered by a coded error or a success, never a defect, a hang or a
// secret in what would be printed. 1,000 runs of each property per test run.
const runs = 1000

const secret = "Zp4-Secret-Value"

/** Values a variable might hold: valid ones, near misses, junk, and text that holds the secret. */
const value = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "5432",
    "6380",
    "0",
    "-1",
    "65536",
    "63a9",
    "true",
    "no",
    "maybe",
    "require",
    "verify-full",
    "disable",
    "localhost",
    "db.example.com",
  ),
  fc.constantFrom(
    "x.postgres.database.azure.com",
    "x.redis.cache.windows.net",
    "/no/such/ca.pem",
    "https://aim.example.com",
    "ftp://x",
    "a@b.co",
    "not-an-email",
  ),
  fc.constantFrom(
    `postgres://postgres:${secret}@db:5432/identity`,
    `postgres://postgres:${encodeURIComponent(`${secret}@/#`)}@db:5432/identity`,
    `postgres://postgres:${secret}@/#x@db/identity`,
    `redis://:${secret}@cache:6379/0`,
    "mysql://x@y/z",
    "postgres://",
  ),
  fc.string({ maxLength: 12 }),
)

const variables = [
  "DATABASE_URL",
  "POSTGRES_HOST",
  "POSTGRES_PORT",
  "POSTGRES_USER",
  "POSTGRES_DB",
  "POSTGRES_SSL_MODE",
  "POSTGRES_SSL_ROOT_CERT",
  "POSTGRES_CONNECT_TIMEOUT",
  "NODE_ENV",
  "REDIS_URL",
  "REDIS_HOST",
  "REDIS_PORT",
  "REDIS_DB",
  "REDIS_TLS",
  "SMTP_HOST",
  "SMTP_PORT",
  "SMTP_USERNAME",
  "SMTP_SECURE",
  "FRONTEND_URL",
  "SUPPORT_EMAIL",
] as const

const environment = fc
  .record(Object.fromEntries(variables.map((name) => [name, value])) as Record<(typeof variables)[number], fc.Arbitrary<string>>, { requiredKeys: [] })
  .chain((env) => fc.record({ env: fc.constant(env), withPasswords: fc.boolean() }))

describe("properties over generated inputs", () => {
  it(`configuration: ${runs} generated environments, each a valid config or coded problems, no secret in any of it`, () => {
    fc.assert(
      fc.property(environment, ({ env, withPasswords }) => {
        const full = withPasswords ? { ...env, POSTGRES_PASSWORD: secret, SMTP_PASSWORD: secret, REDIS_PASSWORD: secret } : env
        const parsed = readConfig(full, tmpdir())
        for (const problem of parsed.problems) {
          expect(typeof problem.variable).toBe("string")
          expect(problem.problem.length).toBeGreaterThan(0)
          expect(problem.fix.length).toBeGreaterThan(0)
        }
        const printed = JSON.stringify(parsed.problems) + (parsed.config === undefined ? "" : describeDatabase(parsed.config.database))
        expect(printed).not.toContain(secret)
        if (parsed.config === undefined) expect(parsed.problems.length).toBeGreaterThan(0)
        // Whatever went wrong has a catalog entry to print: the configuration entry.
        if (parsed.problems.length > 0) expect(diagnose({ _tag: "ConfigError", problems: parsed.problems, message: "" }).entry.code).toMatch(/^AIM-CFG-00[12]$/)
      }),
      { numRuns: runs },
    )
  })

  const fileName = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom("create_x", "add-y", "z")).map(([n, d]) => `${String(n).padStart(3, "0")}_${d}.sql`),
    fc.tuple(fc.integer({ min: 1, max: 30 }), fc.constantFrom(".up.sql", ".down.sql")).map(([n, ext]) => `${String(n).padStart(3, "0")}_pair${ext}`),
    fc.constantFrom("8_short.sql", "abc.sql", "001 spaces.sql", "README.md", "001_x.sql.bak", "0001_wide.sql"),
  )
  const content = fc.oneof(
    fc.constantFrom("SELECT 1;\n", "CREATE TABLE IF NOT EXISTS t (id int);\n", "-- aim:no-transaction\nSELECT 1;\n", "", "   \n", "\uFEFFSELECT 2;\r\n"),
    fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
  )
  const directory = fc.array(fc.tuple(fileName, content), { maxLength: 8 })

  it(`migration files: ${runs} generated directories, each loaded or refused with every bad file named, never a defect`, async () => {
    await fc.assert(
      fc.asyncProperty(directory, async (files) => {
        const dir = mkdtempSync(join(tmpdir(), "aim-prop-"))
        try {
          for (const [name, text] of files) writeFileSync(join(dir, name), text)
          const exit = await Effect.runPromiseExit(loadMigrations(dir))
          if (Exit.isFailure(exit)) {
            expect(Cause.isDie(exit.cause)).toBe(false)
            const failure = Cause.failureOption(exit.cause)
            expect(failure._tag).toBe("Some")
            if (failure._tag === "Some") {
              expect(diagnose(failure.value).entry.code).toMatch(/^AIM-MIG-00[45]$/)
              if (failure.value._tag === "MigrationSourceError") expect(failure.value.problems.length).toBeGreaterThan(0)
            }
          } else {
            const versions = exit.value.map((m) => m.version)
            expect(new Set(versions).size).toBe(versions.length)
            expect([...versions].sort((a, b) => a - b)).toEqual(versions)
          }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: runs },
    )
  })
})

describe("generated migration texts: directives in odd places, transaction control, binary content", () => {
  // A file is built from parts whose effect is known, so the expected answer is computed from the
  // parts (the oracle), not from the code under test.
  const parts = {
    statement: "CREATE TABLE IF NOT EXISTS t (id int);",
    comment: "-- a note about it",
    blank: "",
    noTransaction: "-- aim:no-transaction",
    check: '-- aim:check "nothing breaks it" SELECT 1 WHERE false',
    typo: "-- aim:chek SELECT 1",
    lintIgnore: "-- aim:lint-ignore destructive: on purpose",
    nul: "SELECT 'a\u0000b';",
  } as const
  type Part = keyof typeof parts
  const control = fc.constantFrom("BEGIN;", "COMMIT;", "ROLLBACK;", "END;", "START TRANSACTION;", "SAVEPOINT s1;", "RELEASE SAVEPOINT s1;", "ABORT;")
  const part = fc.oneof(
    fc
      .constantFrom<Part>("statement", "statement", "comment", "blank", "noTransaction", "check", "typo", "lintIgnore", "nul")
      .map((p) => ({ part: p, text: parts[p] })),
    control.map((text) => ({ part: "control" as const, text })),
  )
  const file = fc.array(part, { maxLength: 7 })

  it(`${runs} generated files: refused exactly when a part makes them wrong, naming why; transaction control refused in a transactional file`, async () => {
    await fc.assert(
      fc.asyncProperty(file, async (lines) => {
        const text = `${lines.map((l) => l.text).join("\n")}\n`
        const first = lines.find((l) => l.part !== "blank")
        const firstStatement = lines.findIndex((l) => l.part === "statement" || l.part === "control" || l.part === "nul")
        const expected: Array<RegExp> = []
        if (lines.some((l) => l.part === "nul")) expected.push(/has a NUL byte at offset \d+ \(line \d+\)/)
        else {
          if (lines.some((l) => l.part === "typo")) expected.push(/unknown directive -- aim:chek/)
          if (lines.some((l) => l.part === "noTransaction" && l !== first)) expected.push(/-- aim:no-transaction works only as the file's first line/)
          if (firstStatement >= 0 && lines.some((l, i) => l.part === "check" && i > firstStatement))
            expected.push(/-- aim:check is read only in the comments above/)
          if (expected.length === 0 && firstStatement < 0) expected.push(first === undefined ? /is empty/ : /has no statement, only comments/)
        }
        const dir = mkdtempSync(join(tmpdir(), "aim-prop-text-"))
        try {
          writeFileSync(join(dir, "001_generated.sql"), text)
          const exit = await Effect.runPromiseExit(loadMigrations(dir))
          if (expected.length > 0) {
            expect(Exit.isFailure(exit)).toBe(true)
            const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
            expect(failure?._tag).toBe("Some")
            const message = failure?._tag === "Some" ? failure.value.message : ""
            for (const pattern of expected) expect(message).toMatch(pattern)
            if (failure?._tag === "Some") expect(diagnose(failure.value).entry.code).toBe("AIM-MIG-004")
            return
          }
          expect(Exit.isSuccess(exit)).toBe(true)
          if (!Exit.isSuccess(exit)) return
          const [migration] = exit.value
          expect(migration?.transactional).toBe(first?.part !== "noTransaction")
          const refused = await Effect.runPromise(transactionControl(exit.value))
          const controlLines = lines.flatMap((l, i) => (l.part === "control" ? [i + 1] : []))
          expect(refused.map((p) => Number(/^line (\d+):/.exec(p.problem)?.[1]))).toEqual(migration?.transactional === true ? controlLines : [])
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: runs },
    )
  })
})

/** Every string of a JSON document, keys included. */
const strings = (value: unknown): Array<string> =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : typeof value === "object" && value !== null
        ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
        : []

describe("the scrubber over generated secrets", () => {
  // Quotes, backslashes, JSON's words, digits, a lone %, blanks and unicode: the secrets that broke it.
  const tricky = fc.oneof(
    fc.constantFrom("true", "false", "null", "5432", "12345", 'pa"ss', "back\\slash", "50%", "%zz", "ünï-cödé-✓", "  ", "", "a", "tab\there"),
    fc.string({ minLength: 0, maxLength: 24 }),
    fc.string({ unit: "grapheme", minLength: 3, maxLength: 12 }),
  )

  it("JSON stays valid and keeps its booleans and numbers; no secret (of 3 visible characters or more) is left in text or JSON", () => {
    fc.assert(
      fc.property(tricky, fc.string({ maxLength: 10 }), (password, around) => {
        // A password that is also a part printed on purpose (the URL's scheme or host) is not scrubbed, by design.
        fc.pre(!["redis", "cache", "6379"].includes(password))
        const secrets = secretsOf({
          POSTGRES_PASSWORD: password,
          OTEL_EXPORTER_OTLP_HEADERS: `api-key=${password}`,
          REDIS_URL: `redis://:${password}@cache:6379`,
        })
        const doc = { ok: true, port: 5432, count: 12345, message: `${around}${password}${around}`, nested: [{ [password || "k"]: password }] }
        const printed = JSON.stringify(scrubValue(doc, secrets), null, 2)
        const parsed = JSON.parse(printed) as typeof doc
        expect(parsed.ok).toBe(true)
        expect(parsed.port).toBe(5432)
        expect(parsed.count).toBe(12345)
        const text = scrub(`failed: ${around}${password}${around}`, secrets)
        if (password.trim().length >= 3) {
          for (const piece of strings(parsed)) expect(piece).not.toContain(password)
          expect(text).not.toContain(password)
        } else {
          // Nothing to hide: the output is left as it was (an empty secret once put *** between every character).
          expect(text).toBe(`failed: ${around}${password}${around}`)
        }
      }),
      { numRuns: runs },
    )
  })

  it("a longer secret is scrubbed before a shorter one inside it: no piece is left", () => {
    const secrets = secretsOf({ POSTGRES_PASSWORD: "abc", SMTP_PASSWORD: "abcdef" })
    expect(scrub("x abcdef y abc", secrets)).toBe("x *** y ***")
  })
})

import { sql } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import fc from "fast-check"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { toSqlError } from "../src/database/SqlError.js"
import { literal } from "../src/database/sqlText.js"

// Scrubbing by shape, against the errors the server really raises: a generated secret goes into a
// statement that fails, and no part of what aim keeps of the error (message, detail, hint, where)
// may hold it. Object names stay: they say what to fix.

const database = useTestDatabase("aim_scrubbing")

/** The error the server raised for `text` with `params`, as aim keeps it. */
const failure = async (url: string, text: string, params: ReadonlyArray<unknown> = []) => {
  const error = await sql(url, text, params).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error === undefined) return undefined
  const kept = toSqlError(error)
  return { raw: error as { message: string; detail?: string }, kept: [kept.message, kept.detail, kept.hint, kept.where].join("\n") }
}

// Secret-looking values: a card number, a live key, words with spaces, quotes and parentheses.
const secret = fc.oneof(
  fc.stringMatching(/^4[0-9]{15}$/),
  fc.stringMatching(/^sk_live_[A-Za-z0-9]{12,24}$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ()"'-]{7,20}[A-Za-z0-9]$/),
)

const errorsRaised: ReadonlyArray<readonly [string, (value: string) => readonly [string, ReadonlyArray<unknown>]]> = [
  ["out of range", (v) => [`SELECT ${/^[0-9]+$/.test(v) ? v : "99999999999999999999"}::int, $1::text`, [v]]],
  ["out of range, quoted", (v) => ["SELECT ($1::text)::numeric::int", [/^[0-9]+$/.test(v) ? v : `9${"9".repeat(20)}`]]],
  ["invalid input for uuid", (v) => ["SELECT $1::uuid", [v]]],
  ["invalid input for integer", (v) => ["SELECT $1::int", [v]]],
  ["invalid input for date", (v) => ["SELECT $1::date", [v]]],
  ["invalid input for boolean", (v) => ["SELECT $1::boolean", [v]]],
  ["invalid input for inet", (v) => ["SELECT $1::inet", [v]]],
  ["invalid input for json", (v) => ["SELECT $1::json", [`{"k": ${v}}`]]],
  ["invalid input for jsonb", (v) => ["SELECT $1::jsonb", [v]]],
  ["invalid input for an enum", (v) => ["SELECT $1::scrub_mood", [v]]],
  ["unique violation on an expression index", (v) => ["INSERT INTO scrub_keys (value) VALUES ($1), ($1)", [v]]],
  ["unique violation on a column", (v) => ["INSERT INTO scrub_plain (value) VALUES ($1), ($1)", [v]]],
  ["check violation", (v) => ["INSERT INTO scrub_checked (value) VALUES ($1)", [v]]],
  ["not-null violation beside the value", (v) => ["INSERT INTO scrub_checked (value, other) VALUES ($1, NULL)", [`ok${v}`]]],
]

describe("a server's error keeps no value it quotes", () => {
  it("every kind of error, with generated secrets: the value is gone from message, detail, hint and where; the object names stay", async () => {
    const url = database().url
    await sql(
      url,
      `CREATE TYPE scrub_mood AS ENUM ('calm');
       CREATE TABLE scrub_keys (value text); CREATE UNIQUE INDEX scrub_keys_lower ON scrub_keys (lower(value));
       CREATE TABLE scrub_plain (value text UNIQUE);
       CREATE TABLE scrub_checked (value text CHECK (value LIKE 'ok%'), other text NOT NULL DEFAULT 'x');`,
    )
    await fc.assert(
      fc.asyncProperty(secret, fc.constantFrom(...errorsRaised), async (value, [, statement]) => {
        const [text, params] = statement(value)
        const failed = await failure(url, text, params)
        // A value that happens to be valid input (a number is valid JSON) raises nothing to scrub.
        if (failed === undefined) return
        const { raw, kept } = failed
        // The server did quote something of the value (else the case proves nothing)...
        const quoted = `${raw.message}\n${raw.detail ?? ""}`
        const sample = String(params[0] ?? value)
        if (!quoted.includes(sample.slice(0, 8)) && !quoted.includes(value.slice(0, 8))) return
        // ...and aim keeps none of it.
        expect(kept).not.toContain(sample.slice(0, 8))
      }),
      { numRuns: 120 },
    )
    // Names of objects stay, so the message still says what to fix.
    expect((await failure(url, "INSERT INTO scrub_plain (value) VALUES ('a'), ('a')"))?.kept).toMatch(/unique constraint "scrub_plain_value_key"/)
    expect((await failure(url, "SELECT * FROM scrub_missing"))?.kept).toMatch(/relation "scrub_missing" does not exist/)
    expect((await failure(url, "SELECT nope FROM scrub_plain"))?.kept).toMatch(/column "nope" does not exist/)
  })

  it("the two shapes the review found: an out-of-range value and an expression index's key", async () => {
    const url = database().url
    await sql(url, "CREATE TABLE IF NOT EXISTS scrub_review (value text); CREATE UNIQUE INDEX IF NOT EXISTS scrub_review_lower ON scrub_review (lower(value))")
    const range = (await failure(url, "SELECT '4111111111111111'::int")) ?? { raw: { message: "" }, kept: "" }
    expect(range.raw.message).toContain("4111111111111111")
    expect(range.kept).not.toContain("4111111111111111")
    const key = (await failure(url, "INSERT INTO scrub_review VALUES ('sk_live_abcdef123456'), ('SK_LIVE_abcdef123456')")) ?? {
      raw: { message: "", detail: "" },
      kept: "",
    }
    expect(key.raw.detail).toContain("sk_live_abcdef123456")
    expect(key.kept).not.toMatch(/sk_live_abcdef123456/i)
    expect(key.kept).toContain("Key (lower(value))=(…)")
  })
})

describe("aim's literals read the same whatever standard_conforming_strings is", () => {
  it("any text with quotes and backslashes comes back as itself with the setting on and off (a legacy database's)", async () => {
    const client = new pg.Client({ connectionString: database().url })
    await client.connect()
    try {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: fc.constantFrom("a", "\\", "'", '"', ";", " ", "é", "\n") }), async (text) => {
          for (const setting of ["on", "off"]) {
            await client.query(`SET standard_conforming_strings = ${setting}`)
            const result = await client.query<{ v: string }>(`SELECT ${literal(text)} AS v`)
            expect(result.rows[0]?.v).toBe(text)
          }
        }),
        { numRuns: 150 },
      )
    } finally {
      await client.end()
    }
  })
})

import { useTestDatabase } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CheckFailed, readChecks, runChecks } from "../src/source/fileChecks.js"
import { Database } from "../src/database/Database.js"
import { databaseFor } from "../src/database/databases.js"
import { serverSettings } from "./support.js"

const needs = 'aim:check needs a quoted message and a query: -- aim:check "what must hold" SELECT … (the rows that break it)'

describe("readChecks", () => {
  it("reads each check of the header with its line, message and query", () => {
    expect(
      readChecks(
        [
          "-- 031: two checks",
          '-- aim:check "first" SELECT 1 WHERE false;',
          "",
          '--aim:check "second one"   SELECT a',
          "--    FROM t",
          "--       WHERE b;  ",
          "-- not a continuation (two blanks only)",
          "SELECT 1;",
        ].join("\r\n"),
      ),
    ).toEqual({
      checks: [
        { line: 2, message: "first", query: "SELECT 1 WHERE false" },
        { line: 4, message: "second one", query: "SELECT a FROM t WHERE b" },
      ],
      problems: [],
    })
  })

  it("stops at the first statement; a directive below it is a comment", () => {
    expect(readChecks('SELECT 1;\n-- aim:check "late" SELECT 1')).toEqual({ checks: [], problems: [] })
    expect(readChecks('  \n-- x\n  -- aim:check "indented" SELECT 1\nSELECT 1;').checks).toEqual([{ line: 3, message: "indented", query: "SELECT 1" }])
  })

  it("names each malformed directive with its line", () => {
    for (const bad of [
      "-- aim:check",
      "-- aim:check no quotes SELECT 1",
      '-- aim:check "" SELECT 1',
      '-- aim:check "unclosed SELECT 1',
      '-- aim:check "message"SELECT 1',
      '-- aim:check "only a message"',
      '-- aim:check "only a message" ;',
    ]) {
      expect(readChecks(`-- head\n${bad}\nSELECT 1;`)).toEqual({ checks: [], problems: [{ line: 2, problem: needs }] })
    }
    expect(readChecks("-- aim:checker x\nSELECT 1;")).toEqual({ checks: [], problems: [] })
  })

  it("keeps a message with blanks, and a query's inner semicolons", () => {
    expect(readChecks("-- aim:check \"a b  c\" SELECT ';' AS x;;").checks).toEqual([{ line: 1, message: "a b  c", query: "SELECT ';' AS x;" }])
    expect(readChecks('-- aim:check "m"\tSELECT 1').checks).toEqual([{ line: 1, message: "m", query: "SELECT 1" }])
  })
})

describe("CheckFailed", () => {
  const failed = (rows: number, more: boolean) =>
    new CheckFailed({ version: 31, name: "031_a.sql", line: 2, check: "unique emails", rows: Array.from({ length: rows }, () => ({ a: "1" })), more })

  it("says how many rows break it, in the right number", () => {
    expect(failed(1, false).message).toBe('031_a.sql:2: check "unique emails" failed: 1 row breaks it, so the file did not run and nothing of it was applied')
    expect(failed(2, false).message).toBe('031_a.sql:2: check "unique emails" failed: 2 rows break it, so the file did not run and nothing of it was applied')
    expect(failed(1, true).message).toBe('031_a.sql:2: check "unique emails" failed: 1+ rows break it, so the file did not run and nothing of it was applied')
    expect(failed(5, true).message).toMatch(/: 5\+ rows break it/)
  })
})

describe("runChecks on a real PostgreSQL", () => {
  // The test server, not an in-memory PGlite per call: checks only read, and a PGlite costs seconds to start.
  const database = useTestDatabase("aim_file_checks")
  const migration = { version: 31, name: "031_a.sql", path: "", sql: "", checksum: "", transactional: true }
  const run = (query: string, extra: ReadonlyArray<string> = []) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const db = yield* Database
        const checks = [
          { line: 1, message: "none allowed", query: "SELECT 1 WHERE false" },
          ...extra.map((q, i) => ({ line: i + 2, message: `c${i}`, query: q })),
          { line: 9, message: "rows", query },
        ]
        return yield* Effect.either(Effect.scoped(Effect.flatMap(db.session, (session) => runChecks(session, migration, checks))))
      }).pipe(Effect.provide(databaseFor(serverSettings(database().url)))),
    )

  it("passes when no check finds a row", async () => {
    expect((await run("SELECT 1 WHERE false"))._tag).toBe("Right")
  })

  it("fails with the first check that finds rows: five shown, more marked, secret-looking columns hidden, values as text", async () => {
    const result = await run(
      `SELECT g AS n, 'h' || g AS password_hash, 'k' AS api_key, 'x' AS Token, NULL::text AS empty, '{"a":1}'::jsonb AS doc,
              '2026-01-02T03:04:05Z'::timestamptz AS at, repeat('y', 81) AS long, repeat('z', 80) AS exact
         FROM generate_series(1, 7) g ORDER BY g`,
    )
    if (result._tag === "Right") throw new Error("expected the check to fail")
    const failure = result.left as CheckFailed
    expect(failure).toMatchObject({ _tag: "CheckFailed", version: 31, name: "031_a.sql", line: 9, check: "rows", more: true })
    expect(failure.rows).toHaveLength(5)
    expect(failure.rows[0]).toEqual({
      n: "1",
      password_hash: "[hidden]",
      api_key: "[hidden]",
      token: "[hidden]",
      empty: "NULL",
      doc: '{"a":1}',
      at: "2026-01-02T03:04:05.000Z",
      long: `${"y".repeat(77)}...`,
      exact: "z".repeat(80),
    })
    expect(failure.rows.map((r) => r.n)).toEqual(["1", "2", "3", "4", "5"])
  })

  it("exactly six rows are more than shown; five are not", async () => {
    const six = await run("SELECT g FROM generate_series(1, 6) g")
    expect(six._tag === "Left" && (six.left as CheckFailed).more).toBe(true)
    const five = await run("SELECT g FROM generate_series(1, 5) g")
    expect(five._tag === "Left" && [(five.left as CheckFailed).more, (five.left as CheckFailed).rows.length]).toEqual([false, 5])
  })

  it("an earlier failing check stops the run before later ones", async () => {
    const result = await run("SELECT 1", ["SELECT 'first'"])
    expect(result._tag === "Left" && (result.left as CheckFailed).check).toBe("c0")
  })

  it("hides secret, salt and credential columns too", async () => {
    const result = await run("SELECT 1 AS client_secret, 2 AS salt, 3 AS credentials, 4 AS passphrase, 5 AS keep")
    expect(result._tag === "Left" && (result.left as CheckFailed).rows).toEqual([
      { client_secret: "[hidden]", salt: "[hidden]", credentials: "[hidden]", passphrase: "[hidden]", keep: "5" },
    ])
  })
})

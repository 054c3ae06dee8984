import { sql } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { Session } from "../src/database/Database.js"
import { ensureLedger, readLedgers, readLedgersOnce } from "../src/ledger/Ledger.js"
import { aimCoLedger } from "../src/aim/backendLedger.js"
import { backendLedgerDdl } from "../src/aim/backendRelease.js"
import { Database } from "../src/database/Database.js"
import { databaseFor } from "../src/database/databases.js"
import { serverSettings } from "./support.js"

// The migration session reads both ledgers in one round trip where a no-op finds them, and falls back
// to the reads one by one where a table is missing or another tool's: the answer is the same for every
// shape a database can have, and the round trips are counted on a real session.
const database = useTestDatabase("aim_ledger_reads")

const counted = (session: Session) => {
  const sent: Array<string> = []
  const wrapped: Pick<Session, "query" | "queries"> = {
    query: (text, params) => {
      sent.push(text)
      return session.query(text, params)
    },
    queries: (text) => {
      sent.push(text)
      return session.queries(text)
    },
  }
  return { wrapped, sent }
}

// What each round trip was: the one script, or aim's ledger, the runner's columns, its rows read alone.
const kind = (text: string) =>
  text.includes(";") ? "script" : text.includes("aim_migrations") ? "aim" : text.includes("information_schema") ? "columns" : "rows"

const runner = `${backendLedgerDdl}; INSERT INTO public.schema_migrations (version) VALUES ('001_initial_schema.sql')`
const shapes: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
  ["a fresh database: the runner's table stops the script before aim's ledger", "", ["script", "aim", "columns"]],
  ["a database an earlier aim release built: aim's ledger, no runner's", "AIM", ["script", "aim", "columns"]],
  ["a database aim built: both ledgers, one round trip", `AIM; ${runner}`, ["script"]],
  ["a database the AIM backend built: its ledger alone", runner, ["script", "aim", "columns", "rows"]],
  [
    "golang-migrate's table: version bigint, dirty boolean",
    "CREATE TABLE public.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO public.schema_migrations VALUES (20240101, false)",
    ["script", "aim", "columns"],
  ],
  ["a schema_migrations without a version column", "AIM; CREATE TABLE public.schema_migrations (id int)", ["script", "aim", "columns"]],
  [
    "Rails' timestamps in a text column",
    "AIM; CREATE TABLE public.schema_migrations (version varchar PRIMARY KEY); INSERT INTO public.schema_migrations VALUES ('20240101120000')",
    ["script"],
  ],
]

describe("readLedgersOnce", () => {
  it.each(shapes)("%s", async (_, setup, roundTrips) => {
    const { url } = database()
    await sql(url, "DROP SCHEMA IF EXISTS aim_migrations CASCADE; DROP TABLE IF EXISTS public.schema_migrations")
    const withAim = setup.startsWith("AIM")
    const rest = withAim ? setup.slice(4) : setup
    const program = Effect.gen(function* () {
      const db = yield* Database
      return yield* Effect.scoped(
        Effect.gen(function* () {
          const session = yield* db.session
          if (withAim) {
            yield* ensureLedger(session.query, aimCoLedger)
            yield* session.query(
              "INSERT INTO aim_migrations.schema_migrations (version, name, checksum, applied_by) VALUES (1, '001_initial_schema.sql', 'abc', 'test')",
            )
          }
          if (rest.trim() !== "") yield* session.execute(rest)
          const { wrapped, sent } = counted(session)
          const once = yield* readLedgersOnce(wrapped, aimCoLedger)
          const oneByOne = yield* readLedgers(session.query, aimCoLedger)
          return { once, oneByOne, sent }
        }),
      )
    }).pipe(Effect.provide(databaseFor(serverSettings(url))))
    const { once, oneByOne, sent } = await Effect.runPromise(program)
    expect(once).toEqual(oneByOne)
    expect(once.ledger.map((r) => r.version)).toEqual(withAim ? [1] : [])
    expect(sent.map(kind)).toEqual(roundTrips)
  })

  it("answers the kinds of ledger it found: the runner's, another tool's, none", async () => {
    const { url } = database()
    const read = (setup: string) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const db = yield* Database
          return yield* Effect.scoped(
            Effect.gen(function* () {
              const session = yield* db.session
              yield* session.execute(`DROP SCHEMA IF EXISTS aim_migrations CASCADE; DROP TABLE IF EXISTS public.schema_migrations; ${setup}`)
              return (yield* readLedgersOnce(session, aimCoLedger)).coLedger
            }),
          )
        }).pipe(Effect.provide(databaseFor(serverSettings(url)))),
      )
    expect(await read("")).toEqual({ _tag: "Absent" })
    expect(await read(`${backendLedgerDdl}; INSERT INTO public.schema_migrations (version) VALUES ('001_initial_schema.sql')`)).toEqual({
      _tag: "Backend",
      versions: ["001_initial_schema.sql"],
    })
    expect(await read("CREATE TABLE public.schema_migrations (version bigint, dirty boolean)")).toEqual({
      _tag: "Foreign",
      shape: "version bigint, dirty boolean",
    })
    expect(await read("CREATE TABLE public.schema_migrations (version text); INSERT INTO public.schema_migrations VALUES ('20240101120000')")).toEqual({
      _tag: "Foreign",
      shape: "version text; rows such as 20240101120000",
    })
  })
})

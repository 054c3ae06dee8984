import { sql } from "@aim/testkit"
import pg from "pg"
import { useTestDatabase } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { Session } from "../src/database/Database.js"
import { ensureLedger, readLedgers, readLedgersOnce } from "../src/ledger/Ledger.js"
import { aimCoLedger, backendColumns } from "../src/aim/backendLedger.js"
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
const kind = (text: string) => (text.includes(";") ? "script" : text.includes("aim_migrations") ? "aim" : text.includes("pg_attribute") ? "columns" : "rows")

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

// The runner's columns are read from pg_catalog (a cold session paid about 19 ms for the view, every
// command): the ground truth is information_schema.columns itself, on every shape of the table and
// for a role that may see none or only some of its columns.
describe("the runner ledger's columns, read from pg_catalog", () => {
  const standard =
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schema_migrations' ORDER BY ordinal_position"
  const role = `aim_columns_${process.pid}`
  // Whatever the last shape left under that name: a table, a view or a sequence.
  const dropRelation = (url: string) =>
    sql(
      url,
      `DO $$ DECLARE k "char"; BEGIN
         SELECT relkind INTO k FROM pg_class WHERE oid = to_regclass('public.schema_migrations');
         IF k = 'v' THEN DROP VIEW public.schema_migrations; ELSIF k = 'S' THEN DROP SEQUENCE public.schema_migrations; ELSIF k IS NOT NULL THEN DROP TABLE public.schema_migrations; END IF;
       END $$`,
    )
  const both = async (url: string, as?: string) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      if (as !== undefined) await client.query(`SET ROLE ${as}`)
      return { ours: (await client.query(backendColumns)).rows, standard: (await client.query(standard)).rows }
    } finally {
      await client.end()
    }
  }
  const shapes: ReadonlyArray<readonly [string, string]> = [
    ["the backend runner's table", backendLedgerDdl],
    ["golang-migrate's", "CREATE TABLE public.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)"],
    [
      "domains, arrays, an enum, numerics and a dropped column",
      `CREATE DOMAIN public.aim_v AS text; CREATE DOMAIN public.aim_vs AS int[]; CREATE TYPE public.aim_mood AS ENUM ('a');
       CREATE TABLE public.schema_migrations (gone int, version public.aim_v, tags text[], many public.aim_vs, mood public.aim_mood, n numeric(7,2), c char(3), ts timestamptz, j jsonb);
       ALTER TABLE public.schema_migrations DROP COLUMN gone`,
    ],
    ["a view of that name", "CREATE VIEW public.schema_migrations AS SELECT 1::int AS version, 'x'::varchar(10) AS name"],
    ["a sequence of that name (no columns in either)", "CREATE SEQUENCE public.schema_migrations"],
    ["no such relation", ""],
  ]
  it.each(shapes)("%s", async (_, setup) => {
    const { url } = database()
    await dropRelation(url)
    await sql(url, "DROP DOMAIN IF EXISTS public.aim_v CASCADE; DROP DOMAIN IF EXISTS public.aim_vs CASCADE; DROP TYPE IF EXISTS public.aim_mood CASCADE")
    if (setup !== "") await sql(url, setup)
    const { ours, standard: truth } = await both(url)
    expect(ours).toEqual(truth)
  })

  it("a role that may read no column sees none, one granted a column sees that one, as information_schema says", async () => {
    const { url } = database()
    await dropRelation(url)
    await sql(url, backendLedgerDdl)
    await sql(url, `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$`)
    try {
      const none = await both(url, role)
      expect(none.ours).toEqual([])
      expect(none.ours).toEqual(none.standard)
      await sql(url, `GRANT SELECT (version) ON public.schema_migrations TO ${role}`)
      const one = await both(url, role)
      expect(one.ours).toEqual([{ column_name: "version", data_type: "character varying" }])
      expect(one.ours).toEqual(one.standard)
    } finally {
      await sql(url, `DROP TABLE IF EXISTS public.schema_migrations; DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`)
    }
  })
})

import { Context, Effect, Exit, type Scope } from "effect"
import type { ConnectionError, SqlError } from "./SqlError.js"

export type Row = Record<string, unknown>

/** One connection, used for work that must stay on the same server session (locks, transactions). */
export interface Session {
  /** One statement with bound parameters (extended protocol). */
  readonly query: <A extends Row = Row>(sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, SqlError>
  /** A whole script, several statements, no parameters (simple protocol). */
  readonly execute: (sql: string) => Effect.Effect<void, SqlError>
  /** Several statements in one round trip, no parameters (simple protocol): each statement's rows, in order. */
  readonly queries: (sql: string) => Effect.Effect<ReadonlyArray<ReadonlyArray<Row>>, SqlError>
}

export interface DatabaseShape {
  readonly kind: "server" | "embedded"
  /** Where the data lives, safe to print: no password, no token. */
  readonly target: string
  /** Runs one statement on any pooled connection. */
  readonly query: Session["query"]
  /**
   * A dedicated session for the scope. On success it goes back to the pool; on failure or
   * interruption it is closed (a statement still running is terminated), so the server rolls back
   * its transaction and frees its advisory locks.
   */
  readonly session: Effect.Effect<Session, ConnectionError, Scope.Scope>
}

export class Database extends Context.Tag("@aim/core/Database")<Database, DatabaseShape>() {}

/**
 * Runs `body` in one transaction on `session`: COMMIT when it succeeds, ROLLBACK when it fails or is
 * interrupted. With `rollback: "always"` the transaction is rolled back whatever happens: rehearsals
 * (dry runs, locating a failed statement, write probes) that must leave no trace.
 */
export const transaction = <A, E, R>(
  session: Session,
  body: Effect.Effect<A, E, R>,
  options: { readonly rollback?: "always" } = {},
): Effect.Effect<A, E | SqlError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      yield* session.execute("BEGIN")
      const exit = yield* Effect.exit(restore(body))
      if (Exit.isSuccess(exit) && options.rollback !== "always") yield* session.execute("COMMIT")
      // A failed ROLLBACK means the session is gone, and with it the transaction: the body's outcome stands.
      else yield* session.execute("ROLLBACK").pipe(Effect.ignore)
      return yield* exit
    }),
  )

/**
 * The search_path of aim's own statements, set at every session's start whatever the database or the
 * role sets: the catalog only, pg_temp last (a temporary object never shadows one). An operator or a
 * function a lower role plants in public (`=(varchar, varchar)`, `lower(varchar)`) is then never
 * picked by aim's SQL, which names what it reads in public as `public.x`; catalog text read this way
 * qualifies public's names, and `withFilesSearchPath` (catalogText.ts) takes that qualification off again.
 */
export const aimSearchPath = "pg_catalog,pg_temp"

/** The search_path the migration files (and their checks) run with: public, as they are written. Set only around their statements. */
export const filesSearchPath = "public"

/** Inside a transaction: the files' search_path until it ends, or until `asAim`. */
export const asFiles = `SET LOCAL search_path = ${filesSearchPath}`

/** Inside a transaction: back to aim's search_path for aim's statements after a file's. */
export const asAim = `SET LOCAL search_path = ${aimSearchPath}`

/**
 * Outside a transaction (a `-- aim:no-transaction` file, whose statements commit one by one): `use`
 * with the files' search_path for the session, and aim's again when it ends, however it ends.
 */
export const inFilesSearchPath = <A, E, R>(session: Session, use: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
  session
    .execute(`SET search_path = ${filesSearchPath}`)
    .pipe(Effect.zipRight(use), Effect.ensuring(session.execute(`SET search_path = ${aimSearchPath}`).pipe(Effect.ignore)))

/**
 * What every aim session sets at its start, whatever the database or the role sets: aim's search_path
 * (above), and standard string literals (a backslash is a character). The files are written that way
 * (022's regular expressions hold `\w` and `\(`): with a database's standard_conforming_strings = off
 * they would silently mean something else, and aim's own literals with them.
 */
export const sessionSettings = { search_path: aimSearchPath, standard_conforming_strings: "on" } as const

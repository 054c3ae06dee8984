import { Effect, Exit, Layer, Redacted, Schedule, type Scope } from "effect"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import pg from "pg"
import type * as tls from "node:tls"
import { type ServerDatabase, describeDatabase, systemRootCert } from "../config/DatabaseConfig.js"
import { Database, type Row, type Session, sessionSettings } from "./Database.js"
import { type ConnectionError, type SqlError, toConnectionError, toSqlError } from "./SqlError.js"

export interface PgOptions {
  /** Bounded wait for a new connection (ms). */
  readonly connectTimeoutMs?: number
  readonly maxConnections?: number
}

/** How this process shows up in pg_stat_activity: lets a waiting replica say who holds the lock. */
export const applicationName = (): string => `aim-migrate ${hostname()} pid ${process.pid}`.slice(0, 63)

/**
 * sslrootcert=system: Node's bundled Mozilla CA list (what TLS verifies against when no `ca` is given,
 * NODE_EXTRA_CA_CERTS included) plus the operating system's store where this Node can read it (22.15+).
 */
const systemCertificates = async (): Promise<ReadonlyArray<string> | undefined> => {
  // Loaded here, not at the top: pg loads node:tls itself only when a connection asks for TLS, and a
  // start that never does (a local no-op) should not pay for it.
  const read = ((await import("node:tls")) as { getCACertificates?: (type: "default" | "system") => ReadonlyArray<string> }).getCACertificates
  return read === undefined ? undefined : [...new Set([...read("default"), ...read("system")])]
}

/** libpq's sslmode meanings mapped onto Node's TLS options. */
const sslOptions = async (settings: ServerDatabase): Promise<false | tls.ConnectionOptions> => {
  switch (settings.sslMode) {
    case "disable":
      return false
    case "prefer":
    case "require":
      return { rejectUnauthorized: false }
    case "verify-ca":
    case "verify-full": {
      const ca =
        settings.sslRootCert === undefined
          ? undefined
          : settings.sslRootCert === systemRootCert
            ? (await systemCertificates())?.slice()
            : readFileSync(settings.sslRootCert, "utf8")
      return settings.sslMode === "verify-ca"
        ? { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }), checkServerIdentity: () => undefined }
        : { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) }
    }
  }
}

/** The server asked for a password and none may go to it (credentials.ts): an authentication failure, explained. */
export class NoPasswordGiven extends Error {
  constructor(hint?: string) {
    super(
      `the server asks for a password and none may be sent to it: a server gets its own URL's password or a pgpass line for it, and only a server the environment names gets POSTGRES_PASSWORD or PGPASSWORD${hint === undefined ? "" : `; ${hint}`}`,
    )
    this.name = "NoPasswordGiven"
  }
}

const poolConfig = (settings: ServerDatabase, ssl: false | tls.ConnectionOptions, options: PgOptions): pg.PoolConfig => ({
  host: settings.host,
  port: settings.port,
  user: settings.user,
  database: settings.database,
  // Always a function: given no password, pg reads PGPASSWORD and ~/.pgpass by itself and would send
  // the environment's password to a server a fleet line or .env named. Where it goes is decided once,
  // in config/credentials.ts; with none decided, a server that asks for one is told so (AIM-DB-004).
  password: () => (settings.password === undefined ? Promise.reject(new NoPasswordGiven(settings.noPasswordHint)) : Redacted.value(settings.password)),
  ssl,
  application_name: applicationName(),
  // Every aim session resolves its own names in the catalog only (aimSearchPath); the files get public
  // around their statements. Not the database's or the role's own search_path (ALTER DATABASE … SET
  // search_path would send plan, verify and drift elsewhere), not "$user" (a schema named after aim's
  // role, which a lower role may create), and not public, where a lower role's operators would be
  // picked by aim's comparisons. The same for standard_conforming_strings (sessionSettings).
  options: Object.entries(sessionSettings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" "),
  connectionTimeoutMillis: options.connectTimeoutMs ?? settings.connectTimeoutSeconds * 1000,
  max: options.maxConnections ?? 4,
  idleTimeoutMillis: 10_000,
  allowExitOnIdle: true,
})

const runQuery = <A extends Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: ReadonlyArray<unknown>) =>
  Effect.tryPromise({
    try: () => client.query(sql, params === undefined ? undefined : [...params]),
    catch: toSqlError,
  }).pipe(Effect.map((result) => result.rows as ReadonlyArray<A>))

/**
 * A script in the simple protocol, counting the statements the server completes (one CommandComplete
 * each) so that a failure says which statement failed: a file of 100,000 statements that fails at its
 * end is located by this one run, not by running it again.
 */
const runScript = (client: pg.PoolClient, sql: string): Effect.Effect<void, SqlError> =>
  Effect.async<void, SqlError>((resume) => {
    let completed = 0
    const query = new pg.Query(sql, undefined, (error: unknown) =>
      resume(error == null ? Effect.void : Effect.fail(toSqlError(error, completed))),
    ) as pg.Query & {
      handleCommandComplete: (message: unknown, connection: unknown) => void
    }
    const complete = query.handleCommandComplete.bind(query)
    query.handleCommandComplete = (message, connection) => {
      completed++
      complete(message, connection)
    }
    client.query(query)
  })

/**
 * A pool whose first connection has been made (and returned to the pool for reuse), so an
 * unreachable server fails here, typed. With sslmode=prefer, falls back to plain TCP only when the
 * server has no SSL, and never in production (`plaintextFallback`): there the password is only sent over TLS.
 */
const connectedPool = (settings: ServerDatabase, options: PgOptions, target: string) => {
  const open = (ssl: false | tls.ConnectionOptions) =>
    Effect.tryPromise({
      try: async () => {
        const pool = new pg.Pool(poolConfig(settings, ssl, options))
        // An idle client losing its server must not crash the process; the next query reports it.
        pool.on("error", () => undefined)
        try {
          const client = await pool.connect()
          client.release()
          return pool
        } catch (error) {
          await pool.end().catch(() => undefined)
          throw error
        }
      },
      catch: (cause) => toConnectionError(cause, target),
    })
  const first = Effect.tryPromise({ try: () => sslOptions(settings), catch: (cause) => toConnectionError(cause, target) }).pipe(Effect.flatMap(open))
  return settings.sslMode === "prefer" && settings.plaintextFallback
    ? first.pipe(
        Effect.catchIf(
          (e) => /does not support SSL/i.test(e.message),
          () => open(false),
        ),
      )
    : first
}

/** A pg Pool for a PostgreSQL server; fails at construction when the server cannot be reached. */
export const PgDatabaseLive = (settings: ServerDatabase, options: PgOptions = {}): Layer.Layer<Database, ConnectionError> =>
  Layer.scoped(
    Database,
    Effect.gen(function* () {
      const target = describeDatabase(settings)
      const pool = yield* Effect.acquireRelease(connectedPool(settings, options, target), (created) =>
        Effect.promise(() => created.end().catch(() => undefined)),
      )

      // pg_terminate_backend only signals: wait (bounded) until the backend is gone and holds no lock
      // (an exiting backend can leave pg_stat_activity a moment before it releases its locks), so
      // that its locks are free by the time the caller's scope has closed.
      const terminate = (pid: number) =>
        Effect.tryPromise(() => pool.query("SELECT pg_terminate_backend($1)", [pid])).pipe(
          Effect.andThen(
            Effect.tryPromise(() => pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 UNION ALL SELECT 1 FROM pg_locks WHERE pid = $1", [pid])).pipe(
              Effect.filterOrFail((result) => result.rowCount === 0),
              Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 250 }),
            ),
          ),
          Effect.timeout("5 seconds"),
          Effect.ignore,
        )

      // Pooled clients come back many times: attach the error listener once each.
      const listening = new WeakSet<pg.PoolClient>()
      const session: Effect.Effect<Session, ConnectionError, Scope.Scope> = Effect.gen(function* () {
        const client = yield* Effect.tryPromise({ try: () => pool.connect(), catch: (cause) => toConnectionError(cause, target) })
        if (!listening.has(client)) {
          listening.add(client)
          client.on("error", () => undefined)
        }
        const pid = (client as unknown as { processID?: number }).processID
        // Set when a statement was abandoned by an interruption: it may still be running on the server.
        let abandoned = false
        const track = <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.onInterrupt(effect, () =>
            Effect.sync(() => {
              abandoned = true
            }),
          )
        yield* Effect.addFinalizer((exit) =>
          Exit.isSuccess(exit) && !abandoned
            ? Effect.sync(() => client.release())
            : // End the backend so its transaction rolls back and its advisory lock goes now, not when
              // the abandoned statement finishes; then drop the socket rather than reuse it.
              (abandoned && pid !== undefined ? terminate(pid) : Effect.void).pipe(Effect.andThen(Effect.sync(() => client.release(true)))),
        )
        return {
          query: <A extends Row = Row>(sql: string, params?: ReadonlyArray<unknown>) => track(runQuery<A>(client, sql, params)),
          execute: (sql: string): Effect.Effect<void, SqlError> => track(runScript(client, sql)),
          queries: (sql: string) =>
            track(
              Effect.tryPromise({ try: () => client.query(sql) as Promise<pg.QueryResult | ReadonlyArray<pg.QueryResult>>, catch: (e) => toSqlError(e) }).pipe(
                // pg answers one result for one statement and an array for several.
                Effect.map((results) => (Array.isArray(results) ? results : [results as pg.QueryResult]).map((r) => r.rows as ReadonlyArray<Row>)),
              ),
            ),
        }
      })

      return Database.of({
        kind: "server",
        target,
        query: (sql, params) => runQuery(pool, sql, params),
        session,
      })
    }),
  )

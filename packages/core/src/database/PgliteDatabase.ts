import { Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import type { EmbeddedDatabase } from "../config/DatabaseConfig.js"
import { describeDatabase } from "../config/DatabaseConfig.js"
import { Database, type Row, type Session } from "./Database.js"
import { type ConnectionError, type SqlError, toConnectionError, toSqlError } from "./SqlError.js"

/**
 * The embedded PostgreSQL 18 (PGlite) used when no server is configured. It has one connection,
 * so every session is that connection; PGlite runs one query at a time.
 */
export const PgliteDatabaseLive = (settings: EmbeddedDatabase): Layer.Layer<Database, ConnectionError> =>
  Layer.scoped(
    Database,
    Effect.gen(function* () {
      const target = describeDatabase(settings)
      const db = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            if (!settings.dataDir.startsWith("memory://")) mkdirSync(settings.dataDir, { recursive: true })
            // Loaded on demand: the WebAssembly build is large and server users never need it.
            const { PGlite } = await import("@electric-sql/pglite")
            const created = new PGlite(settings.dataDir)
            await created.waitReady
            return created
          },
          catch: (cause) => toConnectionError(cause, target),
        }),
        (created) => Effect.promise(() => created.close().catch(() => undefined)),
      )
      const query = <A extends Row = Row>(sql: string, params?: ReadonlyArray<unknown>) =>
        Effect.tryPromise({ try: () => db.query<A>(sql, params === undefined ? undefined : [...params]), catch: toSqlError }).pipe(
          Effect.map((result) => result.rows as ReadonlyArray<A>),
        )
      const session: Session = {
        query,
        execute: (sql: string): Effect.Effect<void, SqlError> =>
          Effect.tryPromise({ try: () => db.exec(sql), catch: toSqlError }).pipe(Effect.asVoid),
      }
      return Database.of({ kind: "embedded", target, query, session: Effect.succeed(session) })
    }),
  )

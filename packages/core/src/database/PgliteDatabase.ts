import { Effect, Layer } from "effect"
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import type { EmbeddedDatabase } from "../config/DatabaseConfig.js"
import { describeDatabase } from "../config/DatabaseConfig.js"
import { Database, type Row, type Session } from "./Database.js"
import { type ConnectionError, type SqlError, toConnectionError, toSqlError } from "./SqlError.js"

/**
 * The embedded PostgreSQL 18 (PGlite) used when no server is configured. It has one connection,
 * so every session is that connection; PGlite runs one query at a time.
 */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * PGlite's files must never be opened by two processes at once: an exclusive lock file beside the
 * data directory (stale ones, whose process is gone, are taken over), waited for up to `waitMs`.
 */
const lockDataDir = (dataDir: string, target: string, waitMs = 60_000) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const path = `${dataDir}.lock`
      mkdirSync(dirname(path), { recursive: true })
      const started = Date.now()
      for (;;) {
        try {
          const fd = openSync(path, "wx")
          writeSync(fd, String(process.pid))
          closeSync(fd)
          return path
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") return yield* Effect.fail(toConnectionError(error, target))
          const holder = Number.parseInt(readFileSync(path, "utf8"), 10)
          if (!Number.isFinite(holder) || !alive(holder)) {
            unlinkSync(path)
            continue
          }
          if (Date.now() - started > waitMs) {
            return yield* Effect.fail(toConnectionError(new Error(`the embedded database ${dataDir} is in use by process ${holder}`), target))
          }
          yield* Effect.sleep("100 millis")
        }
      }
    }),
    (path) =>
      Effect.sync(() => {
        try {
          unlinkSync(path)
        } catch {
          // already gone
        }
      }),
  )

export const PgliteDatabaseLive = (settings: EmbeddedDatabase): Layer.Layer<Database, ConnectionError> =>
  Layer.scoped(
    Database,
    Effect.gen(function* () {
      const target = describeDatabase(settings)
      const onDisk = !settings.dataDir.startsWith("memory://")
      if (onDisk) yield* lockDataDir(settings.dataDir, target)
      const db = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            if (onDisk) mkdirSync(settings.dataDir, { recursive: true })
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
        execute: (sql: string): Effect.Effect<void, SqlError> => Effect.tryPromise({ try: () => db.exec(sql), catch: toSqlError }).pipe(Effect.asVoid),
      }
      return Database.of({ kind: "embedded", target, query, session: Effect.succeed(session) })
    }),
  )

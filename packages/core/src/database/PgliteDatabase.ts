import { Effect, Layer } from "effect"
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { EmbeddedDatabase } from "../config/DatabaseConfig.js"
import { describeDatabase } from "../config/DatabaseConfig.js"
import { Database, type Row, type Session, sessionSettings } from "./Database.js"
import { ConnectionError, type SqlError, toConnectionError, toSqlError } from "./SqlError.js"

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

/**
 * What stops the embedded database's directory from being used, said before PGlite is loaded (which
 * would answer with EEXIST or a WebAssembly abort): a file where a directory must be, a directory
 * this user cannot write, a read-only file system.
 */
export const dataDirProblem = (dataDir: string): string | undefined => {
  // The directory, or the nearest of its parents that exists: it must be a writable directory.
  let path = resolve(dataDir)
  for (;;) {
    // A file among the parents makes stat throw ENOTDIR: walk on up to it.
    let stat: ReturnType<typeof statSync>
    try {
      stat = statSync(path, { throwIfNoEntry: false })
    } catch {
      stat = undefined
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) return `${path} is a file, not a directory`
      try {
        accessSync(path, constants.W_OK)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        return code === "EROFS" ? `${path} is on a read-only file system` : `${path} is not writable by this user`
      }
      return undefined
    }
    const parent = dirname(path)
    if (parent === path) return undefined
    path = parent
  }
}

const dataDirError = (dataDir: string, target: string, problem: string) =>
  new ConnectionError({ message: `the embedded database cannot use ${resolve(dataDir)}: ${problem}`, code: undefined, target, dataDir: resolve(dataDir) })

/** A failure on the embedded database's files: named with its directory, whatever Node or PGlite said. */
const onDataDir = (dataDir: string, target: string) => (cause: unknown) => {
  const error = cause as NodeJS.ErrnoException
  const why =
    error.code === "EROFS"
      ? "it is on a read-only file system"
      : error.code === "EACCES" || error.code === "EPERM"
        ? "this user may not write there"
        : error.code === "ENOSPC"
          ? "no space is left on its file system"
          : `PGlite could not open the data in it (${toSqlError(cause).message.split("\n", 1)[0]})`
  return dataDirError(dataDir, target, dataDirProblem(dataDir) ?? why)
}

type PGliteModule = typeof import("@electric-sql/pglite")
type PGliteInstance = InstanceType<PGliteModule["PGlite"]>

/**
 * PGlite's settings beside its own defaults: shared_buffers at 8 MB instead of 128 MB. PGlite
 * allocates its shared buffers in its WebAssembly memory up front, so the default alone held about
 * 140 MB of every embedded command's peak; aim's use (schema changes, a developer's rows, empty
 * scratch replays) never fills 8 MB's worth of pages often enough to notice (bench/results/commands.md).
 */
const startParams = (PGlite: PGliteModule["PGlite"]) => [...PGlite.defaultStartParams, "-c", "shared_buffers=8MB"]

/**
 * A new cluster (the embedded default's first run, every scratch replay) starts from a copy of the
 * cluster PGlite's initdb makes, prepared once at build time (`pnpm --filter @aim/core pglite-cluster`
 * writes pglite-cluster.tar.gz; embedded.test.ts checks it is what this PGlite's initdb makes now):
 * initdb is a second WebAssembly program and took about 4 s and 760 MB of a 5 s, 920 MB first run;
 * the copy loads in about 1.5 s. Found beside this module (the source), or beside the bundle and its
 * chunks (the built CLI); where it is missing PGlite runs initdb as before, with the same result.
 */
let prepared: Blob | undefined | null = null
const preparedCluster = (): Blob | undefined => {
  if (prepared !== null) return prepared
  prepared = undefined
  const here = typeof import.meta.url === "string" ? dirname(fileURLToPath(import.meta.url)) : typeof __dirname === "string" ? __dirname : undefined
  if (here === undefined) return prepared
  for (const dir of [here, dirname(here)]) {
    try {
      prepared = new Blob([readFileSync(join(dir, preparedClusterFile))])
      break
    } catch {
      // not here: the next place, then initdb
    }
  }
  return prepared
}

/** The prepared cluster's file name, beside this module in the source and beside the CLI's bundle. */
export const preparedClusterFile = "pglite-cluster.tar.gz"

/** A cluster on disk is new when its directory holds no PG_VERSION (PGlite would run initdb in it). */
const isNewCluster = (dataDir: string) => !existsSync(join(dataDir, "PG_VERSION"))

const newCluster = ({ PGlite }: PGliteModule, dataDir: string): PGliteInstance => {
  const loadDataDir = dataDir.startsWith("memory://") || isNewCluster(dataDir) ? preparedCluster() : undefined
  return new PGlite(dataDir, { startParams: startParams(PGlite), ...(loadDataDir === undefined ? {} : { loadDataDir }) })
}

export const PgliteDatabaseLive = (settings: EmbeddedDatabase): Layer.Layer<Database, ConnectionError> =>
  Layer.scoped(
    Database,
    Effect.gen(function* () {
      const target = describeDatabase(settings)
      const onDisk = !settings.dataDir.startsWith("memory://")
      if (onDisk) {
        const problem = dataDirProblem(settings.dataDir)
        if (problem !== undefined) return yield* dataDirError(settings.dataDir, target, problem)
        yield* lockDataDir(settings.dataDir, target).pipe(
          Effect.mapError((e) => (e.message.includes("is in use by") ? e : onDataDir(settings.dataDir, target)(e))),
        )
      }
      const db = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            if (onDisk) mkdirSync(settings.dataDir, { recursive: true })
            // Loaded on demand: the WebAssembly build is large and server users never need it.
            const pglite = await import("@electric-sql/pglite")
            const created = newCluster(pglite, settings.dataDir)
            await created.waitReady
            // As on a server (PgDatabase): aim's search_path whatever the database's own setting.
            await created.exec(
              Object.entries(sessionSettings)
                .map(([name, value]) => `SET ${name} = ${value};`)
                .join(" "),
            )
            return created
          },
          catch: onDisk ? onDataDir(settings.dataDir, target) : (cause) => toConnectionError(cause, target),
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
        queries: (sql: string) =>
          Effect.tryPromise({ try: () => db.exec(sql), catch: toSqlError }).pipe(Effect.map((results) => results.map((r) => r.rows as ReadonlyArray<Row>))),
      }
      return Database.of({ kind: "embedded", target, query, session: Effect.succeed(session) })
    }),
  )

import { Effect, Layer } from "effect"
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs"
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

/** Who holds a lock file: a live process, nobody any more (stale), or no file at all. */
type LockState = { readonly _tag: "Held"; readonly pid: number | undefined } | { readonly _tag: "Stale" } | { readonly _tag: "Gone" }

/**
 * A lock file's holder. The file is created empty and its PID written just after: an empty one is
 * being written (held) unless it is old enough that its writer died in between. Read before, an
 * empty file was taken for stale and deleted, and two processes opened one data directory.
 */
const lockState = (path: string): LockState => {
  try {
    const since = statSync(path).mtimeMs
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10)
    if (!Number.isFinite(pid)) return Date.now() - since > 5_000 ? { _tag: "Stale" } : { _tag: "Held", pid: undefined }
    return alive(pid) ? { _tag: "Held", pid } : { _tag: "Stale" }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { _tag: "Gone" }
    throw error
  }
}

/**
 * Removes a stale lock file, by one waiter at a time: the one that creates the takeover file, and
 * reads the lock again under it. Two waiters that both found it stale would otherwise both delete
 * it, the second deleting the lock the first had taken meanwhile. A takeover file left by a waiter
 * that died (it is held for microseconds) is removed after 10 s.
 */
const takeOverStale = (path: string) => {
  const guard = `${path}.takeover`
  try {
    closeSync(openSync(guard, "wx"))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkSync(guard)
    } catch {
      // gone meanwhile
    }
    return
  }
  try {
    if (lockState(path)._tag === "Stale") unlinkSync(path)
  } finally {
    unlinkSync(guard)
  }
}

/**
 * PGlite's files must never be opened by two processes at once: an exclusive lock file beside the
 * data directory (stale ones, whose process is gone, are taken over), waited for up to `waitMs`.
 */
export const lockDataDir = (dataDir: string, target: string, waitMs = 60_000) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const path = `${dataDir}.lock`
      yield* Effect.try({ try: () => mkdirSync(dirname(path), { recursive: true }), catch: (error) => toConnectionError(error, target) })
      const started = Date.now()
      for (;;) {
        const taken = yield* Effect.try({
          try: () => {
            try {
              const fd = openSync(path, "wx")
              try {
                writeSync(fd, String(process.pid))
              } finally {
                closeSync(fd)
              }
              return { _tag: "Taken" } as const
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
            }
            const state = lockState(path)
            if (state._tag === "Stale") takeOverStale(path)
            return state
          },
          catch: (error) => toConnectionError(error, target),
        })
        if (taken._tag === "Taken") return path
        if (taken._tag === "Gone") continue
        // Stale: removed by this waiter or another one; no busy loop while another holds the takeover.
        if (taken._tag === "Stale") {
          yield* Effect.sleep("10 millis")
          continue
        }
        if (Date.now() - started > waitMs) {
          const by = taken.pid === undefined ? "another process" : `process ${taken.pid}`
          return yield* Effect.fail(toConnectionError(new Error(`the embedded database ${dataDir} is in use by ${by}`), target))
        }
        yield* Effect.sleep("100 millis")
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
 * initdb is a second WebAssembly program and took about 4 s and 760 MB of a 5 s, 920 MB first run.
 * Found beside this module (the source), or beside the bundle and its chunks (the built CLI); where
 * it is missing PGlite runs initdb as before, with the same result. Other prepared clusters (drift's,
 * with the shipped files applied) are found the same way, by name.
 */
const prepared = new Map<string, Buffer<ArrayBuffer> | undefined>()
const preparedCluster = (file: string): Buffer<ArrayBuffer> | undefined => {
  if (prepared.has(file)) return prepared.get(file)
  let found: Buffer<ArrayBuffer> | undefined
  const here = typeof import.meta.url === "string" ? dirname(fileURLToPath(import.meta.url)) : typeof __dirname === "string" ? __dirname : undefined
  for (const dir of here === undefined ? [] : [here, dirname(here)]) {
    try {
      found = readFileSync(join(dir, file))
      break
    } catch {
      // not here: the next place, then initdb
    }
  }
  prepared.set(file, found)
  return found
}

/** The prepared cluster's file name, beside this module in the source and beside the CLI's bundle. */
export const preparedClusterFile = "pglite-cluster.tar.gz"

/** Whether the prepared cluster `file` ships with this build (the source, or the CLI's bundle). */
export const hasPreparedCluster = (file: string): boolean => preparedCluster(file) !== undefined

/** A cluster on disk is new when its directory holds no PG_VERSION (PGlite would run initdb in it). */
const isNewCluster = (dataDir: string) => !existsSync(join(dataDir, "PG_VERSION"))

/** Where a prepared cluster is unpacked: PGlite's in-memory file system, or a directory on disk. */
interface ClusterFiles {
  readonly mkdirTree: (path: string) => void
  readonly writeFile: (path: string, data: Uint8Array) => void
}

/**
 * Writes the tar `tar` (ustar, as PGlite dumps a cluster: directories and regular files) under `root`.
 * PG_VERSION comes last: a directory is a cluster once it has one (isNewCluster), so an unpack cut
 * short is unpacked again rather than started. PGlite's own loader copied the 44 MB cluster four
 * times (inflate, untar, write) and took about 1.2 s of a scratch replay's 2.5 s.
 */
const unpackTar = (files: ClusterFiles, root: string, tar: Uint8Array) => {
  const text = (from: number, length: number) => {
    const field = tar.subarray(from, from + length)
    const end = field.indexOf(0)
    return Buffer.from(field.buffer, field.byteOffset, end === -1 ? length : end).toString("utf8")
  }
  let version: Uint8Array | undefined
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const prefix = text(at + 345, 155)
    const name = `${prefix === "" ? "" : `${prefix}/`}${text(at, 100)}`.replace(/^\/+|\/+$/g, "")
    const size = Number.parseInt(text(at + 124, 12).trim() || "0", 8)
    const type = String.fromCharCode(tar[at + 156] ?? 0)
    // The artifact is aim's own; still, nothing of it is written outside the data directory.
    if (name.split("/").includes("..")) throw new Error(`the prepared cluster names a path outside its directory (${name})`)
    const path = name === "" ? root : `${root}/${name}`
    const data = tar.subarray(at + 512, at + 512 + size)
    if (type === "5") files.mkdirTree(path)
    else if (type !== "0" && type !== "\0")
      throw new Error(`the prepared cluster holds a tar entry of type ${JSON.stringify(type)} (${name}), which aim does not unpack`)
    else if (name === "PG_VERSION") version = data
    else {
      files.mkdirTree(path.slice(0, path.lastIndexOf("/")))
      files.writeFile(path, data)
    }
    at += 512 + Math.ceil(size / 512) * 512
  }
  if (version === undefined) throw new Error("the prepared cluster holds no PG_VERSION")
  files.writeFile(`${root}/PG_VERSION`, version)
}

/**
 * The prepared cluster's tar: inflated on libuv's thread pool (while PGlite compiles and starts its
 * WebAssembly, for an in-memory cluster), into one buffer of the size gzip's trailer gives (zlib's
 * 16 kB chunks joined after took 0.5 s instead of 0.2 s).
 */
const inflate = async (gzipped: Buffer<ArrayBuffer>): Promise<Uint8Array> => {
  const size = gzipped.length >= 4 ? gzipped.readUInt32LE(gzipped.length - 4) : 0
  const options = size > 0 && size < 2 ** 30 ? { chunkSize: size + 1024 } : {}
  // Loaded here: every command loads this module, few start PGlite.
  const { gunzip } = await import("node:zlib")
  return new Promise<Uint8Array>((resolve, reject) => gunzip(gzipped, options, (error, result) => (error === null ? resolve(result) : reject(error))))
}

/** What of Emscripten's file system the in-memory unpacking uses. */
interface EmscriptenFS {
  readonly mkdirTree: (path: string) => void
  readonly writeFile: (path: string, data: Uint8Array, options: { readonly canOwn: boolean }) => void
}

/** PGlite's in-memory file system, holding the prepared cluster `tar` before PostgreSQL starts. */
const preparedMemoryFS = ({ MemoryFS }: PGliteModule, tar: Promise<Uint8Array>) =>
  // Filesystem hooks are PGlite's extension point: initialSyncFs runs once its module is up and
  // before it looks for PG_VERSION, which it then finds, so it neither runs initdb nor loads a tarball.
  new (class extends MemoryFS {
    override async initialSyncFs() {
      const module = (this.pg as unknown as { readonly Module: { readonly FS: EmscriptenFS; readonly ENV?: { readonly PGDATA?: string } } }).Module
      // Each file's contents are a view of the tar that the file system owns from then on, never a copy.
      const files: ClusterFiles = {
        mkdirTree: (path) => module.FS.mkdirTree(path),
        writeFile: (path, data) => module.FS.writeFile(path, data, { canOwn: true }),
      }
      unpackTar(files, module.ENV?.PGDATA ?? "/pglite/data", await tar)
    }
  })()

/** A directory on disk (the embedded default's data directory, on its first run). */
const diskFiles: ClusterFiles = { mkdirTree: (path) => mkdirSync(path, { recursive: true }), writeFile: (path, data) => writeFileSync(path, data) }

const newCluster = async (pglite: PGliteModule, dataDir: string, from: string): Promise<PGliteInstance> => {
  const { PGlite } = pglite
  const memory = dataDir.startsWith("memory://")
  const gzipped = memory || isNewCluster(dataDir) ? preparedCluster(from) : undefined
  if (gzipped === undefined) return new PGlite(dataDir, { startParams: startParams(PGlite) })
  if (memory) {
    const tar = inflate(gzipped)
    // Awaited by the file system once PGlite's module is up; a PGlite that fails before that must not
    // leave this promise's failure unhandled (Node would end the process for it).
    tar.catch(() => undefined)
    return new PGlite({ fs: preparedMemoryFS(pglite, tar), startParams: startParams(PGlite) })
  }
  unpackTar(diskFiles, dataDir, await inflate(gzipped))
  return new PGlite(dataDir, { startParams: startParams(PGlite) })
}

/**
 * The embedded database `settings` name. A new cluster starts from the prepared cluster `from` (by
 * default the one initdb makes; drift's scratch replays name the one with the shipped files applied).
 */
export const PgliteDatabaseLive = (settings: EmbeddedDatabase, from: string = preparedClusterFile): Layer.Layer<Database, ConnectionError> =>
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
            const created = await newCluster(pglite, settings.dataDir, from)
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

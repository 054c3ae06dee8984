import { createHash } from "node:crypto"
import { Effect } from "effect"
import type { ConfigProblem } from "../config/ConfigError.js"
import { type DatabaseSettings, type ServerDatabase, describeDatabase, readServerUrl } from "../config/DatabaseConfig.js"
import type { Env } from "../config/env.js"
import { explain } from "../diagnose/diagnose.js"
import { docsPath } from "../errors/catalog.js"
import { Migrator, type MigratorOptions } from "../migrator/Migrator.js"
import { databaseFor } from "../database/databases.js"
import { AimLive } from "./AimLive.js"

export interface FleetTarget {
  /** The line as written (a URL without its password, or a database name). */
  readonly label: string
  readonly settings: ServerDatabase
}

export interface FleetResult {
  readonly database: string
  readonly status: "ok" | "failed"
  readonly applied: number
  readonly durationMs: number
  readonly error?: { readonly code: string; readonly message: string; readonly docs: string }
}

export interface FleetProblem {
  readonly line: number
  readonly problem: string
}

/**
 * One target per non-blank, non-comment line: a postgres:// URL, or a database name on the
 * configured server (with that server's settings whole: its password and its TLS). A URL's password
 * is its own, else a pgpass file's line for it (PGPASSFILE or ~/.pgpass): the environment's password
 * is never sent to a host a fleet file names, not even the configured one with weaker TLS
 * (credentials.ts).
 */
export const parseFleet = (
  text: string,
  env: Env,
  base: DatabaseSettings | undefined,
): { targets: ReadonlyArray<FleetTarget>; problems: ReadonlyArray<FleetProblem> } => {
  const targets: Array<FleetTarget> = []
  const problems: Array<FleetProblem> = []
  // One database named twice (a URL and its name, another spelling of the host's case) would be
  // migrated twice and counted twice: the second line is a problem naming the first.
  const firstLine = new Map<string, number>()
  const add = (settings: ServerDatabase, line: number) => {
    const target = { label: describeDatabase(settings), settings }
    const key = databaseKey(target)
    const first = firstLine.get(key)
    if (first !== undefined) problems.push({ line, problem: `names the same database as line ${first} (${target.label})` })
    else {
      firstLine.set(key, line)
      targets.push(target)
    }
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) return
    if (/^postgres(ql)?:\/\//.test(line)) {
      const found: Array<ConfigProblem> = []
      const settings = readServerUrl(line, env, "fleet", found)
      if (settings === undefined || found.length > 0) {
        problems.push({ line: index + 1, problem: found.map((p) => p.problem).join("; ") || "not a server URL" })
        return
      }
      add(settings, index + 1)
      return
    }
    if (base?._tag !== "Server") {
      problems.push({ line: index + 1, problem: "names a database but no server is configured (set DATABASE_URL or POSTGRES_*)" })
      return
    }
    if (!/^[A-Za-z0-9_$-]+$/.test(line)) {
      // Never echoed: a line like mysql://root:secret@host/db carries a password. Its scheme is enough.
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line)?.[1]
      problems.push({
        line: index + 1,
        problem: scheme === undefined ? "is neither a postgres:// URL nor a database name" : `is a ${scheme}:// URL, not a postgres:// URL nor a database name`,
      })
      return
    }
    add({ ...base, database: line }, index + 1)
  })
  return { targets, problems }
}

/** Where a database lives, however a line spells it: host (case-insensitive), port, database. */
// localhost and the loopback addresses are one host: a fleet line per spelling would migrate one database twice.
const loopback: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "::1", "[::1]"])
const hostKey = (host: string) => (loopback.has(host.toLowerCase()) ? "localhost" : host.toLowerCase())

const databaseKey = (target: FleetTarget): string => `${hostKey(target.settings.host)}:${target.settings.port}/${target.settings.database}`

/** Shard I of N (0-based, as Kubernetes' JOB_COMPLETION_INDEX). */
export interface Shard {
  readonly index: number
  readonly count: number
}

/** Reads `I/N`: a whole index from 0 to N-1 over a whole count of at least 1; anything else is undefined. */
export const parseShard = (text: string): Shard | undefined => {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (match === null) return undefined
  const index = Number(match[1])
  const count = Number(match[2])
  return count >= 1 && index < count ? { index, count } : undefined
}

/**
 * The shard a database belongs to: a hash of where it lives (host, port, database; not the user or the
 * line's spelling), so every process of an Indexed Job computes the same split from the same file and
 * each database falls in exactly one shard, however the file is ordered.
 */
export const shardOf = (target: FleetTarget, count: number): number => {
  const { host, port, database } = target.settings
  const digest = createHash("sha256").update(`${host.toLowerCase()}:${port}/${database}`).digest()
  return digest.readUInt32BE(0) % count
}

/** The targets of one shard, in file order. */
export const inShard = (targets: ReadonlyArray<FleetTarget>, shard: Shard): ReadonlyArray<FleetTarget> =>
  targets.filter((t) => shardOf(t, shard.count) === shard.index)

/** Migrates every target with bounded concurrency; one failing does not stop the others. */
export const migrateFleet = (
  targets: ReadonlyArray<FleetTarget>,
  options: {
    readonly migrationsDir: string
    /** The environment the fleet file was read with: each database's stack is AimLive's, on that target. */
    readonly env: Env
    readonly cwd: string
    readonly concurrency: number
    readonly migrator?: MigratorOptions
    readonly onUpdate?: (index: number, state: "running" | FleetResult) => Effect.Effect<void>
  },
) =>
  Effect.forEach(
    targets,
    (target, index) =>
      Effect.gen(function* () {
        const notify = options.onUpdate ?? (() => Effect.void)
        yield* notify(index, "running")
        const t0 = performance.now()
        const layer = AimLive({
          migrationsDir: options.migrationsDir,
          env: options.env,
          cwd: options.cwd,
          ...(options.migrator === undefined ? {} : { migrator: options.migrator }),
          databaseSettings: target.settings,
          database: databaseFor(target.settings, { maxConnections: 2 }),
        })
        const outcome = yield* Effect.either(Effect.flatMap(Migrator, (m) => m.apply()).pipe(Effect.provide(layer)))
        const durationMs = Math.round(performance.now() - t0)
        const result: FleetResult =
          outcome._tag === "Right"
            ? { database: target.label, status: "ok", applied: outcome.right.applied.length, durationMs }
            : (() => {
                const { entry, message } = explain(outcome.left)
                return {
                  database: target.label,
                  status: "failed" as const,
                  applied: 0,
                  durationMs,
                  error: { code: entry.code, message, docs: docsPath(entry) },
                }
              })()
        yield* notify(index, result)
        return result
      }),
    { concurrency: Math.max(1, options.concurrency) },
  )

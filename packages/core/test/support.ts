import { execFile } from "node:child_process"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect, Layer } from "effect"
import { AimProductLive } from "../src/aim/product.js"
import { AimLive } from "../src/runtime/AimLive.js"
import { Migrator, type MigratorOptions } from "../src/migrator/Migrator.js"
import { type ParsedStatement, parseScript } from "../src/sql/sqlAnalysis.js"
import type { ServerDatabase } from "../src/config/DatabaseConfig.js"
import { parseConfig } from "../src/config/AimConfig.js"

export const shippedMigrations = resolve(import.meta.dirname, "../../../migrations")

/** A copy of the shipped migrations (or an empty dir) that a test may edit. */
export const migrationsCopy = (files: Record<string, string> = {}, withShipped = true): string => {
  const dir = mkdtempSync(join(tmpdir(), "aim-migrations-"))
  if (withShipped) cpSync(shippedMigrations, dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

export const serverSettings = (url: string): ServerDatabase => {
  const config = parseConfig({ DATABASE_URL: url }, process.cwd())
  if (config._tag === "Left" || config.right.database._tag !== "Server") throw new Error(`bad test URL ${url}`)
  return config.right.database
}

/** Migrator + Database layers for a URL and a migrations directory, as the CLI builds them. */
/** AimLive, with the AIM product's services beside it for the tests that build a ledger administration of their own on top. */
export const migratorFor = (env: Record<string, string>, directory: string, options: MigratorOptions = {}) =>
  Layer.merge(AimLive({ migrationsDir: directory, env, cwd: tmpdir(), migrator: options }), AimProductLive)

export const runMigrator = <A, E>(url: string, directory: string, f: (migrator: Migrator["Type"]) => Effect.Effect<A, E>, options: MigratorOptions = {}) =>
  Effect.runPromise(Effect.flatMap(Migrator, f).pipe(Effect.provide(migratorFor({ DATABASE_URL: url }, directory, options))))

/** Runs and returns the failure (or throws if it succeeded). */
export const runMigratorFailure = <A, E>(
  url: string,
  directory: string,
  f: (migrator: Migrator["Type"]) => Effect.Effect<A, E>,
  options: MigratorOptions = {},
) => Effect.runPromise(Effect.flatMap(Migrator, f).pipe(Effect.provide(migratorFor({ DATABASE_URL: url }, directory, options)), Effect.flip))

/** The first statement of `text` as the lock plan reads it with PostgreSQL's parser, DO bodies included (a test's one statement). */
export const firstStatement = async (text: string): Promise<ParsedStatement> => {
  const [statement] = await Effect.runPromise(parseScript(text, { bodies: true }))
  if (statement === undefined) throw new Error(`no statement in ${text}`)
  return statement
}

/**
 * A program's exit status and output, without blocking: a loop of synchronous runs keeps the worker
 * from answering vitest's messages for its whole length (over a minute on a busy machine), which
 * vitest reports as a timeout of the run.
 */
export const run = (program: string, args: ReadonlyArray<string>) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    execFile(program, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    ),
  )

/** A file run by psql as the guide runs it (stop at the first error). */
export const psqlFile = (url: string, file: string) => run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file])

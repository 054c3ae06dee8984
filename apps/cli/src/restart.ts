// Whether `aim` starts again with V8's baseline WebAssembly compiler alone (--liftoff-only). Read by
// the entry before anything else loads, so this module imports nothing heavier than node:fs.
import { checksumOf, isMigrationCandidate, shippedMigrations } from "@aim/core/shipped"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { defaultMigrationsDir } from "./migrationsDir.js"

/** The command's first word and its arguments, the environment, the working directory and the entry script. */
export interface Launch {
  readonly nodeMajor: number
  readonly args: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  /** The bundle's own path (dist/aim.mjs): the shipped migrations sit beside its folder. */
  readonly entry: string
}

const commandOf = (args: ReadonlyArray<string>): string | undefined => args.find((a) => !a.startsWith("-"))

/** `--migrations-dir X` or `--migrations-dir=X`, else the directory options.ts defaults to. */
const migrationsDirectory = (launch: Launch): string | undefined => {
  const { args, cwd } = launch
  for (const [i, a] of args.entries()) {
    if (a === "--migrations-dir") return args[i + 1] === undefined ? undefined : resolve(cwd, args[i + 1] as string)
    if (a.startsWith("--migrations-dir=")) return resolve(cwd, a.slice("--migrations-dir=".length))
  }
  return defaultMigrationsDir(cwd, launch.entry).dir
}

/**
 * Whether `dir` holds exactly the files this aim ships, by name and checksum: then drift's expected
 * catalog is the build artifact (drift/shippedCatalog.ts) and no scratch database starts. Reading and
 * hashing 25 small files costs about a millisecond; an unreadable directory is "no" (the command
 * itself then says what is wrong).
 */
const holdsShippedFiles = (dir: string | undefined): boolean => {
  if (dir === undefined) return false
  try {
    const files = readdirSync(dir).filter(isMigrationCandidate)
    return files.length === shippedMigrations.size && files.every((f) => shippedMigrations.get(f) === checksumOf(readFileSync(join(dir, f), "utf8")))
  } catch {
    return false
  }
}

/** The commands that parse SQL with libpg-query's WebAssembly (drift when it replays: on the shipped files it only reads the catalog). */
const parsesSql = (launch: Launch, driftReplays: boolean): boolean => {
  const { args } = launch
  const command = commandOf(args)
  return (
    command === "plan" ||
    command === "lint" ||
    driftReplays ||
    command === "rollback" ||
    command === "new" ||
    command === "mcp" ||
    (command === "migrate" && args.some((a) => a === "--dry-run" || a === "--prove-idempotent" || a === "--prove-rollback"))
  )
}

/**
 * Whether the command may run PGlite: a scratch replay (drift of files other than the shipped ones,
 * rollback, baseline, a proof, a workload check) without AIM_SCRATCH_DATABASE_URL, or any command
 * while nothing names a server: no DATABASE_URL, POSTGRES_* or libpq PG* variable and no .env here
 * (which is read once, by the configuration, so only its presence counts).
 */
const mayRunPglite = (launch: Launch, driftReplays: boolean): boolean => {
  const { args, env } = launch
  const command = commandOf(args)
  const scratch =
    driftReplays ||
    command === "rollback" ||
    command === "baseline" ||
    (command === "plan" && args.some((a) => a.startsWith("--workload"))) ||
    (command === "migrate" && (args.includes("--prove-idempotent") || args.includes("--prove-rollback")))
  if (scratch && (env.AIM_SCRATCH_DATABASE_URL ?? "") === "") return true
  return (
    !existsSync(join(launch.cwd, ".env")) && !Object.keys(env).some((name) => name === "DATABASE_URL" || name.startsWith("POSTGRES_") || /^PG[A-Z]/.test(name))
  )
}

/**
 * The SQL parser and PGlite are WebAssembly, and V8's optimising tier recompiles a module in the
 * background once it runs hot: on Node 24, aim plan and aim lint peaked at about 640 MB and took 2.5 s
 * against 108 MB and 0.8 s with V8's baseline compiler alone (--liftoff-only, what the image runs
 * with); a no-op on the embedded database, 212 MB against 137 MB on Node 20 too
 * (bench/results/parser-memory.md, commands.md). V8 freezes its flags once it has started, so those
 * commands run again in a process started with the flag; the others pay nothing. A guess made before
 * the configuration is read: a wrong guess costs a needless start (about 40 ms, and drift on the
 * shipped files was 0.15 s slower for it) or the optimising tier's memory, never a different answer.
 */
export const startsWithLiftoffOnly = (launch: Launch): boolean => {
  // Whether drift replays its files (they are not exactly the shipped ones): the directory is read
  // and hashed once, for both questions.
  const driftReplays = commandOf(launch.args) === "drift" && !holdsShippedFiles(migrationsDirectory(launch))
  return (launch.nodeMajor >= 22 && parsesSql(launch, driftReplays)) || mayRunPglite(launch, driftReplays)
}

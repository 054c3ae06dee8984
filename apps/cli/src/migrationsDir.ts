// Where a command's migration files are when --migrations-dir is not given: one rule, read by the
// options (options.ts) and by the entry's restart guess (restart.ts), which loads before anything else
// and so imports nothing but node:fs and node:path.
import { existsSync, realpathSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/**
 * ./migrations in `cwd`, else the AIM migrations shipped with aim: `migrations/` beside the entry
 * script's folder (the installed package's dist/aim.mjs, or this repository's scripts/built.mjs),
 * else ./migrations all the same (the command then says it is missing). `shipped` says which.
 */
export const defaultMigrationsDir = (cwd: string, entry: string | undefined): { readonly dir: string; readonly shipped: boolean } => {
  const here = resolve(cwd, "migrations")
  if (existsSync(here) || entry === undefined || !existsSync(entry)) return { dir: here, shipped: false }
  const shipped = join(dirname(dirname(realpathSync(entry))), "migrations")
  return existsSync(shipped) && resolve(shipped) !== here ? { dir: shipped, shipped: true } : { dir: here, shipped: false }
}

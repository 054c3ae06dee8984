import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseEnv } from "node:util"

export type Env = Readonly<Record<string, string | undefined>>

/**
 * The process environment over a `.env` file in `cwd` when one exists: variables set in the
 * environment win, as with docker compose and most dotenv loaders.
 */
export const loadEnv = (cwd: string = process.cwd(), environment: Env = process.env): Env => {
  const file = join(cwd, ".env")
  if (!existsSync(file)) return environment
  const fromFile = parseEnv(readFileSync(file, "utf8")) as Record<string, string>
  return { ...fromFile, ...environment }
}

/** A variable's value with surrounding blanks removed; empty counts as unset. */
export const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

import { type Env, loadEnv } from "@aim/core"

let read: { readonly cwd: string; readonly env: Env } | undefined

// Read on first use, not when the module loads: a module's top level also runs when a start-up
// snapshot is built, which would keep the builder's directory and environment for every run.
const current = () => {
  if (read === undefined) {
    const dir = process.cwd()
    read = { cwd: dir, env: loadEnv(dir) }
  }
  return read
}

/** The working directory the command runs in. */
export const cwd = (): string => current().cwd

/**
 * The process environment over the working directory's `.env`, read once per process: the scrubber,
 * telemetry, the configuration and every command take this one value, so a run never reads .env
 * twice or sees two versions of it.
 */
export const environment = (): Env => current().env

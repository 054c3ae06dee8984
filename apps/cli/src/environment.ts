import { type Env, loadEnv } from "@aim/core"

/**
 * The process environment over the working directory's `.env`, read once per process: the scrubber,
 * telemetry, the configuration and every command take this one value, so a run never reads .env
 * twice or sees two versions of it.
 */
export const cwd = process.cwd()
export const environment: Env = loadEnv(cwd)

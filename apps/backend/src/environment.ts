import { type Env, loadEnv } from "@aim/core"

/**
 * The process environment over the working directory's `.env`, read once: settings (PORT, HOST,
 * MIGRATIONS_DIR, LOG_FORMAT and the AIM_* ones), the database configuration, telemetry and the
 * log scrubber all take this value, so a variable in .env counts the same for every one of them.
 */
export const environment: Env = loadEnv()

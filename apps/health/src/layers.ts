import { CacheLive, type Env, HealthReportLive, type HealthOptions, MigrationStackLive } from "@aim/core"
import { Layer } from "effect"

/** The migration stack plus the cache, under the health report: what the routes need. */
export const healthLayer = (options: HealthOptions & { readonly migrationsDir?: string; readonly env?: Env } = {}) =>
  HealthReportLive(options).pipe(
    Layer.provideMerge(CacheLive()),
    Layer.provideMerge(
      MigrationStackLive({ migrationsDir: options.migrationsDir ?? "migrations", ...(options.env === undefined ? {} : { env: options.env }) }),
    ),
  )

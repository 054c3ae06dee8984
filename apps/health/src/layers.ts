import { AimLive, AimServicesLive, type Env, type HealthOptions } from "@aim/core"
import { Layer } from "effect"

/** What the routes need: the health report over the cache and the one wiring every front end uses. */
export const healthLayer = (options: HealthOptions & { readonly migrationsDir?: string; readonly env?: Env } = {}) =>
  AimServicesLive({ health: options }).pipe(
    Layer.provideMerge(AimLive({ migrationsDir: options.migrationsDir ?? "migrations", ...(options.env === undefined ? {} : { env: options.env }) })),
  )

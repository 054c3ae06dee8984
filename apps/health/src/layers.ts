import {
  AimConfig,
  type Env,
  CacheLive,
  DatabaseLive,
  HealthReportLive,
  type HealthOptions,
  MigrationSourceLive,
  MigratorLive,
  VerifierLive,
} from "@aim/core"
import { Layer } from "effect"

/** Config → database → migrator/verifier → cache → health report: what the routes need. */
export const healthLayer = (options: HealthOptions & { readonly migrationsDir?: string; readonly env?: Env } = {}) => {
  const config = AimConfig.fromEnv(options.env === undefined ? {} : { env: options.env })
  const migrator = MigratorLive().pipe(Layer.provideMerge(DatabaseLive()), Layer.provideMerge(MigrationSourceLive(options.migrationsDir ?? "migrations")))
  return HealthReportLive(options).pipe(
    Layer.provideMerge(VerifierLive),
    Layer.provideMerge(migrator),
    Layer.provideMerge(CacheLive()),
    Layer.provideMerge(config),
  )
}

import { migratedTemplate, testPostgresUrl } from "@aim/testkit"
import { runMigrator, shippedMigrations } from "./support.js"

/**
 * Global setup: the shipped files migrated once, by this package's own migrator, into the run's
 * template database; tests that start from a migrated database copy it (useMigratedDatabases).
 * Tests of migrating itself (order, locks, ledgers, convergence) still migrate their own databases.
 */
export default async function setup() {
  return migratedTemplate(testPostgresUrl(), async (url) => {
    await runMigrator(url, shippedMigrations, (m) => m.apply())
  })
}

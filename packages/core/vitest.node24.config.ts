import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

/**
 * The second run (`test:node24`: Node 24 against PostgreSQL 18) covers what depends on the server or
 * the runtime, not the pure logic a second time: the migrator and both ledgers, locks read from
 * pg_locks, catalog reads, drift, the contract's catalog on PostgreSQL 18, and PGlite's WebAssembly
 * on Node 24, and every way back (rollback) on PostgreSQL 18. Everything else runs once, in `test`.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        "test/migrator.test.ts",
        "test/ledgerReads.test.ts",
        "test/lockPlan.test.ts",
        "test/catalogFacts.test.ts",
        "test/driftLive.test.ts",
        "test/drift.test.ts",
        "test/contract.test.ts",
        "test/embedded.test.ts",
        "test/rollback.test.ts",
      ],
    },
  }),
)

import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

/**
 * The second run (`test:node24`: the bundled CLI on Node 24 against PostgreSQL 18) covers what the
 * runtime changes for a process: a deploy from start to exit (signals, exit codes, the compile
 * cache). PGlite's WebAssembly on Node 24 is the core's parity file (packages/core
 * test/embedded.test.ts, in its Node 24 run). The input matrix and every other case run once, in
 * `test`.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/migrate.test.ts"],
    },
  }),
)

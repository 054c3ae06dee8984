import { configDefaults, defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup", "./test/migratedTemplate.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The files share nothing at module level (each has its own databases), so a worker keeps the
    // modules it loaded for the next file: importing Effect and the core again per file cost more
    // than a minute of CPU a run. Two workers: half of each file's time is waiting on PostgreSQL, but
    // four were slower than two on 2 cores (the rest is CPU: PGlite, parsing, the server itself).
    isolate: false,
    maxWorkers: 2,
    minWorkers: 2,
    // Stryker's working copies (pnpm mutation) are not this package's tests.
    exclude: [...configDefaults.exclude, ".stryker-tmp/**"],
  },
})

import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup", "./test/buildCli.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two workers on 2 cores: most of a file's time is waiting on PostgreSQL, Redis, a child process
    // or a socket, so a second file runs in that time (vitest would otherwise start one).
    maxWorkers: 2,
    minWorkers: 2,
    // A worker keeps the modules it loaded (Effect, the core, the CLI) for its next file: the CLI keeps
    // no state at module level (a run's environment and streams are its arguments), and the files
    // keep theirs inside their tests.
    isolate: false,
  },
})

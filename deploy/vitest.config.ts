import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@aim/testkit/globalSetup", "./test/installCli.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two workers on 2 cores: the files wait on npm, PostgreSQL and the processes they start.
    maxWorkers: 2,
    minWorkers: 2,
  },
})

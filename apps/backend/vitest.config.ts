import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup", "./test/buildServer.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // These tests start many server processes each: one file at a time keeps a 2-core machine honest.
    fileParallelism: false,
  },
})

import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup", "./test/buildCli.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
})

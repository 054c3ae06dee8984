import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})

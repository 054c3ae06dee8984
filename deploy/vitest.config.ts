import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@aim/testkit/globalSetup", "./test/installCli.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})

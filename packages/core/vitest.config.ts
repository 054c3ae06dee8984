import { configDefaults, defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    globalSetup: ["@aim/testkit/globalSetup", "./test/migratedTemplate.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Stryker's working copies (pnpm mutation) are not this package's tests.
    exclude: [...configDefaults.exclude, ".stryker-tmp/**"],
  },
})

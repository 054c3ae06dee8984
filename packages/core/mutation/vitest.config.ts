import { mergeConfig } from "vitest/config"
import base from "../vitest.config.js"

// The core's test config narrowed to the test files one target names (AIM_MUTATION_TESTS, comma
// separated), so Stryker's dry run and every mutant run only the tests meant for that module.
const tests = (process.env.AIM_MUTATION_TESTS ?? "").split(",").filter((file) => file !== "")

export default mergeConfig(base, { test: { include: tests.length > 0 ? tests : ["test/**/*.test.ts"] } })

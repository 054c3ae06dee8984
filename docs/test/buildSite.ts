import { execFileSync } from "node:child_process"
import { resolve } from "node:path"

/**
 * Builds the site as `pnpm docs:build` does, once, before the browser test, from the pages as
 * committed: the generated pages are checked (`--check` writes nothing and fails on a stale page),
 * never regenerated here, so a stale committed page fails the test run.
 */
export default function setup() {
  const docs = resolve(import.meta.dirname, "..")
  execFileSync("npx", ["tsx", "scripts/generate.ts", "--check"], { cwd: docs, stdio: "inherit" })
  execFileSync("npx", ["vitepress", "build", "."], { cwd: docs, stdio: "ignore" })
}

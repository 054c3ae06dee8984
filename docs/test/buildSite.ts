import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { resolve } from "node:path"
import { staleDocs, staleMessage } from "../scripts/generate.js"

/**
 * Builds the site as `pnpm docs:build` does, once, before the tests, from the pages as committed:
 * the generated pages are checked (in process, the same check as `pnpm docs:check`: it writes
 * nothing), never regenerated here, so a stale committed page fails the test run.
 */
export default async function setup() {
  const { problems } = await Effect.runPromise(staleDocs)
  if (problems.length > 0) throw new Error(staleMessage(problems))
  const docs = resolve(import.meta.dirname, "..")
  execFileSync("npx", ["vitepress", "build", "."], { cwd: docs, stdio: "ignore" })
}

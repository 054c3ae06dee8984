import { execFileSync } from "node:child_process"
import { resolve } from "node:path"

/** Builds the site exactly as `pnpm docs:build` does, once, before the browser test. */
export default function setup() {
  const docs = resolve(import.meta.dirname, "..")
  execFileSync("npx", ["tsx", "scripts/generate.ts"], { cwd: docs, stdio: "inherit" })
  execFileSync("npx", ["vitepress", "build", "."], { cwd: docs, stdio: "ignore" })
}

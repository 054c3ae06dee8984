#!/usr/bin/env node
// Runs an app's built bundle in this very process, never tsx: `pnpm aim …` (the CLI) and
// `pnpm --filter @aim/backend start` (the example backend). The bundle is built on first use and
// again whenever one of its sources is newer than it; the check reads modification times (a few
// milliseconds), the build takes about a second and happens only after an edit.
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const shared = ["packages/core/src", "packages/core/package.json", "pnpm-lock.yaml", "scripts/bundle.mjs"]
const apps = {
  cli: { dir: "apps/cli", bundle: "dist/aim.mjs", sources: ["apps/cli/src", "apps/cli/build.mjs", "apps/cli/package.json"] },
  backend: { dir: "apps/backend", bundle: "dist/server.mjs", sources: ["apps/backend/src", "apps/backend/build.mjs", "apps/backend/package.json", "apps/health/src"] },
}

const [name, ...args] = process.argv.slice(2)
const app = apps[name]
if (app === undefined) {
  process.stderr.write(`usage: node scripts/built.mjs ${Object.keys(apps).join("|")} [args...]\n`)
  process.exit(2)
}
// The bundle sees the arguments as if it had been started directly.
process.argv.splice(2, process.argv.length - 2, ...args)

const newest = (path) => {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)))
  return latest
}

const bundle = join(root, app.dir, app.bundle)
const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs ?? 0
if (built === 0 || [...app.sources, ...shared].some((source) => newest(join(root, source)) > built)) {
  // On stderr, so a `--json` stdout stays one document.
  process.stderr.write(built === 0 ? `ℹ building ${app.dir} (first use)…\n` : `ℹ sources changed: rebuilding ${app.dir}…\n`)
  const result = spawnSync(process.execPath, [join(root, app.dir, "build.mjs")], { cwd: join(root, app.dir), stdio: ["ignore", "ignore", "inherit"] })
  if (result.status !== 0) {
    process.stderr.write(`✖ [AIM-GEN-001] ${app.dir} did not build. Fix: run pnpm install, then node ${app.dir}/build.mjs to see the error\n`)
    process.exit(1)
  }
}

await import(pathToFileURL(bundle).href)

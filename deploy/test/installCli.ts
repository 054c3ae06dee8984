import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readDockerfile, repoRoot } from "./artifacts.js"

const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.slice(-2000)}`)
  return result.stdout
}

/**
 * Builds what deploy/Dockerfile builds, with the Dockerfile's own commands: stage 1's pack, then the
 * final stage's `npm install -g` of the tarball, into an empty prefix (the image's global install,
 * without root). The tests run the `aim` it installs, as the image's entrypoint would.
 */
export default async function setup() {
  const dockerfile = readDockerfile()
  const pack = dockerfile.runs.find((r) => r.includes("scripts/pack-cli.mjs --out"))
  const install = dockerfile.runs.find((r) => r.startsWith("npm install -g "))
  if (pack === undefined || install === undefined) throw new Error("deploy/Dockerfile no longer packs the CLI and installs it with npm install -g")
  const out = mkdtempSync(join(tmpdir(), "aim-image-out-"))
  const tarball = run("node", ["scripts/pack-cli.mjs", "--out", out], repoRoot).trim().split("\n").at(-1) ?? ""
  const prefix = mkdtempSync(join(tmpdir(), "aim-image-prefix-"))
  run("npm", ["install", "-g", "--prefix", prefix, tarball], mkdtempSync(join(tmpdir(), "aim-image-cwd-")))
  process.env.AIM_IMAGE_BIN = join(prefix, "bin", "aim")
  return () => {
    rmSync(out, { recursive: true, force: true })
    rmSync(prefix, { recursive: true, force: true })
  }
}

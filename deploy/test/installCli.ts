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
  // The Dockerfile's own flags (--ignore-scripts …), into a prefix of our own instead of the image's.
  const flags = install.split(/\s+/).filter((word) => word.startsWith("--"))
  run("npm", ["install", "-g", ...flags, "--prefix", prefix, tarball], mkdtempSync(join(tmpdir(), "aim-image-cwd-")))
  process.env.AIM_IMAGE_BIN = join(prefix, "bin", "aim")
  // The build's warm-up step, as the image runs it (its PATH has the installed aim; production, no database).
  const warm = dockerfile.runs.find((r) => r.startsWith("aim --version"))
  if (warm === undefined) throw new Error("deploy/Dockerfile no longer warms the compile cache")
  const cache = mkdtempSync(join(tmpdir(), "aim-image-cache-"))
  const warmed = spawnSync("sh", ["-c", warm], {
    cwd: mkdtempSync(join(tmpdir(), "aim-image-cwd-")),
    env: {
      PATH: `${join(prefix, "bin")}:${process.env.PATH}`,
      HOME: mkdtempSync(join(tmpdir(), "aim-image-home-")),
      ...dockerfile.env,
      NODE_COMPILE_CACHE: cache,
    },
    encoding: "utf8",
  })
  if (warmed.status !== 0) throw new Error(`the Dockerfile's warm-up step failed: ${warmed.stderr}`)
  process.env.AIM_IMAGE_COMPILE_CACHE = cache
  return () => {
    rmSync(out, { recursive: true, force: true })
    rmSync(prefix, { recursive: true, force: true })
    rmSync(process.env.AIM_IMAGE_COMPILE_CACHE ?? "", { recursive: true, force: true })
  }
}

import { packedCli } from "@aim/testkit"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { imageEnv, imagePaths, readDockerfile } from "./artifacts.js"

const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.slice(-2000)}`)
  return result.stdout
}

/**
 * Builds what deploy/Dockerfile builds, with the Dockerfile's own commands: stage 1's pack, then the
 * final stage's `npm install -g` of the tarball, into an empty prefix (the image's global install,
 * without root), the compile cache's warm-up and the start-up snapshot, on the image's Node (24).
 * The image's paths are directories of the test's (imagePaths); the tests run the entrypoint.
 */
export default async function setup() {
  const dockerfile = readDockerfile()
  const pack = dockerfile.runs.find((r) => r.includes("scripts/pack-cli.mjs --out"))
  const install = dockerfile.runs.find((r) => r.startsWith("npm install -g "))
  if (pack === undefined || install === undefined) throw new Error("deploy/Dockerfile no longer packs the CLI and installs it with npm install -g")
  // Stage 1's pack is scripts/pack-cli.mjs, as the run's one tarball (turbo's pack task) is built.
  const { tarball } = packedCli()
  const prefix = mkdtempSync(join(tmpdir(), "aim-image-prefix-"))
  // The Dockerfile's own flags (--ignore-scripts …), into a prefix of our own instead of the image's.
  const flags = install.split(/\s+/).filter((word) => word.startsWith("--"))
  run("npm", ["install", "-g", ...flags, "--prefix", prefix, tarball], mkdtempSync(join(tmpdir(), "aim-image-cwd-")))
  process.env.AIM_IMAGE_PREFIX = prefix
  process.env.AIM_IMAGE_OPT = mkdtempSync(join(tmpdir(), "aim-image-opt-"))
  mkdirSync(join(process.env.AIM_IMAGE_OPT, "compile-cache"))
  // The build's steps after the install, as the image runs them: as its user, in production, no database.
  const buildStep = (what: string, step: string | undefined, env: Record<string, string> = {}, dotenv?: string) => {
    if (step === undefined) throw new Error(`deploy/Dockerfile no longer has ${what}`)
    const cwd = mkdtempSync(join(tmpdir(), "aim-image-cwd-"))
    if (dotenv !== undefined) writeFileSync(join(cwd, ".env"), dotenv)
    const done = spawnSync("sh", ["-c", imagePaths(step)], { cwd, env: imageEnv(env), encoding: "utf8" })
    if (done.status !== 0) throw new Error(`the Dockerfile's ${what} failed: ${done.stderr}`)
  }
  buildStep(
    "compile cache warm-up",
    dockerfile.runs.find((r) => r.startsWith("aim --version")),
  )
  // Built where a database, a .env and arguments are not the runs': a run that saw any of them would
  // connect to a host that does not exist (commands.test.ts runs the image on its own database).
  buildStep(
    "start-up snapshot",
    dockerfile.runs.find((r) => r.includes("--build-snapshot")),
    {
      DATABASE_URL: "postgres://snapshot-builder.invalid/none",
      POSTGRES_HOST: "snapshot-builder.invalid",
    },
    "POSTGRES_HOST=snapshot-builder.invalid\n",
  )
  return () => {
    rmSync(prefix, { recursive: true, force: true })
    rmSync(process.env.AIM_IMAGE_OPT ?? "", { recursive: true, force: true })
  }
}

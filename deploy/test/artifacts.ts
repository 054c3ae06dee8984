import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseAllDocuments } from "yaml"

export const deployDir = resolve(import.meta.dirname, "..")
export const repoRoot = resolve(deployDir, "..")

export interface DockerfileFacts {
  /** Every RUN of every stage, as written. */
  readonly runs: ReadonlyArray<string>
  readonly entrypoint: ReadonlyArray<string>
  readonly cmd: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly user: string | undefined
  readonly stages: number
}

const jsonArray = (text: string): ReadonlyArray<string> => JSON.parse(text) as ReadonlyArray<string>

/** The instructions of deploy/Dockerfile a test runs or checks (no container engine here: their commands are run instead). */
export const readDockerfile = (): DockerfileFacts => {
  const lines = readFileSync(resolve(deployDir, "Dockerfile"), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
  const final = lines.slice(lines.map((l) => l.startsWith("FROM ")).lastIndexOf(true))
  const value = (instruction: string) => final.filter((l) => l.startsWith(`${instruction} `)).map((l) => l.slice(instruction.length + 1).trim())
  return {
    runs: lines.filter((l) => l.startsWith("RUN ")).map((l) => l.slice(4)),
    entrypoint: jsonArray(value("ENTRYPOINT").at(-1) ?? "[]"),
    cmd: jsonArray(value("CMD").at(-1) ?? "[]"),
    env: Object.fromEntries(value("ENV").map((e) => e.split("=") as [string, string])),
    user: value("USER").at(-1),
    stages: lines.filter((l) => l.startsWith("FROM ")).length,
  }
}

export type Manifest = { apiVersion: string; kind: string; metadata?: { name?: string } } & Record<string, unknown>

/** The documents of a file in deploy/kubernetes, as plain objects. */
export const manifests = (file: string): ReadonlyArray<Manifest> =>
  parseAllDocuments(readFileSync(resolve(deployDir, "kubernetes", file), "utf8")).map((d) => d.toJS() as Manifest)

export const imageBin = (): string => {
  const bin = process.env.AIM_IMAGE_BIN
  if (bin === undefined) throw new Error("AIM_IMAGE_BIN is not set: add ./test/installCli.ts to vitest's globalSetup")
  return bin
}

/** The image's environment: nothing of this machine's settings, the Dockerfile's ENV, an empty home as WORKDIR. */
export const imageEnv = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const home = mkdtempSync(join(tmpdir(), "aim-image-home-"))
  // The image's compile cache is the one the build warmed (installCli.ts ran the Dockerfile's step into a temporary directory).
  const cache = process.env.AIM_IMAGE_COMPILE_CACHE === undefined ? {} : { NODE_COMPILE_CACHE: process.env.AIM_IMAGE_COMPILE_CACHE }
  return { PATH: process.env.PATH, HOME: home, ...readDockerfile().env, ...cache, ...env }
}

/** Runs the image's entrypoint with these arguments, as `docker run aim-migrate ARGS` would. */
export const runImage = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const dockerfile = readDockerfile()
  const [entry, ...rest] = dockerfile.entrypoint
  if (entry !== "aim") throw new Error(`the image's entrypoint is ${entry}, not aim`)
  const environment = imageEnv(env)
  return spawnSync(imageBin(), [...rest, ...args], { cwd: environment.HOME, env: environment, encoding: "utf8" })
}

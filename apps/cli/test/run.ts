import { spawn } from "node:child_process"
import { resolve } from "node:path"

export const repoRoot = resolve(import.meta.dirname, "../../..")
export const shippedMigrations = resolve(repoRoot, "migrations")

/** The CLI bundle the global setup built (test/buildCli.ts): what `aim` runs, started with node. */
export const cliBundle = (): string => {
  const bundle = process.env.AIM_TEST_CLI_BUNDLE
  if (bundle === undefined) throw new Error("AIM_TEST_CLI_BUNDLE is not set: add ./test/buildCli.ts to vitest's globalSetup")
  return bundle
}

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment of a machine with nothing configured, plus `env`. */
export const cleanEnv = (env: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(POSTGRES_|DATABASE_URL|REDIS_|SMTP_|NODE_ENV|PG|AIM_)/.test(key)) continue
    base[key] = value
  }
  return { ...base, NO_COLOR: "1", ...env }
}

/**
 * Runs `aim ...args` as a real process: for what only a process shows (exit by signal, EPIPE, output a
 * library writes to the process's own streams, start-up environment such as the CA store, several
 * processes on one embedded database). Everything else runs `aim` in process.
 */
export const aimProcess = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd = repoRoot): Promise<CliResult> =>
  new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd, env: cleanEnv(env) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    child.on("error", reject)
    child.on("close", (code) => resolveResult({ code, stdout, stderr }))
  })

/**
 * Runs `aim ...args` in this process (src/main.ts's runCli): the same command line, environment,
 * working directory and renderer as the process, with the output collected from the run's own
 * streams. What the CLI tests run by default; what only a process shows takes `aimProcess`.
 */
export const aim = async (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd = repoRoot): Promise<CliResult> => {
  const { runCli } = await import("../src/main.js")
  const { PassThrough } = await import("node:stream")
  const collect = () => {
    const stream = new PassThrough()
    let text = ""
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString()
    })
    return { stream, text: () => text }
  }
  const stdout = collect()
  const stderr = collect()
  const stdin = new PassThrough()
  stdin.end()
  const code = await runCli({ args, env: cleanEnv(env), cwd, stdout: stdout.stream, stderr: stderr.stream, stdin, entry: cliBundle() })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

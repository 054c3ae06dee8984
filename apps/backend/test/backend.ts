import { type ChildProcess, spawn } from "node:child_process"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const root = resolve(import.meta.dirname, "../../..")
export const shippedMigrations = join(root, "migrations")
const serverBundle = resolve(import.meta.dirname, "../dist/server.mjs")

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly [key: string]: unknown
}

export interface Backend {
  readonly child: ChildProcess
  readonly logs: Array<LogLine>
  /** Resolves with the base URL once the server logged it is ready; rejects if it exits first. */
  readonly ready: Promise<string>
  readonly exited: Promise<number | null>
  /** Resolves when a log line matches. */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<LogLine>
}

export const migrationsWith = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), "aim-boot-"))
  cpSync(shippedMigrations, dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** Starts the bundled example server as a real process with JSON logs, on a free port. */
export const startBackend = (env: Record<string, string>, migrationsDir = shippedMigrations): Backend => {
  const child = spawn(process.execPath, [serverBundle], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: "json", PORT: "0", HOST: "127.0.0.1", MIGRATIONS_DIR: migrationsDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  const logs: Array<LogLine> = []
  const waiters: Array<{ pattern: RegExp; resolve: (line: LogLine) => void }> = []
  let buffer = ""
  child.stdout?.setEncoding("utf8")
  child.stdout?.on("data", (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf("\n")
    while (newline >= 0) {
      const text = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf("\n")
      let line: LogLine
      try {
        line = JSON.parse(text) as LogLine
      } catch {
        line = { level: "raw", message: text }
      }
      logs.push(line)
      for (const w of [...waiters]) {
        if (w.pattern.test(line.message)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  })
  child.stderr?.on("data", (chunk: Buffer) => logs.push({ level: "stderr", message: chunk.toString() }))
  const exited = new Promise<number | null>((resolveExit) => child.on("exit", (code, signal) => resolveExit(code ?? (signal === null ? null : -1))))
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<LogLine>((resolveLine, reject) => {
      const found = logs.find((l) => pattern.test(l.message))
      if (found !== undefined) return resolveLine(found)
      const timer = setTimeout(() => reject(new Error(`no log line ${pattern} within ${timeoutMs} ms; logs: ${JSON.stringify(logs.slice(-5))}`)), timeoutMs)
      waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer)
          resolveLine(line)
        },
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`server exited (${code}) before ${pattern}; logs: ${JSON.stringify(logs.slice(-5))}`))
      })
    })
  const ready = waitFor(/^AIM backend ready on /, 60_000).then((line) => String(line.address).replace("0.0.0.0", "127.0.0.1"))
  ready.catch(() => undefined)
  return { child, logs, ready, exited, waitFor }
}

export const stop = async (backend: Backend, signal: NodeJS.Signals = "SIGTERM") => {
  if (backend.child.exitCode === null && backend.child.signalCode === null) backend.child.kill(signal)
  return backend.exited
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

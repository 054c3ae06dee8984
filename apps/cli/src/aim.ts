#!/usr/bin/env node
// The `aim` entry: as little as possible before the command runs. `--version` answers without
// loading Effect and @effect/cli (about 140 ms of module loading); everything else imports the CLI.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as nodeModule from "node:module"
import { version } from "./version.js"

// Node 22+: V8 keeps the compiled bundle in the OS temp directory, so later starts skip compiling it.
const cache = nodeModule as { enableCompileCache?: () => unknown }
cache.enableCompileCache?.()

const args = process.argv.slice(2)
const workingDirectory = (() => {
  try {
    return process.cwd()
  } catch {
    return undefined
  }
})()
// What starts again is this bundle itself, not whatever started it: `pnpm aim` runs it from
// scripts/built.mjs, which takes an app's name as its first argument. (A start-up snapshot has no
// module URL; it is started with --liftoff-only already, so it never starts again.)
const entry = typeof import.meta.url === "string" ? fileURLToPath(import.meta.url) : undefined

if (args.length === 1 && args[0] === "--version") process.stdout.write(`${version}\n`)
else if (
  entry !== undefined &&
  !process.execArgv.includes("--liftoff-only") &&
  // Loaded here, not above: --version never reads a directory or loads node:crypto. A working
  // directory that was deleted is main's to answer (AIM-CLI-003): no restart is guessed for it.
  workingDirectory !== undefined &&
  (await import("./restart.js")).startsWithLiftoffOnly({
    nodeMajor: Number(process.versions.node.split(".")[0]),
    args,
    env: process.env,
    cwd: workingDirectory,
    entry,
  })
) {
  const child = spawn(process.execPath, ["--liftoff-only", ...process.execArgv, entry, ...args], { stdio: "inherit" })
  // The child is the command: a signal for this process is its signal (a deploy's SIGTERM rolls its
  // migration back and releases the lock there), and its exit is this process's exit.
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const
  for (const signal of signals) process.on(signal, () => child.kill(signal))
  // Where the runtime cannot be started again (it always can: it is this very binary), run here.
  child.on("error", () => {
    for (const s of signals) process.removeAllListeners(s)
    void import("./main.js").then((main) => main.start())
  })
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    for (const s of signals) process.removeAllListeners(s)
    process.kill(process.pid, signal)
  })
} else (await import("./main.js")).start()

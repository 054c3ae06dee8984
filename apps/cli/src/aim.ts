#!/usr/bin/env node
// The `aim` entry: as little as possible before the command runs. `--version` answers without
// loading Effect and @effect/cli (about 140 ms of module loading); everything else imports the CLI.
import { spawn } from "node:child_process"
import * as nodeModule from "node:module"
import { version } from "./version.js"

// Node 22+: V8 keeps the compiled bundle in the OS temp directory, so later starts skip compiling it.
const cache = nodeModule as { enableCompileCache?: () => unknown }
cache.enableCompileCache?.()

// The SQL parser is WebAssembly. From Node 22 on, V8's optimising tier recompiles it in the background:
// on Node 24, aim plan and aim lint peak at about 640 MB and take 2.5 s, against 108 MB and 0.8 s with
// V8's baseline compiler alone (--liftoff-only, what the image runs with). V8 freezes its flags once
// it has started, so the commands that parse SQL run again in a process started with the flag; the
// others (a no-op migrate, status, verify) never load the parser and pay nothing.
const parsesSql = (args: ReadonlyArray<string>): boolean => {
  const command = args.find((a) => !a.startsWith("-"))
  return (
    command === "plan" ||
    command === "lint" ||
    command === "drift" ||
    command === "new" ||
    command === "mcp" ||
    (command === "migrate" && args.some((a) => a === "--dry-run" || a === "--prove-idempotent"))
  )
}

const major = Number(process.versions.node.split(".")[0])
const args = process.argv.slice(2)

if (args.length === 1 && args[0] === "--version") process.stdout.write(`${version}\n`)
else if (major >= 22 && parsesSql(args) && !process.execArgv.includes("--liftoff-only") && process.argv[1] !== undefined) {
  const child = spawn(process.execPath, ["--liftoff-only", ...process.execArgv, process.argv[1], ...args], { stdio: "inherit" })
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

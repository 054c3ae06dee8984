#!/usr/bin/env node
// The `aim` entry: as little as possible before the command runs. `--version` answers without
// loading Effect and @effect/cli (about 140 ms of module loading); everything else imports the CLI.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as nodeModule from "node:module"
import { version } from "./version.js"

// Node 22+: V8 keeps the compiled bundle in the OS temp directory, so later starts skip compiling it.
const cache = nodeModule as { enableCompileCache?: () => unknown }
cache.enableCompileCache?.()

// The SQL parser and PGlite are WebAssembly, and V8's optimising tier recompiles a module in the
// background once it runs hot: on Node 24, aim plan and aim lint peaked at about 640 MB and took 2.5 s
// against 108 MB and 0.8 s with V8's baseline compiler alone (--liftoff-only, what the image runs
// with); a no-op on the embedded database, 212 MB against 137 MB on Node 20 too
// (bench/results/parser-memory.md, commands.md). V8 freezes its flags once it has started, so those commands run again
// in a process started with the flag; the others pay nothing.
const parsesSql = (command: string | undefined, args: ReadonlyArray<string>): boolean =>
  command === "plan" ||
  command === "lint" ||
  command === "drift" ||
  command === "rollback" ||
  command === "new" ||
  command === "mcp" ||
  (command === "migrate" && args.some((a) => a === "--dry-run" || a === "--prove-idempotent" || a === "--prove-rollback"))

/**
 * Whether the command may run PGlite: a scratch replay (drift, baseline, a proof, a workload check)
 * without AIM_SCRATCH_DATABASE_URL, or any command while nothing names a server: no DATABASE_URL,
 * POSTGRES_* or libpq PG* variable and no .env here (which is read once, by the configuration, so
 * only its presence counts). A guess made before the configuration is read: a wrong guess costs a
 * needless re-start (about 40 ms) or the optimising tier's memory, never a different answer.
 */
const mayRunPglite = (command: string | undefined, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): boolean => {
  const scratch =
    command === "drift" ||
    command === "rollback" ||
    command === "baseline" ||
    (command === "plan" && args.some((a) => a.startsWith("--workload"))) ||
    (command === "migrate" && (args.includes("--prove-idempotent") || args.includes("--prove-rollback")))
  if (scratch && (env.AIM_SCRATCH_DATABASE_URL ?? "") === "") return true
  return !existsSync(".env") && !Object.keys(env).some((name) => name === "DATABASE_URL" || name.startsWith("POSTGRES_") || /^PG[A-Z]/.test(name))
}

const major = Number(process.versions.node.split(".")[0])
const args = process.argv.slice(2)
const command = args.find((a) => !a.startsWith("-"))
// What starts again is this bundle itself, not whatever started it: `pnpm aim` runs it from
// scripts/built.mjs, which takes an app's name as its first argument. (A start-up snapshot has no
// module URL; it is started with --liftoff-only already, so it never starts again.)
const entry = typeof import.meta.url === "string" ? fileURLToPath(import.meta.url) : undefined

if (args.length === 1 && args[0] === "--version") process.stdout.write(`${version}\n`)
else if (
  ((major >= 22 && parsesSql(command, args)) || mayRunPglite(command, args, process.env)) &&
  !process.execArgv.includes("--liftoff-only") &&
  entry !== undefined
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

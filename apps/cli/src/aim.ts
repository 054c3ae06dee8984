#!/usr/bin/env node
// The `aim` entry: as little as possible before the command runs. `--version` answers without
// loading Effect and @effect/cli (about 140 ms of module loading); everything else imports the CLI.
import * as nodeModule from "node:module"
import { version } from "./version.js"

// Node 22+: V8 keeps the compiled bundle in the OS temp directory, so later starts skip compiling it.
const cache = nodeModule as { enableCompileCache?: () => unknown }
cache.enableCompileCache?.()

if (process.argv.length === 3 && process.argv[2] === "--version") process.stdout.write(`${version}\n`)
else (await import("./main.js")).start()

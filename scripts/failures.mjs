// After a failed `turbo run`, prints every failing test of every task with its error lines, last:
// turbo interleaves the tasks' output and a CI log is read from its tail, where a failure in a task
// that finished early is otherwise out of sight. Reads the logs turbo keeps per task
// (<package>/.turbo/turbo-<task>.log); exits 1, so `turbo … || node scripts/failures.mjs` still fails.
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const ansi = /\u001b\[[0-9;]*m/g
// Lines that say what failed: vitest's ×, FAIL and → lines, assertion and SQL errors, and turbo's own.
const telling = /(×|✗|\bFAIL\b|→|AssertionError|Error:|ERR!|ELIFECYCLE|exited \(\d+\)|Test Files|Tests\s+\d)/
const limit = 60

const isDirectory = (path) => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
// The workspace's packages (pnpm-workspace.yaml) and the root, whose //#tasks log there too.
const packages = [
  root,
  ...["apps", "packages", "runtimes"].flatMap((group) => (isDirectory(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [])),
  ...["deploy", "docs", "bench"].map((name) => join(root, name)),
]
const logs = packages
  .filter((pkg) => isDirectory(join(pkg, ".turbo")))
  .flatMap((pkg) =>
    readdirSync(join(pkg, ".turbo"))
      .filter((name) => /^turbo-.*\.log$/.test(name))
      .map((name) => join(pkg, ".turbo", name)),
  )

let printed = 0
for (const file of logs) {
  const lines = readFileSync(file, "utf8").replace(ansi, "").split("\n")
  const failing = lines.some((line) => /(×|\bFAIL\b|exited \(\d+\)|ELIFECYCLE|error TS\d+)/.test(line))
  if (!failing) continue
  const shown = lines.filter((line) => telling.test(line) || /error TS\d+/.test(line)).slice(0, limit)
  process.stdout.write(`\n── what failed in ${file.slice(root.length + 1)} ──\n${shown.join("\n")}\n`)
  printed++
}
if (printed === 0) process.stdout.write("\n── no task log names a failing test: the failure is in the output above ──\n")
process.exit(1)

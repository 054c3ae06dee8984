import { type LintFinding, type Migration, isTransactional, lintMigrations, loadMigrations } from "@aim/core"
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { basename } from "node:path"
import * as opt from "../options.js"
import { CliExit, out, printJson, renderFailure } from "../output.js"

const files = Args.file({ name: "files", exists: "yes" }).pipe(
  Args.withDescription("Migration files to lint (default: every file in --migrations-dir)"),
  Args.repeated,
)

const fromFiles = (paths: ReadonlyArray<string>) =>
  Effect.forEach(paths, (path) =>
    Effect.promise(() => readFile(path, "utf8")).pipe(Effect.map((sql) => ({ name: basename(path), sql, transactional: isTransactional(sql) }))),
  )

const render = (finding: LintFinding) =>
  `${finding.file}:${finding.line}:${finding.column}: ${finding.severity} [${finding.rule}] ${finding.message}. Fix: ${finding.fix}`

export const lint = Command.make("lint", { files, json: opt.json, migrationsDir: opt.migrationsDir }, (options) =>
  Effect.gen(function* () {
    const inputs: ReadonlyArray<Migration | { name: string; sql: string; transactional: boolean }> =
      options.files.length > 0 ? yield* fromFiles(options.files) : yield* loadMigrations(options.migrationsDir)
    const findings = yield* lintMigrations(inputs)
    const errors = findings.filter((f) => f.severity === "error").length
    if (options.json) yield* printJson({ ok: errors === 0, files: inputs.length, findings })
    else {
      for (const finding of findings) yield* out(render(finding))
      yield* out(
        `${errors === 0 ? "✅" : "✖"} ${inputs.length} file${inputs.length === 1 ? "" : "s"}: ${errors} error${errors === 1 ? "" : "s"}, ${findings.length - errors} warning${findings.length - errors === 1 ? "" : "s"}`,
      )
    }
    if (errors > 0) return yield* new CliExit({ code: 1 })
  }).pipe(
    Effect.catchIf(
      (e) => e._tag !== "CliExit",
      (e) => renderFailure(e, options.json),
    ),
  ),
).pipe(Command.withDescription("Check migrations for statements that are not idempotent, lock or rewrite tables, or are destructive (PostgreSQL's own parser)"))

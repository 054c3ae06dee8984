import { type Migration, MigrationSourceError, isTransactional, loadMigrations, textProblems } from "@aim/core"
import { type LintFinding, lintMigrations } from "@aim/core/authoring"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { basename, dirname, resolve } from "node:path"
import { out } from "../output.js"
import { report, reported } from "../render.js"

// aim lint's work, loaded when it runs.

// Files named on the command line are held to what aim migrate would refuse (a misplaced or unknown
// directive, only comments, a NUL byte) before their statements are linted.
const fromFiles = (paths: ReadonlyArray<string>) =>
  Effect.forEach(paths, (path) =>
    Effect.promise(() => readFile(path, "utf8")).pipe(Effect.map((sql) => ({ name: basename(path), sql, transactional: isTransactional(sql) }))),
  ).pipe(
    Effect.filterOrElse(
      (inputs) => inputs.every((input) => textProblems(input.sql).length === 0),
      (inputs) =>
        new MigrationSourceError({
          directory: dirname(resolve(paths[0] ?? ".")),
          problems: inputs.flatMap((input) => textProblems(input.sql).map((problem) => ({ file: input.name, problem }))),
        }),
    ),
  )

const describe = (finding: LintFinding) =>
  `${finding.file}:${finding.line}:${finding.column}: ${finding.severity} [${finding.rule}] ${finding.message}. Fix: ${finding.fix}`

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** The handler, for the options lint.ts defines. */
export const run = reported((options: { readonly json: boolean; readonly files: ReadonlyArray<string>; readonly migrationsDir: string }) =>
  Effect.gen(function* () {
    const inputs: ReadonlyArray<Migration | { name: string; sql: string; transactional: boolean }> =
      options.files.length > 0 ? yield* fromFiles(options.files) : yield* loadMigrations(options.migrationsDir)
    const findings = yield* lintMigrations(inputs)
    const errors = findings.filter((f) => f.severity === "error").length
    return report({
      ok: errors === 0,
      document: { ok: errors === 0, files: inputs.length, findings },
      human: Effect.gen(function* () {
        for (const finding of findings) yield* out(describe(finding))
        yield* out(`${errors === 0 ? "✅" : "✖"} ${plural(inputs.length, "file")}: ${plural(errors, "error")}, ${plural(findings.length - errors, "warning")}`)
      }),
    })
  }),
)

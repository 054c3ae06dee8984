import { Context, Effect, Layer } from "effect"
import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { isAbsolute, join, relative, resolve, sep } from "node:path"
import { readChecks } from "./fileChecks.js"
import { checksumOf, stripBom } from "./checksum.js"
import { hasStatement } from "../sql/splitStatements.js"
import { isMigrationCandidate } from "./candidates.js"
import { type Migration, versionLabel } from "./Migration.js"
import { MigrationSourceError, MigrationsDirectoryMissing, type SourceProblem } from "./MigrationSourceError.js"

/** `NNN_description.sql`, or `NNN_description.up.sql` (golang-migrate's layout, which the deployed backend uses). */
export const fileNamePattern = /^(\d{3,})_([A-Za-z0-9][A-Za-z0-9_-]*)(?:\.up)?\.sql$/

/** The name after the number (`reset_admin_password` of `034_reset_admin_password.sql`): survives renumbering. */
export const descriptionOf = (fileName: string): string | undefined => fileNamePattern.exec(fileName)?.[2]
export const noTransactionDirective = "-- aim:no-transaction"

export interface MigrationSourceShape {
  readonly directory: string
  /** Every migration in version order, or an error naming each offending file. */
  readonly load: Effect.Effect<ReadonlyArray<Migration>, MigrationSourceError | MigrationsDirectoryMissing>
}

export class MigrationSource extends Context.Tag("@aim/core/MigrationSource")<MigrationSource, MigrationSourceShape>() {}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const isWithin = (directory: string, path: string): boolean => {
  const inside = relative(directory, path)
  // The first segment, not the text: a ConfigMap's `..data/001_x.sql` is inside, `../x` is not.
  return inside !== "" && inside.split(sep)[0] !== ".." && !isAbsolute(inside)
}

const firstLine = (text: string): string => text.trimStart().split("\n", 1)[0]?.trim() ?? ""

const noTransactionLine = /^--\s*aim:no-transaction(?:\s|$)/

/** False when the file's first line is `-- aim:no-transaction`: it then runs statement by statement. */
export const isTransactional = (sql: string): boolean => !noTransactionLine.test(firstLine(sql.replace(/\r\n?/g, "\n")))

/** The ledger's version column is an integer: a file numbered above it could never be recorded. */
export const maxVersion = 2_147_483_647

// Case-insensitive, so that `-- AIM:NO-TRANSACTION` is found and refused (aim reads directives in
// lower case only: as written, it would silently run the file in one transaction).
const directiveLine = /^\s*--\s*aim:([A-Za-z-]*)/i
const knownDirectives = "-- aim:no-transaction (the first line), -- aim:check (the leading comments) and -- aim:lint-ignore"

const noStatement = "has no statement, only comments; put the migration's SQL in it or delete it"

/**
 * What is wrong with a file's text as a migration, each with its line: a NUL byte (binary, or UTF-16
 * saved as such), no statement at all (only comments), and an `-- aim:` directive that would be
 * silently ignored: misspelt, or where it has no effect (a no-transaction directive below the
 * first line would leave the file in one transaction its author meant it not to run in).
 */
export const textProblems = (text: string): ReadonlyArray<string> => {
  const nul = text.indexOf("\0")
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length
    return [`has a NUL byte at offset ${Buffer.byteLength(text.slice(0, nul))} (line ${line}): it is binary, or saved as UTF-16; save it as UTF-8 text`]
  }
  // Every directive has "aim:" in it: a file without (most files) is not read line by line.
  if (!/aim:/i.test(text)) return hasStatement(text) ? [] : [noStatement]
  const problems: Array<string> = []
  const lines = text.replace(/\r\n?/g, "\n").split("\n")
  const first = lines.findIndex((line) => line.trim() !== "")
  let header = true
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line !== "" && !line.startsWith("--")) header = false
    const match = directiveLine.exec(line)
    if (match === null) continue
    const name = match[1] ?? ""
    const at = `line ${index + 1}`
    if (match[0] !== match[0].toLowerCase()) {
      problems.push(`${at}: directives are lower case: write -- aim:${name.toLowerCase()} (as written, aim would not read it)`)
    } else if (name === "no-transaction") {
      if (index !== first)
        problems.push(`${at}: -- aim:no-transaction works only as the file's first line; move it there (here the file would run in one transaction)`)
    } else if (name === "check") {
      if (!header) problems.push(`${at}: -- aim:check is read only in the comments above the first statement; move it there (here it would not run)`)
    } else if (name !== "lint-ignore") {
      problems.push(`${at}: unknown directive -- aim:${name}; aim knows ${knownDirectives}`)
    }
  }
  if (problems.length === 0 && !hasStatement(text)) problems.push(noStatement)
  return problems
}

/** Reads and validates `directory`; pure apart from the file reads, so it can be tested on fixtures. */
export const loadMigrations = (directory: string): MigrationSourceShape["load"] =>
  Effect.gen(function* () {
    const isFile = yield* Effect.promise(() =>
      stat(directory).then(
        (s) => !s.isDirectory(),
        () => false,
      ),
    )
    if (isFile) return yield* new MigrationsDirectoryMissing({ directory, isFile })
    const entries = yield* Effect.tryPromise({ try: () => readdir(directory), catch: () => new MigrationsDirectoryMissing({ directory }) })
    const problems: Array<SourceProblem> = []
    const candidates = entries.filter(isMigrationCandidate).sort()
    const migrations: Array<Migration> = []
    const named = candidates.flatMap((file) => {
      const match = fileNamePattern.exec(file)
      if (match === null) {
        problems.push({
          file,
          problem: "name is not NNN_description.sql or NNN_description.up.sql (three or more digits, an underscore, letters, digits, _ or -)",
        })
        return []
      }
      const digits = (match[1] ?? "").replace(/^0+(?=\d)/, "")
      if (digits.length > 10 || Number(digits) > maxVersion) {
        problems.push({ file, problem: `number ${digits} does not fit the ledger (at most ${maxVersion}); renumber it below that` })
        return []
      }
      return [{ file, version: Number(digits) }]
    })
    // Synchronous reads: for thousands of small files they are ~10x faster than one promise each,
    // and this runs once, at start-up. A file that cannot be read (a link loop, no permission) is
    // named with the reason, like any other bad file.
    const contents = yield* Effect.sync(() => {
      let realDirectory: string | undefined
      return named.map(({ file }) => {
        try {
          // A link is followed only to a file inside the migrations directory (a Kubernetes ConfigMap
          // mounts its files as links into its own ..data folder): one that leads anywhere else on
          // the machine (a pgpass file, a key) would be run as SQL, or served whole over MCP.
          const path = join(directory, file)
          const entry = lstatSync(path)
          if (entry.isSymbolicLink()) {
            realDirectory ??= realpathSync(directory)
            if (!isWithin(realDirectory, realpathSync(path))) {
              problems.push({
                file,
                problem: "is a symbolic link to a file outside the migrations directory: aim reads no file a link leads out to; copy the file in instead",
              })
              return undefined
            }
          }
          // Only regular files are migrations: reading a FIFO named like one would wait forever.
          // (A file's own lstat is its stat; only a link needs the stat of what it leads to.)
          const kind = entry.isSymbolicLink() ? statSync(path) : entry
          if (!kind.isFile() && !kind.isDirectory()) {
            problems.push({ file, problem: "is not a regular file (a FIFO, socket or device): only regular files are migrations; remove it" })
            return undefined
          }
          return readFileSync(path)
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? "an I/O error"
          const why =
            code === "ELOOP" ? "a symbolic link that loops" : code === "EACCES" ? "not readable by this user" : code === "EISDIR" ? "a directory" : code
          problems.push({ file, problem: `cannot be read (${why}); fix or remove it` })
          return undefined
        }
      })
    })
    for (const [index, { file, version }] of named.entries()) {
      const path = join(directory, file)
      const bytes = contents[index]
      if (bytes === undefined) continue
      let text: string
      try {
        text = stripBom(utf8.decode(bytes))
      } catch {
        problems.push({ file, problem: "is not valid UTF-8; save it as UTF-8" })
        continue
      }
      if (text.trim() === "") {
        problems.push({ file, problem: "is empty; put the migration's SQL in it or delete it" })
        continue
      }
      const wrong = textProblems(text)
      for (const problem of wrong) problems.push({ file, problem })
      if (wrong.length > 0) continue
      const header = readChecks(text)
      for (const p of header.problems) problems.push({ file, problem: `line ${p.line}: ${p.problem}` })
      migrations.push({
        version,
        name: file,
        path,
        sql: text,
        checksum: checksumOf(text),
        transactional: isTransactional(text),
        checks: header.checks,
      })
    }
    migrations.sort((a, b) => a.version - b.version || a.name.localeCompare(b.name))
    // Gaps are allowed (the deployed backend's runner allows them too); an applied file that is gone
    // is the plan's business, reported as missing wherever it sat. Two files under one number are not:
    // the ledger records one file per number.
    let nextFree = (migrations.at(-1)?.version ?? 0) + 1
    for (let i = 1; i < migrations.length; i++) {
      const previous = migrations[i - 1]
      const current = migrations[i]
      if (previous === undefined || current === undefined || current.version !== previous.version) continue
      const renamed = `${versionLabel(nextFree++)}_${descriptionOf(current.name) ?? "migration"}.sql`
      problems.push({
        file: current.name,
        problem: `has the same number as ${previous.name}: aim records one file per number. Rename it ${renamed} (the next free number); if the deployed backend already applied it, aim adopt recognises it by its name after the number and records it without running it again`,
      })
    }
    if (problems.length > 0) return yield* new MigrationSourceError({ directory, problems })
    return migrations
  })

export const MigrationSourceLive = (directory: string): Layer.Layer<MigrationSource> => {
  const absolute = resolve(directory)
  return Layer.succeed(MigrationSource, { directory: absolute, load: loadMigrations(absolute) })
}

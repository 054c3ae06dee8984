import { ConfigError, MigrationsDirectoryMissing, catalog, fileNamePattern, loadMigrations } from "@aim/core"
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import * as opt from "../options.js"
import { out } from "../output.js"
import { report, reported } from "../render.js"

const description = Args.text({ name: "description" }).pipe(Args.withDescription('What the migration does, e.g. "add webhooks table"'))

// A file name of ASCII letters, digits and _: accented letters keep their letter (Ünïcode → unicode);
// scripts with no Latin form are dropped, and a description of nothing else is refused.
const slugOf = (text: string) =>
  text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60)

/** A table name when the description reads "add/create X table", for a ready-made skeleton (word by word: linear). */
const tableOf = (text: string): string | undefined => {
  const words = text.trim().toLowerCase().split(/\s+/)
  if (words.length < 3 || (words[0] !== "add" && words[0] !== "create") || words.at(-1) !== "table") return undefined
  const middle = words.slice(1, -1)
  const named = middle.length > 1 && ["a", "an", "the"].includes(middle[0] ?? "") ? middle.slice(1) : middle
  const table = named.join("_")
  return /^[a-z][a-z0-9_]*$/.test(table) ? table : undefined
}

/** The description on one line of printable text: a newline in it would start a line of SQL in the generated file. */
export const oneLineDescription = (text: string): string =>
  text
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()

/** The template: every statement guarded, so the file is idempotent and lints clean as written. */
export const template = (name: string, text: string): string => {
  const table = tableOf(text)
  const header = [
    `-- ${name.replace(/\.sql$/, "")}: ${text}`,
    "-- Idempotent by construction: keep every statement guarded (IF NOT EXISTS, OR REPLACE,",
    "-- ON CONFLICT DO NOTHING). Check with: aim lint && aim migrate --prove-idempotent",
    "-- A check that must hold before it runs goes in this header: a quoted message, then a SELECT of the",
    "-- rows that break it; while there are any, the file does not run. For example (without the e.g.):",
    '-- e.g. aim:check "no two users share an email" SELECT lower(email), count(*) FROM users GROUP BY 1 HAVING count(*) > 1',
    "",
  ]
  if (table === undefined) {
    return [
      ...header,
      "-- Examples of guarded statements:",
      "-- CREATE TABLE IF NOT EXISTS example (id uuid PRIMARY KEY DEFAULT gen_random_uuid());",
      "-- ALTER TABLE example ADD COLUMN IF NOT EXISTS note text;",
      "-- CREATE INDEX IF NOT EXISTS idx_example_note ON example (note);",
      "-- INSERT INTO system_config (key, value) VALUES ('example', 'on') ON CONFLICT (key) DO NOTHING;",
      "SELECT 1;",
      "",
    ].join("\n")
  }
  return [
    ...header,
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    "  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),",
    "  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,",
    "  created_at      timestamptz NOT NULL DEFAULT now(),",
    "  updated_at      timestamptz NOT NULL DEFAULT now()",
    ");",
    "",
    `CREATE INDEX IF NOT EXISTS idx_${table}_organization_id ON ${table} (organization_id);`,
    "",
    `CREATE OR REPLACE TRIGGER update_${table}_updated_at`,
    `  BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();`,
    "",
  ].join("\n")
}

export const newMigration = Command.make(
  "new",
  { description, json: opt.json, migrationsDir: opt.authoringMigrationsDir },
  reported(({ description: given, migrationsDir }) =>
    Effect.gen(function* () {
      const description = oneLineDescription(given)
      const slug = slugOf(description)
      if (slug === "") {
        return yield* new ConfigError({
          problems: [
            {
              variable: "description",
              problem: "has no Latin letters or digits to name the file with",
              fix: 'describe the change, e.g. aim new "add webhooks table"',
            },
          ],
        })
      }
      // A directory that is not there is not created silently: a typo would scatter migrations.
      if (!existsSync(migrationsDir)) return yield* new MigrationsDirectoryMissing({ directory: resolve(migrationsDir) })
      // Validate what is there first: a new file must not paper over a broken directory.
      const existing = yield* loadMigrations(migrationsDir)
      const last = existing.at(-1)?.version ?? 0
      const width = Math.max(
        3,
        ...readdirSync(migrationsDir)
          .filter((f) => fileNamePattern.test(f))
          .map((f) => f.split("_")[0]?.length ?? 3),
      )
      // The ledger's version is a PostgreSQL integer: a file past it could never be recorded.
      if (last + 1 > 2_147_483_647) {
        return yield* new ConfigError({
          problems: [
            {
              variable: "version",
              problem: `${last + 1} does not fit the ledger (at most 2147483647)`,
              fix: "renumber the directory's files below 2147483647",
            },
          ],
        })
      }
      const name = `${String(last + 1).padStart(width, "0")}_${slug}.sql`
      const path = join(migrationsDir, name)
      // Refused by the file system (read-only, not this user's, full, taken meanwhile): said with its cause.
      yield* Effect.try({
        try: () => writeFileSync(path, template(name, description), { flag: "wx" }),
        catch: (error) => {
          const code = (error as NodeJS.ErrnoException).code ?? "unknown"
          const why: Record<string, string> = {
            EACCES: "this user may not write in it",
            EPERM: "the file system does not allow writing in it (an immutable directory, or a mount that forbids it)",
            EROFS: "it is on a read-only file system",
            ENOSPC: "the disk is full",
            EEXIST: `${name} was created meanwhile (another aim new?)`,
          }
          return new ConfigError({
            problems: [
              {
                variable: "--migrations-dir",
                entry: catalog.directoryUnwritable,
                problem: `${resolve(migrationsDir)} cannot take ${name} (${code}): ${why[code] ?? "the file system refused the write"}`,
                fix:
                  code === "EEXIST"
                    ? "run aim new again"
                    : "run aim new where the migrations directory is writable (the repository's checkout), or pass --migrations-dir",
              },
            ],
          })
        },
      })
      return report({ ok: true, document: { ok: true, created: resolve(path), version: last + 1, name }, human: out(`✅ created ${path}`) })
    }),
  ),
).pipe(Command.withDescription("Write the next-numbered migration file from an idempotent template"))

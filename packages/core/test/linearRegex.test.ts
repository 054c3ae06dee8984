import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { withoutLiterals } from "../src/database/SqlError.js"
import { dotEnvOf, loadEnv } from "../src/config/env.js"
import { splitStatements } from "../src/sql/splitStatements.js"
import { fileNamePattern } from "../src/source/MigrationSource.js"
import { readChecks } from "../src/source/fileChecks.js"
import { readConfig } from "../src/config/AimConfig.js"
import { scrub, secretsOf, withoutUrlCredentials } from "../src/output/redact.js"

// Every pattern that reads what a user, an operator or a server hands in, fed 100 KB of the input
// that makes a backtracking pattern explode (long runs of blanks, letters, quotes, separators). Linear
// code takes milliseconds here; the cubic aim:check pattern took 21.7 s on 4 KB. The bound is two
// orders of magnitude above linear and far below quadratic: a behaviour check, not a speed target.
const size = 100_000
const bound = 2_000

const timed = (run: () => unknown): number => {
  const started = performance.now()
  run()
  return performance.now() - started
}

const inputs: ReadonlyArray<[string, string]> = [
  ["blanks", " ".repeat(size)],
  ["letters", "a".repeat(size)],
  ["quotes", '"'.repeat(size)],
  ["single quotes", "'".repeat(size)],
  ["colons and slashes", ":/".repeat(size / 2)],
  ["at signs", "@".repeat(size)],
  ["percent", "%".repeat(size)],
  ["schemes without @", "a://".repeat(size / 4)],
  ["dashes", "-".repeat(size)],
  ["mixed", "a\"b 'c %d@e://f ".repeat(size / 16)],
]

describe("every input-facing pattern is linear on 100 KB inputs", () => {
  it.each(inputs)("%s", (_, text) => {
    const secrets = secretsOf({ POSTGRES_PASSWORD: "Secret-Value-1", DATABASE_URL: `postgres://u:${text.slice(0, 2000)}@h/d` })
    const checks = [
      ["aim:check header", () => readChecks(`-- aim:check "${text}" ${text}\n-- aim:check ${text}\nSELECT 1;`)],
      ["aim:check continuation", () => readChecks(`-- aim:check "m"\n--     ${text}\nSELECT 1;`)],
      ["URL credentials", () => withoutUrlCredentials(text)],
      ["server message literals", () => withoutLiterals(`Failing row contains (${text}) Key (a)=(${text}) invalid input: "${text}"`)],
      ["scrub", () => scrub(text, secrets)],
      ["file name", () => fileNamePattern.test(`001_${text}.sql`)],
      ["statement splitter", () => splitStatements(text)],
      ["DATABASE_URL", () => readConfig({ DATABASE_URL: `postgres://${text}@${text}/${text}` }, tmpdir())],
      [
        ".env # check",
        () => {
          const dir = mkdtempSync(join(tmpdir(), "aim-linear-"))
          writeFileSync(join(dir, ".env"), `A=${text}\nB=x#${text}\n`)
          return dotEnvOf(loadEnv(dir, {}), dir).cut
        },
      ],
    ] as const
    for (const [name, run] of checks) expect(timed(run), name).toBeLessThan(bound)
  })
})

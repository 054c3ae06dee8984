import { sql } from "@aim/testkit"
import { useMigratedDatabases } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type CheckFailed, readChecks } from "../src/source/fileChecks.js"
import { lintMigration } from "../src/authoring/lint.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { migrationsCopy, runMigrator, runMigratorFailure, shippedMigrations } from "./support.js"

const migrated = useMigratedDatabases("aim_checks")

const uniqueEmails = `-- 031_unique_user_emails: one account per address
-- aim:check "no two users share an email (case-insensitive)" SELECT lower(email) AS email, count(*)::int AS accounts,
--    min(password_hash) AS password_hash FROM users GROUP BY 1 HAVING count(*) > 1
CREATE UNIQUE INDEX IF NOT EXISTS idx_users_email_lower ON users (lower(email));
`

describe("checks before a migration runs (-- aim:check)", () => {
  it("reads the header's checks, with a continued query; a malformed one is a problem with its line", () => {
    expect(readChecks(uniqueEmails).checks).toEqual([
      {
        line: 2,
        message: "no two users share an email (case-insensitive)",
        query: "SELECT lower(email) AS email, count(*)::int AS accounts, min(password_hash) AS password_hash FROM users GROUP BY 1 HAVING count(*) > 1",
      },
    ])
    expect(readChecks("-- aim:check no quotes SELECT 1\nSELECT 1;").problems).toEqual([{ line: 1, problem: expect.stringMatching(/needs a quoted message/) }])
    // Only the header: a directive after the first statement is a comment.
    expect(readChecks('SELECT 1;\n-- aim:check "late" SELECT 1').checks).toEqual([])
  })

  it("a passing check lets the file run; a failing one stops it before its first statement, names it, shows the rows (no password hash), applies nothing", async () => {
    const db = await migrated()
    const dir = migrationsCopy({ "031_unique_user_emails.sql": uniqueEmails })
    await sql(
      db.url,
      `INSERT INTO users (organization_id, email, name, provider, provider_id, password_hash)
         SELECT id, 'Dup@Example.com', 'one', 'local', 'one', '$2b$10$secrethashsecrethash' FROM organizations LIMIT 1;
       INSERT INTO users (organization_id, email, name, provider, provider_id, password_hash)
         SELECT id, 'dup@example.com', 'two', 'local', 'two', '$2b$10$secrethashsecrethash' FROM organizations LIMIT 1;`,
    )
    const failure = (await runMigratorFailure(db.url, dir, (m) => m.apply())) as CheckFailed
    expect(failure._tag).toBe("CheckFailed")
    expect(failure).toMatchObject({ name: "031_unique_user_emails.sql", line: 2, check: "no two users share an email (case-insensitive)", more: false })
    expect(failure.rows).toEqual([{ email: "dup@example.com", accounts: "2", password_hash: "[hidden]" }])
    expect(failure.message).toMatch(/031_unique_user_emails\.sql:2: check "no two users share an email \(case-insensitive\)" failed: 1 row breaks it/)
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_users_email_lower'")).toEqual([{ n: 0 }])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations WHERE version = 31")).toEqual([{ n: 0 }])

    await sql(db.url, "DELETE FROM users WHERE email = 'dup@example.com'")
    const applied = await runMigrator(db.url, dir, (m) => m.apply())
    expect(applied.applied.map((a) => a.version)).toEqual([31])
    expect(await sql(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_users_email_lower'")).toEqual([{ n: 1 }])
  })

  // On the embedded PGlite: embedded.test.ts (the core's PGlite parity file).
  it("aim lint: a check whose query does not parse, or is not a SELECT, is an error on its line", async () => {
    const findings = await Effect.runPromise(
      lintMigration({
        name: "031_x.sql",
        transactional: true,
        sql: '-- aim:check "broken" SELEC 1\n-- aim:check "not a query" DELETE FROM users\nSELECT 1;\n',
      }),
    )
    expect(findings.map((f) => [f.line, f.rule])).toEqual([
      [1, "check-invalid"],
      [2, "check-invalid"],
    ])
    const shipped = await Effect.runPromise(loadMigrations(shippedMigrations))
    expect(shipped.flatMap((m) => readChecks(m.sql).checks)).toEqual([])
  })
})

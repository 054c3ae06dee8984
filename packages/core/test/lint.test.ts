import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type LintFinding, lintMigration, lintMigrations } from "../src/authoring/lint.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { shippedMigrations } from "./support.js"

const lint = (sql: string, transactional = true) => Effect.runPromise(lintMigration({ name: "031_test.sql", sql, transactional }))
const rules = (findings: ReadonlyArray<LintFinding>) => findings.map((f) => f.rule)

// Each rule: a failing example and the passing (idempotent, safe) way to write it.
const cases: ReadonlyArray<readonly [string, string, string, boolean?]> = [
  ["create-without-guard", "CREATE TABLE test_hooks (id int);", "CREATE TABLE IF NOT EXISTS test_hooks (id int);"],
  [
    "create-without-guard",
    "CREATE TABLE w (id int);\nCREATE INDEX w_id ON w (id);",
    "CREATE TABLE IF NOT EXISTS w (id int);\nCREATE INDEX IF NOT EXISTS w_id ON w (id);",
  ],
  ["create-without-guard", "CREATE SEQUENCE s;", "CREATE SEQUENCE IF NOT EXISTS s;"],
  ["create-without-guard", "CREATE VIEW v AS SELECT 1;", "CREATE OR REPLACE VIEW v AS SELECT 1;"],
  [
    "type-without-guard",
    "CREATE TYPE mood AS ENUM ('ok');",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('ok'); END IF; END $$;",
  ],
  [
    "function-without-or-replace",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
    "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
  ],
  [
    "trigger-without-guard",
    "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();",
    "DROP TRIGGER IF EXISTS t ON users;\nCREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();",
  ],
  [
    "constraint-without-guard",
    "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'u') THEN ALTER TABLE users ADD CONSTRAINT u UNIQUE (email); END IF; END $$;",
  ],
  ["add-column-without-if-not-exists", "ALTER TABLE users ADD COLUMN nickname text;", "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;"],
  [
    "insert-without-on-conflict",
    "INSERT INTO system_config (key, value) VALUES ('a', 'b');",
    "INSERT INTO system_config (key, value) VALUES ('a', 'b') ON CONFLICT DO NOTHING;",
  ],
  [
    "concurrently-in-transaction",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (name);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (name);",
    false,
  ],
  ["transaction-control", "BEGIN;\nCREATE TABLE IF NOT EXISTS x (id int);\nCOMMIT;", "CREATE TABLE IF NOT EXISTS x (id int);"],
  ["destructive", "DROP TABLE users;", "ALTER TABLE users ADD COLUMN IF NOT EXISTS archived boolean DEFAULT false;"],
  ["destructive", "TRUNCATE audit_logs;", "SELECT 1;"],
  ["extension", "CREATE EXTENSION IF NOT EXISTS pgcrypto;", "SELECT gen_random_uuid();"],
  [
    "not-null-without-default",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS tier text NOT NULL;",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS tier text NOT NULL DEFAULT 'free';",
  ],
  ["table-rewrite", "ALTER TABLE agents ALTER COLUMN version TYPE text;", "ALTER TABLE agents ADD COLUMN IF NOT EXISTS version_text text;"],
  [
    "set-not-null-scan",
    "ALTER TABLE agents ALTER COLUMN version SET NOT NULL;",
    "-- aim:lint-ignore set-not-null-scan: agents is tiny, reviewed\nALTER TABLE agents ALTER COLUMN version SET NOT NULL;",
  ],
  [
    "index-locks-table",
    "CREATE INDEX IF NOT EXISTS agents_v ON agents (version);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS agents_v ON agents (version);",
    false,
  ],
]

describe("aim lint rules (PostgreSQL's parser via libpg-query)", () => {
  const table = cases.map(([rule, bad, good, transactional]) => ({ rule, bad, good, transactional: transactional ?? true }))
  it.each(table)("$rule: flags the bad example and passes the good one", async ({ rule, bad, good, transactional }) => {
    expect(rules(await lint(bad))).toContain(rule)
    expect(rules(await lint(good, transactional))).not.toContain(rule)
  })

  it("accepts the guarded forms: DROP ... IF EXISTS then CREATE/ADD of the same name, INSERT ... WHERE NOT EXISTS", async () => {
    const guarded = [
      "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
      "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key, ADD CONSTRAINT users_email_key UNIQUE (email);",
      "INSERT INTO system_config (key, value) SELECT 'a', 'b' WHERE NOT EXISTS (SELECT 1 FROM system_config WHERE key = 'a');",
      "INSERT INTO system_config (key, value) SELECT v.k, v.v FROM (VALUES ('a', 'b')) AS v (k, v)\n  WHERE v.k <> '' AND NOT EXISTS (SELECT 1 FROM system_config c WHERE c.key = v.k);",
      "DROP INDEX IF EXISTS idx_users_email;\nCREATE INDEX idx_users_email ON users (lower(email));",
      "DROP VIEW IF EXISTS active_users;\nCREATE VIEW active_users AS SELECT id FROM users;",
      "DROP FUNCTION IF EXISTS touch();\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
    ]
    for (const sql of guarded) {
      expect(
        rules(await lint(sql)).filter((r) => r !== "index-locks-table"),
        sql,
      ).toEqual([])
    }
  })

  it("still flags what those forms do not guard", async () => {
    // another constraint's name, a NOT EXISTS over another table, a table dropped and created again (its rows are lost)
    expect(rules(await lint("ALTER TABLE users DROP CONSTRAINT IF EXISTS other;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"))).toContain(
      "constraint-without-guard",
    )
    expect(rules(await lint("INSERT INTO system_config (key, value) SELECT 'a', 'b' WHERE NOT EXISTS (SELECT 1 FROM users);"))).toContain(
      "insert-without-on-conflict",
    )
    expect(rules(await lint("DROP TABLE IF EXISTS test_hooks;\nCREATE TABLE IF NOT EXISTS test_hooks (id int);"))).toContain("destructive")
    expect(rules(await lint("DROP TRIGGER IF EXISTS a ON users;\nCREATE TRIGGER b BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();"))).toEqual([
      "destructive",
      "trigger-without-guard",
    ])
  })

  it("reports file:line:column and severity", async () => {
    const findings = await lint("-- header\n\nCREATE TABLE IF NOT EXISTS ok (id int);\n  INSERT INTO ok VALUES (1);\n")
    expect(findings).toEqual([
      expect.objectContaining({
        file: "031_test.sql",
        line: 4,
        column: 3,
        rule: "insert-without-on-conflict",
        severity: "error",
        fix: expect.stringMatching(/ON CONFLICT/),
      }),
    ])
  })

  it("reports a syntax error at its line", async () => {
    expect(await lint("SELECT 1;\nCREATE TABLE (;\n")).toEqual([expect.objectContaining({ rule: "syntax", line: 2, severity: "error" })])
  })

  it("the shipped migrations lint clean", async () => {
    const migrations = await Effect.runPromise(loadMigrations(shippedMigrations))
    expect(await Effect.runPromise(lintMigrations(migrations))).toEqual([])
  })
})

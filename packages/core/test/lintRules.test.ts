import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { lintMigration, lintMigrations, lintRules } from "../src/authoring/lint.js"

// Each script's findings, one line each: where, which rule at which severity, and what it says.
// Every rule fires here once at least, and every exemption keeps it quiet once at least.
const findings = async (sql: string, transactional = true) => {
  const found = await Effect.runPromise(lintMigration({ name: "031_x.sql", sql, transactional }))
  for (const f of found) {
    expect(f.file).toBe("031_x.sql")
    expect(f.fix).toBe(lintRules[f.rule as keyof typeof lintRules].fix)
    expect(f.severity).toBe(lintRules[f.rule as keyof typeof lintRules].severity)
  }
  return found.map((f) => `${f.line}:${f.column} ${f.rule} (${f.severity}): ${f.message}`)
}

describe("lint rules, each with what keeps it quiet", () => {
  it("syntax: the parser's message where it failed", async () => {
    expect(await findings("SELECT 1;\nCREAT TABLE x (id int);")).toEqual(['2:1 syntax (error): syntax error at or near "CREAT"'])
  })

  it("creates without a guard", async () => {
    expect(
      await findings(
        [
          "CREATE TABLE t (id int);",
          "CREATE TABLE IF NOT EXISTS u (id int);",
          "CREATE SEQUENCE s;",
          "CREATE SEQUENCE IF NOT EXISTS s2;",
          "CREATE SCHEMA app;",
          "CREATE SCHEMA IF NOT EXISTS app2;",
          "CREATE TABLE c AS SELECT 1 AS x;",
          "CREATE TABLE IF NOT EXISTS c2 AS SELECT 1 AS x;",
          "CREATE VIEW v AS SELECT 1;",
          "CREATE OR REPLACE VIEW v2 AS SELECT 1;",
          "DROP VIEW IF EXISTS v3;",
          "CREATE VIEW v3 AS SELECT 1;",
          "CREATE INDEX i ON t (id);",
          "CREATE INDEX IF NOT EXISTS i2 ON t (id);",
          "DROP INDEX IF EXISTS i3;",
          "CREATE INDEX i3 ON t (id);",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "1:1 create-without-guard (error): CREATE TABLE without IF NOT EXISTS",
        "3:1 create-without-guard (error): CREATE SEQUENCE without IF NOT EXISTS",
        "5:1 create-without-guard (error): CREATE SCHEMA without IF NOT EXISTS",
        "7:1 create-without-guard (error): CREATE TABLE AS without IF NOT EXISTS",
        "9:1 create-without-guard (error): CREATE VIEW without OR REPLACE",
        "13:1 create-without-guard (error): CREATE INDEX i without IF NOT EXISTS",
      ]
    `)
  })

  it("types, functions and triggers without a guard", async () => {
    expect(
      await findings(
        [
          "CREATE TYPE mood AS ENUM ('ok');",
          "CREATE TYPE pair AS (a int, b int);",
          "CREATE DOMAIN posint AS int;",
          "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
          "CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';",
          "DROP FUNCTION IF EXISTS h();",
          "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT 1';",
          "CREATE TABLE IF NOT EXISTS t (id int);",
          "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();",
          "CREATE OR REPLACE TRIGGER tr2 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();",
          "DROP TRIGGER IF EXISTS tr3 ON t;",
          "CREATE TRIGGER tr3 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();",
          "DROP TRIGGER tr4 ON t;",
          "CREATE TRIGGER tr4 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();",
          "DROP POLICY IF EXISTS p ON t;",
          "CREATE POLICY p ON t USING (true);",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "1:1 type-without-guard (error): CREATE TYPE/DOMAIN has no IF NOT EXISTS: a second run fails",
        "2:1 type-without-guard (error): CREATE TYPE/DOMAIN has no IF NOT EXISTS: a second run fails",
        "3:1 type-without-guard (error): CREATE TYPE/DOMAIN has no IF NOT EXISTS: a second run fails",
        "4:1 function-without-or-replace (error): CREATE FUNCTION without OR REPLACE",
        "9:1 trigger-without-guard (error): CREATE TRIGGER tr without OR REPLACE or a DROP TRIGGER IF EXISTS before it",
        "13:1 destructive (error): DROP TRIGGER",
        "14:1 trigger-without-guard (error): CREATE TRIGGER tr4 without OR REPLACE or a DROP TRIGGER IF EXISTS before it",
      ]
    `)
  })

  it("ALTER TABLE: columns, constraints, rewrites, scans and drops on existing and new tables", async () => {
    expect(
      await findings(
        [
          "CREATE TABLE IF NOT EXISTS fresh (id int);",
          "ALTER TABLE users ADD COLUMN a int;",
          "ALTER TABLE users ADD COLUMN IF NOT EXISTS b int NOT NULL;",
          "ALTER TABLE users ADD COLUMN IF NOT EXISTS c int NOT NULL DEFAULT 0;",
          "ALTER TABLE users ADD COLUMN IF NOT EXISTS d int NOT NULL GENERATED ALWAYS AS IDENTITY;",
          "ALTER TABLE fresh ADD COLUMN IF NOT EXISTS e int NOT NULL;",
          "ALTER TABLE users ADD CONSTRAINT users_x CHECK (a > 0);",
          "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_y;",
          "ALTER TABLE users ADD CONSTRAINT users_y CHECK (a > 0);",
          "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_z, ADD CONSTRAINT users_z CHECK (a > 0);",
          "ALTER TABLE agents DROP CONSTRAINT IF EXISTS users_w;",
          "ALTER TABLE users ADD CONSTRAINT users_w CHECK (a > 0);",
          "ALTER TABLE users ADD CHECK (a > 0);",
          "ALTER TABLE users ALTER COLUMN a TYPE bigint;",
          "ALTER TABLE fresh ALTER COLUMN id TYPE bigint;",
          "ALTER TABLE users ALTER COLUMN a SET NOT NULL;",
          "ALTER TABLE fresh ALTER COLUMN id SET NOT NULL;",
          "ALTER TABLE users DROP COLUMN a;",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "2:1 add-column-without-if-not-exists (error): ADD COLUMN a without IF NOT EXISTS",
        "3:1 not-null-without-default (error): ADD COLUMN b NOT NULL without DEFAULT fails on a table with rows",
        "7:1 constraint-without-guard (error): ADD CONSTRAINT has no IF NOT EXISTS: a second run fails",
        "12:1 constraint-without-guard (error): ADD CONSTRAINT has no IF NOT EXISTS: a second run fails",
        "13:1 constraint-without-guard (error): ADD CONSTRAINT has no IF NOT EXISTS: a second run fails",
        "14:1 table-rewrite (warning): ALTER COLUMN a TYPE bigint rewrites users (from integer)",
        "16:1 set-not-null-scan (warning): SET NOT NULL on users.a scans the table under an exclusive lock",
        "18:1 destructive (error): DROP COLUMN a",
      ]
    `)
  })

  it("inserts, transactions, extensions, truncates, drops and indexes", async () => {
    expect(
      await findings(
        [
          "INSERT INTO t (id) VALUES (1);",
          "INSERT INTO t (id) VALUES (1) ON CONFLICT DO NOTHING;",
          "INSERT INTO t (id) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE id = 1);",
          "INSERT INTO t (id) SELECT 1 WHERE true AND NOT EXISTS (SELECT 1 FROM t WHERE id = 1);",
          "INSERT INTO t (id) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM other WHERE id = 1);",
          "INSERT INTO t (id) SELECT 1 WHERE EXISTS (SELECT 1 FROM t);",
          "INSERT INTO t (id) SELECT 1 WHERE NOT (1 = 2);",
          "INSERT INTO t (id) SELECT 1 WHERE 1 = 1 OR NOT EXISTS (SELECT 1 FROM t);",
          "BEGIN;",
          "COMMIT;",
          "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
          "TRUNCATE t;",
          "DROP TABLE IF EXISTS old;",
          "DROP INDEX IF EXISTS gone_idx;",
          "CREATE INDEX IF NOT EXISTS users_x ON users (id);",
          "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_y ON users (id);",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "1:1 insert-without-on-conflict (error): INSERT INTO t without ON CONFLICT or WHERE NOT EXISTS",
        "5:1 insert-without-on-conflict (error): INSERT INTO t without ON CONFLICT or WHERE NOT EXISTS",
        "6:1 insert-without-on-conflict (error): INSERT INTO t without ON CONFLICT or WHERE NOT EXISTS",
        "7:1 insert-without-on-conflict (error): INSERT INTO t without ON CONFLICT or WHERE NOT EXISTS",
        "8:1 insert-without-on-conflict (error): INSERT INTO t without ON CONFLICT or WHERE NOT EXISTS",
        "9:1 transaction-control (error): transaction control statement in a file aim already wraps in a transaction",
        "10:1 transaction-control (error): transaction control statement in a file aim already wraps in a transaction",
        "11:1 extension (error): CREATE EXTENSION pgcrypto",
        "12:1 destructive (error): TRUNCATE deletes every row",
        "13:1 destructive (error): DROP TABLE",
        "14:1 destructive (error): DROP INDEX",
        "15:1 index-locks-table (warning): CREATE INDEX on existing table users blocks its writes while it builds",
        "16:1 concurrently-in-transaction (error): CREATE INDEX CONCURRENTLY cannot run inside a transaction",
      ]
    `)
  })

  it("DELETE and UPDATE without WHERE are as destructive as TRUNCATE; a volatile default on an existing table rewrites it", async () => {
    expect(
      await findings(
        "DELETE FROM audit_logs;\nUPDATE agents SET status = 'revoked';\nDELETE FROM audit_logs WHERE created_at < now() - interval '1 year';\nUPDATE agents SET status = 'revoked' WHERE id IS NULL;\nALTER TABLE users ADD COLUMN IF NOT EXISTS r float DEFAULT random();\nALTER TABLE users ADD COLUMN IF NOT EXISTS c int DEFAULT 0;",
      ),
    ).toEqual([
      "1:1 destructive (error): DELETE FROM audit_logs without WHERE deletes every row",
      "2:1 destructive (error): UPDATE agents without WHERE overwrites every row",
      "5:1 table-rewrite (warning): ADD COLUMN r DEFAULT random() computes a value for every row: the table is rewritten",
    ])
  })

  it("a finding is where its statement starts, line and column", async () => {
    expect(await findings("SELECT 1;\n  SELECT 2; TRUNCATE t;")).toEqual(["2:13 destructive (error): TRUNCATE deletes every row"])
  })

  it("outside a transaction, CONCURRENTLY and transaction control are fine", async () => {
    expect(await findings("CREATE INDEX CONCURRENTLY IF NOT EXISTS users_y ON users (id);\nBEGIN;\nCOMMIT;", false)).toEqual([])
  })

  it("lint-ignore covers its own line and the paragraph below it, for the rules it names", async () => {
    expect(
      await findings(
        [
          "-- aim:lint-ignore destructive, index-locks-table: reviewed",
          "DROP TABLE IF EXISTS a;",
          "CREATE INDEX IF NOT EXISTS x ON users (id);",
          "",
          "DROP TABLE IF EXISTS b;",
          "-- aim:lint-ignore extension",
          "TRUNCATE c;",
          "--aim:lint-ignore   destructive",
          "",
          "TRUNCATE d;",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "5:1 destructive (error): DROP TABLE",
        "7:1 destructive (error): TRUNCATE deletes every row",
        "10:1 destructive (error): TRUNCATE deletes every row",
      ]
    `)
  })

  it("aim:check directives: malformed, not parsing, not one SELECT", async () => {
    expect(
      await findings(
        [
          '-- aim:check "ok" SELECT 1 WHERE false',
          "-- aim:check no quotes",
          '-- aim:check "broken" SELEC 1',
          '-- aim:check "two" SELECT 1; SELECT 2',
          '-- aim:check "not a select" DELETE FROM t',
          "SELECT 1;",
        ].join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      [
        "2:1 check-invalid (error): aim:check needs a quoted message and a query: -- aim:check "what must hold" SELECT … (the rows that break it)",
        "3:1 check-invalid (error): the query of check "broken" does not parse: syntax error at or near "SELEC"",
        "4:1 check-invalid (error): the query of check "two" must be one SELECT (its rows are the violations)",
        "5:1 check-invalid (error): the query of check "not a select" must be one SELECT (its rows are the violations)",
      ]
    `)
  })

  it("lints every file given, in order", async () => {
    const all = await Effect.runPromise(
      lintMigrations([
        { name: "001_a.sql", sql: "CREATE TABLE a (id int);", transactional: true },
        { name: "002_b.sql", sql: "SELECT 1;", transactional: true },
        { name: "003_c.sql", sql: "TRUNCATE c;", transactional: true },
      ]),
    )
    expect(all.map((f) => [f.file, f.rule])).toEqual([
      ["001_a.sql", "create-without-guard"],
      ["003_c.sql", "destructive"],
    ])
  })

  it("a type change is a rewrite where aim plan would call it one: from the type the files before it declared", async () => {
    const all = await Effect.runPromise(
      lintMigrations([
        {
          name: "001_keys.sql",
          sql: "CREATE TABLE IF NOT EXISTS api_keys (prefix varchar(8), score numeric(5,2), body text);",
          transactional: true,
        },
        { name: "002_wider.sql", sql: "ALTER TABLE api_keys ALTER COLUMN prefix TYPE varchar(16), ALTER COLUMN score TYPE numeric(7,2);", transactional: true },
        { name: "003_narrower.sql", sql: "ALTER TABLE api_keys ALTER COLUMN prefix TYPE varchar(4);", transactional: true },
        { name: "004_scale.sql", sql: "ALTER TABLE api_keys ALTER COLUMN score TYPE numeric(7,3), ALTER COLUMN body TYPE varchar(10);", transactional: true },
        {
          name: "005_added.sql",
          sql: "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS note varchar(5); ALTER TABLE api_keys ALTER COLUMN note TYPE text;",
          transactional: true,
        },
      ]),
    )
    expect(all.filter((f) => f.rule === "table-rewrite").map((f) => `${f.file}: ${f.message}`)).toEqual([
      "003_narrower.sql: ALTER COLUMN prefix TYPE character varying(4) rewrites api_keys (from character varying(16))",
      "004_scale.sql: ALTER COLUMN score TYPE numeric(7,3) rewrites api_keys (from numeric(7,2))",
      "004_scale.sql: ALTER COLUMN body TYPE character varying(10) rewrites api_keys (from text)",
    ])
  })
})

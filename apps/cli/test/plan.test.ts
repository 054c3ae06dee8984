import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { aim, shippedMigrations } from "./run.js"

const withFile = (name: string, text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-plan-"))
  cpSync(shippedMigrations, dir, { recursive: true })
  writeFileSync(join(dir, name), text)
  return dir
}

describe("aim plan and aim migrate --dry-run: the lock-impact plan", () => {
  it("names locks, rewrite, live size and risk; --json has the documented shape; --fail-on gates CI; nothing changes", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_plan")
    try {
      const env = { DATABASE_URL: db.url }
      expect((await aim(["migrate", "--no-verify"], env)).code).toBe(0)
      await sql(
        db.url,
        "INSERT INTO audit_logs (organization_id, user_id, action, resource_type, resource_id) SELECT u.organization_id, u.id, 'login', 'user', u.id FROM (SELECT id, organization_id FROM users LIMIT 1) u, generate_series(1, 120000); ANALYZE audit_logs",
      )
      const dir = withFile(
        "031_audit_logs_action.sql",
        "-- 016: audit lookups by action\nCREATE INDEX IF NOT EXISTS idx_audit_logs_ip_address ON audit_logs (ip_address);\nALTER TABLE audit_logs ADD COLUMN IF NOT EXISTS source text;\n",
      )
      const human = await aim(["plan", "--migrations-dir", dir], env)
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toMatch(/031_audit_logs_action\.sql \(one transaction/)
      expect(human.stdout).toMatch(/^ {2}2 +high +CREATE INDEX +audit_logs: ShareLock +scan$/m)
      expect(human.stdout).toMatch(/→ CREATE INDEX CONCURRENTLY in its own file/)
      expect(human.stdout).toMatch(/^ {2}audit_logs +120,000 +\d+\.\d MB$/m)

      const json = await aim(["plan", "--migrations-dir", dir, "--json"], env)
      const doc = JSON.parse(json.stdout)
      expect(doc).toMatchObject({
        ok: true,
        database: expect.stringContaining("aim_cli_plan"),
        risk: "high",
        pending: [
          {
            version: 31,
            name: "031_audit_logs_action.sql",
            transactional: true,
            statements: [
              {
                line: 2,
                kind: "CREATE INDEX",
                locks: [{ relation: "audit_logs", mode: "ShareLock" }],
                rewrite: false,
                risk: "high",
                advice: expect.any(String),
              },
              { line: 3, kind: "ALTER TABLE … ADD COLUMN", locks: [{ relation: "audit_logs", mode: "AccessExclusiveLock" }], rewrite: false, risk: "low" },
            ],
          },
        ],
        relations: [{ name: "audit_logs", rows: 120_000, bytes: expect.any(Number) }],
      })

      const gated = await aim(["plan", "--migrations-dir", dir, "--fail-on", "high"], env)
      expect(gated.code).toBe(1)
      expect(gated.stderr).toMatch(/risk is high, at or above --fail-on high/)

      const dry = await aim(["migrate", "--dry-run", "--migrations-dir", dir, "--json"], env)
      expect(dry.code).toBe(0)
      // The same plan; the table's size is read live, and autovacuum may add a page (its visibility map) between the two reads.
      const relations = doc.relations.map((r: { name: string; rows: number }) => ({ name: r.name, rows: r.rows, bytes: expect.any(Number) }))
      expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, pending: [{ version: 31 }], lockPlan: { pending: doc.pending, relations } })
      const dryHuman = await aim(["migrate", "--dry-run", "--migrations-dir", dir], env)
      expect(dryHuman.stdout).toMatch(/would apply 031_audit_logs_action\.sql[\s\S]*Lock-impact plan/)
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'idx_audit_logs_ip_address'")).toEqual([{ n: 0 }])
    } finally {
      await db.drop()
    }
  })

  it("aim drift: none after migrate; a dropped index is missing (exit 1) with the statement that restores it", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_drift")
    try {
      // Its scratch replay on the test server, not an in-memory PGlite per run (the embedded default has its own test below).
      const env = { DATABASE_URL: db.url, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() }
      expect((await aim(["migrate", "--no-verify"], env)).code).toBe(0)
      const clean = await aim(["drift"], env)
      expect(clean.code, clean.stderr).toBe(0)
      expect(clean.stdout).toMatch(/✅ no drift/)
      await sql(db.url, "DROP INDEX idx_agents_status")
      const found = await aim(["drift", "--json"], env)
      expect(found.code).toBe(1)
      expect(JSON.parse(found.stdout)).toMatchObject({
        ok: false,
        differences: [
          {
            kind: "missing",
            objectType: "index",
            name: "idx_agents_status",
            expected: expect.any(String),
            actual: null,
            fix: expect.stringMatching(/^CREATE INDEX/),
          },
        ],
        script: ["BEGIN;", "CREATE INDEX idx_agents_status ON public.agents USING btree (status);", "COMMIT;"],
      })
      // --sql prints the script alone, which psql runs as printed; drift is then clean.
      await sql(db.url, "ALTER TABLE agents RENAME COLUMN display_name TO shown_name")
      const script = await aim(["drift", "--sql"], env)
      expect(script.code).toBe(1)
      expect(script.stdout.split("\n").filter((l) => !l.startsWith("--") && l !== "")).toEqual([
        "BEGIN;",
        "ALTER TABLE agents RENAME COLUMN shown_name TO display_name;",
        "CREATE INDEX idx_agents_status ON public.agents USING btree (status);",
        "COMMIT;",
      ])
      await sql(db.url, script.stdout)
      expect((await aim(["drift"], env)).code).toBe(0)
    } finally {
      await db.drop()
    }
  })
  // On the embedded default: embedded.test.ts (the CLI's PGlite file).
})

describe("checks before a migration runs, through the CLI", () => {
  it("aim plan lists a file's checks; aim migrate stops on a violation with AIM-MIG-008 and the rows, exit 1", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_checks")
    try {
      const env = { DATABASE_URL: db.url }
      expect((await aim(["migrate", "--no-verify"], env)).code).toBe(0)
      await sql(
        db.url,
        `INSERT INTO users (organization_id, email, name, provider, provider_id) SELECT id, 'X@y.co', 'x', 'local', 'x1' FROM organizations LIMIT 1;
         INSERT INTO users (organization_id, email, name, provider, provider_id) SELECT id, 'x@Y.co', 'x', 'local', 'x2' FROM organizations LIMIT 1;`,
      )
      const dir = withFile(
        "031_unique_user_emails.sql",
        '-- 016: one account per address\n-- aim:check "no two users share an email" SELECT lower(email) AS email, count(*)::int AS accounts FROM users GROUP BY 1 HAVING count(*) > 1\nCREATE UNIQUE INDEX IF NOT EXISTS idx_users_email_lower ON users (lower(email));\n',
      )
      const plan = await aim(["plan", "--migrations-dir", dir], env)
      expect(plan.stdout).toMatch(/check before it runs \(line 2\): no two users share an email/)
      expect(JSON.parse((await aim(["plan", "--migrations-dir", dir, "--json"], env)).stdout).pending[0].checks).toEqual([
        { line: 2, message: "no two users share an email", query: expect.stringMatching(/^SELECT lower\(email\)/) },
      ])
      const refused = await aim(["migrate", "--migrations-dir", dir], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/✖ \[AIM-MIG-008\] 031_unique_user_emails\.sql:2: check "no two users share an email" failed: 1 row breaks it/)
      expect(refused.stderr).toMatch(/ {2}- email=x@y\.co, accounts=2/)
      const json = JSON.parse((await aim(["migrate", "--migrations-dir", dir, "--json"], env)).stdout)
      expect(json.error).toMatchObject({ code: "AIM-MIG-008", details: ["email=x@y.co, accounts=2"] })
    } finally {
      await db.drop()
    }
  })
})

describe("aim plan --workload FILE: the application's statements against the pending files (prepared on an in-memory PGlite copy of the live schema)", () => {
  it("a statement that drops or renames a column a query reads breaks it, named with its line; --fail-on breaking exits 1; an addition does not; a query failing today is not blamed", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_workload")
    try {
      const env = { DATABASE_URL: db.url }
      expect((await aim(["migrate", "--no-verify"], env)).code).toBe(0)
      const dir = withFile("900_add.sql", "ALTER TABLE agents ADD COLUMN nickname text;\n")
      const workload = join(mkdtempSync(join(tmpdir(), "aim-workload-")), "workload.sql")
      writeFileSync(
        workload,
        "SELECT description FROM agents WHERE id = $1;\nUPDATE agents SET display_name = $2 WHERE id = $1;\nSELECT name FROM agents WHERE organization_id = $1;\nSELECT gone FROM agents;\n",
      )
      const both = await aim(["plan", "--migrations-dir", dir, "--workload", workload, "--workload-role", "app"], env)
      expect(both.code).toBe(2)
      expect(both.stderr).toMatch(/AIM-CLI-001.*--workload FILE and --workload-role ROLE both choose/)
      const adds = await aim(["plan", "--migrations-dir", dir, "--workload", workload, "--fail-on", "breaking", "--json"], env)
      expect(adds.code, adds.stderr).toBe(0)
      expect(JSON.parse(adds.stdout).workload).toEqual({ source: "file", queries: 4, checked: 3, breaks: [], notes: [] })
      writeFileSync(join(dir, "901_drop.sql"), "ALTER TABLE agents DROP COLUMN description;\nALTER TABLE agents RENAME COLUMN display_name TO shown_name;\n")
      const breaking = await aim(["plan", "--migrations-dir", dir, "--workload", workload, "--fail-on", "breaking"], env)
      expect(breaking.code).toBe(1)
      expect(breaking.stdout).toMatch(
        /✖ 901_drop\.sql:1 breaks: SELECT description FROM agents WHERE id = \$1\n +column "description" does not exist \(SQLSTATE 42703\)/,
      )
      expect(breaking.stdout).toMatch(/✖ 901_drop\.sql:2 breaks: UPDATE agents SET display_name = \$2 WHERE id = \$1/)
      expect(breaking.stderr).toMatch(/2 queries the application ran would break \(--fail-on breaking\)/)
      // Planned on the copy: the live table still has both columns.
      expect(
        await sql(
          db.url,
          "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'agents' AND column_name IN ('description', 'display_name', 'nickname')",
        ),
      ).toEqual([{ n: 2 }])
    } finally {
      await db.drop()
    }
  })
})

describe("aim rollback: the way back, planned, refused until the data that goes is named", () => {
  it("--dry-run prints the plan and changes nothing; a loss is refused (AIM-RBK-001, exit 1); named, it rolls back and the next migrate applies the file again", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_rollback")
    try {
      const env = { DATABASE_URL: db.url, AIM_SCRATCH_DATABASE_URL: testPostgresUrl() }
      const dir = withFile(
        "026_own_notes.sql",
        "-- 026_own_notes: notes of our own\nCREATE TABLE IF NOT EXISTS own_notes (id bigint PRIMARY KEY, note text);\n",
      )
      expect((await aim(["migrate", "--no-verify", "--migrations-dir", dir], env)).code).toBe(0)
      await sql(db.url, "INSERT INTO own_notes VALUES (1, 'kept?')")

      const dry = await aim(["rollback", "--to", "25", "--dry-run", "--migrations-dir", dir], env)
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toMatch(/^ {4}DROP TABLE IF EXISTS own_notes {2}\[AccessExclusiveLock on own_notes\]$/m)
      expect(dry.stdout).toMatch(/1 row of own_notes would go: not accepted \(--accept-loss own_notes\)/)
      expect(dry.stdout).toMatch(/dry run: nothing was changed; the next aim migrate .* applies 026_own_notes\.sql again/)

      const refused = await aim(["rollback", "--to", "25", "--migrations-dir", dir, "--json"], env)
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: "AIM-RBK-001" } })
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM own_notes")).toEqual([{ n: 1 }])

      const done = await aim(["rollback", "--to", "25", "--accept-loss", "own_notes", "--migrations-dir", dir, "--json"], env)
      expect(done.code, done.stderr).toBe(0)
      expect(JSON.parse(done.stdout)).toMatchObject({ ok: true, from: 26, to: 25, losses: [{ object: "own_notes", rows: 1, accepted: true }] })
      expect(
        await sql(db.url, "SELECT to_regclass('public.own_notes') IS NULL AS gone, (SELECT max(version) FROM aim_migrations.schema_migrations) AS newest"),
      ).toEqual([{ gone: true, newest: 25 }])
      const again = await aim(["migrate", "--no-verify", "--migrations-dir", dir], env)
      expect(again.stdout).toMatch(/1 migration applied/)
    } finally {
      await db.drop()
    }
  })
})

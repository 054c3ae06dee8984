import { buildDeployedDatabase, createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { aim, shippedMigrations } from "./run.js"

const copy = () => {
  const dir = mkdtempSync(join(tmpdir(), "aim-author-"))
  cpSync(shippedMigrations, join(dir, "migrations"), { recursive: true })
  return dir
}

describe("authoring commands", () => {
  it("aim new writes the next-numbered file from a template that lints clean and proves idempotent", async () => {
    const cwd = copy()
    const created = await aim(["new", "add test_hooks table"], {}, cwd)
    expect(created.code, created.stderr).toBe(0)
    const file = join(cwd, "migrations", "026_add_test_hooks_table.sql")
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, "utf8")).toMatch(/CREATE TABLE IF NOT EXISTS test_hooks/)
    const lint = await aim(["lint"], {}, cwd)
    expect(lint.code).toBe(0)
    expect(lint.stdout).toMatch(/26 files: 0 errors, 0 warnings/)
    const proof = await aim(["migrate", "--prove-idempotent"], {}, cwd)
    expect(proof.code, proof.stderr).toBe(0)
    expect(proof.stdout).toMatch(/✅ idempotent: 26 files ran twice/)
    expect(existsSync(join(cwd, ".aim", "pglite", "PG_VERSION")) && readFileSync(join(cwd, ".aim", "pglite", "PG_VERSION"), "utf8")).toBeTruthy()
  })

  it("aim new: a description with newlines stays on its comment line (it never becomes SQL); a version past the ledger's integer is refused", async () => {
    const cwd = copy()
    const created = await aim(["new", "add notes\nDROP TABLE users;\r\n-- x"], {}, cwd)
    expect(created.code, created.stderr).toBe(0)
    const text = readFileSync(join(cwd, "migrations", "026_add_notes_drop_table_users_x.sql"), "utf8")
    expect(text.split("\n")[0]).toBe("-- 026_add_notes_drop_table_users_x: add notes DROP TABLE users; -- x")
    expect(text).not.toMatch(/^DROP TABLE/m)

    const full = mkdtempSync(join(tmpdir(), "aim-author-full-"))
    writeFileSync(join(full, "2147483647_last.sql"), "SELECT 1;\n")
    const refused = await aim(["new", "one more", "--migrations-dir", full, "--json"], {}, cwd)
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stdout).error.details.join(" ")).toMatch(/2147483648 does not fit the ledger/)
  })

  it("aim lint FILE reports file:line with the fix and exits 1 on an error", async () => {
    const cwd = copy()
    const bad = join(cwd, "bad.sql")
    writeFileSync(bad, "CREATE TABLE test_hooks (id int);\nINSERT INTO test_hooks VALUES (1);\n")
    const result = await aim(["lint", bad], {}, cwd)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^bad\.sql:1:1: error \[create-without-guard\] .*Fix: Add IF NOT EXISTS/m)
    expect(result.stdout).toMatch(/^bad\.sql:2:1: error \[insert-without-on-conflict\]/m)
  })

  it("--prove-idempotent on a scratch server named by AIM_SCRATCH_DATABASE_URL names the file and object that changed", async () => {
    const cwd = copy()
    writeFileSync(join(cwd, "migrations", "031_seed.sql"), "INSERT INTO system_config (key, value) SELECT 'seeded-' || count(*), 'x' FROM system_config;\n")
    const result = await aim(["migrate", "--prove-idempotent", "--json"], { DATABASE_URL: testPostgresUrl(), AIM_SCRATCH_DATABASE_URL: testPostgresUrl() }, cwd)
    expect(result.code).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc.ok).toBe(false)
    expect(doc.findings).toContainEqual({ file: "031_seed.sql", object: "rows:system_config", before: "1", after: "2" })
    // Its own scratch database is gone (other test runs may prove on the same server meanwhile).
    const scratch = /\/(aim_prove_[0-9a-f]+) /.exec(doc.scratch)?.[1]
    expect(scratch).toBeDefined()
    expect(await sql(testPostgresUrl(), "SELECT count(*)::int AS n FROM pg_database WHERE datname = $1", [scratch])).toEqual([{ n: 0 }])
  })

  it("aim drift and --prove-idempotent never write to the configured cluster: a role's rotated password stays rotated", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_cluster")
    const role = `aim_reader_${process.pid}`
    const cwd = copy()
    // A migration that creates a role with an initial password: cluster-wide, outside any database.
    writeFileSync(
      join(cwd, "migrations", "031_reader_role.sql"),
      `DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN\n    CREATE ROLE ${role} LOGIN PASSWORD 'initial-Pw1';\n  END IF;\nEND;\n$$;\nALTER ROLE ${role} PASSWORD 'initial-Pw1';\n`,
    )
    try {
      expect((await aim(["migrate", "--no-verify"], { DATABASE_URL: db.url }, cwd)).code).toBe(0)
      await sql(db.url, `ALTER ROLE ${role} PASSWORD 'rotated-Pw2'`)
      const rotated = await sql(db.url, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])
      const drift = await aim(["drift", "--json"], { DATABASE_URL: db.url }, cwd)
      expect(JSON.parse(drift.stdout).ok).toBe(true)
      expect((await aim(["migrate", "--prove-idempotent", "--json"], { DATABASE_URL: db.url }, cwd)).code).toBe(0)
      expect(await sql(db.url, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])).toEqual(rotated)
    } finally {
      await db.drop()
      await sql(testPostgresUrl(), `DROP ROLE IF EXISTS ${role}`)
    }
  })

  it("repair needs --yes; adopt --dry-run then adopt take over a database of the deployed backend, with its catalog diff and the guide's checks", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_adopt")
    try {
      const noYes = await aim(["repair", "3"], { DATABASE_URL: db.url })
      expect(noYes.code).toBe(2)
      expect(noYes.stderr).toMatch(/needs --yes/)
      await buildDeployedDatabase(db.url, "B")
      const refused = await aim(["migrate"], { DATABASE_URL: db.url })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/\[AIM-MIG-006\].*aim adopt/)

      const dry = await aim(["adopt", "--dry-run"], { DATABASE_URL: db.url })
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toMatch(/Dry run of aim adopt .*42 rows in public\.schema_migrations/)
      expect(dry.stdout).toMatch(/✓ 009_create_security_policies_table\.sql: \d+ changes?[\s\S]*\+ column security_policies\.is_enforced/)
      expect(dry.stdout).toMatch(/nothing was changed/)
      expect(await sql(db.url, "SELECT to_regclass('public.analytics_agent_activity') IS NULL AS absent")).toEqual([{ absent: true }])

      const adopted = await aim(["adopt", "--json"], { DATABASE_URL: db.url })
      expect(adopted.code, adopted.stderr).toBe(0)
      const doc = JSON.parse(adopted.stdout)
      expect(doc).toMatchObject({ ok: true, dryRun: false, deployedLedger: 42, verify: { ok: true } })
      expect(doc.files).toHaveLength(25)
      // The deployed seed files (013, 015) are recorded, never re-run; every other file converges the schema.
      expect(doc.files.filter((f: { action: string }) => f.action === "recorded").map((f: { name: string }) => f.name)).toEqual([
        "013_create_default_admin_user.sql",
        "015_add_default_security_policies.sql",
      ])
      // Converged to the backend's own schema: verify's contract check passes.
      expect(doc.verify.checks).toContainEqual(expect.objectContaining({ id: "backend-schema", status: "pass" }))

      const again = await aim(["migrate"], { DATABASE_URL: db.url })
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toMatch(/nothing to apply/)
    } finally {
      await db.drop()
    }
  })
})

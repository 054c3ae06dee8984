import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
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
    const created = await aim(["new", "add webhooks table"], {}, cwd)
    expect(created.code, created.stderr).toBe(0)
    const file = join(cwd, "migrations", "016_add_webhooks_table.sql")
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, "utf8")).toMatch(/CREATE TABLE IF NOT EXISTS webhooks/)
    const lint = await aim(["lint"], {}, cwd)
    expect(lint.code).toBe(0)
    expect(lint.stdout).toMatch(/16 files: 0 errors, 0 warnings/)
    const proof = await aim(["migrate", "--prove-idempotent"], {}, cwd)
    expect(proof.code, proof.stderr).toBe(0)
    expect(proof.stdout).toMatch(/✅ idempotent: 16 files ran twice/)
    expect(existsSync(join(cwd, ".aim", "pglite", "PG_VERSION")) && readFileSync(join(cwd, ".aim", "pglite", "PG_VERSION"), "utf8")).toBeTruthy()
  })

  it("aim lint FILE reports file:line with the fix and exits 1 on an error", async () => {
    const cwd = copy()
    const bad = join(cwd, "bad.sql")
    writeFileSync(bad, "CREATE TABLE webhooks (id int);\nINSERT INTO webhooks VALUES (1);\n")
    const result = await aim(["lint", bad], {}, cwd)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^bad\.sql:1:1: error \[create-without-guard\] .*Fix: Add IF NOT EXISTS/m)
    expect(result.stdout).toMatch(/^bad\.sql:2:1: error \[insert-without-on-conflict\]/m)
  })

  it("--prove-idempotent on a server scratch database names the file and object that changed", async () => {
    const cwd = copy()
    writeFileSync(join(cwd, "migrations", "016_seed.sql"), "INSERT INTO system_config (key, value) SELECT 'seeded-' || count(*), 'x' FROM system_config;\n")
    const result = await aim(["migrate", "--prove-idempotent", "--json"], { DATABASE_URL: testPostgresUrl() }, cwd)
    expect(result.code).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc.ok).toBe(false)
    expect(doc.findings).toContainEqual({ file: "016_seed.sql", object: "rows:system_config", before: "1", after: "2" })
    const left = await sql(testPostgresUrl(), "SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'aim_prove_%'")
    expect(left).toEqual([{ n: 0 }])
  })

  it("repair needs --yes; adopt takes over a database of the deployed backend", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_cli_adopt")
    try {
      const noYes = await aim(["repair", "3"], { DATABASE_URL: db.url })
      expect(noYes.code).toBe(2)
      expect(noYes.stderr).toMatch(/needs --yes/)
      await sql(db.url, "CREATE TABLE public.schema_migrations (id serial PRIMARY KEY, version varchar(255) UNIQUE NOT NULL, applied_at timestamp DEFAULT now())")
      await sql(db.url, "INSERT INTO public.schema_migrations (version) VALUES ('001_initial_schema.sql')")
      const refused = await aim(["migrate"], { DATABASE_URL: db.url })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/\[AIM-MIG-006\].*run aim adopt first/)
      const adopted = await aim(["adopt", "--json"], { DATABASE_URL: db.url })
      expect(adopted.code, adopted.stderr).toBe(0)
      expect(JSON.parse(adopted.stdout)).toMatchObject({ ok: true, adopted: ["001_initial_schema.sql"], unknownInLegacy: [] })
    } finally {
      await db.drop()
    }
  })
})

import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import { readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { catalogSnapshot } from "../src/database/catalogSnapshot.js"
import { diagnose } from "../src/diagnose/diagnose.js"
import { migrationsCopy, psqlFile, run, runMigratorFailure, shippedMigrations } from "./support.js"

const files = readdirSync(shippedMigrations)
  .filter((f) => f.endsWith(".sql"))
  .sort()

// pg_dump adds a random \restrict key to each dump: drop it before comparing. A pg_dump older than
// the server refuses it (the system's 15 against the npm PostgreSQL 18): the catalog snapshot
// (tables, columns, constraints, indexes, functions, triggers, row counts) stands in for it there.
const schemaDump = async (url: string): Promise<string> => {
  const dump = await run("pg_dump", ["--schema-only", "--no-owner", "-d", url])
  if (dump.status === 0)
    return dump.stdout
      .split("\n")
      .filter((line) => !/^\\(un)?restrict /.test(line))
      .join("\n")
  if (!/server version mismatch/.test(dump.stderr)) throw new Error(`pg_dump failed: ${dump.stderr}`)
  // Sorted by key: the catalog returns rows in physical order, which a CREATE OR REPLACE moves.
  return Effect.runPromise(catalogSnapshot({ query: (text) => Effect.promise(() => sql(url, text)) })).then((snapshot) =>
    JSON.stringify([...snapshot].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  )
}

describe("the shipped migrations through plain psql", () => {
  const database = useTestDatabase("aim_idem")

  // One test per file, in order on the same database (a describe's tests run one after another):
  // each file names its own failure, and a loaded machine's slow pg_dump is one file's time, not 25's.
  it.each(files)("%s runs twice in a row without error and the schema is what the first run left", async (file) => {
    const path = join(shippedMigrations, file)
    const first = await psqlFile(database().url, path)
    expect(first.status, `${file} first run: ${first.stderr}`).toBe(0)
    const before = await schemaDump(database().url)
    const second = await psqlFile(database().url, path)
    expect(second.status, `${file} second run: ${second.stderr}`).toBe(0)
    expect(await schemaDump(database().url), `${file} changed the schema on its second run`).toBe(before)
  })

  it("no file needs an extension: after the deploy only the built-in plpgsql is installed", async () => {
    expect(await sql(database().url, "SELECT extname FROM pg_extension ORDER BY 1")).toEqual([{ extname: "plpgsql" }])
  })
})

describe("migrations on databases from older AIM releases", () => {
  it("002 adds provider columns to a users table created before them, and 014 repairs an old alerts table", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_old")
    try {
      await sql(
        db.url,
        `CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name varchar(255) NOT NULL,
           domain varchar(255) NOT NULL UNIQUE, plan_type varchar(50) NOT NULL DEFAULT 'free', max_agents int NOT NULL DEFAULT 100,
           max_users int NOT NULL DEFAULT 10, is_active bool NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(),
           updated_at timestamptz NOT NULL DEFAULT now())`,
      )
      await sql(
        db.url,
        `CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES organizations(id),
           email varchar(255) NOT NULL, name varchar(255) NOT NULL, role varchar(50) NOT NULL DEFAULT 'member',
           created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`,
      )
      await sql(
        db.url,
        `CREATE TABLE alerts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES organizations(id),
           alert_type varchar(100) NOT NULL, severity varchar(50) NOT NULL, title varchar(255) NOT NULL)`,
      )
      await sql(db.url, "INSERT INTO organizations (name, domain) VALUES ('Old', 'old.example')")
      await sql(db.url, "INSERT INTO users (organization_id, email, name) SELECT id, 'old@example.com', 'Old' FROM organizations")
      for (const file of files) {
        const ran = await psqlFile(db.url, join(shippedMigrations, file))
        expect(ran.status, `${file}: ${ran.stderr}`).toBe(0)
      }
      expect(await sql(db.url, "SELECT provider, provider_id FROM users WHERE email = 'old@example.com'")).toEqual([
        { provider: "local", provider_id: "old@example.com" },
      ])
      const columns = await sql<{ column_name: string }>(
        db.url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'alerts' AND column_name LIKE 'acknowledged%' ORDER BY 1",
      )
      expect(columns.map((c) => c.column_name)).toEqual(["acknowledged_at", "acknowledged_by"])
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM security_policies")).toEqual([{ n: 6 }])
    } finally {
      await db.drop()
    }
  })

  it("015 fails loudly, naming 013, when the admin is missing (never recorded as applied)", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_noadmin")
    try {
      const dir = migrationsCopy()
      writeFileSync(join(dir, "013_create_default_admin_user.sql"), "-- admin creation skipped in this test\nSELECT 1;\n")
      const error = await runMigratorFailure(db.url, dir, (m) => m.apply())
      expect(error._tag).toBe("MigrationFailed")
      if (error._tag !== "MigrationFailed") return
      expect(error.name).toBe("015_add_default_security_policies.sql")
      expect(`${error.serverMessage} ${error.hint}`).toMatch(/013_create_default_admin_user\.sql/)
      expect(diagnose(error).entry.code).toBe("AIM-SEED-002")
      const ledger = await sql<{ version: number }>(db.url, "SELECT version FROM aim_migrations.schema_migrations WHERE version = 15")
      expect(ledger).toEqual([])
    } finally {
      await db.drop()
    }
  })

  it("013 does not fail when another organization already owns the admin domain", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_domain")
    try {
      for (const file of files.slice(0, 12)) expect((await psqlFile(db.url, join(shippedMigrations, file))).status).toBe(0)
      await sql(db.url, "INSERT INTO organizations (name, domain) VALUES ('Someone Else', 'admin.opena2a.org')")
      for (const file of files.slice(12)) {
        const ran = await psqlFile(db.url, join(shippedMigrations, file))
        expect(ran.status, `${file}: ${ran.stderr}`).toBe(0)
      }
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM users WHERE email = 'admin@opena2a.org'")).toEqual([{ n: 1 }])
    } finally {
      await db.drop()
    }
  })
})

import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadMigrations, shippedMigrations as shipped } from "../src/testing.js"
import { checksumOf } from "../src/migrations/checksum.js"
import { shippedMigrations } from "./support.js"

const dirWith = (files: Record<string, string | Buffer>) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-src-"))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const load = (dir: string) => Effect.runPromise(Effect.either(loadMigrations(dir)))

describe("migration source", () => {
  it("reads the shipped migrations in order: the guide's 15 with its names, then the backend's", async () => {
    const result = await load(shippedMigrations)
    if (result._tag === "Left") throw new Error(result.left.message)
    expect(result.right.map((m) => m.name)).toEqual([
      "001_initial_schema.sql",
      "002_add_missing_user_columns.sql",
      "003_add_missing_agent_columns.sql",
      "004_create_mcp_servers_table.sql",
      "005_create_verification_events_table.sql",
      "006_add_password_hash_column.sql",
      "007_create_system_config_table.sql",
      "008_create_sdk_tokens_table.sql",
      "009_create_security_policies_table.sql",
      "010_create_analytics_tables.sql",
      "011_add_password_reset_fields.sql",
      "012_create_user_registration_requests_table.sql",
      "013_create_default_admin_user.sql",
      "014_fix_alerts_schema.sql",
      "015_add_default_security_policies.sql",
      "016_create_backend_metrics_tables.sql",
      "017_create_backend_capability_tables.sql",
      "018_create_backend_webhook_and_tag_tables.sql",
      "019_create_backend_mcp_tables.sql",
      "020_align_columns_with_backend.sql",
      "021_validate_audit_logs_user_fkey.sql",
    ])
    expect(result.right.every((m) => m.transactional)).toBe(true)
  })

  it("names every offending file: bad name, duplicate, empty, not UTF-8 (a gap is allowed)", async () => {
    const dir = dirWith({
      "001_ok.sql": "SELECT 1;",
      "002_ok.sql": "SELECT 2;",
      "002_twin.sql": "SELECT 2;",
      "005_after_gap.sql": "SELECT 5;",
      "006_empty.sql": "  \n",
      "007_latin1.sql": Buffer.from([0x53, 0x45, 0x4c, 0xe9, 0x0a]),
      "8_short.sql": "SELECT 8;",
      "008 spaces.sql": "SELECT 8;",
      "001_ok.down.sql": "DROP TABLE x;",
      "README.md": "not a migration",
    })
    const result = await load(dir)
    if (result._tag === "Right") throw new Error("expected a failure")
    expect(result.left._tag).toBe("MigrationSourceError")
    if (result.left._tag !== "MigrationSourceError") return
    const byFile = Object.fromEntries(result.left.problems.map((p) => [p.file, p.problem]))
    expect(Object.keys(byFile).sort()).toEqual(["002_twin.sql", "006_empty.sql", "007_latin1.sql", "8_short.sql", "008 spaces.sql"].sort())
    expect(byFile["002_twin.sql"]).toMatch(/same number as 002_ok\.sql/)
    expect(byFile["006_empty.sql"]).toMatch(/empty/)
    expect(byFile["007_latin1.sql"]).toMatch(/UTF-8/)
    expect(byFile["8_short.sql"]).toMatch(/NNN_description/)
  })

  it("reads the deployed backend's layout: NNN_x.up.sql is the up file, .down.sql is ignored; a shared number names both files and the next free one", async () => {
    const ok = await load(
      dirWith({
        "035_create_tags.sql": "SELECT 1;",
        "036_create_test_hooks.up.sql": "SELECT 2;",
        "036_create_test_hooks.down.sql": "DROP TABLE test_hooks;",
        "040_after_gap.sql": "SELECT 3;",
      }),
    )
    if (ok._tag === "Left") throw new Error(ok.left.message)
    expect(ok.right.map((m) => [m.version, m.name])).toEqual([
      [35, "035_create_tags.sql"],
      [36, "036_create_test_hooks.up.sql"],
      [40, "040_after_gap.sql"],
    ])
    const twins = await load(
      dirWith({
        "033_a.sql": "SELECT 1;",
        "034_add_agent_last_active.sql": "SELECT 2;",
        "034_reset_admin_password.sql": "SELECT 3;",
        "041_last.sql": "SELECT 4;",
      }),
    )
    if (twins._tag === "Right" || twins.left._tag !== "MigrationSourceError") throw new Error("expected a MigrationSourceError")
    expect(twins.left.problems).toEqual([
      {
        file: "034_reset_admin_password.sql",
        problem: expect.stringMatching(/same number as 034_add_agent_last_active\.sql.*Rename it 042_reset_admin_password\.sql \(the next free number\)/),
      },
    ])
    expect(twins.left.message).not.toMatch(/036|renumber it/)
  })

  it("the shipped-migrations list (what aim adopt may run again on a deployed database) is exactly migrations/", async () => {
    const result = await load(shippedMigrations)
    if (result._tag === "Left") throw new Error(result.left.message)
    const onDisk = Object.fromEntries(result.right.map((m) => [m.name, m.checksum]))
    // After editing a file in migrations/, update src/migrations/shipped.ts with these checksums.
    expect(Object.fromEntries(shipped)).toEqual(onDisk)
  })

  it("reports a missing directory as an error, never as nothing to do", async () => {
    const result = await load(join(tmpdir(), "no-such-dir-aim"))
    expect(result._tag === "Left" && result.left._tag).toBe("MigrationsDirectoryMissing")
  })

  it("checksums ignore CRLF line endings and a BOM, but not content", () => {
    const text = "CREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\n"
    expect(checksumOf(`\uFEFF${text.replace(/\n/g, "\r\n")}`)).toBe(checksumOf(text))
    expect(checksumOf(text)).not.toBe(checksumOf(text.replace("id", "idx")))
    expect(checksumOf(text)).toMatch(/^[0-9a-f]{64}$/)
  })

  it("reads the no-transaction directive from the first line only, and refuses one anywhere else (it would do nothing)", async () => {
    const good = await load(
      dirWith({ "001_a.sql": "\n-- aim:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\n", "002_b.sql": "SELECT 1;\n" }),
    )
    if (good._tag === "Left") throw new Error(good.left.message)
    expect(good.right.map((m) => m.transactional)).toEqual([false, true])
    const late = await load(dirWith({ "001_a.sql": "-- header\n-- aim:no-transaction\nSELECT 1;\n", "002_b.sql": "SELECT 1;\n-- aim:no-transaction\n" }))
    expect(late._tag).toBe("Left")
    if (late._tag === "Left") {
      expect(late.left.message).toBe(
        "001_a.sql: line 2: -- aim:no-transaction works only as the file's first line; move it there (here the file would run in one transaction); 002_b.sql: line 2: -- aim:no-transaction works only as the file's first line; move it there (here the file would run in one transaction)",
      )
    }
  })
})

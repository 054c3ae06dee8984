import { sql } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import { describe, expect, it } from "vitest"
import { aim } from "./run.js"

describe("aim verify / aim migrate --no-verify / aim explain", () => {
  const database = useTestDatabase("aim_cli_verify")

  it("migrate runs verify after applying (JSON carries the report); --no-verify skips it", async () => {
    const migrated = await aim(["migrate", "--json"], { DATABASE_URL: database().url })
    expect(migrated.code, migrated.stderr).toBe(0)
    const doc = JSON.parse(migrated.stdout)
    expect(doc.verify.ok).toBe(true)
    expect(doc.verify.checks.length).toBeGreaterThan(8)
    const skipped = await aim(["migrate", "--json", "--no-verify"], { DATABASE_URL: database().url })
    expect(JSON.parse(skipped.stdout).verify).toBeUndefined()
  })

  it("verify prints a table of checks and exits 0 with warnings, 1 with a failure naming code and fix", async () => {
    const ok = await aim(["verify"], { DATABASE_URL: database().url })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/PASS {2}Step 3 +The 14 expected tables exist/)
    expect(ok.stdout).toMatch(/WARN {2}Step 4 +Default admin password changed/)
    await sql(database().url, "DELETE FROM security_policies WHERE priority = 200")
    const failed = await aim(["verify"], { DATABASE_URL: database().url })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/FAIL {2}Step 4 +Six default security policies: Capability Violation Detection missing/)
    expect(failed.stdout).toMatch(/AIM-SEED-002 · fix: /)
    const json = await aim(["verify", "--json"], { DATABASE_URL: database().url })
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).counts.fail).toBeGreaterThanOrEqual(2)
  })

  it("explain prints an entry by code or by message; an unknown code exits 2", async () => {
    const byCode = await aim(["explain", "AIM-LOCK-002", "--json"])
    expect(JSON.parse(byCode.stdout)).toMatchObject({ code: "AIM-LOCK-002", docs: "/troubleshooting/lock-timeout" })
    const byMessage = await aim(["explain", 'relation "users" already exists'])
    expect(byMessage.stdout).toMatch(/^AIM-SQL-001 {2}Relation already exists/)
    expect((await aim(["explain", "AIM-NOPE-999"])).code).toBe(2)
  })
})

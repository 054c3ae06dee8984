import { type TestDatabase, createMigratedDatabase, createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import bcrypt from "bcryptjs"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Migrator } from "../src/migrator/Migrator.js"
import { Verifier } from "../src/verify/Verifier.js"
import type { VerifyReport } from "../src/verify/VerifyReport.js"
import { defaultAdmin } from "../src/verify/expectations.js"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { migrationsCopy, migratorFor, shippedMigrations } from "./support.js"

const databases: Array<TestDatabase> = []
afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()))
})

const deployed = async (dir = shippedMigrations) => {
  // The shipped files: a copy of the run's migrated template; any other directory is migrated here.
  const db = dir === shippedMigrations ? await createMigratedDatabase("aim_verify") : await createTestDatabase(testPostgresUrl(), "aim_verify")
  databases.push(db)
  if (dir !== shippedMigrations) await verifyWith(db.url, dir, true)
  return db
}

const verifyWith = (url: string, dir: string, migrateFirst = false, env: Record<string, string> = {}): Promise<VerifyReport> =>
  Effect.runPromise(
    Effect.gen(function* () {
      if (migrateFirst) yield* (yield* Migrator).apply()
      return yield* (yield* Verifier).run
    }).pipe(Effect.provide(migratorFor({ DATABASE_URL: url, ...env }, dir))),
  )

const check = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id)

describe("aim verify's checks", () => {
  it("the shipped admin hash is the one in 013 and verifies against the default password", () => {
    const sql013 = readFileSync(join(shippedMigrations, "013_create_default_admin_user.sql"), "utf8")
    expect(sql013).toContain(`'${defaultAdmin.shippedHash}'`)
    expect(bcrypt.compareSync(defaultAdmin.defaultPassword, defaultAdmin.shippedHash)).toBe(true)
  })

  it("an admin who signs in through SSO (a provider, no password hash) is an active admin; one with neither is not", async () => {
    const db = await deployed()
    await sql(
      db.url,
      `INSERT INTO users (organization_id, email, name, role, status, provider, provider_id, password_hash)
       SELECT organization_id, 'sso-admin@corp.example', 'SSO Admin', 'admin', 'active', 'google', 'g-123', NULL FROM users WHERE email = $1`,
      [defaultAdmin.email],
    )
    await sql(db.url, "UPDATE users SET status = 'inactive' WHERE email = $1", [defaultAdmin.email])
    expect(check(await verifyWith(db.url, shippedMigrations), "admin")).toMatchObject({ status: "pass", detail: expect.stringMatching(/^1 active admin/) })
    await sql(db.url, "UPDATE users SET provider = 'local' WHERE email = 'sso-admin@corp.example'")
    expect(check(await verifyWith(db.url, shippedMigrations), "admin")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("no valid bcrypt password hash and no SSO provider"),
    })
  })

  it("a table the backend uses dropped by hand: the backend cannot start, whatever its runner's ledger says", async () => {
    const db = await deployed()
    await sql(db.url, "DROP TABLE public.alerts CASCADE")
    const report = await verifyWith(db.url, shippedMigrations)
    expect(check(report, "backend")).toMatchObject({ status: "fail", detail: expect.stringContaining("the schema is not the backend's") })
    expect(report.serviceable).toBe(false)
  })

  it("a re-hashed default password is still caught (bcrypt compare)", async () => {
    const db = await deployed()
    await sql(db.url, "UPDATE users SET password_hash = $1 WHERE email = 'admin@opena2a.org'", [bcrypt.hashSync(defaultAdmin.defaultPassword, 10)])
    const report = await verifyWith(db.url, shippedMigrations)
    expect(check(report, "admin-password")).toMatchObject({ status: "warn", code: "AIM-VER-002" })
  })

  it("a fresh deploy passes, warning that the default password still works and email is not configured", async () => {
    const db = await deployed()
    const report = await verifyWith(db.url, shippedMigrations)
    expect(report.ok).toBe(true)
    expect(
      report.checks
        .filter((c) => c.status === "warn")
        .map((c) => c.id)
        .sort(),
    ).toEqual(["admin-password", "email"])
    expect(check(report, "admin-password")).toMatchObject({ code: "AIM-VER-002" })
    expect(check(report, "policy-enforced")?.status).toBe("pass")
    expect(check(report, "ledger")?.status).toBe("pass")
  })

  it("once the admin password is changed and SMTP configured, nothing is left to warn about", async () => {
    const db = await deployed()
    await sql(db.url, "UPDATE users SET password_hash = $1 WHERE email = 'admin@opena2a.org'", [bcrypt.hashSync("another-Passw0rd", 10)])
    const report = await verifyWith(db.url, shippedMigrations, false, {
      SMTP_HOST: "smtp.example.com",
      SMTP_USERNAME: "info@example.com",
      SMTP_PASSWORD: "x-secret",
      FRONTEND_URL: "https://aim.example.com",
    })
    expect(report.counts).toEqual({ pass: report.checks.length, warn: 0, fail: 0 })
  })

  it("fails with the right troubleshooting code for no active admin, a missing policy, the guide's policy no longer enforced", async () => {
    const db = await deployed()
    await sql(db.url, "DELETE FROM security_policies WHERE name = 'Low Trust Score Alert'")
    await sql(db.url, "UPDATE security_policies SET is_enforced = true WHERE name = 'Critical Trust Score Block'")
    await sql(db.url, "UPDATE security_policies SET is_enforced = false WHERE name = 'Capability Violation Detection'")
    let report = await verifyWith(db.url, shippedMigrations)
    expect(report.ok).toBe(false)
    expect(check(report, "policies")).toMatchObject({ status: "fail", code: "AIM-SEED-002" })
    expect(check(report, "policies")?.detail).toMatch(/Low Trust Score Alert missing/)
    expect(check(report, "policy-enforced")).toMatchObject({ status: "fail" })
    expect(check(report, "policy-enforced")?.detail).toMatch(/Critical Trust Score Block/)

    await sql(db.url, "DELETE FROM users WHERE email = 'admin@opena2a.org'")
    report = await verifyWith(db.url, shippedMigrations)
    expect(check(report, "admin")).toMatchObject({ status: "fail", code: "AIM-SEED-001" })
  })

  it("an admin whose role was changed is named, with the statement that makes it admin again, and that statement works", async () => {
    const db = await deployed()
    await sql(db.url, "UPDATE users SET role = 'member' WHERE email = 'admin@opena2a.org'")
    let report = await verifyWith(db.url, shippedMigrations)
    const detail = check(report, "admin")?.detail ?? ""
    expect(check(report, "admin")).toMatchObject({ status: "fail", code: "AIM-SEED-001" })
    expect(detail).toContain("admin@opena2a.org has role member, status active")
    const fix = /UPDATE users SET .*'$/.exec(detail)?.[0]
    expect(fix).toBe("UPDATE users SET role = 'admin', status = 'active' WHERE email = 'admin@opena2a.org'")
    await sql(db.url, fix ?? "")
    report = await verifyWith(db.url, shippedMigrations)
    expect(check(report, "admin")).toMatchObject({ status: "pass" })

    await sql(db.url, "UPDATE organizations SET is_active = false")
    report = await verifyWith(db.url, shippedMigrations)
    expect(check(report, "admin")?.detail).toMatch(/every active admin is in an inactive organization .*: admin@opena2a\.org \(organization .+ is inactive\)$/)
  })

  it("warns about unexpected tables and fails on missing tables, pending or changed migrations", async () => {
    const db = await deployed()
    await sql(db.url, "CREATE TABLE public.scratch (id int)")
    await sql(db.url, "DROP TABLE analytics_trust_scores")
    const dir = migrationsCopy({ "031_more.sql": "CREATE TABLE IF NOT EXISTS test_hooks (id int);\n" })
    const report = await verifyWith(db.url, dir)
    expect(check(report, "unexpected-tables")).toMatchObject({ status: "warn", code: "AIM-VER-001" })
    expect(check(report, "unexpected-tables")?.detail).toContain("scratch")
    expect(check(report, "tables")).toMatchObject({ status: "fail" })
    expect(check(report, "tables")?.detail).toContain("analytics_trust_scores")
    expect(check(report, "ledger")).toMatchObject({ status: "fail", code: "AIM-VER-003" })
    expect(check(report, "ledger")?.detail).toContain("031_more.sql")
  })

  it("on an empty database every Step 3/4 check fails without crashing", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_verify_empty")
    databases.push(db)
    const report = await verifyWith(db.url, shippedMigrations)
    expect(report.ok).toBe(false)
    expect(["tables", "admin", "policies", "registration", "ledger"].map((id) => check(report, id)?.status)).toEqual(["fail", "fail", "fail", "fail", "fail"])
  })
})

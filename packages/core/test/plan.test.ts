import { describe, expect, it } from "vitest"
import type { AppliedMigration, Migration } from "../src/source/Migration.js"
import { computePlan } from "../src/ledger/ledgerPlan.js"
import { planOf } from "../src/ledger/Ledger.js"
import { noCoLedger } from "../src/ledger/CoLedger.js"
import { nothingShipped } from "../src/source/ShippedFiles.js"
import { aimCoLedger } from "../src/aim/backendLedger.js"
import { aimShippedFiles, earlierShippedChecksums, shippedMigrations } from "../src/aim/shipped.js"

const file = (version: number, checksum = `c${version}`, transactional = true): Migration => ({
  version,
  name: `${String(version).padStart(3, "0")}_m.sql`,
  path: "",
  sql: "SELECT 1;",
  checksum,
  transactional,
})
const row = (version: number, checksum = `c${version}`): AppliedMigration => ({
  version,
  name: `${String(version).padStart(3, "0")}_m.sql`,
  checksum,
  appliedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 1,
  appliedBy: "test",
  method: "applied",
})
// A shipped file under its real name and checksum, and the ledger row an earlier aim release left.
const shipped = (name: string): Migration => ({ ...file(Number(name.slice(0, 3)), shippedMigrations.get(name)), name })
const shippedRow = (name: string, checksum = shippedMigrations.get(name) ?? ""): AppliedMigration => ({
  ...row(Number(name.slice(0, 3)), checksum),
  name,
})
const allShipped = [...shippedMigrations.keys()]

/** The plan AIM's engine makes: AIM's shipped files, and the backend runner's ledger (absent, or these rows). */
const aimPlan = (files: ReadonlyArray<Migration>, rows: ReadonlyArray<AppliedMigration>, legacy?: ReadonlyArray<string>) =>
  planOf(files, { ledger: rows, coLedger: legacy === undefined ? { _tag: "Absent" } : { _tag: "Backend", versions: legacy } }, aimCoLedger, aimShippedFiles)

describe("computePlan", () => {
  it("lists pending files in order with a reason", () => {
    const plan = aimPlan([file(1), file(2), file(3)], [row(1)])
    expect(plan.pending).toEqual([
      { version: 2, name: "002_m.sql", checksum: "c2", transactional: true, reason: "not recorded in the ledger" },
      { version: 3, name: "003_m.sql", checksum: "c3", transactional: true, reason: "not recorded in the ledger" },
    ])
    expect(plan.applied).toEqual([{ ...row(1), state: "ok" }])
    expect(plan.refusals).toEqual([])
  })

  it("keeps a file's transaction mode in its pending entry", () => {
    expect(aimPlan([file(1, "c1", false)], []).pending[0]?.transactional).toBe(false)
  })

  it("sorts pending files by version whatever order they are given in", () => {
    expect(aimPlan([file(3), file(10), file(2)], []).pending.map((p) => p.version)).toEqual([2, 3, 10])
  })

  it("refuses a changed file, a missing file and an out-of-order file, naming each", () => {
    const plan = aimPlan([file(1, "edited0123456789"), file(2), file(4)], [row(1, "c1applied0123456"), row(3), row(4)])
    expect(plan.refusals).toEqual([
      { kind: "changed", version: 1, name: "001_m.sql", detail: "001_m.sql changed after it was applied (checksum edited012345, applied c1applied012)" },
      {
        kind: "missing",
        version: 3,
        name: "003_m.sql",
        detail: "003_m.sql was applied on 2026-01-01T00:00:00.000Z but its file is gone from the migrations directory",
      },
      {
        kind: "out-of-order",
        version: 2,
        name: "002_m.sql",
        detail:
          "002_m.sql is pending but numbered below 004, which is already applied (a new file: renumber it after 004; a file applied before whose ledger row was deleted: aim baseline 2 records it once its objects are found, aim adopt runs it again when they are gone)",
      },
    ])
    expect(plan.applied.map((a) => [a.version, a.state])).toEqual([
      [1, "changed"],
      [3, "missing"],
      [4, "ok"],
    ])
    // The out-of-order file is still listed as pending: the refusal says why it will not run.
    expect(plan.pending.map((p) => p.version)).toEqual([2])
  })

  it("refuses a file renamed after it was applied (same number and content)", () => {
    const renamed = { ...file(1), name: "001_other.sql" }
    const plan = aimPlan([renamed], [row(1)])
    expect(plan.refusals).toEqual([
      { kind: "changed", version: 1, name: "001_other.sql", detail: "001_other.sql has version 1, which was applied as 001_m.sql" },
    ])
    expect(plan.applied[0]?.state).toBe("changed")
    expect(plan.pending).toEqual([])
  })

  it("a renamed and edited file is named by its new name", () => {
    const plan = aimPlan([{ ...file(1, "x"), name: "001_other.sql" }], [row(1)])
    expect(plan.refusals.map((r) => r.detail)).toEqual(["001_other.sql has version 1, which was applied as 001_m.sql"])
  })

  it("a file numbered just above the newest applied one is pending, not out of order", () => {
    const plan = aimPlan([file(1), file(5), file(6)], [row(1), row(5)])
    expect(plan.refusals).toEqual([])
    expect(plan.pending.map((p) => p.version)).toEqual([6])
  })

  it("the newest applied version bounds out-of-order whatever order the ledger lists rows in", () => {
    const plan = aimPlan([file(2), file(3), file(5)], [row(5), row(3)])
    expect(plan.refusals.map((r) => [r.kind, r.version])).toEqual([["out-of-order", 2]])
  })

  it("an earlier aim release's version of a shipped file is revised, runs again and is not refused", () => {
    const name = "009_create_security_policies_table.sql"
    const earlier = earlierShippedChecksums.get(name)?.[0] ?? ""
    const plan = aimPlan([shipped(name)], [shippedRow(name, earlier)])
    expect(plan.refusals).toEqual([])
    expect(plan.applied.map((a) => a.state)).toEqual(["revised"])
    expect(plan.pending).toEqual([
      {
        version: 9,
        name,
        checksum: shippedMigrations.get(name),
        transactional: true,
        reason: `revised by aim since it was applied (checksum ${earlier.slice(0, 12)}, an earlier release): runs again to converge`,
        revision: true,
      },
    ])
  })

  it("revisions run in version order with new files", () => {
    const revisedName = "009_create_security_policies_table.sql"
    const plan = aimPlan(
      [shipped("001_initial_schema.sql"), shipped(revisedName), file(8), file(20)],
      [shippedRow("001_initial_schema.sql"), shippedRow(revisedName, earlierShippedChecksums.get(revisedName)?.[0])],
    )
    expect(plan.pending.map((p) => [p.version, p.revision ?? false])).toEqual([
      [8, false],
      [9, true],
      [20, false],
    ])
  })

  it("a checksum that is no earlier release of the file is a change, even for a shipped name", () => {
    const name = "009_create_security_policies_table.sql"
    const plan = aimPlan([shipped(name)], [shippedRow(name, "f".repeat(64))])
    expect(plan.refusals.map((r) => r.kind)).toEqual(["changed"])
    expect(plan.pending).toEqual([])
  })

  it("asks for aim adopt only when the backend's ledger has rows and aim's has none", () => {
    const notAdopted = aimPlan([file(1)], [], ["001_initial_schema.sql", "002_add_missing_user_columns.sql"])
    expect(notAdopted.refusals).toEqual([
      {
        kind: "not-adopted",
        version: 0,
        name: "public.schema_migrations",
        detail: "this database was migrated by the deployed AIM backend (2 rows in public.schema_migrations) but not adopted: run aim adopt first",
      },
    ])
    expect(aimPlan([file(1)], [], []).refusals).toEqual([])
    expect(aimPlan([file(1)], []).refusals).toEqual([])
    expect(aimPlan([file(1), file(2)], [row(1)], ["001_initial_schema.sql"]).refusals).toEqual([])
  })

  it("the adopt refusal comes before the files' own refusals", () => {
    const plan = aimPlan([file(2)], [], ["001_initial_schema.sql"])
    expect(plan.refusals.map((r) => r.kind)).toEqual(["not-adopted"])
    const withMissing = aimPlan([], [row(3)], [])
    expect(withMissing.refusals.map((r) => r.kind)).toEqual(["missing"])
  })

  it("the backend release counts only applied files that match (ok or revised), never changed or missing ones", () => {
    const all = allShipped.map(shipped)
    const rows = allShipped.map((name) => shippedRow(name))
    expect(aimPlan(all, rows, []).coLedger.release).toBe("current")
    // 013 edited after it was applied: its row no longer provides the backend's 013.
    const edited = rows.map((r) => (r.name.startsWith("013_") ? { ...r, checksum: "0".repeat(64) } : r))
    const changed = aimPlan(all, edited, [])
    expect(changed.coLedger.release).toBe("none")
    expect(changed.coLedger.unrecorded).not.toContain("013_create_default_admin_user.sql")
    // 013's file gone: the same.
    expect(
      aimPlan(
        all.filter((m) => !m.name.startsWith("013_")),
        rows,
        [],
      ).coLedger.release,
    ).toBe("none")
    // 001 revised (an earlier release's checksum) still provides the backend's 001.
    const revised = rows.map((r) => (r.name.startsWith("001_") ? { ...r, checksum: earlierShippedChecksums.get(r.name)?.[0] ?? "" } : r))
    expect(aimPlan(all, revised, []).coLedger.release).toBe("current")
  })

  it("the backend's unrecorded files are those the applied files provide and its ledger lacks", () => {
    const rows = allShipped.slice(0, 2).map((name) => shippedRow(name))
    const plan = aimPlan(allShipped.map(shipped), rows, ["001_initial_schema.sql"])
    expect(plan.coLedger.unrecorded).toEqual(["002_add_missing_user_columns.sql"])
  })

  it("an empty directory and an empty ledger plan nothing", () => {
    expect(aimPlan([], [])).toEqual({ applied: [], pending: [], refusals: [], ahead: [], coLedger: { release: "none", unrecorded: [], unknown: [] } })
  })
})

describe("the engine alone (no co-ledger, nothing shipped)", () => {
  it("an earlier release's checksum of an AIM file is a change: revisions are the shipping product's to declare", () => {
    const name = "009_create_security_policies_table.sql"
    const plan = computePlan([shipped(name)], [shippedRow(name, earlierShippedChecksums.get(name)?.[0])], nothingShipped)
    expect(plan.refusals.map((r) => r.kind)).toEqual(["changed"])
    expect(plan.pending).toEqual([])
  })

  it("no co-ledger adds no refusal and reports serving nothing, whatever a backend's ledger would have said", () => {
    const plan = planOf([file(1)], { ledger: [], coLedger: undefined }, noCoLedger, nothingShipped)
    expect(plan.refusals).toEqual([])
    expect(plan.pending.map((p) => p.version)).toEqual([1])
    expect(plan.coLedger).toEqual({ release: "none", unrecorded: [], unknown: [], recorded: undefined })
  })
})

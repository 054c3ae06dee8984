import { describe, expect, it } from "vitest"
import type { AppliedMigration, Migration } from "../src/testing.js"
import { computePlan } from "../src/migrations/ledgerPlan.js"

const file = (version: number, checksum = `c${version}`): Migration => ({
  version,
  name: `${String(version).padStart(3, "0")}_m.sql`,
  path: "",
  sql: "SELECT 1;",
  checksum,
  transactional: true,
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

describe("computePlan", () => {
  it("lists pending files in order with a reason", () => {
    const plan = computePlan([file(1), file(2), file(3)], [row(1)])
    expect(plan.pending.map((p) => p.version)).toEqual([2, 3])
    expect(plan.pending[0]?.reason).toMatch(/not recorded/)
    expect(plan.refusals).toEqual([])
  })

  it("refuses a changed file, a missing file and an out-of-order file, naming each", () => {
    const plan = computePlan([file(1, "edited"), file(2), file(4)], [row(1), row(3), row(4)])
    expect(plan.refusals.map((r) => [r.kind, r.version])).toEqual([
      ["changed", 1],
      ["missing", 3],
      ["out-of-order", 2],
    ])
    expect(plan.refusals[0]?.detail).toMatch(/001_m\.sql changed after it was applied/)
  })
})

import type { VerifyReport } from "@aim/core"
import { Effect } from "effect"
import { out } from "./output.js"

const label = { pass: "PASS", warn: "WARN", fail: "FAIL" } as const

/** The table of checks shared by `aim verify`, `aim doctor` and `aim migrate`. */
export const printChecks = (title: string, report: VerifyReport) =>
  Effect.gen(function* () {
    yield* out(`${title}: ${report.database}`)
    const groupWidth = Math.max(...report.checks.map((c) => c.group.length), 5)
    for (const check of report.checks) {
      yield* out(`  ${label[check.status]}  ${check.group.padEnd(groupWidth)}  ${check.title}: ${check.detail}`)
      if (check.status !== "pass" && check.code !== undefined) yield* out(`        ${check.code} · fix: ${check.fix ?? ""}`)
    }
    const { pass, warn, fail } = report.counts
    yield* out(`${fail === 0 ? "✅" : "✖"} ${pass} passed, ${warn} warning${warn === 1 ? "" : "s"}, ${fail} failed`)
  })

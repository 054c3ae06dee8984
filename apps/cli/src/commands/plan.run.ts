import type { StatusReport } from "@aim/core"
import { type LockPlan, atLeast, pendingLockPlan, planRisk } from "@aim/core/analysis"
import { Effect, Option } from "effect"
import { announceEmbedded, announceRunningMigration } from "../layers.js"
import { err, out } from "../output.js"
import { report, reported } from "../render.js"

// aim plan's work, loaded when aim plan (or aim migrate --dry-run) runs.

const mb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`)
const pad = (text: string, width: number) => text.padEnd(width)

/** The plan as a table a reviewer reads in a pull request: one row per statement, advice under it. */
export const printLockPlan = (plan: LockPlan) =>
  Effect.gen(function* () {
    yield* out(`Lock-impact plan: ${plan.database} (${plan.pending.length} pending file${plan.pending.length === 1 ? "" : "s"})`)
    for (const file of plan.pending) {
      yield* out("")
      yield* out(
        `${file.name} (${file.transactional ? "one transaction: every lock is held until it commits" : "no transaction: each statement commits on its own"})`,
      )
      for (const check of file.checks) yield* out(`  check before it runs (line ${check.line}): ${check.message}`)
      yield* out(`  ${pad("line", 5)} ${pad("risk", 6)} ${pad("statement", 34)} ${pad("locks", 44)} whole table`)
      for (const s of file.statements) {
        const locks = s.locks.length === 0 ? "none on existing tables" : s.locks.map((l) => `${l.relation}: ${l.mode}`).join(", ")
        const whole = s.rewrite ? "rewrite" : s.scan ? "scan" : ""
        yield* out(`  ${pad(String(s.line), 5)} ${pad(s.risk, 6)} ${pad(s.kind, 34)} ${pad(locks, 44)} ${whole}`.trimEnd())
        if (s.advice !== null && s.risk !== "low") yield* out(`        → ${s.advice}`)
      }
    }
    if (plan.relations.length > 0) {
      yield* out("")
      yield* out(`  ${pad("relation", 32)} ${"rows".padStart(12)} ${"size".padStart(10)}`)
      for (const r of plan.relations) yield* out(`  ${pad(r.name, 32)} ${r.rows.toLocaleString("en-US").padStart(12)} ${mb(r.bytes).padStart(10)}`)
    }
    yield* out("")
    yield* out(plan.pending.length === 0 ? "Nothing is pending: nothing would be locked." : `Highest risk: ${planRisk(plan)}. Nothing was changed.`)
  })

/** The JSON document of a plan, shared by `aim plan --json` and `aim migrate --dry-run --json`. */
export const lockPlanDocument = (plan: LockPlan) => ({ database: plan.database, pending: plan.pending, relations: plan.relations })

const refusalLines = (status: StatusReport) => Effect.forEach(status.refusals, (r) => err(`  ✖ refused: ${r.detail}`), { discard: true })

/** aim plan's handler, for the options plan.ts defines. */
export const run = reported(({ failOn }: { readonly json: boolean; readonly failOn: Option.Option<"medium" | "high"> }) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    yield* announceRunningMigration
    const { status, plan } = yield* pendingLockPlan
    const threshold = Option.getOrUndefined(failOn)
    const tooRisky = threshold !== undefined && atLeast(planRisk(plan), threshold)
    const ok = status.refusals.length === 0 && !tooRisky
    return report({
      ok,
      document: { ok, ...lockPlanDocument(plan), risk: planRisk(plan), refusals: status.refusals },
      human: Effect.gen(function* () {
        yield* printLockPlan(plan)
        yield* refusalLines(status)
        if (tooRisky) yield* err(`✖ a statement's risk is ${planRisk(plan)}, at or above --fail-on ${threshold}`)
      }),
    })
  }),
)

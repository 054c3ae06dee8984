import { type StatusReport, catalog } from "@aim/core"
import { type LockPlan, type WorkloadCheck, atLeast, pendingLockPlanWith, planRisk } from "@aim/core/plan"
import { Effect, Option } from "effect"
import { announceEmbedded, announceRunningMigration } from "../layers.js"
import { err, out } from "../output.js"
import { UsageRefused, report, reported } from "../render.js"

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
    if (plan.workload !== undefined) yield* printWorkload(plan.workload)
    yield* out("")
    yield* out(plan.pending.length === 0 ? "Nothing is pending: nothing would be locked." : `Highest risk: ${planRisk(plan)}. Nothing was changed.`)
  })

const sources = { pg_stat_statements: "pg_stat_statements", file: "the workload file", none: "no workload" } as const

/** The application's queries the pending statements break, each under the statement that breaks it. */
const printWorkload = (workload: WorkloadCheck) =>
  Effect.gen(function* () {
    yield* out("")
    if (workload.queries > 0) {
      yield* out(
        `Workload: ${workload.queries} quer${workload.queries === 1 ? "y" : "ies"} the application ran (${sources[workload.source]}), ${workload.checked} prepared on today's schema and checked against the pending statements on a scratch copy of it`,
      )
      for (const b of workload.breaks) {
        yield* out(`  ✖ ${b.file}:${b.line} breaks${b.calls === null ? "" : ` (${b.calls.toLocaleString("en-US")} calls)`}: ${b.query}`)
        yield* out(`      ${b.reason}${b.sqlState === undefined ? "" : ` (SQLSTATE ${b.sqlState})`}`)
      }
      if (workload.breaks.length === 0) yield* out("  ✓ no query the application ran is broken by the pending statements")
    }
    for (const note of workload.notes) yield* out(`  ℹ ${note}`)
  })

/** The JSON document of a plan, shared by `aim plan --json` and `aim migrate --dry-run --json`. */
export const lockPlanDocument = (plan: LockPlan) => ({
  database: plan.database,
  pending: plan.pending,
  relations: plan.relations,
  ...(plan.workload === undefined ? {} : { workload: plan.workload }),
})

const refusalLines = (status: StatusReport) => Effect.forEach(status.refusals, (r) => err(`  ✖ refused: ${r.detail}`), { discard: true })

/** aim plan's handler, for the options plan.ts defines. */
export const run = reported(
  ({
    failOn,
    workload,
    workloadRole,
  }: {
    readonly json: boolean
    readonly failOn: Option.Option<"medium" | "high" | "breaking">
    readonly workload: Option.Option<string>
    readonly workloadRole: Option.Option<string>
  }) =>
    Effect.gen(function* () {
      // Two answers to one question: neither is dropped in silence.
      if (Option.isSome(workload) && Option.isSome(workloadRole))
        return yield* new UsageRefused({
          entry: catalog.usageInvalid,
          message: "--workload FILE and --workload-role ROLE both choose the queries to check (a file, or that role's in pg_stat_statements): give one",
        })
      yield* announceEmbedded
      yield* announceRunningMigration
      const role = Option.getOrUndefined(workloadRole)
      const { status, plan } = yield* pendingLockPlanWith(
        Option.isSome(workload)
          ? { kind: "file", path: workload.value }
          : { kind: "pg_stat_statements", asked: role !== undefined, ...(role === undefined ? {} : { role }) },
      )
      const threshold = Option.getOrUndefined(failOn)
      const breaks = plan.workload?.breaks.length ?? 0
      const tooRisky = threshold !== undefined && threshold !== "breaking" && atLeast(planRisk(plan), threshold)
      const breaking = threshold === "breaking" && breaks > 0
      const ok = status.refusals.length === 0 && !tooRisky && !breaking
      return report({
        ok,
        document: { ok, ...lockPlanDocument(plan), risk: planRisk(plan), refusals: status.refusals },
        human: Effect.gen(function* () {
          yield* printLockPlan(plan)
          yield* refusalLines(status)
          if (tooRisky) yield* err(`✖ a statement's risk is ${planRisk(plan)}, at or above --fail-on ${threshold}`)
          if (breaking) yield* err(`✖ ${breaks} quer${breaks === 1 ? "y" : "ies"} the application ran would break (--fail-on breaking)`)
        }),
      })
    }),
)

import { pendingLockPlan } from "@aim/core/plan"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { z } from "zod"
import { type McpContext, answerable, migrationEntry, refusal, version } from "../context.js"

/**
 * What apply_migrations would do now, with an id that binds an approval to it: a hash of the files
 * it would apply (names and checksums), the ledger and the refusals. Any change to the files or the
 * database gives another id, so an agent applies what it (or its human) looked at, or nothing.
 */
export const planFor = (upTo: number | undefined) =>
  Effect.gen(function* () {
    const { status, plan } = yield* pendingLockPlan
    const within = (version: number) => upTo === undefined || version <= upTo
    const wouldApply = status.pending.filter((p) => within(p.version))
    const files = plan.pending.filter((f) => within(f.version))
    const planId = createHash("sha256")
      .update(
        JSON.stringify({
          upTo: upTo ?? null,
          pending: wouldApply.map((p) => [p.version, p.name, p.checksum]),
          applied: status.applied.map((a) => [a.version, a.checksum, a.state]),
          refusals: status.refusals.map((r) => [r.kind, r.version]),
        }),
      )
      .digest("hex")
      .slice(0, 16)
    return {
      planId,
      wouldApply: wouldApply.map((p) => ({ version: p.version, name: p.name, checksum: p.checksum, transactional: p.transactional })),
      refusals: [...status.refusals],
      upToDate: status.upToDate,
      lockPlan: { pending: files, relations: plan.relations, ...(plan.workload === undefined ? {} : { workload: plan.workload }) },
      // Statements an apply must name in acceptRisk (file:line), classified by effect: high risk,
      // destructive, anything that changes or removes existing rows whatever its WHERE (DELETE … WHERE
      // true empties a table as surely as TRUNCATE), anything that runs a program or opens a server
      // file, opaque code (a DO block or function whose effect its text does not show), and a
      // statement that breaks a query the application ran (its breaks).
      highRisk: files.flatMap((f) =>
        f.statements
          .filter((st) => st.risk === "high" || st.destructive || st.changesRows || st.external || st.opaque || (st.breaks?.length ?? 0) > 0)
          .map((st) => `${f.name}:${st.line}`),
      ),
    }
  })

export const planSummary = (plan: Effect.Effect.Success<ReturnType<typeof planFor>>) =>
  `planId ${plan.planId}: ${
    plan.refusals.length > 0
      ? `refused: ${plan.refusals.map((r) => r.detail).join("; ")}`
      : plan.wouldApply.length === 0
        ? "nothing to apply: the database is up to date"
        : `would apply ${plan.wouldApply.map((p) => p.name).join(", ")}`
  }${plan.highRisk.length > 0 ? `; high risk (apply needs acceptRisk naming them): ${plan.highRisk.join(", ")}` : ""}`

/** plan_migrations: what apply_migrations would do, with the planId that binds an approval to it. */
export const registerPlan = ({ server, run, ok, checked }: McpContext) => {
  server.registerTool(
    "plan_migrations",
    {
      title: "Plan migrations",
      description:
        "What apply_migrations would do, changing nothing: the files, what each statement locks and its risk (aim plan), and a planId that apply_migrations requires.",
      inputSchema: answerable({ upTo: version.optional().describe("Plan up to and including this version") }),
      outputSchema: z
        .object({ planId: z.string(), wouldApply: z.array(migrationEntry), refusals: z.array(refusal), upToDate: z.boolean(), highRisk: z.array(z.string()) })
        .passthrough(),
      annotations: { readOnlyHint: true },
    },
    checked(({ upTo }) => run(planFor(upTo), (plan) => ok(planSummary(plan), plan))),
  )
}

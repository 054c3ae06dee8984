import { acceptBackendRelease, rollback } from "@aim/core/rollback"
import { z } from "zod"
import { type McpContext, answerable } from "../context.js"

/** A version to roll back to: 0 (nothing applied) up to PostgreSQL's integer. */
const target = z.number().int().min(0).max(2_147_483_647).describe("Roll back to what migration files 1..to build")

const planOutput = z
  .object({ planId: z.string(), from: z.number(), to: z.number(), statements: z.array(z.string()), mustAccept: z.array(z.string()) })
  .passthrough()

/** What apply_rollback must name in acceptLoss: every object whose data goes, and the backend release when it changes. */
const mustAccept = (plan: {
  readonly losses: ReadonlyArray<{ readonly object: string }>
  readonly backend: { readonly before: string; readonly after: string }
}) => [...plan.losses.map((l) => l.object), ...(plan.backend.before === plan.backend.after ? [] : [acceptBackendRelease])]

/**
 * plan_rollback (read-only) and, with --allow-apply, apply_rollback: the way back to files 1..N as aim
 * rollback plans it, bound by its planId; every object whose data goes is accepted by name.
 */
export const registerRollback = ({ server, run, ok, refuse, checked }: McpContext, allowApply: boolean) => {
  server.registerTool(
    "plan_rollback",
    {
      title: "Plan a rollback",
      description:
        "What apply_rollback would do, changing nothing: the files rolled back, every statement with its locks, the rows each step would remove, the AIM backend release served before and after, and a planId that apply_rollback requires. mustAccept lists what apply_rollback must name in acceptLoss.",
      inputSchema: answerable({ to: target }),
      outputSchema: planOutput,
      annotations: { readOnlyHint: true },
    },
    checked(({ to }) =>
      run(rollback({ to, dryRun: true }), (plan) =>
        ok(
          `planId ${plan.planId}: ${plan.files.length === 0 ? "nothing to roll back" : `would roll back ${plan.files.map((f) => f.name).join(", ")} in ${plan.statements.length} statement(s)`}${mustAccept(plan).length > 0 ? `; apply needs acceptLoss naming: ${mustAccept(plan).join(", ")}` : ""}`,
          { ...plan, mustAccept: mustAccept(plan) },
        ),
      ),
    ),
  )
  if (!allowApply) return
  server.registerTool(
    "apply_rollback",
    {
      title: "Apply a rollback",
      description:
        "Rolls the database back to what files 1..to build, as plan_rollback planned it: one transaction under the migration lock, both ledgers' rows of the rolled-back files deleted. Requires confirm: true, the planId of plan_rollback, and acceptLoss naming every object whose data goes (its mustAccept); refuses when the plan changed since. The next apply_migrations applies the rolled-back files again while they are in the directory.",
      inputSchema: answerable({
        confirm: z.boolean().describe("Must be true: a rollback changes the database and can remove data"),
        planId: z.string().describe("The planId plan_rollback returned for the plan you approved"),
        to: target,
        acceptLoss: z.array(z.string()).optional().describe("The plan's mustAccept entries you accept: each object whose data goes must be named"),
      }),
      outputSchema: planOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    checked(({ confirm, planId, to, acceptLoss }) =>
      confirm !== true
        ? Promise.resolve(
            refuse(
              "apply_rollback changes the database and needs confirm: true",
              "Call plan_rollback to see what would run, then call again with confirm: true, its planId and acceptLoss naming its mustAccept.",
            ),
          )
        : run(rollback({ to, acceptLoss: acceptLoss ?? [], approvedPlan: planId }), (done) =>
            ok(done.files.length === 0 ? "nothing to roll back" : `rolled back ${done.files.map((f) => f.name).join(", ")}; ${done.next}`, {
              ...done,
              mustAccept: mustAccept(done),
            }),
          ),
    ),
  )
}

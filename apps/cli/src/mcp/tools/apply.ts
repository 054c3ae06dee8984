import { Migrator, Verifier, checksumOf, loadMigrations, scrubValue, traced, withoutUrlCredentials } from "@aim/core"
import { lintMigrations } from "@aim/core/authoring"
import { Cause, Effect, Exit, Option } from "effect"
import { z } from "zod"
import { planFor } from "./plan.js"
import { type McpContext, type ToolResult, answerable, migrationEntry, version } from "../context.js"

const applyOutput = z
  .object({
    applied: z.array(migrationEntry),
    pending: z.array(z.object({ version: z.number(), name: z.string() })),
    verify: z.object({ ok: z.boolean() }).passthrough(),
  })
  .passthrough()

const acceptRiskInput = z.array(z.string()).optional().describe("The plan's highRisk entries (file:line) you accept: each high-risk statement must be named")

type ApplyResult = Effect.Effect.Success<ReturnType<typeof applyAndVerify>>

const applyAndVerify = (upTo: number | undefined, approved: ReadonlyMap<number, string>) =>
  Effect.gen(function* () {
    const report = yield* (yield* Migrator).apply({ approved, ...(upTo === undefined ? {} : { upTo }) })
    // Against the status the run left: the files and the ledger are not read again.
    const verification = yield* (yield* Verifier).runWith(report.status)
    return { applied: [...report.applied], pending: [...report.pending], verify: verification }
  }).pipe(traced("aim mcp apply"))

/**
 * Applies what `planId` approved, or refuses with the plan as it is now: the files or the database
 * changed since, or a high-risk statement is not named in acceptRisk.
 */
const applyApproved = (
  { migrationsDir, secrets, refuse, run }: McpContext,
  planId: string | undefined,
  acceptRisk: ReadonlyArray<string>,
  upTo: number | undefined,
  render: (result: ApplyResult) => ToolResult,
) =>
  run(
    Effect.gen(function* () {
      const current = yield* planFor(upTo)
      if (planId !== current.planId) return { refused: "plan" as const, current }
      const unaccepted = current.highRisk.filter((h) => !acceptRisk.includes(h))
      if (unaccepted.length > 0) return { refused: "risk" as const, current, unaccepted }
      // What aim lint refuses in CI is refused for an agent too.
      const approvedVersions = new Set(current.wouldApply.map((p) => p.version))
      const toApply = (yield* loadMigrations(migrationsDir)).filter((m) => approvedVersions.has(m.version))
      const lintErrors = (yield* lintMigrations(toApply)).filter((f) => f.severity === "error")
      if (lintErrors.length > 0) return { refused: "lint" as const, current, lintErrors }
      // Never past what was approved, even if a file was added since the check above, and only the
      // content approved: the Migrator compares the checksums again under the lock.
      const last = current.wouldApply.at(-1)?.version
      const approved = new Map(current.wouldApply.map((p) => [p.version, p.checksum]))
      return { result: yield* applyAndVerify(last ?? upTo, approved) }
    }),
    (outcome) => {
      if ("result" in outcome) return render(outcome.result)
      const refused =
        outcome.refused === "lint"
          ? refuse(
              `aim lint finds errors in the files to apply: ${outcome.lintErrors.map((f) => `${f.file}:${f.line} ${f.rule}`).join(", ")}`,
              "Fix them (aim lint prints each with its fix), then plan again.",
            )
          : outcome.refused === "plan"
            ? refuse(
                planId === undefined
                  ? "applying needs the planId of the plan you approved"
                  : `the plan changed since ${planId} (a migration file or the database changed): nothing was applied`,
                `Review the current plan (planId ${outcome.current.planId}, attached), then call again with that planId.`,
              )
            : refuse(
                `high-risk statements need to be accepted by name: ${outcome.unaccepted.join(", ")}`,
                "Read their locks and advice in the plan (lockPlan), then call again with acceptRisk listing them, or change the migration to its safer form.",
              )
      // The plan as it is now, as a second text block: a tool error carries no structured content.
      return {
        ...refused,
        content: [...refused.content, { type: "text" as const, text: withoutUrlCredentials(JSON.stringify(scrubValue(outcome.current, secrets))) }],
      }
    },
  )

/** apply_migrations and apply_migration (served only with --allow-apply): what a plan approved, or nothing. */
export const registerApply = (context: McpContext) => {
  const { server, migrationsDir, runtime, ok, refuse, failure, run, checked } = context
  server.registerTool(
    "apply_migrations",
    {
      title: "Apply migrations",
      description:
        "Applies the pending migration files of the plan you approved, through the migrator (advisory lock, one transaction per file, ledger, verification after). Requires confirm: true and the planId of plan_migrations; refuses with the new plan when the files or the database changed since, and when a high-risk statement is not named in acceptRisk. Never runs SQL that is not a migration file.",
      inputSchema: answerable({
        confirm: z.boolean().describe("Must be true: applying changes the database"),
        planId: z.string().optional().describe("The planId plan_migrations returned for the plan you approved"),
        acceptRisk: acceptRiskInput,
        upTo: version.optional().describe("Apply up to and including this version (the same upTo as the plan)"),
      }),
      outputSchema: applyOutput,
      // It changes the database, and a migration can drop what it names: clients should ask their person.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    checked(({ confirm, planId, acceptRisk, upTo }) =>
      confirm !== true
        ? Promise.resolve(
            refuse(
              "apply_migrations changes the database and needs confirm: true",
              "Call plan_migrations to see what would run, then call again with confirm: true and its planId.",
            ),
          )
        : applyApproved(context, planId, acceptRisk ?? [], upTo, (result) =>
            ok(
              `${result.applied.length === 0 ? "nothing to apply: up to date" : `applied ${result.applied.map((a) => a.name).join(", ")}`}; verification ${result.verify.ok ? "passed" : "FAILED"}`,
              result,
            ),
          ),
    ),
  )

  server.registerTool(
    "apply_migration",
    {
      title: "Apply one migration (guide-compatible)",
      description:
        "The migration guide's shape {name, query}. Accepted only when name is a migration file in the directory and query is exactly that file's content; it then runs through the migrator like apply_migrations. Anything else is refused.",
      inputSchema: answerable({
        name: z.string().describe("Migration file name, e.g. 001_initial_schema (with or without .sql)"),
        query: z.string().describe("The file's SQL content, unchanged"),
        project_id: z.string().optional().describe("Accepted for compatibility with the guide's example; ignored"),
        planId: z.string().optional().describe("The planId of plan_migrations with upTo set to this file's version"),
        acceptRisk: acceptRiskInput,
      }),
      outputSchema: applyOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    checked(async ({ name, query, planId, acceptRisk }) => {
      const loaded = await Effect.runPromiseExit(loadMigrations(migrationsDir))
      if (Exit.isFailure(loaded)) return failure(Option.getOrElse(Cause.failureOption(loaded.cause), () => ({ defect: Cause.squash(loaded.cause) })))
      const wanted = name.trim().replace(/\.sql$/, "")
      const file = loaded.value.find((m) => m.name.replace(/\.sql$/, "") === wanted)
      if (file === undefined) {
        return refuse(
          `"${name}" is not a migration file in ${migrationsDir}`,
          "Only files in the migrations directory can be applied; add the SQL as a new migration file (aim new), then call apply_migrations.",
        )
      }
      if (checksumOf(query) !== file.checksum) {
        return refuse(
          `query is not the content of ${file.name} (edited or different SQL)`,
          `Send the file's content unchanged (resource aim://migrations/${file.name}), or call apply_migrations with confirm: true.`,
        )
      }
      const status = await runtime.run(Effect.flatMap(Migrator, (m) => m.status))
      if (Exit.isSuccess(status)) {
        const first = status.value.pending[0]
        const applied = status.value.applied.some((a) => a.version === file.version)
        if (applied) {
          const pending = status.value.pending.map((p) => ({ version: p.version, name: p.name }))
          return run(
            Effect.flatMap(Verifier, (v) => v.run),
            (verify) => ok(`${file.name} is already applied: nothing to do`, { applied: [], pending, verify }),
          )
        }
        if (first !== undefined && first.version !== file.version) {
          return refuse(
            `${file.name} is not next: ${first.name} is pending before it`,
            "Migrations run in order: apply them in order, or call apply_migrations with confirm: true and upTo.",
          )
        }
      }
      // The same approval as apply_migrations: the plan up to this file, by its planId.
      return applyApproved(context, planId, acceptRisk ?? [], file.version, (result) =>
        ok(`applied ${result.applied.map((a) => a.name).join(", ")}; verification ${result.verify.ok ? "passed" : "FAILED"}`, result),
      )
    }),
  )
}

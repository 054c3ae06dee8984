import { AimConfig, MigrationSource, catalog, docsPath } from "@aim/core"
import { proveOnScratch } from "@aim/core/authoring"
import { pendingLockPlan, planRisk } from "@aim/core/plan"
import { proveRollback } from "@aim/core/rollback"
import { Effect } from "effect"
import { err, out } from "../output.js"
import { report } from "../render.js"
import { lockPlanDocument, printLockPlan } from "./plan.run.js"
import { printPlan, statusDocument } from "./status.js"

// aim migrate's rehearsals, loaded only when asked for (--dry-run, --prove-idempotent, --prove-rollback): the lock
// planner and the scratch-database proof stay out of every other migrate's start.

/** The configured database is never touched: the proof runs on a scratch one. */
export const prove = Effect.gen(function* () {
  const config = yield* AimConfig
  const migrations = yield* (yield* MigrationSource).load
  const proof = yield* proveOnScratch(config.scratch, migrations)
  return report({
    ok: proof.ok,
    document: proof,
    human: Effect.gen(function* () {
      yield* out(`Proving idempotency on a scratch database (${proof.scratch})`)
      for (const f of proof.findings) {
        yield* err(
          `✖ [${catalog.notIdempotent.code}] ${f.file}: ${f.object} ${f.before === undefined ? "" : `was ${f.before} `}${f.after === undefined ? "is gone" : `became ${f.after}`} on the second run. Fix: ${catalog.notIdempotent.fix} (docs: ${docsPath(catalog.notIdempotent)})`,
        )
      }
      yield* out(
        proof.ok
          ? `✅ idempotent: ${proof.files} files ran twice; ${proof.objects} catalog objects and row counts identical`
          : `✖ not idempotent: ${proof.findings.length} difference(s)`,
      )
    }),
  })
})

/**
 * Every file forward, back to each earlier version and forward again, on a scratch database: each
 * rollback's catalog compared with what the files before it build. The configured database is never touched.
 */
export const proveRollbacks = Effect.gen(function* () {
  const config = yield* AimConfig
  const migrations = yield* (yield* MigrationSource).load
  const proof = yield* proveRollback(config.scratch, migrations)
  return report({
    ok: proof.ok,
    document: proof,
    human: Effect.gen(function* () {
      yield* out(`Proving every rollback on a scratch database (${proof.scratch})`)
      for (const f of proof.findings) yield* err(`✖ ${f.step}: ${f.differences.join("; ")}`)
      yield* out(
        proof.ok
          ? `✅ every way back converges: ${proof.files} files forward, rolled back to each earlier version and forward again, each catalog what its files build`
          : `✖ ${proof.findings.length} rollback(s) did not give what the files before them build`,
      )
    }),
  })
})

/** What would be applied, and what each statement of it would lock (the same plan as aim plan). */
export const rehearse = Effect.gen(function* () {
  const { status, plan } = yield* pendingLockPlan
  const ok = status.refusals.length === 0
  return report({
    ok,
    document: { ok, dryRun: true, ...statusDocument(status), lockPlan: { ...lockPlanDocument(plan), risk: planRisk(plan) } },
    human: Effect.gen(function* () {
      yield* printPlan(status)
      if (plan.pending.length > 0) {
        yield* out("")
        yield* printLockPlan(plan)
      }
    }),
  })
})

import { versionLabel } from "@aim/core"
import { type RollbackReport, rollback } from "@aim/core/rollback"
import { Duration, Effect, Option } from "effect"
import { resolve } from "node:path"
import { currentInvocation } from "../invocation.js"
import { announceEmbedded } from "../layers.js"
import { err, out } from "../output.js"
import { report, reported } from "../render.js"

// aim rollback's work, loaded when it runs.

const printRollback = (r: RollbackReport) =>
  Effect.gen(function* () {
    if (r.files.length === 0) {
      yield* out(
        `✅ nothing to roll back: ${r.from === 0 ? "no migration is applied" : `${versionLabel(r.from)} is the newest applied migration`} (${r.database})`,
      )
      return
    }
    yield* out(
      `${r.dryRun ? "Plan of aim rollback" : "Rolled back"} ${r.database} from ${versionLabel(r.from)} to ${versionLabel(r.to)}: ${r.files.map((f) => f.name).join(", ")}`,
    )
    // The lock plan lists the outside statements first, then the transaction's, in the order they run.
    const planned = r.locks?.statements ?? []
    const print = (statement: string, i: number) => {
      const locks = planned[i]?.locks.map((l) => `${l.mode} on ${l.relation}`).join(", ")
      return out(`    ${statement.split("\n")[0]}${statement.includes("\n") ? " …" : ""}${locks === undefined || locks === "" ? "" : `  [${locks}]`}`)
    }
    if (r.outside.length > 0) {
      yield* out(`  first, each on its own outside the transaction (the reverse of a -- aim:no-transaction file):`)
      for (const [i, statement] of r.outside.entries()) yield* print(statement, i)
    }
    yield* out(`  ${r.statements.length} statement${r.statements.length === 1 ? "" : "s"}, in one transaction under the migration lock:`)
    for (const [i, statement] of r.statements.entries()) yield* print(statement, r.outside.length + i)
    if (r.locks !== undefined) yield* out(`  risk: ${r.locks.risk}`)
    for (const loss of r.losses)
      yield* out(
        `  ${loss.accepted ? "!" : "✖"} ${loss.rows} row${loss.rows === 1 ? "" : "s"} of ${loss.object}${loss.what === "rows" ? "" : ` (${loss.what})`} ${loss.accepted ? (r.dryRun ? "would go (accepted)" : "went (accepted)") : `would go: not accepted (--accept-loss ${loss.object})`}`,
      )
    for (const kept of r.kept) yield* out(`  • ${kept} stays: PostgreSQL cannot remove it in place`)
    for (const seeded of r.seeded)
      yield* out(`  • ${seeded.rows} row${seeded.rows === 1 ? "" : "s"} of ${seeded.object} that the rolled-back files seeded, unchanged since, go with it`)
    if (r.backend.before !== r.backend.after) yield* out(`  the AIM backend release served: ${r.backend.before} → ${r.backend.after}`)
    if (r.backend.unrecorded.length > 0)
      yield* out(
        `  ${r.dryRun ? "would delete" : "deleted"} ${r.backend.unrecorded.length} row(s) of public.schema_migrations: ${r.backend.unrecorded.join(", ")}`,
      )
    for (const saved of r.saved) yield* out(`  saved ${saved.rows} row${saved.rows === 1 ? "" : "s"} of ${saved.object} to ${saved.file} (mode 0600)`)
    if (r.saved.length > 0)
      yield* err("⚠ the saved files hold whatever the rows held (password hashes, webhook secrets, tokens): keep them as you keep a backup")
    yield* out(r.dryRun ? `ℹ dry run: nothing was changed; ${r.next}` : `✅ rolled back to ${versionLabel(r.to)}; ${r.next}`)
  })

/** The handler, for the options rollback.ts defines. */
export const run = reported(
  (options: {
    readonly to: number
    readonly dryRun: boolean
    readonly acceptLoss: ReadonlyArray<string>
    readonly saveData: Option.Option<string>
    readonly lockWait: number
    readonly lockTimeout: number
    readonly json: boolean
  }) =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const invocation = yield* currentInvocation
      const done = yield* rollback({
        to: options.to,
        dryRun: options.dryRun,
        acceptLoss: options.acceptLoss.flatMap((names) => names.split(",").map((name) => name.trim())).filter((name) => name !== ""),
        ...(Option.isSome(options.saveData) ? { saveData: resolve(invocation.cwd, options.saveData.value) } : {}),
        lockWait: Duration.seconds(options.lockWait),
        lockTimeout: Duration.seconds(options.lockTimeout),
      })
      return report({ ok: true, document: { ok: true, ...done }, human: printRollback(done) })
    }),
)

import { type DriftReport, driftOfApplied } from "@aim/core/drift"
import { Effect } from "effect"
import { announceEmbedded, announceRunningMigration } from "../layers.js"
import { oneLine, out } from "../output.js"
import { report, reported } from "../render.js"

// aim drift's work, loaded when it runs.

const sign = { missing: "-", changed: "~", extra: "+", renamed: ">" } as const

const printDrift = (drift: DriftReport) =>
  Effect.gen(function* () {
    yield* out(`Drift: ${drift.database} against the ${drift.files} applied migration files`)
    for (const d of drift.differences) {
      const detail = d.kind === "changed" ? `: ${oneLine(d.expected)} → ${oneLine(d.actual)}` : d.kind === "renamed" ? ` (live name: ${d.from})` : ""
      yield* out(`  ${sign[d.kind]} ${d.kind} ${d.objectType} ${d.name}${detail}${d.known === undefined ? "" : ` (known: ${d.known})`}`)
      if (d.kind !== "extra" || d.known !== undefined) yield* out(`      fix: ${d.fix}`)
    }
    const failing = drift.differences.filter((d) => d.kind !== "extra" && d.known === undefined).length
    if (drift.script.length > 0) yield* out("  aim drift --sql prints every fix above as one script, in the order that converges")
    const extra = drift.differences.filter((d) => d.kind === "extra" && d.known === undefined).length
    const known = drift.differences.filter((d) => d.known !== undefined).length
    yield* out(
      drift.differences.length === 0
        ? "✅ no drift: the database is what its applied migrations make it"
        : `${failing === 0 ? "✅" : "✖"} ${failing} missing, changed or renamed, ${extra} extra (not defined by the files; not a failure), ${known} known difference${known === 1 ? "" : "s"} of a deployed database`,
    )
  })

/** The repair script alone, so that `aim drift --sql > repair.sql` is a file psql runs. */
const printScript = (drift: DriftReport) =>
  Effect.gen(function* () {
    yield* out(`-- aim drift: what makes ${drift.database} what its ${drift.files} applied migration files produce`)
    if (drift.script.length === 0) yield* out("-- nothing to repair")
    for (const statement of drift.script) yield* out(statement)
  })

/** The handler, for the options drift.ts defines. */
export const run = reported((options: { readonly json: boolean; readonly sql: boolean }) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    yield* announceRunningMigration
    const found = yield* driftOfApplied
    return report({ ok: found.ok, document: { ...found }, human: options.sql ? printScript(found) : printDrift(found) })
  }),
)

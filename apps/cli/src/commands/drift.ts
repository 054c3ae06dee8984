import { type DriftReport, driftOfApplied } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { announceEmbedded, withAim } from "../layers.js"
import * as opt from "../options.js"
import { oneLine, out } from "../output.js"
import { report, reported } from "../render.js"

const sign = { missing: "-", changed: "~", extra: "+" } as const

const printDrift = (drift: DriftReport) =>
  Effect.gen(function* () {
    yield* out(`Drift: ${drift.database} against the ${drift.files} applied migration files`)
    for (const d of drift.differences) {
      const detail = d.kind === "changed" ? `: ${oneLine(d.expected)} → ${oneLine(d.actual)}` : ""
      yield* out(`  ${sign[d.kind]} ${d.kind} ${d.objectType} ${d.name}${detail}${d.known === undefined ? "" : ` (known: ${d.known})`}`)
      if (d.kind !== "extra" || d.known !== undefined) yield* out(`      fix: ${d.fix}`)
    }
    const failing = drift.differences.filter((d) => d.kind !== "extra" && d.known === undefined).length
    const extra = drift.differences.filter((d) => d.kind === "extra" && d.known === undefined).length
    const known = drift.differences.filter((d) => d.known !== undefined).length
    yield* out(
      drift.differences.length === 0
        ? "✅ no drift: the database is what its applied migrations make it"
        : `${failing === 0 ? "✅" : "✖"} ${failing} missing or changed, ${extra} extra (not defined by the files; not a failure), ${known} known difference${known === 1 ? "" : "s"} of a deployed database`,
    )
  })

export const drift = Command.make(
  "drift",
  { json: opt.json, migrationsDir: opt.migrationsDir },
  reported(() =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const found = yield* driftOfApplied
      return report({ ok: found.ok, document: { ...found }, human: printDrift(found) })
    }),
  ),
).pipe(
  withAim,
  Command.withDescription(
    "Compare the live database with what its applied migration files produce (built on a scratch database): tables, columns, constraints, indexes, triggers, functions and default policies missing, changed or extra, each with its fix; exit 1 when something the files define is missing or changed",
  ),
)

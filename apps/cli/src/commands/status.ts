import { Migrator, type StatusReport, backendReleases } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { announceEmbedded, announceRunningMigration, withAim } from "../layers.js"
import * as opt from "../options.js"
import { err, out } from "../output.js"
import { report, reported } from "../render.js"

/** The stable JSON shape shared by `status --json` and `migrate --dry-run --json`. */
export const statusDocument = (report: StatusReport) => ({
  database: report.database,
  directory: report.directory,
  upToDate: report.upToDate,
  applied: report.applied.map((a) => ({
    version: a.version,
    name: a.name,
    checksum: a.checksum,
    appliedAt: a.appliedAt,
    durationMs: a.durationMs,
    appliedBy: a.appliedBy,
    method: a.method,
    state: a.state,
  })),
  pending: report.pending.map((p) => ({
    version: p.version,
    name: p.name,
    checksum: p.checksum,
    transactional: p.transactional,
    reason: p.reason,
  })),
  refusals: report.refusals,
  backend: report.coLedger,
})

/** Which AIM backend release the schema serves, as one line: what an operator upgrading the backend needs. */
const backendLine = (report: StatusReport): string => {
  const { release, unrecorded, unknown } = report.coLedger
  const serves =
    release === "current"
      ? `the current release (its ${backendReleases.current.length} files)`
      : release === "guide"
        ? `the guide's release (${backendReleases.guide.length} files), not yet the current one`
        : "no release yet (the guide's 15 files are not all applied)"
  const notes = [
    unrecorded.length > 0 ? `${unrecorded.length} not yet recorded in public.schema_migrations (aim migrate records them)` : "",
    unknown.length > 0 ? `recorded by a newer backend release: ${unknown.join(", ")}` : "",
  ].filter((n) => n !== "")
  return `AIM backend: the schema serves ${serves}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`
}

export const printPlan = (report: StatusReport) =>
  Effect.gen(function* () {
    yield* out(`Database: ${report.database}`)
    yield* out(`Applied: ${report.applied.length}   Pending: ${report.pending.length}`)
    if (report.pending.length === 0 && report.refusals.length === 0) yield* out("The database is up to date: nothing to apply.")
    for (const p of report.pending) {
      yield* out(`  → would apply ${p.name}${p.transactional ? "" : " (no transaction)"}: ${p.reason}`)
    }
    for (const r of report.refusals) yield* err(`  ✖ refused: ${r.detail}`)
  })

const printStatus = (report: StatusReport) =>
  Effect.gen(function* () {
    yield* out(`Database: ${report.database}`)
    yield* out(`Migrations: ${report.directory}`)
    yield* out(`Applied (${report.applied.length}):`)
    for (const a of report.applied) {
      const mark = a.state === "ok" ? "✓" : a.state === "revised" ? "↻" : "✖"
      yield* out(`  ${mark} ${a.name}  ${a.appliedAt}  ${a.durationMs} ms  ${a.checksum.slice(0, 12)}${a.state === "ok" ? "" : `  (${a.state})`}`)
    }
    yield* out(`Pending (${report.pending.length}):`)
    for (const p of report.pending) yield* out(`  • ${p.name}  ${p.checksum.slice(0, 12)}`)
    for (const r of report.refusals) yield* err(`  ✖ ${r.detail}`)
    yield* out(backendLine(report))
    yield* out(
      report.upToDate
        ? "The database is up to date."
        : report.refusals.length > 0
          ? "Refusals must be resolved before migrating."
          : "Run `aim migrate` to apply the pending migrations.",
    )
  })

export const status = Command.make(
  "status",
  { json: opt.json, migrationsDir: opt.migrationsDir },
  reported(() =>
    Effect.gen(function* () {
      yield* announceEmbedded
      yield* announceRunningMigration
      const status = yield* (yield* Migrator).status
      return report({ ok: status.refusals.length === 0, document: { ok: status.refusals.length === 0, ...statusDocument(status) }, human: printStatus(status) })
    }),
  ),
).pipe(withAim, Command.withDescription("List applied and pending migrations, and any refusal"))

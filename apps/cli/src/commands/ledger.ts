import { type AdoptReport, type CatalogChange, LedgerAdmin, LedgerAdminLive, Verifier, type VerifyReport } from "@aim/core"
import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer } from "effect"
import { printChecks } from "../checks.js"
import { announceEmbedded, migratorLayer } from "../layers.js"
import * as opt from "../options.js"
import { CliExit, err, out, printJson, renderFailure } from "../output.js"

interface AdminSettings {
  readonly migrationsDir: string
  readonly lockWait: number
  readonly lockTimeout: number
}

const layerFor = (settings: AdminSettings) => {
  const migrator = { lockWait: `${settings.lockWait} seconds`, lockTimeout: `${settings.lockTimeout} seconds` } as const
  return LedgerAdminLive(migrator).pipe(Layer.provideMerge(migratorLayer(settings)))
}

const withAdmin = <A extends object, E>(
  json: boolean,
  settings: AdminSettings,
  f: (admin: LedgerAdmin["Type"]) => Effect.Effect<A, E>,
  render: (a: A) => Effect.Effect<void>,
) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    const result = yield* f(yield* LedgerAdmin)
    if (json) yield* printJson({ ok: true, ...result })
    else yield* render(result)
  }).pipe(
    Effect.catchIf(
      (e) => !(e instanceof CliExit),
      (e) => renderFailure(e, json),
    ),
    Effect.provide(layerFor(settings)),
    Effect.catchIf(
      (e) => !(e instanceof CliExit),
      (e) => renderFailure(e, json),
    ),
  )

const sign = { added: "+", altered: "~", removed: "-" } as const
const squash = (text: string | undefined) => (text ?? "").replace(/\s+/g, " ").trim()

/**
 * One line per change a reviewer needs: a new table is one line (its columns, constraints and
 * triggers folded into counts; --json keeps every object), an altered object shows before → after.
 */
const describeChanges = (changes: ReadonlyArray<CatalogChange>): ReadonlyArray<string> => {
  const newTables = new Set(changes.filter((c) => c.change === "added" && c.object.startsWith("table:")).map((c) => c.object.slice("table:".length)))
  const partOfNewTable = (c: CatalogChange) => {
    const [kind, name = ""] = c.object.split(":")
    return c.change === "added" && kind !== "table" && kind !== "index" && newTables.has(kind === "rows" ? name : (name.split(".")[0] ?? ""))
  }
  return changes.flatMap((c) => {
    if (partOfNewTable(c)) return []
    const [kind, name = ""] = c.object.split(":")
    if (kind === "table" && c.change === "added") {
      const count = (k: string) => changes.filter((o) => o.change === "added" && o.object.startsWith(`${k}:${name}.`)).length
      const counted = (k: string) => `${count(k)} ${k}${count(k) === 1 ? "" : "s"}`
      return [`+ table ${name} (${counted("column")}, ${counted("constraint")}, ${counted("trigger")})`]
    }
    if (kind === "rows") return [`${sign[c.change]} rows in ${name}: ${c.before ?? 0} → ${c.after ?? 0}`]
    if (c.change === "altered" && kind !== "function") return [`~ ${kind} ${name}: ${squash(c.before)} → ${squash(c.after)}`]
    return [`${sign[c.change]} ${kind} ${name}`]
  })
}

const printAdoption = (report: AdoptReport) =>
  Effect.gen(function* () {
    yield* out(
      `${report.dryRun ? "Dry run of aim adopt" : "Adopting"} ${report.database}: migrated by the deployed AIM backend (${report.deployedLedger} rows in public.schema_migrations)`,
    )
    for (const file of report.files) {
      if (file.action === "recorded") {
        yield* out(
          `  • ${file.name}: ${report.dryRun ? "would be recorded" : "recorded"} without running it: the deployed backend applied it as ${file.deployedAs ?? file.name} and it is not one of aim's idempotent files`,
        )
        continue
      }
      yield* out(
        `  ✓ ${file.name}: ${file.changes.length === 0 ? "nothing to change" : `${file.changes.length} change${file.changes.length === 1 ? "" : "s"}`} (${file.durationMs} ms)`,
      )
      for (const line of describeChanges(file.changes)) yield* out(`      ${line}`)
    }
    for (const name of report.unknownInLegacy) yield* err(`  ! ${name} is in the deployed backend's ledger but not in the migrations directory`)
    const ran = report.files.filter((f) => f.action === "ran").length
    const recorded = report.files.length - ran
    if (report.files.length === 0) yield* out("✅ nothing to adopt: every file is already in aim's ledger")
    else if (report.dryRun)
      yield* out(
        `✅ dry run: ${ran} file${ran === 1 ? "" : "s"} would run, ${recorded} would be recorded; nothing was changed (everything ran in a transaction that was rolled back). Run aim adopt to apply.`,
      )
    else yield* out(`✅ adopted: ${ran} file${ran === 1 ? "" : "s"} ran, ${recorded} recorded; aim migrate takes it from here`)
  })

export const adopt = Command.make(
  "adopt",
  {
    json: opt.json,
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Run everything in a transaction that is rolled back: print the catalog diff, change nothing"),
    ),
    migrationsDir: opt.migrationsDir,
    lockWait: opt.lockWait,
    lockTimeout: opt.lockTimeout,
  },
  ({ json, dryRun, ...settings }) =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const report = yield* (yield* LedgerAdmin).adopt({ dryRun })
      // Adoption ends with the guide's checks, as aim migrate does; a dry run changed nothing to check.
      const verification: VerifyReport | undefined = dryRun ? undefined : yield* (yield* Verifier).run
      const ok = verification?.ok ?? true
      if (json) yield* printJson({ ok, ...report, ...(verification === undefined ? {} : { verify: verification }) })
      else {
        yield* printAdoption(report)
        if (verification !== undefined) yield* printChecks("Verifying", verification)
      }
      if (!ok) return yield* new CliExit({ code: 1 })
    }).pipe(
      Effect.catchIf(
        (e) => !(e instanceof CliExit),
        (e) => renderFailure(e, json),
      ),
      Effect.provide(layerFor(settings)),
      Effect.catchIf(
        (e) => !(e instanceof CliExit),
        (e) => renderFailure(e, json),
      ),
    ),
).pipe(
  Command.withDescription(
    "Take over a database the deployed AIM backend migrated: run aim's idempotent files on it under the migration lock, each in its own transaction with its ledger row, print what each changed, then verify (--dry-run: the same, rolled back)",
  ),
)

const version = Args.integer({ name: "version" }).pipe(Args.withDescription("Migration number, e.g. 7"))
const yes = Options.boolean("yes").pipe(Options.withDescription("Confirm: this changes the ledger"))

export const repair = Command.make("repair", { version, yes, json: opt.json, migrationsDir: opt.migrationsDir }, ({ version, yes, json, migrationsDir }) =>
  yes
    ? withAdmin(
        json,
        { migrationsDir, lockWait: 60, lockTimeout: 5 },
        (a) => a.repair(version),
        (r) =>
          out(
            `✅ re-recorded ${r.name}: checksum ${r.oldChecksum.slice(0, 12)} → ${r.newChecksum.slice(0, 12)} (by ${r.repairedBy}, logged in aim_migrations.repairs)`,
          ),
      )
    : err("✖ [AIM-ADM-001] aim repair changes the ledger and needs --yes. Fix: review the edit (git diff migrations/), then aim repair VERSION --yes").pipe(
        Effect.andThen(new CliExit({ code: 2 })),
      ),
).pipe(Command.withDescription("After a reviewed edit of an applied file, re-record its checksum (needs --yes; logged with who and when)"))

export const baseline = Command.make("baseline", { version, json: opt.json, migrationsDir: opt.migrationsDir }, ({ version, json, migrationsDir }) =>
  withAdmin(
    json,
    { migrationsDir, lockWait: 60, lockTimeout: 5 },
    (a) => a.baseline(version),
    (r) =>
      out(
        `✅ recorded ${r.recorded.length} migrations as applied (baseline), up to ${r.recorded.at(-1) ?? ""}; the database has all ${r.checkedObjects} objects they create`,
      ),
  ),
).pipe(
  Command.withDescription(
    "Record migrations up to VERSION as applied on a hand-built database, after checking it has every table, column, constraint, function and trigger they create",
  ),
)

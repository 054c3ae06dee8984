import { type AdoptReport, type CatalogChange, LedgerAdmin, Verifier, type VerifyReport, catalog } from "@aim/core"
import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { Effect } from "effect"
import { printChecks } from "../printChecks.js"
import { aimLayer, announceEmbedded, withAim } from "../layers.js"
import * as opt from "../options.js"
import { err, oneLine, out } from "../output.js"
import { UsageRefused, report, reported } from "../render.js"

/** A ledger operation's report: `{ ok: true, ...report }` as JSON, `human` otherwise. */
const adminReport = <A extends object>(result: A, human: (a: A) => Effect.Effect<void>) =>
  report({ ok: true, document: { ok: true, ...result }, human: human(result) })

const sign = { added: "+", altered: "~", removed: "-" } as const

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
    if (c.change === "altered" && kind !== "function") return [`~ ${kind} ${name}: ${oneLine(c.before)} → ${oneLine(c.after)}`]
    return [`${sign[c.change]} ${kind} ${name}`]
  })
}

const printAdoption = (adoption: AdoptReport) =>
  Effect.gen(function* () {
    yield* out(
      `${adoption.dryRun ? "Dry run of aim adopt" : "Adopting"} ${adoption.database}: migrated by the deployed AIM backend (${adoption.deployedLedger} rows in public.schema_migrations)`,
    )
    for (const file of adoption.files) {
      if (file.action === "recorded") {
        yield* out(
          `  • ${file.name}: ${adoption.dryRun ? "would be recorded" : "recorded"} without running it: the deployed backend applied it as ${file.deployedAs ?? file.name} and it is not one of aim's idempotent files`,
        )
        continue
      }
      yield* out(
        `  ✓ ${file.name}: ${file.changes.length === 0 ? "nothing to change" : `${file.changes.length} change${file.changes.length === 1 ? "" : "s"}`} (${file.durationMs} ms)`,
      )
      for (const line of describeChanges(file.changes)) yield* out(`      ${line}`)
    }
    for (const name of adoption.unknownInLegacy)
      yield* err(`  ! ${name} is in the deployed backend's ledger but of no backend release this aim knows (a newer backend release?)`)
    if (adoption.backendRecorded.length > 0)
      yield* out(
        `  ${adoption.dryRun ? "would record" : "recorded"} for the AIM backend's runner (public.schema_migrations): ${adoption.backendRecorded.join(", ")}`,
      )
    const ran = adoption.files.filter((f) => f.action === "ran").length
    const recorded = adoption.files.length - ran
    if (adoption.files.length === 0) yield* out("✅ nothing to adopt: every file is already in aim's ledger")
    else if (adoption.dryRun)
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
  reported(({ dryRun }) =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const adoption = yield* (yield* LedgerAdmin).adopt({ dryRun })
      // Adoption ends with the guide's checks, as aim migrate does; a dry run changed nothing to check.
      const verification: VerifyReport | undefined = dryRun ? undefined : yield* (yield* Verifier).run
      const ok = verification?.ok ?? true
      return report({
        ok,
        document: { ok, ...adoption, ...(verification === undefined ? {} : { verify: verification }) },
        human: Effect.gen(function* () {
          yield* printAdoption(adoption)
          if (verification !== undefined) yield* printChecks("Verifying", verification)
        }),
      })
    }),
  ),
).pipe(
  withAim,
  Command.withDescription(
    "Take over a database the deployed AIM backend migrated: run aim's idempotent files on it under the migration lock, each in its own transaction with its ledger row, print what each changed, then verify (--dry-run: the same, rolled back)",
  ),
)

// A command that rewrites the ledger takes the version as plain decimal digits only: `1e1` or `0x3`
// (which a number parser reads as 10 and 3) is a usage error, never another migration's row.
const version = Args.text({ name: "version" }).pipe(
  Args.withDescription("Migration number, e.g. 7"),
  Args.mapEffect((text) =>
    /^[0-9]{1,10}$/.test(text) && Number(text) <= 2_147_483_647
      ? Effect.succeed(Number(text))
      : Effect.fail(HelpDoc.p(`VERSION must be a migration number in plain decimal digits, from 0 to 2147483647 (got ${JSON.stringify(text)})`)),
  ),
)
const yes = Options.boolean("yes").pipe(Options.withDescription("Confirm: this changes the ledger"))

const repairChecksum = (version: number) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    const repaired = yield* (yield* LedgerAdmin).repair(version)
    return adminReport(repaired, (r) =>
      out(
        `✅ re-recorded ${r.name}: checksum ${r.oldChecksum.slice(0, 12)} → ${r.newChecksum.slice(0, 12)} (by ${r.repairedBy}, logged in aim_migrations.repairs)`,
      ),
    )
  })

export const repair = Command.make(
  "repair",
  { version, yes, json: opt.json, migrationsDir: opt.migrationsDir },
  reported(({ version, yes, migrationsDir }) =>
    Effect.gen(function* () {
      // Refused before connecting: without the confirmation nothing is opened, let alone changed.
      if (!yes) {
        return yield* new UsageRefused({
          entry: catalog.ledgerAdminRefused,
          message: "aim repair changes the ledger and needs --yes; review the edit (git diff migrations/), then run aim repair VERSION --yes",
        })
      }
      return yield* repairChecksum(version).pipe(Effect.provide(aimLayer({ migrationsDir })))
    }),
  ),
).pipe(Command.withDescription("After a reviewed edit of an applied file, re-record its checksum (needs --yes; logged with who and when)"))

export const baseline = Command.make(
  "baseline",
  { version, json: opt.json, migrationsDir: opt.migrationsDir },
  reported(({ version }) =>
    Effect.gen(function* () {
      yield* announceEmbedded
      const recorded = yield* (yield* LedgerAdmin).baseline(version)
      return adminReport(recorded, (r) =>
        out(
          `✅ recorded ${r.recorded.length} migrations as applied (baseline), up to ${r.recorded.at(-1) ?? ""}; the database has all ${r.checkedObjects} objects they create`,
        ),
      )
    }),
  ),
).pipe(
  withAim,
  Command.withDescription(
    "Record migrations up to VERSION as applied on a hand-built database, after checking it has every table, column, constraint, function and trigger they create",
  ),
)

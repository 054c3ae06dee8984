import { LedgerAdmin, LedgerAdminLive } from "@aim/core"
import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer } from "effect"
import { announceEmbedded, migratorLayer } from "../layers.js"
import * as opt from "../options.js"
import { CliExit, err, out, printJson, renderFailure } from "../output.js"

const layerFor = (migrationsDir: string) => LedgerAdminLive.pipe(Layer.provideMerge(migratorLayer({ migrationsDir, lockWait: 60, lockTimeout: 5 })))

const withAdmin = <A>(json: boolean, migrationsDir: string, f: (admin: LedgerAdmin["Type"]) => Effect.Effect<A, unknown>, render: (a: A) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    const result = yield* f(yield* LedgerAdmin)
    if (json) yield* printJson({ ok: true, ...(result as object) })
    else yield* render(result)
  }).pipe(
    Effect.catchIf((e) => !(e instanceof CliExit), (e) => renderFailure(e, json)),
    Effect.provide(layerFor(migrationsDir)),
    Effect.catchIf((e) => !(e instanceof CliExit), (e) => renderFailure(e, json)),
  )

export const adopt = Command.make("adopt", { json: opt.json, migrationsDir: opt.migrationsDir }, ({ json, migrationsDir }) =>
  withAdmin(json, migrationsDir, (a) => a.adopt, (report) =>
    Effect.gen(function* () {
      yield* out(`✅ adopted ${report.adopted.length} migration${report.adopted.length === 1 ? "" : "s"} from public.schema_migrations (nothing was run)`)
      for (const name of report.unknownInLegacy) yield* err(`  ! ${name} is in the deployed backend's ledger but not in the migrations directory`)
      for (const name of report.notInLegacy) yield* out(`  • ${name} was never applied by the deployed backend: aim migrate will apply it`)
    }),
  ),
).pipe(Command.withDescription("Take over a database migrated by the deployed AIM backend: record its public.schema_migrations in aim's ledger, applying nothing"))

const version = Args.integer({ name: "version" }).pipe(Args.withDescription("Migration number, e.g. 7"))
const yes = Options.boolean("yes").pipe(Options.withDescription("Confirm: this changes the ledger"))

export const repair = Command.make("repair", { version, yes, json: opt.json, migrationsDir: opt.migrationsDir }, ({ version, yes, json, migrationsDir }) =>
  yes
    ? withAdmin(json, migrationsDir, (a) => a.repair(version), (r) => out(`✅ re-recorded ${r.name}: checksum ${r.oldChecksum.slice(0, 12)} → ${r.newChecksum.slice(0, 12)} (by ${r.repairedBy}, logged in aim_migrations.repairs)`))
    : err("✖ [AIM-ADM-001] aim repair changes the ledger and needs --yes. Fix: review the edit (git diff migrations/), then aim repair VERSION --yes").pipe(Effect.andThen(new CliExit({ code: 2 }))),
).pipe(Command.withDescription("After a reviewed edit of an applied file, re-record its checksum (needs --yes; logged with who and when)"))

export const baseline = Command.make("baseline", { version, json: opt.json, migrationsDir: opt.migrationsDir }, ({ version, json, migrationsDir }) =>
  withAdmin(json, migrationsDir, (a) => a.baseline(version), (r) => out(`✅ recorded ${r.recorded.length} migrations as applied (baseline), up to ${r.recorded.at(-1) ?? ""}`)),
).pipe(Command.withDescription("Record migrations up to VERSION as applied on a hand-built database, after checking their tables exist"))

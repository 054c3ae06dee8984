import {
  AimConfig,
  type MigrationEvent,
  MigrationSource,
  Migrator,
  type StatusReport,
  Verifier,
  catalog,
  describeHolder,
  docsPath,
  proveOnScratch,
} from "@aim/core"
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { printChecks } from "../checks.js"
import { announceEmbedded, migratorLayer } from "../layers.js"
import * as opt from "../options.js"
import { CliExit, err, out, printJson, renderFailure } from "../output.js"
import { migrateDatabases } from "./fleet.js"
import { printPlan, statusDocument } from "./status.js"

const noVerify = Options.boolean("no-verify").pipe(Options.withDescription("Skip the verification that runs after applying"))

const proveIdempotent = Options.boolean("prove-idempotent").pipe(
  Options.withDescription("Apply every file to a scratch database, run each again, and compare catalog snapshots; changes nothing here"),
)

/** The configured database is never touched: the proof runs on a scratch one. */
const prove = (json: boolean) =>
  Effect.gen(function* () {
    const config = yield* AimConfig
    const migrations = yield* (yield* MigrationSource).load
    const report = yield* proveOnScratch(config.database, migrations)
    if (json) yield* printJson(report)
    else {
      yield* out(`Proving idempotency on a scratch database (${report.scratch})`)
      for (const f of report.findings) {
        yield* err(
          `✖ [${catalog.notIdempotent.code}] ${f.file}: ${f.object} ${f.before === undefined ? "" : `was ${f.before} `}${f.after === undefined ? "is gone" : `became ${f.after}`} on the second run. Fix: ${catalog.notIdempotent.fix} (docs: ${docsPath(catalog.notIdempotent)})`,
        )
      }
      yield* out(
        report.ok
          ? `✅ idempotent: ${report.files} files ran twice; ${report.objects} catalog objects and row counts identical`
          : `✖ not idempotent: ${report.findings.length} difference(s)`,
      )
    }
    if (!report.ok) return yield* new CliExit({ code: 1 })
  })

const databases = Options.file("databases").pipe(
  Options.withDescription("Migrate every database listed in FILE (one postgres:// URL or database name per line; passwords from the environment)"),
  Options.optional,
)
const concurrency = opt
  .positive("concurrency", "databases")
  .pipe(Options.withDescription("With --databases: how many databases at once"), Options.withDefault(4))

const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Print what would be applied and change nothing"))

const progress = (json: boolean) => (event: MigrationEvent) => {
  if (json) return Effect.void
  switch (event._tag) {
    case "LockWaiting":
      return err(`… waiting for the migration lock${event.holder === undefined ? "" : `, held by ${describeHolder(event.holder)}`}`)
    case "MigrationApplied":
      return out(`  ✓ ${event.name} (${Math.round(event.durationMs)} ms)`)
    default:
      return Effect.void
  }
}

const dryRunOutput = (report: StatusReport, json: boolean) =>
  Effect.gen(function* () {
    if (json) yield* printJson({ ok: report.refusals.length === 0, dryRun: true, ...statusDocument(report) })
    else yield* printPlan(report)
    if (report.refusals.length > 0) return yield* new CliExit({ code: 1 })
  })

interface MigrateOptions {
  readonly json: boolean
  readonly dryRun: boolean
  readonly noVerify: boolean
  readonly proveIdempotent: boolean
  readonly migrationsDir: string
  readonly lockWait: number
  readonly lockTimeout: number
}

/** One database: the configured one (or the embedded default). */
const migrateOne = (options: MigrateOptions) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    if (options.proveIdempotent) return yield* prove(options.json)
    const migrator = yield* Migrator
    if (options.dryRun) return yield* dryRunOutput(yield* migrator.status, options.json)
    if (!options.json) yield* out("✅ Migrating database schema...")
    const report = yield* migrator.apply({ onEvent: progress(options.json) })
    const verification = options.noVerify ? undefined : yield* (yield* Verifier).run
    const ok = verification?.ok ?? true
    if (options.json) {
      yield* printJson({
        ok,
        database: report.database,
        applied: report.applied,
        pending: report.pending,
        upToDate: report.pending.length === 0,
        durationMs: report.durationMs,
        ...(verification === undefined ? {} : { verify: verification }),
      })
      return ok ? undefined : yield* new CliExit({ code: 1 })
    }
    yield* out(
      report.applied.length === 0
        ? "✅ Database migration completed successfully: the database is up to date, nothing to apply"
        : `✅ Database migration completed successfully: ${report.applied.length} migration${report.applied.length === 1 ? "" : "s"} applied in ${report.durationMs} ms`,
    )
    if (verification !== undefined) {
      yield* printChecks("Verifying", verification)
      if (!ok) return yield* new CliExit({ code: 1 })
    }
  }).pipe(
    Effect.catchIf(
      (e) => e._tag !== "CliExit",
      (e) => renderFailure(e, options.json),
    ),
    Effect.provide(migratorLayer(options)),
    Effect.catchIf(
      (e) => e._tag !== "CliExit",
      (e) => renderFailure(e, options.json),
    ),
  )

export const migrate = Command.make(
  "migrate",
  {
    json: opt.json,
    dryRun,
    noVerify,
    proveIdempotent,
    databases,
    concurrency,
    migrationsDir: opt.migrationsDir,
    lockWait: opt.lockWait,
    lockTimeout: opt.lockTimeout,
  },
  ({ databases, concurrency, ...options }) =>
    Option.isSome(databases)
      ? migrateDatabases({ ...options, concurrency, file: databases.value }).pipe(
          Effect.catchIf(
            (e) => !(e instanceof CliExit),
            (e) => renderFailure(e, options.json),
          ),
        )
      : migrateOne(options),
).pipe(Command.withDescription("Apply pending migrations (one transaction per file, under the migration lock)"))

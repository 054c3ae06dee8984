import { type MigrationEvent, Migrator, Verifier, catalog, describeHolder, parseShard } from "@aim/core"
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { printChecks } from "../printChecks.js"
import { aimLayer, announceEmbedded } from "../layers.js"
import * as opt from "../options.js"
import { err, out } from "../output.js"
import { UsageRefused, report, reported } from "../render.js"
import { load } from "../load.js"

const noVerify = Options.boolean("no-verify").pipe(Options.withDescription("Skip the verification that runs after applying"))

const proveIdempotent = Options.boolean("prove-idempotent").pipe(
  Options.withDescription("Apply every file to a scratch database, run each again, and compare catalog snapshots; changes nothing here"),
)

const proveRollback = Options.boolean("prove-rollback").pipe(
  Options.withDescription(
    "Apply every file to a scratch database, roll back to each earlier version and forward again, and compare each catalog with what its files build; changes nothing here",
  ),
)

const databases = Options.file("databases").pipe(
  Options.withDescription("Migrate every database listed in FILE (one postgres:// URL or database name per line; passwords from the environment)"),
  Options.optional,
)
const concurrency = opt
  .positive("concurrency", "databases", 256, "each takes a connection; a server allows 100 by default")
  .pipe(Options.withDescription("With --databases: how many databases at once"), Options.withDefault(4))

const shard = Options.text("shard").pipe(
  Options.withDescription(
    "With --databases: migrate only shard I of N (0-based, e.g. --shard $(JOB_COMPLETION_INDEX)/4 in a Kubernetes Indexed Job); every database falls in exactly one shard",
  ),
  Options.filterMap((text) => Option.fromNullable(parseShard(text)), "--shard must be I/N with N at least 1 and I from 0 to N-1, e.g. 0/4"),
  Options.optional,
)

const dryRun = Options.boolean("dry-run").pipe(
  Options.withDescription("Print what would be applied and what each statement would lock (as aim plan); change nothing"),
)

const retryCause = (sqlState: "55P03" | "40P01") =>
  sqlState === "40P01" ? "a deadlock with application traffic (aim gave way)" : "a table lock held by application traffic"

const progress = (json: boolean) => (event: MigrationEvent) => {
  if (json) return Effect.void
  switch (event._tag) {
    case "LockWaiting":
      return err(`… waiting for the migration lock${event.holder === undefined ? "" : `, held by ${describeHolder(event.holder)}`}`)
    case "MigrationApplied":
      return out(`  ✓ ${event.name} (${Math.round(event.durationMs)} ms)`)
    case "MigrationRetrying":
      return err(`  … ${event.name}: ${retryCause(event.sqlState)}; rolled back, retry ${event.attempt} in ${event.waitMs} ms`)
    default:
      return Effect.void
  }
}

interface MigrateOptions {
  readonly json: boolean
  readonly dryRun: boolean
  readonly noVerify: boolean
  readonly proveIdempotent: boolean
  readonly proveRollback: boolean
}

/** One database: the configured one (or the embedded default). */
const migrateOne = (options: MigrateOptions) =>
  Effect.gen(function* () {
    yield* announceEmbedded
    if (options.proveIdempotent) return yield* (yield* load(() => import("./migrate.rehearsals.js"))).prove
    if (options.proveRollback) return yield* (yield* load(() => import("./migrate.rehearsals.js"))).proveRollbacks
    const migrator = yield* Migrator
    if (options.dryRun) return yield* (yield* load(() => import("./migrate.rehearsals.js"))).rehearse
    if (!options.json) yield* out("✅ Migrating database schema...")
    const applied = yield* migrator.apply({ onEvent: progress(options.json) })
    // Verified against the status the run left: the files and the ledger are read once per aim migrate.
    const verification = options.noVerify ? undefined : yield* (yield* Verifier).runWith(applied.status)
    // A deploy step: only a failure that stops the backend from serving fails it. One fixed through
    // the running backend (the default admin password in production) is printed, and the deploy goes
    // on, so that the admin can log in and change it; `aim verify` still exits 1 on it.
    const ok = verification?.serviceable ?? true
    return report({
      ok,
      document: {
        ok,
        database: applied.database,
        applied: applied.applied,
        pending: applied.pending,
        upToDate: applied.pending.length === 0,
        backendRecorded: applied.backendRecorded,
        ahead: applied.ahead,
        durationMs: applied.durationMs,
        ...(verification === undefined ? {} : { verify: verification }),
      },
      human: Effect.gen(function* () {
        yield* out(
          applied.applied.length === 0
            ? "✅ Database migration completed successfully: the database is up to date, nothing to apply"
            : `✅ Database migration completed successfully: ${applied.applied.length} migration${applied.applied.length === 1 ? "" : "s"} applied in ${applied.durationMs} ms`,
        )
        if (applied.backendRecorded.length > 0)
          yield* out(`  recorded for the AIM backend's runner (public.schema_migrations): ${applied.backendRecorded.join(", ")}`)
        if (applied.ahead.length > 0)
          yield* out(`  the database is ahead of these files: ${applied.ahead.join(", ")} applied by a newer release (left as they are)`)
        if (verification !== undefined) yield* printChecks("Verifying", verification)
        if (verification?.serviceable && !verification.ok)
          yield* out("⚠ the deploy goes on so that the failure above can be fixed through the running backend: fix it now")
      }),
    })
  })

export const migrate = Command.make(
  "migrate",
  {
    json: opt.json,
    dryRun,
    noVerify,
    proveIdempotent,
    proveRollback,
    databases,
    concurrency,
    shard,
    migrationsDir: opt.migrationsDir,
    lockWait: opt.lockWait,
    lockTimeout: opt.lockTimeout,
  },
  reported(({ databases, concurrency, shard, ...options }) =>
    Effect.gen(function* () {
      // A fleet opens each database of its file; otherwise the configured one is opened.
      if (Option.isSome(databases)) {
        // A fleet run migrates: a rehearsal must never become one (it has no write path to take).
        const rehearsal = options.dryRun ? "--dry-run" : options.proveIdempotent ? "--prove-idempotent" : options.proveRollback ? "--prove-rollback" : undefined
        if (rehearsal !== undefined)
          return yield* new UsageRefused({
            entry: catalog.usageInvalid,
            message: `${rehearsal} rehearses one database and --databases migrates many: rehearse on one of them (DATABASE_URL=… aim migrate ${rehearsal}), then run the fleet`,
          })
        const { migrateDatabases } = yield* load(() => import("./fleet.js"))
        return yield* migrateDatabases({ ...options, concurrency, file: databases.value, ...(Option.isSome(shard) ? { shard: shard.value } : {}) })
      }
      if (Option.isSome(shard)) return yield* new UsageRefused({ entry: catalog.usageInvalid, message: "--shard splits a fleet: it needs --databases FILE" })
      return yield* migrateOne(options).pipe(Effect.provide(aimLayer(options)))
    }),
  ),
).pipe(Command.withDescription("Apply pending migrations (one transaction per file, under the migration lock)"))

import {
  blockingFailures,
  AimConfig,
  ServicesConfig,
  AimLive,
  AimServicesLive,
  type ApplyReport,
  Cache,
  type ConnectionError,
  DatabaseLive,
  type Env,
  Mailer,
  type MigrationEvent,
  Migrator,
  Verifier,
  type VerifyReport,
  catalog,
  describeDatabase,
  describeHolder,
  explain,
  invalidSettings,
  isTransient,
  overriddenNotice,
  type HealthOptions,
} from "@aim/core"
import { Data, Duration, Effect, Layer, Schedule } from "effect"

export interface BootOptions {
  /** Environment to read instead of process.env plus `.env` (tests, embedding). */
  readonly env?: Env
  readonly migrationsDir?: string
  /** Wait for another replica's migration lock (default 120 s). */
  readonly lockWait?: Duration.DurationInput
  /** lock_timeout of migration statements (default 5 s). */
  readonly lockTimeout?: Duration.DurationInput
  /** Retries when a migration hits lock_timeout (default 3, exponential backoff from 1 s). */
  readonly lockTimeoutRetries?: number
  /** Retries while the database is still starting or unreachable (default 8, backoff up to 4 s). */
  readonly connectRetries?: number
}

export class VerificationFailed extends Data.TaggedError("VerificationFailed")<{ readonly report: VerifyReport }> {
  override get message(): string {
    const failed = blockingFailures(this.report.checks)
    return `verification failed: ${failed.map((c) => `${c.title} (${c.detail})`).join("; ")}`
  }
}

export interface BootReport {
  readonly database: string
  readonly applied: ApplyReport["applied"]
  readonly verification: VerifyReport
  readonly durationMs: number
}

const backoff = (first: Duration.DurationInput, cap: Duration.DurationInput, retries: number) =>
  Schedule.exponential(first).pipe(
    Schedule.modifyDelay((delay) => Duration.min(delay, Duration.decode(cap))),
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(retries)),
  )

/** The database, retried with backoff while it is still starting; auth and config errors fail at once. */
export const databaseWithRetry = (options: BootOptions = {}) =>
  DatabaseLive().pipe(
    Layer.retry(
      backoff("250 millis", "4 seconds", options.connectRetries ?? 8).pipe(
        Schedule.whileInput(isTransient),
        Schedule.tapInput((error: ConnectionError) => Effect.logWarning(`database not reachable yet, retrying: ${error.message}`)),
      ),
    ),
  )

/** The migration stack, its database retried while it starts: everything the boot step needs. */
export const bootLayer = (options: BootOptions = {}) =>
  AimLive({
    migrationsDir: options.migrationsDir ?? "migrations",
    migrator: { lockWait: options.lockWait ?? "120 seconds", lockTimeout: options.lockTimeout ?? "5 seconds" },
    database: databaseWithRetry(options),
    ...(options.env === undefined ? {} : { env: options.env }),
  })

/**
 * The services built after the database is ready: the cache (Redis or in-memory), the mailer and
 * the health report.
 */
export const servicesLayer = (health: HealthOptions = {}) => AimServicesLive({ mailer: { timeoutMs: 5000 }, health })

/** Reports the cache chosen and checks SMTP; neither can fail the boot (the guide: Redis is optional). */
export const bootServices = Effect.gen(function* () {
  const config = yield* ServicesConfig
  const cache = yield* Cache
  yield* Effect.logInfo(`Redis: ${yield* cache.status}`).pipe(Effect.annotateLogs({ cache: yield* cache.backend }))
  const invalidSmtp = invalidSettings("SMTP", config.problems)
  if (invalidSmtp !== undefined) {
    return yield* Effect.logWarning(`SMTP settings are invalid (${invalidSmtp.problems}): SMTP is not used; welcome and approval emails are disabled`).pipe(
      Effect.annotateLogs({ code: catalog.configInvalid.code, fix: invalidSmtp.fix }),
    )
  }
  if (config.smtp === undefined)
    return yield* Effect.logWarning("SMTP not configured: welcome and approval emails are disabled").pipe(
      Effect.annotateLogs({ code: catalog.emailNotConfigured.code }),
    )
  yield* (yield* Mailer).check.pipe(
    Effect.andThen((check) => Effect.logInfo(`SMTP ready: ${check.target} (${check.tls})`)),
    Effect.catchAll((error) => {
      const { entry, message } = explain(error)
      return Effect.logWarning(`SMTP check failed: ${message}`).pipe(Effect.annotateLogs({ code: entry.code, fix: entry.fix }))
    }),
  )
})

const logEvent = (event: MigrationEvent) => {
  switch (event._tag) {
    case "LockWaiting":
      return Effect.logInfo(
        event.holder === undefined ? "another process holds the migration lock; waiting" : `migration lock held by ${describeHolder(event.holder)}; waiting`,
      ).pipe(
        Effect.annotateLogs(
          event.holder === undefined ? {} : { holderPid: event.holder.pid, holder: event.holder.applicationName, since: event.holder.since ?? "" },
        ),
      )
    case "MigrationApplied":
      return Effect.logInfo(`applied ${event.name}`).pipe(Effect.annotateLogs({ version: event.version, durationMs: event.durationMs }))
    case "MigrationRetrying":
      return Effect.logWarning(`${event.name} lost a lock race with application traffic; rolled back, retrying`).pipe(
        Effect.annotateLogs({ version: event.version, sqlState: event.sqlState, attempt: event.attempt, waitMs: event.waitMs }),
      )
    default:
      return Effect.void
  }
}

/**
 * Migrate on boot, exactly once across replicas: take the lock, apply what is pending (retrying a
 * bounded number of times when application traffic makes a migration hit lock_timeout), verify.
 */
export const bootDatabase = (options: BootOptions = {}) =>
  Effect.gen(function* () {
    const started = performance.now()
    const config = yield* AimConfig
    const services = yield* ServicesConfig
    const migrator = yield* Migrator
    const verifier = yield* Verifier
    if (config.overridden.length > 0) yield* Effect.logWarning(overriddenNotice(config.overridden))
    // A setting that is set but refused (a health token too short, a FRONTEND_URL that is no URL, Redis
    // half configured) is switched off: said once at boot, never silently. SMTP says its own below.
    for (const problem of services.problems.filter((p) => !p.variable.startsWith("SMTP_"))) {
      yield* Effect.logWarning(`${problem.variable} ${problem.problem}: not used`).pipe(
        Effect.annotateLogs({ code: (problem.entry ?? catalog.configInvalid).code, fix: problem.fix }),
      )
    }
    yield* Effect.logInfo("✅ Migrating database schema...").pipe(Effect.annotateLogs({ database: describeDatabase(config.database) }))
    const report = yield* migrator.apply({ onEvent: logEvent }).pipe(
      Effect.tapError((e) =>
        e._tag === "MigrationFailed" && e.sqlState === "55P03" ? Effect.logWarning(`lock_timeout in ${e.name}; retrying with backoff`) : Effect.void,
      ),
      Effect.retry({
        schedule: backoff("1 second", "8 seconds", options.lockTimeoutRetries ?? 3),
        while: (e) => e._tag === "MigrationFailed" && e.sqlState === "55P03",
      }),
    )
    const verification = yield* verifier.runWith(report.status)
    for (const check of verification.checks.filter((c) => c.status === "warn")) {
      yield* Effect.logWarning(`${check.title}: ${check.detail}`).pipe(Effect.annotateLogs({ code: check.code ?? "" }))
    }
    // A failure fixed through the backend itself (the default password in production) is logged as an
    // error, and the backend serves so that the admin can log in and change it.
    for (const check of verification.checks.filter((c) => c.status === "fail" && !blockingFailures([c]).length)) {
      yield* Effect.logError(`${check.title}: ${check.detail}; fix: ${check.fix ?? ""}`).pipe(Effect.annotateLogs({ code: check.code ?? "" }))
    }
    if (!verification.serviceable) return yield* new VerificationFailed({ report: verification })
    yield* Effect.logInfo("✅ Database migration completed successfully").pipe(
      Effect.annotateLogs({ applied: report.applied.length, upToDate: report.applied.length === 0 }),
    )
    return {
      database: report.database,
      applied: report.applied,
      verification,
      durationMs: Math.round(performance.now() - started),
    } satisfies BootReport
  }).pipe(Effect.withSpan("aim boot", { attributes: { "db.system.name": "postgresql" } }))

import { Context, Duration, Effect, Either, Layer, Option, Ref } from "effect"
import * as v from "valibot"
import { Cache, type CacheStatus } from "../cache/Cache.js"
import { Database } from "../database/Database.js"
import { readLedger } from "../ledger/Ledger.js"
import { type LockHolder, lockHolder } from "../migrator/MigrationLock.js"
import type { MigrationSourceError, MigrationsDirectoryMissing } from "../source/MigrationSourceError.js"
import { MigrationSource } from "../source/MigrationSource.js"
import { Migrator, type MigratorShape, type StatusReport } from "../migrator/Migrator.js"
import { type CoLedgerServing, type FilesPlan, type Plan, servingNone } from "../ledger/ledgerPlan.js"
import { aimService } from "../aim/product.js"
import { type CatalogEntry, catalog, docsPath, findEntry } from "../errors/catalog.js"
import { explain, refusalEntry } from "../diagnose/diagnose.js"
import { Verifier } from "../verify/Verifier.js"
import { type Check, type VerifyReport, blockingFailures } from "../verify/VerifyReport.js"

export interface Liveness {
  readonly status: "healthy"
  readonly service: string
  readonly version: string
  readonly time: string
}

export interface Reason {
  readonly code: string
  readonly message: string
  readonly docs: string
}

export interface Dependency {
  readonly status: string
  readonly latencyMs: number
}

export interface Readiness {
  readonly ready: boolean
  readonly database: "connected" | "unavailable"
  readonly redis: CacheStatus
  readonly migrations: { readonly applied: number; readonly pending: number; readonly drift: number }
  readonly verification: { readonly ok: boolean; readonly cached: boolean } | undefined
  readonly dependencies: { readonly database: Dependency; readonly redis: Dependency }
  /** Why not ready; empty when ready. */
  readonly reasons: ReadonlyArray<Reason>
  /** Failed checks that do not make the replica unready, because they are fixed through it (the default admin password in production). */
  readonly advisories: ReadonlyArray<Reason>
  /** The first reason, in the deployed backend's `{ready:false, error}` shape. */
  readonly error?: string
}

export interface MigrationsView extends Omit<FilesPlan, "ahead"> {
  readonly database: string
  /** What the applied files give the AIM backend's runner (the plan's co-ledger). */
  readonly backend: CoLedgerServing
  readonly lockHolder: LockHolder | null
}

export interface HealthReportShape {
  readonly liveness: Effect.Effect<Liveness>
  readonly readiness: Effect.Effect<Readiness>
  readonly migrations: Effect.Effect<MigrationsView, MigrationsViewError>
}

export type MigrationsViewError = Effect.Effect.Error<MigratorShape["status"]>

const isSourceError = (error: MigrationsViewError): error is MigrationSourceError | MigrationsDirectoryMissing =>
  error._tag === "MigrationSourceError" || error._tag === "MigrationsDirectoryMissing"

export class HealthReport extends Context.Tag("@aim/core/HealthReport")<HealthReport, HealthReportShape>() {}

export interface HealthOptions {
  readonly service?: string
  readonly version?: string
  /** How long a verification result is reused (default 5 s): probes cost one ledger query. */
  readonly verifyTtl?: Duration.DurationInput
}

const reason = (entry: CatalogEntry, message: string): Reason => ({ code: entry.code, message, docs: docsPath(entry) })

const ReasonSchema = v.object({ code: v.string(), message: v.string(), docs: v.string() })
const CachedVerificationSchema = v.object({ ok: v.boolean(), reasons: v.array(ReasonSchema), advisories: v.array(ReasonSchema) })
type CachedVerification = v.InferOutput<typeof CachedVerificationSchema>
/**
 * A verification read back from the shared cache, decoded: Redis is shared (another release of aim,
 * another application, an operator's SET), and anything under the key that is not a verification
 * is a miss, verified afresh, never a failed probe or a wrong answer.
 */
const decodeCached = (text: string): Option.Option<CachedVerification> => {
  try {
    const decoded = v.safeParse(CachedVerificationSchema, JSON.parse(text))
    return decoded.success ? Option.some(decoded.output) : Option.none()
  } catch {
    return Option.none()
  }
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const t0 = performance.now()
    const result = yield* Effect.either(effect)
    return { result, latencyMs: Math.round((performance.now() - t0) * 10) / 10 }
  })

/**
 * Readiness lists every failure, but only a blocking one makes the replica unready: with the default
 * password still working in production, the admin must reach /auth/login to change it.
 */
const cachedVerificationOf = (report: VerifyReport): CachedVerification => {
  const asReason = (c: Check): Reason => ({
    code: c.code ?? catalog.internal.code,
    message: `${c.title}: ${c.detail}`,
    docs: docsPath(findEntry(c.code ?? "") ?? catalog.internal),
  })
  const blocking = blockingFailures(report.checks)
  return {
    ok: report.serviceable,
    reasons: blocking.map(asReason),
    advisories: report.checks.filter((c) => c.status === "fail" && !blocking.includes(c)).map(asReason),
  }
}

export const makeHealthReport = (options: HealthOptions = {}) =>
  Effect.gen(function* () {
    const db = yield* Database
    const migrator = yield* Migrator
    // Files do not change under a running process: read and checksum them once, not on every probe.
    // Each probe reads the ledger once (its status, which doubles as the database probe); a
    // verification on a cache miss takes that status instead of reading files and ledger again.
    const status = Effect.flatMap(yield* Effect.cached((yield* MigrationSource).load), migrator.statusOf)
    // The latest status a readiness probe read, for the next verification to reuse (a Ref: probes run concurrently).
    const probed = yield* Ref.make<StatusReport | undefined>(undefined)
    const verifier = yield* Verifier
    const cache = yield* Cache
    const service = options.service ?? aimService.service
    const version = options.version ?? aimService.version
    const ttl = options.verifyTtl ?? "5 seconds"
    const cacheKey = `aim:health:verify:${db.target}`

    // One verification in flight per process: probes that miss the cache at once share it instead of
    // each running every check (a burst of 120 probes would otherwise run 120 verifications).
    const verifyOnce = yield* Effect.cachedWithTTL(
      Effect.gen(function* () {
        const last = yield* Ref.get(probed)
        const report = yield* last === undefined ? verifier.run : verifier.runWith(last)
        const fresh = cachedVerificationOf(report)
        yield* cache.set(cacheKey, JSON.stringify(fresh), ttl)
        return fresh
      }),
      // Never longer than the shared cache's TTL: a test or an operator asking for fresh results gets them.
      Duration.min(Duration.decode(ttl), Duration.seconds(1)),
    )

    const verification = Effect.gen(function* () {
      const cached = Option.flatMap(yield* cache.get(cacheKey), decodeCached)
      if (Option.isSome(cached)) return { ...cached.value, cached: true }
      return { ...(yield* verifyOnce), cached: false }
    })

    const readiness: Effect.Effect<Readiness> = Effect.gen(function* () {
      const redisProbe = yield* timed(cache.get("aim:health:ping"))
      const redis = yield* cache.status
      const redisDependency = { status: redis, latencyMs: redisProbe.latencyMs }
      // The status's ledger query doubles as the database probe; when the files cannot be read, the
      // ledger alone is read, so a broken directory is not mistaken for a database that is down.
      const current = yield* timed(status)
      if (current.result._tag === "Right") yield* Ref.set(probed, current.result.right)
      const noPlan: Plan = { applied: [], pending: [], refusals: [], ahead: [], coLedger: servingNone }
      const filesFailed = current.result._tag === "Left" && isSourceError(current.result.left) ? current.result.left : undefined
      const ledger =
        filesFailed === undefined
          ? { result: Either.map(current.result, (s): Plan => s), latencyMs: current.latencyMs }
          : yield* timed(Effect.as(readLedger(db.query), noPlan))
      if (ledger.result._tag === "Left") {
        const { entry, message } = explain(ledger.result.left)
        const first = reason(entry, `database unavailable: ${message}`)
        return {
          ready: false,
          database: "unavailable",
          redis,
          migrations: { applied: 0, pending: 0, drift: 0 },
          verification: undefined,
          dependencies: { database: { status: "unavailable", latencyMs: ledger.latencyMs }, redis: redisDependency },
          reasons: [first],
          advisories: [],
          error: first.message,
        } satisfies Readiness
      }
      const reasons: Array<Reason> = []
      const ahead: Array<Reason> = []
      const plan = ledger.result.right
      if (filesFailed !== undefined) {
        const { entry, message } = explain(filesFailed)
        reasons.push(reason(entry, message))
      } else {
        if (plan.pending.length > 0) {
          reasons.push(reason(catalog.migrationsPending, `${plan.pending.length} migration(s) pending: ${plan.pending.map((p) => p.name).join(", ")}`))
        }
        // Rows of files newer than this release's newest: a newer release migrated during a rolling
        // update. This replica keeps serving (its files are all applied), or the update would take
        // every old replica out of the Service before a new one is ready; the operator is told.
        for (const r of plan.refusals) {
          if (plan.ahead.includes(r))
            ahead.push(reason(refusalEntry(r.kind), `${r.detail}: applied by a newer release than this one (a rolling update); this replica keeps serving`))
          else reasons.push(reason(refusalEntry(r.kind), r.detail))
        }
      }
      // Verification only means something once the ledger agrees with the files.
      const verified = reasons.length === 0 ? yield* Effect.either(verification) : undefined
      if (verified?._tag === "Left") {
        const { entry, message } = explain(verified.left)
        reasons.push(reason(entry, `verification could not run: ${message}`))
      } else if (verified?._tag === "Right") {
        reasons.push(...verified.right.reasons)
      }
      return {
        ready: reasons.length === 0,
        database: "connected",
        redis,
        migrations: { applied: plan.applied.length, pending: plan.pending.length, drift: plan.refusals.length },
        verification: verified?._tag === "Right" ? { ok: verified.right.ok, cached: verified.right.cached } : undefined,
        dependencies: { database: { status: "connected", latencyMs: ledger.latencyMs }, redis: redisDependency },
        reasons,
        // A verification cached by an earlier release has no advisories.
        advisories: [...ahead, ...(verified?._tag === "Right" ? (verified.right.advisories ?? []) : [])],
        ...(reasons[0] === undefined ? {} : { error: reasons[0].message }),
      } satisfies Readiness
    })

    const migrationsView = Effect.gen(function* () {
      const { applied, pending, refusals, coLedger: backend } = yield* status
      const holder = yield* lockHolder(db.query).pipe(Effect.map(Option.getOrNull))
      return { database: db.target, applied, pending, refusals, backend, lockHolder: holder } satisfies MigrationsView
    })

    return HealthReport.of({
      liveness: Effect.sync(() => ({ status: "healthy", service, version, time: new Date().toISOString() })),
      readiness,
      migrations: migrationsView,
    })
  })

export const HealthReportLive = (options: HealthOptions = {}): Layer.Layer<HealthReport, never, Database | MigrationSource | Migrator | Verifier | Cache> =>
  Layer.effect(HealthReport, makeHealthReport(options))

import { createHash, timingSafeEqual } from "node:crypto"
import { HealthReport, ServicesConfig, type Readiness, catalog, docsPath, explain } from "@aim/core"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Redacted } from "effect"

// Probes must never be answered from a cache between the prober and us.
const headers = { "cache-control": "no-store" }

const json = (body: unknown, status = 200) => HttpServerResponse.json(body, { status, headers })

const digest = (text: string) => createHash("sha256").update(text).digest()

/**
 * Whether this request may see the detail: it carries `Authorization: Bearer AIM_HEALTH_TOKEN`
 * (compared in constant time). Not the peer's address: behind a proxy on the same host every request
 * would come from loopback.
 */
const withDetail = Effect.gen(function* () {
  const token = (yield* ServicesConfig).app.healthToken
  if (token === undefined) return false
  const request = yield* HttpServerRequest.HttpServerRequest
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1]?.trim()
  return given !== undefined && timingSafeEqual(digest(given), digest(Redacted.value(token)))
})

/**
 * What an unauthenticated prober needs: ready or not, and the codes that say why not (their pages
 * too). Not the advisories: they are for the operator, and one of them (AIM-VER-002) would tell anyone
 * who reaches the port that the published admin password still works.
 */
const publicReadiness = (body: Readiness) => ({
  ready: body.ready,
  reasons: body.reasons.map(({ code, docs }) => ({ code, docs })),
  ...(body.reasons[0] === undefined ? {} : { error: body.reasons[0].code }),
})

const locked = () => {
  const entry = catalog.healthDetailLocked
  return json({ ok: false, code: entry.code, error: entry.title, fix: entry.fix, docs: docsPath(entry) }, 401)
}

/**
 * GET /health (liveness, no database), /health/ready (200 or 503 with the codes of its reasons),
 * /health/migrations (applied, pending, checksums, lock holder). Unauthenticated requests get status
 * and codes only; the detail (database user and host, who ran what from where, server messages) needs
 * the health token. Mount it in any Effect HTTP app.
 */
export const healthRouter = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/health",
    Effect.all([Effect.flatMap(HealthReport, (h) => h.liveness), withDetail]).pipe(
      Effect.flatMap(([body, detail]) => json(detail ? body : { status: body.status })),
    ),
  ),
  HttpRouter.get(
    "/health/ready",
    Effect.all([Effect.flatMap(HealthReport, (h) => h.readiness), withDetail]).pipe(
      Effect.flatMap(([body, detail]) => json(detail ? body : publicReadiness(body), body.ready ? 200 : 503)),
    ),
  ),
  HttpRouter.get(
    "/health/migrations",
    Effect.flatMap(withDetail, (detail) =>
      detail
        ? Effect.flatMap(HealthReport, (h) => h.migrations).pipe(
            Effect.matchEffect({
              onSuccess: (body) => json(body),
              // The same coded shape as every other failure: what happened, its code, the fix and the page.
              onFailure: (error) => {
                const { entry, message } = explain(error)
                return json({ ok: false, error: message, code: entry.code, fix: entry.fix, docs: docsPath(entry) }, 503)
              },
            }),
          )
        : locked(),
    ),
  ),
)

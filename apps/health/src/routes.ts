import { HealthReport, diagnose, docsPath } from "@aim/core"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

// Probes must never be answered from a cache between the prober and us.
const headers = { "cache-control": "no-store" }

const json = (body: unknown, status = 200) => HttpServerResponse.json(body, { status, headers })

/**
 * GET /health (liveness, no database), /health/ready (200 or 503 with reasons),
 * /health/migrations (applied, pending, checksums, lock holder). Mount it in any Effect HTTP app.
 */
export const healthRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/health", Effect.flatMap(HealthReport, (h) => h.liveness).pipe(Effect.flatMap((body) => json(body)))),
  HttpRouter.get("/health/ready", Effect.flatMap(HealthReport, (h) => h.readiness).pipe(Effect.flatMap((body) => json(body, body.ready ? 200 : 503)))),
  HttpRouter.get(
    "/health/migrations",
    Effect.flatMap(HealthReport, (h) => h.migrations).pipe(
      Effect.flatMap((body) => json(body)),
      // The same coded shape as every other failure: what happened, its code, the fix and the page.
      Effect.catchAll((error) => {
        const { entry, message } = diagnose(error)
        return json({ ok: false, error: message, code: entry.code, fix: entry.fix, docs: docsPath(entry) }, 503)
      }),
    ),
  ),
)

#!/usr/bin/env node
/**
 * The example AIM backend: boots the database the recommended way (migrate on start, exactly once
 * across replicas), then serves the health endpoint. PORT (default 8080; 0 picks a free port), HOST
 * (default 0.0.0.0), MIGRATIONS_DIR (default migrations), LOG_FORMAT=json for JSON lines.
 */
import { healthRouter } from "@aim/health"
import { TelemetryLive } from "@aim/core"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import { createServer } from "node:http"
import { bootDatabase, bootLayer, bootServices, servicesLayer } from "./boot.js"
import { logFailure } from "./failure.js"
import { type ServerSettings, readServerSettings } from "./settings.js"
import { bootLogger } from "./logger.js"
import { environment } from "./environment.js"

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/", HttpServerResponse.text("AIM backend example: see /health, /health/ready, /health/migrations\n")),
  HttpRouter.concat(healthRouter),
)

const serve = (settings: ServerSettings) =>
  Effect.gen(function* () {
    yield* bootServices
    const server = HttpServer.serve(app).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: settings.port, host: settings.host })))
    yield* Layer.launch(
      Layer.effectDiscard(
        HttpServer.addressFormattedWith((address) => Effect.logInfo(`AIM backend ready on ${address}`).pipe(Effect.annotateLogs({ address }))),
      ).pipe(Layer.provideMerge(server)),
    )
  }).pipe(
    Effect.provide(
      servicesLayer({ service: "aim-backend", ...(settings.verifyTtlMs === undefined ? {} : { verifyTtl: `${settings.verifyTtlMs} millis` as const }) }),
    ),
  )

const program = Effect.gen(function* () {
  const settings = yield* readServerSettings()
  yield* bootDatabase(settings.boot).pipe(Effect.andThen(serve(settings)), Effect.provide(bootLayer(settings.boot)))
}).pipe(
  Effect.tapError(logFailure),
  // Spans of the boot are flushed when the server stops; the JSON log lines carry their trace ids.
  Effect.provide(TelemetryLive({ env: environment, serviceName: "aim-backend" }).pipe(Layer.tapError(logFailure))),
  Effect.provide(bootLogger()),
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(0)
    onExit(Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
  },
})

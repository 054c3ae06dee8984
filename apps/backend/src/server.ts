#!/usr/bin/env node
/**
 * The example AIM backend: boots the database the recommended way (migrate on start, exactly once
 * across replicas), then serves the health endpoint. PORT (default 8080; 0 picks a free port), HOST
 * (default 0.0.0.0), MIGRATIONS_DIR (default migrations), LOG_FORMAT=json for JSON lines.
 */
import { healthRouter } from "@aim/health"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import { createServer } from "node:http"
import { bootDatabase, bootLayer, bootServices, servicesLayer } from "./boot.js"
import { logFailure } from "./failure.js"
import { bootLogger } from "./logger.js"

const options = {
  migrationsDir: process.env.MIGRATIONS_DIR ?? "migrations",
  ...(process.env.AIM_LOCK_TIMEOUT_MS === undefined ? {} : { lockTimeout: `${Number(process.env.AIM_LOCK_TIMEOUT_MS)} millis` as const }),
  ...(process.env.AIM_LOCK_TIMEOUT_RETRIES === undefined ? {} : { lockTimeoutRetries: Number(process.env.AIM_LOCK_TIMEOUT_RETRIES) }),
  ...(process.env.AIM_CONNECT_RETRIES === undefined ? {} : { connectRetries: Number(process.env.AIM_CONNECT_RETRIES) }),
}

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/", HttpServerResponse.text("AIM backend example: see /health, /health/ready, /health/migrations\n")),
  HttpRouter.concat(healthRouter),
)

const serve = Effect.gen(function* () {
  yield* bootServices
  const port = Number(process.env.PORT ?? 8080)
  const host = process.env.HOST ?? "0.0.0.0"
  const server = HttpServer.serve(app).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host })))
  yield* Layer.launch(
    Layer.effectDiscard(
      HttpServer.addressFormattedWith((address) => Effect.logInfo(`AIM backend ready on ${address}`).pipe(Effect.annotateLogs({ address }))),
    ).pipe(Layer.provideMerge(server)),
  )
}).pipe(
  Effect.provide(
    servicesLayer({
      service: "aim-backend",
      ...(process.env.AIM_VERIFY_TTL_MS === undefined ? {} : { verifyTtl: `${Number(process.env.AIM_VERIFY_TTL_MS)} millis` as const }),
    }),
  ),
)

const program = bootDatabase(options).pipe(Effect.andThen(serve), Effect.provide(bootLayer(options)), Effect.tapError(logFailure), Effect.provide(bootLogger()))

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(0)
    onExit(Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
  },
})

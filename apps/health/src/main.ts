#!/usr/bin/env node
import { diagnose, docsPath } from "@aim/core"
import { HttpServer } from "@effect/platform"
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { healthLayer } from "./layers.js"
import { healthRouter } from "./routes.js"

/** The health endpoint on its own: PORT (default 8081), MIGRATIONS_DIR (default migrations). */
const port = Number(process.env.PORT ?? 8081)
const server = HttpServer.serve(healthRouter).pipe(
  HttpServer.withLogAddress,
  Layer.provide(NodeHttpServer.layer(createServer, { port, host: process.env.HOST ?? "127.0.0.1" })),
  Layer.provide(healthLayer({ migrationsDir: process.env.MIGRATIONS_DIR ?? "migrations", service: "aim-health" })),
)

NodeRuntime.runMain(
  Layer.launch(server).pipe(
    Effect.catchAll((error) => {
      const { entry, message } = diagnose(error)
      return Effect.logError(`[${entry.code}] ${message}. Fix: ${entry.fix} (docs: ${docsPath(entry)})`).pipe(Effect.andThen(Effect.fail(error)))
    }),
  ),
  { disableErrorReporting: true },
)

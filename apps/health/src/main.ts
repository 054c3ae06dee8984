#!/usr/bin/env node
import { ConfigError, type ConfigProblem, catalog, docsPath, explain, read, readPort } from "@aim/core"
import { HttpServer } from "@effect/platform"
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { healthLayer } from "./layers.js"
import { healthRouter } from "./routes.js"

/** The health endpoint on its own: PORT (default 8081), HOST (default 127.0.0.1), MIGRATIONS_DIR (default migrations). */
const settings = Effect.suspend(() => {
  const problems: Array<ConfigProblem> = []
  const port = readPort(read(process.env, "PORT"), "PORT", 8081, problems)
  return problems.length === 0 ? Effect.succeed({ port, host: process.env.HOST ?? "127.0.0.1" }) : Effect.fail(new ConfigError({ problems }))
})

const server = Effect.flatMap(settings, ({ port, host }) =>
  Layer.launch(
    HttpServer.serve(healthRouter).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port, host })),
      Layer.provide(healthLayer({ migrationsDir: process.env.MIGRATIONS_DIR ?? "migrations", service: "aim-health" })),
    ),
  ),
)

NodeRuntime.runMain(
  server.pipe(
    Effect.catchAll((error) => {
      const { entry, message } =
        error._tag === "ServeError" ? { entry: catalog.listenFailed, message: `cannot listen: ${String(error.cause)}` } : explain(error)
      return Effect.logError(`[${entry.code}] ${message}. Fix: ${entry.fix} (docs: ${docsPath(entry)})`).pipe(Effect.andThen(Effect.fail(error)))
    }),
  ),
  { disableErrorReporting: true },
)

#!/usr/bin/env node
import { ConfigError, type ConfigProblem, catalog, codedLine, explain, loadEnv, readServeSettings } from "@aim/core"
import { HttpServer } from "@effect/platform"
// Deep imports: the package index re-exports undici, which would otherwise land in the bundle.
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { healthLayer } from "./layers.js"
import { healthRouter } from "./routes.js"

/** The health endpoint on its own: PORT (default 8081), HOST (default 127.0.0.1), MIGRATIONS_DIR (default migrations). */
// The environment and .env, read once for these settings and for the configuration.
const environment = loadEnv()
const settings = Effect.suspend(() => {
  const problems: Array<ConfigProblem> = []
  const serve = readServeSettings(environment, { port: 8081, host: "127.0.0.1" }, problems)
  return problems.length === 0 ? Effect.succeed(serve) : Effect.fail(new ConfigError({ problems }))
})

const server = Effect.flatMap(settings, ({ port, host, migrationsDir }) =>
  Layer.launch(
    HttpServer.serve(healthRouter).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port, host })),
      Layer.provide(healthLayer({ migrationsDir, env: environment, service: "aim-health" })),
    ),
  ),
)

NodeRuntime.runMain(
  server.pipe(
    Effect.catchAll((error) => {
      const { entry, message } =
        error._tag === "ServeError" ? { entry: catalog.listenFailed, message: `cannot listen: ${String(error.cause)}` } : explain(error)
      return Effect.logError(codedLine({ entry, message })).pipe(Effect.andThen(Effect.fail(error)))
    }),
  ),
  { disableErrorReporting: true },
)

import { Command } from "@effect/cli"
import { Effect, Logger } from "effect"
import * as opt from "../options.js"

/** Serves until stdin closes; stdout carries only the protocol. */
export const mcp = Command.make("mcp", { migrationsDir: opt.migrationsDir }, ({ migrationsDir }) =>
  Effect.async<void>((resume) => {
    let closing = false
    // The MCP SDK loads only for `aim mcp`.
    const started = import("../mcp/server.js").then(({ startMcpServer }) => startMcpServer({ migrationsDir }))
    const stop = () => {
      if (closing) return
      closing = true
      void started.then((s) => s.close()).finally(() => resume(Effect.void))
    }
    process.stdin.on("end", stop)
    process.stdin.on("close", stop)
    return Effect.sync(stop)
  }).pipe(
    // stdout belongs to the protocol: any log line goes to stderr.
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  ),
).pipe(Command.withDescription("Serve the migrator to AI agents over the Model Context Protocol (stdio), with the CLI's safeguards"))

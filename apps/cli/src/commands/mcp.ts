import { Command, Options } from "@effect/cli"
import { Effect, Logger } from "effect"
import { currentInvocation } from "../invocation.js"
import * as opt from "../options.js"

/** Serves until stdin closes; stdout carries only the protocol. */
const allowApply = Options.boolean("allow-apply").pipe(
  Options.withDescription("Serve the tools that apply migrations (apply_migrations, apply_migration); without it aim mcp is read-only"),
)

export const mcp = Command.make("mcp", { migrationsDir: opt.migrationsDir, allowApply }, ({ migrationsDir, allowApply }) =>
  Effect.flatMap(currentInvocation, (run) =>
    Effect.async<void>((resume) => {
      let closing = false
      // The MCP SDK loads only for `aim mcp`.
      const started = import("../mcp/server.js").then(({ startMcpServer }) =>
        startMcpServer({ migrationsDir, allowApply, env: run.env, cwd: run.cwd, input: run.stdin, output: run.stdout }),
      )
      const stop = () => {
        if (closing) return
        closing = true
        void started.then((s) => s.close()).finally(() => resume(Effect.void))
      }
      run.stdin.on("end", stop)
      run.stdin.on("close", stop)
      return Effect.sync(stop)
    }),
  ).pipe(
    // stdout belongs to the protocol: any log line goes to stderr.
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  ),
).pipe(Command.withDescription("Serve the migrator to AI agents over the Model Context Protocol (stdio), with the CLI's safeguards"))

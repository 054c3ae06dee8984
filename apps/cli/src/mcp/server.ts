import { type Env, loadEnv, secretsOf } from "@aim/core"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { resolve } from "node:path"
import { version } from "../version.js"
import { makeContext } from "./context.js"
import { lazyRuntime, mcpLayer } from "./runtime.js"
import { registerApply } from "./tools/apply.js"
import { registerExplain } from "./tools/explain.js"
import { registerPlan } from "./tools/plan.js"
import { registerResources } from "./tools/resources.js"
import { registerRollback } from "./tools/rollback.js"
import { registerStatus } from "./tools/status.js"
import { registerVerify } from "./tools/verify.js"
import { LineTransport } from "./transport.js"

export interface McpOptions {
  readonly migrationsDir: string
  readonly cwd?: string
  /** The environment, when the caller read it already (the CLI reads it once per process). */
  readonly env?: Env
  /**
   * Serve the tools that change the database (apply_migrations, apply_migration). Off unless the
   * person starting `aim mcp` says so (--allow-apply): an agent cannot grant itself that.
   */
  readonly allowApply?: boolean
  /** The protocol's streams (the process's stdin and stdout unless given). */
  readonly input?: NodeJS.ReadableStream
  readonly output?: NodeJS.WritableStream
}

/**
 * `aim mcp`: the migrator for AI agents over stdio, with the CLI's safeguards (lock, one transaction
 * per file, ledger, checksums, verify). It never runs SQL that is not a migration file.
 */
export const startMcpServer = async (options: McpOptions) => {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? loadEnv(cwd)
  const migrationsDir = resolve(cwd, options.migrationsDir)
  const runtime = lazyRuntime(() => mcpLayer({ migrationsDir, env, cwd }))
  const allowApply = options.allowApply === true
  const server = new McpServer(
    { name: "aim-migrate", version },
    {
      instructions: allowApply
        ? "Apply AIM database migrations safely: call migration_status or plan_migrations first, then apply_migrations with confirm: true, its planId, and acceptRisk naming each statement it lists in highRisk."
        : "Read-only: migration status, lock-impact plans, verification and troubleshooting. Applying needs a person to start aim mcp --allow-apply.",
    },
  )
  // One module per tool; each answers through the context's ok, refuse and failure (scrubbed, coded).
  const context = makeContext(server, migrationsDir, runtime, secretsOf(env))
  registerStatus(context)
  registerPlan(context)
  if (allowApply) registerApply(context)
  registerRollback(context, allowApply)
  registerVerify(context)
  registerExplain(context)
  await registerResources(context)

  const transport = new LineTransport(options.input, options.output)
  await server.connect(transport)
  return {
    close: async () => {
      await server.close()
      await runtime.dispose()
    },
  }
}

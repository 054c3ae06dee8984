import { type AimError, codedLine, diagnose, explain, scrub, scrubValue, withoutUrlCredentials } from "@aim/core"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { Cause, type Effect, Exit, Option } from "effect"
import { z } from "zod"
import type { McpServices, lazyRuntime } from "./runtime.js"

export type ToolResult = {
  content: Array<{ type: "text"; text: string }>
  structuredContent?: Record<string, unknown>
  isError?: boolean
  [key: string]: unknown
}

/** What every tool module registers with: the server, the runtime its calls run in, and the one way each answers. */
export interface McpContext {
  readonly server: McpServer
  readonly migrationsDir: string
  readonly runtime: ReturnType<typeof lazyRuntime<unknown>>
  readonly secrets: ReadonlyArray<string>
  /** A success: its summary and its document, both scrubbed. */
  readonly ok: (summary: string, data: Record<string, unknown>) => ToolResult
  /** A refusal with its AIM code and the safe thing to do instead. */
  readonly refuse: (reason: string, safeAlternative: string, code?: string) => ToolResult
  /** A failure in the coded line every front end prints. */
  readonly failure: (error: AimError | { readonly defect: unknown }) => ToolResult
  /** Runs a call in the server's runtime and renders its success, or its failure as `failure` does. */
  readonly run: <A>(effect: Effect.Effect<A, AimError, McpServices>, render: (a: A) => ToolResult) => Promise<ToolResult>
}

export const makeContext = (server: McpServer, migrationsDir: string, runtime: McpContext["runtime"], secrets: ReadonlyArray<string>): McpContext => {
  // Known secrets, and any credentials in a URL an agent typed (its own, not in this environment).
  const clean = (text: string) => withoutUrlCredentials(scrub(text, secrets))
  const failure: McpContext["failure"] = (error) => {
    // aim's errors by their tag; a defect (not aim's error) by its text, as a pasted message would be.
    const { entry, message } = "defect" in error ? diagnose(error.defect) : explain(error)
    return { isError: true, content: [{ type: "text", text: clean(codedLine({ entry, message })) }] }
  }
  return {
    server,
    migrationsDir,
    runtime,
    secrets,
    ok: (summary, data) => {
      // Each string scrubbed, so the document stays valid whatever a secret looks like (`true`, `5432`, a quote).
      const structured = JSON.parse(
        JSON.stringify(scrubValue(data, secrets), (_key, value) => (typeof value === "string" ? withoutUrlCredentials(value) : value)),
      ) as Record<string, unknown>
      return { content: [{ type: "text", text: clean(summary) }], structuredContent: structured }
    },
    refuse: (reason, safeAlternative, code = "AIM-MCP-001") => ({
      isError: true,
      content: [{ type: "text", text: clean(`[${code}] refused: ${reason}. ${safeAlternative}`) }],
    }),
    failure,
    run: async (effect, render) => {
      const exit = await runtime.run(effect)
      if (Exit.isSuccess(exit)) return render(exit.value)
      return failure(Option.getOrElse(Cause.failureOption(exit.cause), () => ({ defect: Cause.squash(exit.cause) })) as AimError | { readonly defect: unknown })
    },
  }
}

export const migrationEntry = z.object({ version: z.number(), name: z.string(), checksum: z.string() }).passthrough()
export const refusal = z.object({ kind: z.string(), version: z.number(), name: z.string(), detail: z.string() })

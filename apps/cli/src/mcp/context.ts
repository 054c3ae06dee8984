import { type AimError, catalog, codedLine, diagnose, explain, scrub, scrubValue, withoutUrlCredentials } from "@aim/core"
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

/** An argument a tool's schema refused, kept so the tool answers in its coded line instead of the validator's dump. */
class RefusedArgument {
  constructor(
    readonly name: string,
    readonly input: unknown,
    readonly says: string,
  ) {}
}

/**
 * A tool's input schema as the SDK gets it: each argument's own schema, whose failure becomes a
 * RefusedArgument instead of the SDK's uncoded -32602 answer with zod's issues. The tool's handler
 * goes through `checked`, which answers a refused argument with AIM-MCP-004.
 */
export const answerable = <S extends z.ZodRawShape>(shape: S): S =>
  Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [
      name,
      // JSON Schema generation calls the catcher with no context (for a default): it gets none, so
      // tools/list shows each argument's own type and whether it is required.
      (schema as z.ZodType).catch((ctx: z.core.$ZodCatchCtx | undefined) =>
        ctx === undefined ? (undefined as never) : (new RefusedArgument(name, ctx.input, ctx.error.issues[0]?.message ?? "not valid") as never),
      ),
    ]),
  ) as unknown as S

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
  /** A handler whose arguments came through `answerable`: a refused one is answered with AIM-MCP-004, nothing runs. */
  readonly checked: <A extends object>(handler: (args: A) => Promise<ToolResult> | ToolResult) => (args: A) => Promise<ToolResult>
  /** Runs a call in the server's runtime and renders its success, or its failure as `failure` does. */
  readonly run: <A>(effect: Effect.Effect<A, AimError, McpServices>, render: (a: A) => ToolResult) => Promise<ToolResult>
}

export const makeContext = (server: McpServer, migrationsDir: string, runtime: McpContext["runtime"], secrets: ReadonlyArray<string>): McpContext => {
  // Known secrets, and any credentials in a URL an agent typed (its own, not in this environment).
  const clean = (text: string) => withoutUrlCredentials(scrub(text, secrets))
  const refuse: McpContext["refuse"] = (reason, safeAlternative, code = catalog.mcpRefused.code) => ({
    isError: true,
    content: [{ type: "text", text: clean(`[${code}] refused: ${reason}. ${safeAlternative}`) }],
  })
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
    refuse,
    failure,
    checked: (handler) => async (args) => {
      const refused = Object.values(args).find((value): value is RefusedArgument => value instanceof RefusedArgument)
      if (refused === undefined) return handler(args)
      // Its type, never its value: an agent can put anything in any argument (a password, a token).
      const shown = refused.input === null ? "null" : Array.isArray(refused.input) ? "an array" : `a ${typeof refused.input}`
      return refuse(
        `argument ${refused.name} (${shown}): ${refused.says}`,
        "Call again with it as the tool's inputSchema describes; nothing ran.",
        catalog.mcpArguments.code,
      )
    },
    run: async (effect, render) => {
      const exit = await runtime.run(effect)
      if (Exit.isSuccess(exit)) return render(exit.value)
      return failure(Option.getOrElse(Cause.failureOption(exit.cause), () => ({ defect: Cause.squash(exit.cause) })) as AimError | { readonly defect: unknown })
    },
  }
}

/** A migration version as the ledger stores it: a whole number from 1 to PostgreSQL's integer. */
export const version = z.number().int().min(1).max(2_147_483_647)

export const migrationEntry = z.object({ version: z.number(), name: z.string(), checksum: z.string() }).passthrough()
export const refusal = z.object({ kind: z.string(), version: z.number(), name: z.string(), detail: z.string() })

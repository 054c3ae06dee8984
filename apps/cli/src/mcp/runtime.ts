import { AimLive, type Env, TelemetryLive } from "@aim/core"
import { Effect, Exit, Layer, ManagedRuntime } from "effect"

/** The one wiring, plus telemetry of its own: tool calls run in this runtime, not in the CLI's. */
export const mcpLayer = (options: { readonly migrationsDir: string; readonly env: Env; readonly cwd: string }) =>
  Layer.merge(AimLive(options), TelemetryLive({ env: options.env, serviceName: "aim-mcp" }))

export type McpServices = Layer.Layer.Success<ReturnType<typeof mcpLayer>>

/**
 * One runtime for the server's life, built on first use. A failed build (bad config, database down)
 * is not kept: the tool call reports it and the next call tries again.
 */
export const lazyRuntime = <LE>(build: () => Layer.Layer<McpServices, LE>) => {
  let pending: Promise<ManagedRuntime.ManagedRuntime<McpServices, LE>> | undefined
  const create = async () => {
    const candidate = ManagedRuntime.make(build())
    const exit = await candidate.runPromiseExit(Effect.void)
    if (Exit.isFailure(exit)) {
      await candidate.dispose()
      throw exit
    }
    return candidate
  }
  const get = () => {
    pending ??= create().catch((exit: unknown) => {
      pending = undefined
      throw exit
    })
    return pending
  }
  return {
    run: async <A, E>(effect: Effect.Effect<A, E, McpServices>): Promise<Exit.Exit<A, E | LE>> => {
      let runtime: ManagedRuntime.ManagedRuntime<McpServices, LE>
      try {
        runtime = await get()
      } catch (exit) {
        // The failed build of the layer, kept as the Exit it was.
        return exit as Exit.Exit<A, LE>
      }
      return runtime.runPromiseExit(effect)
    },
    dispose: async () => {
      const runtime = await pending?.catch(() => undefined)
      await runtime?.dispose()
    },
  }
}

import { type CatalogEntry, codedLine, diagnose } from "@aim/core"
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { type BootOptions, type BootReport, bootDatabase, bootLayer } from "./boot.js"
import { entryOfBootFailure, logFailure } from "./failure.js"
import { bootLogger } from "./logger.js"

/** What a plain-async caller gets when boot fails: the troubleshooting entry and the message. */
export class BootError extends Error {
  constructor(
    readonly entry: CatalogEntry,
    message: string,
    readonly error: unknown,
  ) {
    super(codedLine({ entry, message }))
    this.name = "BootError"
  }
}

/**
 * For Express, Fastify or Nest: `await bootAsync()` before `listen()`. Resolves once the database is
 * migrated and verified; rejects with a BootError (exit non-zero on it: fail fast).
 */
export const bootAsync = async (options: BootOptions = {}): Promise<{ readonly report: BootReport; readonly close: () => Promise<void> }> => {
  const runtime = ManagedRuntime.make(bootLayer(options).pipe(Layer.provide(bootLogger())))
  const exit = await runtime.runPromiseExit(bootDatabase(options).pipe(Effect.tapError(logFailure)))
  if (Exit.isSuccess(exit)) return { report: exit.value, close: () => runtime.dispose() }
  await runtime.dispose()
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const { entry, message } = entryOfBootFailure(failure.value)
    throw new BootError(entry, message, failure.value)
  }
  // Not a failure of aim's (a defect): matched by its text, as a pasted message would be.
  const defect = Cause.squash(exit.cause)
  const { entry, message } = diagnose(defect)
  throw new BootError(entry, message, defect)
}

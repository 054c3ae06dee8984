import { Context, Effect, Layer } from "effect"
import type { Database } from "../database/Database.js"
import type { Migrator } from "../migrator/Migrator.js"
import type { VerifierShape } from "./verification.js"

export type { VerifierShape }

/** The guide's verification (Steps 3 and 4 and its post-migration list), as a service. */
export class Verifier extends Context.Tag("@aim/core/Verifier")<Verifier, VerifierShape>() {}

/**
 * The checks themselves (verification.ts, with the backend's schema and bcrypt: about 90 kB of the
 * bundle) are loaded when a verification first runs, so a command that never verifies (status, drift,
 * plan, a deploy with --no-verify) never compiles them. They are made once, with the services this
 * layer was built with, and keep what they learn between runs (the health endpoint's).
 */
export const VerifierLive: Layer.Layer<Verifier, never, Database | Migrator> = Layer.effect(
  Verifier,
  Effect.gen(function* () {
    const services = yield* Effect.context<Database | Migrator>()
    const made = yield* Effect.cached(
      Effect.promise(() => import("./verification.js")).pipe(
        Effect.flatMap((module) => module.makeVerifier),
        Effect.provide(services),
      ),
    )
    return Verifier.of({
      run: Effect.flatMap(made, (verifier) => verifier.run),
      runWith: (status) => Effect.flatMap(made, (verifier) => verifier.runWith(status)),
    })
  }),
)

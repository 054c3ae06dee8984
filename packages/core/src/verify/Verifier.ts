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
  Effect.map(Effect.context<Database | Migrator>(), (services) => {
    // Kept once made; a load that did not finish (a health probe cut off by its timeout) is tried
    // again by the next verification rather than remembered.
    let made: VerifierShape | undefined
    const verifier = Effect.suspend(() =>
      made !== undefined
        ? Effect.succeed(made)
        : Effect.promise(() => import("./verification.js")).pipe(
            Effect.flatMap((module) => module.makeVerifier),
            Effect.provide(services),
            Effect.tap((verifier) => {
              made = verifier
            }),
          ),
    )
    return Verifier.of({
      run: Effect.flatMap(verifier, (v) => v.run),
      runWith: (status) => Effect.flatMap(verifier, (v) => v.runWith(status)),
    })
  }),
)

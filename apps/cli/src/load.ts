import { Effect } from "effect"

/**
 * A part of a command loaded when it runs (`yield* load(() => import("./x.js"))`): the module, and
 * the code of the core only it imports, become their own chunk of the bundle, so no other command's
 * start compiles or runs them. A no-op `aim migrate` loads neither the lock planner, drift, lint nor
 * the idempotency proof.
 */
export const load = <M>(module: () => Promise<M>): Effect.Effect<M> => Effect.promise(module)

import { Effect } from "effect"

/**
 * A part of a command loaded when it runs (`yield* load(() => import("./x.js"))`): the module, and
 * the code of the core only it imports, become their own chunk of the bundle, so no other command's
 * start compiles or runs them. A no-op `aim migrate` loads neither the lock planner, drift, lint nor
 * the idempotency proof.
 */
export const load = <M>(module: () => Promise<M>): Effect.Effect<M> => Effect.promise(module)

/** A command's handler in its own module (`export const run`), loaded when the command runs. */
export const runFrom =
  <A, B, E, R>(module: () => Promise<{ readonly run: (options: A) => Effect.Effect<B, E, R> }>) =>
  (options: A): Effect.Effect<B, E, R> =>
    Effect.flatMap(load(module), (m) => m.run(options))

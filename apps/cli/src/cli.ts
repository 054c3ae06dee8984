import { TelemetryLive, diagnose } from "@aim/core"
import { Command } from "@effect/cli"
import { Effect, Layer, Ref } from "effect"
import { migrate } from "./commands/migrate.js"
import { doctor } from "./commands/doctor.js"
import { drift } from "./commands/drift.js"
import { explain } from "./commands/explain.js"
import { adopt, baseline, repair } from "./commands/ledger.js"
import { lint } from "./commands/lint.js"
import { newMigration } from "./commands/new.js"
import { plan } from "./commands/plan.js"
import { rollback } from "./commands/rollback.js"
import { mcp } from "./commands/mcp.js"
import { status } from "./commands/status.js"
import { verify } from "./commands/verify.js"

import { currentInvocation } from "./invocation.js"
import { CliExit } from "./output.js"
import { version } from "./version.js"

export { version }

/**
 * A command as it runs, from what @effect/cli parsed: its name and --json are recorded in the run for
 * main.ts (invocation.ts), its run is one span named after it with a failure's code on it, and telemetry is
 * on for it, except for aim mcp (its tool calls are traced in its own runtime) and aim doctor
 * (which reports an invalid OTEL_* variable among its checks, so it must start without one).
 */
const observed = <Name extends string, R, E, A>(name: Name, command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(command, (effect, options: A) =>
    Effect.flatMap(currentInvocation, (run) => {
      const recorded = Ref.set(run.parsed, { command: name, json: (options as { readonly json?: unknown }).json === true })
      if (name === "mcp" || name === "doctor") return Effect.zipRight(recorded, effect)
      return Effect.zipRight(
        recorded,
        effect.pipe(
          Effect.tapError((e) =>
            e instanceof CliExit
              ? Effect.void
              : Effect.annotateCurrentSpan(
                  "aim.error.code",
                  typeof e === "object" && e !== null && "entry" in e ? (e as { entry: { code: string } }).entry.code : diagnose(e).entry.code,
                ),
          ),
          Effect.withSpan(`aim ${name}`),
          // Spans are flushed when this layer closes: before the outcome is rendered and the process exits.
          Effect.provide(Layer.unwrapEffect(Effect.sync(() => TelemetryLive({ env: run.env, serviceName: "aim" })))),
        ),
      )
    }),
  )

/** Every subcommand, in help order: the docs' CLI reference is generated from these definitions. */
export const commands = [
  observed("migrate", migrate),
  observed("plan", plan),
  observed("status", status),
  observed("verify", verify),
  observed("drift", drift),
  observed("doctor", doctor),
  observed("explain", explain),
  observed("lint", lint),
  observed("new", newMigration),
  observed("adopt", adopt),
  observed("repair", repair),
  observed("baseline", baseline),
  observed("rollback", rollback),
  observed("mcp", mcp),
] as const
export const commandNames = [
  "migrate",
  "plan",
  "status",
  "verify",
  "drift",
  "doctor",
  "explain",
  "lint",
  "new",
  "adopt",
  "repair",
  "baseline",
  "rollback",
  "mcp",
] as const

export const aim = Command.make("aim").pipe(
  Command.withDescription(
    "Deploy, check and repair the AIM PostgreSQL database. Exit codes: 0 success, 1 a migration or check failed, 2 bad usage or configuration.",
  ),
  Command.withSubcommands(commands),
)

export const run = Command.run(aim, { name: "aim", version })

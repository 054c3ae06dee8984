import { Command } from "@effect/cli"
import { migrate } from "./commands/migrate.js"
import { doctor } from "./commands/doctor.js"
import { drift } from "./commands/drift.js"
import { explain } from "./commands/explain.js"
import { adopt, baseline, repair } from "./commands/ledger.js"
import { lint } from "./commands/lint.js"
import { newMigration } from "./commands/new.js"
import { plan } from "./commands/plan.js"
import { mcp } from "./commands/mcp.js"
import { status } from "./commands/status.js"
import { verify } from "./commands/verify.js"

import { version } from "./version.js"

export { version }

/** Every subcommand, in help order: the docs' CLI reference is generated from these definitions. */
export const commands = [migrate, plan, status, verify, drift, doctor, explain, lint, newMigration, adopt, repair, baseline, mcp] as const
export const commandNames = ["migrate", "plan", "status", "verify", "drift", "doctor", "explain", "lint", "new", "adopt", "repair", "baseline", "mcp"] as const

export const aim = Command.make("aim").pipe(
  Command.withDescription(
    "Deploy, check and repair the AIM PostgreSQL database. Exit codes: 0 success, 1 a migration or check failed, 2 bad usage or configuration.",
  ),
  Command.withSubcommands(commands),
)

export const run = Command.run(aim, { name: "aim", version })

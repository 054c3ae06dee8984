import { Database, Migrator, lockHolder } from "@aim/core"
import { Effect, Option } from "effect"
import { z } from "zod"
import { statusDocument } from "../../commands/status.js"
import { type McpContext, migrationEntry, refusal } from "../context.js"

/** migration_status: applied, pending, refusals and the lock holder. */
export const registerStatus = ({ server, ok, run }: McpContext) => {
  server.registerTool(
    "migration_status",
    {
      title: "Migration status",
      description: "Applied and pending migrations with checksums, drift (refusals) and who holds the migration lock now. Changes nothing.",
      inputSchema: {},
      outputSchema: z
        .object({
          database: z.string(),
          upToDate: z.boolean(),
          applied: z.array(migrationEntry),
          pending: z.array(migrationEntry),
          refusals: z.array(refusal),
          lockHolder: z.unknown(),
        })
        .passthrough(),
      annotations: { readOnlyHint: true },
    },
    () =>
      run(
        Effect.gen(function* () {
          const status = yield* (yield* Migrator).status
          const holder = yield* lockHolder((yield* Database).query)
          return { ...statusDocument(status), lockHolder: Option.getOrNull(holder) }
        }),
        (doc) =>
          ok(
            `${doc.applied.length} applied, ${doc.pending.length} pending${doc.refusals.length > 0 ? `, ${doc.refusals.length} refusal(s)` : ""}${doc.upToDate ? ": up to date" : ""}`,
            doc,
          ),
      ),
  )
}

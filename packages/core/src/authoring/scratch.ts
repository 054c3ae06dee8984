import { Effect } from "effect"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { Database } from "../database/Database.js"
import type { Migration } from "../source/Migration.js"
import { withScratchDatabase } from "../database/databases.js"
import { proveIdempotent } from "./proveIdempotent.js"

/** Proves idempotency on a scratch database (in memory unless one is named), never on the configured one. */
export const proveOnScratch = (settings: DatabaseSettings | undefined, migrations: ReadonlyArray<Migration>) =>
  withScratchDatabase(
    settings,
    Effect.flatMap(Database, (db) =>
      proveIdempotent(db, migrations).pipe(
        Effect.map((report) => ({ scratch: db.kind === "embedded" ? "in-memory embedded PostgreSQL" : db.target, ...report })),
      ),
    ),
    "prove",
  )

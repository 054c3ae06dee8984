import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { Database } from "../database/Database.js"
import { PgDatabaseLive } from "../database/PgDatabase.js"
import { PgliteDatabaseLive } from "../database/PgliteDatabase.js"
import type { Migration } from "../migrations/Migration.js"
import { proveIdempotent } from "./proveIdempotent.js"

/**
 * Proves idempotency on a scratch database, never on the configured one: a fresh database on the
 * same server (created and dropped here; needs CREATEDB), or an in-memory embedded one.
 */
export const proveOnScratch = (settings: DatabaseSettings, migrations: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    if (settings._tag === "Embedded") {
      const report = yield* Effect.flatMap(Database, (db) => proveIdempotent(db, migrations)).pipe(
        Effect.provide(PgliteDatabaseLive({ _tag: "Embedded", dataDir: "memory://" })),
      )
      return { scratch: "in-memory embedded PostgreSQL", ...report }
    }
    const admin = yield* Database
    const name = `aim_prove_${randomBytes(4).toString("hex")}`
    yield* admin.query(`CREATE DATABASE ${name}`)
    return yield* Effect.flatMap(Database, (db) => proveIdempotent(db, migrations).pipe(Effect.map((report) => ({ scratch: db.target, ...report })))).pipe(
      Effect.provide(PgDatabaseLive({ ...settings, database: name })),
      Effect.ensuring(admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)),
    )
  })

import { Data, Effect } from "effect"
import { type CatalogSnapshot, catalogSnapshot, diffSnapshots } from "../database/catalogSnapshot.js"
import { Database, type DatabaseShape } from "../database/Database.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { withScratchDatabase } from "../database/databases.js"
import type { Migration } from "../source/Migration.js"
import { executeFile } from "../migrator/replay.js"

export interface IdempotencyFinding {
  readonly file: string
  /** e.g. `rows:security_policies`, `trigger:users.users_set_updated_at`, or `error`. */
  readonly object: string
  readonly before: string | undefined
  readonly after: string | undefined
}
export interface IdempotencyReport {
  readonly ok: boolean
  readonly files: number
  readonly objects: number
  readonly findings: ReadonlyArray<IdempotencyFinding>
}

/**
 * A file failed on its first run in the scratch database, before any second run: not an idempotency
 * finding (there is nothing to compare), but a file that does not run on a database the files alone
 * built, as it needs something none of them creates (a role, an extension) or fails on its own.
 */
export class ReplayFailed extends Data.TaggedError("ReplayFailed")<{
  readonly file: string
  readonly sqlState: string | undefined
  readonly serverMessage: string
}> {
  override get message(): string {
    return `${this.file} failed on its first run in the scratch database, before any second run: ${this.serverMessage}${this.sqlState === undefined ? "" : ` (${this.sqlState})`}`
  }
}

const diff = (file: string, before: CatalogSnapshot, after: CatalogSnapshot): ReadonlyArray<IdempotencyFinding> =>
  diffSnapshots(before, after).map((c) => ({ file, object: c.object, before: before.get(c.object), after: after.get(c.object) }))

const runFile = (db: DatabaseShape, migration: Migration) => Effect.scoped(Effect.flatMap(db.session, (session) => executeFile(session, migration)))

/**
 * Applies every migration to a scratch database, snapshots the catalog, then runs every file a
 * second time and compares the snapshot after each one: any error or difference names the file and
 * the object that changed.
 */
export const proveIdempotent = (db: DatabaseShape, migrations: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    for (const migration of migrations) {
      const first = yield* Effect.either(runFile(db, migration))
      if (first._tag === "Left") {
        return yield* new ReplayFailed({ file: migration.name, sqlState: first.left.code, serverMessage: first.left.message })
      }
    }
    let previous = yield* catalogSnapshot(db)
    const objects = previous.size
    const findings: Array<IdempotencyFinding> = []
    for (const migration of migrations) {
      const second = yield* Effect.either(runFile(db, migration))
      if (second._tag === "Left") {
        findings.push({ file: migration.name, object: "error (second run)", before: undefined, after: second.left.message })
        continue
      }
      const next = yield* catalogSnapshot(db)
      findings.push(...diff(migration.name, previous, next))
      previous = next
    }
    return { ok: findings.length === 0, files: migrations.length, objects, findings } satisfies IdempotencyReport
  })

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

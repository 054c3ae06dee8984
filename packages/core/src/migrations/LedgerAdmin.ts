import { Context, Data, Effect, Layer } from "effect"
import { createdTables, parseScript } from "../authoring/sqlAnalysis.js"
import { Database, type Session } from "../database/Database.js"
import { appliedByLabel, ensureLedger, ledgerSchema, ledgerTable, readLedger, readLegacyLedger, recordApplied } from "./Ledger.js"
import { acquireLock, releaseLock } from "./MigrationLock.js"
import { MigrationSource } from "./MigrationSource.js"

/** A ledger operation that was refused; nothing was changed. */
export class LedgerAdminRefused extends Data.TaggedError("LedgerAdminRefused")<{
  readonly operation: "adopt" | "repair" | "baseline"
  readonly message: string
}> {}

export interface AdoptReport {
  readonly adopted: ReadonlyArray<string>
  /** In the deployed backend's ledger but not in the migrations directory. */
  readonly unknownInLegacy: ReadonlyArray<string>
  /** Files the deployed backend never applied: they stay pending for `aim migrate`. */
  readonly notInLegacy: ReadonlyArray<string>
}

export interface RepairReport {
  readonly version: number
  readonly name: string
  readonly oldChecksum: string
  readonly newChecksum: string
  readonly repairedBy: string
}

export interface BaselineReport {
  readonly recorded: ReadonlyArray<string>
}

export interface LedgerAdminShape {
  /** Records the deployed backend's applied files in our ledger (method `adopted`); runs nothing. */
  readonly adopt: Effect.Effect<AdoptReport, unknown>
  /** Re-records an applied file's checksum after a reviewed edit; logged in aim_migrations.repairs. */
  readonly repair: (version: number) => Effect.Effect<RepairReport, unknown>
  /** Records 1..version as applied on a hand-built database, after checking their tables exist. */
  readonly baseline: (version: number) => Effect.Effect<BaselineReport, unknown>
}

export class LedgerAdmin extends Context.Tag("@aim/core/LedgerAdmin")<LedgerAdmin, LedgerAdminShape>() {}

export const makeLedgerAdmin = Effect.gen(function* () {
  const db = yield* Database
  const source = yield* MigrationSource

  /** Every ledger change holds the migration lock and runs in one transaction. */
  const locked = <A, E>(f: (session: Session) => Effect.Effect<A, E>) =>
    Effect.scoped(
      Effect.gen(function* () {
        const session = yield* db.session
        yield* acquireLock(session, { wait: "60 seconds" })
        yield* Effect.addFinalizer(() => releaseLock(session).pipe(Effect.ignore))
        yield* ensureLedger(session.query)
        yield* session.execute("BEGIN")
        const result = yield* Effect.either(f(session))
        yield* session.execute(result._tag === "Right" ? "COMMIT" : "ROLLBACK")
        return yield* result
      }),
    )

  const adopt = locked((session) =>
    Effect.gen(function* () {
      const migrations = yield* source.load
      const legacy = yield* readLegacyLedger(session.query)
      if (legacy === undefined) {
        return yield* new LedgerAdminRefused({ operation: "adopt", message: "no public.schema_migrations table: this database was not migrated by the deployed AIM backend (use aim baseline for a hand-built one)" })
      }
      const ours = new Set((yield* readLedger(session.query)).map((r) => r.version))
      const byName = new Map(migrations.map((m) => [m.name, m]))
      const adopted: Array<string> = []
      for (const name of legacy) {
        const file = byName.get(name)
        if (file === undefined || ours.has(file.version)) continue
        yield* recordApplied(session.query, file, 0, appliedByLabel(), "adopted")
        adopted.push(name)
      }
      const legacySet = new Set(legacy)
      return {
        adopted,
        unknownInLegacy: legacy.filter((name) => !byName.has(name)),
        notInLegacy: migrations.filter((m) => !legacySet.has(m.name)).map((m) => m.name),
      } satisfies AdoptReport
    }),
  )

  const repair = (version: number) =>
    locked((session) =>
      Effect.gen(function* () {
        const migrations = yield* source.load
        const row = (yield* readLedger(session.query)).find((r) => r.version === version)
        if (row === undefined) return yield* new LedgerAdminRefused({ operation: "repair", message: `version ${version} is not applied: nothing to repair (aim migrate applies it)` })
        const file = migrations.find((m) => m.version === version)
        if (file === undefined) return yield* new LedgerAdminRefused({ operation: "repair", message: `no file with version ${version} in ${source.directory}: restore it before repairing` })
        if (file.checksum === row.checksum && file.name === row.name) {
          return yield* new LedgerAdminRefused({ operation: "repair", message: `${file.name} matches its applied checksum: nothing to repair` })
        }
        const repairedBy = appliedByLabel()
        yield* session.query(`UPDATE ${ledgerTable} SET checksum = $2, name = $3 WHERE version = $1`, [version, file.checksum, file.name])
        yield* session.query(
          `INSERT INTO ${ledgerSchema}.repairs (version, name, old_checksum, new_checksum, repaired_by) VALUES ($1, $2, $3, $4, $5)`,
          [version, file.name, row.checksum, file.checksum, repairedBy],
        )
        return { version, name: file.name, oldChecksum: row.checksum, newChecksum: file.checksum, repairedBy } satisfies RepairReport
      }),
    )

  const baseline = (version: number) =>
    locked((session) =>
      Effect.gen(function* () {
        const migrations = yield* source.load
        if ((yield* readLedger(session.query)).length > 0) {
          return yield* new LedgerAdminRefused({ operation: "baseline", message: "the ledger already has rows: baseline is only for a database that was never migrated by aim" })
        }
        if ((yield* readLegacyLedger(session.query)) !== undefined) {
          return yield* new LedgerAdminRefused({ operation: "baseline", message: "public.schema_migrations exists: this database was migrated by the deployed backend; use aim adopt" })
        }
        const upTo = migrations.filter((m) => m.version <= version)
        if (upTo.length === 0 || upTo.at(-1)?.version !== version) {
          return yield* new LedgerAdminRefused({ operation: "baseline", message: `no migration file with version ${version}` })
        }
        const expected = new Set<string>()
        for (const m of upTo) for (const table of createdTables(yield* parseScript(m.sql))) expected.add(table)
        const present = new Set((yield* session.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((r) => r.tablename))
        const missing = [...expected].filter((t) => !present.has(t)).sort()
        if (missing.length > 0) {
          return yield* new LedgerAdminRefused({ operation: "baseline", message: `tables created by migrations up to ${version} are missing: ${missing.join(", ")}; migrate instead, or baseline a lower version` })
        }
        for (const m of upTo) yield* recordApplied(session.query, m, 0, appliedByLabel(), "baseline")
        return { recorded: upTo.map((m) => m.name) } satisfies BaselineReport
      }),
    )

  return LedgerAdmin.of({ adopt, repair, baseline })
})

export const LedgerAdminLive: Layer.Layer<LedgerAdmin, never, Database | MigrationSource> = Layer.effect(LedgerAdmin, makeLedgerAdmin)

import { Context, Effect } from "effect"
import type { Row, Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { AppliedMigration } from "../source/Migration.js"
import type { CoLedgerServing, Refusal } from "./ledgerPlan.js"

type Query = Session["query"]

/**
 * A second ledger in the same database, kept by another runner that migrates it too (the AIM
 * backend's `public.schema_migrations` is one: aim/backendLedger.ts). The engine knows nothing else
 * of that runner: it reads the co-ledger with its own ledger, puts its refusals ahead of the files',
 * writes its records in the transaction of each file that provides them, and asks it whether a
 * database can be adopted or baselined. `noCoLedger`, the default, has no table and says nothing.
 *
 * `S` is what one read of the co-ledger found; methods (not function properties) so an
 * implementation for its own `S` is a `CoLedgerShape` of the engine's `unknown`.
 */
export interface CoLedgerShape<S = unknown> {
  /** Its tables (schema, name): checked with the engine's own before every write, like them (LedgerUnsafe). */
  readonly tables: ReadonlyArray<readonly [schema: string, table: string]>
  /**
   * Statements that run, in the no-op's one round trip, before the engine's ledger is read; `decode`
   * takes their result sets. Where the script fails (a table missing), `read` reads the co-ledger.
   */
  readonly script: ReadonlyArray<string>
  decode(sets: ReadonlyArray<ReadonlyArray<Row>>): S
  /** Reads it, catalog first, so it is safe inside a transaction. */
  read(query: Query): Effect.Effect<S, SqlError>
  /** Why no file may run on this database until a person acts, ahead of the files' own refusals. */
  refusals(state: S, ledger: ReadonlyArray<AppliedMigration>): ReadonlyArray<Refusal>
  /** What the files applied (by name) give the other runner, against what it recorded. */
  serving(state: S, applied: ReadonlyArray<string>): CoLedgerServing
  /** The records applying the file `name` gives the other runner (none for a file it has no use for). */
  provides(name: string): ReadonlyArray<string>
  /** SQL writing `records`, skipping those already there ("" when there are none): run in a file's transaction. */
  recordStatement(records: ReadonlyArray<string>): string
  /** The state after `records` were written. */
  withRecorded(state: S, records: ReadonlyArray<string>): S
  /** aim adopt: the names the other runner applied, or why this database cannot be adopted. */
  adoptable(state: S): { readonly deployed: ReadonlyArray<string> } | { readonly refused: string }
  /** aim baseline on an empty ledger: why the database is not one to baseline (the other runner migrated it). */
  baselineRefusal(state: S): string | undefined
  /** Is `record` of a release of the other runner the co-ledger knows? */
  isKnown(record: string): boolean
}

export class CoLedger extends Context.Tag("@aim/core/CoLedger")<CoLedger, CoLedgerShape>() {}

const serving: CoLedgerServing = { release: "none", unrecorded: [], unknown: [], recorded: undefined }

/** No other runner: nothing to read, refuse, record or adopt from. */
export const noCoLedger: CoLedgerShape<undefined> = {
  tables: [],
  script: [],
  decode: () => undefined,
  read: () => Effect.succeed(undefined),
  refusals: () => [],
  serving: () => serving,
  provides: () => [],
  recordStatement: () => "",
  withRecorded: (state) => state,
  adoptable: () => ({
    refused: "this database has no other runner's ledger to adopt from (run aim migrate on a new database, or aim baseline N on a hand-built one)",
  }),
  baselineRefusal: () => undefined,
  isKnown: () => false,
}

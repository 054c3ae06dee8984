import { Data } from "effect"
import { type BlockingSession, describeBlocker } from "./MigrationLock.js"
import type { Refusal } from "../ledger/ledgerPlan.js"

/** The ledger and the files disagree: nothing was applied. */
export class MigrationRefused extends Data.TaggedError("MigrationRefused")<{
  readonly refusals: ReadonlyArray<Refusal>
}> {
  override get message(): string {
    return this.refusals.map((r) => r.detail).join("; ")
  }
}

/** A statement of a migration failed; its transaction was rolled back and the ledger is untouched. */
export class MigrationFailed extends Data.TaggedError("MigrationFailed")<{
  readonly version: number
  readonly name: string
  readonly path: string
  readonly line: number | undefined
  readonly column: number | undefined
  readonly sqlState: string | undefined
  readonly serverMessage: string
  readonly detail: string | undefined
  readonly hint: string | undefined
  /** False for a `-- aim:no-transaction` file: statements before the failing one stay applied. */
  readonly rolledBack: boolean
  /** For a lock_timeout (55P03): sessions holding locks on public tables at that moment. */
  readonly blockers?: ReadonlyArray<BlockingSession>
  /** A `-- aim:no-transaction` file's statements that ran before the failing one: they stay applied. */
  readonly kept?: { readonly count: number; readonly firstLine: number; readonly lastLine: number }
  /** The file is one of aim's shipped files, unchanged: run on every supported database, so a failure is the database's, not the file's. */
  readonly shipped?: boolean
}> {
  override get message(): string {
    const where = this.line === undefined ? this.name : `${this.name}:${this.line}:${this.column ?? 1}`
    const blocked = this.blockers === undefined || this.blockers.length === 0 ? "" : `; blocked by ${this.blockers.map(describeBlocker).join(", ")}`
    const kept =
      this.kept === undefined
        ? ""
        : this.kept.count === 0
          ? "; it is -- aim:no-transaction and nothing of it had run"
          : `; it is -- aim:no-transaction: the ${this.kept.count === 1 ? "statement" : `${this.kept.count} statements`} before it (${this.kept.firstLine === this.kept.lastLine ? `line ${this.kept.firstLine}` : `lines ${this.kept.firstLine}-${this.kept.lastLine}`}) stayed applied and the file is not recorded: make them safe to run again, fix the failing one, then run aim migrate`
    return `${where}: ${this.serverMessage}${this.sqlState === undefined ? "" : ` (SQLSTATE ${this.sqlState})`}${blocked}${kept}`
  }
}

/** The server is older than PostgreSQL 15, which the migrations need: nothing was run. */
export class ServerTooOld extends Data.TaggedError("ServerTooOld")<{
  readonly version: string
  readonly versionNum: number
}> {
  override get message(): string {
    return `the server is PostgreSQL ${this.version}; aim's migrations need PostgreSQL 15 or newer (CREATE OR REPLACE TRIGGER, gen_random_uuid() without an extension), so nothing was run`
  }
}

/** PostgreSQL 15 (server_version_num 150000) is the oldest server the migrations run on. */
export const oldestServer = 150000

/** Data a rollback step would remove: a table's rows, a column's values, values a type cannot hold. */
export interface DataLoss {
  /** `own_notes` (its rows) or `organizations.nickname` (its values): what --accept-loss names. */
  readonly object: string
  readonly what: "rows" | "values" | "narrowed values"
  /** Rows holding what would go (counted on the live database when the plan was made). */
  readonly rows: number
  /** Named by the operator with --accept-loss. */
  readonly accepted: boolean
}

/**
 * aim rollback refused before anything changed: `target` (no such version, or the files up to it are
 * not the applied ones), `loss` (a step would remove data nobody named), `backend` (the configured
 * backend release would run its own files at its next start), `save` (the data to save cannot be
 * written where --save-data points), `changed` (the plan is no longer the one approved).
 */
export class RollbackRefused extends Data.TaggedError("RollbackRefused")<{
  readonly reason: "target" | "loss" | "backend" | "save" | "changed"
  readonly message: string
  readonly losses?: ReadonlyArray<DataLoss>
}> {}

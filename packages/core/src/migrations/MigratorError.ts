import { Data } from "effect"
import { type BlockingSession, describeBlocker } from "./MigrationLock.js"
import type { Refusal } from "./plan.js"

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
}> {
  override get message(): string {
    const where = this.line === undefined ? this.name : `${this.name}:${this.line}:${this.column ?? 1}`
    const blocked = this.blockers === undefined || this.blockers.length === 0 ? "" : `; blocked by ${this.blockers.map(describeBlocker).join(", ")}`
    return `${where}: ${this.serverMessage}${this.sqlState === undefined ? "" : ` (SQLSTATE ${this.sqlState})`}${blocked}`
  }
}

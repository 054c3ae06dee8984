import type { MigrationCheck } from "./checks.js"

/** A migration file as read from disk. */
export interface Migration {
  readonly version: number
  /** The file name, e.g. `013_create_default_admin_user.sql`: what the ledger records. */
  readonly name: string
  readonly path: string
  /** The text with any BOM removed: what is sent to the server. */
  readonly sql: string
  /** SHA-256 (hex) of the text with line endings normalised and the BOM stripped. */
  readonly checksum: string
  /** `-- aim:no-transaction` on the first line: runs statement by statement, outside a transaction. */
  readonly transactional: boolean
  /**
   * The `-- aim:check` directives of its header, read with the file (a migration made by hand, in a
   * test, leaves it out and has its header read when it runs).
   */
  readonly checks?: ReadonlyArray<MigrationCheck>
}

/** A row of the ledger. */
export interface AppliedMigration {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly appliedAt: string
  readonly durationMs: number
  readonly appliedBy: string
  /** `applied` by this tool, `adopted` from the deployed backend's ledger, or `baseline`. */
  readonly method: string
}

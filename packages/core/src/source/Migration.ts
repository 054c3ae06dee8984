/** A version as files and messages write it: at least three digits (`007`, `025`, `1042`). */
export const versionLabel = (version: number): string => String(version).padStart(3, "0")

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

/**
 * A check that must hold before a migration runs, declared in the file's header:
 *
 *   -- aim:check "no two users share an email" SELECT lower(email) AS email, count(*) FROM users GROUP BY 1 HAVING count(*) > 1
 *
 * The query returns the rows that break it; a longer query continues on comment lines indented by
 * three spaces or more. Checks run inside the migration's transaction, before its first statement.
 */
export interface MigrationCheck {
  /** 1-based line of the directive. */
  readonly line: number
  readonly message: string
  readonly query: string
}

/**
 * Whether a directory entry is read as a migration file at all: every `.sql` file but golang-migrate's
 * `.down.sql` halves (its name is then checked against NNN_description). Light: the CLI's entry uses
 * it through `@aim/core/shipped` before anything else loads.
 */
export const isMigrationCandidate = (file: string): boolean => file.endsWith(".sql") && !file.endsWith(".down.sql")

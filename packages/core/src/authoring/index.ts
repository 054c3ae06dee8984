/** `@aim/core/authoring`, what `aim lint` and the proofs load: a file's rules, and the idempotency proof on scratch. */
export { type LintFinding, lintMigrations } from "./lint.js"
export { proveOnScratch } from "./proveIdempotent.js"

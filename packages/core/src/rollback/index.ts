/** `@aim/core/rollback`, what `aim rollback` and `--prove-rollback` load: the way back to an earlier version. */
export { type RollbackPlan, type RollbackProof, type RollbackReport, acceptBackendRelease, proveRollback, rollback } from "./Rollback.js"

/**
 * What runs only when a command asks for it: the lock-impact plan of pending files, drift of the live
 * database, the environment checks, lint, the idempotency proof and rollback. Apart from the index, so that the
 * CLI's bundle puts them in the chunks of the commands that load them (a no-op aim migrate compiles
 * and runs none of it): a bundler places every module the index re-exports with the index.
 */
export { type BrokenQuery, type LockPlan, type WorkloadCheck, atLeast, planRisk } from "./impact/LockPlan.js"
export { type WorkloadSource, WorkloadUnavailable, pendingLockPlan, pendingLockPlanWith } from "./workload/workload.js"
export { type DriftReport, driftOfApplied } from "./drift/Drift.js"
export { runDoctor } from "./doctor/Doctor.js"
export { type LintFinding, lintMigrations } from "./authoring/lint.js"
export { proveOnScratch } from "./authoring/scratch.js"
export { type RollbackPlan, type RollbackProof, type RollbackReport, acceptBackendRelease, proveRollback, rollback } from "./rollback/Rollback.js"

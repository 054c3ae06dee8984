/** `@aim/core/plan`, what `aim plan` loads: the pending files' locks, and with a workload, what they would break. */
export {
  type BrokenQuery,
  type LockPlan,
  type PlannedFile,
  type PlannedStatement,
  type RelationSize,
  type Risk,
  type WorkloadCheck,
  atLeast,
  planRisk,
} from "../plan/LockPlan.js"
export { type WorkloadSource, WorkloadUnavailable, pendingLockPlan, pendingLockPlanWith } from "./workload.js"

/** `@aim/core/drift`, what `aim drift` loads: the live database against what its applied files build. */
export { type DriftReport, driftOfApplied } from "./Drift.js"

/** `@aim/core/doctor`, what `aim doctor` loads: every setting and service checked, each with its fix. */
export { runDoctor } from "./Doctor.js"

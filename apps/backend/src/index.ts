// The backend's start-up step, by name: what its tests and an embedding service use.
export { type BootOptions, type BootReport, VerificationFailed, bootDatabase, bootLayer, bootServices, databaseWithRetry, servicesLayer } from "./boot.js"
export { BootError, bootAsync } from "./bootAsync.js"
export { type BootFailure, entryOfBootFailure, logFailure } from "./failure.js"
export { bootLogger } from "./logger.js"

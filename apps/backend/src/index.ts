export * from "./boot.js"
export * from "./bootAsync.js"
export * from "./failure.js"
export * from "./logger.js"

export * from "./cluster.js"
export * from "./docker.js"
export * from "./postgres.js"

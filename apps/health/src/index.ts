export * from "./layers.js"
export * from "./routes.js"

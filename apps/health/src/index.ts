// The health endpoint, by name: its layer and its router (the backend serves the router).
export { healthLayer } from "./layers.js"
export { healthRouter } from "./routes.js"

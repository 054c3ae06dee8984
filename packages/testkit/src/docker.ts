import { existsSync } from "node:fs"
import { request } from "node:http"

/** True when a Docker engine answers /_ping within two seconds. */
export const dockerAvailable = async (): Promise<boolean> => {
  if (process.env.AIM_TEST_NO_DOCKER === "1") return false
  const host = process.env.DOCKER_HOST
  const socketPath = host?.startsWith("unix://") ? host.slice("unix://".length) : host === undefined ? "/var/run/docker.sock" : undefined
  if (socketPath === undefined || !existsSync(socketPath)) return false
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on("timeout", () => {
      req.destroy()
      resolve(false)
    })
    req.on("error", () => resolve(false))
    req.end()
  })
}

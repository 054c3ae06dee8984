import { type ChildProcess, spawn } from "node:child_process"
import { connect } from "node:net"
import { freePort } from "./cluster.js"

export const localRedisUrl = "redis://127.0.0.1:6379"

/** A throwaway redis-server on a free port (for a password, or to stop it mid-test). */
export interface RedisServer {
  readonly port: number
  readonly stop: () => Promise<void>
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => {
      socket.end()
      resolve(true)
    })
    socket.on("error", () => resolve(false))
  })

export const startRedis = async (
  options: { readonly password?: string; readonly tls?: { readonly certFile: string; readonly keyFile: string } } = {},
): Promise<RedisServer> => {
  const port = await freePort()
  // With tls, the port speaks TLS only (as Azure Cache for Redis on 6380 does).
  const args =
    options.tls === undefined
      ? ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
      : [
          "--port",
          "0",
          "--tls-port",
          String(port),
          "--tls-cert-file",
          options.tls.certFile,
          "--tls-key-file",
          options.tls.keyFile,
          "--tls-auth-clients",
          "no",
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
        ]
  if (options.password !== undefined) args.push("--requirepass", options.password)
  const child: ChildProcess = spawn("redis-server", args, { stdio: "ignore" })
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50))
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGKILL")
      }),
  }
}

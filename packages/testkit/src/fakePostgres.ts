import { type Server, createServer } from "node:net"

export interface FakePostgres {
  readonly port: number
  /** StartupMessages received: a client that got this far would send its password next. */
  readonly startups: () => number
  /** Passwords received in cleartext (PasswordMessage), in order. */
  readonly passwords: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

/**
 * A fake PostgreSQL server on 127.0.0.1 for the attacks a client must not fall for: it answers the
 * SSLRequest with 'N' (no SSL, as a server without TLS or an attacker stripping it does), asks for
 * the password in cleartext, records it, and hangs up with an authentication error.
 */
export const startFakePostgres = async (): Promise<FakePostgres> => {
  let startups = 0
  const passwords: Array<string> = []
  const sockets = new Set<import("node:net").Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    let buffered = Buffer.alloc(0)
    let started = false
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return
          const length = buffered.readInt32BE(0)
          if (buffered.length < length) return
          const code = buffered.readInt32BE(4)
          buffered = buffered.subarray(length)
          if (code === 80877103) {
            socket.write("N")
            continue
          }
          started = true
          startups++
          // AuthenticationCleartextPassword
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]))
          continue
        }
        if (buffered.length < 5) return
        const length = buffered.readInt32BE(1)
        if (buffered.length < length + 1) return
        const type = String.fromCharCode(buffered[0] ?? 0)
        const body = buffered.subarray(5, length + 1)
        buffered = buffered.subarray(length + 1)
        if (type === "p") {
          passwords.push(body.subarray(0, body.indexOf(0)).toString("utf8"))
          const fields = Buffer.from("SFATAL\0C28P01\0Mpassword authentication failed\0\0")
          const error = Buffer.alloc(5)
          error.write("E")
          error.writeInt32BE(fields.length + 4, 1)
          socket.end(Buffer.concat([error, fields]))
          return
        }
      }
    })
    socket.on("error", () => undefined)
  })
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the fake server has no port")
  return {
    port: address.port,
    startups: () => startups,
    passwords: () => [...passwords],
    close: () =>
      new Promise((resolveClose) => {
        // A client that gave up before sending a password (none may go to this server) may leave its
        // socket open: closing the server waits for every connection, so end them.
        for (const socket of sockets) socket.destroy()
        server.close(() => resolveClose())
      }),
  }
}

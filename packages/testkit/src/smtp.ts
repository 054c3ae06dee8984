import { SMTPServer, type SMTPServerOptions } from "smtp-server"
import { freePort } from "./cluster.js"

export interface ReceivedMail {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly raw: string
}

export interface SmtpTestServer {
  readonly port: number
  readonly received: Array<ReceivedMail>
  readonly stop: () => Promise<void>
}

/**
 * A real SMTP server (smtp-server) on a free port: STARTTLS, or implicit TLS with `secure`, and AUTH
 * PLAIN/LOGIN that accepts only `user`/`password`.
 */
export const startSmtp = async (options: {
  readonly user: string
  readonly password: string
  readonly cert: string
  readonly key: string
  readonly secure?: boolean
}): Promise<SmtpTestServer> => {
  const port = await freePort()
  const received: Array<ReceivedMail> = []
  const serverOptions: SMTPServerOptions = {
    secure: options.secure === true,
    key: options.key,
    cert: options.cert,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) return callback(null, { user: auth.username })
      return callback(new Error("Invalid username or password"))
    },
    onData(stream, session, callback) {
      let raw = ""
      stream.setEncoding("utf8")
      stream.on("data", (chunk: string) => {
        raw += chunk
      })
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        })
        callback()
      })
    },
  }
  const server = new SMTPServer(serverOptions)
  server.on("error", () => undefined)
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

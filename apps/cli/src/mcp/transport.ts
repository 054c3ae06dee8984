import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js"

/** The largest message taken, as the SDK's own stdio transport: past it a line is answered, not buffered. */
export const maxMessageBytes = 10 * 1024 * 1024

const errorReply = (code: number, message: string) => ({ jsonrpc: "2.0" as const, id: null, error: { code, message } })

/**
 * MCP over stdio, one JSON-RPC message per line, that keeps serving whatever a client sends. The SDK's
 * transport stops reading for good after a line over 10 MB (the server runs on, deaf) and answers
 * nothing to a line that is not JSON-RPC; here a line too long is skipped to its end and answered
 * −32600, text that is not JSON −32700, JSON that is not a JSON-RPC message −32600, as JSON-RPC 2.0 says.
 */
export class LineTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void
  onerror?: (error: Error) => void
  onclose?: () => void

  private chunks: Array<Buffer> = []
  private buffered = 0
  /** Inside a line that went past the limit: everything up to its newline is dropped. */
  private skipping = false

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {}

  private readonly onData = (chunk: Buffer) => {
    let rest = chunk
    for (let newline = rest.indexOf(10); newline !== -1; newline = rest.indexOf(10)) {
      const head = rest.subarray(0, newline)
      rest = rest.subarray(newline + 1)
      if (this.skipping) {
        this.skipping = false
        continue
      }
      if (this.buffered + head.length > maxMessageBytes) {
        this.reset()
        this.reply(errorReply(-32600, `Invalid Request: a message over ${maxMessageBytes} bytes`))
        continue
      }
      const line = Buffer.concat([...this.chunks, head])
        .toString("utf8")
        .replace(/\r$/, "")
      this.reset()
      if (line.trim() !== "") this.handle(line)
    }
    if (this.skipping) return
    if (this.buffered + rest.length > maxMessageBytes) {
      this.reset()
      this.skipping = true
      this.reply(errorReply(-32600, `Invalid Request: a message over ${maxMessageBytes} bytes`))
      return
    }
    if (rest.length > 0) {
      this.chunks.push(rest)
      this.buffered += rest.length
    }
  }

  private readonly onEnd = () => this.onclose?.()

  private reset() {
    this.chunks = []
    this.buffered = 0
  }

  private handle(line: string) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      this.reply(errorReply(-32700, "Parse error: not JSON"))
      return
    }
    const message = JSONRPCMessageSchema.safeParse(parsed)
    if (!message.success) {
      this.reply(errorReply(-32600, "Invalid Request: not a JSON-RPC 2.0 message"))
      return
    }
    this.onmessage?.(message.data)
  }

  private reply(message: unknown) {
    this.output.write(`${JSON.stringify(message)}\n`)
  }

  async start() {
    this.input.on("data", this.onData)
    this.input.on("end", this.onEnd)
  }

  async send(message: JSONRPCMessage) {
    await new Promise<void>((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve()
      else this.output.once("drain", () => resolve())
    })
  }

  async close() {
    this.input.off("data", this.onData)
    this.input.off("end", this.onEnd)
    this.reset()
    this.onclose?.()
  }
}

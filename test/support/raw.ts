/** A raw RESP connection for byte-exact comparisons: sends commands, returns each reply's bytes and value. */
import * as Net from "node:net"
import { type Reply, ReplyParser } from "../../src/resp/ReplyParser.ts"

export interface RawReply {
  /** The reply exactly as sent, as a latin1 string (one char per byte). */
  readonly raw: string
  /** Decoded, bulk strings as latin1 strings. */
  readonly value: Reply
}

export const encode = (args: ReadonlyArray<string>): Buffer => {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${a.length}\r\n${a}\r\n`
  return Buffer.from(out, "latin1")
}

export class RawConnection {
  private readonly parser = new ReplyParser({ bulk: "latin1" })
  private readonly queue: Array<RawReply> = []
  private waiters: Array<() => void> = []
  private closed = false
  readonly socket: Net.Socket

  private constructor(socket: Net.Socket) {
    this.socket = socket
    socket.on("data", (chunk) => {
      this.parser.feed(chunk)
      for (let r = this.parser.next(); r !== undefined; r = this.parser.next()) {
        this.queue.push({ raw: r.raw.latin1Slice(0, r.raw.length), value: r.value })
      }
      this.notify()
    })
    socket.on("close", () => {
      this.closed = true
      this.notify()
    })
    socket.on("error", () => {})
  }

  private notify(): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }

  /** `localAddress` picks the address the connection comes from (127.0.0.2: a non-loopback peer to Redis). */
  static connect(port: number, host = "127.0.0.1", options: { readonly localAddress?: string } = {}): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = Net.connect({ port, host, ...options }, () => resolve(new RawConnection(socket)))
      socket.setNoDelay(true)
      socket.once("error", reject)
    })
  }

  /** A connection over a socket already connected (a TLS socket once its handshake is done). */
  static over(socket: Net.Socket): RawConnection {
    return new RawConnection(socket)
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Sends bytes as they are (inline commands, malformed input). */
  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes)
  }

  /** Next `n` replies; rejects if the connection closes first or after `timeoutMs`. */
  async read(n = 1, timeoutMs = 5000): Promise<ReadonlyArray<RawReply>> {
    const deadline = Date.now() + timeoutMs
    while (this.queue.length < n) {
      if (this.closed) throw new Error(`connection closed after ${this.queue.length}/${n} replies`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timeout waiting for ${n} replies (got ${this.queue.length})`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.queue.splice(0, n)
  }

  /** Waits for the server to close the connection; resolves with the replies received before. */
  async readUntilClose(timeoutMs = 5000): Promise<ReadonlyArray<RawReply>> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error("timeout waiting for the server to close the connection")
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.queue.splice(0)
  }

  /** Sends one command (latin1 args) and returns its reply. */
  async call(...args: ReadonlyArray<string>): Promise<RawReply> {
    this.socket.write(encode(args))
    return (await this.read(1))[0]!
  }

  /** Sends commands pipelined, returns their replies in order. */
  async pipeline(commands: ReadonlyArray<ReadonlyArray<string>>, timeoutMs = 10_000): Promise<ReadonlyArray<RawReply>> {
    this.socket.write(Buffer.concat(commands.map(encode)))
    return this.read(commands.length, timeoutMs)
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      this.socket.once("close", () => resolve())
      this.socket.end()
    })
  }
}

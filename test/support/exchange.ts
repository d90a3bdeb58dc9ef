/**
 * One-shot exchanges of raw bytes for protocol tests: a fresh connection sends bytes (possibly
 * malformed) and records everything the server answers and whether it closed the connection.
 */
import * as Net from "node:net"

export interface Exchange {
  /** Every byte received, as a latin1 string. */
  readonly received: string
  /** Whether the server closed the connection. */
  readonly closed: boolean
}

/**
 * Connects, sends `bytes` (in order, one write per element), and waits until the server closes the
 * connection or has been quiet for `quietMs` after the last write or reply. With `endInput`, the
 * client then shuts its side down (EOF) and waits for the server to close, however long it is quiet
 * (up to 10 s): every byte is answered or refused before that, so nothing depends on timing.
 */
export const exchange = (
  port: number,
  bytes: ReadonlyArray<string | Buffer>,
  quietMs = 150,
  options: {
    readonly endInput?: boolean
    /** Each element in a write of its own, a few ms apart (the server reads them as separate batches). */
    readonly paced?: boolean
  } = {}
): Promise<Exchange> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    let closed = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer)
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
      resolve({ received: Buffer.concat(chunks).toString("latin1"), closed })
    }
    const quiet = () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(finish, quietMs)
    }
    socket.setNoDelay(true)
    socket.once("connect", async () => {
      for (const b of bytes) {
        if (socket.destroyed) break
        socket.write(typeof b === "string" ? Buffer.from(b, "latin1") : b)
        if (options.paced === true) await new Promise((r) => setTimeout(r, 2))
      }
      if (socket.destroyed) return
      if (options.endInput === true) {
        socket.end()
        timer = setTimeout(finish, 10_000)
      } else {
        quiet()
      }
    })
    socket.on("data", (chunk) => {
      chunks.push(chunk)
      if (options.endInput !== true) quiet()
    })
    // a reset (the server closed while bytes were still arriving) is a close too
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED") reject(e)
    })
    socket.on("close", () => {
      closed = true
      finish()
    })
  })

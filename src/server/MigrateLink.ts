/**
 * The network side of MIGRATE: Redis's blocking socket calls (connBlockingConnect, connSyncWrite,
 * connSyncReadLine with a timeout) made from the synchronous command path. A worker thread owns the
 * sockets and does the I/O on its own event loop; the server's thread posts it one request and waits
 * for the answer with `Atomics.wait`, so the whole server stops for the exchange, as redis-server does
 * during MIGRATE. The worker is started on the first MIGRATE (its code is a function of this module,
 * run with `eval`, so the bundled server needs no file beside it) and does not keep the process alive.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads"

/** What the worker answers to a request. */
export interface LinkAnswer {
  readonly id: number
  /** connect: connected (or, as a non-blocking connect, a socket whose error shows at the first write). */
  readonly ok?: boolean
  /** exchange: the reply lines read, without their CRLF. */
  readonly lines?: ReadonlyArray<string>
  /** exchange: where it stopped, when it did not read every line. */
  readonly error?: "write" | "read"
  /** Whether the failure was a timeout (Redis's errno ETIMEDOUT: no retry). */
  readonly timedOut?: boolean
}

/**
 * The worker's code (plain JavaScript once types are stripped; it must not refer to anything outside
 * itself). Requests: connect {name, host, port, timeout}, exchange {name, data, lines, timeout}
 * (write `data`, then read `lines` lines, each within `timeout` ms), close {name}.
 */
function migrateWorker(): void {
  // getBuiltinModule rather than require: a bundler rewrites `require` into a helper this code lacks
  const { workerData } = process.getBuiltinModule("node:worker_threads")
  const net = process.getBuiltinModule("node:net")
  const flag = new Int32Array(workerData.flag)
  const port = workerData.port
  interface Entry {
    socket: any
    buffered: string
    broken: boolean
    onChange: (() => void) | undefined
  }
  const sockets = new Map<string, Entry>()
  const answer = (message: unknown): void => {
    port.postMessage(message)
    Atomics.store(flag, 0, 1)
    Atomics.notify(flag, 0)
  }
  const close = (name: string): void => {
    const entry = sockets.get(name)
    if (entry === undefined) return
    sockets.delete(name)
    entry.onChange = undefined
    if (entry.socket !== undefined) entry.socket.destroy()
  }
  const connect = (m: any): void => {
    close(m.name)
    const entry: Entry = { socket: undefined, buffered: "", broken: false, onChange: undefined }
    if (!(m.port > 0 && m.port < 65536)) {
      // a port getaddrinfo takes but nothing listens on: the error shows when writing
      entry.broken = true
      sockets.set(m.name, entry)
      answer({ id: m.id, ok: true })
      return
    }
    let done = false
    const finish = (ok: boolean, timedOut: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (ok) sockets.set(m.name, entry)
      else socket.destroy()
      answer({ id: m.id, ok, timedOut })
    }
    const socket = net.connect({ host: m.host, port: m.port, noDelay: true })
    entry.socket = socket
    const timer = setTimeout(() => finish(false, true), m.timeout)
    socket.on("connect", () => finish(true, false))
    socket.on("data", (d: Buffer) => {
      entry.buffered += d.toString("latin1")
      if (entry.onChange !== undefined) entry.onChange()
    })
    socket.on("error", (e: any) => {
      entry.broken = true
      // a name that does not resolve fails the connect; a refused connection is a socket that was
      // "connected" without blocking and fails at its first write, as Redis's non-blocking connect
      if (!done) finish(e.syscall !== "getaddrinfo", false)
      if (entry.onChange !== undefined) entry.onChange()
    })
    socket.on("close", () => {
      entry.broken = true
      if (entry.onChange !== undefined) entry.onChange()
    })
  }
  const exchange = (m: any): void => {
    const entry = sockets.get(m.name)
    const lines: Array<string> = []
    if (entry === undefined || entry.broken || entry.socket === undefined) {
      answer({ id: m.id, lines, error: "write", timedOut: false })
      return
    }
    let done = false
    let writing = true
    let timer: any
    const finish = (error: string | undefined, timedOut: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      entry.onChange = undefined
      answer({ id: m.id, lines, error, timedOut })
    }
    const read = (): void => {
      while (lines.length < m.lines) {
        const nl = entry.buffered.indexOf("\n")
        if (nl === -1) break
        let line = entry.buffered.slice(0, nl)
        entry.buffered = entry.buffered.slice(nl + 1)
        if (line.endsWith("\r")) line = line.slice(0, -1)
        lines.push(line)
        clearTimeout(timer)
        timer = setTimeout(() => finish("read", true), m.timeout)
      }
      if (lines.length >= m.lines) finish(undefined, false)
      else if (entry.broken) finish("read", false)
    }
    timer = setTimeout(() => finish(writing ? "write" : "read", true), m.timeout)
    entry.onChange = () => {
      if (!writing) read()
      else if (entry.broken) finish("write", false)
    }
    entry.socket.write(Buffer.from(m.data), (err: unknown) => {
      if (done) return
      if (err) return finish("write", false)
      writing = false
      clearTimeout(timer)
      timer = setTimeout(() => finish("read", true), m.timeout)
      read()
    })
  }
  port.on("message", (m: any) => {
    if (m.op === "connect") connect(m)
    else if (m.op === "exchange") exchange(m)
    else if (m.op === "close") close(m.name)
  })
}

/** The worker and the synchronous calls into it. */
export class MigrateLink {
  private worker: Worker | undefined = undefined
  private port: MessagePort | undefined = undefined
  private readonly flag = new Int32Array(new SharedArrayBuffer(4))
  private nextId = 1

  private start(): MessagePort {
    if (this.port !== undefined) return this.port
    const { port1, port2 } = new MessageChannel()
    this.worker = new Worker(`(${migrateWorker.toString()})()`, {
      eval: true,
      workerData: { flag: this.flag.buffer, port: port2 },
      transferList: [port2]
    })
    this.worker.unref()
    // a worker that fails is dropped (its sockets with it): the next MIGRATE starts another
    const worker = this.worker
    const drop = (): void => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.port?.close()
      this.port = undefined
    }
    worker.on("error", drop)
    worker.on("exit", drop)
    port1.unref()
    this.port = port1
    return port1
  }

  /** Sends a request and waits for its answer, at most `waitMs` (undefined if none came). */
  private call(request: Record<string, unknown>, waitMs: number): LinkAnswer | undefined {
    const port = this.start()
    const id = this.nextId++
    Atomics.store(this.flag, 0, 0)
    port.postMessage({ ...request, id })
    const deadline = performance.now() + waitMs
    for (;;) {
      const left = deadline - performance.now()
      if (left <= 0) return undefined
      Atomics.wait(this.flag, 0, 0, left)
      Atomics.store(this.flag, 0, 0)
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const answer = m.message as LinkAnswer
        if (answer.id === id) return answer
      }
    }
  }

  /** connBlockingConnect: true when connected (the socket is then kept under `name`). */
  connect(name: string, host: string, port: number, timeout: number): boolean {
    const answer = this.call({ op: "connect", name, host, port, timeout }, timeout + 5000)
    return answer?.ok === true
  }

  /** Writes `data` and reads `lines` reply lines, each within `timeout` ms. */
  exchange(name: string, data: Uint8Array, lines: number, timeout: number): LinkAnswer {
    const answer = this.call({ op: "exchange", name, data, lines, timeout }, timeout * (lines + 2) + 5000)
    return answer ?? { id: 0, lines: [], error: "read", timedOut: true }
  }

  /** Closes the socket kept under `name` (no wait). */
  close(name: string): void {
    this.port?.postMessage({ op: "close", name })
  }

  /** Stops the worker and every socket it holds. */
  terminate(): void {
    const worker = this.worker
    this.worker = undefined
    this.port?.close()
    this.port = undefined
    void worker?.terminate()
  }
}

/**
 * A client's output channel: everything that leaves for one client goes through here. It owns the RESP
 * version, the reply mode (CLIENT REPLY ON/OFF/SKIP), push messages, byte accounting and the
 * client-output-buffer-limit of the client's class. Commands write into `writer` synchronously; the
 * connection takes a batch's replies in one write, and `flush` sends what is produced outside the
 * client's own batch (a served BLPOP, a pushed message) with backpressure.
 */
import { type Protocol, ReplyWriter } from "../resp/ReplyWriter.ts"

/** CLIENT REPLY ON|OFF|SKIP; "skipping" while the command after SKIP runs. */
export type ReplyMode = "on" | "off" | "skip" | "skipping"

/** client-output-buffer-limit classes (a master's link uses the normal class, as in Redis). */
export type OutputClass = "normal" | "replica" | "pubsub"

/** One class's limits: hard bytes, soft bytes, and how long the soft limit may be exceeded. 0 disables. */
export interface OutputLimit {
  readonly hard: number
  readonly soft: number
  readonly softSeconds: number
}

export const NO_LIMIT: OutputLimit = { hard: 0, soft: 0, softSeconds: 0 }

/** Parses the `client-output-buffer-limit` value as the config store holds it (class hard soft seconds ...). */
export const parseOutputLimits = (value: string): Record<OutputClass, OutputLimit> => {
  const limits: Record<OutputClass, OutputLimit> = { normal: NO_LIMIT, replica: NO_LIMIT, pubsub: NO_LIMIT }
  const words = value.trim().split(/\s+/)
  for (let i = 0; i + 3 < words.length; i += 4) {
    const name = words[i]!.toLowerCase()
    const cls: OutputClass | undefined = name === "normal" ? "normal" : name === "replica" || name === "slave" ? "replica" : name === "pubsub" ? "pubsub" : undefined
    if (cls === undefined) continue
    limits[cls] = { hard: Number(words[i + 1]), soft: Number(words[i + 2]), softSeconds: Number(words[i + 3]) }
  }
  return limits
}

/** The lowest non-zero limit of any class (Infinity when none is set). */
export const limitFloor = (limits: Record<OutputClass, OutputLimit>): number => {
  let floor = Infinity
  for (const limit of Object.values(limits)) {
    if (limit.hard > 0) floor = Math.min(floor, limit.hard)
    if (limit.soft > 0) floor = Math.min(floor, limit.soft)
  }
  return floor
}

/** The line Redis logs for a client closed over its client-output-buffer-limit (`description`: its CLIENT LIST line). */
export const outputLimitReason = (description: string): string =>
  `Client ${description} scheduled to be closed ASAP for overcoming of output buffer limits.`

/** Where a client's bytes go: its socket. */
export interface OutputSink {
  /** False once the socket is closed: nothing is sent or counted any more. */
  readonly open: () => boolean
  /** Hands bytes to the socket; false when the socket is full and should drain first. */
  readonly write: (bytes: Buffer) => boolean
  /** Bytes handed to the socket that the kernel has not taken yet. */
  readonly pending: () => number
  /** True while the socket waits for 'drain': outside writes wait too. */
  readonly full: () => boolean
  /** Calls `then` once the socket has drained. */
  readonly whenDrained: (then: () => void) => void
  /** Closes the client at once (its output is over a limit), with the line to log. */
  readonly close: (reason: string) => void
}

/** A sink for a client whose replies nobody reads (the link from a master, an AOF being loaded). */
export const DISCARD: OutputSink = {
  open: () => true,
  write: () => true,
  pending: () => 0,
  full: () => false,
  whenDrained: (then) => then(),
  close: () => {}
}

/** What the output needs of the server around it. */
export interface OutputHost {
  /** Counts bytes written to sockets (INFO total_net_output_bytes). */
  readonly countOutput: (bytes: number) => void
  /** The limits of a class, from the configuration. */
  readonly limitOf: (cls: OutputClass) => OutputLimit
  /** Unix ms of the current batch. */
  readonly now: () => number
}

export class ClientOutput {
  readonly writer: ReplyWriter
  mode: ReplyMode = "on"
  cls: OutputClass = "normal"
  /** Where the bytes go; undefined while nobody but the owner takes them (the in-process client). */
  sink: OutputSink | undefined = undefined
  /** Bytes sent to the sink over the client's life. */
  bytesOut = 0
  /** When the soft limit started being exceeded (unix ms), -1 while under it. */
  private softSince = -1
  private waitingForDrain = false
  /** True while a reply that CLIENT REPLY drops is being written. */
  private dropping = false
  /** Pushes written while `dropping`, appended once the dropped reply is cut. */
  private keptPushes: Array<string> = []
  /** Replies wait for the writes before them to be on disk (appendfsync always): see `holdUntilDurable`. */
  durableHold = false
  /** While above 0 (an EXEC runs), pushes to this client wait until it ends: see `holdPushes`. */
  private held = 0
  private readonly host: OutputHost

  constructor(host: OutputHost) {
    this.host = host
    this.writer = new ReplyWriter(16 * 1024)
  }

  /** Unix ms of the current batch. */
  get now(): number {
    return this.host.now()
  }

  get resp(): Protocol {
    return this.writer.resp
  }

  set resp(version: Protocol) {
    this.writer.resp = version
  }

  /** Before a command's reply: CLIENT REPLY SKIP applies to the next command only. */
  beginReply(): number {
    if (this.mode === "skip") this.mode = "skipping"
    this.dropping = this.mode !== "on"
    return this.writer.mark()
  }

  /**
   * After a command's reply: under OFF/SKIP it is dropped, unless the command turned replies back on
   * (CLIENT REPLY ON, RESET), as Redis clears the flag before that command replies. Pushes written
   * meanwhile are kept.
   */
  endReply(mark: number, skipped: boolean): void {
    this.endBlockedReply(mark, skipped)
    if (this.mode === "skipping") this.mode = "on"
  }

  /**
   * A blocked client's reply (served, timed out, unblocked), produced outside its batch: dropped under
   * OFF/SKIP as its command's reply would have been. The mode changes only when the wait ends.
   */
  beginBlockedReply(): number {
    this.dropping = this.mode !== "on"
    return this.writer.mark()
  }

  endBlockedReply(mark: number, skipped = true): void {
    if (skipped && this.mode !== "on") this.writer.truncate(mark)
    this.dropping = false
    if (this.held === 0) this.appendKeptPushes()
  }

  private appendKeptPushes(): void {
    if (this.keptPushes.length === 0) return
    for (const push of this.keptPushes) this.writer.raw(push)
    this.keptPushes = []
  }

  /**
   * Pushes to this client (a message it published to itself, an invalidation of a key it wrote) wait
   * while it runs a transaction, and follow the transaction's reply in order, rather than landing inside
   * EXEC's array as in Redis 7.0 (7.2 defers them the same way). Nests.
   */
  holdPushes(): void {
    this.held++
  }

  releasePushes(): void {
    this.held--
    if (this.held === 0 && !this.dropping) this.appendKeptPushes()
  }

  /** Whether the reply about to be written would be dropped (OFF, or the command after SKIP). */
  get suppressed(): boolean {
    return this.mode !== "on"
  }

  /**
   * A push message (pub/sub, invalidations): RESP3 `>` or, in RESP2, a plain array of `n` elements that
   * `fill` writes. Pushes are sent under CLIENT REPLY OFF too (Redis's CLIENT_PUSHING): one written
   * while a dropped reply is being written is set aside and kept. `ownReply`: the push is the reply of
   * the client's own command (SUBSCRIBE's confirmations), never held back by `holdPushes`.
   */
  push(n: number, fill: (writer: ReplyWriter) => void, ownReply = false): void {
    // a client closed (over its limit, killed) gets nothing more: its output would only pile up
    if (this.sink !== undefined && !this.sink.open()) return
    const start = this.writer.mark()
    this.writer.pushHeader(n)
    fill(this.writer)
    if (!this.dropping && (this.held === 0 || ownReply)) return
    this.keptPushes.push(this.writer.since(start))
    this.writer.truncate(start)
  }

  /**
   * Keeps everything written for this client until `releaseDurable`: the connection does not send its
   * batch's replies, nor does `flush`. The AOF's group commit holds the clients of an event-loop turn
   * while it writes and fsyncs once for all of them.
   */
  holdUntilDurable(): void {
    this.durableHold = true
  }

  releaseDurable(): void {
    this.durableHold = false
  }

  /**
   * A push whose whole RESP is ready in both protocols (PUBLISH builds it once for every subscriber):
   * one copy on the common path, `push` when a reply is being dropped or pushes are held.
   */
  pushEncoded(resp2: string, resp3: string, n: number, body: (writer: ReplyWriter) => void): void {
    if (this.dropping || this.held !== 0) return this.push(n, body)
    if (this.sink !== undefined && !this.sink.open()) return
    this.writer.raw(this.writer.resp === 2 ? resp2 : resp3)
  }

  /** Bytes waiting for this client: not yet written, or written and not yet taken by the kernel. */
  get used(): number {
    return this.writer.length + (this.sink === undefined ? 0 : this.sink.pending())
  }

  /**
   * checkClientOutputBufferLimits: over the hard limit, or over the soft limit for longer than its
   * seconds. The soft clock starts the first time it is exceeded and stops when usage falls under it.
   */
  overLimit(): boolean {
    const limit = this.host.limitOf(this.cls)
    if (limit.hard === 0 && limit.soft === 0) return false
    const used = this.used
    if (limit.hard > 0 && used >= limit.hard) return true
    if (limit.soft > 0 && used >= limit.soft) {
      const now = this.host.now()
      if (this.softSince === -1) {
        this.softSince = now
        return false
      }
      return (now - this.softSince) / 1000 > limit.softSeconds
    }
    this.softSince = -1
    return false
  }

  /** Replies nobody reads (the master's link, an AOF being loaded) are dropped after each command. */
  dropIfDiscarded(): void {
    if (this.sink !== DISCARD) return
    this.writer.take()
    this.writer.recycle()
  }

  /** Sends taken bytes to the sink, counting them; false when the sink must drain first. */
  send(bytes: Buffer): boolean {
    this.bytesOut += bytes.length
    this.host.countOutput(bytes.length)
    const sink = this.sink!
    const taken = sink.write(bytes)
    // Once the socket handed every byte to the kernel, no view `take()` gave out is in use any more: the
    // buffer starts over instead of filling up and being replaced (replies of 1.5 KB replaced a 64 KB
    // buffer every 40 of them). A write taken in part keeps its view until it completes.
    if (sink.pending() === 0) this.writer.recycle()
    return taken
  }

  /**
   * Sends what was produced outside the client's own batch. A client over its limit is closed with
   * Redis's log line instead; a full socket keeps the bytes here (still counted against the limit)
   * until it drains.
   */
  flush(describe: () => string): void {
    const sink = this.sink
    if (sink === undefined || !sink.open() || this.durableHold) return
    if (this.overLimit()) {
      this.writer.take()
      sink.close(outputLimitReason(describe()))
      return
    }
    if (sink.full()) {
      if (this.waitingForDrain) return
      this.waitingForDrain = true
      sink.whenDrained(() => {
        this.waitingForDrain = false
        this.flush(describe)
      })
      return
    }
    const out = this.writer.take()
    if (out !== undefined) this.send(out)
  }
}

import * as Data from "effect/Data"

/** An error reply (`-ERR ...`), as a value (inside EXEC replies) or as the failure of a command. */
export class ReplyError extends Data.TaggedError("ReplyError")<{ readonly message: string }> {
  /** The error code: the first word, e.g. "ERR" or "WRONGTYPE". */
  get code(): string {
    const space = this.message.indexOf(" ")
    return space === -1 ? this.message : this.message.slice(0, space)
  }
}

/** A RESP3 push message (pub/sub, invalidations). */
export class Push {
  readonly values: ReadonlyArray<Reply>
  constructor(values: ReadonlyArray<Reply>) {
    this.values = values
  }
}

/**
 * A decoded reply. Simple, bulk and verbatim strings are `string` (decoded as configured), or
 * `Uint8Array` in binary mode; integers are `number` (a `bigint` beyond 2^53); RESP3 doubles are
 * `number`, big numbers `bigint`, booleans `boolean`, null replies `null`; maps and sets are JS
 * `Map`/`Set`.
 */
export type Reply =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ReplyError
  | Push
  | ReadonlyArray<Reply>
  | ReadonlyMap<Reply, Reply>
  | ReadonlySet<Reply>

export interface ReplyParserOptions {
  /** How bulk strings decode: "utf8" and "latin1" give strings, "binary" gives Uint8Array. */
  readonly bulk?: "utf8" | "latin1" | "binary"
}

const INCOMPLETE = Symbol("incomplete")

/**
 * Incremental RESP2/RESP3 reply decoder. `feed` bytes, then call `next()` until it returns undefined.
 * Malformed input throws, since only a broken server produces it.
 */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private readonly bulkMode: "utf8" | "latin1" | "binary"

  constructor(options: ReplyParserOptions = {}) {
    this.bulkMode = options.bulk ?? "utf8"
  }

  feed(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    this.buf = this.pos >= this.buf.length ? bytes : Buffer.concat([this.buf.subarray(this.pos), bytes])
    this.pos = 0
  }

  /** The next complete reply as `{ value }`, or undefined if more bytes are needed. */
  next(): { readonly value: Reply; readonly raw: Buffer } | undefined {
    const start = this.pos
    const value = this.parse()
    if (value === INCOMPLETE) {
      this.pos = start
      return undefined
    }
    return { value, raw: this.buf.subarray(start, this.pos) }
  }

  private readLine(): string | typeof INCOMPLETE {
    const cr = this.buf.indexOf("\r\n", this.pos, "latin1")
    if (cr === -1) return INCOMPLETE
    const line = this.buf.latin1Slice(this.pos, cr)
    this.pos = cr + 2
    return line
  }

  private decode(start: number, end: number): string | Uint8Array {
    switch (this.bulkMode) {
      case "utf8":
        return this.buf.toString("utf8", start, end)
      case "latin1":
        return this.buf.latin1Slice(start, end)
      case "binary":
        return new Uint8Array(this.buf.subarray(start, end))
    }
  }

  private parse(): Reply | typeof INCOMPLETE {
    if (this.pos >= this.buf.length) return INCOMPLETE
    const type = String.fromCharCode(this.buf[this.pos]!)
    this.pos++
    const line = this.readLine()
    if (line === INCOMPLETE) return INCOMPLETE
    switch (type) {
      case "+":
        return this.bulkMode === "binary" ? new Uint8Array(Buffer.from(line, "latin1")) : line
      case "-":
        return new ReplyError({ message: line })
      case ":": {
        const n = Number(line)
        return Number.isSafeInteger(n) ? n : BigInt(line)
      }
      case "$":
      case "=":
      case "!": {
        const len = Number(line)
        if (len < 0) return null
        if (this.buf.length - this.pos < len + 2) return INCOMPLETE
        const start = type === "=" ? this.pos + 4 : this.pos // verbatim: skip "txt:"
        const value = this.decode(start, this.pos + len)
        this.pos += len + 2
        if (type === "!") return new ReplyError({ message: String(value) })
        return value
      }
      case "*":
      case "~":
      case ">": {
        const n = Number(line)
        if (n < 0) return null
        const items: Reply[] = []
        for (let i = 0; i < n; i++) {
          const item = this.parse()
          if (item === INCOMPLETE) return INCOMPLETE
          items.push(item)
        }
        if (type === "~") return new Set(items)
        if (type === ">") return new Push(items)
        return items
      }
      case "%": {
        const n = Number(line)
        const map = new Map<Reply, Reply>()
        for (let i = 0; i < n; i++) {
          const k = this.parse()
          if (k === INCOMPLETE) return INCOMPLETE
          const v = this.parse()
          if (v === INCOMPLETE) return INCOMPLETE
          map.set(k, v)
        }
        return map
      }
      case "_":
        return null
      case ",":
        return line === "inf" ? Infinity : line === "-inf" ? -Infinity : line === "nan" ? NaN : Number(line)
      case "#":
        return line === "t"
      case "(":
        return BigInt(line)
      default:
        throw new Error(`RESP: unexpected type byte ${JSON.stringify(type)}`)
    }
  }
}

/** Encodes a command as a RESP multibulk request (clients, replication, AOF). */
export const encodeCommand = (args: ReadonlyArray<string | Uint8Array>): Buffer => {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, "latin1")]
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "utf8") : Buffer.from(arg)
    parts.push(Buffer.from(`$${bytes.length}\r\n`, "latin1"), bytes, Buffer.from("\r\n", "latin1"))
  }
  return Buffer.concat(parts)
}

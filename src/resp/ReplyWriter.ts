import { formatDouble } from "../util/numbers.ts"

/** The protocol a client speaks: RESP2 (default) or RESP3 after `HELLO 3`. */
export type Protocol = 2 | 3

const MIN_BUFFER = 64 * 1024
/** Above this size, `recycle` replaces the buffer with a new MIN_BUFFER one instead of reusing it. */
const MAX_KEPT_BUFFER = 1024 * 1024
/**
 * Up to this many chars, text is copied into the buffer by a JS loop: Buffer#latin1Write is a call
 * into C++ that costs more than the copy for short strings (replies of 100 short elements spent most
 * of their time there).
 */
const SHORT_WRITE = 32

/** An error reply's code, as INFO errorstats counts it: its first word. */
export const errorCode = (message: string): string => {
  const space = message.indexOf(" ")
  return space === -1 ? message : message.slice(0, space)
}

/**
 * The one reply encoder. Commands write replies straight into a byte buffer, in RESP2 or RESP3
 * according to `resp`; the connection takes what accumulated during a read batch with `take()` and
 * sends it in one socket write.
 *
 * Strings are latin1 JS strings (one char per byte), the representation of every key and value, so
 * writing one is a memcpy. `take()` hands out a view of the bytes written since the last take, and
 * the buffer moves forward past them, so no copy is needed before the write; it starts over only
 * when the owner says, with `recycle()`, that no view is in use any more.
 */
export class ReplyWriter {
  resp: Protocol = 2
  /** Called with the error code ("ERR", "WRONGTYPE", ...) of every error reply (INFO errorstats). */
  onError: ((code: string) => void) | undefined = undefined
  onCountedError: (() => void) | undefined = undefined
  private buf: Buffer
  private start = 0
  private pos = 0

  constructor(initialSize = MIN_BUFFER) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written since the last `take()`. */
  get length(): number {
    return this.pos - this.start
  }

  /** Size of the reply buffer (CLIENT LIST rbs=). */
  get capacity(): number {
    return this.buf.length
  }

  /** The bytes written since the last take, or undefined when there are none. */
  take(): Buffer | undefined {
    if (this.pos === this.start) return undefined
    const out = this.buf.subarray(this.start, this.pos)
    this.start = this.pos
    return out
  }

  /**
   * Starts writing at the beginning of the buffer again, when nothing written is left to take: the
   * caller's promise that no view handed out by `take()` is still in use (the socket wrote them all).
   */
  recycle(): void {
    if (this.pos !== this.start) return
    // a buffer grown for one huge reply is not kept for the client's lifetime (Redis shrinks its
    // client buffers the same way)
    if (this.buf.length > MAX_KEPT_BUFFER) this.buf = Buffer.allocUnsafe(MIN_BUFFER)
    this.start = this.pos = 0
  }

  /** Current write offset: with `truncate`, lets the engine discard a reply (CLIENT REPLY OFF/SKIP). */
  mark(): number {
    return this.pos - this.start
  }

  truncate(mark: number): void {
    this.pos = this.start + mark
  }

  /** The bytes written after `mark`, as a latin1 string (MULTI/EXEC bookkeeping, tests). */
  since(mark: number): string {
    return this.buf.latin1Slice(this.start + mark, this.pos)
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const pending = this.pos - this.start
    const next = Buffer.allocUnsafe(Math.max(MIN_BUFFER, (pending + n) * 2))
    this.buf.copy(next, 0, this.start, this.pos)
    this.buf = next
    this.start = 0
    this.pos = pending
  }

  /** Pre-encoded RESP (latin1), written as is. */
  raw(resp: string): void {
    this.ensure(resp.length)
    this.pos = this.text(resp, this.pos)
  }

  /** Copies latin1 text at `p` (room already ensured); returns the position after it. */
  private text(s: string, p: number): number {
    const n = s.length
    if (n > SHORT_WRITE) return p + this.buf.latin1Write(s, p)
    const buf = this.buf
    for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i)
    return p + n
  }

  /** Writes a non-negative integer's decimal digits at `p` (room already ensured). */
  private digits(n: number, p: number): number {
    const buf = this.buf
    if (n < 10) {
      buf[p] = 48 + n
      return p + 1
    }
    let end = p
    for (let m = n; m > 0; m = Math.floor(m / 10)) end++
    for (let i = end - 1, m = n; i >= p; i--, m = Math.floor(m / 10)) buf[i] = 48 + (m % 10)
    return end
  }

  /** `<prefix><n>\r\n` for a count or length (array headers, bulk lengths). */
  private header(prefix: number, n: number): void {
    this.ensure(24)
    const buf = this.buf
    let p = this.pos
    buf[p++] = prefix
    p = this.digits(n, p)
    buf[p] = 13
    buf[p + 1] = 10
    this.pos = p + 2
  }

  rawBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  private crlf(): void {
    this.buf[this.pos] = 13
    this.buf[this.pos + 1] = 10
    this.pos += 2
  }

  private line(prefix: string, text: string): void {
    this.ensure(text.length + 3)
    this.buf[this.pos] = prefix.charCodeAt(0)
    this.pos = this.text(text, this.pos + 1)
    this.crlf()
  }

  ok(): void {
    this.raw("+OK\r\n")
  }

  simple(text: string): void {
    this.line("+", text)
  }

  /** An error reply; `message` starts with its code, e.g. "ERR syntax error" (see commands/errors.ts). */
  error(message: string): void {
    this.line("-", message)
    if (this.onError !== undefined) this.onError(errorCode(message))
  }

  /**
   * An error already counted where it was made (a script passing on the error of a command it called:
   * ERR_REPLY_FLAG_NO_STATS_UPDATE): not in the error stats again, but the command still failed.
   */
  errorCounted(message: string): void {
    this.line("-", message)
    this.onCountedError?.()
  }

  integer(n: number | bigint): void {
    if (typeof n === "number" && n >= 0 && Number.isSafeInteger(n)) this.header(58 /* : */, n)
    else this.line(":", typeof n === "number" ? String(n) : n.toString())
  }

  /**
   * The hottest writer (every element of a range reply), so written in one piece: one room check for
   * the header, text and CRLF, and lengths under 100 without the digit loop (LRANGE/ZRANGE of 100 took
   * 10-15% less time than through header + ensure + text + crlf).
   */
  bulk(value: string): void {
    const len = value.length
    if (this.pos + len + 26 > this.buf.length) this.ensure(len + 26)
    const buf = this.buf
    let p = this.pos
    buf[p] = 36 /* $ */
    if (len < 10) {
      buf[p + 1] = 48 + len
      p += 2
    } else if (len < 100) {
      const tens = (len / 10) | 0
      buf[p + 1] = 48 + tens
      buf[p + 2] = 48 + len - tens * 10
      p += 3
    } else p = this.digits(len, p + 1)
    buf[p] = 13
    buf[p + 1] = 10
    p += 2
    if (len > SHORT_WRITE) p += buf.latin1Write(value, p)
    else {
      for (let i = 0; i < len; i++) buf[p + i] = value.charCodeAt(i)
      p += len
    }
    buf[p] = 13
    buf[p + 1] = 10
    this.pos = p + 2
  }

  /**
   * A stream ID `<ms>-<seq>` from its halves (exact integers) as a bulk string. Each half is copied from
   * its own flat decimal text (V8 caches recent number strings): the concatenated ID text, 13 chars or
   * more, would be a cons string needing a flatten before its copy.
   */
  streamId(ms: number, seq: number): void {
    const msText = String(ms)
    const seqText = String(seq)
    this.header(36 /* $ */, msText.length + 1 + seqText.length)
    this.ensure(msText.length + seqText.length + 3)
    let p = this.text(msText, this.pos)
    this.buf[p] = 45 /* - */
    p = this.text(seqText, p + 1)
    this.pos = p
    this.crlf()
  }

  bulkBytes(value: Uint8Array): void {
    this.line("$", String(value.length))
    this.rawBytes(value)
    this.ensure(2)
    this.crlf()
  }

  /** A bulk string or, for undefined, the null bulk string. */
  bulkOrNull(value: string | undefined): void {
    if (value === undefined) this.nullBulk()
    else this.bulk(value)
  }

  /** RESP2 `$-1`, RESP3 `_`. */
  nullBulk(): void {
    this.raw(this.resp === 2 ? "$-1\r\n" : "_\r\n")
  }

  /** RESP2 `*-1`, RESP3 `_`. */
  nullArray(): void {
    this.raw(this.resp === 2 ? "*-1\r\n" : "_\r\n")
  }

  arrayHeader(n: number): void {
    this.header(42 /* * */, n)
  }

  emptyArray(): void {
    this.raw("*0\r\n")
  }

  /** A map of `n` pairs: RESP3 `%n`, RESP2 a flat array of 2n elements. */
  mapHeader(n: number): void {
    if (this.resp === 2) this.line("*", String(n * 2))
    else this.line("%", String(n))
  }

  /** RESP3 `~n`, RESP2 an array. */
  setHeader(n: number): void {
    this.line(this.resp === 2 ? "*" : "~", String(n))
  }

  /** RESP3 `>n`, RESP2 an array (pub/sub messages). */
  pushHeader(n: number): void {
    this.line(this.resp === 2 ? "*" : ">", String(n))
  }

  /** Redis 7.0 `addReplyDouble`: `%.17g` text; RESP2 a bulk string, RESP3 a double. */
  double(d: number): void {
    const text = formatDouble(d)
    if (this.resp === 2) this.bulk(text)
    else this.line(",", text)
  }

  /** A double already formatted by the command (e.g. a stored score's text). */
  doubleText(text: string): void {
    if (this.resp === 2) this.bulk(text)
    else this.line(",", text)
  }

  /** RESP3 `#t`/`#f`, RESP2 `:1`/`:0`. */
  bool(b: boolean): void {
    if (this.resp === 2) this.raw(b ? ":1\r\n" : ":0\r\n")
    else this.raw(b ? "#t\r\n" : "#f\r\n")
  }

  /** RESP3 verbatim string (`=len\r\ntxt:...`), RESP2 a bulk string. */
  verbatim(text: string, format = "txt"): void {
    if (this.resp === 2) {
      this.bulk(text)
      return
    }
    this.line("=", String(text.length + 4))
    this.ensure(text.length + 6)
    this.pos += this.buf.latin1Write(format, this.pos)
    this.buf[this.pos++] = 58 /* : */
    this.pos += this.buf.latin1Write(text, this.pos)
    this.crlf()
  }

  /** RESP3 big number, RESP2 a bulk string. */
  bigNumber(digits: string): void {
    if (this.resp === 2) this.bulk(digits)
    else this.line("(", digits)
  }

  /** An array of bulk strings. */
  bulkArray(values: ReadonlyArray<string>): void {
    this.arrayHeader(values.length)
    for (let i = 0; i < values.length; i++) this.bulk(values[i]!)
  }

  /** An array of bulk strings where undefined entries are null bulks (MGET, HMGET). */
  bulkOrNullArray(values: ReadonlyArray<string | undefined>): void {
    this.arrayHeader(values.length)
    for (let i = 0; i < values.length; i++) this.bulkOrNull(values[i])
  }
}

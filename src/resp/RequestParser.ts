import * as Errors from "../commands/errors.ts"

/** Longest inline request and longest `*<count>`/`$<len>` line Redis accepts (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024
/** Bulk arguments at least this long get a buffer of their own instead of being re-concatenated. */
const BIG_ARG = 32 * 1024
const INT_MAX = 2147483647

/** A request the parser rejected: the error to reply with, after which the client is closed. */
export class ProtocolError {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLength(): number
}

/**
 * Incremental RESP request decoder, one per client. Bytes arrive in arbitrary chunks (`feed`); `next`
 * returns each complete command as an argv of latin1 strings (binary safe), `undefined` when more bytes
 * are needed, or a `ProtocolError` after which the parser must not be used again.
 *
 * Mirrors Redis's processMultibulkBuffer/processInlineBuffer: same limits, same error texts, and the
 * same leniencies (the two bytes after a bulk payload are skipped unchecked, `*0` and blank lines are
 * ignored).
 */
export class RequestParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  /** Arguments still expected by the current multibulk request; 0 when between requests. */
  private remaining = 0
  /** Length of the bulk argument being read, or -1 before its `$<len>` line. */
  private bulkLen = -1
  private argv: string[] = []
  /** A bulk argument of at least BIG_ARG bytes is collected here (payload + CRLF). */
  private big: Buffer | undefined = undefined
  private bigFill = 0

  private readonly limits: ParserLimits

  constructor(limits: ParserLimits) {
    this.limits = limits
  }

  /** Bytes received but not consumed yet (query buffer length, for CLIENT LIST and limits). */
  get pending(): number {
    return this.buf.length - this.pos + (this.big === undefined ? 0 : this.bigFill)
  }

  feed(chunk: Uint8Array): void {
    if (this.big !== undefined) {
      const take = Math.min(chunk.length, this.big.length - this.bigFill)
      this.big.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.bigFill)
      this.bigFill += take
      if (take === chunk.length) return
      chunk = chunk.subarray(take)
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    if (this.pos >= this.buf.length) {
      this.buf = bytes
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), bytes])
    }
    this.pos = 0
  }

  /** The next complete command, undefined when incomplete, or a protocol error. */
  next(): string[] | ProtocolError | undefined {
    for (;;) {
      if (this.remaining === 0) {
        if (this.pos >= this.buf.length) return undefined
        if (this.buf[this.pos] !== 42 /* * */) {
          const inline = this.parseInline()
          if (inline === null) continue // blank line
          return inline
        }
        const count = this.parseMultibulkCount()
        if (count === undefined) return undefined
        if (count instanceof ProtocolError) return count
        if (count <= 0) continue // "*0" and "*-1" are no-ops
        this.remaining = count
        this.argv = []
      }
      const done = this.parseBulks()
      if (done !== true) return done
      const argv = this.argv
      this.argv = []
      return argv
    }
  }

  /** Index of the next "\r" at or after `from`, or -1. */
  private findCR(from: number): number {
    return this.buf.indexOf(13, from)
  }

  private parseMultibulkCount(): number | ProtocolError | undefined {
    const cr = this.findCR(this.pos)
    if (cr === -1) {
      if (this.buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError(Errors.PROTOCOL_BIG_MBULK_COUNT)
      return undefined
    }
    if (cr + 1 >= this.buf.length) return undefined // "\r" seen, "\n" not yet
    const n = parseLength(this.buf, this.pos + 1, cr)
    if (n === undefined || n > INT_MAX) return new ProtocolError(Errors.PROTOCOL_INVALID_MULTIBULK)
    this.pos = cr + 2
    return n
  }

  /** Reads bulk arguments until the request is complete (true) or bytes run out. */
  private parseBulks(): true | ProtocolError | undefined {
    while (this.remaining > 0) {
      if (this.big !== undefined) {
        if (this.bigFill < this.big.length) return undefined
        this.argv.push(this.big.latin1Slice(0, this.big.length - 2))
        this.big = undefined
        this.bigFill = 0
        this.bulkLen = -1
        this.remaining--
        continue
      }
      if (this.bulkLen === -1) {
        const cr = this.findCR(this.pos)
        if (cr === -1) {
          if (this.buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
            return new ProtocolError(Errors.PROTOCOL_BIG_BULK_COUNT)
          }
          return undefined
        }
        if (cr + 1 >= this.buf.length) return undefined
        if (this.buf[this.pos] !== 36 /* $ */) {
          return new ProtocolError(Errors.protocolExpectedDollar(String.fromCharCode(this.buf[this.pos]!)))
        }
        const len = parseLength(this.buf, this.pos + 1, cr)
        if (len === undefined || len < 0 || len > this.limits.maxBulkLength()) {
          return new ProtocolError(Errors.PROTOCOL_INVALID_BULK)
        }
        this.pos = cr + 2
        this.bulkLen = len
        if (len >= BIG_ARG && this.buf.length - this.pos < len + 2) {
          // Collect a big payload in one buffer sized for it: no quadratic re-concatenation.
          this.big = Buffer.allocUnsafe(len + 2)
          this.bigFill = this.buf.copy(this.big, 0, this.pos)
          this.pos = this.buf.length
          continue
        }
      }
      if (this.buf.length - this.pos < this.bulkLen + 2) return undefined
      this.argv.push(this.buf.latin1Slice(this.pos, this.pos + this.bulkLen))
      this.pos += this.bulkLen + 2
      this.bulkLen = -1
      this.remaining--
    }
    return true
  }

  /** An inline command (telnet, redis-cli --no-raw piping); null for a blank line. */
  private parseInline(): string[] | ProtocolError | null | undefined {
    const nl = this.buf.indexOf(10, this.pos)
    if (nl === -1) {
      if (this.buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError(Errors.PROTOCOL_BIG_INLINE)
      return undefined // wait for the rest of the line
    }
    let end = nl
    if (end > this.pos && this.buf[end - 1] === 13) end--
    const line = this.buf.latin1Slice(this.pos, end)
    this.pos = nl + 1
    const argv = splitInlineArgs(line)
    if (argv === undefined) return new ProtocolError(Errors.PROTOCOL_UNBALANCED_QUOTES)
    return argv.length === 0 ? null : argv
  }
}

/** string2ll over a byte range; undefined when not a valid integer. */
const parseLength = (buf: Buffer, from: number, to: number): number | undefined => {
  const len = to - from
  if (len <= 0 || len > 20) return undefined
  let i = from
  let neg = false
  if (buf[i] === 45) {
    if (len === 1) return undefined
    neg = true
    i++
  }
  if (buf[i] === 48) return to - i === 1 && !neg ? 0 : undefined
  let n = 0
  for (; i < to; i++) {
    const c = buf[i]!
    if (c < 48 || c > 57) return undefined
    n = n * 10 + (c - 48)
  }
  return neg ? -n : n
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1

/**
 * Redis's `sdssplitargs`: whitespace-separated words, "double quotes" with \n \r \t \b \a \xHH escapes,
 * 'single quotes' with \' only. A closing quote must be followed by a space or the end. undefined for
 * unbalanced quotes.
 */
export const splitInlineArgs = (line: string): string[] | undefined => {
  const out: string[] = []
  let i = 0
  const n = line.length
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++
    if (i >= n) return out
    let current = ""
    let inDouble = false
    let inSingle = false
    let done = false
    while (!done) {
      if (inDouble) {
        if (i >= n) return undefined
        const c = line[i]!
        if (c === "\\" && i + 3 < n && line[i + 1] === "x" && hexValue(line.charCodeAt(i + 2)) >= 0 && hexValue(line.charCodeAt(i + 3)) >= 0) {
          current += String.fromCharCode(hexValue(line.charCodeAt(i + 2)) * 16 + hexValue(line.charCodeAt(i + 3)))
          i += 3
        } else if (c === "\\" && i + 1 < n) {
          i++
          const e = line[i]!
          current += e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e === "b" ? "\b" : e === "a" ? "\x07" : e
        } else if (c === "\"") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return undefined
          done = true
        } else {
          current += c
        }
      } else if (inSingle) {
        if (i >= n) return undefined
        const c = line[i]!
        if (c === "\\" && i + 1 < n && line[i + 1] === "'") {
          i++
          current += "'"
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return undefined
          done = true
        } else {
          current += c
        }
      } else {
        if (i >= n) {
          done = true
          break
        }
        const c = line[i]!
        if (c === " " || c === "\n" || c === "\r" || c === "\t") done = true // not \v \f, as in sdssplitargs
        else if (c === "\"") inDouble = true
        else if (c === "'") inSingle = true
        else current += c
      }
      if (i < n) i++
    }
    out.push(current)
  }
}

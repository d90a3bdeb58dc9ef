/** Longest inline request and longest `*<count>`/`$<len>` line Redis accepts (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024
/** Bulk arguments at least this long get a buffer of their own instead of being re-concatenated. */
const BIG_ARG = 32 * 1024
const INT_MAX = 2147483647
/** Up to this many bytes, arguments are built with String.fromCharCode (see bytesToString). */
const SHORT_STRING = 20

const EMPTY = Buffer.alloc(0)
/** Smallest storage the parser allocates for bytes kept across feeds. */
const MIN_QUERY_BUFFER = 1024
/** detach shrinks the parser's storage above this size when it is less than a quarter full. */
const SHRINK_ABOVE = 64 * 1024

/** The errors a client gets before its connection is closed for a malformed request (networking.c). */
export const PROTOCOL_INVALID_MULTIBULK = "ERR Protocol error: invalid multibulk length"
export const PROTOCOL_INVALID_BULK = "ERR Protocol error: invalid bulk length"
export const PROTOCOL_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request"
export const PROTOCOL_BIG_INLINE = "ERR Protocol error: too big inline request"
export const PROTOCOL_BIG_MBULK_COUNT = "ERR Protocol error: too big mbulk count string"
export const PROTOCOL_BIG_BULK_COUNT = "ERR Protocol error: too big bulk count string"
export const PROTOCOL_UNAUTH_MULTIBULK = "ERR Protocol error: unauthenticated multibulk length"
export const PROTOCOL_UNAUTH_BULK = "ERR Protocol error: unauthenticated bulk length"
/** addReplyErrorFormat shows the byte found, with "\r" and "\n" as spaces. */
export const protocolExpectedDollar = (got: string): string =>
  `ERR Protocol error: expected '$', got '${got === "\r" || got === "\n" ? " " : got}'`

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
  /**
   * Redis's authRequired: the client has not authenticated and the default user needs a password.
   * Such a client may declare at most UNAUTH_MAX_MULTIBULK arguments of UNAUTH_MAX_BULK bytes each.
   */
  authRequired?(): boolean
}

/** Most arguments a client that must still authenticate may declare (networking.c, Redis 7.0.15). */
export const UNAUTH_MAX_MULTIBULK = 10
/** Longest bulk argument a client that must still authenticate may declare. */
export const UNAUTH_MAX_BULK = 16384

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
  /**
   * The query buffer is `buf[pos, end)`. `buf` is either a chunk that was fed (parsed where it is, no
   * copy) or, once bytes must be kept across feeds, the parser's own storage (`owned`), which grows by
   * doubling: appending n bytes costs O(n) amortized, where re-concatenating on every feed copied
   * everything pending each time (quadratic for a blocked client receiving a long pipeline).
   */
  private buf: Buffer = EMPTY
  private end = 0
  private owned = false
  /** Bytes after `pos` already searched for an inline request's "\n" (none found). */
  private inlineChecked = 0
  /** The pending inline request has a NUL before any "\n": Redis never sees its end. */
  private inlineStalled = false
  private pos = 0
  /** Arguments still expected by the current multibulk request; 0 when between requests. */
  private remaining = 0
  /** Length of the bulk argument being read, or -1 before its `$<len>` line. */
  private bulkLen = -1
  private argv: string[] = []
  /** Arguments of the current multibulk request read so far. */
  private argc = 0
  /** A bulk argument of at least BIG_ARG bytes is collected here (payload + CRLF). */
  private big: Buffer | undefined = undefined
  private bigFill = 0

  private readonly limits: ParserLimits
  /** Bytes copied into the query buffer so far, and buffers allocated for it (growth is amortized). */
  copiedBytes = 0
  allocations = 0

  constructor(limits: ParserLimits) {
    this.limits = limits
  }

  /** Bytes received but not consumed yet (query buffer length, for CLIENT LIST and limits). */
  get pending(): number {
    return this.end - this.pos + (this.big === undefined ? 0 : this.bigFill)
  }

  feed(chunk: Uint8Array): void {
    if (this.big !== undefined) {
      const take = Math.min(chunk.length, this.big.length - this.bigFill)
      this.big.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.bigFill)
      this.bigFill += take
      this.copiedBytes += take
      if (take === chunk.length) return
      chunk = chunk.subarray(take)
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    if (this.pos >= this.end) {
      // nothing pending: parse the chunk where it is (and let go of a grown buffer)
      this.buf = bytes
      this.pos = 0
      this.end = bytes.length
      this.owned = false
    } else {
      this.append(bytes)
    }
  }

  /** Appends to the pending bytes in the parser's own storage, growing it by doubling. */
  private append(bytes: Buffer): void {
    const n = bytes.length
    if (!this.owned || this.end + n > this.buf.length) {
      const pending = this.end - this.pos
      const needed = pending + n
      if (this.owned && pending <= this.buf.length >> 1 && needed <= this.buf.length) {
        // compacting moves at most half the capacity, paid for by the free half it leaves behind
        this.buf.copyWithin(0, this.pos, this.end)
      } else {
        const grown = Buffer.allocUnsafe(Math.max(MIN_QUERY_BUFFER, needed * 2))
        this.buf.copy(grown, 0, this.pos, this.end)
        this.buf = grown
        this.owned = true
        this.allocations++
      }
      this.copiedBytes += pending
      this.pos = 0
      this.end = pending
    }
    if (n > 0) bytes.copy(this.buf, this.end)
    this.end += n
    this.copiedBytes += n
  }

  /**
   * Lets go of the bytes fed so far: what is not consumed yet is copied out. After this the caller may
   * reuse the memory of the chunks it fed, as the connection does with its shared read buffer (the
   * commands already returned are strings, which never point into the chunks). A grown buffer that is
   * mostly empty now is shrunk (Redis trims idle query buffers in clientsCron).
   */
  detach(): void {
    const pending = this.end - this.pos
    if (pending === 0) {
      this.buf = EMPTY
      this.pos = 0
      this.end = 0
      this.owned = false
    } else if (!this.owned) {
      this.append(EMPTY)
    } else if (this.buf.length > SHRINK_ABOVE && pending * 4 < this.buf.length) {
      this.owned = false // append reallocates, to twice what is pending
      this.append(EMPTY)
    }
  }

  /** The next complete command, undefined when incomplete, or a protocol error. */
  next(): string[] | ProtocolError | undefined {
    for (;;) {
      if (this.remaining === 0) {
        if (this.pos >= this.end) return undefined
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
        // sized once: the count is known, and a growing array reallocates for long commands (MSET)
        this.argv = new Array<string>(count)
        this.argc = 0
      }
      const done = this.parseBulks()
      if (done !== true) return done
      const argv = this.argv
      this.argv = []
      this.argc = 0
      return argv
    }
  }

  /**
   * Index of the next "\r" at or after `from`, or -1. The lines searched are "*3", "$16": a few bytes,
   * where a loop beats Buffer#indexOf's trip through its JS wrapper into C++ several times over.
   */
  private findCR(from: number): number {
    const buf = this.buf
    const end = this.end
    for (let i = from; i < end; i++) {
      const c = buf[i]
      if (c === 13) return i
      // Redis finds the line end with strchr, which stops at a NUL: the "\r" after one is not seen
      if (c === 0) return -1
    }
    return -1
  }

  private parseMultibulkCount(): number | ProtocolError | undefined {
    const cr = this.findCR(this.pos)
    if (cr === -1) {
      if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError(PROTOCOL_BIG_MBULK_COUNT)
      return undefined
    }
    if (cr + 1 >= this.end) return undefined // "\r" seen, "\n" not yet
    const n = parseLength(this.buf, this.pos + 1, cr)
    if (n === undefined || n > INT_MAX) return new ProtocolError(PROTOCOL_INVALID_MULTIBULK)
    // checked only past the threshold: the hot path never asks
    if (n > UNAUTH_MAX_MULTIBULK && this.limits.authRequired?.() === true) {
      return new ProtocolError(PROTOCOL_UNAUTH_MULTIBULK)
    }
    this.pos = cr + 2
    return n
  }

  /** Reads bulk arguments until the request is complete (true) or bytes run out. */
  private parseBulks(): true | ProtocolError | undefined {
    while (this.remaining > 0) {
      if (this.big !== undefined) {
        if (this.bigFill < this.big.length) return undefined
        this.argv[this.argc++] = this.big.latin1Slice(0, this.big.length - 2)
        this.big = undefined
        this.bigFill = 0
        this.bulkLen = -1
        this.remaining--
        continue
      }
      if (this.bulkLen === -1) {
        const cr = this.findCR(this.pos)
        if (cr === -1) {
          if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) {
            return new ProtocolError(PROTOCOL_BIG_BULK_COUNT)
          }
          return undefined
        }
        if (cr + 1 >= this.end) return undefined
        if (this.buf[this.pos] !== 36 /* $ */) {
          return new ProtocolError(protocolExpectedDollar(String.fromCharCode(this.buf[this.pos]!)))
        }
        const len = parseLength(this.buf, this.pos + 1, cr)
        if (len === undefined || len < 0 || len > this.limits.maxBulkLength()) {
          return new ProtocolError(PROTOCOL_INVALID_BULK)
        }
        if (len > UNAUTH_MAX_BULK && this.limits.authRequired?.() === true) {
          return new ProtocolError(PROTOCOL_UNAUTH_BULK)
        }
        this.pos = cr + 2
        this.bulkLen = len
        if (len >= BIG_ARG && this.end - this.pos < len + 2) {
          // Collect a big payload in one buffer sized for it: no quadratic re-concatenation.
          this.big = Buffer.allocUnsafe(len + 2)
          this.bigFill = this.buf.copy(this.big, 0, this.pos, this.end)
          this.copiedBytes += this.bigFill
          this.pos = this.end
          continue
        }
      }
      if (this.end - this.pos < this.bulkLen + 2) return undefined
      const start = this.pos
      const end = start + this.bulkLen
      this.argv[this.argc] = this.argc === 0 ? commandName(this.buf, start, end) : bytesToString(this.buf, start, end)
      this.argc++
      this.pos += this.bulkLen + 2
      this.bulkLen = -1
      this.remaining--
    }
    return true
  }

  /** An inline command (telnet, redis-cli --no-raw piping); null for a blank line. */
  private parseInline(): string[] | ProtocolError | null | undefined {
    // search only bytes not searched yet, and not the unused tail of the parser's own storage
    const from = this.pos + this.inlineChecked
    let nl = -1
    if (!this.inlineStalled) {
      const buf = this.buf
      // a view only for the parser's own storage, whose unused tail must not be searched
      let found = this.owned ? buf.subarray(from, this.end).indexOf(10) : buf.indexOf(10, from)
      if (found !== -1 && this.owned) found += from
      // processInlineBuffer finds the "\n" with strchr, which stops at a NUL: past one, the line
      // never ends (until it is too big)
      const stop = found === -1 ? this.end : found
      for (let i = from; i < stop; i++) {
        if (buf[i] === 0) {
          this.inlineStalled = true
          found = -1
          break
        }
      }
      nl = found
    }
    if (nl === -1) {
      if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError(PROTOCOL_BIG_INLINE)
      this.inlineChecked = this.end - this.pos
      return undefined // wait for the rest of the line
    }
    this.inlineChecked = 0
    let end = nl
    if (end > this.pos && this.buf[end - 1] === 13) end--
    const line = this.buf.latin1Slice(this.pos, end)
    this.pos = nl + 1
    const argv = splitInlineArgs(line)
    if (argv === undefined) return new ProtocolError(PROTOCOL_UNBALANCED_QUOTES)
    return argv.length === 0 ? null : argv
  }
}

/** Reused arrays of char codes, one per short length (bytesToString). */
const charCodes: Array<Array<number>> = Array.from({ length: SHORT_STRING + 1 }, (_, n) => new Array<number>(n).fill(0))

/**
 * The bytes [start, end) as a latin1 string. Arguments are mostly short (keys, small values, option
 * words), and for those a String.fromCharCode call is 1.3-2.7x cheaper than Buffer#latin1Slice,
 * which crosses into C++ (measured: 21 vs 57 ns for 3 bytes, 50 vs 62 ns for 16; even near 20).
 */
const bytesToString = (buf: Buffer, start: number, end: number): string => {
  const n = end - start
  if (n > SHORT_STRING) return buf.latin1Slice(start, end)
  const codes = charCodes[n]!
  for (let i = 0; i < n; i++) codes[i] = buf[start + i]!
  return String.fromCharCode.apply(null, codes)
}

/** Recently seen command names by a hash of their bytes: a name is reused, not rebuilt and rehashed. */
const interned: Array<string | undefined> = new Array(256).fill(undefined)

/** argv[0]: the same few names arrive over and over, so they are interned. */
const commandName = (buf: Buffer, start: number, end: number): string => {
  const n = end - start
  if (n > SHORT_STRING) return buf.latin1Slice(start, end)
  let h = n
  for (let i = start; i < end; i++) h = (h * 31 + buf[i]!) | 0
  const slot = h & 255
  const cached = interned[slot]
  if (cached !== undefined && cached.length === n) {
    let same = true
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== buf[start + i]) {
        same = false
        break
      }
    }
    if (same) return cached
  }
  const name = bytesToString(buf, start, end)
  interned[slot] = name
  return name
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

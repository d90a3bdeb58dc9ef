/**
 * Reading RDB primitives from a buffer (rdbLoadLen, rdbGenericLoadStringObject, the double and time
 * formats). Every read checks its bounds: a truncated input is an `RdbError` with `eof` set, naming the
 * offset, never a read past the end.
 */
import { latin1 } from "./bytes.ts"
import { lzfDecompress } from "./lzf.ts"
import { RdbError } from "./format.ts"

const ENC_INT8 = 0
const ENC_INT16 = 1
const ENC_INT32 = 2
const ENC_LZF = 3

export class RdbReader {
  readonly buf: Buffer
  pos: number
  readonly end: number
  /** Set by `lenOrEncoding`: the length read was a special encoding (the value is its type). */
  encoded = false

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length)
    this.blobBuf = this.buf
    this.pos = pos
    this.end = end
  }

  get remaining(): number {
    return this.end - this.pos
  }

  eof(): never {
    throw new RdbError("Unexpected EOF reading RDB file", this.pos, true)
  }

  corrupt(reason: string, at = this.pos): never {
    throw new RdbError(reason, at)
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.eof()
  }

  byte(): number {
    if (this.pos >= this.end) this.eof()
    return this.buf[this.pos++]!
  }

  raw(n: number): Buffer {
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** rdbLoadLenByRef: a length, or (with `encoded` set) a special string encoding type. */
  lenOrEncoding(): number {
    const first = this.byte()
    const type = first >> 6
    this.encoded = false
    if (type === 3) {
      this.encoded = true
      return first & 0x3f
    }
    if (type === 0) return first & 0x3f
    if (type === 1) return ((first & 0x3f) << 8) | this.byte()
    if (first === 0x80) {
      this.need(4)
      const v = this.buf.readUInt32BE(this.pos)
      this.pos += 4
      return v
    }
    if (first === 0x81) {
      this.need(8)
      const v = this.buf.readBigUInt64BE(this.pos)
      this.pos += 8
      // lengths of things in memory: beyond 2^53 nothing real, Redis would fail to allocate
      return v <= 9007199254740991n ? Number(v) : Number.MAX_SAFE_INTEGER + 1
    }
    return this.corrupt(`Unknown length encoding ${type} in rdbLoadLen()`, this.pos - 1)
  }

  /** rdbLoadLen for a count (an encoded value where a length belongs reads as its type, like Redis). */
  len(): number {
    return this.lenOrEncoding()
  }

  /** rdbLoadLen as the full unsigned 64-bit value (stream IDs and counters). */
  lenBig(): bigint {
    const first = this.buf[this.pos]
    if (first === 0x81) {
      this.pos++
      this.need(8)
      const v = this.buf.readBigUInt64BE(this.pos)
      this.pos += 8
      return v
    }
    return BigInt(this.lenOrEncoding())
  }

  /** A string as bytes (rdbGenericLoadStringObject with RDB_LOAD_PLAIN): integers as their decimal text. */
  stringBytes(from?: number): Buffer {
    if (from !== undefined) this.pos = from
    const start = this.pos
    const len = this.lenOrEncoding()
    if (this.encoded) {
      switch (len) {
        case ENC_INT8:
        case ENC_INT16:
        case ENC_INT32:
          return Buffer.from(String(this.intEncoded(len)), "latin1")
        case ENC_LZF:
          return this.lzf()
        default:
          return this.corrupt(`Unknown RDB string encoding type ${len}`, start)
      }
    }
    return this.raw(len)
  }

  /** A string (latin1: one char per byte). */
  string(): string {
    const start = this.pos
    const len = this.lenOrEncoding()
    if (this.encoded) {
      switch (len) {
        case ENC_INT8:
        case ENC_INT16:
        case ENC_INT32:
          return String(this.intEncoded(len))
        case ENC_LZF: {
          const bytes = this.lzf()
          return bytes.latin1Slice(0, bytes.length)
        }
        default:
          return this.corrupt(`Unknown RDB string encoding type ${len}`, start)
      }
    }
    this.need(len)
    const s = latin1(this.buf, this.pos, this.pos + len)
    this.pos += len
    return s
  }

  /** Where the last `blob` is: bytes [blobStart, blobEnd) of blobBuf (the file's buffer, unless it was compressed). */
  blobBuf: Buffer
  blobStart = 0
  blobEnd = 0

  /**
   * A string read as bytes in place (no copy, no Buffer object: what an encoded value's decoder
   * reads), its location in `blobBuf` / `blobStart` / `blobEnd`.
   */
  blob(): void {
    const start = this.pos
    const len = this.lenOrEncoding()
    if (this.encoded) {
      const bytes = len === ENC_LZF ? this.lzf() : this.stringBytes(start)
      this.blobBuf = bytes
      this.blobStart = 0
      this.blobEnd = bytes.length
      return
    }
    this.need(len)
    this.blobBuf = this.buf
    this.blobStart = this.pos
    this.blobEnd = this.pos + len
    this.pos += len
  }

  private intEncoded(type: number): number {
    if (type === ENC_INT8) {
      this.need(1)
      return this.buf.readInt8(this.pos++)
    }
    if (type === ENC_INT16) {
      this.need(2)
      const v = this.buf.readInt16LE(this.pos)
      this.pos += 2
      return v
    }
    this.need(4)
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }

  private lzf(): Buffer {
    const clen = this.len()
    const len = this.len()
    const compressed = this.raw(clen)
    // LZF expands at most ~132 times (a 2-byte reference for 9 bytes, 3 for 264): a larger announced
    // length cannot be right, and must not be allocated
    if (len > clen * 132 + 64) this.corrupt("Invalid LZF compressed string")
    const out = lzfDecompress(compressed, len)
    if (out === undefined) this.corrupt("Invalid LZF compressed string")
    return Buffer.from(out.buffer, out.byteOffset, out.length)
  }

  /** rdbLoadMillisecondTime (RDB 9+: little-endian int64), exact: a bigint beyond 2^53. */
  millis(): number | bigint {
    this.need(8)
    const v = this.buf.readBigInt64LE(this.pos)
    this.pos += 8
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v
  }

  /** rdbLoadTime: seconds as a 32-bit int (RDB_OPCODE_EXPIRETIME). */
  seconds(): number {
    this.need(4)
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }

  /** rdbLoadBinaryDoubleValue */
  binaryDouble(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  /** rdbLoadDoubleValue: RDB_TYPE_ZSET's length-prefixed text (253 nan, 254 inf, 255 -inf). */
  textDouble(): number {
    const len = this.byte()
    if (len === 255) return -Infinity
    if (len === 254) return Infinity
    if (len === 253) return NaN
    this.need(len)
    const text = this.buf.latin1Slice(this.pos, this.pos + len)
    this.pos += len
    const v = Number.parseFloat(text)
    // sscanf("%lg") failing is a read error (eoferr in Redis)
    if (Number.isNaN(v) && !/^\s*[+-]?nan/i.test(text)) this.eof()
    return v
  }
}

/**
 * Byte-level building blocks of the RDB format: a growable output buffer, and the compact encodings
 * Redis stores inside RDB strings (listpack, ziplist, intset, zipmap). Strings are latin1 JS strings
 * (one char per byte), as everywhere in the keyspace.
 */
import { isLongLong } from "../../util/numbers.ts"

/** A growable byte buffer written front to back. */
export class ByteBuilder {
  buf: Buffer
  length = 0

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  ensure(n: number): void {
    const need = this.length + n
    if (need <= this.buf.length) return
    let capacity = this.buf.length * 2
    while (capacity < need) capacity *= 2
    const next = Buffer.allocUnsafe(capacity)
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  byte(b: number): void {
    this.ensure(1)
    this.buf[this.length++] = b
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length)
    this.buf.set(data, this.length)
    this.length += data.length
  }

  latin1(s: string): void {
    this.ensure(s.length)
    if (s.length < 32) {
      const buf = this.buf
      let at = this.length
      for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i)
    } else {
      this.buf.latin1Write(s, this.length, s.length)
    }
    this.length += s.length
  }

  u16le(n: number): void {
    this.ensure(2)
    this.buf.writeUInt16LE(n, this.length)
    this.length += 2
  }

  u32le(n: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(n >>> 0, this.length)
    this.length += 4
  }

  u32be(n: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(n >>> 0, this.length)
    this.length += 4
  }

  i64le(n: number | bigint): void {
    this.ensure(8)
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(n)), this.length)
    this.length += 8
  }

  u64be(n: bigint): void {
    this.ensure(8)
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, n), this.length)
    this.length += 8
  }

  f64le(d: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(d, this.length)
    this.length += 8
  }

  /** The bytes written so far (a view: copy it before writing more if it must be kept). */
  view(): Buffer {
    return this.buf.subarray(0, this.length)
  }

  /** A copy of the bytes written so far. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length))
  }

  reset(): void {
    this.length = 0
  }
}

/** An element of a listpack or ziplist: a string, or an integer (a number when exact, else a bigint). */
export type PackedItem = string | number | bigint

/** The element as the string Redis gives back for it (integers in decimal). */
export const itemString = (item: PackedItem): string => (typeof item === "string" ? item : String(item))

/** Thrown by the decoders below; the caller words the error (Redis's "... integrity check failed."). */
export class EncodingError extends Error {}

const fail = (what: string): never => {
  throw new EncodingError(what)
}

const intOf = (v: bigint): number | bigint => (v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v)

// --- listpack ----------------------------------------------------------------------------------------

const LP_HDR_SIZE = 6
const LP_EOF = 0xff

/** The integer a listpack stores for a string (lpStringToInt64 has string2ll's syntax), or undefined. */
const listpackInt = (s: string): number | bigint | undefined => {
  if (s.length > 20 || !isLongLong(s)) return undefined
  return s.length < 16 ? Number(s) : intOf(BigInt(s))
}

/** Size of the back-length that follows an entry whose encoding + data take `l` bytes. */
const backlenSize = (l: number): number => (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5)

const writeBacklen = (out: ByteBuilder, l: number): void => {
  // lpEncodeBacklen: the most significant 7-bit group first, every byte but the first flagged
  if (l <= 127) {
    out.byte(l)
  } else if (l < 16383) {
    out.byte(l >>> 7)
    out.byte((l & 127) | 128)
  } else if (l < 2097151) {
    out.byte(l >>> 14)
    out.byte(((l >>> 7) & 127) | 128)
    out.byte((l & 127) | 128)
  } else if (l < 268435455) {
    out.byte(l >>> 21)
    out.byte(((l >>> 14) & 127) | 128)
    out.byte(((l >>> 7) & 127) | 128)
    out.byte((l & 127) | 128)
  } else {
    out.byte(Math.floor(l / 2 ** 28))
    out.byte(((l >>> 21) & 127) | 128)
    out.byte(((l >>> 14) & 127) | 128)
    out.byte(((l >>> 7) & 127) | 128)
    out.byte((l & 127) | 128)
  }
}

const writeListpackInt = (out: ByteBuilder, v: number | bigint): void => {
  const n = typeof v === "bigint" ? v : BigInt(v)
  let len: number
  if (n >= 0n && n <= 127n) {
    out.byte(Number(n))
    len = 1
  } else if (n >= -4096n && n <= 4095n) {
    const u = Number(n < 0n ? (1n << 13n) + n : n)
    out.byte((u >>> 8) | 0xc0)
    out.byte(u & 0xff)
    len = 2
  } else if (n >= -32768n && n <= 32767n) {
    out.byte(0xf1)
    out.ensure(2)
    out.buf.writeInt16LE(Number(n), out.length)
    out.length += 2
    len = 3
  } else if (n >= -8388608n && n <= 8388607n) {
    out.byte(0xf2)
    const u = Number(n < 0n ? (1n << 24n) + n : n)
    out.byte(u & 0xff)
    out.byte((u >>> 8) & 0xff)
    out.byte((u >>> 16) & 0xff)
    len = 4
  } else if (n >= -2147483648n && n <= 2147483647n) {
    out.byte(0xf3)
    out.ensure(4)
    out.buf.writeInt32LE(Number(n), out.length)
    out.length += 4
    len = 5
  } else {
    out.byte(0xf4)
    out.i64le(n)
    len = 9
  }
  writeBacklen(out, len)
}

const writeListpackString = (out: ByteBuilder, s: string): void => {
  const len = s.length
  let enc: number
  if (len < 64) {
    out.byte(0x80 | len)
    enc = 1 + len
  } else if (len < 4096) {
    out.byte((len >>> 8) | 0xe0)
    out.byte(len & 0xff)
    enc = 2 + len
  } else {
    out.byte(0xf0)
    out.u32le(len)
    enc = 5 + len
  }
  out.latin1(s)
  writeBacklen(out, enc)
}

/**
 * A listpack of `items`, as Redis builds it with lpAppend: a string that is the canonical text of a
 * 64-bit integer is stored as that integer; numbers and bigints are integers.
 */
export const encodeListpack = (items: ReadonlyArray<PackedItem>): Buffer => {
  const out = new ByteBuilder(LP_HDR_SIZE + 1 + items.length * 8)
  out.length = LP_HDR_SIZE
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    if (typeof item === "string") {
      const n = listpackInt(item)
      if (n !== undefined) writeListpackInt(out, n)
      else writeListpackString(out, item)
    } else {
      writeListpackInt(out, item)
    }
  }
  out.byte(LP_EOF)
  out.buf.writeUInt32LE(out.length, 0)
  out.buf.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4)
  return out.copy()
}

/**
 * A listpack read entry by entry in place, checked as lpValidateIntegrity's deep mode checks it
 * (sizes, back lengths, terminator, element count): `open` checks the header, then each `next`
 * reads one entry into `isString` / `start` / `len` (a string's bytes in `lp`) or `int` (an integer:
 * a number when exact, else a bigint). Nothing is allocated per entry, so a loader can build its own
 * form of the value straight from the bytes. Structural problems throw `EncodingError`.
 */
export class ListpackWalker {
  lp: Buffer = EMPTY_BUFFER
  /** Offset of the next entry. */
  p = 0
  /** Offset of the terminator. */
  end = 0
  /** The element count of the header (65535: unknown, the listpack must be walked to count). */
  declared = 0
  /** Entries read so far. */
  count = 0
  isString = false
  start = 0
  len = 0
  int: number | bigint = 0

  /** Starts on the listpack at [from, to) of `bytes` (the whole of it by default). */
  open(bytes: Uint8Array, from = 0, to = bytes.length): void {
    const size = to - from
    if (size < LP_HDR_SIZE + 1) fail("short listpack")
    const lp = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    if ((lp[from]! | (lp[from + 1]! << 8) | (lp[from + 2]! << 16)) + lp[from + 3]! * 0x1000000 !== size) fail("listpack size mismatch")
    if (lp[to - 1] !== LP_EOF) fail("listpack terminator")
    this.lp = lp
    this.declared = lp[from + 4]! | (lp[from + 5]! << 8)
    this.p = from + LP_HDR_SIZE
    this.end = to - 1
    this.count = 0
  }

  /** Reads the next entry; false at the end (where the element count is checked). */
  next(): boolean {
    const lp = this.lp
    const p = this.p
    const end = this.end
    if (p >= end) {
      if (this.declared !== 65535 && this.declared !== this.count) fail("listpack count mismatch")
      this.release()
      return false
    }
    const b = lp[p]!
    let enc: number
    this.isString = false
    if (b < 0x80) {
      this.int = b
      enc = 1
    } else if ((b & 0xc0) === 0x80) {
      this.isString = true
      this.start = p + 1
      this.len = b & 0x3f
      enc = 1 + this.len
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) fail("listpack overflow")
      let u = ((b & 0x1f) << 8) | lp[p + 1]!
      if (u >= 1 << 12) u -= 1 << 13
      this.int = u
      enc = 2
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) fail("listpack overflow")
      this.isString = true
      this.start = p + 2
      this.len = ((b & 0x0f) << 8) | lp[p + 1]!
      enc = 2 + this.len
    } else if (b === 0xf0) {
      if (p + 5 > end) fail("listpack overflow")
      this.isString = true
      this.start = p + 5
      this.len = lp.readUInt32LE(p + 1)
      enc = 5 + this.len
    } else if (b === 0xf1) {
      if (p + 3 > end) fail("listpack overflow")
      this.int = lp.readInt16LE(p + 1)
      enc = 3
    } else if (b === 0xf2) {
      if (p + 4 > end) fail("listpack overflow")
      let u = lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16)
      if (u >= 1 << 23) u -= 1 << 24
      this.int = u
      enc = 4
    } else if (b === 0xf3) {
      if (p + 5 > end) fail("listpack overflow")
      this.int = lp.readInt32LE(p + 1)
      enc = 5
    } else if (b === 0xf4) {
      if (p + 9 > end) fail("listpack overflow")
      this.int = intOf(lp.readBigInt64LE(p + 1))
      enc = 9
    } else {
      return fail("listpack bad encoding")
    }
    if (p + enc > end) fail(this.isString ? "listpack string overflow" : "listpack overflow")
    const back = backlenSize(enc)
    if (p + enc + back > end) fail("listpack back length overflow")
    // the back length must encode `enc`, read from its end as lpDecodeBacklen does
    let q = p + enc + back - 1
    let v = 0
    let scale = 1
    for (let k = 0; k < back; k++, q--) {
      v += (lp[q]! & 127) * scale
      scale *= 128
    }
    if (v !== enc) fail("listpack back length mismatch")
    this.p = p + enc + back
    this.count++
    return true
  }

  /** Lets go of the bytes walked (the walker is kept for the next listpack; the bytes may be a whole file). */
  release(): void {
    this.lp = EMPTY_BUFFER
    this.p = this.end = 0
  }

  /** The current entry as the string Redis gives back for it (integers in decimal). */
  string(): string {
    return this.isString ? latin1(this.lp, this.start, this.start + this.len) : String(this.int)
  }

  /** The current entry as an item: a string, or the integer. */
  item(): PackedItem {
    return this.isString ? latin1(this.lp, this.start, this.start + this.len) : this.int
  }
}

const EMPTY_BUFFER = Buffer.alloc(0)

const fromCharCode = String.fromCharCode

/**
 * The bytes [start, end) of `buf` as a latin1 string. Strings of one char are V8's shared
 * single-character strings (no allocation: a million small lists of "a", "b", "c" share them), and
 * short ones (most keys) are built by String.fromCharCode, a few times faster than a call into C++
 * for each.
 */
export const latin1 = (b: Buffer, s: number, end: number): string => {
  switch (end - s) {
    case 0:
      return ""
    case 1:
      return fromCharCode(b[s]!)
    case 2:
      return fromCharCode(b[s]!, b[s + 1]!)
    case 3:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!)
    case 4:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!)
    case 5:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!)
    case 6:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!)
    case 7:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!)
    case 8:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!)
    case 9:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!)
    case 10:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!)
    case 11:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!)
    case 12:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!)
    default:
      return b.latin1Slice(s, end)
  }
}

/** Every element of a listpack, checked (see ListpackWalker). Integers come back as numbers (bigints beyond 2^53). */
export const decodeListpack = (lp: Uint8Array): Array<PackedItem> => {
  const w = new ListpackWalker()
  w.open(lp)
  const items: Array<PackedItem> = []
  while (w.next()) items.push(w.item())
  return items
}

// --- ziplist (RDB v7 and older: lists, hashes and sorted sets) ----------------------------------------

const ZIP_HEADER = 10
const ZIP_END = 0xff

/** Every element of a ziplist, checked (ziplistValidateIntegrity's deep mode). */
export const decodeZiplist = (zl: Uint8Array): Array<PackedItem> => {
  const size = zl.length
  if (size < ZIP_HEADER + 1) fail("short ziplist")
  const view = Buffer.from(zl.buffer, zl.byteOffset, zl.length)
  if (view.readUInt32LE(0) !== size) fail("ziplist size mismatch")
  if (zl[size - 1] !== ZIP_END) fail("ziplist terminator")
  const tail = view.readUInt32LE(4)
  const declared = view.readUInt16LE(8)
  const items: Array<PackedItem> = []
  let p = ZIP_HEADER
  const end = size - 1
  let prevLen = 0
  let last = -1
  while (p < end) {
    const start = p
    // prevlen: 1 byte, or 0xfe and 4 bytes
    let prev: number
    if (zl[p]! < 0xfe) {
      prev = zl[p]!
      p += 1
    } else {
      if (zl[p] !== 0xfe || p + 5 > end) fail("ziplist prevlen")
      prev = view.readUInt32LE(p + 1)
      p += 5
    }
    if (prev !== prevLen) fail("ziplist prevlen mismatch")
    if (p >= end) fail("ziplist overflow")
    const b = zl[p]!
    const kind = b >> 6
    if (kind === 0) {
      const len = b & 0x3f
      if (p + 1 + len > end) fail("ziplist overflow")
      items.push(view.latin1Slice(p + 1, p + 1 + len))
      p += 1 + len
    } else if (kind === 1) {
      if (p + 2 > end) fail("ziplist overflow")
      const len = ((b & 0x3f) << 8) | zl[p + 1]!
      if (p + 2 + len > end) fail("ziplist overflow")
      items.push(view.latin1Slice(p + 2, p + 2 + len))
      p += 2 + len
    } else if (kind === 2) {
      if (b !== 0x80 || p + 5 > end) fail("ziplist bad encoding")
      const len = view.readUInt32BE(p + 1)
      if (p + 5 + len > end) fail("ziplist overflow")
      items.push(view.latin1Slice(p + 5, p + 5 + len))
      p += 5 + len
    } else if (b === 0xc0) {
      if (p + 3 > end) fail("ziplist overflow")
      items.push(view.readInt16LE(p + 1))
      p += 3
    } else if (b === 0xd0) {
      if (p + 5 > end) fail("ziplist overflow")
      items.push(view.readInt32LE(p + 1))
      p += 5
    } else if (b === 0xe0) {
      if (p + 9 > end) fail("ziplist overflow")
      items.push(intOf(view.readBigInt64LE(p + 1)))
      p += 9
    } else if (b === 0xf0) {
      if (p + 4 > end) fail("ziplist overflow")
      let u = zl[p + 1]! | (zl[p + 2]! << 8) | (zl[p + 3]! << 16)
      if (u >= 1 << 23) u -= 1 << 24
      items.push(u)
      p += 4
    } else if (b === 0xfe) {
      if (p + 2 > end) fail("ziplist overflow")
      items.push(view.readInt8(p + 1))
      p += 2
    } else if (b >= 0xf1 && b <= 0xfd) {
      items.push((b & 0x0f) - 1)
      p += 1
    } else {
      return fail("ziplist bad encoding")
    }
    prevLen = p - start
    last = start
  }
  if (items.length > 0 && tail !== last) fail("ziplist tail offset")
  if (items.length === 0 && tail !== ZIP_HEADER) fail("ziplist tail offset")
  if (declared !== 0xffff && declared !== items.length) fail("ziplist count mismatch")
  return items
}

// --- intset ------------------------------------------------------------------------------------------

/** The members of an intset blob (encoding 2, 4 or 8 bytes; ascending, no duplicates). */
export const decodeIntset = (blob: Uint8Array): Array<number | bigint> => {
  if (blob.length < 8) fail("short intset")
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.length)
  const width = view.readUInt32LE(0)
  const count = view.readUInt32LE(4)
  if (width !== 2 && width !== 4 && width !== 8) fail("intset encoding")
  if (8 + count * width !== blob.length) fail("intset size")
  const out: Array<number | bigint> = new Array(count)
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width
    out[i] = width === 2 ? view.readInt16LE(at) : width === 4 ? view.readInt32LE(at) : intOf(view.readBigInt64LE(at))
    if (i > 0 && !(out[i - 1]! < out[i]!)) fail("intset order")
  }
  return out
}

/** An intset blob of ascending integers, in the narrowest encoding that holds them all. */
export const encodeIntset = (members: ReadonlyArray<number | bigint>): Buffer => {
  let width = 2
  for (const m of members) {
    if (m < -2147483648 || m > 2147483647) {
      width = 8
      break
    }
    if (m < -32768 || m > 32767) width = 4
  }
  const out = Buffer.allocUnsafe(8 + members.length * width)
  out.writeUInt32LE(width, 0)
  out.writeUInt32LE(members.length, 4)
  for (let i = 0; i < members.length; i++) {
    const at = 8 + i * width
    const m = members[i]!
    if (width === 2) out.writeInt16LE(Number(m), at)
    else if (width === 4) out.writeInt32LE(Number(m), at)
    else out.writeBigInt64LE(BigInt(m), at)
  }
  return out
}

// --- zipmap (RDB files of Redis 2.x hashes) ------------------------------------------------------------

/** The field-value pairs of a zipmap, flat. */
export const decodeZipmap = (zm: Uint8Array): Array<string> => {
  const view = Buffer.from(zm.buffer, zm.byteOffset, zm.length)
  const end = zm.length
  if (end < 2 || zm[end - 1] !== 0xff) fail("zipmap terminator")
  const out: Array<string> = []
  let p = 1 // zmlen
  const readLen = (): number => {
    if (p >= end) fail("zipmap overflow")
    const b = zm[p]!
    if (b < 254) {
      p += 1
      return b
    }
    if (b === 254) {
      if (p + 5 > end) fail("zipmap overflow")
      const len = view.readUInt32LE(p + 1)
      p += 5
      return len
    }
    return fail("zipmap bad length")
  }
  while (p < end && zm[p] !== 0xff) {
    const flen = readLen()
    if (p + flen > end) fail("zipmap overflow")
    const field = view.latin1Slice(p, p + flen)
    p += flen
    const vlen = readLen()
    if (p >= end) fail("zipmap overflow")
    const free = zm[p]!
    p += 1
    if (p + vlen + free > end) fail("zipmap overflow")
    out.push(field, view.latin1Slice(p, p + vlen))
    p += vlen + free
  }
  if (p !== end - 1) fail("zipmap trailing bytes")
  return out
}

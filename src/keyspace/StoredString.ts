import { STRING_OVERHEAD } from "./memory.ts"

/**
 * How a string value is stored: the bytes and the LRU clock of the last access, Redis's robj for
 * strings. Aggregates are objects already and carry `lru` themselves, so they are stored as they are.
 *
 * A string has two forms. Most are immutable latin1 JS strings (one char per byte), shared freely
 * (GET replies with it, a snapshot keeps it). A value that commands change in place (SETBIT,
 * BITFIELD, SETRANGE, APPEND, PFADD, ...) or read as bytes (BITCOUNT, BITPOS, GETBIT, PFCOUNT) is a
 * `ByteString` instead: a mutable buffer, so a write changes the bytes it touches without copying
 * the value. Nothing outside the Database sees that form as a `Value`: its readers get the string,
 * made from the bytes once and cached until the next write.
 */
export class StoredString {
  value: string | ByteString
  lru: number
  /** Its key's position in its database's slot arrays (-1 once deleted); kept by the Database. */
  keySlot = -1

  constructor(value: string | ByteString, lru: number) {
    this.value = value
    this.lru = lru
  }
}

/** The JS object of a Buffer and its ArrayBuffer (and backing store record), besides the bytes (measured: test/support/memory-probe.ts). */
export const BYTE_STRING_OVERHEAD = 280

/** Capacity past which a growing value gets 1 MB more instead of double (sds's SDS_MAX_PREALLOC). */
const MAX_PREALLOC = 1024 * 1024

/**
 * A string value in mutable form: bytes [0, length) of `bytes`, whose capacity may be larger (grown
 * greedily as sds grows, so repeated appends are amortized O(1)). Bytes past `length` are not
 * guaranteed to be zero: growing zero-fills what it adds.
 */
export class ByteString {
  bytes: Buffer
  length: number
  /** The value as a string, made by a string read since the last write (dropped by `unshare`). */
  cached: string | undefined
  /**
   * The value was changed in place since it was last set whole: OBJECT ENCODING reports "raw", as
   * Redis's dbUnshareStringValue leaves an sds of its own.
   */
  raw: boolean
  /** What the keyspace has accounted for this value (-1 once it left the keyspace); kept by the Database. */
  accounted = 0
  /** The number of set bits (BITCOUNT of the whole value) once counted; -1 until then, and after a write. */
  bitCount = -1
  /** A 32-bit view of `bytes` for popcount, made on demand (see `words`). */
  private wordView: Int32Array | undefined = undefined
  /** The buffer `wordView` views. */
  private wordsOf: Buffer | undefined = undefined

  constructor(bytes: Buffer, length: number, cached: string | undefined, raw: boolean) {
    this.bytes = bytes
    this.length = length
    this.cached = cached
    this.raw = raw
  }

  /** The bytes of a string, with room for `extra` more; the string is kept as the cached form. */
  static of(s: string, extra = 0): ByteString {
    const bytes = allocate(s.length + extra)
    bytes.latin1Write(s, 0)
    return new ByteString(bytes, s.length, s, false)
  }

  /** `length` zero bytes (a value created by SETBIT, SETRANGE, BITFIELD past its end). */
  static zeroed(length: number): ByteString {
    return new ByteString(allocate(length), length, undefined, true)
  }

  /** The value as a string, made now (not cached: only the Database caches, accounting for it). */
  toString(): string {
    return this.cached ?? this.bytes.latin1Slice(0, this.length)
  }

  /**
   * About to be written: the cached string and bit count go, and the value is raw from now on. Every
   * write of `bytes` comes after this call.
   */
  unshare(): void {
    this.cached = undefined
    this.bitCount = -1
    this.raw = true
  }

  /** sdsgrowzero: at least `length` bytes, the new ones zero. */
  growZero(length: number): void {
    if (length <= this.length) return
    if (length > this.bytes.length) this.resize(greedy(length))
    else this.bytes.fill(0, this.length, length)
    this.length = length
  }

  /** sdsMakeRoomFor: room for `extra` more bytes past the length (greedy growth). */
  reserve(extra: number): void {
    const needed = this.length + extra
    if (needed > this.bytes.length) this.resize(greedy(needed))
  }

  /** A new buffer of `capacity` bytes holding the value, zero past it. */
  private resize(capacity: number): void {
    const grown = allocate(capacity)
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }

  /** The bytes as 32-bit words (host order, int32 so that no value is boxed) when the buffer is 4-byte aligned. */
  words(): Int32Array | undefined {
    const bytes = this.bytes
    if (this.wordsOf === bytes) return this.wordView
    if ((bytes.byteOffset & 3) !== 0) return undefined
    this.wordsOf = bytes
    return this.wordView = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
  }

  /** The heap this value takes, as the keyspace accounts it: the buffer, and the cached string if any. */
  heapBytes(): number {
    return BYTE_STRING_OVERHEAD + this.bytes.length + (this.cached === undefined ? 0 : STRING_OVERHEAD + this.length)
  }
}

/** A zeroed buffer of at least `n` bytes, a multiple of 8 (so every word of it can be read), never pooled. */
const allocate = (n: number): Buffer => Buffer.alloc((n + 7) & ~7)

/** The capacity sds gives a string grown to `length`: double, or 1 MB more past 1 MB. */
const greedy = (length: number): number => (length < MAX_PREALLOC ? length * 2 : length + MAX_PREALLOC)

/** The string of a stored string value, in either form (no caching). */
export const stringOf = (value: string | ByteString): string => (typeof value === "string" ? value : value.toString())

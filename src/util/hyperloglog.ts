/**
 * Redis's HyperLogLog representation (hyperloglog.c), byte for byte, so that a value written here reads
 * the same in Redis (GET, DUMP) and counts the same.
 *
 * A HyperLogLog is a string: a 16-byte header ("HYLL", the encoding byte, 3 unused bytes, the cached
 * cardinality as 8 little-endian bytes whose top bit set means "stale"), then 16384 registers of 6 bits:
 * - dense: 12288 bytes, register i at bits 6i.. counted from each byte's least significant bit;
 * - sparse: run-length opcodes, ZERO `00xxxxxx` (1-64 zero registers), XZERO `01xxxxxx yyyyyyyy`
 *   (1-16384 zero registers) and VAL `1vvvvvxx` (1-4 registers of value 1-32). A register that needs
 *   more than 32, or a sparse string that would grow past hll-sparse-max-bytes, turns it dense.
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, the run
 * of zeros above them (plus one) is the value. The estimate is Ertl's improved raw estimator over the
 * register histogram, as in Redis 7.
 */

export const HLL_REGISTERS = 16384
export const HLL_HEADER_SIZE = 16
export const HLL_DENSE_SIZE = HLL_HEADER_SIZE + (HLL_REGISTERS * 6) / 8
export const HLL_DENSE = 0
export const HLL_SPARSE = 1
const REGISTER_MAX = 63
const Q = 50
const SPARSE_VAL_MAX_VALUE = 32
const SPARSE_VAL_MAX_LEN = 4
const SPARSE_ZERO_MAX_LEN = 64
const ALPHA_INF = 0.72134752044448170368

// --- MurmurHash64A in 32-bit halves ---------------------------------------------------------------

/**
 * The high and low 32 bits of the last 64-bit result (no allocation per hash), as int32: a uint32
 * above 2^31 stored in a module variable would be boxed in a heap number at every step.
 */
let resultHi = 0
let resultLo = 0

/** High 32 bits (as int32) of the 64-bit product of two 32-bit integers taken unsigned (every step exact in a double). */
const mulHigh32 = (a: number, b: number): number => {
  const a1 = a >>> 16
  const a0 = a & 0xffff
  const b1 = b >>> 16
  const b0 = b & 0xffff
  return (a1 * b1 + Math.floor(((a1 * b0 + a0 * b1) * 65536 + a0 * b0) / 4294967296)) | 0
}

/** (ah:al) * (bh:bl) mod 2^64 into resultHi:resultLo. */
const mul64 = (ah: number, al: number, bh: number, bl: number): void => {
  resultLo = Math.imul(al, bl) | 0
  resultHi = (mulHigh32(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0
}

const M_HI = 0xc6a4a793
const M_LO = 0x5bd1e995

/** MurmurHash64A of the bytes of a latin1 string (Redis's endian-neutral version) into resultHi:resultLo. */
const murmurHash64A = (s: string, seed: number): void => {
  const len = s.length
  mul64(0, len, M_HI, M_LO)
  let hh = resultHi
  let hl = (resultLo ^ seed) | 0
  const blocks = len - (len & 7)
  for (let i = 0; i < blocks; i += 8) {
    const kl = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) | 0
    const kh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) | 0
    mul64(kh, kl, M_HI, M_LO)
    // k ^= k >> 47
    const xl = (resultLo ^ (resultHi >>> 15)) | 0
    mul64(resultHi, xl, M_HI, M_LO)
    mul64((hh ^ resultHi) | 0, (hl ^ resultLo) | 0, M_HI, M_LO)
    hh = resultHi
    hl = resultLo
  }
  const rest = len & 7
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const byte = s.charCodeAt(blocks + j)
      if (j >= 4) hh = (hh ^ (byte << (8 * (j - 4)))) | 0
      else hl = (hl ^ (byte << (8 * j))) | 0
    }
    mul64(hh, hl, M_HI, M_LO)
    hh = resultHi
    hl = resultLo
  }
  hl = (hl ^ (hh >>> 15)) | 0
  mul64(hh, hl, M_HI, M_LO)
  resultLo = (resultLo ^ (resultHi >>> 15)) | 0
}

/** hllPatLen of the 8 bytes of a little-endian 64-bit integer given as its halves (PFSELFTEST's elements). */
export const hllPatLenOfWords = (lo: number, hi: number): number => {
  // MurmurHash64A of 8 bytes: one block, no tail
  mul64(0, 8, M_HI, M_LO)
  const hh = resultHi
  const hl = (resultLo ^ 0xadc83b19) | 0
  mul64(hi, lo, M_HI, M_LO)
  const xl = (resultLo ^ (resultHi >>> 15)) | 0
  mul64(resultHi, xl, M_HI, M_LO)
  mul64((hh ^ resultHi) | 0, (hl ^ resultLo) | 0, M_HI, M_LO)
  const h1 = resultHi
  const l1 = (resultLo ^ (resultHi >>> 15)) | 0
  mul64(h1, l1, M_HI, M_LO)
  resultLo = (resultLo ^ (resultHi >>> 15)) | 0
  const index = resultLo & (HLL_REGISTERS - 1)
  const low = ((resultLo >>> 14) | (resultHi << 18)) | 0
  const count = low !== 0 ? countTrailingZeros(low) + 1 : countTrailingZeros((resultHi >>> 14) | (1 << 18)) + 33
  return (index << 6) | count
}

/** The 64-bit MurmurHash64A of a latin1 string, for tests. */
export const murmurHash64ABig = (s: string, seed: number): bigint => {
  murmurHash64A(s, seed)
  return (BigInt(resultHi >>> 0) << 32n) | BigInt(resultLo >>> 0)
}

const countTrailingZeros = (x: number): number => 31 - Math.clz32(x & -x)

/**
 * hllPatLen: the register an element hashes to and the value it offers (1 + the zeros above the index
 * bits, at most 51), packed as `register << 6 | value`.
 */
export const hllPatLen = (element: string): number => {
  murmurHash64A(element, 0xadc83b19)
  const index = resultLo & (HLL_REGISTERS - 1)
  const low = ((resultLo >>> 14) | (resultHi << 18)) >>> 0
  const count = low !== 0 ? countTrailingZeros(low) + 1 : countTrailingZeros((resultHi >>> 14) | (1 << 18)) + 33
  return (index << 6) | count
}

// --- dense registers ------------------------------------------------------------------------------

/** Register `regnum` of a dense HLL's bytes (header included). */
export const denseGet = (p: Uint8Array, regnum: number): number => {
  const bit = regnum * 6
  const byte = HLL_HEADER_SIZE + (bit >> 3)
  const fb = bit & 7
  // the last register's second byte is past the value (Redis's sds terminator, a zero)
  return ((p[byte]! >> fb) | ((byte + 1 < HLL_DENSE_SIZE ? p[byte + 1]! : 0) << (8 - fb))) & REGISTER_MAX
}

/** Register `regnum` of a dense HLL held in a string (no copy). */
export const denseGetOfString = (s: string, regnum: number): number => {
  const bit = regnum * 6
  const byte = HLL_HEADER_SIZE + (bit >> 3)
  const fb = bit & 7
  const b1 = byte + 1 < s.length ? s.charCodeAt(byte + 1) : 0
  return ((s.charCodeAt(byte) >> fb) | (b1 << (8 - fb))) & REGISTER_MAX
}

const denseSetRegister = (p: Uint8Array, regnum: number, value: number): void => {
  const bit = regnum * 6
  const byte = HLL_HEADER_SIZE + (bit >> 3)
  const fb = bit & 7
  const fb8 = 8 - fb
  p[byte] = (p[byte]! & ~(REGISTER_MAX << fb)) | (value << fb)
  // the last register's second byte is past the string (Redis's sds terminator): nothing to keep there
  if (byte + 1 < HLL_DENSE_SIZE) p[byte + 1] = (p[byte + 1]! & ~(REGISTER_MAX >> fb8)) | (value >> fb8)
}

// --- a HyperLogLog being modified -----------------------------------------------------------------

/**
 * What the HLL operations change in place: bytes [0, length) of `bytes`, with `reserve` making room
 * for a sparse opcode split (a key's value in byte form, or an `HllBuffer`).
 */
export interface HllBytes {
  bytes: Buffer
  length: number
  reserve(extra: number): void
}

/** The encoding byte (HLL_DENSE or HLL_SPARSE). */
export const encodingOf = (h: HllBytes): number => h.bytes[4]!

/** Marks the cached cardinality stale (the top bit of its last byte). */
export const invalidateCache = (h: HllBytes): void => {
  h.bytes[15]! |= 0x80
}

/** A mutable HLL of its own: `bytes` has room beyond `length` for a sparse opcode split. */
export class HllBuffer implements HllBytes {
  bytes: Buffer
  length: number

  constructor(bytes: Buffer, length: number) {
    this.bytes = bytes
    this.length = length
  }

  /** createHLLObject: an empty sparse HLL (one XZERO of 16384 registers), cached cardinality 0. */
  static empty(): HllBuffer {
    const bytes = Buffer.alloc(64)
    bytes.latin1Write("HYLL", 0)
    bytes[4] = HLL_SPARSE
    bytes[16] = 0x7f
    bytes[17] = 0xff
    return new HllBuffer(bytes, 18)
  }

  static of(s: string): HllBuffer {
    const bytes = Buffer.alloc(s.length + 64)
    bytes.latin1Write(s, 0)
    return new HllBuffer(bytes, s.length)
  }

  get encoding(): number {
    return this.bytes[4]!
  }

  toString(): string {
    return this.bytes.latin1Slice(0, this.length)
  }

  invalidateCache(): void {
    invalidateCache(this)
  }

  /** Room for `extra` more bytes past the length. */
  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return
    const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.length + extra))
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }
}

/** isHLLObjectOrReply's checks on a string: header, magic, encoding, and a dense one's exact size. */
export const isHll = (s: string): boolean =>
  s.length >= HLL_HEADER_SIZE &&
  s.charCodeAt(0) === 72 && s.charCodeAt(1) === 89 && s.charCodeAt(2) === 76 && s.charCodeAt(3) === 76 && // HYLL
  s.charCodeAt(4) <= HLL_SPARSE &&
  (s.charCodeAt(4) !== HLL_DENSE || s.length === HLL_DENSE_SIZE)

/** isHll of bytes [0, length) of `p`. */
export const isHllBytes = (p: Uint8Array, length: number): boolean =>
  length >= HLL_HEADER_SIZE &&
  p[0] === 72 && p[1] === 89 && p[2] === 76 && p[3] === 76 && // HYLL
  p[4]! <= HLL_SPARSE &&
  (p[4] !== HLL_DENSE || length === HLL_DENSE_SIZE)

/** hllDenseSet: raises register `index` to `count`; 1 if it changed. */
export const denseSet = (h: HllBytes, index: number, count: number): number => {
  if (count <= denseGet(h.bytes, index)) return 0
  denseSetRegister(h.bytes, index, count)
  return 1
}

const isZero = (op: number): boolean => (op & 0xc0) === 0
const isXZero = (op: number): boolean => (op & 0xc0) === 0x40
const isVal = (op: number): boolean => (op & 0x80) !== 0
const zeroLength = (op: number): number => (op & 0x3f) + 1
const xzeroLength = (op: number, next: number): number => (((op & 0x3f) << 8) | next) + 1
const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1
const valLength = (op: number): number => (op & 0x3) + 1
const valOpcode = (value: number, length: number): number => 0x80 | ((value - 1) << 2) | (length - 1)

/**
 * hllSparseToDense: converts `h` in place (header and cached cardinality kept); false, leaving `h` as
 * it was, when the sparse opcodes do not describe exactly 16384 registers.
 */
export const sparseToDense = (h: HllBytes): boolean => {
  if (encodingOf(h) === HLL_DENSE) return true
  const dense = Buffer.alloc(HLL_DENSE_SIZE)
  h.bytes.copy(dense, 0, 0, HLL_HEADER_SIZE)
  dense[4] = HLL_DENSE
  const p = h.bytes
  const end = h.length
  let idx = 0
  let at = HLL_HEADER_SIZE
  while (at < end) {
    const op = p[at]!
    if (isZero(op)) {
      idx += zeroLength(op)
      at++
    } else if (isXZero(op)) {
      idx += xzeroLength(op, p[at + 1]!)
      at += 2
    } else {
      let run = valLength(op)
      const value = valValue(op)
      // a run past the last register is corruption, even one starting right after it (Redis 7.0.15 as
      // patched for CVE-2025-32023 refuses it; the unpatched code accepted a run at exactly 16384)
      if (run + idx > HLL_REGISTERS) return false
      while (run-- > 0) denseSetRegister(dense, idx++, value)
      at++
    }
  }
  if (idx !== HLL_REGISTERS) return false
  h.bytes = dense
  h.length = HLL_DENSE_SIZE
  return true
}

/** Writes a ZERO or XZERO opcode for `length` zero registers at `at`; returns the next position. */
const putZeros = (seq: Array<number>, length: number): void => {
  if (length > SPARSE_ZERO_MAX_LEN) {
    seq.push(0x40 | ((length - 1) >> 8), (length - 1) & 0xff)
  } else {
    seq.push(length - 1)
  }
}

/**
 * hllSparseSet: raises register `index` of a sparse HLL to `count`, splitting the opcode that covers it
 * and merging equal neighbours as Redis does, or turning it dense when `count` needs it or the string
 * would outgrow `maxBytes`. 1 if the register changed, 0 if not, -1 for a corrupted HLL.
 */
export const sparseSet = (h: HllBytes, index: number, count: number, maxBytes: number): number => {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count)
  h.reserve(3)
  const p = h.bytes
  let end = h.length
  // step 1: the opcode covering the register
  let at = HLL_HEADER_SIZE
  let first = 0
  let prev = -1
  let span = 0
  while (at < end) {
    const op = p[at]!
    let opLength = 1
    if (isZero(op)) span = zeroLength(op)
    else if (isVal(op)) span = valLength(op)
    else {
      span = xzeroLength(op, p[at + 1]!)
      opLength = 2
    }
    if (index <= first + span - 1) break
    prev = at
    at += opLength
    first += span
  }
  if (span === 0 || at >= end) return -1
  const op = p[at]!
  let next = isXZero(op) ? at + 2 : at + 1
  if (next >= end) next = -1
  const zero = isZero(op)
  const xzero = isXZero(op)
  const runLength = zero ? zeroLength(op) : xzero ? xzeroLength(op, p[at + 1]!) : valLength(op)

  updated: {
    // step 2: the trivial cases, changed in place
    if (!zero && !xzero) {
      if (valValue(op) >= count) return 0
      if (runLength === 1) {
        p[at] = valOpcode(count, 1)
        break updated
      }
    }
    if (zero && runLength === 1) {
      p[at] = valOpcode(count, 1)
      break updated
    }
    // the general case: the opcode becomes up to three (XZERO VAL XZERO at most, 5 bytes)
    const seq: Array<number> = []
    const last = first + span - 1
    if (zero || xzero) {
      if (index !== first) putZeros(seq, index - first)
      seq.push(valOpcode(count, 1))
      if (index !== last) putZeros(seq, last - index)
    } else {
      const current = valValue(op)
      if (index !== first) seq.push(valOpcode(current, index - first))
      seq.push(valOpcode(count, 1))
      if (index !== last) seq.push(valOpcode(current, last - index))
    }
    // step 3: the new opcodes replace the old one
    const delta = seq.length - (xzero ? 2 : 1)
    if (delta > 0 && h.length + delta > maxBytes) return promote(h, index, count)
    if (delta !== 0 && next !== -1) p.copyWithin(next + delta, next, end)
    h.length += delta
    for (let i = 0; i < seq.length; i++) p[at + i] = seq[i]!
    end += delta
  }

  // step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one
  let q = prev === -1 ? HLL_HEADER_SIZE : prev
  let scan = 5
  while (q < end && scan-- > 0) {
    const a = p[q]!
    if (isXZero(a)) {
      q += 2
      continue
    }
    if (isZero(a)) {
      q++
      continue
    }
    if (q + 1 < end && isVal(p[q + 1]!)) {
      const b = p[q + 1]!
      if (valValue(a) === valValue(b)) {
        const length = valLength(a) + valLength(b)
        if (length <= SPARSE_VAL_MAX_LEN) {
          p[q + 1] = valOpcode(valValue(a), length)
          p.copyWithin(q, q + 1, end)
          h.length--
          end--
          continue
        }
      }
    }
    q++
  }
  invalidateCache(h)
  return 1
}

/** The sparse-to-dense promotion inside hllSparseSet, then the register's update. */
const promote = (h: HllBytes, index: number, count: number): number => {
  if (!sparseToDense(h)) return -1
  return denseSet(h, index, count)
}

/** hllAdd: adds one element (`hllPatLen`'s packed result) to a sparse or dense HLL. */
export const hllAddPacked = (h: HllBytes, packed: number, maxBytes: number): number =>
  h.bytes[4] === HLL_DENSE ? denseSet(h, packed >> 6, packed & 63) : sparseSet(h, packed >> 6, packed & 63, maxBytes)

// --- counting and merging -------------------------------------------------------------------------

/** hllMerge: raises `max` (16384 plain registers) to the registers of an HLL; false if corrupted. */
export const hllMerge = (max: Uint8Array, p: Uint8Array, length: number): boolean => {
  if (p[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = denseGet(p, i)
      if (value > max[i]!) max[i] = value
    }
    return true
  }
  let i = 0
  let at = HLL_HEADER_SIZE
  while (at < length) {
    const op = p[at]!
    if (isZero(op)) {
      i += zeroLength(op)
      at++
    } else if (isXZero(op)) {
      i += xzeroLength(op, p[at + 1] ?? 0)
      at += 2
    } else {
      let run = valLength(op)
      const value = valValue(op)
      if (run + i > HLL_REGISTERS) return false
      while (run-- > 0) {
        if (value > max[i]!) max[i] = value
        i++
      }
      at++
    }
  }
  return i === HLL_REGISTERS
}

/** The register histogram of a dense or sparse HLL (`invalid` reports a sparse one that is corrupted). */
const histogram = (p: Uint8Array, length: number, histo: Float64Array): boolean => {
  if (p[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(p, i)]!++
    return true
  }
  let idx = 0
  let at = HLL_HEADER_SIZE
  while (at < length) {
    const op = p[at]!
    if (isZero(op)) {
      const run = zeroLength(op)
      idx += run
      histo[0]! += run
      at++
    } else if (isXZero(op)) {
      const run = xzeroLength(op, p[at + 1] ?? 0)
      idx += run
      histo[0]! += run
      at += 2
    } else {
      const run = valLength(op)
      idx += run
      histo[valValue(op)]! += run
      at++
    }
  }
  return idx === HLL_REGISTERS
}

const sigma = (x: number): number => {
  if (x === 1) return Infinity
  let y = 1
  let z = x
  let previous: number
  do {
    x *= x
    previous = z
    z += x * y
    y += y
  } while (previous !== z)
  return z
}

const tau = (x: number): number => {
  if (x === 0 || x === 1) return 0
  let y = 1
  let z = 1 - x
  let previous: number
  do {
    x = Math.sqrt(x)
    previous = z
    y *= 0.5
    z -= (1 - x) * (1 - x) * y
  } while (previous !== z)
  return z / 3
}

/** The cardinality estimate from a register histogram (Ertl, arXiv:1702.01284, as hllCount). */
const estimate = (histo: Float64Array): number => {
  const m = HLL_REGISTERS
  let z = m * tau((m - histo[Q + 1]!) / m)
  for (let j = Q; j >= 1; j--) {
    z += histo[j]!
    z *= 0.5
  }
  z += m * sigma(histo[0]! / m)
  return Math.round((ALPHA_INF * m * m) / z)
}

/** hllCount of an HLL's bytes; undefined for a corrupted sparse one. */
export const hllCount = (p: Uint8Array, length: number): number | undefined => {
  const histo = new Float64Array(64)
  const valid = histogram(p, length, histo)
  const count = estimate(histo)
  return valid ? count : undefined
}

/** hllCount of plain registers (PFCOUNT of several keys, Redis's HLL_RAW). */
export const hllCountRegisters = (registers: Uint8Array): number => {
  const histo = new Float64Array(64)
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]!]!++
  return estimate(histo)
}

/** The cached cardinality of an HLL string, or undefined when the cache is stale. */
export const cachedCardinality = (s: string): number | bigint | undefined => {
  if ((s.charCodeAt(15) & 0x80) !== 0) return undefined
  const lo = (s.charCodeAt(8) | (s.charCodeAt(9) << 8) | (s.charCodeAt(10) << 16) | (s.charCodeAt(11) << 24)) >>> 0
  const hi = (s.charCodeAt(12) | (s.charCodeAt(13) << 8) | (s.charCodeAt(14) << 16) | (s.charCodeAt(15) << 24)) >>> 0
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo)
}

/** The cached cardinality of an HLL's bytes, or undefined when the cache is stale. */
export const cachedCardinalityOf = (p: Uint8Array): number | bigint | undefined => {
  if ((p[15]! & 0x80) !== 0) return undefined
  const lo = (p[8]! | (p[9]! << 8) | (p[10]! << 16) | (p[11]! << 24)) >>> 0
  const hi = (p[12]! | (p[13]! << 8) | (p[14]! << 16) | (p[15]! << 24)) >>> 0
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo)
}

/** Writes a cardinality into the cache of an HLL's header (valid: its top bit clear). */
export const setCachedCardinality = (p: Uint8Array, card: number): void => {
  let n = card
  for (let i = 8; i < 16; i++) {
    p[i] = n % 256
    n = Math.floor(n / 256)
  }
}

/** The 8 header bytes of a cached cardinality, as a latin1 string. */
export const cardinalityBytes = (card: number): string => {
  let out = ""
  let n = card
  for (let i = 0; i < 8; i++) {
    out += String.fromCharCode(n % 256)
    n = Math.floor(n / 256)
  }
  return out
}

/** PFDEBUG DECODE: the sparse opcodes as text ("z:<n>", "Z:<n>", "v:<value>,<n>"). */
export const decodeSparse = (p: Uint8Array, length: number): string => {
  const parts: Array<string> = []
  let at = HLL_HEADER_SIZE
  while (at < length) {
    const op = p[at]!
    if (isZero(op)) {
      parts.push(`z:${zeroLength(op)}`)
      at++
    } else if (isXZero(op)) {
      parts.push(`Z:${xzeroLength(op, p[at + 1] ?? 0)}`)
      at += 2
    } else {
      parts.push(`v:${valValue(op)},${valLength(op)}`)
      at++
    }
  }
  return parts.join(" ")
}

// --- PFSELFTEST ---------------------------------------------------------------------------------

/**
 * pfselftestCommand's checks: dense registers keep what is written without touching their neighbours,
 * and dense and sparse HLLs fed the same 10 million elements agree and stay within 6 standard errors.
 * Returns undefined on success or the TESTFAILED message.
 */
export const hllSelfTest = (maxBytes: number, random: () => number = Math.random): string | undefined => {
  const dense = Buffer.alloc(HLL_DENSE_SIZE)
  dense[4] = HLL_DENSE
  const expected = new Uint8Array(HLL_REGISTERS)
  // register values from a xorshift generator seeded once (16 million draws)
  let state = (Math.floor(random() * 4294967296) | 1) >>> 0
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      const r = state & REGISTER_MAX
      expected[i] = r
      denseSetRegister(dense, i, r)
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = denseGet(dense, i)
      if (value !== expected[i]) return `TESTFAILED Register ${i} should be ${expected[i]} but is ${value}`
    }
  }
  dense.fill(0, HLL_HEADER_SIZE)
  const denseHll = new HllBuffer(dense, HLL_DENSE_SIZE)
  const sparse = HllBuffer.empty()
  const relativeError = 1.04 / Math.sqrt(HLL_REGISTERS)
  let checkpoint = 1
  const seedHi = Math.floor(random() * 4294967296) >>> 0
  const seedLo = Math.floor(random() * 4294967296) >>> 0
  for (let j = 1; j <= 10_000_000; j++) {
    // the element is the 8 bytes of j ^ seed, little endian
    const packed = hllPatLenOfWords((j ^ seedLo) >>> 0, seedHi)
    denseSet(denseHll, packed >> 6, packed & 63)
    hllAddPacked(sparse, packed, maxBytes)
    if (j !== checkpoint) continue
    if (j < maxBytes / 2 && sparse.encoding !== HLL_SPARSE) return "TESTFAILED sparse encoding not used"
    const count = hllCount(denseHll.bytes, denseHll.length)!
    if (count !== hllCount(sparse.bytes, sparse.length)) return "TESTFAILED dense/sparse disagree"
    const maxError = j === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint)
    const error = Math.abs(checkpoint - count)
    if (error > maxError) return `TESTFAILED Too big error. card:${checkpoint} abserr:${error}`
    checkpoint *= 10
  }
  return undefined
}

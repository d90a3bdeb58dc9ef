/**
 * The HyperLogLog codec on its own: MurmurHash64A in 32-bit halves against a plain BigInt version of
 * the published algorithm, the register/run-length split, and the dense/sparse equivalence Redis's
 * PFSELFTEST checks. Byte-exactness against Redis itself is the differential suites' job.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HllBuffer,
  hllAddPacked,
  hllCount,
  hllPatLen,
  hllPatLenOfWords,
  hllSelfTest,
  murmurHash64ABig,
  sparseToDense
} from "../../src/util/hyperloglog.ts"

const MASK = (1n << 64n) - 1n

/** MurmurHash64A as published (Austin Appleby), in BigInt, reading blocks little endian. */
const reference = (bytes: Uint8Array, seed: bigint): bigint => {
  const m = 0xc6a4a7935bd1e995n
  const r = 47n
  let h = (seed ^ (BigInt(bytes.length) * m)) & MASK
  const blocks = bytes.length - (bytes.length % 8)
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(bytes[i + b]!)
    k = (k * m) & MASK
    k ^= k >> r
    k = (k * m) & MASK
    h ^= k
    h = (h * m) & MASK
  }
  const rest = bytes.length % 8
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(bytes[blocks + j]!) << BigInt(8 * j)
    h = (h * m) & MASK
  }
  h ^= h >> r
  h = (h * m) & MASK
  h ^= h >> r
  return h
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).latin1Slice(0, bytes.length)

describe("HyperLogLog codec", () => {
  it("MurmurHash64A equals the BigInt reference for any bytes and length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0xadc83b19n, 0n, 0xffffffffn), (bytes, seed) => {
        expect(murmurHash64ABig(latin1(bytes), Number(seed))).toBe(reference(bytes, seed))
      }),
      { numRuns: 2000 }
    )
  })

  it("hllPatLen: the low 14 bits pick the register, 1 + trailing zeros of the rest the value (at most 51)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        const h = reference(bytes, 0xadc83b19n)
        const index = Number(h & 0x3fffn)
        let rest = (h >> 14n) | (1n << 50n)
        let count = 1
        while ((rest & 1n) === 0n) {
          count++
          rest >>= 1n
        }
        const packed = hllPatLen(latin1(bytes))
        expect([packed >> 6, packed & 63]).toEqual([index, count])
      }),
      { numRuns: 2000 }
    )
  })

  it("hllPatLenOfWords (PFSELFTEST's 8-byte elements) equals hllPatLen of the same bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (lo, hi) => {
        const bytes = Buffer.alloc(8)
        bytes.writeUInt32LE(lo, 0)
        bytes.writeUInt32LE(hi, 4)
        expect(hllPatLenOfWords(lo, hi)).toBe(hllPatLen(latin1(bytes)))
      }),
      { numRuns: 2000 }
    )
  })

  it("a sparse HLL and a dense one fed the same elements have the same registers and count", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 300 }), fc.constantFrom(3000, 100, 30), (elements, maxBytes) => {
        const sparse = HllBuffer.empty()
        const dense = HllBuffer.empty()
        expect(sparseToDense(dense)).toBe(true)
        expect(dense.length).toBe(HLL_DENSE_SIZE)
        for (const e of elements) {
          const packed = hllPatLen(e)
          hllAddPacked(sparse, packed, maxBytes)
          hllAddPacked(dense, packed, maxBytes)
        }
        if (sparse.encoding !== HLL_DENSE) expect(sparse.length).toBeLessThanOrEqual(Math.max(maxBytes, 18))
        const converted = HllBuffer.of(sparse.toString())
        expect(sparseToDense(converted)).toBe(true)
        expect(converted.bytes.subarray(16, converted.length)).toEqual(dense.bytes.subarray(16, dense.length))
        expect(hllCount(sparse.bytes, sparse.length)).toBe(hllCount(dense.bytes, dense.length))
      }),
      { numRuns: 200 }
    )
  })

  it("PFSELFTEST's checks pass (its 8-byte elements hashed from their halves as the string path does)", () => {
    expect(hllSelfTest(3000)).toBeUndefined()
  }, 60_000)
})

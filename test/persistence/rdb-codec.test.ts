/**
 * The byte-level pieces of the RDB codec: CRC64 (Redis's test vectors), LZF both ways, listpacks,
 * ziplists, intsets and zipmaps, and the reader's refusal of truncated or malformed input.
 */
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import {
  decodeIntset,
  decodeListpack,
  decodeZiplist,
  decodeZipmap,
  encodeIntset,
  encodeListpack,
  EncodingError,
  type PackedItem
} from "../../src/persistence/rdb/bytes.ts"
import { Crc64, crc64 } from "../../src/persistence/rdb/crc64.ts"
import { RdbError } from "../../src/persistence/rdb/format.ts"
import { lzfCompress, lzfDecompress } from "../../src/persistence/rdb/lzf.ts"
import { RdbReader } from "../../src/persistence/rdb/reader.ts"

const bytes = (s: string): Buffer => Buffer.from(s, "latin1")
const latin1 = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).latin1Slice(0, a.length))

describe("crc64", () => {
  it("matches Redis's test vectors (crc64.c)", () => {
    expect(crc64(bytes("123456789")).toString(16)).toBe("e9c6d914c4b8d9ca")
    const li = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore " +
      "et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex " +
      "ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat " +
      "nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim " +
      "id est laborum.\u0000"
    expect(crc64(bytes(li)).toString(16)).toBe("c7794709e69683b3")
  })

  it("is the same computed in pieces, at any split", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (data, at) => {
      const split = data.length === 0 ? 0 : at % data.length
      const whole = crc64(data)
      const parts = new Crc64().update(data, 0, split).update(data, split, data.length)
      expect(parts.value).toBe(whole)
    }))
  })
})

describe("lzf", () => {
  it("decompresses what it compresses", () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.constantFrom(..."abcab"), { maxLength: 3000 }).map((a) => bytes(a.join(""))),
      fc.tuple(fc.string({ maxLength: 20 }), fc.nat({ max: 500 })).map(([s, n]) => bytes(s.repeat(n)))
    ), (input) => {
      const out = lzfCompress(input, input.length + 64)
      if (input.length === 0) {
        expect(out).toBeUndefined()
      } else {
        expect(out).toBeDefined()
        expect(Buffer.from(lzfDecompress(out!, input.length)!)).toEqual(Buffer.from(input))
      }
    }))
  })

  it("compresses repetitive data and gives up when the output would not be smaller", () => {
    const input = bytes("a".repeat(10_000))
    expect(lzfCompress(input, input.length - 4)!.length).toBeLessThan(200)
    const random = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 7919 + 13) % 251))
    expect(lzfCompress(random, random.length - 4)).toBeUndefined()
  })

  it("refuses data that is not LZF of the announced length", () => {
    const out = lzfCompress(bytes("hello hello hello hello"), 100)!
    expect(lzfDecompress(out, 22)).toBeUndefined()
    expect(lzfDecompress(out, 24)).toBeUndefined()
    expect(lzfDecompress(out.subarray(0, out.length - 1), 23)).toBeUndefined()
    // a back reference before the start
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 3)).toBeUndefined()
  })
})

const packedItem: fc.Arbitrary<PackedItem> = fc.oneof(
  latin1,
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom("", "0", "-1", "127", "128", "-4096", "4095", "4096", "-32769", "8388608", "2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "01", "-0", " 1"),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n))
)

const canonical = (item: PackedItem): string => String(item)

describe("listpack", () => {
  it("decodes what it encodes; integer-like strings come back as integers of the same text", () => {
    fc.assert(fc.property(fc.array(packedItem, { maxLength: 40 }), (items) => {
      const decoded = decodeListpack(encodeListpack(items))
      expect(decoded.map(canonical)).toEqual(items.map(canonical))
    }))
  })

  it("stores integers compactly, as Redis's lpEncodeIntegerGetType", () => {
    expect([...encodeListpack([5])]).toEqual([9, 0, 0, 0, 1, 0, 5, 1, 0xff])
    expect([...encodeListpack(["-1"])]).toEqual([10, 0, 0, 0, 1, 0, 0xdf, 0xff, 2, 0xff])
    expect([...encodeListpack(["ab"])]).toEqual([11, 0, 0, 0, 1, 0, 0x82, 0x61, 0x62, 3, 0xff])
  })

  it("refuses a bad size, terminator, count or back length", () => {
    const good = encodeListpack(["a", 1, "hello"])
    const broken = (f: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good)
      f(b)
      return b
    }
    expect(() => decodeListpack(good.subarray(0, good.length - 1))).toThrow(EncodingError)
    expect(() => decodeListpack(broken((b) => b[b.length - 1] = 0))).toThrow(EncodingError)
    expect(() => decodeListpack(broken((b) => b.writeUInt16LE(2, 4)))).toThrow(EncodingError)
    expect(() => decodeListpack(broken((b) => b[8] = 9))).toThrow(EncodingError)
    expect(decodeListpack(broken((b) => b.writeUInt16LE(65535, 4))).map(canonical)).toEqual(["a", "1", "hello"])
  })
})

/** A ziplist built by hand, as Redis 6 wrote them. */
const ziplist = (entries: ReadonlyArray<Buffer>): Buffer => {
  const parts: Array<Buffer> = []
  let prev = 0
  let offset = 10
  let tail = 10
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), Buffer.from(Uint32Array.of(prev).buffer)])
    const entry = Buffer.concat([prevlen, e])
    tail = offset
    parts.push(entry)
    prev = entry.length
    offset += entry.length
  }
  const body = Buffer.concat(parts)
  const header = Buffer.alloc(10)
  header.writeUInt32LE(10 + body.length + 1, 0)
  header.writeUInt32LE(tail, 4)
  header.writeUInt16LE(entries.length, 8)
  return Buffer.concat([header, body, Buffer.from([0xff])])
}

describe("ziplist, intset, zipmap (older RDB versions)", () => {
  it("reads every ziplist encoding", () => {
    const zl = ziplist([
      Buffer.from([3, 0x61, 0x62, 0x63]),
      Buffer.from([0x40 | 1, 44, ...Buffer.alloc(300, 0x7a)]),
      Buffer.from([0xc0, 0x39, 0x30]),
      Buffer.from([0xd0, 0xff, 0xff, 0xff, 0x7f]),
      Buffer.from([0xe0, 1, 0, 0, 0, 0, 0, 0, 0x80]),
      Buffer.from([0xf0, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0x80]),
      Buffer.from([0xf1]),
      Buffer.from([0xfd])
    ])
    expect(decodeZiplist(zl).map(canonical)).toEqual([
      "abc", "z".repeat(300), "12345", "2147483647", "-9223372036854775807", "-1", "-128", "0", "12"
    ])
    const bad = Buffer.from(zl)
    bad.writeUInt32LE(11, 4)
    expect(() => decodeZiplist(bad)).toThrow(EncodingError)
  })

  it("intsets round trip in the narrowest encoding", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 30 }), (values) => {
      const sorted = [...values].sort((a, b) => (a < b ? -1 : 1))
      const members = sorted.map((v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v))
      expect(decodeIntset(encodeIntset(members)).map(String)).toEqual(sorted.map(String))
    }))
    expect(encodeIntset([1, 2]).readUInt32LE(0)).toBe(2)
    expect(encodeIntset([1, 40000]).readUInt32LE(0)).toBe(4)
    expect(encodeIntset([1, 2 ** 40]).readUInt32LE(0)).toBe(8)
    expect(() => decodeIntset(encodeIntset([2, 1]))).toThrow(EncodingError)
  })

  it("reads zipmaps", () => {
    const zm = Buffer.from([2, 1, 0x61, 2, 0, 0x78, 0x79, 3, 0x66, 0x6f, 0x6f, 1, 2, 0x7a, 0, 0, 0xff])
    expect(decodeZipmap(zm)).toEqual(["a", "xy", "foo", "z"])
    expect(() => decodeZipmap(zm.subarray(0, 10))).toThrow(EncodingError)
  })
})

describe("the reader", () => {
  it("reads every length and string encoding", () => {
    const r = new RdbReader(Buffer.from([
      0x05, 0x41, 0x2c, 0x80, 0, 1, 0, 0, 0x81, 0, 0, 0, 1, 0, 0, 0, 0,
      0xc0, 0xfb, 0xc1, 0x39, 0x30, 0xc2, 0xff, 0xff, 0xff, 0xff, 0x02, 0x68, 0x69
    ]))
    expect([r.len(), r.len(), r.len(), r.lenBig()]).toEqual([5, 300, 65536, 2n ** 32n])
    expect([r.string(), r.string(), r.string(), r.string()]).toEqual(["-5", "12345", "-1", "hi"])
  })

  it("names the offset of a short read", () => {
    const r = new RdbReader(Buffer.from([0x05, 0x61, 0x62]))
    try {
      r.string()
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(RdbError)
      expect((e as RdbError).eof).toBe(true)
      expect((e as RdbError).offset).toBe(1)
      expect((e as RdbError).message).toBe("Internal error in RDB reading offset 1 -> Unexpected EOF reading RDB file")
    }
  })

  it("reports an unknown string encoding and invalid LZF data", () => {
    expect(() => new RdbReader(Buffer.from([0xc4])).string()).toThrow("Unknown RDB string encoding type 4")
    expect(() => new RdbReader(Buffer.from([0xc3, 2, 5, 0x20, 0x05])).string()).toThrow("Invalid LZF compressed string")
  })
})

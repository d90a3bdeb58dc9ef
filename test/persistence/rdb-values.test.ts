/**
 * The loader's direct decoding of the common small values (rdb/values.ts): small sets, listpack
 * hashes and sorted sets, and quicklists built straight from the file's bytes into the keyspace's
 * forms, with the general path taken beyond their limits. Each case is a value written byte by byte
 * as Redis lays it out; the expected contents are literal.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ByteBuilder, encodeListpack, latin1, type PackedItem } from "../../src/persistence/rdb/bytes.ts"
import { QUICKLIST_PACKED, QUICKLIST_PLAIN, RdbError, RdbType } from "../../src/persistence/rdb/format.ts"
import { lzfCompress } from "../../src/persistence/rdb/lzf.ts"
import { RdbReader } from "../../src/persistence/rdb/reader.ts"
import { DEFAULT_LIMITS, EMPTY_KEY, type EncodingLimits, readValue, writeBlob, writeLen, writeString } from "../../src/persistence/rdb/values.ts"
import type { HashValue } from "../../src/keyspace/HashValue.ts"
import type { ListValue } from "../../src/keyspace/ListValue.ts"
import type { SetValue } from "../../src/keyspace/SetValue.ts"
import type { ZSetValue } from "../../src/keyspace/ZSetValue.ts"

const PLAIN = { compression: false }

/** The value of `type` encoded by `write`, read back (and the reader, to check it read everything). */
const read = (type: number, write: (out: ByteBuilder) => void, limits: EncodingLimits = DEFAULT_LIMITS) => {
  const out = new ByteBuilder()
  write(out)
  const r = new RdbReader(out.copy())
  const value = readValue(r, type, limits)
  expect(r.pos).toBe(r.end)
  return value
}

/** The RdbError reading the value throws. */
const failure = (type: number, write: (out: ByteBuilder) => void): RdbError => {
  const out = new ByteBuilder()
  write(out)
  try {
    readValue(new RdbReader(out.copy()), type, DEFAULT_LIMITS)
  } catch (e) {
    if (e instanceof RdbError) return e
    throw e
  }
  throw new Error("read without an error")
}

const strings = (members: ReadonlyArray<string>) => (out: ByteBuilder) => {
  writeLen(out, members.length)
  for (const m of members) writeString(out, m, PLAIN)
}

const listpack = (items: ReadonlyArray<PackedItem>, compression = false) => (out: ByteBuilder) => writeBlob(out, encodeListpack(items), { compression })

const zsetPairs = (zset: ZSetValue): Array<[string, number]> => {
  const pairs: Array<[string, number]> = []
  zset.walk(0, false, (m, s) => {
    pairs.push([m, s])
    return true
  })
  return pairs
}

describe("latin1", () => {
  it("is the bytes as a latin1 string, at every length", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), (data, from) => {
      const buf = Buffer.from(data)
      const start = data.length === 0 ? 0 : from % data.length
      expect(latin1(buf, start, buf.length)).toBe(buf.latin1Slice(start, buf.length))
    }))
  })
})

describe("small sets (RDB_TYPE_SET)", () => {
  it("keeps string members in the file's order, hashtable-encoded", () => {
    const set = read(RdbType.SET, strings(["b", "a", "c", "", "\u00ff\u0000x"])) as SetValue
    expect(set.encoding()).toBe("hashtable")
    expect(set.members()).toEqual(["b", "a", "c", "", "\u00ff\u0000x"])
  })

  it("makes an intset of integer members (integer-encoded in the file or not), sorted", () => {
    const set = read(RdbType.SET, strings(["10", "-3", "7", "123456789012"])) as SetValue
    expect(set.encoding()).toBe("intset")
    expect(set.members()).toEqual(["-3", "7", "10", "123456789012"])
  })

  it("is a hashtable when one member only looks like an integer", () => {
    for (const odd of ["-0", "01", "-", "12345678901234567890123"]) {
      const set = read(RdbType.SET, strings(["1", odd, "2"])) as SetValue
      expect(set.encoding()).toBe("hashtable")
      expect([...set.members()].sort()).toEqual(["1", odd, "2"].sort())
    }
  })

  it("reads LZF-compressed members", () => {
    const long = "abcabcabc".repeat(10)
    const set = read(RdbType.SET, (out) => {
      writeLen(out, 2)
      writeString(out, long, { compression: true })
      writeString(out, "x", PLAIN)
    }) as SetValue
    expect(set.members()).toEqual([long, "x"])
  })

  it("takes the general way beyond 32 members, with the same result", () => {
    const members = Array.from({ length: 40 }, (_, i) => `m${i}`)
    const set = read(RdbType.SET, strings(members)) as SetValue
    expect(set.encoding()).toBe("hashtable")
    expect([...set.members()].sort()).toEqual([...members].sort())
  })

  it("refuses a duplicated member, naming the duplicate's offset", () => {
    // count at 0, "a" at 1, "b" at 3, "a" again at 5
    const e = failure(RdbType.SET, strings(["a", "b", "a"]))
    expect(e.reason).toBe("Duplicate set members detected")
    expect(e.offset).toBe(5)
    // an integer-encoded member and its text are the same member
    expect(failure(RdbType.SET, (out) => {
      writeLen(out, 2)
      writeString(out, "12", PLAIN)
      writeLen(out, 2)
      out.latin1("12")
    }).reason).toBe("Duplicate set members detected")
  })

  it("is a short read when the file ends inside a member", () => {
    const out = new ByteBuilder()
    strings(["a", "bcd"])(out)
    expect(() => readValue(new RdbReader(out.copy().subarray(0, 5)), RdbType.SET, DEFAULT_LIMITS)).toThrow("Unexpected EOF")
  })
})

describe("listpack hashes", () => {
  it("reads string and integer entries as the pairs Redis gives back", () => {
    const hash = read(RdbType.HASH_LISTPACK, listpack(["a", 1, "b", -200, "c", "x", 5, "y", "big", 2n ** 62n, "neg", -(2 ** 40)])) as HashValue
    expect(hash.encoding()).toBe("listpack")
    expect(hash.pairs()).toEqual(["a", "1", "b", "-200", "c", "x", "5", "y", "big", "4611686018427387904", "neg", "-1099511627776"])
  })

  it("reads an LZF-compressed listpack", () => {
    const value = "v".repeat(50)
    const hash = read(RdbType.HASH_LISTPACK, listpack(["f", value, "g", value], true)) as HashValue
    expect(hash.pairs()).toEqual(["f", value, "g", value])
  })

  it("reads values larger than the scratch buffer it keeps, and small ones after them", () => {
    const huge = "h".repeat(200_000)
    expect((read(RdbType.HASH_LISTPACK, listpack(["f", huge])) as HashValue).pairs()).toEqual(["f", huge])
    expect((read(RdbType.SET, strings([huge, "x"])) as SetValue).members()).toEqual([huge, "x"])
    expect((read(RdbType.HASH_LISTPACK, listpack(["a", "b"])) as HashValue).pairs()).toEqual(["a", "b"])
  })

  it("takes the general way beyond 32 pairs, and converts beyond hash-max-listpack-entries", () => {
    const items = Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? `f${i}` : `v${i}`))
    const big = read(RdbType.HASH_LISTPACK, listpack(items)) as HashValue
    expect(big.pairs()).toEqual(items)
    expect(big.encoding()).toBe("listpack")
    const limited = read(RdbType.HASH_LISTPACK, listpack(["a", "1", "b", "2"]), { ...DEFAULT_LIMITS, hashMaxListpackEntries: 1 }) as HashValue
    expect(limited.encoding()).toBe("hashtable")
    expect(limited.pairs()).toEqual(["a", "1", "b", "2"])
  })

  it("refuses duplicate fields (an integer field and its text alike) and an odd number of entries", () => {
    for (const items of [["a", "1", "a", "2"], ["7", "x", 7, "y"], [10, "x", "y", "z", "10", "w"], ["a", "1", "b"]] as Array<Array<PackedItem>>) {
      const e = failure(RdbType.HASH_LISTPACK, listpack(items))
      expect(e.reason).toBe("Hash listpack integrity check failed.")
      expect(e.offset).toBe(0)
    }
    // a value may repeat a field's text
    expect((read(RdbType.HASH_LISTPACK, listpack(["a", "a", "b", "a"])) as HashValue).pairs()).toEqual(["a", "a", "b", "a"])
  })

  it("refuses a listpack whose header lies about its count", () => {
    const lp = encodeListpack(["a", "1"])
    lp.writeUInt16LE(4, 4)
    expect(failure(RdbType.HASH_LISTPACK, (out) => writeBlob(out, lp, PLAIN)).reason).toBe("Hash listpack integrity check failed.")
  })

  it("skips an empty one", () => {
    expect(read(RdbType.HASH_LISTPACK, listpack([]))).toBe(EMPTY_KEY)
  })
})

describe("listpack sorted sets", () => {
  it("reads members with integer and text scores, in the set's order", () => {
    const zset = read(RdbType.ZSET_LISTPACK, listpack(["a", 1, "b", "2.5", "c", 2, "d", "-inf"])) as ZSetValue
    expect(zset.encoding()).toBe("listpack")
    expect(zsetPairs(zset)).toEqual([["d", -Infinity], ["a", 1], ["c", 2], ["b", 2.5]])
    expect(zset.heapBytes()).toBeGreaterThan((read(RdbType.ZSET_LISTPACK, listpack(["a", 1])) as ZSetValue).heapBytes())
  })

  it("converts beyond zset-max-listpack-entries", () => {
    const zset = read(RdbType.ZSET_LISTPACK, listpack(["a", 1, "b", 2]), { ...DEFAULT_LIMITS, zsetMaxListpackEntries: 1 }) as ZSetValue
    expect(zset.encoding()).toBe("skiplist")
    expect(zsetPairs(zset)).toEqual([["a", 1], ["b", 2]])
  })

  it("refuses duplicate members, bad scores and an odd number of entries", () => {
    for (const items of [["a", 1, "a", 2], ["a", "x"], ["a", 1, "b"], ["1", 1, 1, 2]] as Array<Array<PackedItem>>) {
      const e = failure(RdbType.ZSET_LISTPACK, listpack(items))
      expect(e.reason).toBe("Zset listpack integrity check failed.")
      expect(e.offset).toBe(0)
    }
  })
})

describe("quicklists of listpacks", () => {
  const node = (items: ReadonlyArray<PackedItem>, compression = false) => (out: ByteBuilder) => {
    writeLen(out, QUICKLIST_PACKED)
    listpack(items, compression)(out)
  }

  it("reads one node, several nodes, plain nodes and compressed nodes in order", () => {
    const one = read(RdbType.LIST_QUICKLIST_2, (out) => {
      writeLen(out, 1)
      node(["a", "b", 3])(out)
    }) as ListValue
    expect(one.toArray()).toEqual(["a", "b", "3"])
    const long = "xyz".repeat(30)
    const many = read(RdbType.LIST_QUICKLIST_2, (out) => {
      writeLen(out, 3)
      node(["a", -5])(out)
      writeLen(out, QUICKLIST_PLAIN)
      writeString(out, "plain", PLAIN)
      node([long, long, "z"], true)(out)
    }) as ListValue
    expect(many.toArray()).toEqual(["a", "-5", "plain", long, long, "z"])
    // an adopted array works on as any list: it grows at both ends
    one.pushTail("t")
    one.pushHead("h")
    expect(one.toArray()).toEqual(["h", "a", "b", "3", "t"])
  })

  it("refuses a damaged node, naming its offset", () => {
    const lp = encodeListpack(["a", "b"])
    lp[lp.length - 1] = 0
    const e = failure(RdbType.LIST_QUICKLIST_2, (out) => {
      writeLen(out, 1)
      writeLen(out, QUICKLIST_PACKED)
      writeBlob(out, lp, PLAIN)
    })
    expect(e.reason).toBe("Listpack integrity check failed.")
    expect(e.offset).toBe(2)
  })

  it("is a short read for an empty node", () => {
    expect(failure(RdbType.LIST_QUICKLIST_2, (out) => {
      writeLen(out, 1)
      writeLen(out, QUICKLIST_PACKED)
      writeLen(out, 0)
    }).eof).toBe(true)
  })
})

it("compresses what the LZF cases above need compressed", () => {
  // the compressed cases only test something if the writer really compressed them
  expect(lzfCompress(Buffer.from("abcabcabc".repeat(10), "latin1"), 86)).toBeDefined()
  expect(lzfCompress(encodeListpack(["f", "v".repeat(50), "g", "v".repeat(50)]), 100)).toBeDefined()
})

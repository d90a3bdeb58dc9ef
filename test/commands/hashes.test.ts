/** Hash commands against real Redis: exact replies and errors (RESP2 and RESP3), random sequences, encodings. */
import { assert, describe as effectDescribe, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { HashValue } from "../../src/keyspace/HashValue.ts"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { NotifyClass } from "../../src/keyspace/notify.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize, toComparable } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { assertScanReturnsWhatStays } from "../support/scan.ts"
import type { RawReply } from "../support/raw.ts"
import { hashCommand } from "../support/generators/hashes.ts"

const long = (n: number) => "x".repeat(n)

/** Every example runs in RESP2 and again after HELLO 3. */
const bothProtocols = (commands: ReadonlyArray<Command>): ReadonlyArray<Command> => [
  ...commands,
  ["FLUSHALL"],
  ["HELLO", "3"],
  ...commands
]

const sortedStrings = (items: ReadonlyArray<unknown>) => items.map((x) => JSON.stringify(toComparable(x))).sort()

/** Flat [f, v, f, v] or a RESP3 map as sorted "f=v" pairs: order-free but keeps the pairing. */
const pairsOf = (value: unknown): ReadonlyArray<string> => {
  if (value instanceof Map) return sortedStrings([...value].map(([f, v]) => [f, v]))
  const flat = value as ReadonlyArray<unknown>
  const pairs: Array<unknown> = []
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]])
  return sortedStrings(pairs)
}

const isError = (reply: RawReply) => reply.raw.startsWith("-")

/**
 * How hash replies compare with Redis: order-free where Redis's order is a hashtable's, by shape
 * where the reply is random. The reply's type byte is always compared (array vs map vs set).
 */
export const hashNormalize: Normalize = (command, reply) => {
  if (isError(reply)) return reply.raw
  const name = command[0]!.toLowerCase()
  const kind = reply.raw[0]
  const value = reply.value
  switch (name) {
    case "hgetall":
      return { kind, pairs: pairsOf(value) }
    case "hkeys":
    case "hvals":
      return { kind, items: sortedStrings(value as ReadonlyArray<unknown>) }
    case "hscan": {
      const [cursor, items] = value as [string, ReadonlyArray<unknown>]
      // A cursor from elsewhere means something different in each hashtable: only the shape compares.
      if (command[2] !== "0") return { kind, shape: typeof cursor }
      // Small hashes are returned whole with cursor 0 by both; a partial page is random.
      return cursor === "0" ? { kind, pairs: pairsOf(items) } : "partial page"
    }
    case "hrandfield": {
      if (command.length === 2) return { kind }
      const count = Number(command[2])
      const items = value as ReadonlyArray<unknown>
      const withValues = command.length === 4
      const n = withValues && kind === "*" && !Array.isArray(items[0]) ? items.length / 2 : items.length
      if (withValues) {
        // Each field comes with its value; RESP3 nests the pairs.
        const pairs = Array.isArray(items[0]) ? items.map((p) => p as ReadonlyArray<unknown>) : []
        const shape = Array.isArray(items[0]) ? "nested" : "flat"
        return { kind, n, shape, nestedPairs: pairs.every((p) => p.length === 2) }
      }
      // Distinct fields unless the count is negative; fewer than asked means the whole hash.
      const distinct = new Set(items.map(String)).size === items.length
      return { kind, n, distinct: count < 0 ? "n/a" : distinct, whole: count > n ? sortedStrings(items) : "subset" }
    }
    default:
      return reply.raw
  }
}

describeDifferential("hash commands", (servers) => {
  it("replies and errors match Redis byte for byte", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HSET", "h", "f1", "v1", "f2", "v2"],
        ["HSET", "h", "f1", "new", "f3", "v3"],
        ["HSET", "h"],
        ["HSET", "h", "f"],
        ["HSET", "h", "f", "v", "g"],
        ["HMSET", "h", "f"],
        ["HMSET", "h", "f4", "v4", "f5", "v5"],
        ["HGETALL", "h"],
        ["HKEYS", "h"],
        ["HVALS", "h"],
        ["HLEN", "h"],
        ["HGET", "h", "f1"],
        ["HGET", "h", "nope"],
        ["HGET", "nokey", "f"],
        ["HMGET", "h", "f1", "nope", "f2"],
        ["HMGET", "nokey", "a", "b"],
        ["HSTRLEN", "h", "f1"],
        ["HSTRLEN", "h", "nope"],
        ["HSTRLEN", "nokey", "f"],
        ["HEXISTS", "h", "f1"],
        ["HEXISTS", "h", "nope"],
        ["HEXISTS", "nokey", "f"],
        ["HSETNX", "h", "f1", "x"],
        ["HSETNX", "h", "f6", "v6"],
        ["HSETNX", "nokey2", "f", "v"],
        ["HDEL", "h", "f1", "f1", "nope"],
        ["HDEL", "nokey", "f"],
        ["HDEL", "nokey2", "f", "g"],
        ["DBSIZE"],
        ["HGETALL", "nokey"],
        ["HKEYS", "nokey"],
        ["HVALS", "nokey"],
        ["HLEN", "nokey"],
        ["SET", "s", "string"],
        ["HSET", "s", "f", "v"],
        ["HSETNX", "s", "f", "v"],
        ["HMSET", "s", "f", "v"],
        ["HGET", "s", "f"],
        ["HMGET", "s", "f"],
        ["HDEL", "s", "f"],
        ["HLEN", "s"],
        ["HSTRLEN", "s", "f"],
        ["HEXISTS", "s", "f"],
        ["HKEYS", "s"],
        ["HVALS", "s"],
        ["HGETALL", "s"],
        ["HINCRBY", "s", "f", "1"],
        ["HINCRBY", "s", "f", "x"],
        ["HRANDFIELD", "s"],
        ["HRANDFIELD", "s", "1"],
        ["HSCAN", "s", "0"],
        ["HSCAN", "s", "x"],
        ["GET", "s"],
        ["HSET", "bin", "", "", "a\r\nb", "\u0000\u00ff"],
        ["HGETALL", "bin"],
        ["HGET", "bin", ""],
        ["HSTRLEN", "bin", "a\r\nb"]
      ])
    ))

  it("HINCRBY: integers, overflow and errors match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HINCRBY", "h", "n", "5"],
        ["HINCRBY", "h", "n", "-7"],
        ["HINCRBY", "h", "n", "x"],
        ["HINCRBY", "h", "n", "1.5"],
        ["HINCRBY", "h", "n", ""],
        ["HINCRBY", "nokey", "n", "x"],
        ["DBSIZE"],
        ["HSET", "h", "s", "abc", "sp", " 1", "z", "01", "big", "9223372036854775807", "small", "-9223372036854775808"],
        ["HINCRBY", "h", "s", "1"],
        ["HINCRBY", "h", "sp", "1"],
        ["HINCRBY", "h", "z", "1"],
        ["HINCRBY", "h", "big", "1"],
        ["HINCRBY", "h", "big", "0"],
        ["HINCRBY", "h", "big", "-9223372036854775808"],
        ["HINCRBY", "h", "small", "-1"],
        ["HINCRBY", "h", "small", "9223372036854775807"],
        ["HINCRBY", "h", "new", "9223372036854775807"],
        ["HINCRBY", "h", "new2", "-9223372036854775808"],
        ["HINCRBY", "h", "new3", "9223372036854775808"],
        ["HINCRBY", "h", "n", "4503599627370497"],
        ["HINCRBY", "h", "n", "4503599627370497"],
        ["HGETALL", "h"]
      ])
    ))

  it("HINCRBYFLOAT: long double sums, formatting and errors match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HINCRBYFLOAT", "h", "f", "10.5"],
        ["HINCRBYFLOAT", "h", "f", "0.1"],
        ["HINCRBYFLOAT", "h", "g", "0.1"],
        ["HINCRBYFLOAT", "h", "g", "0.2"],
        ["HINCRBYFLOAT", "h", "f", "-10.6"],
        ["HINCRBYFLOAT", "h", "f", "1e308"],
        ["HINCRBYFLOAT", "h", "f", "1e308"],
        ["HINCRBYFLOAT", "h", "e", "5.0e3"],
        ["HINCRBYFLOAT", "h", "e", "0x10"],
        ["HINCRBYFLOAT", "h", "e", "-5016"],
        ["HINCRBYFLOAT", "h", "x", "inf"],
        ["HINCRBYFLOAT", "h", "x", "-inf"],
        ["HINCRBYFLOAT", "h", "x", "nan"],
        ["HINCRBYFLOAT", "h", "x", "abc"],
        ["HINCRBYFLOAT", "h", "x", ""],
        ["HINCRBYFLOAT", "h", "x", " 1"],
        ["HINCRBYFLOAT", "nokey", "x", "abc"],
        ["DBSIZE"],
        ["HSET", "h", "s", "abc", "i", "9223372036854775807", "sp", "1 ", "inf", "inf", "lead0", "007"],
        ["HINCRBYFLOAT", "h", "s", "1"],
        ["HINCRBYFLOAT", "h", "sp", "1"],
        ["HINCRBYFLOAT", "h", "i", "1"],
        ["HINCRBYFLOAT", "h", "inf", "1"],
        ["HINCRBYFLOAT", "h", "lead0", "1"],
        ["HINCRBYFLOAT", "h", "i", "-9223372036854775808"],
        ["HINCRBYFLOAT", "h", "tiny", "1e-20"],
        ["HINCRBYFLOAT", "h", "neg0", "-0"],
        ["HGETALL", "h"],
        ["SET", "str", "1"],
        ["HINCRBYFLOAT", "str", "f", "1"],
        ["HINCRBYFLOAT", "str", "f", "x"]
      ]),
      hashNormalize // the 309-digit value makes "h" a hashtable: HGETALL's order is its own
    ))

  it("HRANDFIELD: argument errors, empty and whole-hash replies match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HRANDFIELD", "nokey"],
        ["HRANDFIELD", "nokey", "0"],
        ["HRANDFIELD", "nokey", "5"],
        ["HRANDFIELD", "nokey", "-5", "WITHVALUES"],
        ["HRANDFIELD", "nokey", "x"],
        ["HRANDFIELD", "nokey", "1", "foo"],
        ["HRANDFIELD", "nokey", "1", "withvalues", "x"],
        ["HRANDFIELD", "nokey", "-9223372036854775808"],
        ["HRANDFIELD", "nokey", "-9223372036854775807"],
        ["HRANDFIELD", "nokey", "9223372036854775808"],
        ["HRANDFIELD", "nokey", "-4611686018427387904", "withvalues"],
        ["HRANDFIELD", "nokey", "4611686018427387904", "withvalues"],
        ["HRANDFIELD", "nokey", "4611686018427387903", "withvalues"],
        ["HSET", "h", "a", "1"],
        ["HRANDFIELD", "h"],
        ["HRANDFIELD", "h", "0"],
        ["HRANDFIELD", "h", "0", "WITHVALUES"],
        ["HRANDFIELD", "h", "1"],
        ["HRANDFIELD", "h", "5"],
        ["HRANDFIELD", "h", "5", "withvalues"],
        ["HRANDFIELD", "h", "-3"],
        ["HRANDFIELD", "h", "-3", "WithValues"],
        ["HRANDFIELD", "h", "x", "withvalues"],
        ["HRANDFIELD", "h", "1", "withvalue"]
      ])
    ))

  it("HSCAN: argument errors and whole small hashes match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HSCAN", "nokey", "0"],
        ["HSCAN", "nokey", "0", "COUNT", "0"],
        ["HSCAN", "nokey", "x"],
        ["HSET", "h", "a", "1", "b", "2", "ab", "3", "", "4"],
        ["HSCAN", "h", "0"],
        ["HSCAN", "h", "123"],
        ["HSCAN", "h", "0", "MATCH", "a*"],
        ["HSCAN", "h", "0", "match", "*"],
        ["HSCAN", "h", "0", "MATCH", "*", "COUNT", "1"],
        ["HSCAN", "h", "0", "COUNT", "0"],
        ["HSCAN", "h", "0", "COUNT", "-1"],
        ["HSCAN", "h", "0", "COUNT", "x"],
        ["HSCAN", "h", "0", "MATCH"],
        ["HSCAN", "h", "0", "TYPE", "string"],
        ["HSCAN", "h", "0", "foo", "bar"],
        ["HSCAN", "h", "-1"],
        ["HSCAN", "h", "18446744073709551616"],
        ["HSCAN", "h", " 0"]
      ])
    ))

  it("hashtable-encoded hashes: whole contents compare as sets of pairs", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["HSET", "big", "f", long(65)],
        ["HSET", "big", "g", "1", "h", "2"],
        ["HGETALL", "big"],
        ["HKEYS", "big"],
        ["HVALS", "big"],
        ["HSCAN", "big", "0"],
        ["HDEL", "big", "f", "g", "h"],
        ["DBSIZE"]
      ]),
      hashNormalize
    ))

  it("large hashes (past hash-max-listpack-entries) match Redis as sets of pairs", () => {
    const pairs = Array.from({ length: 600 }, (_, i) => [`field:${i}`, String(i)]).flat()
    return checkCommands(
      servers(),
      bothProtocols([
        ["HSET", "big", ...pairs.slice(0, 1024)],
        ["OBJECT", "ENCODING", "big"],
        ["HSET", "big", ...pairs.slice(1000)],
        ["OBJECT", "ENCODING", "big"],
        ["HLEN", "big"],
        ["HGET", "big", "field:599"],
        ["HMGET", "big", "field:0", "field:600", "field:300"],
        ["HINCRBY", "big", "field:10", "5"],
        ["HINCRBYFLOAT", "big", "field:11", "0.5"],
        ["HDEL", "big", ...pairs.filter((_, i) => i % 4 === 0)],
        ["HLEN", "big"],
        ["HGETALL", "big"],
        ["HKEYS", "big"],
        ["HVALS", "big"],
        ["HEXISTS", "big", "field:2"],
        ["HSTRLEN", "big", "field:11"],
        ["OBJECT", "ENCODING", "big"],
        ["HSET", "small", "a", "1", "b", "2"],
        ["OBJECT", "ENCODING", "small"]
      ]),
      hashNormalize
    )
  })

  it("CONFIG SET of the listpack limits applies to the next write, like Redis", () =>
    checkCommands(servers(), [
      ["HSET", "h", "a", "1", "b", "2", "c", "3"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "2"],
      ["OBJECT", "ENCODING", "h"],
      ["HSET", "h", "a", "x"],
      ["OBJECT", "ENCODING", "h"],
      ["HSET", "h", "d", "4"],
      ["OBJECT", "ENCODING", "h"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
      ["CONFIG", "SET", "hash-max-listpack-value", "3"],
      ["HSET", "v", "f", "abc"],
      ["OBJECT", "ENCODING", "v"],
      ["HSET", "v", "f", "abcd"],
      ["OBJECT", "ENCODING", "v"],
      ["CONFIG", "SET", "hash-max-listpack-value", "64"]
    ]))

  for (const protocol of [2, 3] as const) {
    it(`random hash command sequences behave like Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.array(hashCommand, { maxLength: 25 }), {
        normalize: hashNormalize,
        numRuns: 150,
        setup: protocol === 3 ? [["HELLO", "3"]] : []
      }))
  }
})

const tinyLimits = { "hash-max-listpack-entries": "3", "hash-max-listpack-value": "4" }

describeDifferential(
  "hash commands with tiny listpack limits",
  (servers) => {
    const field = fc.constantFrom("f1", "f2", "f3", "f4", "long-field")
    const shortOrLong = fc.constantFrom("1", "abcd", "abcde", "-5", "x")
    const hashKey = fc.constantFrom("h1", "h2")
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.tuple(fc.constant("HSET"), hashKey, field, shortOrLong),
      fc.tuple(fc.constant("HSETNX"), hashKey, field, shortOrLong),
      fc.tuple(fc.constant("HDEL"), hashKey, field),
      fc.tuple(fc.constant("HINCRBY"), hashKey, field, fc.constantFrom("1", "100000")),
      fc.tuple(fc.constant("HINCRBYFLOAT"), hashKey, field, fc.constantFrom("1.5", "0.1", "1e10")),
      fc.tuple(fc.constant("HGETALL"), hashKey),
      fc.tuple(fc.constant("HSCAN"), hashKey, fc.constant("0")),
      fc.tuple(fc.constant("OBJECT"), fc.constant("ENCODING"), hashKey)
    )
    it("OBJECT ENCODING follows hash-max-listpack-entries/-value like Redis", () =>
      checkSequences(servers(), fc.array(command, { maxLength: 30 }), { normalize: hashNormalize, numRuns: 100 }))
  },
  { config: tinyLimits, oracleArgs: Object.entries(tinyLimits).flatMap(([k, v]) => [`--${k}`, v]) }
)

describe("HashValue encodings (Redis 7.0 thresholds)", () => {
  const limits = { maxListpackEntries: 3, maxListpackValue: 8 }
  it("stays a listpack within both limits and converts once either is passed, never back", () => {
    const h = new HashValue()
    h.prepareWrite(["f", long(8)], 0, 1, limits)
    h.set("f", long(8), limits)
    h.set("g", "1", limits)
    h.set("h", "2", limits)
    expect(h.encoding()).toBe("listpack")
    h.set("i", "3", limits)
    expect(h.encoding()).toBe("hashtable")
    h.delete("i")
    h.delete("h")
    expect(h.encoding()).toBe("hashtable")
  })

  it("converts before a write with a long argument, even if the field already exists (hashTypeTryConversion)", () => {
    const h = new HashValue()
    h.set("f", "1", limits)
    h.prepareWrite(["f", long(9)], 0, 1, limits)
    expect(h.encoding()).toBe("hashtable")
    const field = new HashValue()
    field.set(long(9), "1", limits) // HINCRBY path: no prepareWrite, the set itself converts
    expect(field.encoding()).toBe("hashtable")
  })

  it("listpack keeps insertion order through updates and deletes, like Redis's listpack", () => {
    const h = new HashValue()
    for (const f of ["a", "b", "c"]) h.set(f, f, { maxListpackEntries: 10, maxListpackValue: 10 })
    h.set("a", "A", limits)
    h.delete("b")
    h.set("d", "D", { maxListpackEntries: 10, maxListpackValue: 10 })
    const seen: Array<string> = []
    h.forEach((f, v) => seen.push(`${f}=${v}`))
    expect(seen).toEqual(["a=A", "c=c", "d=D"])
  })

  it("a hashtable scan returns every pair present for the whole scan, despite deletes and inserts between calls", () => {
    const big = { maxListpackEntries: 0, maxListpackValue: 64 }
    assertScanReturnsWhatStays("f", (fields) => {
      const h = new HashValue()
      fields.forEach((f, i) => h.set(f, String(i), big))
      return {
        items: () => {
          const out: Array<string> = []
          h.forEach((f) => out.push(f))
          return out
        },
        scan: (cursor, count, each) => h.scan(cursor, count, each),
        delete: (f) => h.delete(f),
        insert: (f) => h.set(f, "new", big)
      }
    })
  })
})

effectDescribe("hash writes signal and propagate themselves", () => {
  layer(embeddedRedis())((it) => {
    it.effect("keyspace events, and HDEL emptying a hash deletes the key with a del event", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const events: Array<string> = []
        const flagsBefore = keyspace.notifyFlags
        keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.generic | NotifyClass.hash
        const unsubscribe = keyspace.onNotify((type, event, key) => {
          if ((type & NotifyClass.generic) !== 0 || (type & NotifyClass.hash) !== 0) events.push(`${event}:${key}`)
        })
        yield* redis.command("HSET", "ev", "a", "1", "b", "2")
        yield* redis.command("HSETNX", "ev", "a", "x") // no change, no event
        yield* redis.command("HSETNX", "ev", "c", "3")
        yield* redis.command("HINCRBY", "ev", "n", "2")
        yield* redis.command("HINCRBYFLOAT", "ev", "n", "0.5")
        yield* redis.command("HDEL", "ev", "zz") // nothing deleted, no event
        yield* redis.command("HDEL", "ev", "a", "b", "c", "n")
        unsubscribe()
        keyspace.notifyFlags = flagsBefore
        assert.deepStrictEqual(events, ["hset:ev", "hset:ev", "hincrby:ev", "hincrbyfloat:ev", "hdel:ev", "del:ev"])
        assert.strictEqual(yield* redis.command("DBSIZE"), 0)
      }))

    it.effect("HINCRBYFLOAT propagates as HSET of the result; no-op writes do not propagate", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const propagated: Array<ReadonlyArray<string>> = []
        const unsubscribe = keyspace.onPropagate((_db, argv) => propagated.push(argv))
        yield* redis.command("HINCRBYFLOAT", "p", "f", "10.5")
        yield* redis.command("HINCRBYFLOAT", "p", "f", "0.1")
        yield* redis.command("HSETNX", "p", "f", "x")
        yield* redis.command("HDEL", "p", "nope")
        yield* redis.command("HDEL", "p", "f")
        unsubscribe()
        assert.deepStrictEqual(propagated, [["HSET", "p", "f", "10.5"], ["HSET", "p", "f", "10.6"], ["HDEL", "p", "f"]])
      }))
  })
})

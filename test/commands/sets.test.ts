/** Set commands against real Redis: exact replies and errors (RESP2 and RESP3), random sequences, encodings, propagation. */
import { assert, describe as effectDescribe, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { NotifyClass } from "../../src/keyspace/notify.ts"
import { SetValue } from "../../src/keyspace/SetValue.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize, toComparable } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { assertScanReturnsWhatStays } from "../support/scan.ts"
import type { RawConnection, RawReply } from "../support/raw.ts"
import { setCommand as command } from "../support/generators/sets.ts"

const bothProtocols = (commands: ReadonlyArray<Command>): ReadonlyArray<Command> => [
  ...commands,
  ["FLUSHALL"],
  ["HELLO", "3"],
  ...commands
]

const sortedStrings = (items: Iterable<unknown>) => [...items].map((x) => JSON.stringify(toComparable(x))).sort()

/**
 * How set replies compare with Redis: members order-free (a hashtable's order is its own), random
 * replies by shape and size. The reply's type byte is always compared (array `*` vs set `~`).
 */
const setNormalize: Normalize = (command, reply) => {
  if (reply.raw.startsWith("-")) return reply.raw
  const name = command[0]!.toLowerCase()
  const kind = reply.raw[0]
  const value = reply.value
  switch (name) {
    case "smembers":
    case "sinter":
    case "sunion":
    case "sdiff":
      return { kind, members: sortedStrings(value as Iterable<unknown>) }
    case "spop":
      // Only counts that empty the set are generated: the whole set, order-free.
      return command.length === 2 ? { kind } : { kind, members: sortedStrings(value as Iterable<unknown>) }
    case "sscan": {
      const [cursor, items] = value as [string, ReadonlyArray<unknown>]
      // A cursor from elsewhere means something different in each hashtable: only the shape compares.
      if (command[2] !== "0") return { kind, shape: typeof cursor }
      return cursor === "0" ? { kind, members: sortedStrings(items) } : "partial page"
    }
    case "srandmember": {
      if (command.length === 2) return { kind }
      const count = Number(command[2])
      const items = value as ReadonlyArray<unknown>
      const distinct = new Set(items.map(String)).size === items.length
      // Distinct members unless the count is negative; fewer than asked means the whole set.
      return { kind, n: items.length, distinct: count < 0 ? "n/a" : distinct, whole: count > items.length ? sortedStrings(items) : "subset" }
    }
    default:
      return reply.raw
  }
}


describeDifferential("set commands", (servers) => {
  it("replies and errors match Redis byte for byte", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["SADD", "i", "3", "1", "2", "1"],
        ["SADD", "i", "-9223372036854775808", "9223372036854775807", "4503599627370497"],
        ["SMEMBERS", "i"],
        ["SCARD", "i"],
        ["SISMEMBER", "i", "1"],
        ["SISMEMBER", "i", "01"],
        ["SISMEMBER", "i", "x"],
        ["SISMEMBER", "nokey", "1"],
        ["SMISMEMBER", "i", "1", "5", "x", "2"],
        ["SMISMEMBER", "nokey", "1", "2"],
        ["SREM", "i", "1", "1", "x", "01"],
        ["SREM", "nokey", "1"],
        ["SMEMBERS", "i"],
        ["SINTER", "i", "i"],
        ["SUNION", "i", "nokey"],
        ["SDIFF", "i", "nokey"],
        ["SDIFF", "nokey", "i"],
        ["SINTER", "i", "nokey"],
        ["SINTERCARD", "1", "i"],
        ["SINTERCARD", "1", "i", "LIMIT", "2"],
        ["SINTERCARD", "1", "i", "limit", "0"],
        ["SINTERCARD", "2", "i", "nokey"],
        ["SMEMBERS", "nokey"],
        ["SCARD", "nokey"],
        ["SPOP", "nokey"],
        ["SPOP", "nokey", "3"],
        ["SPOP", "nokey", "0"],
        ["SRANDMEMBER", "nokey"],
        ["SRANDMEMBER", "nokey", "3"],
        ["SRANDMEMBER", "nokey", "-3"],
        ["SRANDMEMBER", "i", "0"],
        ["SRANDMEMBER", "i", "100"],
        ["SPOP", "i", "0"],
        ["SPOP", "i", "100"],
        ["DBSIZE"],
        ["SADD", "one", "x"],
        ["SPOP", "one"],
        ["SRANDMEMBER", "one"],
        ["SADD", "one", "7"],
        ["SRANDMEMBER", "one"],
        ["SRANDMEMBER", "one", "-2"],
        ["SPOP", "one"],
        ["DBSIZE"],
        ["SET", "str", "v"],
        ["SADD", "str", "a"],
        ["SREM", "str", "a"],
        ["SMEMBERS", "str"],
        ["SISMEMBER", "str", "a"],
        ["SMISMEMBER", "str", "a"],
        ["SCARD", "str"],
        ["SPOP", "str"],
        ["SPOP", "str", "1"],
        ["SRANDMEMBER", "str"],
        ["SRANDMEMBER", "str", "1"],
        ["SSCAN", "str", "0"],
        ["SINTER", "nokey", "str"],
        ["SINTER", "str", "nokey"],
        ["SINTERCARD", "2", "nokey", "str"],
        ["SUNION", "nokey", "str"],
        ["SDIFF", "nokey", "str"],
        ["SINTERSTORE", "d", "nokey", "str"],
        ["SUNIONSTORE", "d", "str"],
        ["SDIFFSTORE", "d", "nokey", "str"],
        ["SMOVE", "nokey", "str", "a"],
        ["SADD", "src", "a"],
        ["SMOVE", "src", "str", "a"],
        ["SMOVE", "str", "src", "a"],
        ["GET", "str"]
      ])
    ))

  it("argument errors match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["SADD", "s", "a", "b"],
        ["SPOP", "s", "1", "2"],
        ["SPOP", "s", "-1"],
        ["SPOP", "s", "x"],
        ["SPOP", "s", "9223372036854775808"],
        ["SPOP", "nokey", "-1"],
        ["SRANDMEMBER", "s", "1", "2"],
        ["SRANDMEMBER", "s", "x"],
        ["SRANDMEMBER", "s", "-9223372036854775808"],
        ["SRANDMEMBER", "nokey", "-9223372036854775808"],
        ["SRANDMEMBER", "s", "9223372036854775808"],
        ["SRANDMEMBER", "s", "1", "withvalues"],
        ["SINTERCARD", "0", "s"],
        ["SINTERCARD", "-1", "s"],
        ["SINTERCARD", "x", "s"],
        ["SINTERCARD", "2", "s"],
        ["SINTERCARD", "99999999999", "s"],
        ["SINTERCARD", "9223372036854775808", "s"],
        ["SINTERCARD", "1", "s", "LIMIT"],
        ["SINTERCARD", "1", "s", "LIMIT", "-1"],
        ["SINTERCARD", "1", "s", "LIMIT", "x"],
        ["SINTERCARD", "1", "s", "foo", "1"],
        ["SINTERCARD", "1", "s", "LIMIT", "1", "LIMIT", "0"],
        ["SINTERCARD", "1", "s", "limit", "1", "extra"],
        ["SINTERCARD", "1"],
        ["SSCAN", "s", "x"],
        ["SSCAN", "s", "0", "COUNT", "0"],
        ["SSCAN", "s", "0", "COUNT", "x"],
        ["SSCAN", "s", "0", "MATCH"],
        ["SSCAN", "s", "0", "TYPE", "set"],
        ["SSCAN", "nokey", "0", "COUNT", "0"],
        ["SSCAN", "nokey", "x"],
        ["SMOVE", "s", "d"],
        ["SMISMEMBER", "s"],
        ["SINTERSTORE", "d"],
        ["SADD", "s"],
        ["SREM", "s"],
        ["SCARD"],
        ["SINTER"]
      ])
    ))

  it("STORE forms, SMOVE and SSCAN match Redis", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["SADD", "a", "1", "2", "3"],
        ["SADD", "b", "2", "3", "x"],
        ["SINTERSTORE", "d", "a", "b"],
        ["SMEMBERS", "d"],
        ["SUNIONSTORE", "d", "a", "b"],
        ["SCARD", "d"],
        ["SDIFFSTORE", "d", "a", "b"],
        ["SMEMBERS", "d"],
        ["SDIFFSTORE", "d", "a", "a"],
        ["DBSIZE"],
        ["SET", "d", "string"],
        ["SUNIONSTORE", "d", "a"],
        ["SMEMBERS", "d"],
        ["SINTERSTORE", "d", "a", "nokey"],
        ["SINTERSTORE", "d", "a", "nokey"],
        ["DBSIZE"],
        ["SUNIONSTORE", "a", "a", "b"],
        ["SSCAN", "a", "0"],
        ["SSCAN", "a", "0", "MATCH", "[12]"],
        ["SSCAN", "nokey", "0"],
        ["SSCAN", "b", "0", "MATCH", "x*", "COUNT", "100"],
        ["SMOVE", "a", "a", "1"],
        ["SMOVE", "a", "a", "nope"],
        ["SMOVE", "a", "n", "nope"],
        ["SMOVE", "a", "n", "1"],
        ["SMOVE", "a", "n", "1"],
        ["SMEMBERS", "n"],
        ["SADD", "last", "z"],
        ["SMOVE", "last", "n", "z"],
        ["DBSIZE"],
        ["SMOVE", "n", "b", "x"],
        ["SMEMBERS", "b"]
      ]),
      setNormalize
    ))

  it("large sets (past set-max-intset-entries, and past the packed size) match Redis as multisets", () => {
    const ints = Array.from({ length: 600 }, (_, i) => String(i * 3))
    const evens = Array.from({ length: 300 }, (_, i) => String(i * 2))
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`)
    return checkCommands(
      servers(),
      bothProtocols([
        ["SADD", "big", ...ints],
        ["OBJECT", "ENCODING", "big"],
        ["SADD", "mid", ...evens],
        ["OBJECT", "ENCODING", "mid"],
        ["SADD", "words", ...words, ...evens.slice(0, 50)],
        ["OBJECT", "ENCODING", "words"],
        ["SCARD", "big"],
        ["SINTER", "big", "mid"],
        ["SINTERCARD", "2", "big", "mid"],
        ["SINTERCARD", "2", "big", "mid", "LIMIT", "7"],
        ["SUNION", "big", "mid", "words"],
        ["SDIFF", "big", "mid"],
        ["SDIFF", "words", "mid", "big"],
        ["SINTERSTORE", "d1", "words", "mid"],
        ["OBJECT", "ENCODING", "d1"],
        ["SUNIONSTORE", "d2", "mid", "words"],
        ["OBJECT", "ENCODING", "d2"],
        ["SDIFFSTORE", "d3", "big", "mid"],
        ["OBJECT", "ENCODING", "d3"],
        ["SMEMBERS", "d3"],
        ["SREM", "big", ...ints.slice(0, 590)],
        ["SMEMBERS", "big"],
        ["OBJECT", "ENCODING", "big"],
        ["SMISMEMBER", "words", "w1", "w99", "w100", "0", "2", "1"],
        ["SMOVE", "words", "big", "w5"],
        ["SISMEMBER", "big", "w5"],
        ["SPOP", "words", "1000"],
        ["DBSIZE"]
      ]),
      setNormalize
    )
  })

  it("CONFIG SET set-max-intset-entries applies to the next write, like Redis", () =>
    checkCommands(servers(), [
      ["SADD", "s", "1", "2", "3"],
      ["CONFIG", "SET", "set-max-intset-entries", "2"],
      ["OBJECT", "ENCODING", "s"],
      ["SADD", "s", "1"],
      ["OBJECT", "ENCODING", "s"],
      ["SADD", "s", "4"],
      ["OBJECT", "ENCODING", "s"],
      ["SADD", "t", "1", "2"],
      ["OBJECT", "ENCODING", "t"],
      ["CONFIG", "SET", "set-max-intset-entries", "512"],
      ["SADD", "t", "3"],
      ["OBJECT", "ENCODING", "t"]
    ]))

  for (const protocol of [2, 3] as const) {
    it(`random set command sequences behave like Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.array(command, { maxLength: 25 }), {
        normalize: setNormalize,
        numRuns: 150,
        setup: protocol === 3 ? [["HELLO", "3"]] : []
      }))
  }

  it("SPOP with a count removes what it returns, on Redis and here alike", async () => {
    const check = async (conn: RawConnection) => {
      const initial = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? String(i) : `m${i}`))
      await conn.pipeline([["RESET"], ["FLUSHALL"], ["SADD", "p", ...initial]])
      const popped: Array<string> = []
      for (const count of ["1", "5", "30"]) {
        const [reply] = await conn.pipeline([["SPOP", "p", count]])
        const items = reply!.value as ReadonlyArray<string>
        expect(items.length).toBe(Number(count))
        popped.push(...items)
      }
      const single = (await conn.pipeline([["SPOP", "p"]]))[0]!.value as string
      popped.push(single)
      const rest = (await conn.pipeline([["SMEMBERS", "p"]]))[0]!.value as ReadonlyArray<string>
      expect(rest.length).toBe(3)
      expect(new Set(popped).size).toBe(popped.length)
      expect([...popped, ...rest].sort()).toEqual([...initial].sort())
    }
    await check(servers().theirs)
    await check(servers().ours)
  })

  it("SRANDMEMBER and SPOP pick every member eventually (not always the same one)", async () => {
    const { ours } = servers()
    await ours.pipeline([["RESET"], ["FLUSHALL"], ["SADD", "r", "a", "b", "c", "1"], ["SADD", "ri", "1", "2", "3", "4"]])
    for (const key of ["r", "ri"]) {
      const replies = await ours.pipeline(Array.from({ length: 200 }, () => ["SRANDMEMBER", key]))
      expect(new Set(replies.map((r) => r.value)).size).toBe(4)
      const negative = (await ours.pipeline([["SRANDMEMBER", key, "-400"]]))[0]!.value as ReadonlyArray<string>
      expect(new Set(negative).size).toBe(4)
    }
  })
})

const tinyIntset = { "set-max-intset-entries": "3" }

describeDifferential(
  "set commands with a tiny set-max-intset-entries",
  (servers) => {
    const m = fc.constantFrom("1", "2", "3", "4", "-5", "x", "01")
    const k = fc.constantFrom("s1", "s2")
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.tuple(fc.constant("SADD"), k, m),
      fc.tuple(fc.constant("SREM"), k, m),
      fc.tuple(fc.constant("SMOVE"), k, k, m),
      fc.tuple(fc.constant("SINTERSTORE"), k, k, k),
      fc.tuple(fc.constant("SUNIONSTORE"), k, k, k),
      fc.tuple(fc.constant("SDIFFSTORE"), k, k, k),
      fc.tuple(fc.constant("SMEMBERS"), k),
      fc.tuple(fc.constant("SSCAN"), k, fc.constant("0")),
      fc.tuple(fc.constant("OBJECT"), fc.constant("ENCODING"), k)
    )
    it("OBJECT ENCODING follows set-max-intset-entries and integer members like Redis", () =>
      checkSequences(servers(), fc.array(command, { maxLength: 30 }), { normalize: setNormalize, numRuns: 100 }))
  },
  { config: tinyIntset, oracleArgs: ["--set-max-intset-entries", "3"] }
)

describe("SetValue encodings (Redis 7.0 rules)", () => {
  it("an intset holds canonical 64-bit integers in ascending order", () => {
    const s = new SetValue()
    for (const m of ["10", "-3", "9223372036854775807", "-9223372036854775808", "4503599627370497", "0"]) s.add(m, 512)
    expect(s.encoding()).toBe("intset")
    expect(s.members()).toEqual(["-9223372036854775808", "-3", "0", "10", "4503599627370497", "9223372036854775807"])
    expect(s.has("4503599627370497")).toBe(true)
    expect(s.has("4503599627370496")).toBe(false)
    expect(s.has("010")).toBe(false)
  })

  for (const nonCanonical of ["01", "-0", "+1", " 1", "1.0", "9223372036854775808", "a"]) {
    it(`adding ${JSON.stringify(nonCanonical)} converts an intset to a hashtable for good`, () => {
      const s = new SetValue()
      s.add("1", 512)
      s.add(nonCanonical, 512)
      expect(s.encoding()).toBe("hashtable")
      s.delete(nonCanonical)
      expect(s.encoding()).toBe("hashtable")
      expect(s.has("1")).toBe(true)
    })
  }

  it("grows past set-max-intset-entries into a hashtable", () => {
    const s = new SetValue()
    for (let i = 0; i < 4; i++) s.add(String(i), 4)
    expect(s.encoding()).toBe("intset")
    s.add("4", 4)
    expect(s.encoding()).toBe("hashtable")
    expect(s.size).toBe(5)
  })

  it("a hashtable scan returns every member present for the whole scan, despite changes between calls", () => {
    assertScanReturnsWhatStays("m", (members) => {
      const s = new SetValue()
      for (const m of members) s.add(m, 0)
      return {
        items: () => s.members(),
        scan: (cursor, count, each) => s.scan(cursor, count, each),
        delete: (m) => s.delete(m),
        insert: (m) => void s.add(m, 0)
      }
    })
  })
})

effectDescribe("set writes signal and propagate themselves", () => {
  layer(embeddedRedis())((it) => {
    it.effect("SPOP propagates as SREM, SPOP with a count as SREMs in MULTI/EXEC or DEL; events as Redis names them", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const propagated: Array<ReadonlyArray<string>> = []
        const events: Array<string> = []
        const stopPropagation = keyspace.onPropagate((_db, argv) => propagated.push(argv))
        const stopNotify = keyspace.onNotify((_type, event, key) => events.push(`${event}:${key}`))
        const flagsBefore = keyspace.notifyFlags
        keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.generic | NotifyClass.set
        yield* redis.command("SADD", "p", "a", "b", "c", "d")
        const one = (yield* redis.command("SPOP", "p")) as string
        const some = (yield* redis.command("SPOP", "p", "2")) as ReadonlyArray<string>
        const rest = (yield* redis.command("SPOP", "p", "10")) as ReadonlyArray<string>
        yield* redis.command("SPOP", "p", "10") // missing key: no write
        yield* redis.command("SADD", "q", "x")
        yield* redis.command("SMOVE", "q", "r", "x")
        yield* redis.command("SINTERSTORE", "r", "nokey")
        stopPropagation()
        stopNotify()
        keyspace.notifyFlags = flagsBefore
        assert.deepStrictEqual(propagated, [
          ["SADD", "p", "a", "b", "c", "d"],
          ["SREM", "p", one],
          // Several SREMs for one command go out as one unit, as Redis 7.0 wraps them.
          ["MULTI"],
          ["SREM", "p", some[0]!],
          ["SREM", "p", some[1]!],
          ["EXEC"],
          ["DEL", "p"],
          ["SADD", "q", "x"],
          ["SMOVE", "q", "r", "x"],
          ["SINTERSTORE", "r", "nokey"]
        ])
        assert.deepStrictEqual([one, ...some, ...rest].sort(), ["a", "b", "c", "d"])
        assert.deepStrictEqual(events, [
          "sadd:p",
          "spop:p",
          "spop:p",
          "spop:p",
          "del:p",
          "sadd:q",
          "srem:q",
          "del:q",
          "sadd:r",
          "del:r"
        ])
        assert.strictEqual(yield* redis.command("DBSIZE"), 0)
      }))
  })
})

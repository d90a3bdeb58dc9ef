/**
 * What sorted set and geo commands tell the rest of the system, compared with a real redis-server
 * (through the shared describeEffects): the commands they propagate against Redis's AOF, and the
 * keyspace events they emit against its `__keyevent@*__` messages. Covers the rewrites: BZPOPMIN ->
 * ZPOPMIN, BZMPOP/ZMPOP -> ZPOPMIN key n, GEOADD -> zadd, both when the command finds data at once
 * and when a waiter is served later, inside and outside transactions.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { anyCase } from "../support/arbitraries.ts"
import { servedOnBoth } from "../support/blocking.ts"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"

const key = fc.constantFrom("a", "b", "c")
const member = fc.constantFrom("x", "y", "z", "")
const score = fc.constantFrom("1", "2", "-1.5", "inf", "0")
const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())
const keys = fc.array(key, { minLength: 1, maxLength: 3 })
const lon = fc.integer({ min: 10_000, max: 12_000 }).map((n) => (n / 1000).toFixed(3))
const lat = fc.integer({ min: 40_000, max: 42_000 }).map((n) => (n / 1000).toFixed(3))

/** Writes mostly (errors and reads propagate nothing, and emit no events). */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("zadd"), key, fc.subarray(["NX", "XX", "GT", "CH"], { maxLength: 1 }), pairs).map(([c, k, f, p]) => [c, k, ...f, ...p]) },
  { weight: 1, arbitrary: fc.tuple(key, score, member).map(([k, s, m]) => ["ZADD", k, "INCR", s, m]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZINCRBY"), key, score, member) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("ZREM"), key, member, member) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYRANK"), key, fc.constantFrom("0", "1", "-1"), fc.constantFrom("0", "-1")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYSCORE"), key, fc.constantFrom("-inf", "(0", "1"), fc.constantFrom("+inf", "1", "(2")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYLEX"), key, fc.constantFrom("-", "[x", "(x"), fc.constantFrom("+", "[y", "(z")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("ZPOPMIN", "zpopmax"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("ZPOPMIN", "ZPOPMAX"), key, fc.integer({ min: 0, max: 4 }).map(String)) },
  {
    weight: 2,
    arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "max"), fc.integer({ min: 1, max: 4 })).map((
      [ks, w, n]
    ) => ["ZMPOP", String(ks.length), ...ks, w, "COUNT", String(n)])
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("BZPOPMIN", "bzpopmax"), key, key).map(([c, k1, k2]) => [c, k1, k2, "0.01"]) },
  {
    weight: 1,
    arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "MAX"), fc.integer({ min: 1, max: 4 })).map((
      [ks, w, n]
    ) => ["BZMPOP", "0.01", String(ks.length), ...ks, w, "COUNT", String(n)])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), key, keys).map((
      [c, d, ks]
    ) => [c, d, String(ks.length), ...ks])
  },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([d, s]) => ["ZRANGESTORE", d, s, "0", "1"]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.subarray(["NX", "CH"]), lon, lat, member).map(([k, o, x, y, m]) => ["GEOADD", k, ...o, x, y, m]) },
  { weight: 1, arbitrary: fc.tuple(key, key, fc.boolean()).map(([d, s, dist]) => ["GEOSEARCHSTORE", d, s, "FROMLONLAT", "11", "41", "BYRADIUS", "200", "km", ...(dist ? ["STOREDIST"] : [])]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([s, d]) => ["GEORADIUS", s, "11", "41", "100", "km", "STORE", d]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constant("string")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), key) }
)

const sequences = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: write.map((c) => [c]) },
    { weight: 1, arbitrary: fc.array(write, { minLength: 1, maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
  ),
  { maxLength: 25, size: "medium" }
).map((groups) => groups.flat())

describeEffects("sorted set commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const nonEmpty = await compareRandomSequences(servers(), effects, sequences, (p) => p.length > 2)
    // the property is only meaningful if many sequences propagated something beyond FLUSHALL
    expect(nonEmpty).toBeGreaterThan(50)
  })

  it.each<[string, Command, ReadonlyArray<Command>]>([
    ["BZPOPMIN", ["BZPOPMIN", "none", "k", "0"], [["ZADD", "k", "1", "x", "2", "y"]]],
    ["BZPOPMAX", ["BZPOPMAX", "k", "0"], [["ZINCRBY", "k", "3", "x"]]],
    ["BZMPOP", ["BZMPOP", "0", "1", "k", "MAX", "COUNT", "5"], [["ZADD", "k", "1", "x", "2", "y", "3", "z"]]],
    ["BZMPOP fed by ZUNIONSTORE", ["BZMPOP", "0", "1", "k", "MIN", "COUNT", "1"], [["ZADD", "src", "1", "x"], ["ZUNIONSTORE", "k", "1", "src"]]],
    ["BZPOPMIN fed by GEOADD", ["BZPOPMIN", "k", "0"], [["GEOADD", "k", "11", "41", "rome", "12", "42", "near"]]],
    ["a waiter in MULTI's aftermath", ["BZPOPMIN", "k", "0"], [["MULTI"], ["ZADD", "k", "1", "x"], ["ZADD", "k", "2", "y"], ["EXEC"]]]
  ])("a served %s propagates and notifies as Redis does", async (_, wait, writes) => {
    const { ours, theirs } = servers()
    const replies: Array<string> = []
    await effects.compare(async () => {
      await ours.call("FLUSHALL")
      await theirs.call("FLUSHALL")
      replies.push(...(await servedOnBoth(servers(), wait, writes)))
    })
    expect(replies[0]).toBe(replies[1])
  })
}, { notify: "Egzn" })

describeEffects("sorted set commands: the \"new\" event of created keys", (servers, effects) => {
  it("keys created by ZADD, GEOADD and the STORE commands emit \"new\" before their own event, as Redis does", async () => {
    const { ours, theirs } = servers()
    const commands: ReadonlyArray<Command> = [
      ["FLUSHALL"],
      ["ZADD", "a", "1", "x"],
      ["ZADD", "a", "2", "y"],
      ["ZADD", "b", "XX", "1", "x"],
      ["ZINCRBY", "b", "1", "x"],
      ["GEOADD", "g", "11", "41", "rome"],
      // a hash above 2^53: the zadd propagates its exact digits, not the rounded score
      ["GEOADD", "g", "180", "0.0000025357211605949456", "edge"],
      ["ZUNIONSTORE", "u", "2", "a", "b"],
      ["ZUNIONSTORE", "u", "1", "a"],
      ["ZRANGESTORE", "r", "a", "0", "0"],
      ["ZINTERSTORE", "empty", "2", "a", "none"],
      ["GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "11", "41", "BYRADIUS", "1", "km"],
      ["GEORADIUS", "g", "11", "41", "1", "km", "STORE", "gr"],
      ["ZPOPMIN", "b"]
    ]
    await effects.compare(async () => {
      await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
    })
  })
}, { notify: "Egzn" })

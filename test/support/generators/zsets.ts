/** Random sorted set commands (every zset command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

export const key = fc.constantFrom("z1", "z2", "z3")
export const member = fc.constantFrom("a", "b", "c", "d", "e", "", "1", "10", "-1", "\u0000", "\u00ff", "ab")
export const score = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 5 }).map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom("1.5", "-2.25", "0.1", "-0", "inf", "-inf", "1e17", "3.3333333333333335", "1e-300", "0x10")
  },
  { weight: 1, arbitrary: fc.constantFrom("nan", "abc", "", " 1", "(1", "1e400") }
)
export const bound = fc.oneof(
  score,
  score.map((s) => `(${s}`),
  fc.constantFrom("-inf", "+inf", "(-inf", "(+inf", "", "(", " 2")
)
export const lexBound = fc.oneof(
  member.map((m) => `[${m}`),
  member.map((m) => `(${m}`),
  fc.constantFrom("-", "+", "x", "", "[", "(")
)
export const index = fc.oneof(fc.integer({ min: -6, max: 6 }).map(String), fc.constantFrom("x", "9223372036854775807"))
export const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }).map((ps) => ps.flat())
export const flags = fc.subarray(["NX", "XX", "GT", "LT", "CH", "INCR"], { maxLength: 2 })
export const keys = fc.array(fc.constantFrom("z1", "z2", "z3", "s1", "str", "none"), { minLength: 1, maxLength: 3 })
export const limit = fc.option(
  fc.tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: -1, max: 4 })).map(([o, c]) => ["LIMIT", String(o), String(c)]),
  { nil: [] as Array<string> }
)

/** Commands whose range arguments follow the score or lex grammar. */
export const rangeCommand = (lex: boolean): fc.Arbitrary<Command> =>
  lex
    ? fc.oneof(
      fc.tuple(fc.constantFrom("ZRANGEBYLEX", "ZREVRANGEBYLEX"), key, lexBound, lexBound, limit).map(([c, k, a, b, l]) => [c, k, a, b, ...l]),
      fc.tuple(key, lexBound, lexBound, fc.boolean(), limit).map(([k, a, b, rev, l]) => ["ZRANGE", k, a, b, "BYLEX", ...(rev ? ["REV"] : []), ...l]),
      fc.tuple(fc.constantFrom("ZLEXCOUNT", "ZREMRANGEBYLEX"), key, lexBound, lexBound),
      fc.tuple(key, key, lexBound, lexBound, fc.boolean()).map(([d, k, a, b, rev]) => ["ZRANGESTORE", d, k, a, b, "BYLEX", ...(rev ? ["REV"] : [])])
    )
    : fc.oneof(
      fc.tuple(fc.constantFrom("ZRANGEBYSCORE", "ZREVRANGEBYSCORE"), key, bound, bound, fc.boolean(), limit).map((
        [c, k, a, b, ws, l]
      ) => [c, k, a, b, ...(ws ? ["WITHSCORES"] : []), ...l]),
      fc.tuple(key, bound, bound, fc.boolean(), fc.boolean(), limit).map(([k, a, b, rev, ws, l]) => [
        "ZRANGE",
        k,
        a,
        b,
        "BYSCORE",
        ...(rev ? ["REV"] : []),
        ...(ws ? ["WITHSCORES"] : []),
        ...l
      ]),
      fc.tuple(fc.constantFrom("ZCOUNT", "ZREMRANGEBYSCORE"), key, bound, bound),
      fc.tuple(key, key, bound, bound, fc.boolean(), limit).map(([d, k, a, b, rev, l]) => [
        "ZRANGESTORE",
        d,
        k,
        a,
        b,
        "BYSCORE",
        ...(rev ? ["REV"] : []),
        ...l
      ])
    )

/**
 * Random zset commands. `lexRanges`: include lex-range commands (their result over members of
 * different scores is only defined for the listpack encoding, which walks the members in order).
 */
export const zsetCommand = (lexRanges: boolean, scores: fc.Arbitrary<string> = score): fc.Arbitrary<Command> => {
  const scorePairs = scores === score ? pairs : fc.array(fc.tuple(scores, member), { minLength: 1, maxLength: 4 }).map((ps) => ps.flat())
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(anyCase("zadd"), key, flags, scorePairs).map(([c, k, f, p]) => [c, k, ...f, ...p]) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("ZINCRBY"), key, scores, member) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("ZREM"), key, member, member) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("ZSCORE", "ZRANK", "ZREVRANK"), key, member) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("ZMSCORE"), key, member, member) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("ZCARD", "TYPE", "OBJECT"), key).map(([c, k]) => (c === "OBJECT" ? [c, "ENCODING", k] : [c, k])) },
    {
      weight: 3,
      arbitrary: fc.tuple(key, index, index, fc.boolean(), fc.boolean()).map((
        [k, a, b, rev, ws]
      ) => ["ZRANGE", k, a, b, ...(rev ? ["REV"] : []), ...(ws ? ["WITHSCORES"] : [])])
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("ZREVRANGE", "ZREMRANGEBYRANK"), key, index, index) },
    {
      weight: 1,
      arbitrary: fc.tuple(key, key, index, index, fc.boolean()).map((
        [d, k, a, b, rev]
      ) => ["ZRANGESTORE", d, k, a, b, ...(rev ? ["REV"] : [])])
    },
    { weight: 4, arbitrary: rangeCommand(false) },
    ...(lexRanges ? [{ weight: 3, arbitrary: rangeCommand(true) }] : []),
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom("ZPOPMIN", "ZPOPMAX"), key, fc.option(fc.integer({ min: -1, max: 4 }).map(String), { nil: undefined }))
        .map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, n]))
    },
    {
      weight: 1,
      arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "max"), fc.integer({ min: 0, max: 4 })).map((
        [ks, w, n]
      ) => ["ZMPOP", String(ks.length), ...ks, w, ...(n === 0 ? [] : ["COUNT", String(n)])])
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("BZPOPMIN", "BZPOPMAX"), keys).map(([c, ks]) => [c, ...ks, "0.001"]) },
    {
      weight: 1,
      arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "MAX"), fc.integer({ min: 1, max: 4 })).map((
        [ks, w, n]
      ) => ["BZMPOP", "0.001", String(ks.length), ...ks, w, "COUNT", String(n)])
    },
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.constantFrom("ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD"),
        keys,
        fc.option(fc.constantFrom("SUM", "MIN", "MAX"), { nil: undefined }),
        fc.boolean(),
        fc.array(fc.constantFrom("1", "2", "-1", "0", "0.5", "inf"), { minLength: 3, maxLength: 3 })
      ).map(([c, ks, agg, extra, ws]) => {
        const store = c.endsWith("STORE")
        const out = [c, ...(store ? ["z3"] : []), String(ks.length), ...ks]
        if (c === "ZINTERCARD") return extra ? [...out, "LIMIT", ws[0]!] : out
        if (c.startsWith("ZDIFF")) return extra && !store ? [...out, "WITHSCORES"] : out
        if (extra) out.push("WEIGHTS", ...ws.slice(0, ks.length))
        if (agg !== undefined) out.push("AGGREGATE", agg)
        if (!store) out.push("WITHSCORES")
        return out
      })
    },
    { weight: 1, arbitrary: fc.tuple(fc.constant("ZSCAN"), key, fc.constant("0"), fc.constantFrom("*", "a*", "?", "[a-c]")).map(([c, k, cur, p]) => [c, k, cur, "MATCH", p, "COUNT", "1000"]) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("ZRANDMEMBER"), key, fc.integer({ min: -5, max: 5 }).map(String), fc.boolean()).map(([c, k, n, ws]) => [c, k, n, ...(ws ? ["WITHSCORES"] : [])]) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("SADD"), fc.constant("s1"), member) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), fc.constant("str"), fc.constant("v")) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), key) }
  )
}

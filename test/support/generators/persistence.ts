/**
 * Keyspaces for persistence tests, as commands: every type in every encoding Redis 7.0 writes
 * (small and large values, integers of every width, binary strings, compressible strings), expiries,
 * several databases, and streams with tombstones, consumer groups, PELs and consumers.
 */
import fc from "fast-check"

export type Command = ReadonlyArray<string>

const allBytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")

/** A fixed keyspace with every type and encoding; `future` is an absolute ms time for expiries. */
export const richDataset = (future: number): Array<Command> => {
  const c: Array<Command> = []
  // strings: integer encodings of every width, text, binary, compressible
  const ints = ["0", "-1", "127", "128", "-129", "32767", "-32768", "40000", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "-9223372036854775808", "007", "-0", "1e3", "12345678901"]
  ints.forEach((v, i) => c.push(["SET", `int:${i}`, v]))
  c.push(["SET", "empty", ""])
  c.push(["SET", "embstr", "hello world"])
  c.push(["SET", "raw", "x".repeat(45)])
  c.push(["SET", "compressible", "abcabcabc".repeat(2000)])
  c.push(["SET", "binary", allBytes.repeat(3)])
  c.push(["SET", "incompressible", Array.from({ length: 400 }, (_, i) => String.fromCharCode((i * 7919 + 13) % 251)).join("")])
  c.push(["SET", allBytes.slice(0, 40), "binary key"])
  // lists: small, with integers, long (several quicklist nodes), huge elements
  c.push(["RPUSH", "list:small", "a", "b", "1", "-5", "300000", "9223372036854775807", ""])
  c.push(["RPUSH", "list:long", ...Array.from({ length: 1500 }, (_, i) => `element-${i}`)])
  c.push(["RPUSH", "list:huge", "y".repeat(10_000), "z".repeat(20_000), "small", "q".repeat(9000)])
  c.push(["LPUSH", "list:ints", ...Array.from({ length: 300 }, (_, i) => String(i * 1000 - 150000))])
  // hashes: listpack, listpack with integers, hashtable by count, hashtable by value length
  c.push(["HSET", "hash:small", "f1", "v1", "f2", "2", "n", "-7", "", "empty field"])
  c.push(["HSET", "hash:big", ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `value${i}`]).flat()])
  c.push(["HSET", "hash:longvalue", "f", "v".repeat(100), "g", "1"])
  c.push(["HSET", "hash:binary", allBytes.slice(100, 140), allBytes.slice(0, 60)])
  // sets: intsets of every width, over the limit, hashtables small and large
  c.push(["SADD", "set:int16", "1", "2", "3", "-100"])
  c.push(["SADD", "set:int32", "1", "100000", "-100000"])
  c.push(["SADD", "set:int64", "1", "9223372036854775807", "-9223372036854775808", "4294967296"])
  c.push(["SADD", "set:intlarge", ...Array.from({ length: 400 }, (_, i) => String(i * 3))])
  c.push(["SADD", "set:intover", ...Array.from({ length: 600 }, (_, i) => String(i))])
  c.push(["SADD", "set:strings", "a", "b", "c", "1"])
  c.push(["SADD", "set:large", ...Array.from({ length: 700 }, (_, i) => `member:${i}`)])
  // sorted sets: listpack (integer, fractional, infinite scores), skiplist by count and by length
  c.push(["ZADD", "zset:small", "1", "one", "2.5", "two-and-half", "-3", "minus", "inf", "top", "-inf", "bottom", "1e300", "huge", "0", "zero", "4611686018427387904", "big"])
  c.push(["ZADD", "zset:large", ...Array.from({ length: 200 }, (_, i) => [String(i / 7), `m${i}`]).flat()])
  c.push(["ZADD", "zset:longmember", "1", "m".repeat(100), "2", "short"])
  c.push(["ZADD", "zset:ties", "5", "b", "5", "a", "5", "c"])
  // streams: entries with the master fields and others, tombstones, groups, PEL, consumers
  c.push(["XADD", "stream:s", "1-1", "f", "v", "n", "1"])
  c.push(["XADD", "stream:s", "1-2", "f", "w", "n", "2"])
  c.push(["XADD", "stream:s", "2-0", "other", "field"])
  c.push(["XADD", "stream:s", "3-0", "f", "x", "n", "-3000000000"])
  for (let i = 0; i < 150; i++) c.push(["XADD", "stream:s", `${10 + i}-${i % 3}`, "f", `v${i}`, "n", String(i)])
  c.push(["XDEL", "stream:s", "1-2", "20-1", "30-2"])
  c.push(["XGROUP", "CREATE", "stream:s", "g1", "0"])
  c.push(["XGROUP", "CREATE", "stream:s", "g2", "$"])
  c.push(["XGROUP", "CREATE", "stream:s", "g3", "10-1", "ENTRIESREAD", "5"])
  c.push(["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "stream:s", ">"])
  c.push(["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "stream:s", ">"])
  c.push(["XACK", "stream:s", "g1", "2-0"])
  c.push(["XCLAIM", "stream:s", "g1", "carol", "0", "3-0", "FORCE"])
  c.push(["XGROUP", "CREATECONSUMER", "stream:s", "g2", "dave"])
  c.push(["XADD", "stream:trimmed", "MAXLEN", "3", "50-0", "a", "1"])
  for (let i = 0; i < 10; i++) c.push(["XADD", "stream:trimmed", `${100 + i}-0`, "a", String(i)])
  c.push(["XTRIM", "stream:trimmed", "MAXLEN", "4"])
  c.push(["XGROUP", "CREATE", "stream:empty", "g", "$", "MKSTREAM"])
  c.push(["XADD", "stream:deleted", "5-5", "k", "v"])
  c.push(["XDEL", "stream:deleted", "5-5"])
  c.push(["XADD", "stream:bigid", "18446744073709551615-18446744073709551614", "k", "v"])
  // expiries, other databases
  c.push(["SET", "ttl:string", "v", "PXAT", String(future)])
  c.push(["RPUSH", "ttl:list", "a"])
  c.push(["PEXPIREAT", "ttl:list", String(future + 1234)])
  c.push(["SET", "ttl:far", "v"])
  c.push(["PEXPIREAT", "ttl:far", "9223372036854775000"])
  c.push(["SELECT", "3"])
  c.push(["SET", "db3", "three"])
  c.push(["HSET", "db3:hash", "a", "1"])
  c.push(["SELECT", "15"])
  c.push(["ZADD", "db15", "1", "x"])
  c.push(["SELECT", "0"])
  return c
}

const small = fc.oneof(
  fc.constantFrom("", "0", "-1", "12", "300000", "9223372036854775807", "abc", "x y", "\u0000\u00ff"),
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.string({ maxLength: 10 })
)
const anyValue = fc.oneof({ weight: 4, arbitrary: small }, { weight: 1, arbitrary: fc.nat({ max: 200 }).map((n) => "v".repeat(n)) })
const keyName = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h")
const count = fc.nat({ max: 40 })

/** Random writes of every type (some large enough to change encodings) in a few databases. */
export const randomDataset: fc.Arbitrary<Array<Command>> = fc.array(
  fc.oneof(
    fc.tuple(keyName, anyValue).map(([k, v]): Command => ["SET", `s:${k}`, v]),
    fc.tuple(keyName, fc.array(anyValue, { minLength: 1, maxLength: 30 }), count).map(([k, vs, n]): Command =>
      ["RPUSH", `l:${k}`, ...vs, ...Array.from({ length: n * 5 }, (_, i) => `item${i}`)]
    ),
    fc.tuple(keyName, fc.array(fc.tuple(small, anyValue), { minLength: 1, maxLength: 20 }), count).map(([k, ps, n]): Command =>
      ["HSET", `h:${k}`, ...ps.flat(), ...Array.from({ length: n * 20 }, (_, i) => [`f${i}`, String(i)]).flat()]
    ),
    fc.tuple(keyName, fc.array(small, { minLength: 1, maxLength: 20 }), count, fc.boolean()).map(([k, ms, n, ints]): Command =>
      ["SADD", `t:${k}`, ...ms, ...Array.from({ length: n * 20 }, (_, i) => (ints ? String(i * 7) : `m${i}`))]
    ),
    fc.tuple(keyName, fc.array(fc.tuple(fc.double({ noNaN: true }), small), { minLength: 1, maxLength: 20 }), count).map(([k, ps, n]): Command =>
      ["ZADD", `z:${k}`, ...ps.flatMap(([s, m]) => [String(s), m]), ...Array.from({ length: n * 5 }, (_, i) => [String(i), `zm${i}`]).flat()]
    ),
    fc.tuple(keyName, fc.array(fc.tuple(small, anyValue), { minLength: 1, maxLength: 4 }), count).map(([k, ps, n]): Command =>
      ["XADD", `x:${k}`, "*", ...ps.flat(), ...Array.from({ length: n }, (_, i) => [`xf${i}`, String(i)]).flat()]
    ),
    fc.tuple(keyName, fc.constantFrom("s", "l", "h", "t", "z", "x"), fc.integer({ min: 10_000, max: 10_000_000 })).map(([k, p, ms]): Command =>
      ["PEXPIRE", `${p}:${k}`, String(ms)]
    ),
    fc.tuple(keyName, fc.constantFrom("0", "$")).map(([k, id]): Command => ["XGROUP", "CREATE", `x:${k}`, "grp", id]),
    fc.tuple(keyName, fc.constantFrom("c1", "c2")).map(([k, c]): Command => ["XREADGROUP", "GROUP", "grp", c, "COUNT", "3", "STREAMS", `x:${k}`, ">"]),
    fc.tuple(keyName, fc.nat({ max: 3 })).map(([k, n]): Command => ["XTRIM", `x:${k}`, "MAXLEN", String(n)]),
    fc.constantFrom("0", "1", "7").map((db): Command => ["SELECT", db])
  ),
  { minLength: 1, maxLength: 40 }
)

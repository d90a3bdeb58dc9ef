/**
 * Property test of keyspace snapshots: after random writes, a snapshot is taken and the keyspace is
 * dumped through the read commands (independent of the snapshot code); then the snapshot is walked a
 * few keys at a time while random writes of every type run in between (strings changed in place,
 * bitmaps and HyperLogLogs, lists, hashes, sets, sorted sets, streams with their consumer groups, DEL, RENAME, MOVE, COPY, TTL
 * changes, lazy and active expiry, FLUSHDB, SWAPDB), each yielded value dumped at once. What the
 * snapshot yielded must equal the dump, and once it is released no database keeps a guard.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { activeExpireCycle, ExpireCycle } from "../../src/keyspace/ActiveExpiry.ts"
import { type Driver, T0, withDriver } from "./snapshot-support.ts"

const DBS = 3

/** Keys of one type mostly (so that commands find their type), and "a", which every type uses. */
const keysOf = (prefix: string) => fc.constantFrom(`${prefix}1`, `${prefix}2`, "a")
const allKeys = ["a", "str1", "str2", "list1", "list2", "hash1", "hash2", "set1", "set2", "zset1", "zset2", "xs1", "xs2"]
const key = fc.constantFrom(...allKeys)
const val = fc.constantFrom("1", "22", "x", "-3", "4.5", "")
const small = fc.integer({ min: 0, max: 5 }).map(String)
const field = fc.constantFrom("f1", "f2", "f3")
const member = fc.constantFrom("m1", "m2", "5", "7")
const db = fc.integer({ min: 0, max: DBS - 1 }).map(String)
const group = fc.constantFrom("g1", "g1", "g1", "g2")
const consumer = fc.constantFrom("c1", "c2")
/** IDs near the ones XADD * gives (time moves from T0 by a few ms). */
const id = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 })).map(([ms, seq]) => `${T0 + ms}-${seq}`)

const k_str = keysOf("str")
const k_list = keysOf("list")
const k_hash = keysOf("hash")
const k_set = keysOf("set")
const k_zset = keysOf("zset")
const k_xs = keysOf("xs")

type Argv = ReadonlyArray<string>
const c = <T extends Array<unknown>>(arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, f: (...args: T) => Argv) =>
  fc.tuple(...(arbs as Array<fc.Arbitrary<unknown>>)).map((args) => f(...(args as T)))

const strings = fc.oneof(
  c([k_str, val], (k, v) => ["SET", k, v]),
  c([k_str, val, small], (k, v, ms) => ["SET", k, v, "PX", String(Number(ms) * 3 + 1)]),
  c([k_str, val], (k, v) => ["APPEND", k, v]),
  c([k_str, small, val], (k, o, v) => ["SETRANGE", k, o, v]),
  c([k_str], (k) => ["INCR", k]),
  c([k_str, small], (k, n) => ["INCRBY", k, n]),
  c([k_str], (k) => ["INCRBYFLOAT", k, "1.5"]),
  c([k_str], (k) => ["GETDEL", k]),
  c([k_str, small], (k, ms) => ["GETEX", k, "PX", String(Number(ms) * 3 + 1)]),
  c([k_str], (k) => ["GETEX", k, "PERSIST"]),
  c([k_str, val, k_str, val], (k, v, k2, v2) => ["MSET", k, v, k2, v2]),
  // changed in place in byte form (see StoredString.ts), and read as bytes
  c([k_str, fc.integer({ min: 0, max: 70 }).map(String), fc.constantFrom("0", "1")], (k, o, b) => ["SETBIT", k, o, b]),
  c([k_str, small], (k, o) => ["BITFIELD", k, "INCRBY", "u8", `#${o}`, "77"]),
  c([k_str, val, val], (k, v, w) => ["PFADD", k, v, w]),
  c([k_str], (k) => ["PFCOUNT", k]),
  c([k_str, k_str], (k, k2) => ["PFMERGE", k, k2]),
  c([k_str], (k) => ["BITCOUNT", k]),
  c([k_str, k_str], (k, k2) => ["BITOP", "OR", k, k, k2])
)
const lists = fc.oneof(
  c([k_list, val, val], (k, v, w) => ["LPUSH", k, v, w]),
  c([k_list, val], (k, v) => ["RPUSH", k, v]),
  c([k_list], (k) => ["LPOP", k]),
  c([k_list], (k) => ["RPOP", k, "2"]),
  c([k_list, val], (k, v) => ["LSET", k, "0", v]),
  c([k_list, val], (k, v) => ["LREM", k, "0", v]),
  c([k_list], (k) => ["LTRIM", k, "1", "-1"]),
  c([k_list, k_list], (k, k2) => ["LMOVE", k, k2, "LEFT", "RIGHT"]),
  c([k_list, val, val], (k, p, v) => ["LINSERT", k, "BEFORE", p, v])
)
const hashes = fc.oneof(
  c([k_hash, field, val], (k, f, v) => ["HSET", k, f, v]),
  c([k_hash, field], (k, f) => ["HDEL", k, f]),
  c([k_hash, field], (k, f) => ["HINCRBY", k, f, "2"]),
  c([k_hash, field], (k, f) => ["HINCRBYFLOAT", k, f, "0.5"])
)
const sets = fc.oneof(
  c([k_set, member, member], (k, m, n) => ["SADD", k, m, n]),
  c([k_set, member], (k, m) => ["SREM", k, m]),
  c([k_set], (k) => ["SPOP", k]),
  c([k_set, k_set, member], (k, k2, m) => ["SMOVE", k, k2, m]),
  c([k_set, k_set, k_set], (d, k, k2) => ["SUNIONSTORE", d, k, k2]),
  c([k_set, k_set, k_set], (d, k, k2) => ["SINTERSTORE", d, k, k2])
)
const zsets = fc.oneof(
  c([k_zset, small, member], (k, s, m) => ["ZADD", k, s, m]),
  c([k_zset, member], (k, m) => ["ZINCRBY", k, "1", m]),
  c([k_zset, member], (k, m) => ["ZREM", k, m]),
  c([k_zset], (k) => ["ZPOPMIN", k]),
  c([k_zset, k_zset, k_zset], (d, k, k2) => ["ZUNIONSTORE", d, "2", k, k2]),
  c([k_zset], (k) => ["ZREMRANGEBYRANK", k, "0", "0"])
)
const streams = fc.oneof(
  c([k_xs, val], (k, v) => ["XADD", k, "*", "f", v]),
  c([k_xs, id, val], (k, i, v) => ["XADD", k, i, "f", v]),
  c([k_xs, val], (k, v) => ["XADD", k, "MAXLEN", "2", "*", "f", v]),
  c([k_xs], (k) => ["XTRIM", k, "MAXLEN", "1"]),
  c([k_xs, id], (k, i) => ["XDEL", k, i]),
  c([k_xs, id], (k, i) => ["XSETID", k, i]),
  c([k_xs, group], (k, g) => ["XGROUP", "CREATE", k, g, "0", "MKSTREAM"]),
  c([k_xs, group], (k, g) => ["XGROUP", "CREATE", k, g, "$", "MKSTREAM"]),
  c([k_xs, group, id], (k, g, i) => ["XGROUP", "SETID", k, g, i]),
  c([k_xs, group, consumer], (k, g, n) => ["XGROUP", "CREATECONSUMER", k, g, n]),
  c([k_xs, group, consumer], (k, g, n) => ["XGROUP", "DELCONSUMER", k, g, n]),
  c([k_xs, group], (k, g) => ["XGROUP", "DESTROY", k, g]),
  c([k_xs, group, consumer, small], (k, g, n, count) => ["XREADGROUP", "GROUP", g, n, "COUNT", count, "STREAMS", k, ">"]),
  c([k_xs, group, consumer], (k, g, n) => ["XREADGROUP", "GROUP", g, n, "NOACK", "STREAMS", k, ">"]),
  c([k_xs, group, consumer], (k, g, n) => ["XREADGROUP", "GROUP", g, n, "STREAMS", k, "0"]),
  c([k_xs, group, id], (k, g, i) => ["XACK", k, g, i]),
  c([k_xs, group, consumer, id], (k, g, n, i) => ["XCLAIM", k, g, n, "0", i]),
  c([k_xs, group, consumer, id], (k, g, n, i) => ["XCLAIM", k, g, n, "0", i, "FORCE", "LASTID", i]),
  c([k_xs, group, consumer, small], (k, g, n, count) => ["XAUTOCLAIM", k, g, n, "0", "0", "COUNT", String(Number(count) + 1)])
)
const generic = fc.oneof(
  c([key], (k) => ["DEL", k]),
  c([key], (k) => ["UNLINK", k]),
  c([key, key], (k, k2) => ["RENAME", k, k2]),
  c([key, key], (k, k2) => ["RENAMENX", k, k2]),
  c([key, small], (k, s) => ["EXPIRE", k, s]),
  c([key, small], (k, ms) => ["PEXPIRE", k, String(Number(ms) * 3 + 1)]),
  c([key], (k) => ["PEXPIREAT", k, "1152921504606846977"]),
  c([key], (k) => ["PERSIST", k]),
  c([key, db], (k, d) => ["MOVE", k, d]),
  c([key, key, db], (k, k2, d) => ["COPY", k, k2, "DB", d, "REPLACE"]),
  c([key, key], (k, k2) => ["COPY", k, k2]),
  c([db], (d) => ["SELECT", d]),
  c([db, db], (a, b) => ["SWAPDB", a, b]),
  fc.constant(["FLUSHDB"])
)

const command = fc.oneof(strings, lists, hashes, sets, zsets, { weight: 4, arbitrary: streams }, generic)

type Step =
  | { readonly kind: "command"; readonly argv: Argv }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "activeExpiry" }
  | { readonly kind: "walk"; readonly n: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: command.map((argv) => ({ kind: "command" as const, argv })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((ms) => ({ kind: "advance" as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: "activeExpiry" as const }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => ({ kind: "walk" as const, n })) }
)

const run = (driver: Driver, steps: ReadonlyArray<Step>, walk: (n: number) => void): void => {
  let now = driver.keyspace.now
  for (const s of steps) {
    if (s.kind === "command") driver.call(...s.argv)
    else if (s.kind === "advance") driver.keyspace.setTime(now += s.ms)
    else if (s.kind === "activeExpiry") activeExpireCycle(new ExpireCycle(driver.keyspace), 10)
    else walk(s.n)
  }
}

describe("keyspace snapshots against a dump taken at their instant", () => {
  it.effect("a snapshot walked while random writes run yields the keyspace as it was", () =>
    withDriver((driver) => {
      fc.assert(
        fc.property(
          fc.array(step, { maxLength: 60, size: "max" }),
          fc.array(step, { maxLength: 60, size: "max" }),
          (before, during) => {
            driver.reset(T0)
            run(driver, before, () => {})
            const expected = driver.dumpKeyspace(DBS)
            const snapshot = driver.keyspace.snapshot()
            const yielded = new Map<string, string>()
            const walk = (n: number): void => {
              for (let i = 0; i < n; i++) {
                const entry = snapshot.next()
                if (entry === undefined) return
                const [k, v] = driver.dumpEntry(entry)
                assert.isFalse(yielded.has(k), `${k} yielded twice`)
                yielded.set(k, v)
              }
            }
            run(driver, during, walk)
            walk(Infinity)
            snapshot.release()
            assert.deepStrictEqual(yielded, expected)
            for (const d of driver.keyspace.dbs) assert.isUndefined(d.cow)
            assert.strictEqual(driver.keyspace.snapshots.size, 0)
          }
        ),
        { numRuns: 1000 }
      )
    }))
})

/**
 * Model-based property tests of the set commands: random command sequences run against this server
 * (over TCP) and against a plain JS model (Map of Sets); every reply must be what the model predicts,
 * random replies (SPOP, SRANDMEMBER) must satisfy their invariants and update the model with what
 * they returned, and a full SSCAN must return the set. Run with Redis's default thresholds and with a
 * tiny set-max-intset-entries, so intsets, hashtables and their conversion are all exercised.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { RawConnection } from "../support/raw.ts"
import { connectedServer } from "../support/server.ts"

type Model = Map<string, Set<string>>
type Op = ReadonlyArray<string>

const setKeys = ["s1", "s2", "s3"]
const pool = [
  ...Array.from({ length: 40 }, (_, i) => String(i * 7 - 50)),
  ...Array.from({ length: 40 }, (_, i) => `m${i}`),
  "9223372036854775807",
  "-9223372036854775808",
  "4503599627370497",
  "01",
  ""
]
// Mostly a few members (integers first, so intsets form), sometimes any; big batches grow sets past
// the size where they stop being packed into one string.
const member = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...pool.slice(0, 6)) },
  { weight: 1, arbitrary: fc.constantFrom(...pool) }
)
const members = (max: number) => fc.array(member, { minLength: 1, maxLength: max })
const key = fc.constantFrom(...setKeys, "str")
const keyList = fc.array(key, { minLength: 1, maxLength: 3 })

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(key, members(6)).map(([k, ms]) => ["SADD", k, ...ms]) },
  fc.tuple(key, fc.array(fc.constantFrom(...pool), { minLength: 20, maxLength: 70 })).map(([k, ms]) => ["SADD", k, ...ms]),
  { weight: 2, arbitrary: fc.tuple(key, members(4)).map(([k, ms]) => ["SREM", k, ...ms]) },
  fc.tuple(key).map(([k]) => ["SMEMBERS", k]),
  fc.tuple(key, member).map(([k, m]) => ["SISMEMBER", k, m]),
  fc.tuple(key, members(4)).map(([k, ms]) => ["SMISMEMBER", k, ...ms]),
  fc.tuple(key).map(([k]) => ["SCARD", k]),
  fc.tuple(key, key, member).map(([a, b, m]) => ["SMOVE", a, b, m]),
  fc.tuple(keyList).map(([ks]) => ["SINTER", ...ks]),
  fc.tuple(keyList).map(([ks]) => ["SUNION", ...ks]),
  fc.tuple(keyList).map(([ks]) => ["SDIFF", ...ks]),
  fc.tuple(key, keyList).map(([d, ks]) => ["SINTERSTORE", d, ...ks]),
  fc.tuple(key, keyList).map(([d, ks]) => ["SUNIONSTORE", d, ...ks]),
  fc.tuple(key, keyList).map(([d, ks]) => ["SDIFFSTORE", d, ...ks]),
  fc.tuple(keyList, fc.integer({ min: 0, max: 5 })).map(([ks, l]) => ["SINTERCARD", String(ks.length), ...ks, "LIMIT", String(l)]),
  fc.tuple(key).map(([k]) => ["SPOP", k]),
  fc.tuple(key, fc.integer({ min: 0, max: 12 })).map(([k, n]) => ["SPOP", k, String(n)]),
  fc.tuple(key).map(([k]) => ["SRANDMEMBER", k]),
  fc.tuple(key, fc.integer({ min: -20, max: 20 })).map(([k, n]) => ["SRANDMEMBER", k, String(n)]),
  fc.tuple(key, fc.integer({ min: 1, max: 12 })).map(([k, c]) => ["SSCAN-ALL", k, String(c)]),
  fc.constant(["SET", "str", "v"])
)

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
const sorted = (xs: Iterable<string>) => [...xs].sort()
const asList = (reply: unknown): ReadonlyArray<string> => [...(reply as Iterable<string>)]

/** Runs one op on the server and checks it against the model, which it then updates. */
const step = async (conn: RawConnection, model: Model, strings: Set<string>, o: Op): Promise<void> => {
  const name = o[0]!
  const get = (k: string) => model.get(k) ?? new Set<string>()
  const put = (k: string, s: Set<string>) => {
    strings.delete(k)
    if (s.size === 0) model.delete(k)
    else model.set(k, s)
  }
  if (name === "SET") {
    await conn.call(...o)
    model.delete(o[1]!)
    strings.add(o[1]!)
    return
  }
  // Keys each command reads (for the WRONGTYPE expectation).
  const readKeys = name === "SINTERCARD"
    ? o.slice(2, 2 + Number(o[1]))
    : name.endsWith("STORE")
    ? o.slice(2)
    : name === "SMOVE" || name === "SINTER" || name === "SUNION" || name === "SDIFF"
    ? o.slice(1, name === "SMOVE" ? 3 : undefined)
    : [o[1]!]
  if (name === "SSCAN-ALL") {
    const k = o[1]!
    const seen = new Set<string>()
    let cursor = "0"
    let calls = 0
    do {
      const reply = (await conn.call("SSCAN", k, cursor, "COUNT", o[2]!)).value
      if (strings.has(k)) return expect(String(reply)).toContain("WRONGTYPE")
      const [next, items] = reply as [string, ReadonlyArray<string>]
      for (const m of items) seen.add(m)
      cursor = next
      expect(++calls).toBeLessThan(200)
    } while (cursor !== "0")
    expect(sorted(seen)).toEqual(sorted(get(k)))
    return
  }
  const reply = (await conn.call(...o)).value
  const wrongType = readKeys.some((k) => strings.has(k)) &&
    // SMOVE from a missing source answers 0 before looking at types.
    !(name === "SMOVE" && !model.has(o[1]!) && !strings.has(o[1]!))
  if (wrongType) return expect(reply instanceof Error ? reply.message : reply).toBe(WRONGTYPE)
  const k = o[1]!
  const set = get(k)
  switch (name) {
    case "SADD": {
      const s = new Set(set)
      for (const m of o.slice(2)) s.add(m)
      expect(reply).toBe(s.size - set.size)
      return put(k, s)
    }
    case "SREM": {
      const s = new Set(set)
      for (const m of o.slice(2)) s.delete(m)
      expect(reply).toBe(set.size - s.size)
      return put(k, s)
    }
    case "SMEMBERS":
      return expect(sorted(asList(reply))).toEqual(sorted(set))
    case "SISMEMBER":
      return expect(reply).toBe(set.has(o[2]!) ? 1 : 0)
    case "SMISMEMBER":
      return expect(reply).toEqual(o.slice(2).map((m) => (set.has(m) ? 1 : 0)))
    case "SCARD":
      return expect(reply).toBe(set.size)
    case "SMOVE": {
      const [src, dst, m] = [o[1]!, o[2]!, o[3]!]
      const moved = get(src).has(m)
      expect(reply).toBe(moved ? 1 : 0)
      if (moved && src !== dst) {
        const from = new Set(get(src))
        from.delete(m)
        const to = new Set(get(dst))
        to.add(m)
        put(src, from)
        put(dst, to)
      }
      return
    }
    case "SINTER":
    case "SUNION":
    case "SDIFF":
    case "SINTERSTORE":
    case "SUNIONSTORE":
    case "SDIFFSTORE":
    case "SINTERCARD": {
      const sets = readKeys.map(get)
      let result: Set<string>
      if (name.startsWith("SINTER")) result = new Set([...sets[0]!].filter((m) => sets.every((s) => s.has(m))))
      else if (name.startsWith("SUNION")) result = new Set(sets.flatMap((s) => [...s]))
      else result = new Set([...sets[0]!].filter((m) => sets.slice(1).every((s) => !s.has(m))))
      if (name === "SINTERCARD") {
        const limit = Number(o.at(-1))
        return expect(reply).toBe(limit === 0 ? result.size : Math.min(limit, result.size))
      }
      if (name.endsWith("STORE")) {
        expect(reply).toBe(result.size)
        return put(k, result)
      }
      return expect(sorted(asList(reply))).toEqual(sorted(result))
    }
    case "SPOP": {
      if (o.length === 2) {
        if (set.size === 0) return expect(reply).toBe(null)
        expect(set.has(reply as string)).toBe(true)
        const s = new Set(set)
        s.delete(reply as string)
        return put(k, s)
      }
      const popped = asList(reply)
      expect(popped.length).toBe(Math.min(Number(o[2]), set.size))
      expect(new Set(popped).size).toBe(popped.length)
      const s = new Set(set)
      for (const m of popped) expect(s.delete(m)).toBe(true)
      return put(k, s)
    }
    case "SRANDMEMBER": {
      if (o.length === 2) {
        if (set.size === 0) return expect(reply).toBe(null)
        return expect(set.has(reply as string)).toBe(true)
      }
      const count = Number(o[2])
      const picked = asList(reply)
      for (const m of picked) expect(set.has(m)).toBe(true)
      if (count >= 0) {
        expect(picked.length).toBe(Math.min(count, set.size))
        expect(new Set(picked).size).toBe(picked.length)
      } else {
        expect(picked.length).toBe(set.size === 0 ? 0 : -count)
      }
      return
    }
  }
}

const suite = (name: string, config: Readonly<Record<string, string>>) =>
  describe(name, () => {
    const connection = connectedServer(config)

    it("every reply agrees with a Map-of-Sets model", () =>
      fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
          const conn = connection()
          await conn.call("FLUSHALL")
          const model: Model = new Map()
          const strings = new Set<string>()
          for (const o of ops) await step(conn, model, strings, o)
          // Every lookup path agrees with the model at the end, whatever the operations left behind.
          for (const k of setKeys) {
            await step(conn, model, strings, ["SMEMBERS", k])
            await step(conn, model, strings, ["SMISMEMBER", k, ...pool])
          }
          // Draining a set one member at a time exercises every removal path on whatever is left.
          for (const m of pool) {
            await step(conn, model, strings, ["SREM", "s1", m])
            await step(conn, model, strings, ["SCARD", "s1"])
          }
          // Empty sets never remain as keys.
          expect((await conn.call("DBSIZE")).value).toBe(model.size + strings.size)
        }),
        { numRuns: 100 }
      ))
  })

suite("set model, default thresholds", {})
suite("set model, tiny set-max-intset-entries", { "set-max-intset-entries": "4" })

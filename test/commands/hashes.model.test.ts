/**
 * Model-based property tests of the hash commands: random command sequences run against this server
 * (over TCP) and against a plain JS model (Map of Maps); every reply must be what the model predicts,
 * random replies (HRANDFIELD) must satisfy their invariants, and a full HSCAN must return the hash.
 * Run with Redis's default thresholds and with tiny ones, so both encodings and their conversion are
 * exercised, including hashtables large enough to be indexed.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { RawConnection } from "../support/raw.ts"
import { connectedServer } from "../support/server.ts"

type Model = Map<string, Map<string, string>>
type Op = ReadonlyArray<string>

const keys = ["h1", "h2", "str"]
const fieldPool = Array.from({ length: 48 }, (_, i) => (i % 7 === 0 ? `long-field-${"x".repeat(i * 3)}` : `f${i}`))
// Mostly a few fields, so that deletes and updates hit; sometimes any, so that hashes grow big.
const field = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fieldPool.slice(1, 7), "", "n") }, { weight: 1, arbitrary: fc.constantFrom(...fieldPool) })
const value = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("", "0", "-1", "abc", "1.5") },
  { weight: 10, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(70), "y") }
)
const key = fc.constantFrom(...keys)

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 8 })).map(([k, ps]) => ["HSET", k, ...ps.flat()]) },
  // Big batches grow hashtables past the size where they keep an index.
  fc.tuple(key, fc.array(fc.tuple(fc.constantFrom(...fieldPool), value), { minLength: 15, maxLength: 30 })).map(([k, ps]) => ["HSET", k, ...ps.flat()]),
  fc.tuple(key, field, value).map(([k, f, v]) => ["HSETNX", k, f, v]),
  { weight: 2, arbitrary: fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 6 })).map(([k, fs]) => ["HDEL", k, ...fs]) },
  fc.tuple(key, field).map(([k, f]) => ["HGET", k, f]),
  fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 4 })).map(([k, fs]) => ["HMGET", k, ...fs]),
  fc.tuple(key).map(([k]) => ["HLEN", k]),
  fc.tuple(key, field).map(([k, f]) => ["HSTRLEN", k, f]),
  fc.tuple(key, field).map(([k, f]) => ["HEXISTS", k, f]),
  fc.tuple(key).map(([k]) => ["HKEYS", k]),
  fc.tuple(key).map(([k]) => ["HVALS", k]),
  fc.tuple(key).map(([k]) => ["HGETALL", k]),
  fc.tuple(key, field, fc.integer({ min: -100, max: 100 })).map(([k, f, n]) => ["HINCRBY", k, f, String(n)]),
  fc.tuple(key, fc.integer({ min: -30, max: 30 }), fc.boolean()).map(([k, n, wv]) =>
    wv ? ["HRANDFIELD", k, String(n), "WITHVALUES"] : ["HRANDFIELD", k, String(n)]
  ),
  fc.tuple(key).map(([k]) => ["HRANDFIELD", k]),
  fc.tuple(key, fc.integer({ min: 1, max: 12 })).map(([k, c]) => ["HSCAN-ALL", k, String(c)]),
  fc.constant(["SET", "str", "v"])
)

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

const sorted = (xs: Iterable<string>) => [...xs].sort()

/** Runs one op on the server and checks it against the model, which it then updates. */
const step = async (conn: RawConnection, model: Model, strings: Set<string>, o: Op): Promise<void> => {
  const [name, k] = [o[0]!, o[1]!]
  if (name === "SET") {
    await conn.call(...o)
    model.delete(k)
    strings.add(k)
    return
  }
  if (name === "HSCAN-ALL") {
    const seen = new Map<string, string>()
    let cursor = "0"
    let calls = 0
    do {
      const reply = (await conn.call("HSCAN", k, cursor, "COUNT", o[2]!)).value
      if (strings.has(k)) return expect(String(reply)).toContain("WRONGTYPE")
      const [next, items] = reply as [string, ReadonlyArray<string>]
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!)
      cursor = next
      expect(++calls).toBeLessThan(200)
    } while (cursor !== "0")
    expect(seen).toEqual(model.get(k) ?? new Map())
    return
  }
  const reply = (await conn.call(...o)).value
  if (strings.has(k)) return expect(reply instanceof Error ? reply.message : reply).toBe(WRONGTYPE)
  const hash = model.get(k)
  const get = (f: string) => hash?.get(f) ?? null
  switch (name) {
    case "HSET": {
      const h = hash ?? new Map<string, string>()
      let created = 0
      for (let i = 2; i < o.length; i += 2) {
        if (!h.has(o[i]!)) created++
        h.set(o[i]!, o[i + 1]!)
      }
      model.set(k, h)
      return expect(reply).toBe(created)
    }
    case "HSETNX": {
      const h = hash ?? new Map<string, string>()
      const isNew = !h.has(o[2]!)
      if (isNew) h.set(o[2]!, o[3]!)
      model.set(k, h)
      return expect(reply).toBe(isNew ? 1 : 0)
    }
    case "HDEL": {
      let deleted = 0
      for (const f of o.slice(2)) if (hash?.delete(f) === true) deleted++
      if (hash?.size === 0) model.delete(k)
      return expect(reply).toBe(deleted)
    }
    case "HGET":
      return expect(reply).toBe(get(o[2]!))
    case "HMGET":
      return expect(reply).toEqual(o.slice(2).map(get))
    case "HLEN":
      return expect(reply).toBe(hash?.size ?? 0)
    case "HSTRLEN":
      return expect(reply).toBe(get(o[2]!)?.length ?? 0)
    case "HEXISTS":
      return expect(reply).toBe(hash?.has(o[2]!) === true ? 1 : 0)
    case "HKEYS":
      return expect(sorted(reply as ReadonlyArray<string>)).toEqual(sorted(hash?.keys() ?? []))
    case "HVALS":
      return expect(sorted(reply as ReadonlyArray<string>)).toEqual(sorted(hash?.values() ?? []))
    case "HGETALL": {
      const flat = reply as ReadonlyArray<string>
      const pairs = new Map<string, string>()
      for (let i = 0; i < flat.length; i += 2) pairs.set(flat[i]!, flat[i + 1]!)
      expect(flat.length).toBe(2 * (hash?.size ?? 0))
      return expect(pairs).toEqual(hash ?? new Map())
    }
    case "HINCRBY": {
      const current = get(o[2]!)
      if (current !== null && !/^(0|-?[1-9][0-9]*)$/.test(current)) {
        return expect((reply as Error).message).toBe("ERR hash value is not an integer")
      }
      const next = String(Number(current ?? "0") + Number(o[3]))
      const h = hash ?? new Map<string, string>()
      h.set(o[2]!, next)
      model.set(k, h)
      return expect(reply).toBe(Number(next))
    }
    case "HRANDFIELD": {
      if (o.length === 2) {
        if (hash === undefined) return expect(reply).toBe(null)
        return expect(hash.has(reply as string)).toBe(true)
      }
      const count = Number(o[2])
      const withValues = o.length === 4
      const items = reply as ReadonlyArray<string>
      const fields = withValues ? items.filter((_, i) => i % 2 === 0) : items
      if (withValues) for (let i = 0; i < items.length; i += 2) expect(items[i + 1]).toBe(get(items[i]!))
      for (const f of fields) expect(hash?.has(f)).toBe(true)
      const size = hash?.size ?? 0
      if (count >= 0) {
        expect(fields.length).toBe(Math.min(count, size))
        expect(new Set(fields).size).toBe(fields.length)
      } else {
        expect(fields.length).toBe(size === 0 ? 0 : -count)
      }
      return
    }
  }
}

const suite = (name: string, config: Readonly<Record<string, string>>) =>
  describe(name, () => {
    const connection = connectedServer(config)

    it("every reply agrees with a Map-of-Maps model", () =>
      fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
          const conn = connection()
          await conn.call("FLUSHALL")
          const model: Model = new Map()
          const strings = new Set<string>()
          for (const o of ops) await step(conn, model, strings, o)
          // Every lookup path agrees with the model at the end, whatever the operations left behind.
          for (const k of ["h1", "h2"]) {
            await step(conn, model, strings, ["HGETALL", k])
            await step(conn, model, strings, ["HMGET", k, ...fieldPool, "", "n"])
          }
          // Empty hashes never remain as keys.
          expect((await conn.call("DBSIZE")).value).toBe(model.size + strings.size)
        }),
        { numRuns: 100 }
      ))
  })

suite("hash model, default thresholds", {})
suite("hash model, tiny listpack thresholds", { "hash-max-listpack-entries": "4", "hash-max-listpack-value": "8" })

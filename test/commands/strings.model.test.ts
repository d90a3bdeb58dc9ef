/**
 * Model-based property test of the string commands: random sequences run through the in-process
 * RedisClient (binary-safe `commandBytes`) and through a plain JS model of Redis's semantics (a Map
 * of key -> value and expiry time), on a TestClock that the sequence itself moves forward. Every
 * reply must equal the model's, and after every command the keyspace must hold exactly the model's
 * live keys, values and expiry times.
 *
 * The model is written from Redis's documented behaviour, independently of the implementation, with
 * one exception: INCRBYFLOAT's arithmetic comes from `util/longdouble.ts` (exact x87 emulation is the
 * specification; that module is tested against the real server in test/util/longdouble.test.ts and
 * strings.incrbyfloat.test.ts). The model checks everything around it: types, errors, storage, TTL.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { type Reply, ReplyError } from "../../src/resp/ReplyParser.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { addLongDouble, formatLongDouble, parseLongDouble } from "../../src/util/longdouble.ts"
import { embeddedRedis } from "../support/embedded.ts"

// --- the model ------------------------------------------------------------------------------------

type Slot = { readonly type: "string"; value: string; expireAt: number } | { readonly type: "list" }

class Model {
  readonly keys = new Map<string, Slot>()
  now = 0

  /** A live slot: keys expire when the clock is past their time (Redis: now > when). */
  get(key: string): Slot | undefined {
    const slot = this.keys.get(key)
    if (slot?.type === "string" && slot.expireAt !== 0 && slot.expireAt < this.now) {
      this.keys.delete(key)
      return undefined
    }
    return slot
  }
}

type Expected = string | number | bigint | null | { readonly error: string } | ReadonlyArray<Expected> | Check
/** A reply the model describes by a property rather than by value (LCS's choice among equals). */
interface Check {
  readonly check: (reply: unknown) => boolean
  readonly description: string
}

const WRONGTYPE = { error: "WRONGTYPE Operation against a key holding the wrong kind of value" }
const NOT_INTEGER = { error: "ERR value is not an integer or out of range" }

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
/** string2ll: canonical decimal integers in the 64-bit range. */
const toInt64 = (s: string): bigint | undefined => {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(s)) return undefined
  const n = BigInt(s)
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined
}

/** Length of the longest common subsequence, by the textbook recurrence. */
const lcsLength = (a: string, b: string): number => {
  let previous = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    const row = [0]
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, row[j - 1]!)
    }
    previous = row
  }
  return previous[b.length]!
}

const isSubsequence = (s: string, of: string): boolean => {
  let i = 0
  for (let j = 0; j < of.length && i < s.length; j++) if (of[j] === s[i]) i++
  return i === s.length
}

// --- operations -----------------------------------------------------------------------------------

/** An expiry option with its time relative to the clock when the command runs. */
type ExpireOption = { readonly unit: "EX" | "PX" | "EXAT" | "PXAT"; readonly delta: number } | { readonly unit: "KEEPTTL" } | undefined

type Op =
  | { readonly op: "SET"; readonly key: string; readonly value: string; readonly cond: "NX" | "XX" | undefined; readonly get: boolean; readonly expire: ExpireOption }
  | { readonly op: "GETEX"; readonly key: string; readonly option: ExpireOption | { readonly unit: "PERSIST" } }
  | { readonly op: "SETEX" | "PSETEX"; readonly key: string; readonly ttl: number; readonly value: string }
  | { readonly op: "GET" | "GETDEL" | "STRLEN" | "INCR" | "DECR" | "LPUSH"; readonly key: string }
  | { readonly op: "GETSET" | "SETNX" | "APPEND"; readonly key: string; readonly value: string }
  | { readonly op: "MSET" | "MSETNX"; readonly pairs: ReadonlyArray<readonly [string, string]> }
  | { readonly op: "MGET"; readonly keys: ReadonlyArray<string> }
  | { readonly op: "INCRBY" | "DECRBY"; readonly key: string; readonly by: string }
  | { readonly op: "INCRBYFLOAT"; readonly key: string; readonly by: string }
  | { readonly op: "GETRANGE"; readonly key: string; readonly start: number; readonly end: number }
  | { readonly op: "SETRANGE"; readonly key: string; readonly offset: number; readonly value: string }
  | { readonly op: "LCS"; readonly a: string; readonly b: string; readonly len: boolean }
  | { readonly op: "TICK"; readonly ms: number }

const key = fc.constantFrom("k1", "k2", "k3", "\u0000\u00ff")
const value = fc.oneof(
  fc.constantFrom("", "v", "0", "-1", "9223372036854775807", "-9223372036854775808", "12", "3.5", "abc", "\r\n", "\u0000\u0080\u00ff"),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes).latin1Slice(0, bytes.length)),
  fc.integer({ min: -100, max: 100 }).map(String)
)
const expireOption: fc.Arbitrary<ExpireOption> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ unit: "KEEPTTL" as const }),
  fc.record({ unit: fc.constant("EX" as const), delta: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ unit: fc.constant("PX" as const), delta: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ unit: fc.constant("EXAT" as const), delta: fc.integer({ min: -3, max: 5 }) }),
  // the boundaries: a time equal to now is already past for GETEX but not yet for a lookup
  fc.record({ unit: fc.constant("PXAT" as const), delta: fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: -3000, max: 5000 })) })
)
const getexOption = fc.oneof(
  expireOption.filter((o) => o?.unit !== "KEEPTTL"),
  fc.constant({ unit: "PERSIST" as const }),
  fc.record({ unit: fc.constantFrom("PXAT" as const, "EXAT" as const), delta: fc.constantFrom(-1, 0, 1) })
)
const incrementText = fc.oneof(
  fc.integer({ min: -50, max: 50 }).map(String),
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "1.5", "x", "")
)
const floatText = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  fc.constantFrom("0.1", "-0.25", "1e3", "0x10", "inf", "nan", "abc", "")
)

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("SET" as const), key, value, cond: fc.constantFrom(undefined, "NX" as const, "XX" as const), get: fc.boolean(), expire: expireOption }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("GETEX" as const), key, option: getexOption }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("SETEX" as const, "PSETEX" as const), key, ttl: fc.integer({ min: 1, max: 5000 }), value }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom("GET" as const, "GETDEL" as const, "STRLEN" as const, "INCR" as const, "DECR" as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("LPUSH" as const), key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("GETSET" as const, "SETNX" as const, "APPEND" as const), key, value }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("MSET" as const, "MSETNX" as const), pairs: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("MGET" as const), keys: fc.array(key, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("INCRBY" as const, "DECRBY" as const), key, by: incrementText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("INCRBYFLOAT" as const), key, by: floatText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("GETRANGE" as const), key, start: fc.integer({ min: -12, max: 12 }), end: fc.integer({ min: -12, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("SETRANGE" as const), key, offset: fc.integer({ min: 0, max: 12 }), value }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("LCS" as const), a: key, b: key, len: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("TICK" as const), ms: fc.oneof(fc.constantFrom(1, 1000), fc.integer({ min: 0, max: 3000 })) }) }
)

/** The command an operation sends, with times made absolute from the clock at that moment. */
const argvOf = (o: Op, now: number): ReadonlyArray<string> => {
  const expireArgs = (e: ExpireOption | { readonly unit: "PERSIST" }): ReadonlyArray<string> => {
    if (e === undefined) return []
    if (e.unit === "KEEPTTL" || e.unit === "PERSIST") return [e.unit]
    if (e.unit === "EXAT") return [e.unit, String(Math.floor(now / 1000) + e.delta)]
    if (e.unit === "PXAT") return [e.unit, String(now + e.delta)]
    return [e.unit, String(e.delta)]
  }
  switch (o.op) {
    case "SET":
      return ["SET", o.key, o.value, ...(o.cond === undefined ? [] : [o.cond]), ...(o.get ? ["GET"] : []), ...expireArgs(o.expire)]
    case "GETEX":
      return ["GETEX", o.key, ...expireArgs(o.option)]
    case "SETEX":
    case "PSETEX":
      return [o.op, o.key, String(o.ttl), o.value]
    case "GET":
    case "GETDEL":
    case "STRLEN":
    case "INCR":
    case "DECR":
      return [o.op, o.key]
    case "LPUSH":
      return ["LPUSH", o.key, "element"]
    case "GETSET":
    case "SETNX":
    case "APPEND":
      return [o.op, o.key, o.value]
    case "MSET":
    case "MSETNX":
      return [o.op, ...o.pairs.flat()]
    case "MGET":
      return ["MGET", ...o.keys]
    case "INCRBY":
    case "DECRBY":
    case "INCRBYFLOAT":
      return [o.op, o.key, o.by]
    case "GETRANGE":
      return ["GETRANGE", o.key, String(o.start), String(o.end)]
    case "SETRANGE":
      return ["SETRANGE", o.key, String(o.offset), o.value]
    case "LCS":
      return ["LCS", o.a, o.b, ...(o.len ? ["LEN"] : [])]
    case "TICK":
      return []
  }
}

/** Absolute expiry in ms an option asks for at `now`, or undefined when there is none. */
const expireAtOf = (e: ExpireOption, now: number): number | undefined => {
  if (e === undefined || e.unit === "KEEPTTL") return undefined
  switch (e.unit) {
    case "EX":
      return now + e.delta * 1000
    case "PX":
      return now + e.delta
    case "EXAT":
      return (Math.floor(now / 1000) + e.delta) * 1000
    case "PXAT":
      return now + e.delta
  }
}

/** What Redis replies to `o` and how the keyspace changes. */
const apply = (m: Model, o: Op): Expected => {
  const setString = (k: string, v: string, expireAt = 0) => m.keys.set(k, { type: "string", value: v, expireAt })
  /** The string at a key for commands that refuse other types: [exists, value] or WRONGTYPE. */
  const readString = (k: string): { readonly found: false } | { readonly found: true; readonly slot: Slot & { type: "string" } } | "wrongtype" => {
    const slot = m.get(k)
    if (slot === undefined) return { found: false }
    if (slot.type !== "string") return "wrongtype"
    return { found: true, slot }
  }
  switch (o.op) {
    case "TICK":
      return null
    case "SET": {
      const at = expireAtOf(o.expire, m.now)
      if (at !== undefined && at <= 0) return { error: "ERR invalid expire time in 'set' command" }
      const current = readString(o.key)
      let reply: Expected = "OK"
      if (o.get) {
        if (current === "wrongtype") return WRONGTYPE
        reply = current.found ? current.slot.value : null
      }
      const exists = m.get(o.key) !== undefined
      if ((o.cond === "NX" && exists) || (o.cond === "XX" && !exists)) return o.get ? reply : null
      const keep = o.expire?.unit === "KEEPTTL" && current !== "wrongtype" && current.found ? current.slot.expireAt : 0
      setString(o.key, o.value, at ?? keep)
      return reply
    }
    case "SETEX":
    case "PSETEX":
      setString(o.key, o.value, m.now + (o.op === "SETEX" ? o.ttl * 1000 : o.ttl))
      return "OK"
    case "GETEX": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      if (!current.found) return null
      const option = o.option
      if (option?.unit === "PERSIST") {
        current.slot.expireAt = 0
      } else if (option !== undefined && option.unit !== "KEEPTTL") {
        const at = expireAtOf(option, m.now)!
        if (at <= 0) return { error: "ERR invalid expire time in 'getex' command" }
        if ((option.unit === "EXAT" || option.unit === "PXAT") && at <= m.now) m.keys.delete(o.key)
        else current.slot.expireAt = at
      }
      return current.slot.value
    }
    case "GET":
    case "GETDEL":
    case "STRLEN": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      if (o.op === "STRLEN") return current.found ? current.slot.value.length : 0
      if (!current.found) return null
      if (o.op === "GETDEL") m.keys.delete(o.key)
      return current.slot.value
    }
    case "GETSET": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      setString(o.key, o.value)
      return current.found ? current.slot.value : null
    }
    case "SETNX":
      if (m.get(o.key) !== undefined) return 0
      setString(o.key, o.value)
      return 1
    case "LPUSH": {
      const current = m.get(o.key)
      if (current?.type === "string") return WRONGTYPE
      m.keys.set(o.key, { type: "list" })
      return null // the list's length is not modelled; the runner ignores this reply
    }
    case "MSET":
      for (const [k, v] of o.pairs) setString(k, v)
      return "OK"
    case "MSETNX":
      if (o.pairs.some(([k]) => m.get(k) !== undefined)) return 0
      for (const [k, v] of o.pairs) setString(k, v)
      return 1
    case "MGET":
      return o.keys.map((k) => {
        const slot = m.get(k)
        return slot?.type === "string" ? slot.value : null
      })
    case "APPEND": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      if (!current.found) {
        setString(o.key, o.value)
        return o.value.length
      }
      current.slot.value += o.value
      return current.slot.value.length
    }
    case "INCR":
    case "DECR":
    case "INCRBY":
    case "DECRBY": {
      let by = o.op === "INCRBY" || o.op === "DECRBY" ? toInt64(o.by) : o.op === "INCR" ? 1n : -1n
      if (by === undefined) return NOT_INTEGER
      if (o.op === "DECRBY") {
        if (by === INT64_MIN) return { error: "ERR decrement would overflow" }
        by = -by
      }
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      const base = current.found ? toInt64(current.slot.value) : 0n
      if (base === undefined) return NOT_INTEGER
      const sum = base + by
      if (sum > INT64_MAX || sum < INT64_MIN) return { error: "ERR increment or decrement would overflow" }
      if (current.found) current.slot.value = String(sum)
      else setString(o.key, String(sum))
      return Number.isSafeInteger(Number(sum)) ? Number(sum) : sum
    }
    case "INCRBYFLOAT": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      const base = parseLongDouble(current.found ? current.slot.value : "0")
      const by = parseLongDouble(o.by)
      if (base === undefined || by === undefined) return { error: "ERR value is not a valid float" }
      const sum = addLongDouble(base, by)
      if (sum.kind !== "finite") return { error: "ERR increment would produce NaN or Infinity" }
      const text = formatLongDouble(sum)
      if (current.found) current.slot.value = text
      else setString(o.key, text)
      return text
    }
    case "GETRANGE": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      const s = current.found ? current.slot.value : ""
      if (o.start < 0 && o.end < 0 && o.start > o.end) return ""
      const start = Math.max(0, o.start < 0 ? s.length + o.start : o.start)
      const end = Math.min(s.length - 1, Math.max(0, o.end < 0 ? s.length + o.end : o.end))
      return start > end ? "" : s.slice(start, end + 1)
    }
    case "SETRANGE": {
      const current = readString(o.key)
      if (current === "wrongtype") return WRONGTYPE
      const s = current.found ? current.slot.value : ""
      if (o.value.length === 0) return s.length
      const padded = s.length < o.offset ? s + "\u0000".repeat(o.offset - s.length) : s
      const next = padded.slice(0, o.offset) + o.value + padded.slice(o.offset + o.value.length)
      if (current.found) current.slot.value = next
      else setString(o.key, next)
      return next.length
    }
    case "LCS": {
      const a = m.get(o.a)
      const b = m.get(o.b)
      if (a?.type === "list" || b?.type === "list") return { error: "ERR The specified keys must contain string values" }
      const sa = a?.type === "string" ? a.value : ""
      const sb = b?.type === "string" ? b.value : ""
      const length = lcsLength(sa, sb)
      if (o.len) return length
      return {
        description: `a common subsequence of length ${length}`,
        check: (reply) => typeof reply === "string" && reply.length === length && isSubsequence(reply, sa) && isSubsequence(reply, sb)
      }
    }
  }
}

// --- the runner -----------------------------------------------------------------------------------

/** A reply as the model writes it: bulk strings as latin1, errors as { error }. */
const normalize = (reply: Reply): unknown => {
  if (reply instanceof Uint8Array) return Buffer.from(reply).latin1Slice(0, reply.length)
  if (Array.isArray(reply)) return reply.map(normalize)
  return reply
}

const matches = (expected: Expected, actual: unknown): boolean => {
  if (expected !== null && typeof expected === "object" && "check" in expected) return expected.check(actual)
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]))
  }
  return JSON.stringify(expected, (_, v) => (typeof v === "bigint" ? `${v}n` : v)) ===
    JSON.stringify(actual, (_, v) => (typeof v === "bigint" ? `${v}n` : v))
}

/**
 * The clock starts at 100 s so that absolute times a few seconds in the past are still valid
 * arguments; every TestClock step also runs the active expiry cycles it spans.
 */
const START = 100_000

describe("string commands against a model (in-process RedisClient, TestClock)", () => {
  layer(embeddedRedis())((it) => {
    it.effect("every reply, value and expiry time matches the model", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const context = yield* Effect.context<never>()
        const run = Effect.runPromiseWith(context)
        yield* TestClock.setTime(START)
        const send = (argv: ReadonlyArray<string>) =>
          redis.commandBytes(...argv.map((a) => Buffer.from(a, "latin1"))).pipe(
            Effect.map(normalize),
            Effect.catchTag("ReplyError", (e: ReplyError) => Effect.succeed({ error: e.message }))
          )
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
              await run(send(["FLUSHALL"]))
              const model = new Model()
              model.now = await run(Clock.currentTimeMillis)
              for (const o of ops) {
                if (o.op === "TICK") {
                  await run(TestClock.adjust(o.ms))
                  model.now += o.ms
                  continue
                }
                const argv = argvOf(o, model.now)
                const expected = apply(model, o)
                const actual = await run(send(argv))
                if (o.op !== "LPUSH" && !matches(expected, actual)) {
                  assert.fail(`${JSON.stringify(argv)}: expected ${JSON.stringify(expected, (_, v) => typeof v === "bigint" ? `${v}n` : v)}, got ${JSON.stringify(actual, (_, v) => typeof v === "bigint" ? `${v}n` : v)}`)
                }
                // The keyspace holds the model's live keys with their values and times; keys the model
                // dropped may linger in the engine only as logically expired entries.
                const db = keyspace.dbs[0]!
                for (const k of db.keys()) {
                  const slot = model.get(k)
                  const expireAt = db.expires.get(k) ?? 0
                  if (slot === undefined) {
                    assert.isTrue(expireAt !== 0 && expireAt < model.now, `${JSON.stringify(k)} should not exist`)
                  } else if (slot.type === "string") {
                    assert.strictEqual(db.rawValue(k), slot.value, `value of ${JSON.stringify(k)}`)
                    assert.strictEqual(expireAt, slot.expireAt, `expiry of ${JSON.stringify(k)}`)
                  }
                }
                for (const k of model.keys.keys()) {
                  if (model.get(k) !== undefined) assert.isTrue(db.entries.has(k), `${JSON.stringify(k)} should exist`)
                }
              }
            }),
            { numRuns: 300 }
          )
        )
      }))
  })
})

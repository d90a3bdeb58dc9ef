/**
 * maxmemory and eviction in-process: which keys each policy evicts (idle times and LFU decay driven
 * by TestClock), OBJECT IDLETIME/FREQ from the keys' access data, the OOM refusal, the side effects of
 * an eviction (evicted event, DEL propagated, INFO), and a property: after any write, the next command
 * finds memory under maxmemory (allkeys-*) and volatile-* evicts only keys with a TTL.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { it as vit, expect } from "vitest"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis, embeddedRunner } from "../support/embedded.ts"

const value = (i: number): string => `value-${i}-`.padEnd(100, "x")

/** Resets the server between tests: no limit, the given settings, an empty keyspace. */
const reset = (settings: Record<string, string>) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    yield* redis.command("CONFIG", "SET", "maxmemory", "0")
    yield* redis.command("FLUSHALL")
    for (const [name, v] of Object.entries({ "maxmemory-samples": "5", "lfu-log-factor": "10", "lfu-decay-time": "1", hz: "10", ...settings })) {
      yield* redis.command("CONFIG", "SET", name, v)
    }
  })

const keysOf = (redis: RedisClient["Service"]) =>
  Effect.map(redis.command("KEYS", "*"), (r) => (r as Array<string>).slice().sort())

describe("eviction", () => {
  layer(embeddedRedis())((it) => {
    it.effect("allkeys-lru evicts the keys idle longest (TestClock), and only as many as needed", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* reset({ "maxmemory-policy": "allkeys-lru", "maxmemory-samples": "64" })
        for (let i = 0; i < 10; i++) yield* redis.command("SET", `k${i}`, value(i))
        const used = keyspace.usedMemory
        yield* redis.command("CONFIG", "SET", "maxmemory", String(used + 100))
        yield* TestClock.adjust(10_000)
        for (let i = 0; i < 5; i++) yield* redis.command("GET", `k${i}`)
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "k0"), 0)
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "k9"), 10)
        yield* TestClock.adjust(10_000)
        for (let n = 0; n < 5; n++) {
          yield* redis.command("SET", `new${n}`, value(100 + n))
          yield* redis.command("PING") // performEvictions runs before every command
          assert.isAtMost(keyspace.usedMemory, used + 100)
          assert.strictEqual(keyspace.stats.evictedKeys, n + 1)
        }
        assert.deepStrictEqual(yield* keysOf(redis), ["k0", "k1", "k2", "k3", "k4", "new0", "new1", "new2", "new3", "new4"])
      }))

    it.effect("OBJECT IDLETIME follows the engine's clock and resets on access", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* reset({ "maxmemory-policy": "noeviction" })
        yield* redis.command("RPUSH", "l", "a")
        yield* TestClock.adjust(7_500)
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "l"), 7)
        yield* redis.command("LRANGE", "l", "0", "-1")
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "l"), 0)
        yield* TestClock.adjust(3_000)
        yield* redis.command("TYPE", "l") // TYPE looks up without touching (LOOKUP_NOTOUCH)
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "l"), 3)
        yield* redis.command("LLEN", "l") // a read lookup touches
        assert.strictEqual(yield* redis.command("OBJECT", "IDLETIME", "l"), 0)
      }))

    it.effect("LFU: every access counts with lfu-log-factor 0, and the counter decays one per lfu-decay-time minutes", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        // hz 1: the active expiry fiber wakes once per TestClock second while the clock jumps an hour
        yield* reset({ "maxmemory-policy": "allkeys-lfu", "lfu-log-factor": "0", "lfu-decay-time": "2", hz: "1" })
        yield* redis.command("SET", "k", "v")
        assert.strictEqual(yield* redis.command("OBJECT", "FREQ", "k"), 5)
        for (let i = 0; i < 6; i++) yield* redis.command("GET", "k")
        assert.strictEqual(yield* redis.command("OBJECT", "FREQ", "k"), 11)
        yield* TestClock.adjust(5 * 60_000) // two whole periods of 2 minutes
        assert.strictEqual(yield* redis.command("OBJECT", "FREQ", "k"), 9)
        yield* TestClock.adjust(60 * 60_000)
        assert.strictEqual(yield* redis.command("OBJECT", "FREQ", "k"), 0)
        const idle = yield* Effect.flip(redis.command("OBJECT", "IDLETIME", "k"))
        assert.match(idle.message, /^ERR An LFU maxmemory policy is selected, idle time not tracked/)
      }))

    it.effect("allkeys-lfu keeps the keys used most and evicts the rest", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* reset({ "maxmemory-policy": "allkeys-lfu", "lfu-log-factor": "0", "maxmemory-samples": "64" })
        for (let i = 0; i < 10; i++) yield* redis.command("SET", `k${i}`, value(i))
        for (let i = 0; i < 5; i++) for (let n = 0; n < 3; n++) yield* redis.command("GET", `k${i}`)
        const used = keyspace.usedMemory
        yield* redis.command("CONFIG", "SET", "maxmemory", String(used - 4 * 250))
        // CONFIG SET maxmemory evicted at once
        const left = yield* keysOf(redis)
        assert.isBelow(left.length, 10)
        for (let i = 0; i < 5; i++) assert.include(left, `k${i}`)
      }))

    it.effect("volatile-ttl evicts the keys that expire soonest; without volatile keys deny-oom commands are refused", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* reset({ "maxmemory-policy": "volatile-ttl", "maxmemory-samples": "64" })
        for (let i = 0; i < 4; i++) yield* redis.command("SET", `p${i}`, value(i))
        for (let i = 0; i < 4; i++) yield* redis.command("SET", `t${i}`, value(i), "EX", String(1000 * (i + 1)))
        const used = keyspace.usedMemory
        yield* redis.command("CONFIG", "SET", "maxmemory", String(used - 200))
        assert.deepStrictEqual(yield* keysOf(redis), ["p0", "p1", "p2", "p3", "t1", "t2", "t3"])
        yield* redis.command("CONFIG", "SET", "maxmemory", String(used - 4 * 400))
        assert.deepStrictEqual(yield* keysOf(redis), ["p0", "p1", "p2", "p3"])
        const oom = yield* Effect.flip(redis.command("SET", "x", "y"))
        assert.strictEqual(oom.message, "OOM command not allowed when used memory > 'maxmemory'.")
        assert.strictEqual(yield* redis.command("GET", "p0"), value(0)) // not deny-oom
        assert.strictEqual(yield* redis.command("DEL", "p0"), 1) // DEL is not deny-oom either
      }))

    it.effect("noeviction refuses deny-oom commands, and MULTI queueing, but serves the rest", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* reset({ "maxmemory-policy": "noeviction" })
        yield* redis.command("SET", "k", value(1))
        yield* redis.command("CONFIG", "SET", "maxmemory", "1")
        const oom = yield* Effect.flip(redis.command("RPUSH", "l", "a"))
        assert.strictEqual(oom.message, "OOM command not allowed when used memory > 'maxmemory'.")
        assert.strictEqual(yield* redis.command("GET", "k"), value(1))
        assert.strictEqual(yield* redis.command("EXISTS", "l"), 0)
        yield* redis.command("CONFIG", "SET", "maxmemory", "0")
      }))

    it.effect("an eviction emits evicted, propagates DEL (UNLINK with lazyfree-lazy-eviction) and counts in INFO", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* reset({ "maxmemory-policy": "allkeys-random", "notify-keyspace-events": "Ee" })
        const events: Array<string> = []
        const propagated: Array<string> = []
        const stopNotify = keyspace.onNotify((_type, event, key) => events.push(`${event} ${key}`))
        const stopPropagate = keyspace.onPropagate((_db, argv) => propagated.push(argv.join(" ")))
        yield* redis.command("SET", "a", value(1))
        yield* redis.command("SELECT", "3")
        yield* redis.command("SET", "b", value(2))
        const before = keyspace.stats.evictedKeys
        yield* redis.command("CONFIG", "SET", "lazyfree-lazy-eviction", "yes")
        yield* redis.command("CONFIG", "SET", "maxmemory", "1")
        stopNotify()
        stopPropagate()
        yield* redis.command("SELECT", "0")
        assert.deepStrictEqual(events.sort(), ["evicted a", "evicted b"])
        assert.deepStrictEqual(propagated.filter((p) => !p.startsWith("SET") && !p.startsWith("SELECT")).sort(), ["UNLINK a", "UNLINK b"])
        assert.strictEqual(keyspace.stats.evictedKeys - before, 2)
        const info = (yield* redis.command("INFO", "memory")) as string
        expect(info).toMatch(/\r\nmaxmemory:1\r\n/)
        expect(info).toMatch(/\r\nmaxmemory_human:1B\r\n/)
        expect(info).toMatch(/\r\nmaxmemory_policy:allkeys-random\r\n/)
        // everything evicted: what is left is the startup baseline, still over maxmemory 1
        expect(info).toMatch(/\r\nused_memory:876152\r\n/)
        expect(info).toMatch(/\r\nused_memory_startup:876152\r\n/)
        assert.strictEqual(yield* redis.command("DBSIZE"), 0)
        const stats = (yield* redis.command("INFO", "stats")) as string
        expect(stats).toMatch(new RegExp(`\\r\\nevicted_keys:${keyspace.stats.evictedKeys}\\r\\n`))
        yield* redis.command("CONFIG", "SET", "lazyfree-lazy-eviction", "no")
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "")
        assert.strictEqual(yield* redis.command("CLIENT", "NO-EVICT", "on"), "OK")
        assert.strictEqual(yield* redis.command("CLIENT", "NO-EVICT", "off"), "OK")
      }))

    it.effect("past the tenacity time limit a call stops and a background fiber goes on evicting", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* reset({ "maxmemory-policy": "allkeys-random", "maxmemory-eviction-tenacity": "0" })
        for (let i = 0; i < 200; i++) yield* redis.command("SET", `k${i}`, value(i))
        const before = keyspace.stats.evictedKeys
        // tenacity 0: no time at all, so the call stops after its first 16 keys
        const limit = keyspace.usedMemory - keyspace.dataMemory + 2000
        yield* redis.command("CONFIG", "SET", "maxmemory", String(limit))
        assert.strictEqual(keyspace.stats.evictedKeys - before, 16)
        for (let i = 0; i < 100 && keyspace.usedMemory > limit; i++) yield* Effect.yieldNow
        assert.isAtMost(keyspace.usedMemory, limit)
        assert.isAbove(keyspace.stats.evictedKeys - before, 180)
        yield* redis.command("CONFIG", "SET", "maxmemory-eviction-tenacity", "10")
        yield* redis.command("CONFIG", "SET", "maxmemory", "0")
      }))

    it.effect("a script's writes get the memory state its script started with", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* reset({ "maxmemory-policy": "noeviction" })
        yield* redis.command("SET", "k", value(1))
        yield* redis.command("CONFIG", "SET", "maxmemory", "1")
        const refused = yield* Effect.flip(redis.command("EVAL", "return redis.call('SET', 'x', 'y')", "0"))
        assert.match(refused.message, /^OOM command not allowed when used memory > 'maxmemory'/)
        assert.strictEqual(yield* redis.command("EVAL", "return redis.call('GET', 'k')", "0"), value(1))
        yield* redis.command("CONFIG", "SET", "maxmemory", "0")
      }))
  })
})

// --- property -------------------------------------------------------------------------------------------

type Write = ReadonlyArray<string>

const writeArb = (): fc.Arbitrary<Write> => {
  const key = fc.integer({ min: 0, max: 40 }).map((i) => `key:${i}`)
  const str = fc.integer({ min: 0, max: 300 }).map((n) => "x".repeat(n))
  const ttl = fc.option(fc.integer({ min: 100, max: 100000 }).map(String), { nil: undefined })
  return fc.oneof(
    fc.tuple(key, str, ttl).map(([k, v, t]) => (t === undefined ? ["SET", `p${k}`, v] : ["SET", `v${k}`, v, "EX", t])),
    fc.tuple(key, fc.array(str, { minLength: 1, maxLength: 5 })).map(([k, vs]) => ["RPUSH", `l${k}`, ...vs]),
    fc.tuple(key, str, str).map(([k, f, v]) => ["HSET", `h${k}`, f.slice(0, 70), v]),
    fc.tuple(key, fc.array(str, { minLength: 1, maxLength: 5 })).map(([k, vs]) => ["SADD", `s${k}`, ...vs]),
    fc.tuple(key, fc.integer(), str).map(([k, n, m]) => ["ZADD", `z${k}`, String(n), m]),
    fc.tuple(key, str).map(([k, v]) => ["XADD", `x${k}`, "*", "f", v]),
    fc.tuple(key, fc.integer({ min: 100, max: 100000 })).map(([k, t]) => ["EXPIRE", `l${k}`, String(t)])
  )
}

/** INFO used_memory: the startup baseline plus what is stored. */
const usedMemory = async (run: (argv: ReadonlyArray<string>) => Promise<unknown>): Promise<number> =>
  Number(/\r\nused_memory:(\d+)\r\n/.exec((await run(["INFO", "memory"])) as string)![1])

describe("eviction property", () => {
  const run = embeddedRunner({ "maxmemory-eviction-tenacity": "100" })

  vit("allkeys-*: after any write, the next command finds used_memory <= maxmemory", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("allkeys-lru", "allkeys-lfu", "allkeys-random"),
        fc.integer({ min: 2_000, max: 20_000 }),
        fc.array(writeArb(), { minLength: 1, maxLength: 60 }),
        async (policy, budget, writes) => {
          await run(["CONFIG", "SET", "maxmemory", "0"])
          await run(["FLUSHALL"])
          await run(["CONFIG", "SET", "maxmemory-policy", policy])
          const limit = (await usedMemory(run)) + budget
          await run(["CONFIG", "SET", "maxmemory", String(limit)])
          for (const w of writes) {
            await run(w)
            expect(await usedMemory(run)).toBeLessThanOrEqual(limit)
          }
        }
      ),
      { numRuns: 40 }
    )
  })

  vit("volatile-*: only keys with a TTL are evicted", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"),
        fc.integer({ min: 2_000, max: 20_000 }),
        fc.array(writeArb(), { minLength: 1, maxLength: 60 }),
        async (policy, budget, writes) => {
          await run(["CONFIG", "SET", "maxmemory", "0"])
          await run(["FLUSHALL"])
          await run(["CONFIG", "SET", "maxmemory-policy", policy])
          await run(["CONFIG", "SET", "maxmemory", String((await usedMemory(run)) + budget)])
          const persistent = new Set<string>()
          for (const w of writes) {
            const reply = await run(w)
            if (typeof reply === "object" && reply !== null && "error" in reply) continue // OOM
            if (w[0] === "EXPIRE") {
              if (reply === 1) persistent.delete(w[1]!)
              continue
            }
            if (w[0] === "SET" && w[3] === "EX") persistent.delete(w[1]!)
            else persistent.add(w[1]!)
          }
          await run(["PING"])
          const keys = new Set((await run(["KEYS", "*"])) as Array<string>)
          for (const key of persistent) expect(keys.has(key)).toBe(true)
        }
      ),
      { numRuns: 40 }
    )
  })
})

// --- the slots eviction samples -------------------------------------------------------------------------

type SlotOp =
  | readonly ["SET", string, string]
  | readonly ["RPUSH" | "SADD", string, string]
  | readonly ["DEL", string]
  | readonly ["RENAME", string, string]
  | readonly ["MOVE", string]
  | readonly ["COPY", string, string]
  | readonly ["SWAPDB"]
  | readonly ["FLUSHDB"]

const slotOpArb = (): fc.Arbitrary<SlotOp> => {
  const key = fc.integer({ min: 0, max: 12 }).map((i) => `k${i}`)
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant("SET" as const), key, fc.string({ maxLength: 5 })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("RPUSH" as const, "SADD" as const), key, fc.string({ maxLength: 5 })) },
    { weight: 4, arbitrary: fc.tuple(fc.constant("DEL" as const), key) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("RENAME" as const), key, key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("MOVE" as const), key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("COPY" as const), key, key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("SWAPDB" as const)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("FLUSHDB" as const)) }
  )
}

/** What each database holds after the ops: key -> type, as Redis's semantics say. */
const slotModel = (ops: ReadonlyArray<SlotOp>): [Map<string, string>, Map<string, string>] => {
  let db0 = new Map<string, string>()
  let db1 = new Map<string, string>()
  for (const op of ops) {
    switch (op[0]) {
      case "SET":
        db0.set(op[1], "string")
        break
      case "RPUSH":
      case "SADD": {
        const type = op[0] === "RPUSH" ? "list" : "set"
        const had = db0.get(op[1])
        if (had === undefined || had === type) db0.set(op[1], type)
        break
      }
      case "DEL":
        db0.delete(op[1])
        break
      case "RENAME": {
        const type = db0.get(op[1])
        if (type === undefined || op[1] === op[2]) break
        db0.delete(op[1])
        db0.set(op[2], type)
        break
      }
      case "MOVE": {
        const type = db0.get(op[1])
        if (type === undefined || db1.has(op[1])) break
        db0.delete(op[1])
        db1.set(op[1], type)
        break
      }
      case "COPY": {
        const type = db0.get(op[1])
        if (type === undefined || op[1] === op[2] || db0.has(op[2])) break
        db0.set(op[2], type)
        break
      }
      case "SWAPDB":
        ;[db0, db1] = [db1, db0]
        break
      case "FLUSHDB":
        db0.clear()
        break
    }
  }
  return [db0, db1]
}

const scanAll = async (run: (argv: ReadonlyArray<string>) => Promise<unknown>): Promise<Set<string>> => {
  const keys = new Set<string>()
  let cursor = "0"
  do {
    const [next, batch] = (await run(["SCAN", cursor, "COUNT", "3"])) as [string, Array<string>]
    for (const k of batch) keys.add(k)
    cursor = next
  } while (cursor !== "0")
  return keys
}

describe("eviction sampling of the key slots", () => {
  const run = embeddedRunner({ "maxmemory-eviction-tenacity": "100" })

  vit("after deletes, renames, moves, copies, SWAPDB, FLUSHDB and changes of type, SCAN sees every key and maxmemory 1 evicts each key exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("allkeys-lru", "allkeys-lfu", "allkeys-random"),
        fc.array(slotOpArb(), { minLength: 1, maxLength: 150 }),
        async (policy, ops) => {
          await run(["CONFIG", "SET", "maxmemory", "0"])
          await run(["FLUSHALL"])
          await run(["CONFIG", "SET", "maxmemory-policy", policy])
          for (const op of ops) {
            // SET over a list or set changes the key's type (its stored object is replaced)
            await run(op[0] === "MOVE" ? ["MOVE", op[1], "1"] : op[0] === "SWAPDB" ? ["SWAPDB", "0", "1"] : op)
          }
          const [db0, db1] = slotModel(ops)
          expect(await scanAll(run)).toEqual(new Set(db0.keys()))
          if (db0.size > 0) expect(db0.has((await run(["RANDOMKEY"])) as string)).toBe(true)
          const evictedBefore = Number(/\r\nevicted_keys:(\d+)\r\n/.exec((await run(["INFO", "stats"])) as string)![1])
          await run(["CONFIG", "SET", "maxmemory", "1"])
          const evicted = Number(/\r\nevicted_keys:(\d+)\r\n/.exec((await run(["INFO", "stats"])) as string)![1]) - evictedBefore
          expect(evicted).toBe(db0.size + db1.size)
          expect(await run(["DBSIZE"])).toBe(0)
          await run(["SELECT", "1"])
          expect(await run(["DBSIZE"])).toBe(0)
          await run(["SELECT", "0"])
        }
      ),
      { numRuns: 60 }
    )
  })
})

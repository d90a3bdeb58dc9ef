/**
 * String commands in the embedded server, where TestClock is the server's time: expiry set by SET
 * EX and friends takes effect when the clock passes it (no real waiting), and the propagated forms
 * carry absolute times computed from that clock, so they can be stated exactly.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { NotifyClass } from "../../src/keyspace/notify.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

/** Records what the keyspace propagates and notifies while `body` runs. */
const recording = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const keyspace = yield* Keyspace
    const propagated: Array<ReadonlyArray<string>> = []
    const events: Array<string> = []
    const stopPropagate = keyspace.onPropagate((_db, argv) => propagated.push(argv))
    const flags = keyspace.notifyFlags
    keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.string | NotifyClass.generic | NotifyClass.expired
    const stopNotify = keyspace.onNotify((_type, event, key) => events.push(`${event} ${key}`))
    try {
      yield* body
    } finally {
      stopPropagate()
      stopNotify()
      keyspace.notifyFlags = flags
    }
    return { propagated, events }
  })

describe("string commands on the TestClock", () => {
  layer(embeddedRedis())((it) => {
    it.effect("SET EX, PX, EXAT, PXAT, SETEX, PSETEX and GETEX EX expire when the clock passes their time", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* TestClock.setTime(10_000)
        assert.strictEqual(yield* redis.command("SET", "ex", "v", "EX", "2"), "OK")
        assert.strictEqual(yield* redis.command("SET", "px", "v", "PX", "1500"), "OK")
        assert.strictEqual(yield* redis.command("SET", "exat", "v", "EXAT", "13"), "OK")
        assert.strictEqual(yield* redis.command("SET", "pxat", "v", "PXAT", "12500"), "OK")
        assert.strictEqual(yield* redis.command("SETEX", "setex", "4", "v"), "OK")
        assert.strictEqual(yield* redis.command("PSETEX", "psetex", "3500", "v"), "OK")
        assert.strictEqual(yield* redis.command("SET", "getex", "v"), "OK")
        assert.strictEqual(yield* redis.command("GETEX", "getex", "PX", "4500"), "v")
        const alive = (names: ReadonlyArray<string>) =>
          Effect.forEach(names, (k) => redis.command("GET", k)).pipe(Effect.map((values) => values.map((v) => v !== null)))
        const names = ["px", "ex", "pxat", "exat", "psetex", "setex", "getex"]
        // Each key lives through its expiry millisecond and is gone one ms later (Redis: now > when).
        for (const [at, count] of [[11_500, 7], [11_501, 6], [12_000, 6], [12_001, 5], [12_500, 5], [12_501, 4], [13_000, 4], [13_001, 3], [13_500, 3], [13_501, 2], [14_000, 2], [14_001, 1], [14_500, 1], [14_501, 0]] as const) {
          yield* TestClock.setTime(at)
          const live = yield* alive(names)
          assert.deepStrictEqual(live, names.map((_, i) => i >= names.length - count), `at ${at} ms`)
        }
      }))

    it.effect("KEEPTTL, GETSET, INCR, APPEND, SETRANGE and INCRBYFLOAT keep or drop the TTL as Redis does", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const db = keyspace.dbs[0]!
        yield* redis.command("FLUSHALL")
        const now = yield* Clock.currentTimeMillis
        for (const k of ["keep", "drop", "getset", "incr", "append", "setrange", "float"]) {
          yield* redis.command("SET", k, "1", "PX", "100000")
        }
        yield* redis.command("SET", "keep", "2", "KEEPTTL")
        yield* redis.command("SET", "drop", "2")
        yield* redis.command("GETSET", "getset", "2")
        yield* redis.command("INCR", "incr")
        yield* redis.command("APPEND", "append", "x")
        yield* redis.command("SETRANGE", "setrange", "0", "x")
        yield* redis.command("INCRBYFLOAT", "float", "0.5")
        const ttl = (k: string) => db.getExpire(k)
        assert.strictEqual(ttl("keep"), now + 100_000)
        assert.strictEqual(ttl("drop"), -1)
        assert.strictEqual(ttl("getset"), -1)
        assert.strictEqual(ttl("incr"), now + 100_000)
        assert.strictEqual(ttl("append"), now + 100_000)
        assert.strictEqual(ttl("setrange"), now + 100_000)
        assert.strictEqual(ttl("float"), now + 100_000)
        assert.strictEqual(yield* redis.command("GETEX", "keep", "PERSIST"), "2")
        assert.strictEqual(ttl("keep"), -1)
      }))

    it.effect("writes propagate in deterministic form and emit Redis's keyspace events", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* redis.command("FLUSHALL")
        yield* TestClock.setTime(50_000)
        const { propagated, events } = yield* recording(Effect.gen(function*() {
          yield* redis.command("SET", "a", "1", "EX", "10", "GET")
          yield* redis.command("SET", "a", "2", "px", "500", "NX")
          yield* redis.command("SET", "a", "3", "XX", "GET", "get")
          yield* redis.command("SET", "b", "1", "EXAT", "70")
          yield* redis.command("SET", "b", "1", "PXAT", "70000")
          yield* redis.command("SETEX", "c", "5", "x")
          yield* redis.command("PSETEX", "c", "5", "y")
          yield* redis.command("SETNX", "c", "z")
          yield* redis.command("GETEX", "c", "EX", "3")
          yield* redis.command("GETEX", "c", "PERSIST")
          yield* redis.command("GETEX", "c", "PERSIST")
          yield* redis.command("GETEX", "c")
          yield* redis.command("GETEX", "c", "EXAT", "50")
          yield* redis.command("GETSET", "d", "1")
          yield* redis.command("INCRBYFLOAT", "d", "1.5")
          yield* redis.command("INCRBY", "d", "1").pipe(Effect.ignore)
          yield* redis.command("GETDEL", "d")
          yield* redis.command("GETDEL", "d")
          yield* redis.command("MSET", "e", "1", "f", "2")
          yield* redis.command("MSETNX", "e", "1", "g", "2")
          yield* redis.command("APPEND", "e", "x")
          yield* redis.command("SETRANGE", "e", "0", "y")
          yield* redis.command("SETRANGE", "e", "0", "")
          yield* redis.command("INCR", "n")
          yield* redis.command("DECRBY", "n", "5")
          yield* redis.command("SET", "p", "v", "PXAT", "1")
          yield* redis.command("GET", "p")
        }))
        assert.deepStrictEqual(propagated, [
          ["SET", "a", "1", "PXAT", "60000"],
          ["SET", "a", "3", "XX"],
          ["SET", "b", "1", "PXAT", "70000"],
          ["SET", "b", "1", "PXAT", "70000"],
          ["SET", "c", "x", "PXAT", "55000"],
          ["SET", "c", "y", "PXAT", "50005"],
          ["PEXPIREAT", "c", "53000"],
          ["PERSIST", "c"],
          ["DEL", "c"],
          ["SET", "d", "1"],
          ["SET", "d", "2.5", "KEEPTTL"],
          ["DEL", "d"],
          ["MSET", "e", "1", "f", "2"],
          ["APPEND", "e", "x"],
          ["SETRANGE", "e", "0", "y"],
          ["INCR", "n"],
          ["DECRBY", "n", "5"],
          ["SET", "p", "v", "PXAT", "1"],
          ["DEL", "p"]
        ])
        assert.deepStrictEqual(events, [
          "set a",
          "expire a",
          "set a",
          "set b",
          "expire b",
          "set b",
          "expire b",
          "set c",
          "expire c",
          "set c",
          "expire c",
          "expire c",
          "persist c",
          "del c",
          "set d",
          "incrbyfloat d",
          "del d",
          "set e",
          "set f",
          "append e",
          "setrange e",
          "incrby n",
          "incrby n",
          "set p",
          "expire p",
          "expired p"
        ])
      }))
  })

  layer(embeddedRedis({ "lazyfree-lazy-user-del": "yes", "lazyfree-lazy-expire": "yes" }))((it) => {
    it.effect("with lazyfree, GETDEL and GETEX of a past time propagate UNLINK", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* TestClock.setTime(5_000)
        const { propagated } = yield* recording(Effect.gen(function*() {
          yield* redis.command("MSET", "a", "1", "b", "2")
          yield* redis.command("GETDEL", "a")
          yield* redis.command("GETEX", "b", "PXAT", "5000")
        }))
        assert.deepStrictEqual(propagated, [["MSET", "a", "1", "b", "2"], ["UNLINK", "a"], ["UNLINK", "b"]])
      }))
  })
})

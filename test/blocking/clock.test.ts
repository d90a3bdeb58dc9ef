/**
 * Blocking timeouts run on Effect's Clock: with the embedded Layer, TestClock decides when a blocked
 * client times out, and a push before the deadline serves it instead. Several in-process connections
 * share one engine, as sockets would.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Engine } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

/** Lets forked fibers run up to their next suspension (TestClock never sleeps for real). */
const settle = Effect.yieldNow.pipe(Effect.repeat({ times: 20 }))

// The Layer (and so the keyspace) is shared by the tests of this block: each uses its own keys.
describe("blocking timeouts on TestClock", () => {
  layer(embeddedRedis())((it) => {
    it.effect("BLPOP times out exactly when TestClock reaches its deadline", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const waiter = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(waiter.command("BLPOP", "k", "2.5"))
        yield* settle
        assert.strictEqual(engine.waiters.blockedClients, 1)
        yield* TestClock.adjust(2_499)
        yield* settle
        assert.isUndefined(fiber.pollUnsafe())
        assert.strictEqual(engine.waiters.blockedClients, 1)
        yield* TestClock.adjust(1)
        assert.isNull(yield* Fiber.join(fiber))
        assert.strictEqual(engine.waiters.blockedClients, 0)
        assert.strictEqual(engine.waiters.blockingKeys, 0)
      }))

    it.effect("a push before the deadline serves the waiter; its timeout then does nothing", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const waiter = yield* RedisClient.connect
        const pusher = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(waiter.command("BRPOPLPUSH", "src", "dst", "10"))
        yield* settle
        yield* TestClock.adjust(9_000)
        assert.strictEqual(yield* pusher.command("RPUSH", "src", "a", "b"), 2)
        assert.strictEqual(yield* Fiber.join(fiber), "b")
        yield* TestClock.adjust(5_000)
        assert.deepStrictEqual(yield* pusher.command("LRANGE", "dst", "0", "-1"), ["b"])
        assert.deepStrictEqual(yield* pusher.command("LRANGE", "src", "0", "-1"), ["a"])
        assert.strictEqual(engine.waiters.blockedClients, 0)
      }))

    it.effect("waiters with different deadlines time out in deadline order; timeout 0 never does", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const [a, b, c, pusher] = yield* Effect.all([
          RedisClient.connect,
          RedisClient.connect,
          RedisClient.connect,
          RedisClient.connect
        ])
        const forever = yield* Effect.forkChild(a.command("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"))
        const long = yield* Effect.forkChild(b.command("BLMOVE", "k", "d", "LEFT", "RIGHT", "3"))
        const short = yield* Effect.forkChild(c.command("BRPOP", "k", "0.5"))
        yield* settle
        assert.strictEqual(engine.waiters.blockedClients, 3)
        yield* TestClock.adjust(500)
        assert.isNull(yield* Fiber.join(short))
        assert.isUndefined(long.pollUnsafe())
        yield* TestClock.adjust(2_500)
        assert.isNull(yield* Fiber.join(long))
        yield* TestClock.adjust(60_000)
        yield* settle
        assert.isUndefined(forever.pollUnsafe())
        assert.strictEqual(yield* pusher.command("RPUSH", "k", "x", "y", "z"), 3)
        assert.deepStrictEqual(yield* Fiber.join(forever), ["k", ["x", "y"]])
        assert.deepStrictEqual(yield* pusher.command("LRANGE", "k", "0", "-1"), ["z"])
      }))

    it.effect("engine.unblockClient (CLIENT UNBLOCK) answers with the timeout reply or UNBLOCKED", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const a = yield* RedisClient.connect
        const b = yield* RedisClient.connect
        const first = yield* Effect.forkChild(a.command("BLPOP", "unblock", "0"))
        const second = yield* Effect.forkChild(b.command("BLMOVE", "unblock", "d", "LEFT", "LEFT", "0"))
        yield* settle
        assert.isTrue(engine.unblockClient(engine.clients.get(a.id)!, false))
        assert.isNull(yield* Fiber.join(first))
        assert.isFalse(engine.unblockClient(engine.clients.get(a.id)!, false))
        assert.isTrue(engine.unblockClient(engine.clients.get(b.id)!, true))
        const error = yield* Fiber.join(second).pipe(Effect.flip)
        assert.strictEqual(error.message, "UNBLOCKED client unblocked via CLIENT UNBLOCK")
        assert.strictEqual(engine.waiters.blockedClients, 0)
      }))

    it.effect("closing a blocked connection's scope removes it from the wait list", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const pusher = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const conn = yield* RedisClient.connect
          return yield* conn.command("BLPOP", "gone", "0")
        })))
        yield* settle
        assert.strictEqual(engine.waiters.blockedClients, 1)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(engine.waiters.blockedClients, 0)
        assert.strictEqual(yield* pusher.command("RPUSH", "gone", "kept"), 1)
        assert.deepStrictEqual(yield* pusher.command("LRANGE", "gone", "0", "-1"), ["kept"])
      }))
  })
})

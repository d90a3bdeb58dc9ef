/**
 * The in-process RedisClient is interrupt-safe: a BLPOP interrupted by Effect.timeout or a fiber
 * interruption unblocks its client and its pending reply is discarded, so the replies of later
 * commands never shift (each command gets its own reply). TestClock drives every wait.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { RedisCore } from "../../src/layers.ts"
import { BlockingWaiters } from "../../src/server/BlockingWaiters.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"

/** Lets forked fibers run until they block (no time passes under TestClock). */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) yield* Effect.yieldNow
})

describe("RedisClient interruption", () => {
  it.effect("a BLPOP cut short by Effect.timeout unblocks the client; the next commands get their own replies", () =>
    Effect.gen(function*() {
      const waiters = yield* BlockingWaiters
      const redis = yield* RedisClient.connect
      const fiber = yield* Effect.forkChild(Effect.exit(redis.command("BLPOP", "q", "0").pipe(Effect.timeout("1 second"))))
      yield* settle
      assert.strictEqual(waiters.blockedClients, 1)
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(waiters.blockedClients, 0)
      // the push is not taken by the abandoned BLPOP, and no reply is left behind for later commands
      assert.strictEqual(yield* redis.command("RPUSH", "q", "a"), 1)
      assert.deepStrictEqual(yield* redis.command("LRANGE", "q", "0", "-1"), ["a"])
      assert.strictEqual(yield* redis.command("PING"), "PONG")
    }).pipe(Effect.provide(RedisCore())))

  it.effect("a BLPOP whose fiber is interrupted unblocks the client, and the list is served to others", () =>
    Effect.gen(function*() {
      const waiters = yield* BlockingWaiters
      const redis = yield* RedisClient.connect
      const other = yield* RedisClient.connect
      const fiber = yield* Effect.forkChild(redis.command("BLPOP", "q", "5"))
      yield* settle
      assert.strictEqual(waiters.blockedClients, 1)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(waiters.blockedClients, 0)
      const second = yield* Effect.forkChild(other.command("BLPOP", "q", "0"))
      yield* settle
      assert.strictEqual(yield* redis.command("LPUSH", "q", "x"), 1)
      assert.deepStrictEqual(yield* Fiber.join(second), ["q", "x"])
      assert.strictEqual(yield* redis.command("LLEN", "q"), 0)
      // its timeout passing later changes nothing
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* redis.command("ECHO", "mine"), "mine")
    }).pipe(Effect.provide(RedisCore())))

  /** One step of a random script: a command whose reply is known, or a BLPOP interrupted after `after` ms. */
  const Step = Schema.Union([
    Schema.Struct({ op: Schema.Literal("push"), n: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 })) }),
    Schema.Struct({ op: Schema.Literal("echo"), n: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1000 })) }),
    Schema.Struct({ op: Schema.Literal("pop") }),
    Schema.Struct({
      op: Schema.Literal("interrupted"),
      after: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3000 })),
      how: Schema.Literals(["timeout", "interrupt"]),
      timeout: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 }))
    })
  ])

  it.effect.prop(
    "random in-process commands with BLPOPs interrupted at random points: replies never shift",
    [Schema.Array(Step)],
    ([steps]) =>
      Effect.gen(function*() {
        const waiters = yield* BlockingWaiters
        const redis = yield* RedisClient.connect
        let model: Array<string> = [] // the list "q"
        let next = 0
        for (const step of steps) {
          switch (step.op) {
            case "push": {
              const values = Array.from({ length: step.n + 1 }, () => `v${next++}`)
              assert.strictEqual(yield* redis.command("RPUSH", "q", ...values), model.length + values.length)
              model = [...model, ...values]
              break
            }
            case "echo":
              assert.strictEqual(yield* redis.command("ECHO", `e${step.n}`), `e${step.n}`)
              break
            case "pop": {
              const expected = model.length === 0 ? null : model[0]!
              assert.strictEqual(yield* redis.command("LPOP", "q"), expected)
              model = model.slice(1)
              break
            }
            case "interrupted": {
              if (model.length > 0) {
                // data is there: BLPOP answers at once
                assert.deepStrictEqual(yield* redis.command("BLPOP", "q", String(step.timeout)), ["q", model[0]!])
                model = model.slice(1)
                break
              }
              // BLPOP on the empty list: it blocks until cut short (or its own timeout); a later push
              // must not go to it, nor its reply to a later command
              const blpop = redis.command("BLPOP", "q", String(step.timeout))
              const fiber = yield* Effect.forkChild(step.how === "timeout" ? blpop.pipe(Effect.timeout(step.after)) : blpop)
              yield* settle
              if (step.how === "interrupt") {
                yield* TestClock.adjust(step.after)
                yield* Fiber.interrupt(fiber)
              } else {
                yield* TestClock.adjust(step.after)
              }
              const exit = yield* Fiber.await(fiber)
              // a BLPOP whose own timeout came first answers nil; otherwise it was cut short
              const ownTimeout = step.timeout !== 0 && step.timeout * 1000 <= step.after
              if (Exit.isSuccess(exit)) {
                assert.isTrue(ownTimeout, "BLPOP answered without being served or timing out")
                assert.strictEqual(exit.value, null)
              }
              assert.strictEqual(waiters.blockedClients, 0)
              break
            }
          }
        }
        assert.deepStrictEqual(yield* redis.command("LRANGE", "q", "0", "-1"), model)
        assert.strictEqual(yield* redis.command("ECHO", "last"), "last")
      }).pipe(Effect.provide(RedisCore())),
    { arbitrary: { runs: 100 } }
  )
})

// A test suite drives expiry with Effect's TestClock: no real waiting.
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { RedisClient, RedisCore } from "effect-redis-server"

it.effect("a session key expires after its TTL", () =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    yield* redis.command("SET", "session:1", "alice", "EX", "60")
    yield* TestClock.adjust("59 seconds")
    assert.strictEqual(yield* redis.command("GET", "session:1"), "alice")
    assert.strictEqual(yield* redis.command("TTL", "session:1"), 1)
    yield* TestClock.adjust("1001 millis")
    assert.strictEqual(yield* redis.command("GET", "session:1"), null)
  }).pipe(Effect.provide(RedisClient.layer.pipe(Layer.provide(RedisCore())))))

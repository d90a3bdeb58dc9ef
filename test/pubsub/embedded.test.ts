/**
 * Subscriptions of the in-process client as Effect Streams: typed messages in publish order, the
 * subscription made when the stream starts and dropped when it ends, keyspace events, errors of the
 * SUBSCRIBE itself, and a consumer that falls behind the pubsub output limit.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { RedisCore } from "../../src/layers.ts"
import { RedisClient, SubscriptionClosed } from "../../src/server/RedisClient.ts"
import { ReplyError } from "../../src/resp/ReplyParser.ts"
import { embeddedRedis } from "../support/embedded.ts"

/** Lets the event loop turn: what the server sends to subscribers goes out once the current step ends. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const withRedis = (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}) =>
  Effect.provide(RedisClient.layer.pipe(Layer.provideMerge(RedisCore(config))))

describe("RedisClient subscriptions", () => {
  it.effect("messages, pattern messages and shard messages arrive typed and in publish order", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const channel = yield* redis.subscribe("news", "chat").pipe(Stream.take(3), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      const pattern = yield* redis.psubscribe("n*").pipe(Stream.take(2), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      const shard = yield* redis.ssubscribe("s").pipe(Stream.take(1), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      // the subscriptions exist as soon as the streams started
      assert.deepStrictEqual(yield* redis.command("PUBSUB", "NUMSUB", "news", "chat"), ["news", 1, "chat", 1])
      assert.strictEqual(yield* redis.command("PUBLISH", "news", "one"), 2)
      assert.strictEqual(yield* redis.command("PUBLISH", "chat", "two"), 1)
      assert.strictEqual(yield* redis.command("PUBLISH", "news", "three"), 2)
      assert.strictEqual(yield* redis.command("SPUBLISH", "s", "four"), 1)
      assert.deepStrictEqual(yield* Fiber.join(channel), [
        { _tag: "message", channel: "news", message: "one" },
        { _tag: "message", channel: "chat", message: "two" },
        { _tag: "message", channel: "news", message: "three" }
      ])
      assert.deepStrictEqual(yield* Fiber.join(pattern), [
        { _tag: "pmessage", pattern: "n*", channel: "news", message: "one" },
        { _tag: "pmessage", pattern: "n*", channel: "news", message: "three" }
      ])
      assert.deepStrictEqual(yield* Fiber.join(shard), [{ _tag: "smessage", channel: "s", message: "four" }])
      // each stream ended after its messages: nobody is subscribed any more
      assert.deepStrictEqual(yield* redis.command("PUBSUB", "NUMSUB", "news", "chat"), ["news", 0, "chat", 0])
      assert.strictEqual(yield* redis.command("PUBSUB", "NUMPAT"), 0)
    }).pipe(Effect.provide(embeddedRedis())))

  it.effect("interrupting the stream unsubscribes; UTF-8 text round-trips", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const got: Array<string> = []
      const first = yield* Deferred.make<void>()
      const fiber = yield* redis.subscribe("ünï").pipe(
        Stream.runForEach((m) => Effect.andThen(Effect.sync(() => got.push(m.message)), Deferred.succeed(first, undefined))),
        Effect.forkChild({ startImmediately: true })
      )
      assert.strictEqual(yield* redis.command("PUBLISH", "ünï", "çødé ✓"), 1)
      yield* Deferred.await(first)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(got, ["çødé ✓"])
      assert.strictEqual(yield* redis.command("PUBLISH", "ünï", "late"), 0)
      assert.strictEqual((yield* redis.command("CLIENT", "LIST") as Effect.Effect<string>).split("\n").filter((l) => l.includes("flags=P")).length, 0)
    }).pipe(Effect.provide(embeddedRedis())))

  it.effect("the connection's own command() answers one reply per command: SUBSCRIBE is refused, pushes are not replies", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      for (const verb of ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"]) {
        const refused = yield* Effect.flip(redis.command(verb, "x"))
        assert.strictEqual(refused.message, `ERR ${verb} isn't allowed for a DENY BLOCKING client`)
      }
      // an invalidation for a key this connection tracks does not take the place of the next reply
      yield* redis.command("HELLO", "3")
      yield* redis.command("CLIENT", "TRACKING", "ON")
      yield* redis.command("GET", "tracked")
      assert.strictEqual(yield* redis.command("SET", "tracked", "1"), "OK")
      assert.strictEqual(yield* redis.command("GET", "tracked"), "1")
      assert.strictEqual(yield* redis.command("ECHO", "next"), "next")
    }).pipe(Effect.provide(embeddedRedis())))

  it.effect("keyspace events come through a pattern subscription", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const events = yield* redis.psubscribe("__keyevent@0__:*").pipe(Stream.take(3), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      yield* redis.command("SET", "k", "v", "EX", "100")
      yield* redis.command("DEL", "k")
      assert.deepStrictEqual((yield* Fiber.join(events)).map((m) => [m.channel, m.message]), [
        ["__keyevent@0__:set", "k"],
        ["__keyevent@0__:expire", "k"],
        ["__keyevent@0__:del", "k"]
      ])
    }).pipe(withRedis({ "notify-keyspace-events": "KEA" })))

  it.effect("the SUBSCRIBE's own error fails the stream (NOAUTH before AUTH, as on a socket)", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const exit = yield* redis.subscribe("x").pipe(Stream.runDrain, Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(error, ReplyError)
      assert.strictEqual((error as ReplyError).message, "NOAUTH Authentication required.")
      // the subscription acts as the connection's user: after AUTH it works
      yield* redis.command("AUTH", "pw")
      const fiber = yield* redis.subscribe("x").pipe(Stream.take(1), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      assert.strictEqual(yield* redis.command("PUBLISH", "x", "ok"), 1)
      assert.deepStrictEqual((yield* Fiber.join(fiber)).map((m) => m.message), ["ok"])
    }).pipe(withRedis({ requirepass: "pw" })))

  it.effect("a consumer that falls behind the pubsub output limit is disconnected: the stream fails with SubscriptionClosed", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const gate = yield* Deferred.make<void>()
      const fiber = yield* redis.subscribe("flood").pipe(
        Stream.mapEffect(() => Deferred.await(gate)),
        Stream.runDrain,
        Effect.exit,
        Effect.forkChild({ startImmediately: true })
      )
      const message = "x".repeat(64 * 1024)
      // 64 KB messages past the 1mb hard limit while the consumer is stuck on the first one
      for (let i = 0; i < 40; i++) yield* redis.command("PUBLISH", "flood", message)
      yield* settle
      assert.strictEqual(yield* redis.command("PUBLISH", "flood", message), 0)
      yield* Deferred.succeed(gate, undefined)
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(error, SubscriptionClosed)
      assert.match((error as SubscriptionClosed).reason, /scheduled to be closed ASAP for overcoming of output buffer limits/)
    }).pipe(withRedis({ "client-output-buffer-limit": ["pubsub", "1mb", "0", "0"] })))
})

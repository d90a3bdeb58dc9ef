// An Effect app using the in-process Redis as its message bus: subscriptions are Streams, no TCP.
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Fiber, Layer, Stream } from "effect"
import { RedisClient, RedisCore } from "effect-redis-server"

const program = Effect.gen(function*() {
  const redis = yield* RedisClient
  // the subscription starts with the stream; interrupting it (or taking enough) unsubscribes
  const orders = yield* redis.psubscribe("orders.*").pipe(
    Stream.map((m) => (m._tag === "pmessage" ? `${m.channel}: ${m.message}` : m.message)),
    Stream.take(2),
    Stream.runCollect,
    Effect.forkChild({ startImmediately: true })
  )
  yield* redis.command("PUBLISH", "orders.created", "#1001")
  yield* redis.command("PUBLISH", "orders.shipped", "#1001")
  yield* Effect.log(yield* Fiber.join(orders))
})

NodeRuntime.runMain(program.pipe(Effect.provide(RedisClient.layer.pipe(Layer.provide(RedisCore())))))

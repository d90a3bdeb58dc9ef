// An in-process Redis: no TCP, no binary to install; replies come back as typed values.
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { RedisClient, RedisCore } from "effect-redis-server"

const program = Effect.gen(function*() {
  const redis = yield* RedisClient
  yield* redis.command("SET", "counter", "41")
  const next = yield* redis.command("INCR", "counter") // 42
  yield* redis.command("HELLO", "3") // RESP3: maps, sets, doubles, booleans
  const info = yield* redis.command("HGETALL", "missing") // an empty Map in RESP3
  yield* Effect.log(`counter=${next}`, info)
})

NodeRuntime.runMain(program.pipe(Effect.provide(RedisClient.layer.pipe(Layer.provide(RedisCore())))))

// An Effect app embedding a Redis server on a free port, used by a regular client library.
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { RedisServer } from "effect-redis-server"
import { createClient } from "redis"

const program = Effect.gen(function*() {
  const server = yield* RedisServer // listening; released (connections closed) with the Layer
  const client = createClient({ socket: { host: "127.0.0.1", port: server.port } })
  yield* Effect.promise(() => client.connect())
  yield* Effect.promise(() => client.set("greeting", "hello"))
  const greeting = yield* Effect.promise(() => client.get("greeting"))
  yield* Effect.log(`port ${server.port}: greeting=${greeting}`)
  yield* Effect.promise(() => client.close())
})

NodeRuntime.runMain(program.pipe(Effect.provide(RedisServer.layer({ port: 0, host: "127.0.0.1" }))))

// redis-server's command line and config files (redis.conf syntax) loaded into your own composition.
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { CoreLive, RedisClient } from "effect-redis-server"
import { loadConfig, ServerConfig } from "effect-redis-server/config"

const program = Effect.gen(function*() {
  // the arguments redis-server takes: a config file first if any, then `--directive value...`
  const { store } = yield* loadConfig(["--databases", "4", "--hash-max-listpack-entries", "64"], {
    commandNames: [], // the commands that `rename-command` lines may name (none here)
    chdir: false // keep the working directory (redis-server follows the `dir` directive)
  })
  const Redis = RedisClient.layer.pipe(Layer.provide(CoreLive), Layer.provide(ServerConfig.layerFrom(store)))
  yield* Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = yield* redis.command("CONFIG", "GET", "databases")
    yield* Effect.log(`CONFIG GET databases: ${JSON.stringify(reply)}`)
  }).pipe(Effect.provide(Redis))
})

NodeRuntime.runMain(program)

/** Composition of the server's Layers (the graph is drawn in docs/ARCHITECTURE.md). */
import * as Layer from "effect/Layer"
import { type ConfigError, ServerConfig } from "./config/ServerConfig.ts"
import { ActiveExpiry } from "./keyspace/ActiveExpiry.ts"
import { Keyspace } from "./keyspace/Keyspace.ts"
import { BlockingWaiters } from "./server/BlockingWaiters.ts"
import { Engine } from "./server/Engine.ts"

/** Keyspace, waiter registry, engine and active expiry, over a configuration. */
export const CoreLive: Layer.Layer<Engine | Keyspace | BlockingWaiters, never, ServerConfig> = Layer.merge(
  Engine.layer,
  ActiveExpiry
).pipe(
  Layer.provideMerge(BlockingWaiters.layer),
  Layer.provideMerge(Keyspace.layer)
)

/**
 * A whole server without a listener: configuration (defaults plus `config`, directives as in
 * redis.conf), keyspace, engine and active expiry. Give it to `RedisClient.layer` for an in-process
 * Redis, or to `RedisServer.listen` to serve TCP too.
 */
export const RedisCore = (
  config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}
): Layer.Layer<Engine | Keyspace | BlockingWaiters | ServerConfig, ConfigError> =>
  CoreLive.pipe(Layer.provideMerge(ServerConfig.layer(config)))

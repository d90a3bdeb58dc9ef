/**
 * The in-process server for @effect/vitest tests: `layer(embeddedRedis())("...", (it) => ...)` gives
 * tests a `RedisClient` (and the Engine/Keyspace services) whose time is the test's `TestClock`.
 */
import { Layer } from "effect"
import { RedisCore } from "../../src/layers.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"

export const embeddedRedis = (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}) =>
  RedisClient.layer.pipe(Layer.provideMerge(RedisCore(config)))

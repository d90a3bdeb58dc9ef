/**
 * The in-process server for @effect/vitest tests: `layer(embeddedRedis())("...", (it) => ...)` gives
 * tests a `RedisClient` (and the Engine/Keyspace services) whose time is the test's `TestClock`.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll } from "vitest"
import { RedisCore } from "../../src/layers.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"

export const embeddedRedis = (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}) =>
  RedisClient.layer.pipe(Layer.provideMerge(RedisCore(config)))

/** A reply, or the message of an error reply. */
export type ReplyOrError = Reply | { readonly error: string }

/**
 * For plain (promise) tests: an in-process server for the enclosing describe block, disposed after
 * it, and a function that runs one command on it, giving its reply or `{ error }` for an error reply.
 */
export const embeddedRunner = (
  config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}
): (argv: ReadonlyArray<string>) => Promise<ReplyOrError> => {
  const runtime = ManagedRuntime.make(embeddedRedis(config))
  afterAll(() => runtime.dispose())
  return (argv) =>
    runtime.runPromise(
      Effect.gen(function*() {
        const redis = yield* RedisClient
        return yield* redis.command(...argv)
      }).pipe(Effect.catchTag("ReplyError", (e) => Effect.succeed({ error: e.message })))
    )
}

/** The in-process client: what it returns is the caller's, whatever the engine writes next. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

describe("RedisClient", () => {
  layer(embeddedRedis())((it) => {
    it.effect("replies it returned stay intact while later replies reuse the reply buffer", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const first = Buffer.from([0, 255, 13, 10, ...Buffer.from("first value")])
        yield* redis.commandBytes(Buffer.from("SET"), Buffer.from("a"), first)
        yield* redis.command("SET", "b", "x".repeat(first.length))
        const bytes = yield* redis.commandBytes(Buffer.from("GET"), Buffer.from("a"))
        const text = yield* redis.command("MGET", "b", "a")
        for (let i = 0; i < 100; i++) yield* redis.command("GET", "b")
        assert.deepStrictEqual(Buffer.from(bytes as Uint8Array), first)
        assert.deepStrictEqual(text, ["x".repeat(first.length), first.toString("utf8")])
      }))
  })
})

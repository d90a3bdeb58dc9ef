/** The engine's time is Effect's Clock: TestClock moves it, lazily and through active expiry. */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

describe("TestClock drives the engine", () => {
  layer(embeddedRedis())((it) => {
    it.effect("a key with a TTL disappears when TestClock passes it, without being read", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        assert.strictEqual(yield* redis.command("SET", "k", "v"), "OK")
        const db = keyspace.dbs[0]!
        db.setExpire("k", keyspace.now + 5_000)
        yield* TestClock.adjust(4_000)
        assert.strictEqual(db.size, 1)
        assert.strictEqual(yield* redis.command("GET", "k"), "v")
        yield* TestClock.adjust(2_000) // active expiry runs every 100 ms of TestClock time
        assert.strictEqual(db.size, 0)
        assert.strictEqual(keyspace.stats.expiredKeys, 1)
      }))
  })
})

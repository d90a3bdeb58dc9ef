/**
 * A core built in a scope takes back what it registered on longer-lived objects when the scope closes:
 * config listeners (ConfigStore.watch) and the keyspace's hooks. The config store can outlive the core
 * (main.ts builds it first; an embedder may rebuild a core over the same store).
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { ConfigStore, liveNumbers, ServerConfig, watchScoped } from "../../src/config/ServerConfig.ts"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { NotifyClass } from "../../src/keyspace/notify.ts"
import { CoreLive } from "../../src/layers.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"


describe("ConfigStore listeners", () => {
  it.effect("watchScoped calls the listener now and on changes, and removes it with its scope", () =>
    Effect.gen(function*() {
      const store = new ConfigStore()
      const seen: Array<string> = []
      yield* Effect.scoped(Effect.gen(function*() {
        yield* watchScoped(store, "hz", (v) => seen.push(v))
        assert.strictEqual(store.listenerCount("hz"), 1)
        assert.isUndefined(store.set("hz", ["20"]))
      }))
      assert.strictEqual(store.listenerCount("hz"), 0)
      assert.isUndefined(store.set("hz", ["30"]))
      assert.deepStrictEqual(seen, ["10", "20"])
    }))

  it("watch returns an unsubscribe that removes only its own registration, once", () => {
    const store = new ConfigStore()
    const seen: Array<string> = []
    const fn = (v: string) => seen.push(v)
    const first = store.watch("hz", fn)
    store.watch("hz", fn)
    first()
    first()
    assert.strictEqual(store.listenerCount("hz"), 1)
    store.set("hz", ["20"])
    assert.deepStrictEqual(seen, ["10", "10", "20"])
  })

  it("liveNumbers records follow CONFIG SET without registering listeners", () => {
    const store = new ConfigStore()
    const limits = liveNumbers({ entries: "hash-max-listpack-entries", value: "hash-max-listpack-value" })
    const record = limits(store)
    const defaults = { entries: store.getNumber("hash-max-listpack-entries"), value: store.getNumber("hash-max-listpack-value") }
    assert.deepStrictEqual({ ...record }, defaults)
    assert.isUndefined(store.set("hash-max-ziplist-entries", ["5"])) // an alias
    assert.strictEqual(limits(store), record)
    assert.deepStrictEqual({ ...record }, { entries: 5, value: defaults.value })
    assert.strictEqual(store.listenerCount(), 0)
    assert.strictEqual(limits(new ConfigStore()).entries, defaults.entries) // one record per store
  })
})

describe("closing a core's scope", () => {
  it.effect("removes the config listeners and keyspace hooks its Layers registered", () =>
    Effect.gen(function*() {
      const store = new ConfigStore()
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        RedisClient.layer.pipe(Layer.provideMerge(CoreLive), Layer.provideMerge(ServerConfig.layerFrom(store))),
        scope
      )
      const keyspace = Context.get(context, Keyspace)
      const redis = Context.get(context, RedisClient)
      // commands whose encodings follow live config limits (hashes, sets, zsets, streams)
      yield* redis.command("HSET", "h", "f", "v")
      yield* redis.command("SADD", "s", "1")
      yield* redis.command("ZADD", "z", "1", "m")
      yield* redis.command("XADD", "x", "*", "f", "v")
      yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "KEA")
      assert.strictEqual(keyspace.notifyFlags & NotifyClass.keyspace, NotifyClass.keyspace)
      assert.strictEqual(store.listenerCount("notify-keyspace-events"), 1)
      assert.isDefined(keyspace.onKeyReady)
      assert.isDefined(keyspace.onBlockedKeys)

      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(store.listenerCount("notify-keyspace-events"), 0)
      assert.isUndefined(keyspace.onKeyReady)
      assert.isUndefined(keyspace.onBlockedKeys)
      assert.strictEqual(store.listenerCount(), 0)
      // the released keyspace no longer follows the store
      assert.isUndefined(store.set("notify-keyspace-events", [""]))
      assert.notStrictEqual(keyspace.notifyFlags, 0)
    }))
})

/**
 * Keyspace events, in-process: the messages `keyspaceEventMessages` renders for an event (channels,
 * payloads, K before E, class filtering), and the events of the tricky cases, spelled out: expiry,
 * lazy and active, on TestClock; "new" and "keymiss"; RENAME, MOVE and COPY; a served blocking pop;
 * a key emptied by a pop. (The differential suites next to this file compare every command with Redis.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Keyspace, type KeyspaceState } from "../../src/keyspace/Keyspace.ts"
import { keyspaceEventsToFlags, NotifyClass } from "../../src/keyspace/notify.ts"
import { keyspaceEventMessages } from "../../src/pubsub/keyspaceEvents.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

describe("keyspaceEventMessages", () => {
  const all = keyspaceEventsToFlags("KEA")

  it("publishes __keyspace@<db>__:<key> with the event, then __keyevent@<db>__:<event> with the key", () => {
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.list, "lpush", "mylist", 0, all), [
      ["__keyspace@0__:mylist", "lpush"],
      ["__keyevent@0__:lpush", "mylist"]
    ])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.generic, "del", "k", 15, all), [
      ["__keyspace@15__:k", "del"],
      ["__keyevent@15__:del", "k"]
    ])
  })

  it("keys are bytes: binary, empty and channel-like keys go out as they are", () => {
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.string, "set", "a\u0000\u00ff\r\n", 1, all), [
      ["__keyspace@1__:a\u0000\u00ff\r\n", "set"],
      ["__keyevent@1__:set", "a\u0000\u00ff\r\n"]
    ])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.string, "set", "", 0, all)[0], ["__keyspace@0__:", "set"])
  })

  it("K alone, E alone", () => {
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.hash, "hset", "h", 2, keyspaceEventsToFlags("Kh")), [["__keyspace@2__:h", "hset"]])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.hash, "hset", "h", 2, keyspaceEventsToFlags("Eh")), [["__keyevent@2__:hset", "h"]])
  })

  it("nothing when the event's class is off, or when neither K nor E is on", () => {
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.set, "sadd", "s", 0, keyspaceEventsToFlags("KEl")), [])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.set, "sadd", "s", 0, keyspaceEventsToFlags("A")), [])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.set, "sadd", "s", 0, 0), [])
    // "A" covers neither new keys nor key misses
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.new, "new", "k", 0, all), [])
    assert.deepStrictEqual(keyspaceEventMessages(NotifyClass.keyMiss, "keymiss", "k", 0, all), [])
    assert.strictEqual(keyspaceEventMessages(NotifyClass.keyMiss, "keymiss", "k", 0, keyspaceEventsToFlags("KEm")).length, 2)
    assert.strictEqual(keyspaceEventMessages(NotifyClass.new, "new", "k", 0, keyspaceEventsToFlags("KEn")).length, 2)
  })
})

const T0 = 1_700_000_000_000

/** Lets forked fibers run up to their next suspension (TestClock never sleeps for real). */
const settle = Effect.yieldNow.pipe(Effect.repeat({ times: 20 }))

/**
 * What a PSUBSCRIBE __key*__:* client would receive from now on, as "channel payload" lines (the
 * keyspace events rendered with the flags of the moment, as pub/sub publishes them).
 */
const subscribe = (keyspace: KeyspaceState) => {
  const messages: Array<string> = []
  keyspace.onNotify((type, event, key, dbid) => {
    for (const [channel, payload] of keyspaceEventMessages(type, event, key, dbid, keyspace.notifyFlags)) {
      messages.push(`${channel} ${payload}`)
    }
  })
  /** The messages since the last call. */
  return () => messages.splice(0)
}

/** Both messages (K then E) of each event: [event, key] pairs in database `db`. */
const published = (db: number, ...events: ReadonlyArray<readonly [string, string]>) =>
  events.flatMap(([event, key]) => [`__keyspace@${db}__:${key} ${event}`, `__keyevent@${db}__:${event} ${key}`])

/** A fresh in-process server on TestClock (at T0) with notify-keyspace-events `flags`. */
const withServer = <A, E, R>(flags: string, body: Effect.Effect<A, E, R>) =>
  Effect.andThen(TestClock.setTime(T0), body.pipe(Effect.provide(embeddedRedis({ "notify-keyspace-events": flags }))))

describe("keyspace events of the tricky cases", () => {
  it.effect("lazy expiry: the lookup publishes 'expired', then a read its 'keymiss', a write its own events", () =>
    withServer(
      "KEAnm",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        keyspace.activeExpireEnabled = false
        const take = subscribe(keyspace)
        yield* redis.command("SET", "r", "v", "PX", "100")
        yield* redis.command("RPUSH", "w", "a")
        yield* redis.command("PEXPIRE", "w", "100")
        assert.deepStrictEqual(take(), published(0, ["new", "r"], ["set", "r"], ["expire", "r"], ["new", "w"], ["rpush", "w"], ["expire", "w"]))
        yield* TestClock.adjust(100)
        assert.strictEqual(yield* redis.command("GET", "r"), "v") // expires when now > the time
        assert.deepStrictEqual(take(), [])
        yield* TestClock.adjust(1)
        assert.isNull(yield* redis.command("GET", "r"))
        assert.deepStrictEqual(take(), published(0, ["expired", "r"], ["keymiss", "r"]))
        assert.strictEqual(yield* redis.command("LPUSH", "w", "b"), 1)
        assert.deepStrictEqual(take(), published(0, ["expired", "w"], ["new", "w"], ["lpush", "w"]))
      })
    ))

  it.effect("active expiry publishes 'expired' alone, in the key's database", () =>
    withServer(
      "KEA",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        const take = subscribe(keyspace)
        yield* redis.command("SELECT", "3")
        yield* redis.command("HSET", "h", "f", "v")
        yield* redis.command("PEXPIRE", "h", "50")
        take()
        yield* TestClock.adjust(51)
        assert.deepStrictEqual(take(), [])
        // the slow cycle runs every 1000/hz = 100 ms
        yield* TestClock.adjust(100)
        assert.deepStrictEqual(take(), published(3, ["expired", "h"]))
        assert.strictEqual(keyspace.dbs[3]!.size, 0)
      })
    ))

  it.effect("'new' when a key is created, 'keymiss' on reads of missing keys; neither is part of A", () =>
    withServer(
      "KEAnm",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        const take = subscribe(keyspace)
        yield* redis.command("GET", "k")
        yield* redis.command("SET", "k", "1")
        yield* redis.command("SET", "k", "2")
        yield* redis.command("MGET", "k", "x", "y")
        yield* redis.command("LPOP", "x") // a write lookup: no keymiss
        yield* redis.command("OBJECT", "ENCODING", "x") // OBJECT never notifies a miss
        assert.deepStrictEqual(take(), published(0, ["keymiss", "k"], ["new", "k"], ["set", "k"], ["set", "k"], ["keymiss", "x"], ["keymiss", "y"]))
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "KEA")
        yield* redis.command("GET", "z")
        yield* redis.command("SET", "z", "1")
        assert.deepStrictEqual(take(), published(0, ["set", "z"]))
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "Em")
        yield* redis.command("GET", "none")
        assert.deepStrictEqual(take(), ["__keyevent@0__:keymiss none"])
      })
    ))

  it.effect("RENAME, MOVE and COPY: from/to events, 'new' for the key created", () =>
    withServer(
      "KEAn",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        yield* redis.command("RPUSH", "a", "1")
        yield* redis.command("SET", "b", "x")
        const take = subscribe(keyspace)
        // the destination is deleted and added again: "new" before the rename events
        yield* redis.command("RENAME", "a", "b")
        assert.deepStrictEqual(take(), published(0, ["new", "b"], ["rename_from", "a"], ["rename_to", "b"]))
        assert.strictEqual(yield* redis.command("RENAME", "b", "b"), "OK")
        assert.deepStrictEqual(take(), [])
        yield* redis.command("MOVE", "b", "1")
        assert.deepStrictEqual(take(), [...published(1, ["new", "b"]), ...published(0, ["move_from", "b"]), ...published(1, ["move_to", "b"])])
        yield* redis.command("COPY", "b", "c", "DB", "1")
        assert.deepStrictEqual(take(), [])
        yield* redis.command("SELECT", "1")
        yield* redis.command("COPY", "b", "c")
        assert.deepStrictEqual(take(), published(1, ["new", "c"], ["copy_to", "c"]))
        yield* redis.command("COPY", "b", "c", "DB", "0", "REPLACE")
        assert.deepStrictEqual(take(), published(0, ["new", "c"], ["copy_to", "c"]))
      })
    ))

  it.effect("a served blocking pop: the push, then the pop, then 'del' for the list it emptied", () =>
    withServer(
      "KEAn",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const waiter = yield* RedisClient.connect
        const pusher = yield* RedisClient.connect
        const take = subscribe(keyspace)
        const blpop = yield* Effect.forkChild(waiter.command("BLPOP", "q", "0"))
        yield* settle
        assert.deepStrictEqual(take(), [])
        yield* pusher.command("RPUSH", "q", "job")
        assert.deepStrictEqual(yield* Fiber.join(blpop), ["q", "job"])
        assert.deepStrictEqual(take(), published(0, ["new", "q"], ["rpush", "q"], ["lpop", "q"], ["del", "q"]))

        const blmove = yield* Effect.forkChild(waiter.command("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"))
        yield* settle
        yield* pusher.command("LPUSH", "src", "a", "b")
        assert.strictEqual(yield* Fiber.join(blmove), "a")
        // as LMOVE: the push to the destination is published before the pop from the source
        assert.deepStrictEqual(take(), published(0, ["new", "src"], ["lpush", "src"], ["new", "dst"], ["lpush", "dst"], ["rpop", "src"]))
      })
    ))

  it.effect("a pop that empties a key publishes its event, then 'del'", () =>
    withServer(
      "KEA",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        yield* redis.command("RPUSH", "l", "a", "b")
        yield* redis.command("SADD", "s", "m")
        yield* redis.command("ZADD", "z", "1", "m")
        yield* redis.command("HSET", "h", "f", "v")
        const take = subscribe(keyspace)
        yield* redis.command("LPOP", "l")
        assert.deepStrictEqual(take(), published(0, ["lpop", "l"]))
        yield* redis.command("RPOP", "l", "5")
        yield* redis.command("SPOP", "s")
        yield* redis.command("ZPOPMIN", "z")
        yield* redis.command("HDEL", "h", "f")
        assert.deepStrictEqual(
          take(),
          published(0, ["rpop", "l"], ["del", "l"], ["spop", "s"], ["del", "s"], ["zpopmin", "z"], ["del", "z"], ["hdel", "h"], ["del", "h"])
        )
      })
    ))

  it.effect("SET with EX: 'set' then 'expire'; EXPIRE with a time in the past: 'del'; GETEX PERSIST: 'persist'", () =>
    withServer(
      "KEA",
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const redis = yield* RedisClient
        const take = subscribe(keyspace)
        yield* redis.command("SET", "k", "v", "EX", "10")
        yield* redis.command("GETEX", "k", "PERSIST")
        yield* redis.command("GETEX", "k", "PERSIST") // no TTL left: nothing
        yield* redis.command("EXPIRE", "k", "-1")
        assert.deepStrictEqual(take(), published(0, ["set", "k"], ["expire", "k"], ["persist", "k"], ["del", "k"]))
      })
    ))
})

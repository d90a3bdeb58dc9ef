/**
 * Expiry driven by TestClock, in-process: exact TTL arithmetic, lazy expiry on access, active expiry
 * reclaiming keys nobody reads, keys deleted by past times, propagation in deterministic form and
 * keyspace events. Each test builds its own server on the test's TestClock, set to a fixed time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { activeExpireCycle, ExpireCycle } from "../../src/keyspace/ActiveExpiry.ts"
import { Keyspace, type KeyspaceState } from "../../src/keyspace/Keyspace.ts"
import { NotifyClass } from "../../src/keyspace/notify.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { Callers, Engine } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { embeddedRedis } from "../support/embedded.ts"

const T0 = 1_700_000_000_000

type Config = Readonly<Record<string, string | ReadonlyArray<string>>>

/**
 * Runs a test against a fresh in-process server whose clock starts at T0. The clock is set before the
 * server starts: moving TestClock runs every sleep on the way, and active expiry sleeps 100 ms at a time.
 */
const withServer = <A, E, R>(body: Effect.Effect<A, E, R>, config: Config = {}) =>
  Effect.andThen(TestClock.setTime(T0), body.pipe(Effect.provide(embeddedRedis(config))))

/** Runs commands in order, returning their replies (errors as their messages). */
const run = (...commands: ReadonlyArray<ReadonlyArray<string>>) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const replies: Array<Reply | string> = []
    for (const c of commands) {
      replies.push(yield* redis.command(...c).pipe(Effect.catchTag("ReplyError", (e) => Effect.succeed(`ERR:${e.message}`))))
    }
    return replies
  })

/** Everything the keyspace propagates and notifies, from now on. */
const record = (keyspace: KeyspaceState) => {
  const propagated: Array<string> = []
  const events: Array<string> = []
  keyspace.notifyFlags = -1
  keyspace.onPropagate((db, argv) => propagated.push(`${db}:${argv.join(" ")}`))
  keyspace.onNotify((type, event, key, db) => events.push(`${db}:${event}:${key}:${type}`))
  return { propagated, events }
}

describe("expiry with TestClock", () => {
  it.effect("EXPIRE counts down exactly; TTL rounds to the nearest second as Redis does", () =>
    withServer(Effect.gen(function*() {
      assert.deepStrictEqual(yield* run(["SET", "k", "v"], ["EXPIRE", "k", "10"], ["TTL", "k"], ["PTTL", "k"]), ["OK", 1, 10, 10_000])
      assert.deepStrictEqual(yield* run(["EXPIRETIME", "k"], ["PEXPIRETIME", "k"]), [(T0 + 10_000) / 1000, T0 + 10_000])
      yield* TestClock.adjust(8_500)
      assert.deepStrictEqual(yield* run(["PTTL", "k"], ["TTL", "k"]), [1_500, 2]) // (1500 + 500) / 1000
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* run(["PTTL", "k"], ["TTL", "k"]), [1_499, 1])
      yield* TestClock.adjust(1_000)
      assert.deepStrictEqual(yield* run(["PTTL", "k"], ["TTL", "k"]), [499, 0])
      yield* TestClock.adjust(499)
      // at the expiry time itself the key is still there (Redis expires when now > when)
      assert.deepStrictEqual(yield* run(["PTTL", "k"], ["TTL", "k"], ["GET", "k"]), [0, 0, "v"])
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* run(["PTTL", "k"], ["TTL", "k"], ["GET", "k"], ["EXISTS", "k"]), [-2, -2, null, 0])
    })))

  it.effect("a clock between two milliseconds counts as the earlier one", () =>
    withServer(Effect.gen(function*() {
      yield* TestClock.adjust("1500 micros")
      assert.deepStrictEqual(
        yield* run(["SET", "k", "v"], ["PEXPIRE", "k", "100"], ["PEXPIRETIME", "k"], ["PTTL", "k"], ["PEXPIREAT", "k", String(T0 + 1)]),
        ["OK", 1, T0 + 101, 100, 1]
      )
      assert.deepStrictEqual(yield* run(["EXISTS", "k"]), [0])
    })))

  it.effect("EXPIRETIME rounds the absolute time to the nearest second", () =>
    withServer(Effect.gen(function*() {
      yield* run(["SET", "k", "v"])
      assert.deepStrictEqual(yield* run(["PEXPIREAT", "k", String(T0 + 100_499)], ["EXPIRETIME", "k"]), [1, (T0 + 100_000) / 1000])
      assert.deepStrictEqual(yield* run(["PEXPIREAT", "k", String(T0 + 100_500)], ["EXPIRETIME", "k"]), [1, (T0 + 101_000) / 1000])
    })))

  it.effect("a relative expiry is taken from the command's time, GT/LT compare absolute times", () =>
    withServer(Effect.gen(function*() {
      yield* run(["SET", "k", "v"], ["EXPIRE", "k", "100"])
      yield* TestClock.adjust(10_000)
      // now + 90 s is the same instant as the current expiry: neither greater nor less
      assert.deepStrictEqual(yield* run(["EXPIRE", "k", "90", "GT"], ["EXPIRE", "k", "90", "LT"]), [0, 0])
      assert.deepStrictEqual(yield* run(["PEXPIRE", "k", "90001", "GT"], ["PTTL", "k"]), [1, 90_001])
      assert.deepStrictEqual(yield* run(["PEXPIRE", "k", "90000", "LT"], ["PTTL", "k"]), [1, 90_000])
      assert.deepStrictEqual(yield* run(["EXPIRE", "k", "5", "NX"], ["EXPIRE", "k", "5", "XX"], ["TTL", "k"]), [0, 1, 5])
    })))

  it.effect("a key expires lazily when read, and not before, with active expiry off", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      const db = keyspace.dbs[0]!
      yield* run(["SET", "k", "v"], ["PEXPIRE", "k", "100"], ["SET", "other", "v"])
      yield* TestClock.adjust(5_000)
      // nobody read it: still in memory, though logically gone
      assert.strictEqual(db.size, 2)
      assert.strictEqual(keyspace.stats.expiredKeys, 0)
      assert.deepStrictEqual(yield* run(["DBSIZE"], ["KEYS", "*"]), [2, ["other"]])
      assert.strictEqual(db.size, 2) // KEYS hides expired keys without deleting them
      assert.deepStrictEqual(yield* run(["GET", "k"]), [null])
      assert.strictEqual(db.size, 1)
      assert.strictEqual(keyspace.stats.expiredKeys, 1)
    }).pipe((body) => withServer(body)))

  it.effect("every kind of access expires the key first", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      const db = keyspace.dbs[0]!
      const accesses: ReadonlyArray<ReadonlyArray<string>> = [
        ["EXISTS", "k"],
        ["TYPE", "k"],
        ["TTL", "k"],
        ["PERSIST", "k"],
        ["EXPIRE", "k", "100"],
        ["RENAME", "k", "n"],
        ["COPY", "k", "n"],
        ["MOVE", "k", "1"],
        ["TOUCH", "k"],
        ["OBJECT", "ENCODING", "k"],
        ["SCAN", "0"],
        ["RANDOMKEY"],
        ["DEL", "k"]
      ]
      for (const access of accesses) {
        yield* run(["SET", "k", "v"], ["PEXPIRE", "k", "10"])
        yield* TestClock.adjust(11)
        assert.strictEqual(db.size, 1, access.join(" "))
        const [reply] = yield* run(access)
        assert.strictEqual(db.size, 0, access.join(" "))
        assert.include([0, -2, "none", null, "ERR:ERR no such key", ["0", []]].map((r) => JSON.stringify(r)), JSON.stringify(reply), access.join(" "))
      }
      assert.strictEqual(keyspace.stats.expiredKeys, accesses.length)
    }).pipe((body) => withServer(body)))

  it.effect("SCAN TYPE none returns a key that expired when the type was looked up, as Redis 7.0 does", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      yield* run(["SET", "k", "v"], ["PEXPIRE", "k", "10"], ["SET", "s", "v"])
      yield* TestClock.adjust(11)
      const [reply] = yield* run(["SCAN", "0", "TYPE", "none"])
      assert.deepStrictEqual(reply, ["0", ["k"]])
      assert.strictEqual(keyspace.dbs[0]!.size, 1)
    }).pipe((body) => withServer(body)))

  it.effect("active expiry reclaims keys nobody touches", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const db = keyspace.dbs[0]!
      const db3 = keyspace.dbs[3]!
      for (let i = 0; i < 2_000; i++) yield* run(["SET", `v${i}`, "x"], ["PEXPIRE", `v${i}`, String(1_000 + (i % 500))])
      for (let i = 0; i < 100; i++) yield* run(["SET", `p${i}`, "x"])
      yield* run(["SELECT", "3"], ["SET", "w", "x"], ["PEXPIRE", "w", "10"], ["SELECT", "0"])
      assert.strictEqual(db.size, 2_100)
      yield* TestClock.adjust(900)
      assert.strictEqual(db.size, 2_100) // nothing has expired yet
      assert.isAbove(db.avgTtl, 0)
      yield* TestClock.adjust(2_000)
      assert.strictEqual(db.size, 100)
      assert.strictEqual(db.expires.size, 0)
      assert.strictEqual(db3.size, 0)
      assert.strictEqual(keyspace.stats.expiredKeys, 2_001)
      assert.strictEqual(db.avgTtl, 0)
    }).pipe((body) => withServer(body)))

  it.effect("DEBUG SET-ACTIVE-EXPIRE's switch stops and resumes active expiry", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const db = keyspace.dbs[0]!
      keyspace.activeExpireEnabled = false
      for (let i = 0; i < 50; i++) yield* run(["SET", `v${i}`, "x"], ["PEXPIRE", `v${i}`, "100"])
      yield* TestClock.adjust(5_000)
      assert.strictEqual(db.size, 50)
      keyspace.activeExpireEnabled = true
      yield* TestClock.adjust(200)
      assert.strictEqual(db.size, 0)
    }).pipe((body) => withServer(body)))

  it.effect("a time in the past deletes the key at once: DEL propagated, 'del' event, not counted as expired", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const { propagated, events } = record(keyspace)
      assert.deepStrictEqual(
        yield* run(["SET", "a", "v"], ["PEXPIREAT", "a", String(T0)], ["EXISTS", "a"], ["SET", "b", "v"], ["EXPIRE", "b", "-1"], ["SET", "c", "v"], ["EXPIREAT", "c", "1"]),
        ["OK", 1, 0, "OK", 1, "OK", 1]
      )
      assert.deepStrictEqual(propagated, ["0:SET a v", "0:DEL a", "0:SET b v", "0:DEL b", "0:SET c v", "0:DEL c"])
      // each SET creates its key (dbAdd's "new"), each past time deletes it; EXISTS misses it
      assert.deepStrictEqual(events.filter((e) => !e.includes(":set:")), [
        `0:new:a:${NotifyClass.new}`,
        `0:del:a:${NotifyClass.generic}`,
        `0:keymiss:a:${NotifyClass.keyMiss}`,
        `0:new:b:${NotifyClass.new}`,
        `0:del:b:${NotifyClass.generic}`,
        `0:new:c:${NotifyClass.new}`,
        `0:del:c:${NotifyClass.generic}`
      ])
      assert.strictEqual(keyspace.stats.expiredKeys, 0)
    }).pipe((body) => withServer(body)))

  it.effect("with lazyfree-lazy-expire, past times and expired keys propagate as UNLINK", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      const { propagated } = record(keyspace)
      yield* run(["SET", "a", "v"], ["PEXPIREAT", "a", "1"], ["SET", "b", "v"], ["PEXPIRE", "b", "10"])
      yield* TestClock.adjust(11)
      yield* run(["GET", "b"])
      assert.deepStrictEqual(propagated.slice(1, 2), ["0:UNLINK a"])
      assert.deepStrictEqual(propagated.at(-1), "0:UNLINK b")
    }).pipe((body) => withServer(body, { "lazyfree-lazy-expire": "yes" })))

  it.effect("relative expiries propagate as PEXPIREAT with the absolute time; PEXPIREAT as sent", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const { propagated } = record(keyspace)
      yield* run(
        ["SET", "k", "v"],
        ["EXPIRE", "k", "10"],
        ["pexpire", "k", "2500", "xx"],
        ["EXPIREAT", "k", String(T0 / 1000 + 60), "GT"],
        ["pexpireat", "k", String(T0 + 70_000)],
        ["EXPIRE", "k", "5", "NX"], // fails: not propagated
        ["PERSIST", "k"],
        ["PERSIST", "k"], // no TTL left: not propagated
        ["EXPIRE", "nokey", "5"],
        ["TTL", "k"]
      )
      assert.deepStrictEqual(propagated, [
        "0:SET k v",
        `0:PEXPIREAT k ${T0 + 10_000}`,
        `0:PEXPIREAT k ${T0 + 2_500} xx`,
        `0:PEXPIREAT k ${T0 + 60_000} GT`,
        `0:pexpireat k ${T0 + 70_000}`,
        "0:PERSIST k"
      ])
    }).pipe((body) => withServer(body)))

  it.effect("an expired key read lazily or reclaimed actively propagates as DEL, with an 'expired' event", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      const { propagated, events } = record(keyspace)
      yield* run(["SET", "lazy", "v"], ["PEXPIRE", "lazy", "10"], ["SET", "active", "v"], ["PEXPIRE", "active", "10"])
      propagated.length = 0
      events.length = 0
      yield* TestClock.adjust(11)
      assert.deepStrictEqual(yield* run(["GET", "lazy"]), [null])
      assert.deepStrictEqual(propagated, ["0:DEL lazy"])
      keyspace.activeExpireEnabled = true
      yield* TestClock.adjust(100)
      assert.deepStrictEqual(propagated, ["0:DEL lazy", "0:DEL active"])
      // the read that expired the key then misses it
      assert.deepStrictEqual(events, [
        `0:expired:lazy:${NotifyClass.expired}`,
        `0:keymiss:lazy:${NotifyClass.keyMiss}`,
        `0:expired:active:${NotifyClass.expired}`
      ])
    }).pipe((body) => withServer(body)))

  it.effect("keyspace events of the key commands", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      yield* run(["SET", "a", "1"], ["SET", "b", "2"])
      const { propagated, events } = record(keyspace)
      yield* run(
        ["EXPIRE", "a", "100"],
        ["PERSIST", "a"],
        ["RENAME", "a", "c"],
        ["RENAMENX", "c", "b"], // fails: no event
        ["COPY", "c", "d", "DB", "2"],
        ["MOVE", "c", "1"],
        ["DEL", "b", "nokey"],
        ["UNLINK", "nokey"]
      )
      const g = NotifyClass.generic
      const n = NotifyClass.new
      // as Redis 7.0 sends them (checked with a __keyevent@*__ subscriber): dbAdd's "new" comes first
      assert.deepStrictEqual(events, [
        `0:expire:a:${g}`,
        `0:persist:a:${g}`,
        `0:new:c:${n}`,
        `0:rename_from:a:${g}`,
        `0:rename_to:c:${g}`,
        `2:new:d:${n}`,
        `2:copy_to:d:${g}`,
        `1:new:c:${n}`,
        `0:move_from:c:${g}`,
        `1:move_to:c:${g}`,
        `0:del:b:${g}`
      ])
      assert.deepStrictEqual(propagated.slice(2), ["0:RENAME a c", "0:COPY c d DB 2", "0:MOVE c 1", "0:DEL b nokey"])
    }).pipe((body) => withServer(body)))

  it.effect("EXPIRE on a watched key aborts the watcher's transaction", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const other = yield* RedisClient.connect
      yield* redis.command("SET", "w", "v")
      yield* redis.command("WATCH", "w")
      yield* other.command("EXPIRE", "w", "100")
      yield* redis.command("MULTI")
      yield* redis.command("GET", "w")
      assert.strictEqual(yield* redis.command("EXEC"), null)
      // an EXPIRE that changes nothing does not
      yield* redis.command("WATCH", "w")
      yield* other.command("EXPIRE", "w", "100", "NX")
      yield* redis.command("MULTI")
      yield* redis.command("GET", "w")
      assert.deepStrictEqual(yield* redis.command("EXEC"), ["v"])
    }).pipe((body) => withServer(body)))

  it.effect("OBJECT IDLETIME follows reads and writes, not metadata lookups", () =>
    withServer(Effect.gen(function*() {
      yield* run(["SET", "k", "v"])
      yield* TestClock.adjust(10_000)
      assert.deepStrictEqual(yield* run(["OBJECT", "IDLETIME", "k"]), [10])
      yield* run(["EXISTS", "k"], ["TYPE", "k"], ["TTL", "k"], ["OBJECT", "ENCODING", "k"], ["SCAN", "0"], ["KEYS", "*"])
      assert.deepStrictEqual(yield* run(["OBJECT", "IDLETIME", "k"]), [10])
      // RENAME and MOVE look the key up for writing, which counts as an access
      yield* run(["RENAME", "k", "r"], ["MOVE", "r", "1"], ["SELECT", "1"])
      assert.deepStrictEqual(yield* run(["OBJECT", "IDLETIME", "r"]), [0])
      yield* TestClock.adjust(4_000)
      // COPY reads the source, and the copy is a new object
      assert.deepStrictEqual(
        yield* run(["OBJECT", "IDLETIME", "r"], ["COPY", "r", "c"], ["OBJECT", "IDLETIME", "r"], ["OBJECT", "IDLETIME", "c"]),
        [4, 1, 0, 0]
      )
      yield* TestClock.adjust(3_000)
      assert.deepStrictEqual(yield* run(["TOUCH", "r", "nokey"], ["OBJECT", "IDLETIME", "r"], ["OBJECT", "IDLETIME", "c"]), [1, 0, 3])
      assert.deepStrictEqual(yield* run(["GET", "c"], ["OBJECT", "IDLETIME", "c"]), ["v", 0])
    })))

  it.effect("on a replica, past times set the expiry instead of deleting, and expired keys read as missing", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      keyspace.activeExpireEnabled = false
      yield* run(["SET", "k", "v"], ["SET", "j", "v"])
      keyspace.isReplica = true
      // writes come from the master's link; a client of the replica may not write
      const engine = yield* Engine
      const master = engine.createInternalClient("master")
      const fromMaster = (...argv: ReadonlyArray<string>) => engine.dispatch(master, argv, Callers.master)
      assert.strictEqual(fromMaster("PEXPIREAT", "k", String(T0 - 5)), undefined)
      assert.deepStrictEqual(yield* run(["EXISTS", "k"], ["TTL", "k"], ["DEL", "j"]), [0, -2, "ERR:READONLY You can't write against a read only replica."])
      assert.strictEqual(keyspace.dbs[0]!.size, 2)
      // the master's DEL removes it, and counts it
      assert.strictEqual(fromMaster("DEL", "k"), undefined)
      assert.strictEqual(keyspace.dbs[0]!.size, 1)
      assert.strictEqual(keyspace.stats.expiredKeys, 0)
    }).pipe((body) => withServer(body)))

  it.effect("expiry times beyond 2^53 ms are kept exactly and move with the key", () =>
    withServer(Effect.gen(function*() {
      const max = "9223372036854775807"
      yield* run(["SET", "k", "v"], ["PEXPIREAT", "k", max])
      assert.deepStrictEqual(yield* run(["PEXPIRETIME", "k"]), [BigInt(max)])
      assert.deepStrictEqual(yield* run(["PTTL", "k"]), [BigInt(max) - BigInt(T0)])
      assert.deepStrictEqual(yield* run(["TTL", "k"]), [(BigInt(max) - BigInt(T0) + 500n) / 1000n])
      assert.deepStrictEqual(yield* run(["PEXPIREAT", "k", "9223372036854775806", "GT"], ["PEXPIREAT", "k", "9223372036854775806", "LT"]), [0, 1])
      yield* run(["RENAME", "k", "r"], ["COPY", "r", "c"], ["MOVE", "c", "1"], ["SELECT", "1"])
      assert.deepStrictEqual(yield* run(["PEXPIRETIME", "c"]), [9223372036854775806n])
      assert.deepStrictEqual(yield* run(["SELECT", "0"], ["PEXPIRETIME", "r"]), ["OK", 9223372036854775806n])
    })))
})

describe("activeExpireCycle", () => {
  /** A keyspace with `expired` keys past their time and `live` keys with a TTL, in database `db`. */
  const fill = (keyspace: KeyspaceState, db: number, expired: number, live: number) => {
    const d = keyspace.dbs[db]!
    for (let i = 0; i < expired; i++) {
      d.add(`e${i}`, "x")
      d.setExpire(`e${i}`, keyspace.now - 1)
    }
    for (let i = 0; i < live; i++) {
      d.add(`l${i}`, "x")
      d.setExpire(`l${i}`, keyspace.now + 60_000)
    }
  }

  it.effect("samples 20 keys and stops when at most 10% of them were stale", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const cycle = new ExpireCycle(keyspace)
      keyspace.activeExpireEnabled = false
      fill(keyspace, 0, 0, 1_000)
      fill(keyspace, 0, 2, 0) // sampled after the live keys
      assert.strictEqual(activeExpireCycle(cycle, 10), 0)
      assert.strictEqual(keyspace.dbs[0]!.avgTtl, Math.trunc(60_000 / 50) * 49 + Math.trunc(60_000 / 50))
    }).pipe((body) => withServer(body)))

  it.effect("keeps sampling a database while more than 10% of a sample was stale", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const cycle = new ExpireCycle(keyspace)
      keyspace.activeExpireEnabled = false
      fill(keyspace, 5, 300, 0)
      fill(keyspace, 5, 0, 30)
      const expired = activeExpireCycle(cycle, 10)
      assert.strictEqual(expired, 300)
      assert.strictEqual(keyspace.dbs[5]!.size, 30)
      assert.isAbove(keyspace.stats.expiredStalePerc, 0)
    }).pipe((body) => withServer(body)))

  it.effect("stops at its time budget and resumes on the next cycle", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const cycle = new ExpireCycle(keyspace)
      keyspace.activeExpireEnabled = false
      fill(keyspace, 0, 200_000, 0)
      // hz 500: a budget of 0.5 ms, far less than deleting 200k keys takes
      const first = activeExpireCycle(cycle, 500)
      assert.isBelow(first, 200_000)
      assert.isAtLeast(keyspace.stats.expiredTimeCapReached, 1)
      let total = first
      for (let cycles = 0; cycles < 100_000 && total < 200_000; cycles++) total += activeExpireCycle(cycle, 500)
      assert.strictEqual(total, 200_000)
      assert.strictEqual(keyspace.dbs[0]!.size, 0)
    }).pipe((body) => withServer(body)))

  it.effect("a fast cycle runs only after a cycle that ran out of time", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const cycle = new ExpireCycle(keyspace)
      keyspace.activeExpireEnabled = false
      fill(keyspace, 0, 100_000, 0)
      assert.strictEqual(activeExpireCycle(cycle, 10, 1, "fast"), 0)
      assert.strictEqual(keyspace.dbs[0]!.size, 100_000)
      assert.isBelow(activeExpireCycle(cycle, 500), 100_000)
      assert.isAbove(activeExpireCycle(cycle, 10, 1, "fast"), 0)
    }).pipe((body) => withServer(body)))

  it.effect("visits every database, resuming after the last one visited", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const cycle = new ExpireCycle(keyspace)
      keyspace.activeExpireEnabled = false
      for (let db = 0; db < 16; db++) fill(keyspace, db, 3, 0)
      assert.strictEqual(activeExpireCycle(cycle, 10), 48)
      for (const db of keyspace.dbs) assert.strictEqual(db.size, 0)
    }).pipe((body) => withServer(body)))

  it.effect("does nothing on a replica (the master's DELs expire keys there)", () =>
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      fill(keyspace, 0, 10, 0)
      keyspace.isReplica = true
      yield* TestClock.adjust(1_000)
      assert.strictEqual(keyspace.dbs[0]!.size, 10)
    }).pipe((body) => withServer(body)))
})

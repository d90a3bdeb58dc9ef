/**
 * Keyspace snapshots (Snapshot.ts): what a snapshot yields is the keyspace at the instant it was
 * taken, whatever changes come after, through every write path; and writes made while no snapshot
 * is live keep no copies.
 */
import { assert, describe, it } from "@effect/vitest"
import { activeExpireCycle, ExpireCycle } from "../../src/keyspace/ActiveExpiry.ts"
import { HashValue } from "../../src/keyspace/HashValue.ts"
import { ListValue } from "../../src/keyspace/ListValue.ts"
import { SetValue } from "../../src/keyspace/SetValue.ts"
import type { KeyspaceSnapshot } from "../../src/keyspace/Snapshot.ts"
import { StreamValue } from "../../src/keyspace/StreamValue.ts"
import { ZSetValue } from "../../src/keyspace/ZSetValue.ts"
import { type Driver, T0, withDriver } from "./snapshot-support.ts"

const DBS = 3

/** Walks the whole snapshot, dumping each entry as it is yielded. */
const drain = (driver: Driver, snapshot: KeyspaceSnapshot): Map<string, string> => {
  const out = new Map<string, string>()
  for (let entry = snapshot.next(); entry !== undefined; entry = snapshot.next()) {
    const [k, v] = driver.dumpEntry(entry)
    assert.isFalse(out.has(k), `${k} yielded twice`)
    out.set(k, v)
  }
  return out
}

/** Takes a snapshot, runs `writes`, and checks the snapshot equals the keyspace before them. */
const checkUnchanged = (driver: Driver, writes: ReadonlyArray<ReadonlyArray<string>>, step = 0): void => {
  const before = driver.dumpKeyspace(DBS)
  const snapshot = driver.keyspace.snapshot()
  const yielded = new Map<string, string>()
  // optionally walk part of it first
  for (let i = 0; i < step; i++) {
    const entry = snapshot.next()
    if (entry === undefined) break
    const [k, v] = driver.dumpEntry(entry)
    yielded.set(k, v)
  }
  for (const argv of writes) {
    const reply = driver.call(...argv)
    assert.isFalse(typeof reply === "string" && reply.startsWith("ERR:"), `${argv.join(" ")}: ${String(reply)}`)
  }
  for (const [k, v] of drain(driver, snapshot)) yielded.set(k, v)
  snapshot.release()
  assert.deepStrictEqual(yielded, before)
  for (const db of driver.keyspace.dbs) assert.isUndefined(db.cow)
}

const streamWithGroup = (driver: Driver): void => {
  for (let i = 0; i < 4; i++) driver.call("XADD", "s", `1-${i + 1}`, "f", `v${i}`)
  driver.call("XGROUP", "CREATE", "s", "g", "0")
  driver.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
}

describe("keyspace snapshots", () => {
  it.effect("yields every key with its value and exact expiry, and nothing added later", () =>
    withDriver((driver) => {
      driver.call("SET", "str", "hello")
      driver.call("RPUSH", "list", "a", "b")
      driver.call("HSET", "hash", "f", "v")
      driver.call("SADD", "set", "m")
      driver.call("ZADD", "zset", "1", "m")
      driver.call("XADD", "stream", "1-1", "f", "v")
      driver.call("PEXPIREAT", "str", String(T0 + 5000))
      driver.call("PEXPIREAT", "list", "1152921504606846977") // beyond 2^53: kept exactly
      driver.call("SELECT", "2")
      driver.call("SET", "other", "x")
      const before = driver.dumpKeyspace(DBS)
      const snapshot = driver.keyspace.snapshot()
      driver.call("SET", "late", "y")
      driver.call("SELECT", "0")
      driver.call("SET", "late", "y")
      const yielded = drain(driver, snapshot)
      snapshot.release()
      assert.deepStrictEqual(yielded, before)
      assert.strictEqual(yielded.size, 7)
      assert.include(yielded.get("0:list")!, "expire=1152921504606846977")
    }))

  it.effect("strings changed in place: APPEND, SETRANGE, INCR, INCRBYFLOAT, SET, GETSET, GETDEL, SETBIT-free paths", () =>
    withDriver((driver) => {
      for (const k of ["a", "b", "c", "d", "e", "f", "g"]) driver.call("SET", k, "10")
      checkUnchanged(driver, [
        ["APPEND", "a", "xyz"],
        ["SETRANGE", "b", "1", "zz"],
        ["INCR", "c"],
        ["INCRBYFLOAT", "d", "1.5"],
        ["SET", "e", "new", "KEEPTTL"],
        ["GETSET", "f", "new"],
        ["GETDEL", "g"],
        ["MSET", "a", "1", "h", "2"]
      ])
    }))

  it.effect("GETEX changes the TTL after a read lookup", () =>
    withDriver((driver) => {
      driver.call("SET", "a", "1")
      driver.call("SET", "b", "2", "PX", "100000")
      checkUnchanged(driver, [["GETEX", "a", "PX", "5000"], ["GETEX", "b", "PERSIST"]])
    }))

  it.effect("a key deleted before the snapshot and added again after it is not in the snapshot", () =>
    withDriver((driver) => {
      driver.call("SET", "k", "old")
      driver.call("SET", "other", "x")
      driver.call("DEL", "k") // leaves a stale slot of k inside the snapshot's range
      checkUnchanged(driver, [["RPUSH", "k", "new"]])
    }))

  it.effect("a database empty at the snapshot's instant yields nothing, even a key it had before", () =>
    withDriver((driver) => {
      driver.call("SET", "k", "old")
      driver.call("DEL", "k") // the slot of k goes stale; the database is empty
      checkUnchanged(driver, [["RPUSH", "k", "new"]])
    }))

  it.effect("keys added during a snapshot are remembered as absent only when a stale slot could name them", () =>
    withDriver((driver) => {
      driver.call("SET", "k", "v")
      const clean = driver.keyspace.snapshot()
      for (let i = 0; i < 50; i++) driver.call("SET", `new${i}`, "v")
      assert.strictEqual(driver.keyspace.dbs[0]!.cow!.views[0]!.kept.size, 0)
      clean.release()
      driver.call("DEL", "new0") // a stale slot
      const stale = driver.keyspace.snapshot()
      for (let i = 0; i < 50; i++) driver.call("SET", `other${i}`, "v")
      assert.strictEqual(driver.keyspace.dbs[0]!.cow!.views[0]!.kept.size, 50)
      stale.release()
    }))

  it.effect("every Database primitive keeps the state first, whatever lookup the caller made", () =>
    withDriver((driver) => {
      for (const k of ["a", "b", "c", "d"]) driver.call("SET", k, k, "PX", "100000")
      driver.call("RPUSH", "l", "x")
      const db = driver.keyspace.dbs[0]!
      const before = driver.dumpKeyspace(DBS)
      const snapshot = driver.keyspace.snapshot()
      db.replace("a", "replaced")
      db.set("b", "set", true)
      db.setExpire("c", T0 + 1)
      db.persist("d")
      db.replace("l", "now a string")
      const yielded = drain(driver, snapshot)
      snapshot.release()
      assert.deepStrictEqual(yielded, before)
    }))

  it.effect("aggregates changed in place keep their value as of the snapshot", () =>
    withDriver((driver) => {
      driver.call("RPUSH", "list", "a", "b", "c")
      driver.call("HSET", "hash", "f", "v", "g", "w")
      driver.call("SADD", "set", "1", "2", "3")
      driver.call("ZADD", "zset", "1", "a", "2", "b")
      driver.call("XADD", "stream", "1-1", "f", "v")
      checkUnchanged(driver, [
        ["LPUSH", "list", "z"],
        ["LSET", "list", "1", "q"],
        ["HSET", "hash", "f", "changed"],
        ["HDEL", "hash", "g"],
        ["SADD", "set", "x"],
        ["SPOP", "set"],
        ["ZINCRBY", "zset", "5", "a"],
        ["ZPOPMIN", "zset"],
        ["XADD", "stream", "2-1", "f", "v"],
        ["XTRIM", "stream", "MAXLEN", "0"]
      ])
    }))

  it.effect("keys deleted, renamed, moved, copied over, or given a TTL still appear as they were", () =>
    withDriver((driver) => {
      driver.call("RPUSH", "l1", "a")
      driver.call("RPUSH", "l2", "b")
      driver.call("HSET", "h", "f", "v")
      driver.call("SET", "s", "x", "PX", "100000")
      driver.call("SET", "t", "y")
      driver.call("SADD", "moved", "m")
      driver.call("SET", "exp", "z")
      checkUnchanged(driver, [
        ["DEL", "l1"],
        ["RENAME", "l2", "h"], // overwrites h; l2 goes
        ["RPUSH", "h", "after-rename"], // the moved list changes under its new name
        ["PERSIST", "s"],
        ["EXPIRE", "t", "100"],
        ["PEXPIREAT", "exp", "1152921504606846977"],
        ["MOVE", "moved", "1"],
        ["SELECT", "1"],
        ["SADD", "moved", "changed-after-move"],
        ["COPY", "moved", "t", "DB", "0", "REPLACE"],
        ["SELECT", "0"],
        ["SADD", "t", "changed-after-copy"]
      ])
    }))

  it.effect("FLUSHDB, FLUSHALL and SWAPDB leave the snapshot's databases as they were", () =>
    withDriver((driver) => {
      driver.call("RPUSH", "a", "1", "2")
      driver.call("SELECT", "1")
      driver.call("HSET", "b", "f", "v")
      driver.call("SELECT", "0")
      checkUnchanged(driver, [
        ["SWAPDB", "0", "1"],
        ["HSET", "b", "f", "changed in db 0 now"], // db 1's contents, now db 0
        ["SELECT", "1"],
        ["RPUSH", "a", "3"], // db 0's contents, now db 1
        ["FLUSHDB"],
        ["RPUSH", "a", "new"],
        ["FLUSHALL"],
        ["SET", "b", "new"]
      ], 1)
    }))

  it.effect("keys removed by lazy and active expiry appear with their value", () =>
    withDriver((driver) => {
      for (let i = 0; i < 30; i++) driver.call("SET", `k${i}`, "v", "PX", "10")
      driver.call("RPUSH", "lazy", "a")
      driver.call("PEXPIRE", "lazy", "10")
      const before = driver.dumpKeyspace(DBS)
      const snapshot = driver.keyspace.snapshot()
      driver.keyspace.setTime(T0 + 100)
      assert.isNull(driver.call("LPOP", "lazy")) // lazy expiry deletes it
      activeExpireCycle(new ExpireCycle(driver.keyspace), 10)
      assert.isBelow(driver.keyspace.dbs[0]!.size, 30)
      const yielded = drain(driver, snapshot)
      snapshot.release()
      assert.deepStrictEqual(yielded, before)
    }))

  it.effect("several snapshots at once each see their own instant", () =>
    withDriver((driver) => {
      driver.call("RPUSH", "l", "a")
      driver.call("SET", "s", "1")
      const first = driver.dumpKeyspace(DBS)
      const s1 = driver.keyspace.snapshot()
      driver.call("RPUSH", "l", "b")
      driver.call("SET", "n", "new")
      const second = driver.dumpKeyspace(DBS)
      const s2 = driver.keyspace.snapshot()
      driver.call("RPUSH", "l", "c")
      driver.call("DEL", "s", "n")
      const y2 = drain(driver, s2)
      driver.call("RPUSH", "l", "d")
      const y1 = drain(driver, s1)
      s1.release()
      s2.release()
      assert.deepStrictEqual(y1, first)
      assert.deepStrictEqual(y2, second)
      assert.strictEqual(driver.keyspace.snapshots.size, 0)
    }))

  it.effect("without a live snapshot, writes clone nothing and keep nothing", () =>
    withDriver((driver) => {
      type Cloning = { clone(): unknown }
      const prototypes: Array<Cloning> = [ListValue, HashValue, SetValue, ZSetValue, StreamValue].map((c) => c.prototype)
      const originals = prototypes.map((p) => p.clone)
      let clones = 0
      prototypes.forEach((p, i) => {
        p.clone = function(this: Cloning) {
          clones++
          return originals[i]!.call(this)
        }
      })
      try {
        const writes = (): void => {
          driver.call("RPUSH", "l", "a")
          driver.call("HSET", "h", "f", String(clones))
          driver.call("SADD", "s", String(clones))
          driver.call("ZADD", "z", "1", String(clones))
          driver.call("XADD", "x", "*", "f", "v")
          driver.call("EXPIRE", "l", "100")
          driver.call("RENAME", "h", "h2")
          driver.call("RENAME", "h2", "h")
        }
        writes()
        // a live snapshot does clone on first change: the counter works
        const snapshot = driver.keyspace.snapshot()
        writes()
        assert.isAbove(clones, 0)
        snapshot.release()
        for (const db of driver.keyspace.dbs) assert.isUndefined(db.cow)
        clones = 0
        writes()
        driver.call("SELECT", "1")
        writes()
        assert.strictEqual(clones, 0)
        // a snapshot walked to its end stops guarding the databases before it is released
        const walked = driver.keyspace.snapshot()
        while (walked.next() !== undefined) { /* walk */ }
        for (const db of driver.keyspace.dbs) assert.isUndefined(db.cow)
        writes()
        assert.strictEqual(clones, 0)
        walked.release()
      } finally {
        prototypes.forEach((p, i) => {
          p.clone = originals[i]!
        })
      }
    }))
})

describe("consumer-group changes go through the write path", () => {
  it.effect("XREADGROUP delivering new entries (PEL, last-delivered-id, entries-read, new consumer)", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      checkUnchanged(driver, [["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"]])
    }))

  it.effect("XREADGROUP reading a consumer's history (delivery time and count)", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      driver.keyspace.setTime(T0 + 1000)
      checkUnchanged(driver, [["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"]])
    }))

  it.effect("XACK", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      checkUnchanged(driver, [["XACK", "s", "g", "1-1"]])
    }))

  it.effect("XCLAIM", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      checkUnchanged(driver, [["XCLAIM", "s", "g", "bob", "0", "1-2"]])
    }))

  it.effect("XCLAIM with LASTID only (the group's last ID moves)", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      checkUnchanged(driver, [["XCLAIM", "s", "g", "bob", "0", "9-9", "LASTID", "5-0"]])
    }))

  it.effect("XAUTOCLAIM", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      driver.keyspace.setTime(T0 + 1000)
      checkUnchanged(driver, [["XAUTOCLAIM", "s", "g", "bob", "0", "0"]])
    }))

  it.effect("XGROUP SETID, CREATECONSUMER, DELCONSUMER, DESTROY and XSETID", () =>
    withDriver((driver) => {
      streamWithGroup(driver)
      checkUnchanged(driver, [["XGROUP", "SETID", "s", "g", "0"]])
      checkUnchanged(driver, [["XGROUP", "CREATECONSUMER", "s", "g", "carol"]])
      checkUnchanged(driver, [["XGROUP", "DELCONSUMER", "s", "g", "alice"]])
      checkUnchanged(driver, [["XSETID", "s", "99-0"]])
      checkUnchanged(driver, [["XGROUP", "DESTROY", "s", "g"]])
    }))
})

/**
 * What the snapshot tests share: a synchronous driver over an in-process engine (time set by hand),
 * and a dump of keys through the read commands (TYPE, GET, LRANGE, HGETALL, SMEMBERS, ZRANGE, XINFO
 * STREAM FULL, PEXPIRETIME), independent of the snapshot code, so what a snapshot yields can be
 * compared with the keyspace as it was.
 */
import { TestClock } from "effect/testing"
import type { SnapshotEntry } from "../../src/keyspace/Snapshot.ts"
import type { Value } from "../../src/keyspace/Value.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { SyncDriver, withSyncDriver } from "../support/driver.ts"

export const T0 = 1_700_000_000_000
/** The database the dump borrows to read a value a snapshot yielded (the tests never write to it). */
const SCRATCH_DB = 15

export class Driver extends SyncDriver {
  /** Runs `f` at time 0, so that reading keys expires none of them, and restores time and database. */
  private frozen<A>(f: () => A): A {
    const now = this.keyspace.now
    const db = this.db
    this.keyspace.setTime(0)
    try {
      return f()
    } finally {
      this.call("SELECT", String(db))
      this.keyspace.setTime(now)
    }
  }

  /** The value of `key` in the current database, read through the commands of its type. */
  private dumpValue(key: string): string {
    const type = this.call("TYPE", key)
    let content: Reply
    switch (type) {
      case "string":
        content = this.call("GET", key)
        break
      case "list":
        content = this.call("LRANGE", key, "0", "-1")
        break
      case "hash":
        content = pairs(this.call("HGETALL", key))
        break
      case "set":
        content = [...(this.call("SMEMBERS", key) as Array<string>)].sort()
        break
      case "zset":
        content = this.call("ZRANGE", key, "0", "-1", "WITHSCORES")
        break
      case "stream":
        content = this.call("XINFO", "STREAM", key, "FULL", "COUNT", "0")
        break
      default:
        throw new Error(`TYPE ${key} replied ${String(type)}`)
    }
    return stringify([type, content])
  }

  /** Every key of databases [0, dbs) with its value and exact expiry, as the keyspace holds them now. */
  dumpKeyspace(dbs: number): Map<string, string> {
    return this.frozen(() => {
      const out = new Map<string, string>()
      for (let db = 0; db < dbs; db++) {
        this.call("SELECT", String(db))
        for (const key of this.call("KEYS", "*") as Array<string>) {
          out.set(`${db}:${key}`, `${this.dumpValue(key)} expire=${String(this.call("PEXPIRETIME", key))}`)
        }
      }
      return out
    })
  }

  /** A yielded entry in the dump's form: its value put in a scratch database and read back by commands. */
  dumpEntry(entry: SnapshotEntry): readonly [string, string] {
    return this.frozen(() => {
      const scratch = this.keyspace.dbs[SCRATCH_DB]!
      const copy: Value = typeof entry.value === "string" ? entry.value : entry.value.clone()
      scratch.add("x", copy)
      this.call("SELECT", String(SCRATCH_DB))
      const dumped = this.dumpValue("x")
      scratch.delete("x")
      return [`${entry.db}:${entry.key}`, `${dumped} expire=${String(entry.expireAt)}`]
    })
  }
}

const pairs = (reply: Reply): Reply => {
  const flat = reply as Array<string>
  const out: Array<string> = []
  for (let i = 0; i < flat.length; i += 2) out.push(`${flat[i]}=${flat[i + 1]}`)
  return out.sort()
}

const stringify = (x: unknown): string =>
  JSON.stringify(x, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Map ? [...v] : v))

/** Runs `f` with a driver over a fresh in-process server whose TestClock stays put (no background expiry). */
export const withDriver = (f: (driver: Driver) => void) =>
  withSyncDriver((engine, keyspace) => new Driver(engine, keyspace), T0, f)

/**
 * WATCH bookkeeping in the keyspace (Redis 7.0's touchWatchedKey / touchAllWatchedKeysInDb): which
 * changes make a watching client dirty, and the `expired` flag of a key that was already expired when
 * watched. The same cases against a real redis-server are in test/commands/transactions.test.ts.
 */
import { describe, expect, it } from "vitest"
import { type Database, unwatchAllKeys, type WatchedKey, type WatchingClient } from "../../src/keyspace/Database.ts"
import { KeyspaceState } from "../../src/keyspace/Keyspace.ts"

const NOW = 1_000_000

const setup = () => {
  const keyspace = new KeyspaceState(3)
  keyspace.setTime(NOW)
  const [db0, db1] = [keyspace.dbs[0]!, keyspace.dbs[1]!]
  const live = (db: Database, key: string) => db.add(key, "v")
  const stale = (db: Database, key: string) => {
    db.add(key, "old")
    db.setExpire(key, NOW - 1)
  }
  const watch = (db: Database, key: string): WatchingClient => {
    const client: WatchingClient = { watched: [], dirtyCas: false }
    const watched: WatchedKey = { db, key, client, expired: db.isLogicallyExpired(key) }
    client.watched.push(watched)
    db.watch(watched)
    return client
  }
  return { keyspace, db0, db1, live, stale, watch }
}

describe("WATCH in the keyspace", () => {
  it("a write to a watched key makes its watchers dirty and unwatches all their keys", () => {
    const { db0, live, watch } = setup()
    const a = watch(db0, "x")
    const b = watch(db0, "x")
    live(db0, "x")
    db0.touch("x")
    expect([a.dirtyCas, b.dirtyCas]).toEqual([true, true])
    expect(a.watched).toEqual([])
    expect(db0.watched.size).toBe(0)
  })

  it("a key expired when watched: its deletion only clears the flag; a later write is a change", () => {
    const { db0, stale, watch, keyspace } = setup()
    stale(db0, "x")
    const client = watch(db0, "x")
    expect(client.watched[0]!.expired).toBe(true)
    keyspace.expireKey(db0, "x") // lazy expiry: deletes, then touches
    expect(client.dirtyCas).toBe(false)
    expect(client.watched[0]!.expired).toBe(false)
    db0.add("x", "new")
    db0.touch("x")
    expect(client.dirtyCas).toBe(true)
  })

  it("a watcher of an expired key still in the dictionary stops the touch there, as Redis 7.0 does", () => {
    // Reachable in Redis when expiry is held (a replica applying its master's writes): its `break`
    // leaves this watcher and the ones after it clean.
    const { db0, stale, watch } = setup()
    stale(db0, "x")
    const first = watch(db0, "x")
    const second = watch(db0, "x")
    second.watched[0]!.expired = false
    db0.touch("x")
    expect([first.dirtyCas, second.dirtyCas]).toEqual([false, false])
  })

  it("FLUSHALL/FLUSHDB change only watched keys that exist; an expired one is no change", () => {
    const { keyspace, db0, db1, live, stale, watch } = setup()
    live(db0, "other")
    const missing = watch(db0, "x")
    const existing = watch(db0, "y")
    const expired = watch(db1, "z")
    live(db0, "y")
    stale(db1, "z")
    const expiredAtWatch = watch(db1, "z")
    keyspace.flushAll()
    expect(missing.dirtyCas).toBe(false)
    expect(existing.dirtyCas).toBe(true)
    // z was missing when `expired` watched it: it now exists (expired) and goes, a change
    expect(expired.dirtyCas).toBe(true)
    expect(expiredAtWatch.dirtyCas).toBe(false)
    expect(expiredAtWatch.watched[0]!.expired).toBe(false)
  })

  it("SWAPDB: a key in either database is a change, except between expired and missing or expired", () => {
    const cases: ReadonlyArray<{ here?: "live" | "stale"; there?: "live" | "stale"; dirty: boolean; expired?: boolean }> = [
      { dirty: false },
      { here: "live", dirty: true },
      { there: "live", dirty: true },
      { here: "stale", dirty: false, expired: false },
      { there: "stale", dirty: false, expired: true },
      { here: "stale", there: "stale", dirty: false, expired: true },
      { here: "stale", there: "live", dirty: true },
      { here: "live", there: "stale", dirty: true },
      { here: "live", there: "live", dirty: true }
    ]
    for (const c of cases) {
      const { keyspace, db0, db1, live, stale, watch } = setup()
      if (c.here !== undefined) (c.here === "live" ? live : stale)(db0, "x")
      if (c.there !== undefined) (c.there === "live" ? live : stale)(db1, "x")
      const client = watch(db0, "x")
      keyspace.swap(0, 1)
      expect({ ...c, dirty: client.dirtyCas }).toEqual({ ...c, dirty: c.dirty })
      if (c.expired !== undefined) expect(client.watched[0]!.expired).toBe(c.expired)
    }
  })

  it("SWAPDB of a database with itself changes nothing", () => {
    const { keyspace, db0, live, watch } = setup()
    live(db0, "x")
    const client = watch(db0, "x")
    keyspace.swap(0, 0)
    expect(client.dirtyCas).toBe(false)
  })

  it("unwatching removes the client from each key's watchers", () => {
    const { db0, db1, watch } = setup()
    const a = watch(db0, "x")
    const b = watch(db0, "x")
    const other = { db: db1, key: "x", client: a, expired: false }
    a.watched.push(other)
    db1.watch(other)
    unwatchAllKeys(a)
    expect(db0.watched.get("x")).toEqual(b.watched)
    expect(db1.watched.size).toBe(0)
  })
})

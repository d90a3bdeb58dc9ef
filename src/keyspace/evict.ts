/**
 * maxmemory eviction as Redis 7.0's evict.c does it: approximated LRU/LFU by sampling
 * `maxmemory-samples` keys per database into a pool of the 16 best candidates kept across calls,
 * random eviction, or soonest-expiring first (volatile-ttl), until the accounting (memory.ts,
 * `KeyspaceState.usedMemory`) is back under maxmemory. Synchronous: called from the check stage
 * before a command, with the batch's time in the keyspace.
 */
import type { Stored } from "./Database.ts"
import type { KeyspaceState } from "./Keyspace.ts"
import { lfuDecay } from "./lfu.ts"
import { NotifyClass } from "./notify.ts"

/** EVPOOL_SIZE */
export const EVICTION_POOL_SIZE = 16

const LRU_CLOCK_MAX = 0xffffff

export type EvictionPolicy =
  | "noeviction"
  | "allkeys-lru"
  | "allkeys-lfu"
  | "allkeys-random"
  | "volatile-lru"
  | "volatile-lfu"
  | "volatile-random"
  | "volatile-ttl"

/** The directives eviction reads (maxmemory, maxmemory-policy, -samples, -eviction-tenacity, lazyfree-lazy-eviction). */
export interface EvictionSettings {
  maxmemory: number
  policy: EvictionPolicy
  samples: number
  tenacity: number
  lazy: boolean
}

/** performEvictions' results. */
export const EVICT_OK = 0
/** Stopped by the time limit with memory still over: commands run, the next one goes on evicting. */
export const EVICT_RUNNING = 1
/** Over the limit with nothing (allowed) to evict: deny-oom commands are refused. */
export const EVICT_FAIL = 2

/** evictionTimeLimitUs: how long one call may evict, from maxmemory-eviction-tenacity. */
export const evictionTimeLimitUs = (tenacity: number): number => {
  if (tenacity <= 10) return 50 * tenacity
  if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10))
  return Infinity
}

/** estimateObjectIdleTime in ms, from the 24-bit LRU clock in seconds. */
export const idleMs = (lruClock: number, lru: number): number =>
  (lruClock >= lru ? lruClock - lru : lruClock + (LRU_CLOCK_MAX - lru)) * 1000

class PoolEntry {
  key: string | undefined = undefined
  /** The key's stored object when sampled: it is evicted only if the dictionary still holds this one. */
  stored: Stored | undefined = undefined
  idle = 0
  dbid = 0
}

/** The eviction state of one server: the pool of candidates and the random policies' next database. */
export class Evictor {
  readonly pool: Array<PoolEntry> = []
  private nextDb = 0
  private readonly sample: Array<string> = []
  private readonly sampleStored: Array<Stored> = []
  /** Since when memory has been over the limit (ms of `now()`), for INFO's eviction exceeded times. */
  exceededSince = 0
  totalExceededMs = 0

  private readonly keyspace: KeyspaceState
  /** A monotonic clock in ms for the time limit (performance.now), not the batch time. */
  private readonly now: () => number
  private readonly random: () => number

  constructor(keyspace: KeyspaceState, now: () => number, random: () => number = Math.random) {
    this.keyspace = keyspace
    this.now = now
    this.random = random
    for (let i = 0; i < EVICTION_POOL_SIZE; i++) this.pool.push(new PoolEntry())
  }

  /**
   * Forgets the pooled candidates: their scores are in the old policy's units (ms idle, inverted LFU
   * counter, expiry time), which would outrank every key sampled under the new one. Redis keeps them.
   */
  clearPool(): void {
    for (const entry of this.pool) {
      entry.key = undefined
      entry.stored = undefined
      entry.idle = 0
    }
  }

  /** The memory over maxmemory now, or 0 (getMaxmemoryState). */
  overLimit(settings: EvictionSettings): number {
    if (settings.maxmemory === 0) return 0
    const used = this.keyspace.usedMemory
    return used > settings.maxmemory ? used - settings.maxmemory : 0
  }

  /** performEvictions: evicts until memory is under maxmemory, the policy forbids it, or time is up. */
  perform(settings: EvictionSettings): number {
    const toFree = this.overLimit(settings)
    if (toFree === 0) return this.metrics(EVICT_OK)
    if (settings.policy === "noeviction") return this.metrics(EVICT_FAIL)
    const limitUs = evictionTimeLimitUs(settings.tenacity)
    const start = this.now()
    const ks = this.keyspace
    let freed = 0
    let evicted = 0
    while (freed < toFree) {
      const picked = this.pick(settings)
      if (picked === undefined) return this.metrics(EVICT_FAIL)
      const db = ks.dbs[picked.dbid]!
      const key = picked.key
      const before = db.memory
      db.delete(key)
      freed += before - db.memory
      ks.stats.evictedKeys++
      db.touch(key)
      ks.notify(NotifyClass.evicted, "evicted", key, db.id)
      ks.propagateAlone(db.id, [settings.lazy ? "UNLINK" : "DEL", key])
      if (++evicted % 16 === 0 && (this.now() - start) * 1000 > limitUs) return this.metrics(EVICT_RUNNING)
    }
    return this.metrics(EVICT_OK)
  }

  private metrics(result: number): number {
    if (result !== EVICT_OK) {
      if (this.exceededSince === 0) this.exceededSince = this.now() || 1
    } else if (this.exceededSince !== 0) {
      this.totalExceededMs += this.now() - this.exceededSince
      this.exceededSince = 0
    }
    return result
  }

  /** The next key to evict under the policy, or undefined when there is none. */
  private pick(settings: EvictionSettings): { dbid: number; key: string } | undefined {
    const ks = this.keyspace
    const volatile = settings.policy.startsWith("volatile-")
    if (settings.policy === "allkeys-random" || settings.policy === "volatile-random") {
      for (let i = 0; i < ks.dbs.length; i++) {
        const j = ++this.nextDb % ks.dbs.length
        const db = ks.dbs[j]!
        if ((volatile ? db.expires.size : db.size) === 0) continue
        // sampled slots are live keys; the check is a guard (a walk over stale slots may find none)
        for (let attempt = 0; attempt < 20; attempt++) {
          if (attempt === 16) db.normalizeSlots()
          db.sampleKeys(1, volatile, this.sample, this.sampleStored, this.random)
          if (this.sample.length !== 0 && db.entries.get(this.sample[0]!) === this.sampleStored[0]) {
            return { dbid: j, key: this.sample[0]! }
          }
        }
      }
      return undefined
    }
    const pool = this.pool
    for (let round = 1;; round++) {
      // guards: rounds that find nothing to evict drop the stale slots, after which a walk cannot
      // miss; and never spin (a round finds a key at once but with negligible odds)
      if (round % 4 === 0) for (const db of ks.dbs) db.normalizeSlots()
      if (round > 64) return undefined
      let total = 0
      for (let i = 0; i < ks.dbs.length; i++) {
        const db = ks.dbs[i]!
        const keys = volatile ? db.expires.size : db.size
        if (keys === 0) continue
        this.populate(i, settings, volatile)
        total += keys
      }
      if (total === 0) return undefined
      // from the best candidate down; a key deleted (or its value replaced, or moved) since it was pooled is a ghost
      for (let k = EVICTION_POOL_SIZE - 1; k >= 0; k--) {
        const entry = pool[k]!
        if (entry.key === undefined) continue
        const key = entry.key
        const stored = entry.stored
        const dbid = entry.dbid
        entry.key = undefined
        entry.stored = undefined
        entry.idle = 0
        const db = ks.dbs[dbid]!
        if (db.entries.get(key) === stored && (!volatile || db.expires.has(key))) return { dbid, key }
      }
    }
  }

  /** evictionPoolPopulate: samples a database and inserts the keys better than the pool's worst. */
  private populate(dbid: number, settings: EvictionSettings, volatile: boolean): void {
    const ks = this.keyspace
    const db = ks.dbs[dbid]!
    const pool = this.pool
    const sample = this.sample
    db.sampleKeys(settings.samples, volatile, sample, this.sampleStored, this.random)
    const lru = settings.policy.endsWith("-lru")
    for (let j = 0; j < sample.length; j++) {
      const key = sample[j]!
      let idle: number
      if (settings.policy === "volatile-ttl") {
        // the sooner the expiry the better
        idle = Number.MAX_SAFE_INTEGER - db.expires.get(key)!
      } else {
        const stored = this.sampleStored[j]!
        idle = lru
          ? idleMs(ks.lruClock, stored.lru)
          : 255 - lfuDecay(stored.lru, ks.lfuClock, ks.lfuDecayTime)
      }
      // the first empty bucket, or the first whose idle time is not smaller than ours
      let k = 0
      while (k < EVICTION_POOL_SIZE && pool[k]!.key !== undefined && pool[k]!.idle < idle) k++
      if (k === 0 && pool[EVICTION_POOL_SIZE - 1]!.key !== undefined) continue // worse than everything pooled
      if (k < EVICTION_POOL_SIZE && pool[k]!.key === undefined) {
        // an empty bucket: nothing to move
      } else if (pool[EVICTION_POOL_SIZE - 1]!.key === undefined) {
        // room on the right: shift k.. one to the right
        const spare = pool[EVICTION_POOL_SIZE - 1]!
        for (let i = EVICTION_POOL_SIZE - 1; i > k; i--) pool[i] = pool[i - 1]!
        pool[k] = spare
      } else {
        // full: drop the worst (leftmost) and insert at k - 1
        k--
        const spare = pool[0]!
        for (let i = 0; i < k; i++) pool[i] = pool[i + 1]!
        pool[k] = spare
      }
      const entry = pool[k]!
      entry.key = key
      entry.stored = this.sampleStored[j]
      entry.idle = idle
      entry.dbid = dbid
    }
  }
}

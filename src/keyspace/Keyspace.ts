import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import { type Accounted, Database, type DatabaseHost } from "./Database.ts"
import { KeyspaceSnapshot } from "./Snapshot.ts"
import { LFU_INIT_VAL, lfuMinutes, lfuTouch } from "./lfu.ts"
import { keyspaceEventsToFlags, NotifyClass } from "./notify.ts"
import { STARTUP_MEMORY } from "./memory.ts"
import type { ObjectValue, Value } from "./Value.ts"

/** Receives every write the keyspace makes on its own (expired keys) in its deterministic form. */
export type PropagateFn = (dbid: number, argv: ReadonlyArray<string>) => void
export type NotifyFn = (type: number, event: string, key: string, dbid: number) => void
export type KeyReadyFn = (db: Database, key: string) => void

/**
 * All databases plus the state they share: the time of the current batch, keyspace statistics, and
 * the hooks through which other subsystems observe writes. Synchronous, mutable, single-threaded:
 * the engine is its only writer, one batch at a time.
 */
export class KeyspaceState implements DatabaseHost {
  readonly dbs: ReadonlyArray<Database>
  now = 0
  lruClock = 0
  /** LFUGetTimeInMinutes of the batch's time. */
  lfuClock = 0
  /** An LFU maxmemory policy is set (keys' `lru` fields hold LFU data). */
  lfu = false
  /** lfu-log-factor, lfu-decay-time. */
  lfuLogFactor = 10
  lfuDecayTime = 1
  /** Aggregates changed in place (or stored) since the last reconcile, with their databases. */
  private dirtyValues: Array<Accounted> = []
  private dirtyDbs: Array<Database> = []
  isReplica = false
  /** CLIENT PAUSE holds expiry until this time (unix ms): the dataset stays still, as Redis's. */
  expiryHeldUntil = 0
  /** A script is suspended past busy-reply-threshold: no active expiry meanwhile (Redis runs no cron cycle then). */
  scriptBusy = false
  /** True while an AOF is replayed: nothing expires, lazily or actively (Redis's server.loading). */
  loading = false
  /** Above 0 while commands run that must not propagate (loading an AOF): nothing reaches the listeners. */
  propagationMuted = 0
  /** DEBUG SET-ACTIVE-EXPIRE: whether the background expiry cycle runs. */
  activeExpireEnabled = true
  /**
   * latencyAddSampleIfNeeded for the work around commands (expire-cycle, aof-write...): the LATENCY
   * monitor's Layer installs it; a no-op without one.
   */
  latencySample: (event: string, ms: number) => void = () => {}
  /** Counter of changes since the last save (Redis's server.dirty). */
  dirty = 0
  readonly stats = { hits: 0, misses: 0, expiredKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0, expireCycleMs: 0, evictedKeys: 0 }
  /** lazyfree-lazy-expire: expired keys propagate as UNLINK instead of DEL. */
  lazyExpire = false
  /** notify-keyspace-events as NotifyClass bits; 0 disables notifications entirely. */
  notifyFlags = 0
  private propagateListeners: Array<PropagateFn> = []
  private notifyListeners: Array<NotifyFn> = []
  /** Set by the blocking-waiters service: called when a key some client blocks on may have data. */
  onKeyReady: KeyReadyFn | undefined = undefined
  /** signalModifiedKey's listener (client-side caching); see DatabaseHost. */
  keyModified: ((key: string) => void) | undefined = undefined
  /** signalFlushedDb's listener (client-side caching invalidates everything). */
  onFlushed: (() => void) | undefined = undefined
  /** Set by the blocking-waiters service: the keys of a database that clients are blocked on. */
  onBlockedKeys: ((db: Database) => ReadonlyArray<string>) | undefined = undefined

  constructor(databases: number) {
    const dbs: Array<Database> = []
    for (let i = 0; i < databases; i++) dbs.push(new Database(i, this))
    this.dbs = dbs
  }

  get expiryHeld(): boolean {
    return this.isReplica || this.now < this.expiryHeldUntil
  }

  /** Sets the time of the current batch (ms from Effect's Clock). */
  setTime(now: number): void {
    this.now = now
    this.lruClock = Math.floor(now / 1000) & 0xffffff
    this.lfuClock = lfuMinutes(now)
  }

  lfuTouch(lru: number): number {
    return lfuTouch(lru, this.lfuClock, this.lfuDecayTime, this.lfuLogFactor, Math.random())
  }

  newStamp(): number {
    return this.lfu ? (this.lfuClock << 8) | LFU_INIT_VAL : this.lruClock
  }

  modifying(db: Database, value: Accounted): void {
    this.dirtyValues.push(value)
    this.dirtyDbs.push(db)
  }

  /** True when aggregates changed since the last reconcile (the engine reconciles before each command). */
  get hasUnreconciled(): boolean {
    return this.dirtyValues.length !== 0
  }

  /** Brings the databases' `memory` up to date with the aggregates changed in place: O(1) per change. */
  reconcile(): void {
    const values = this.dirtyValues
    const n = values.length
    if (n === 0) return
    const dbs = this.dirtyDbs
    for (let i = 0; i < n; i++) {
      const value = values[i]!
      if (value.accounted < 0) continue // no longer in a database
      const bytes = value.heapBytes()
      dbs[i]!.memory += bytes - value.accounted
      value.accounted = bytes
    }
    values.length = 0
    dbs.length = 0
  }

  /**
   * INFO used_memory, what maxmemory limits: the startup baseline (memory.ts, STARTUP_MEMORY, as
   * Redis's used_memory_startup) plus the accounting of what is stored.
   */
  get usedMemory(): number {
    return STARTUP_MEMORY + this.dataMemory
  }

  /** The server's accounting of what it stores: the databases' keys, values and expiry entries. */
  get dataMemory(): number {
    this.reconcile()
    let total = 0
    for (const db of this.dbs) total += db.memory
    return total
  }

  hit(): void {
    this.stats.hits++
  }

  miss(): void {
    this.stats.misses++
  }

  keyMiss(db: Database, key: string): void {
    if ((this.notifyFlags & NotifyClass.keyMiss) !== 0) this.notify(NotifyClass.keyMiss, "keymiss", key, db.id)
  }

  /** deleteExpiredKeyAndPropagate */
  expireKey(db: Database, key: string): void {
    db.delete(key)
    this.notify(NotifyClass.expired, "expired", key, db.id)
    db.touch(key)
    this.propagate(db.id, [this.lazyExpire ? "UNLINK" : "DEL", key])
    this.stats.expiredKeys++
  }

  /** Subscribes to writes in their deterministic form (AOF, replicas, tests); returns an unsubscribe. */
  onPropagate(fn: PropagateFn): () => void {
    this.propagateListeners.push(fn)
    return () => {
      this.propagateListeners = this.propagateListeners.filter((f) => f !== fn)
    }
  }

  /** Commands propagated by the current top-level command, or undefined outside one. */
  private pendingPropagation: Array<readonly [number, ReadonlyArray<string>]> | undefined = undefined

  /**
   * Sends a write in its deterministic form to the listeners. Inside a propagation unit (one top-level
   * command, see `beginPropagation`) it is collected first, as Redis's alsoPropagate does.
   */
  propagate(dbid: number, argv: ReadonlyArray<string>): void {
    if (this.propagateListeners.length === 0 || this.propagationMuted > 0) return
    if (this.pendingPropagation !== undefined) this.pendingPropagation.push([dbid, argv])
    else this.emit(dbid, argv)
  }

  /**
   * Sends a write out at once, outside any open unit and never wrapped in MULTI/EXEC: evictions
   * (performEvictions propagates its DELs on their own, propagate_no_multi, even from CONFIG SET).
   */
  propagateAlone(dbid: number, argv: ReadonlyArray<string>): void {
    if (this.propagateListeners.length === 0 || this.propagationMuted > 0) return
    this.emit(dbid, argv)
  }

  private emit(dbid: number, argv: ReadonlyArray<string>): void {
    for (const fn of this.propagateListeners) fn(dbid, argv)
  }

  /**
   * Opens a propagation unit; false when one is already open (a nested call joins it) or when nobody
   * listens (then nothing is collected at all).
   */
  beginPropagation(): boolean {
    if (this.pendingPropagation !== undefined || this.propagateListeners.length === 0) return false
    this.pendingPropagation = []
    return true
  }

  /**
   * propagatePendingCommands: what the unit collected goes out as one atomic step: a single command
   * as is, several wrapped in MULTI/EXEC (a transaction's writes, or a lazy expiry's DEL before the
   * write that found the key expired), exactly as Redis 7.0 writes them to the AOF and replicas.
   */
  endPropagation(): void {
    const ops = this.pendingPropagation
    this.pendingPropagation = undefined
    if (ops === undefined || ops.length === 0) return
    if (ops.length === 1) return this.emit(ops[0]![0], ops[0]![1])
    this.emit(ops[0]![0], ["MULTI"])
    for (const [dbid, argv] of ops) this.emit(dbid, argv)
    this.emit(ops.at(-1)![0], ["EXEC"])
  }

  /**
   * Takes what the open unit collected so far, leaving it empty (a script suspended past
   * busy-reply-threshold keeps its writes until it ends, so that they go out as one unit).
   */
  takePropagation(): Array<readonly [number, ReadonlyArray<string>]> {
    const ops = this.pendingPropagation ?? []
    if (this.pendingPropagation !== undefined) this.pendingPropagation = []
    return ops
  }

  /** Puts taken writes back at the front of the open unit (if one is open: nobody listens otherwise). */
  restorePropagation(ops: ReadonlyArray<readonly [number, ReadonlyArray<string>]>): void {
    if (this.pendingPropagation !== undefined && ops.length > 0) this.pendingPropagation = [...ops, ...this.pendingPropagation]
  }

  get hasPropagationListeners(): boolean {
    return this.propagateListeners.length > 0
  }

  onNotify(fn: NotifyFn): () => void {
    this.notifyListeners.push(fn)
    return () => {
      this.notifyListeners = this.notifyListeners.filter((f) => f !== fn)
    }
  }

  /** notifyKeyspaceEvent: filtered by notify-keyspace-events, delivered to listeners (pub/sub). */
  notify(type: number, event: string, key: string, dbid: number): void {
    if ((this.notifyFlags & type) === 0 || this.notifyListeners.length === 0) return
    for (const fn of this.notifyListeners) fn(type, event, key, dbid)
  }

  /** dbAdd: the "new" event, and signalKeyAsReady for the types clients block on. */
  keyAdded(db: Database, key: string, value: Value): void {
    this.notify(NotifyClass.new, "new", key, db.id)
    if (typeof value !== "string" && (value.type === "list" || value.type === "zset" || value.type === "stream")) {
      this.keyReady(db, key)
    }
  }

  /** signalKeyAsReady: a list/zset/stream key received data; wakes clients blocked on it. */
  keyReady(db: Database, key: string): void {
    if (this.onKeyReady !== undefined) this.onKeyReady(db, key)
  }

  blockedKeys(db: Database): ReadonlyArray<string> {
    return this.onBlockedKeys === undefined ? [] : this.onBlockedKeys(db)
  }

  /** Snapshots taken and not released yet. */
  readonly snapshots = new Set<KeyspaceSnapshot>()

  /**
   * A point-in-time view of every database (BGSAVE, full sync), O(databases) to take: writes from
   * now on keep a key's state for it before their first change to the key (copy-on-write, see
   * Snapshot.ts) until its walk has passed the key or it is released.
   */
  snapshot(): KeyspaceSnapshot {
    const snapshot = new KeyspaceSnapshot(this.dbs, (s) => this.snapshots.delete(s))
    this.snapshots.add(snapshot)
    return snapshot
  }

  /** signalFlushedDb: FLUSHDB and FLUSHALL tell client-side caching that everything changed. */
  flushed(): void {
    if (this.onFlushed !== undefined) this.onFlushed()
  }

  flushAll(): number {
    this.flushed()
    let removed = 0
    for (const db of this.dbs) {
      db.touchAll()
      removed += db.clear()
    }
    return removed
  }

  /** SWAPDB: watched keys stay with their database number, so each is checked against the other's. */
  swap(a: number, b: number): void {
    if (a === b) return
    const da = this.dbs[a]!
    const dbb = this.dbs[b]!
    da.touchAll(dbb)
    dbb.touchAll(da)
    da.swapContents(dbb)
  }
}

/** The keyspace as a service: built from the `databases` config, time from Effect's Clock. */
export class Keyspace extends Context.Service<Keyspace, KeyspaceState>()("effect-redis-server/Keyspace") {
  static readonly layer = Layer.effect(
    Keyspace,
    Effect.gen(function*() {
      const config = yield* ServerConfig
      const clock = yield* Clock.Clock
      const keyspace = new KeyspaceState(config.getNumber("databases"))
      keyspace.setTime(clock.currentTimeMillisUnsafe())
      yield* watchScoped(config, "notify-keyspace-events", (classes) => {
        keyspace.notifyFlags = keyspaceEventsToFlags(classes)
      })
      yield* watchScoped(config, "maxmemory-policy", (policy) => {
        keyspace.lfu = policy.endsWith("-lfu")
      })
      yield* watchScoped(config, "lfu-log-factor", (n) => {
        keyspace.lfuLogFactor = Number(n)
      })
      yield* watchScoped(config, "lfu-decay-time", (n) => {
        keyspace.lfuDecayTime = Number(n)
      })
      return keyspace
    })
  )
}

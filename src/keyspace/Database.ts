import type { Value } from "./Value.ts"

/** What a database needs from the keyspace it belongs to: time, and what happens when a key expires. */
export interface DatabaseHost {
  /** Current time in ms, taken from Effect's Clock once per batch. */
  readonly now: number
  /** LRU clock in seconds (24 bits, like Redis's LRU_CLOCK), stamped on keys when they are accessed. */
  readonly lruClock: number
  /** True on a replica: expired keys read as missing but are only deleted when the master says so. */
  readonly isReplica: boolean
  /** Deletes an expired key with its side effects (stats, notification, propagation, WATCH). */
  expireKey(db: Database, key: string): void
  hit(): void
  miss(): void
  /** signalKeyAsReady: clients blocked on the key may be served (or, for a deleted stream, released). */
  keyReady(db: Database, key: string): void
  /** Keys of the database that clients are blocked on. */
  blockedKeys(db: Database): ReadonlyArray<string>
}

/** One key's slot in a database. */
export class Entry {
  value: Value
  /** Absolute unix time in ms when the key expires; 0 when it has no TTL. */
  expireAt = 0
  /** Index in Database.slots (SCAN cursor positions, RANDOMKEY). */
  slot: number
  /** LRU clock of the last access (OBJECT IDLETIME). */
  lru: number

  constructor(value: Value, slot: number, lru: number) {
    this.value = value
    this.slot = slot
    this.lru = lru
  }
}

/** Lookup flags, as Redis's LOOKUP_NOTOUCH / LOOKUP_NOSTATS. */
export const NO_TOUCH = 1
export const NO_STATS = 2

/**
 * One of the numbered databases: the main dictionary, the volatile keys (Redis's `expires` dict) and
 * a dense array of keys that gives SCAN a cursor that never misses a key and RANDOMKEY O(1) sampling.
 *
 * Lookups expire keys lazily. The primitive operations here change data only: the command that calls
 * them signals the write (WATCH versions, keyspace events, dirty counter, blocked clients) through its
 * CommandContext, as Redis commands call signalModifiedKey/notifyKeyspaceEvent themselves.
 */
export class Database {
  entries = new Map<string, Entry>()
  /** Volatile keys (those with a TTL), iterated by the active expiry cycle. */
  expires = new Map<string, Entry>()
  /** Every key once, densely packed; `entries.get(slots[i]).slot === i`. */
  private slots: string[] = []
  /** Versions of watched keys only (WATCH): key -> [version, number of watchers]. */
  readonly watched = new Map<string, { version: number; watchers: number }>()
  /** Resume point of the active expiry cycle over `expires`. */
  expiryCursor: Iterator<[string, Entry]> | undefined = undefined
  /** Running estimate of the TTL of volatile keys, maintained by active expiry (INFO keyspace avg_ttl). */
  avgTtl = 0

  readonly id: number
  private readonly host: DatabaseHost

  constructor(id: number, host: DatabaseHost) {
    this.id = id
    this.host = host
  }

  get size(): number {
    return this.entries.size
  }

  /** The entry of a live key, expiring it first if its time has passed. No stats, no LRU touch. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expireAt !== 0 && entry.expireAt < this.host.now) {
      if (this.host.isReplica) return undefined
      this.host.expireKey(this, key)
      return undefined
    }
    return entry
  }

  /** Read access (lookupKeyRead): counts keyspace hits/misses and touches the LRU clock. */
  lookupRead(key: string, flags = 0): Value | undefined {
    const entry = this.live(key)
    if (entry === undefined) {
      if ((flags & NO_STATS) === 0) this.host.miss()
      return undefined
    }
    if ((flags & NO_STATS) === 0) this.host.hit()
    if ((flags & NO_TOUCH) === 0) entry.lru = this.host.lruClock
    return entry.value
  }

  /** Write access (lookupKeyWrite): the value a command is about to modify in place. */
  lookupWrite(key: string): Value | undefined {
    const entry = this.live(key)
    if (entry === undefined) return undefined
    entry.lru = this.host.lruClock
    return entry.value
  }

  /** The live entry without stats or LRU (OBJECT, TTL-style metadata, RENAME). */
  entry(key: string): Entry | undefined {
    return this.live(key)
  }

  exists(key: string): boolean {
    return this.live(key) !== undefined
  }

  /** Adds a key that does not exist (dbAdd). */
  add(key: string, value: Value): Entry {
    const entry = new Entry(value, this.slots.length, this.host.lruClock)
    this.slots.push(key)
    this.entries.set(key, entry)
    return entry
  }

  /**
   * Sets a key to a value whether or not it exists (setKey). Without `keepTtl` the key loses its TTL,
   * as SET does.
   */
  set(key: string, value: Value, keepTtl = false): Entry {
    const entry = this.live(key)
    if (entry === undefined) return this.add(key, value)
    this.streamGone(key, entry.value)
    entry.value = value
    entry.lru = this.host.lruClock
    if (!keepTtl && entry.expireAt !== 0) {
      entry.expireAt = 0
      this.expires.delete(key)
    }
    return entry
  }

  /** Replaces the value of a live key, keeping its TTL (in-place updates that replace a string). */
  replace(key: string, value: Value): void {
    const entry = this.entries.get(key)
    if (entry !== undefined) entry.value = value
  }

  /** Deletes a key if present (dbDelete); true if it existed. Does not check expiry. */
  delete(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.streamGone(key, entry.value)
    this.entries.delete(key)
    if (entry.expireAt !== 0) this.expires.delete(key)
    const last = this.slots.pop()!
    if (entry.slot < this.slots.length) {
      this.slots[entry.slot] = last
      this.entries.get(last)!.slot = entry.slot
    }
    return true
  }

  /** TTL of a live key as absolute ms, -1 without TTL, undefined when the key does not exist. */
  getExpire(key: string): number | undefined {
    const entry = this.live(key)
    if (entry === undefined) return undefined
    return entry.expireAt === 0 ? -1 : entry.expireAt
  }

  /** Sets the absolute expiry (ms) of an existing key. */
  setExpire(key: string, at: number): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    entry.expireAt = at
    this.expires.set(key, entry)
  }

  /** Removes the TTL; true if the key had one. */
  persist(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.expireAt === 0) return false
    entry.expireAt = 0
    this.expires.delete(key)
    return true
  }

  /** True if the key exists in the dictionary but its time has passed (not deleted yet). */
  isLogicallyExpired(key: string): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && entry.expireAt !== 0 && entry.expireAt < this.host.now
  }

  /** A random live key (dbRandomKey), or undefined when the database is empty. */
  randomKey(random: () => number = Math.random): string | undefined {
    let attempts = 0
    while (this.slots.length > 0) {
      const key = this.slots[Math.floor(random() * this.slots.length)]!
      const entry = this.entries.get(key)!
      if (entry.expireAt === 0 || entry.expireAt >= this.host.now) return key
      if (this.host.isReplica) {
        // Like Redis on a replica: give up after a while when every key is logically expired.
        if (++attempts >= 100 && this.expires.size === this.entries.size) return key
        continue
      }
      this.host.expireKey(this, key)
    }
    return undefined
  }

  /**
   * One SCAN step over at most `count` slots: visits keys (live or not; callers filter) and returns
   * the next cursor, 0 when done.
   *
   * The cursor is a slot position walked downwards. Deletion moves the last slot into the hole, and
   * new keys are appended at the end; both only move keys into positions the walk has already passed
   * or has yet to reach, never from ahead of the cursor to behind it. So a key present for the whole
   * scan is returned at least once, the guarantee Redis's SCAN gives.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    let position = cursor === 0 ? this.slots.length - 1 : Math.min(cursor - 1, this.slots.length - 1)
    let examined = 0
    while (position >= 0 && examined < count) {
      visit(this.slots[position]!)
      position--
      examined++
    }
    return position < 0 ? 0 : position + 1
  }

  /** All keys, in slot order (KEYS). */
  keys(): ReadonlyArray<string> {
    return this.slots
  }

  /** Empties the database (FLUSHDB); returns the number of keys removed. */
  clear(): number {
    this.blockedStreamsGone()
    const n = this.entries.size
    this.entries = new Map()
    this.expires = new Map()
    this.slots = []
    this.expiryCursor = undefined
    this.avgTtl = 0
    return n
  }

  /** Swaps contents with another database (SWAPDB); watched keys stay with their database number. */
  swapContents(other: Database): void {
    this.blockedStreamsGone()
    other.blockedStreamsGone()
    ;[this.entries, other.entries] = [other.entries, this.entries]
    ;[this.expires, other.expires] = [other.expires, this.expires]
    ;[this.slots, other.slots] = [other.slots, this.slots]
    ;[this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl]
    this.expiryCursor = undefined
    other.expiryCursor = undefined
  }

  /**
   * signalDeletedKeyAsReady: when a stream leaves the keyspace (deleted, overwritten, flushed,
   * swapped away), clients blocked on it in XREADGROUP must be released: Redis 7.0 answers them
   * with an error.
   */
  private streamGone(key: string, value: Value): void {
    if (typeof value !== "string" && value.type === "stream") this.host.keyReady(this, key)
  }

  /** scanDatabaseForDeletedStreams, before the whole contents go (FLUSHDB, FLUSHALL, SWAPDB). */
  private blockedStreamsGone(): void {
    for (const key of this.host.blockedKeys(this)) {
      const entry = this.entries.get(key)
      if (entry !== undefined) this.streamGone(key, entry.value)
    }
  }

  // --- WATCH: per-key versions for the keys some client watches -----------------------------------

  /** Starts watching a key; returns its current version. */
  watch(key: string): number {
    const w = this.watched.get(key)
    if (w !== undefined) {
      w.watchers++
      return w.version
    }
    this.watched.set(key, { version: 0, watchers: 1 })
    return 0
  }

  unwatch(key: string): void {
    const w = this.watched.get(key)
    if (w === undefined) return
    if (--w.watchers === 0) this.watched.delete(key)
  }

  /** Version of a watched key (0 if nobody watches it). */
  version(key: string): number {
    return this.watched.get(key)?.version ?? 0
  }

  /** signalModifiedKey: bumps the version of a watched key. */
  touch(key: string): void {
    if (this.watched.size === 0) return
    const w = this.watched.get(key)
    if (w !== undefined) w.version++
  }

  /** Bumps every watched key (FLUSHDB, SWAPDB, FLUSHALL). */
  touchAll(): void {
    for (const w of this.watched.values()) w.version++
  }
}

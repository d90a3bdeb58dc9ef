import { type Contents, CopyOnWrite, stateOf } from "./Snapshot.ts"
import { EXPIRE_OVERHEAD, keyBytes, STORED_STRING, stringValueBytes } from "./memory.ts"
import { ByteString, StoredString, stringOf } from "./StoredString.ts"
import { type ObjectValue, stringEncoding, type Value } from "./Value.ts"

/** What a database needs from the keyspace it belongs to: time, and what happens when a key expires. */
export interface DatabaseHost {
  /** Current time in ms, taken from Effect's Clock once per batch. */
  readonly now: number
  /** LRU clock in seconds (24 bits, like Redis's LRU_CLOCK), stamped on keys when they are accessed. */
  readonly lruClock: number
  /** An LFU maxmemory policy is set: `lru` holds Redis's LFU data (minutes << 8 | counter) instead. */
  readonly lfu: boolean
  /** updateLFU: the LFU data of a key accessed now, from its previous data. */
  lfuTouch(lru: number): number
  /** The access data of a new object (createObject): the LRU clock, or LFU_INIT_VAL now. */
  newStamp(): number
  /**
   * An aggregate or a string in byte form is about to be changed in place (or was just stored): its
   * size is reconciled later.
   */
  modifying(db: Database, value: Accounted): void
  /** Reconciles the sizes of the aggregates changed since the last call (before the contents move). */
  reconcile(): void
  /**
   * True on a replica, and while CLIENT PAUSE holds the dataset still: expired keys read as missing but
   * are not deleted (on a replica, until the master says so).
   */
  readonly expiryHeld: boolean
  /** While an AOF is replayed nothing expires: keys past their time read as live (keyIsExpired while loading). */
  readonly loading: boolean
  /** Deletes an expired key with its side effects (stats, notification, propagation, WATCH). */
  expireKey(db: Database, key: string): void
  hit(): void
  miss(): void
  /** A read lookup found nothing: the "keymiss" keyspace event (class m). */
  keyMiss(db: Database, key: string): void
  /** dbAdd's side effects: the "new" keyspace event, and waking clients blocked on the key. */
  keyAdded(db: Database, key: string, value: Value): void
  /** signalKeyAsReady: clients blocked on the key may be served (or, for a deleted stream, released). */
  keyReady(db: Database, key: string): void
  /** Keys of the database that clients are blocked on. */
  blockedKeys(db: Database): ReadonlyArray<string>
  /** Told of every signalModifiedKey (client-side caching invalidates the key); undefined when nobody listens. */
  readonly keyModified: ((key: string) => void) | undefined
}

/** What the dictionary holds for a key. */
export type Stored = StoredString | ObjectValue

/** A value whose size the keyspace reconciles after in-place changes (see `DatabaseHost.modifying`). */
export interface Accounted {
  accounted: number
  heapBytes(): number
}

/**
 * The value a stored entry holds (a string is kept in a StoredString with its LRU data). A string in
 * byte form is converted each time: reads that repeat go through the Database, which caches.
 */
export const valueOf = (stored: Stored): Value => (stored instanceof StoredString ? stringOf(stored.value) : stored)

/**
 * OBJECT ENCODING of a stored value: a string changed in place is "raw" whatever its contents, as
 * Redis's dbUnshareStringValue leaves it, until it is set whole again.
 */
export const encodingOf = (stored: Stored): string => {
  if (!(stored instanceof StoredString)) return stored.encoding()
  const value = stored.value
  if (typeof value === "string") return stringEncoding(value)
  return value.raw ? "raw" : stringEncoding(value.toString())
}

/**
 * What memory accounting counts for a stored value: a string's size, or what an aggregate (or a
 * string in byte form) was accounted at.
 */
export const storedBytes = (stored: Stored): number => {
  if (!(stored instanceof StoredString)) return stored.accounted
  const value = stored.value
  return typeof value === "string" ? stringValueBytes(value) : STORED_STRING + value.accounted
}

/** The stored object leaves the keyspace: a pending reconcile of its size must skip it. */
const gone = (stored: Stored): void => {
  if (!(stored instanceof StoredString)) stored.accounted = -1
  else if (typeof stored.value !== "string") stored.value.accounted = -1
}

/** Lookup flags, as Redis's LOOKUP_NOTOUCH / LOOKUP_NOSTATS / LOOKUP_NONOTIFY. */
export const NO_TOUCH = 1
export const NO_STATS = 2
export const NO_NOTIFY = 4

/** Stale slots tolerated whatever the size (compaction costs O(slots), so it waits for churn). */
const STALE_SLOTS_ALLOWED = 16

/**
 * One of the numbered databases: the main dictionary, the volatile keys with their expiry times
 * (Redis's `expires` dict) and an array of keys that gives SCAN a cursor that never misses a key and
 * RANDOMKEY O(1) sampling.
 *
 * Memory decides the layout (a million small keys must stay within a few times Redis's RSS): the
 * dictionary maps a key straight to its value object, TTLs live only in `expires`, and the slot
 * array holds no back-pointers, so a key costs one Map entry and one array slot besides its value.
 *
 * Lookups expire keys lazily. The primitive operations here change data only: the command that calls
 * them signals the write (WATCH versions, keyspace events, dirty counter, blocked clients) through its
 * CommandContext, as Redis commands call signalModifiedKey/notifyKeyspaceEvent themselves. `add` does
 * what Redis's dbAdd does besides, through the host: the "new" event and waking blocked clients.
 *
 * Every change of a key's value or TTL goes through a method of this class, and each one starts with
 * the same check, `this.cow !== undefined`: while a snapshot (Snapshot.ts) has not walked the
 * contents yet, the key's state is kept for it before the change. A value changed in place is
 * changed only after `lookupWrite` (or `willModify`, after a read lookup) returned or named it, and
 * an aggregate moves to another key (RENAME, MOVE) only after `lookupWrite` of its old key.
 */
export class Database {
  entries = new Map<string, Stored>()
  /** Volatile keys: absolute unix ms of expiry, iterated by the active expiry cycle. */
  expires = new Map<string, number>()
  /** Exact expiry times beyond 2^53 ms (Redis takes any 64-bit time); `expires` has them rounded. */
  private exactExpires = new Map<string, bigint>()
  /**
   * Keys in insertion order for SCAN and RANDOMKEY. A deleted key's slot goes stale (its key is no
   * longer in `entries`, or was added again further on) until the array is compacted.
   */
  private slots: string[] = []
  /**
   * Parallel to `slots`: the stored object of each slot's key, undefined once the slot is stale (its
   * key deleted). Each stored object knows its slot (`keySlot`), so a deletion clears its slot, a
   * replacement (a change of type) takes it over, and compaction renumbers them. Eviction's sampling
   * reads keys' access data from here without a dictionary lookup (a random key's lookup is several
   * cache misses: its string for the hash, the hash table, the entry), and compaction needs none.
   */
  private slotStored: Array<Stored | undefined> = []
  /** Slots that went stale since the last compaction. */
  private staleSlots = 0
  /** Watched keys only (WATCH): key -> the clients' records, in the order they watched it. */
  readonly watched = new Map<string, Array<WatchedKey>>()
  /** Resume point of the active expiry cycle over `expires`. */
  expiryCursor: Iterator<[string, number]> | undefined = undefined
  /** Running estimate of the TTL of volatile keys, maintained by active expiry (INFO keyspace avg_ttl). */
  avgTtl = 0
  /** Set while a snapshot has not walked these contents: keeps keys' states before their first change. */
  cow: CopyOnWrite | undefined = undefined
  /**
   * Bytes accounted for the contents (keys, values, expiry entries; see memory.ts): changed with every
   * key added, replaced, deleted or given a TTL, and for aggregates changed in place when the keyspace
   * reconciles them (`modifying`).
   */
  memory = 0
  /** Resume point of the volatile-* eviction policies' sampling of `expires`. */
  evictionCursor: Iterator<string> | undefined = undefined

  readonly id: number
  private readonly host: DatabaseHost

  constructor(id: number, host: DatabaseHost) {
    this.id = id
    this.host = host
  }

  get size(): number {
    return this.entries.size
  }

  /** The stored value of a live key, expiring it first if its time has passed. No stats, no LRU touch. */
  private live(key: string): Stored | undefined {
    const stored = this.entries.get(key)
    if (stored === undefined) return undefined
    if (this.expires.size !== 0) {
      const at = this.expires.get(key)
      if (at !== undefined && at < this.host.now) {
        if (this.host.loading) return stored
        if (this.host.expiryHeld) return undefined
        this.host.expireKey(this, key)
        return undefined
      }
    }
    return stored
  }

  /**
   * Read access (lookupKeyRead): counts keyspace hits/misses, touches the LRU clock, and emits
   * "keymiss" for a key that is not there (after "expired" when the lookup expired it).
   */
  lookupRead(key: string, flags = 0): Value | undefined {
    const stored = this.live(key)
    if (stored === undefined) {
      if ((flags & NO_NOTIFY) === 0) this.host.keyMiss(this, key)
      if ((flags & NO_STATS) === 0) this.host.miss()
      return undefined
    }
    if ((flags & NO_STATS) === 0) this.host.hit()
    if ((flags & NO_TOUCH) === 0) stored.lru = this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock
    return this.valueOf(stored)
  }

  /**
   * lookupRead giving a string value in whichever form it is stored (STRLEN, GETRANGE: no conversion
   * of the whole value).
   */
  lookupReadStored(key: string): string | ByteString | ObjectValue | undefined {
    const stored = this.liveRead(key)
    if (stored === undefined) return undefined
    return stored instanceof StoredString ? stored.value : stored
  }

  /** A live key's entry for a read (hit or miss counted, access data touched). */
  private liveRead(key: string): Stored | undefined {
    const stored = this.live(key)
    if (stored === undefined) {
      this.host.keyMiss(this, key)
      this.host.miss()
      return undefined
    }
    this.host.hit()
    stored.lru = this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock
    return stored
  }

  /**
   * lookupRead for the commands that read a string as bytes (GETBIT, BITCOUNT, BITPOS, BITFIELD_RO,
   * PFCOUNT): a string comes in byte form (converted once, the string kept as its cached form), an
   * aggregate as it is (the caller replies WRONGTYPE).
   */
  lookupReadBytes(key: string): ByteString | ObjectValue | undefined {
    const stored = this.liveRead(key)
    if (stored === undefined) return undefined
    return stored instanceof StoredString ? this.bytesOf(stored) : stored
  }

  /**
   * lookupWrite for the commands that change a string in place (SETBIT, BITFIELD, SETRANGE, APPEND,
   * PFADD, PFMERGE, PFCOUNT's cache): a string comes in byte form, and the caller calls `unshare()`
   * on it before writing its bytes, and `resizing` once growing it (`growZero`, `reserve`) or an HLL
   * conversion gave it a new buffer, so that its size is reconciled after the command.
   */
  lookupWriteBytes(key: string): ByteString | ObjectValue | undefined {
    const stored = this.live(key)
    if (stored === undefined) return undefined
    if (this.cow !== undefined) this.keepForSnapshots(key, false)
    stored.lru = this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock
    if (!(stored instanceof StoredString)) {
      this.host.modifying(this, stored)
      return stored
    }
    const value = this.bytesOf(stored)
    // unsharing drops the cached string
    if (value.cached !== undefined) this.host.modifying(this, value)
    return value
  }

  /**
   * The string to write in place at `key` (`current`, from `lookupWriteBytes`), zero-padded to hold
   * `length` bytes: created and added when there is none (lookupStringForBitCommand, SETRANGE).
   */
  zeroPadded(key: string, current: ByteString | undefined, length: number): ByteString {
    if (current === undefined) {
      const created = ByteString.zeroed(length)
      this.add(key, created)
      return created
    }
    current.unshare()
    const before = current.bytes
    current.growZero(length)
    if (current.bytes !== before) this.resizing(current)
    return current
  }

  /** A string in byte form, from `lookupWriteBytes`, changed its buffer: its size is reconciled after the command. */
  resizing(value: ByteString): void {
    this.host.modifying(this, value)
  }

  /** The entry's string in byte form, converting it now if it is a JS string (accounted at once). */
  private bytesOf(stored: StoredString): ByteString {
    const value = stored.value
    if (typeof value !== "string") return value
    const bytes = ByteString.of(value)
    bytes.accounted = bytes.heapBytes()
    this.memory += STORED_STRING + bytes.accounted - stringValueBytes(value)
    stored.value = bytes
    return bytes
  }

  /** The value of an entry as commands read it: a string in byte form is made a string once, and cached. */
  private valueOf(stored: Stored): Value {
    if (!(stored instanceof StoredString)) return stored
    const value = stored.value
    if (typeof value === "string") return value
    if (value.cached === undefined) {
      value.cached = value.bytes.latin1Slice(0, value.length)
      this.host.modifying(this, value)
    }
    return value.cached
  }

  /** Write access (lookupKeyWrite): the value a command is about to modify in place. */
  lookupWrite(key: string): Value | undefined {
    const stored = this.live(key)
    if (stored === undefined) return undefined
    if (this.cow !== undefined) this.keepForSnapshots(key, false)
    stored.lru = this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock
    if (!(stored instanceof StoredString)) this.host.modifying(this, stored)
    return this.valueOf(stored)
  }

  /**
   * The value of `key`, found by a read lookup, is about to change in place (XREADGROUP, XACK,
   * XCLAIM, XAUTOCLAIM look their stream up as reads, as Redis does, for the keyspace hit/miss stats).
   */
  willModify(key: string): void {
    if (this.cow !== undefined && this.entries.has(key)) this.keepForSnapshots(key, false)
    const stored = this.entries.get(key)
    if (stored === undefined) return
    if (!(stored instanceof StoredString)) this.host.modifying(this, stored)
    else if (typeof stored.value !== "string") this.host.modifying(this, stored.value)
  }

  /** Hands the key's current state to the snapshots that have not walked past it (see Snapshot.ts). */
  private keepForSnapshots(key: string, detach: boolean): void {
    const cow = this.cow!
    if (cow.wants(key, this.entries.has(key))) cow.keep(key, stateOf(this.contents(), key, detach))
  }

  /** The maps and slot array of this database, as a snapshot reads them. */
  contents(): Contents {
    const { entries, expires, exactExpires, slots, staleSlots } = this
    return { entries, expires, exactExpires, slots, staleSlots }
  }

  /** The copy-on-write guard of the current contents, attached by a snapshot taken now. */
  copyOnWrite(): CopyOnWrite {
    return this.cow ??= new CopyOnWrite(this)
  }

  /** The value of a live key without stats or LRU touch (OBJECT, MEMORY USAGE, DEBUG). */
  peek(key: string): Value | undefined {
    const stored = this.live(key)
    return stored === undefined ? undefined : this.valueOf(stored)
  }

  /** The value in the dictionary, expired or not (MEMORY USAGE looks the dict up directly). */
  rawValue(key: string): Value | undefined {
    const stored = this.entries.get(key)
    return stored === undefined ? undefined : this.valueOf(stored)
  }

  /** The stored object of a live key (its identity and LRU clock), without stats or touch. */
  stored(key: string): Stored | undefined {
    return this.live(key)
  }

  exists(key: string): boolean {
    return this.live(key) !== undefined
  }

  /** A value as the dictionary stores it, with its access data; an aggregate is accounted at its size now. */
  private store(value: Value | ByteString, lru: number, complete = false): Stored {
    if (typeof value === "string") return new StoredString(value, lru)
    if (value instanceof ByteString) {
      value.accounted = value.heapBytes()
      // commands go on writing a new value in byte form after adding it
      if (!complete) this.host.modifying(this, value)
      return new StoredString(value, lru)
    }
    value.lru = lru
    value.accounted = value.heapBytes()
    // commands fill a new aggregate after adding it: its size is reconciled after the command
    if (!complete) this.host.modifying(this, value)
    return value
  }

  /**
   * Adds a key that does not exist (dbAdd): emits "new" and wakes clients blocked on the key. A string
   * may come in byte form (SETBIT, PFADD, ... creating their key; RENAME moving one).
   */
  add(key: string, value: Value | ByteString): void {
    if (this.cow !== undefined) this.keepForSnapshots(key, true)
    const stored = this.store(value, this.host.newStamp())
    this.memory += keyBytes(key) + storedBytes(stored)
    this.entries.set(key, stored)
    stored.keySlot = this.slots.length
    this.slots.push(key)
    this.slotStored.push(stored)
    this.host.keyAdded(this, key, value instanceof ByteString ? "" : value)
  }

  /**
   * Adds a key read from a file to a database nobody uses yet (persistence loads into fresh databases
   * and swaps them in once the file is read): no event, no waiter, no snapshot guard. `lru` is the
   * LRU clock the value gets. False when the key was already there: the load fails and this database
   * is dropped (the key now holds the later value; one dictionary lookup per key instead of two).
   */
  loadKey(key: string, value: Value, expireAt: number | bigint, lru: number): boolean {
    const entries = this.entries
    const size = entries.size
    let stored: Stored
    let bytes: number
    if (typeof value === "string") {
      stored = new StoredString(value, lru)
      bytes = stringValueBytes(value)
    } else {
      value.lru = lru
      bytes = value.accounted = value.heapBytes()
      stored = value
    }
    entries.set(key, stored)
    if (entries.size === size) return false
    this.memory += keyBytes(key) + bytes
    stored.keySlot = this.slots.length
    this.slots.push(key)
    this.slotStored.push(stored)
    if (expireAt !== -1) this.setExpire(key, expireAt)
    return true
  }

  /**
   * Sets a key to a value whether or not it exists (setKey). Without `keepTtl` the key loses its TTL,
   * as SET does.
   */
  set(key: string, value: Value | ByteString, keepTtl = false): void {
    const stored = this.live(key)
    if (stored === undefined) return this.add(key, value)
    if (this.cow !== undefined) this.keepForSnapshots(key, stored !== value)
    this.streamGone(key, stored)
    if (typeof value === "string" && stored instanceof StoredString) {
      this.memory += this.stringReplaced(stored, value)
      // dbSetValue keeps the LFU data of the key it overwrites (its lookup counted the access)
      stored.lru = this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock
    } else {
      const before = storedBytes(stored)
      const next = this.store(value, this.host.lfu ? this.host.lfuTouch(stored.lru) : this.host.lruClock)
      if (stored !== next) this.replaced(stored, next)
      this.memory += storedBytes(next) - before
      this.entries.set(key, next)
    }
    if (!keepTtl) this.persist(key)
  }

  /** Replaces the value of a live key, keeping its TTL (in-place updates that replace a string). */
  replace(key: string, value: Value): void {
    const stored = this.entries.get(key)
    if (stored === undefined) return
    if (this.cow !== undefined) this.keepForSnapshots(key, stored !== value)
    if (typeof value === "string" && stored instanceof StoredString) {
      this.memory += this.stringReplaced(stored, value)
    } else {
      const before = storedBytes(stored)
      const next = this.store(value, stored.lru)
      if (stored !== next) this.replaced(stored, next)
      this.memory += storedBytes(next) - before
      this.entries.set(key, next)
    }
  }

  /** A string entry takes a new string (set, replace): the change of its accounted size. */
  private stringReplaced(stored: StoredString, value: string): number {
    const old = stored.value
    stored.value = value
    if (typeof old === "string") return value.length - old.length
    const change = stringValueBytes(value) - STORED_STRING - old.accounted
    old.accounted = -1
    return change
  }

  /** Deletes a key if present (dbDelete); true if it existed. Does not check expiry. */
  delete(key: string): boolean {
    const stored = this.entries.get(key)
    if (stored === undefined) return false
    if (this.cow !== undefined) this.keepForSnapshots(key, true)
    this.streamGone(key, stored)
    this.entries.delete(key)
    this.memory -= keyBytes(key) + storedBytes(stored)
    gone(stored)
    this.slotStored[stored.keySlot] = undefined
    stored.keySlot = -1
    if (this.expires.size !== 0 && this.expires.delete(key)) {
      this.memory -= EXPIRE_OVERHEAD
      if (this.exactExpires.size !== 0) this.exactExpires.delete(key)
    }
    // compact once stale slots outnumber live keys: O(1) amortized per delete, and at most half of
    // the slots are ever stale (RANDOMKEY's retries, SCAN's skipping stay cheap)
    if (++this.staleSlots > STALE_SLOTS_ALLOWED && this.staleSlots > this.entries.size) this.compactSlots()
    return true
  }

  /** A key's stored object gave way to another (a change of type): the new one takes over its slot. */
  private replaced(stored: Stored, next: Stored): void {
    gone(stored)
    next.keySlot = stored.keySlot
    this.slotStored[stored.keySlot] = next
    stored.keySlot = -1
  }

  /** Absolute expiry (ms) of a live key, -1 without TTL, undefined when the key does not exist. */
  getExpire(key: string): number | undefined {
    if (this.live(key) === undefined) return undefined
    return this.expires.get(key) ?? -1
  }

  /** getExpire with the exact 64-bit time for expiries beyond 2^53 ms (PEXPIRETIME, GT/LT). */
  getExpireExact(key: string): number | bigint | undefined {
    const at = this.getExpire(key)
    if (at === undefined || at === -1 || this.exactExpires.size === 0) return at
    return this.exactExpires.get(key) ?? at
  }

  /** Sets the absolute expiry (ms, any 64-bit time) of an existing key. */
  setExpire(key: string, at: number | bigint): void {
    if (!this.entries.has(key)) return
    if (this.cow !== undefined) this.keepForSnapshots(key, false)
    const rounded = Number(at)
    if (!this.expires.has(key)) this.memory += EXPIRE_OVERHEAD
    this.expires.set(key, rounded)
    if (typeof at === "bigint" && !Number.isSafeInteger(rounded)) this.exactExpires.set(key, at)
    else if (this.exactExpires.size !== 0) this.exactExpires.delete(key)
  }

  /** Removes the TTL; true if the key had one. */
  persist(key: string): boolean {
    if (this.expires.size === 0) return false
    if (this.cow !== undefined && this.expires.has(key)) this.keepForSnapshots(key, false)
    if (!this.expires.delete(key)) return false
    this.memory -= EXPIRE_OVERHEAD
    if (this.exactExpires.size !== 0) this.exactExpires.delete(key)
    return true
  }

  /** True if the key exists in the dictionary but its time has passed (not deleted yet). */
  isLogicallyExpired(key: string): boolean {
    const at = this.expires.get(key)
    return at !== undefined && at < this.host.now && this.entries.has(key)
  }

  /** A random live key (dbRandomKey), or undefined when the database is empty. */
  randomKey(random: () => number = Math.random): string | undefined {
    let attempts = 0
    while (this.entries.size > 0) {
      const key = this.slots[Math.floor(random() * this.slots.length)]!
      if (!this.entries.has(key)) continue // a stale slot: at most half of them, so retries are few
      const at = this.expires.get(key)
      if (at === undefined || at >= this.host.now) return key
      if (this.host.expiryHeld) {
        // Like Redis on a replica: give up after a while when every key is logically expired.
        if (++attempts >= 100 && this.expires.size === this.entries.size) return key
        continue
      }
      this.host.expireKey(this, key)
    }
    return undefined
  }

  /**
   * Up to `count` keys for eviction's sampling (dictGetSomeKeys), into `out` with their stored
   * objects in `stored`: from the whole database, consecutive live slots from a random position (as
   * Redis walks consecutive buckets: one random region of memory instead of `count`), or with
   * `volatile` the next keys of the expires dictionary from where the last sample stopped (a Map has
   * no random access; the walk wraps around). Expired keys are sampled as any other.
   */
  sampleKeys(count: number, volatile: boolean, out: Array<string>, stored: Array<Stored>, random: () => number = Math.random): void {
    out.length = 0
    stored.length = 0
    if (volatile) {
      const n = Math.min(count, this.expires.size)
      let wrapped = false
      while (out.length < n) {
        this.evictionCursor ??= this.expires.keys()
        const next = this.evictionCursor.next()
        if (next.done === true) {
          this.evictionCursor = undefined
          if (wrapped) return
          wrapped = true
          continue
        }
        const s = this.entries.get(next.value)
        if (s === undefined) continue
        out.push(next.value)
        stored.push(s)
      }
      return
    }
    const slots = this.slots
    const slotStored = this.slotStored
    const n = Math.min(count, this.entries.size)
    if (n === 0) return
    // at most half of the slots are stale, so a walk of 4n + 32 slots finds n live ones but with
    // negligible odds; no dictionary lookup (see slotStored)
    let i = Math.floor(random() * slots.length)
    for (let walked = 0; out.length < n && walked < 4 * n + 32; walked++) {
      const s = slotStored[i]
      if (s !== undefined) {
        out.push(slots[i]!)
        stored.push(s)
      }
      if (++i === slots.length) i = 0
    }
  }

  /**
   * One SCAN step over `count` live slots: visits the keys still in the dictionary (expired or not;
   * callers decide) and returns the next cursor, 0 when done.
   *
   * The cursor is a slot position walked downwards. New keys are appended at the end, behind the
   * walk; a deleted key's slot goes stale; compaction keeps the order of the live slots and only moves
   * them to lower positions, so a key ahead of the cursor stays ahead of it. A key present for the
   * whole scan is therefore returned at least once, the guarantee Redis's SCAN gives. A key deleted
   * and added again has a stale slot besides its live one: one call returns it once, a whole scan may
   * return it twice, as Redis allows. Stale slots are skipped without counting towards `count`.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    let position = cursor === 0 ? this.slots.length - 1 : Math.min(cursor - 1, this.slots.length - 1)
    const seen = this.staleSlots === 0 ? undefined : new Set<string>()
    let examined = 0
    while (position >= 0 && examined < count) {
      const key = this.slots[position--]!
      if (!this.entries.has(key) || seen?.has(key) === true) continue
      seen?.add(key)
      visit(key)
      examined++
    }
    return position < 0 ? 0 : position + 1
  }

  /** Compacts the slots if any is stale (eviction, when its samples keep missing). */
  normalizeSlots(): void {
    if (this.staleSlots !== 0) this.compactSlots()
  }

  /** Drops stale slots, keeping the order of the rest (each live key has one slot). */
  private compactSlots(): void {
    const slots = this.slots
    const slotStored = this.slotStored
    const kept: string[] = []
    const keptStored: Stored[] = []
    for (let i = 0; i < slots.length; i++) {
      const s = slotStored[i]
      if (s === undefined) continue
      s.keySlot = kept.length
      kept.push(slots[i]!)
      keptStored.push(s)
    }
    this.slots = kept
    this.slotStored = keptStored
    this.staleSlots = 0
  }

  /** All keys (KEYS), expired ones included: callers decide. */
  keys(): IterableIterator<string> {
    return this.entries.keys()
  }

  /** Empties the database (FLUSHDB); returns the number of keys removed. */
  clear(): number {
    this.host.reconcile()
    this.blockedStreamsGone()
    // a snapshot keeps the old maps, which nothing changes any more
    if (this.cow !== undefined) this.cow.owner = undefined
    this.cow = undefined
    const n = this.entries.size
    this.entries = new Map()
    this.expires = new Map()
    this.exactExpires = new Map()
    this.slots = []
    this.slotStored = []
    this.staleSlots = 0
    this.expiryCursor = undefined
    this.evictionCursor = undefined
    this.avgTtl = 0
    this.memory = 0
    return n
  }

  /** Swaps contents with another database (SWAPDB); watched keys stay with their database number. */
  swapContents(other: Database): void {
    this.host.reconcile()
    this.blockedStreamsGone()
    other.blockedStreamsGone()
    ;[this.entries, other.entries] = [other.entries, this.entries]
    ;[this.expires, other.expires] = [other.expires, this.expires]
    ;[this.exactExpires, other.exactExpires] = [other.exactExpires, this.exactExpires]
    ;[this.slots, other.slots] = [other.slots, this.slots]
    ;[this.staleSlots, other.staleSlots] = [other.staleSlots, this.staleSlots]
    ;[this.slotStored, other.slotStored] = [other.slotStored, this.slotStored]
    ;[this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl]
    ;[this.memory, other.memory] = [other.memory, this.memory]
    // a snapshot's guard follows the contents it guards
    ;[this.cow, other.cow] = [other.cow, this.cow]
    if (this.cow !== undefined) this.cow.owner = this
    if (other.cow !== undefined) other.cow.owner = other
    this.expiryCursor = undefined
    other.expiryCursor = undefined
    this.evictionCursor = undefined
    other.evictionCursor = undefined
  }

  /**
   * signalDeletedKeyAsReady: when a stream leaves the keyspace (deleted, overwritten, flushed,
   * swapped away), clients blocked on it in XREADGROUP must be released: Redis 7.0 answers them
   * with an error.
   */
  private streamGone(key: string, stored: Stored): void {
    if (!(stored instanceof StoredString) && stored.type === "stream") this.host.keyReady(this, key)
  }

  /** scanDatabaseForDeletedStreams, before the whole contents go (FLUSHDB, FLUSHALL, SWAPDB). */
  private blockedStreamsGone(): void {
    for (const key of this.host.blockedKeys(this)) {
      const stored = this.entries.get(key)
      if (stored !== undefined) this.streamGone(key, stored)
    }
  }

  // --- WATCH: the clients watching each key (Redis's db->watched_keys) ---------------------------------

  /** Registers one client's WATCH of a key (watchForKey); the client keeps the same record. */
  watch(watched: WatchedKey): void {
    const list = this.watched.get(watched.key)
    if (list === undefined) this.watched.set(watched.key, [watched])
    else list.push(watched)
  }

  unwatch(watched: WatchedKey): void {
    const list = this.watched.get(watched.key)
    if (list === undefined) return
    const i = list.indexOf(watched)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.watched.delete(watched.key)
  }

  /**
   * signalModifiedKey (touchWatchedKey): the clients watching the key will fail EXEC, and stop watching
   * anything. A key that was already expired at WATCH time and is now gone did not change logically:
   * its watcher only forgets that it was expired. Redis 7.0 stops at a watcher of an expired key that
   * is still in the dictionary (its `break`), leaving that watcher and the ones after it clean; so do we.
   */
  touch(key: string): void {
    const modified = this.host.keyModified
    if (modified !== undefined) modified(key)
    if (this.watched.size === 0) return
    const list = this.watched.get(key)
    if (list !== undefined) this.touchWatchers(key, list)
  }

  private touchWatchers(key: string, list: Array<WatchedKey>): void {
    let i = 0
    while (i < list.length) {
      const watched = list[i]!
      if (watched.expired) {
        if (this.entries.has(key)) return
        watched.expired = false
        i++
        continue
      }
      watched.client.dirtyCas = true
      // no point in watching anything once dirty: this removes `watched` from `list`, so `i` stays
      unwatchAllKeys(watched.client)
      if (list[i] === watched) i++
    }
  }

  /**
   * touchAllWatchedKeysInDb, before this database's contents go (FLUSHDB, FLUSHALL: `replacedWith`
   * undefined) or are exchanged with `replacedWith`'s (SWAPDB). Only the keys that exist here or in
   * `replacedWith` are changed; an expired key that disappears, or is replaced by another expired
   * key, is no change, and a missing key replaced by an expired one counts as expired from now on.
   */
  touchAll(replacedWith?: Database): void {
    if (this.watched.size === 0) return
    for (const [key, list] of this.watched) {
      const existsHere = this.entries.has(key)
      const existsThere = replacedWith !== undefined && replacedWith.entries.has(key)
      if (!existsHere && !existsThere) continue
      for (const watched of list) {
        if (watched.expired) {
          if (!existsThere) {
            watched.expired = false
            continue
          }
          if (replacedWith!.isLogicallyExpired(key)) continue
        } else if (!existsHere && replacedWith!.isLogicallyExpired(key)) {
          watched.expired = true
          continue
        }
        // marked only: unwatching here would change the lists being walked (Redis does the same)
        watched.client.dirtyCas = true
      }
    }
  }
}

/** A client as WATCH sees it: its watched keys, and whether one of them changed (CLIENT_DIRTY_CAS). */
export interface WatchingClient {
  watched: Array<WatchedKey>
  dirtyCas: boolean
}

/** One client's WATCH of one key, in the client's list and in its database's (Redis's watchedKey). */
export interface WatchedKey {
  readonly db: Database
  readonly key: string
  readonly client: WatchingClient
  /** The key was logically expired when watched (or replaced by an expired key by SWAPDB since). */
  expired: boolean
}

/** unwatchAllKeys: the client stops watching every key; its dirty flag is left to the caller. */
export const unwatchAllKeys = (client: WatchingClient): void => {
  if (client.watched.length === 0) return
  const watched = client.watched
  client.watched = []
  for (const w of watched) w.db.unwatch(w)
}

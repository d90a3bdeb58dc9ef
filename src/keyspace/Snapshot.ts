/**
 * Point-in-time snapshots of the keyspace (what BGSAVE and a full sync need), by copy-on-write per
 * key instead of Redis's fork.
 *
 * Taking a snapshot costs O(databases): for each non-empty database it keeps references to the
 * contents as they are (the `entries`/`expires` maps and the `slots` array with its length) and
 * attaches a `CopyOnWrite` to them. The walk then goes through the slots present at that instant
 * (an append-only prefix of the array: new keys land behind it, compaction and FLUSHDB build new
 * arrays), so keys added later are never seen. While the walk has not reached a key, the first
 * change to it (every write path of `Database`: lookupWrite/willModify, add, set, replace, delete,
 * setExpire, persist, which covers lazy and active expiry, RENAME, MOVE, COPY) hands its state at
 * the snapshot's instant to the snapshot: a clone of an aggregate about to change in place, the
 * string itself (immutable), the aggregate itself when it leaves the keyspace, or "absent" for a key
 * that did not exist. FLUSHDB/FLUSHALL put new maps in place, so the snapshot keeps the old ones,
 * which nothing changes any more; SWAPDB swaps the `CopyOnWrite` along with the maps it guards.
 *
 * The walk marks each key it yields as done (one Map entry per key of the database being walked,
 * dropped when it moves to the next database), so later changes to it keep nothing, and a key named by
 * two slots (deleted and added again before the snapshot) is yielded once. Keys present in the
 * dictionary but logically expired are yielded, as Redis's rdbSave writes them; the reader decides.
 * Keeping an aggregate that leaves the keyspace without cloning it is safe because a value moves to
 * another key (RENAME, MOVE) only after `lookupWrite` of its old key, which cloned it already.
 *
 * Several snapshots may be alive at once: each has its own view of each database's contents, and a
 * changed key's state is captured once and shared by the views that need it.
 */
import { ShardedMap } from "../util/ShardedMap.ts"
import type { Database, Stored } from "./Database.ts"
import { StoredString, stringOf } from "./StoredString.ts"
import type { Value } from "./Value.ts"

/** A key and its value as of the snapshot's instant. */
export interface SnapshotEntry {
  readonly db: number
  readonly key: string
  /**
   * The value. A value still live in the keyspace is valid until the next write: serialize it before
   * letting commands run (a saved copy is never changed).
   */
  readonly value: Value
  /** Absolute expiry in ms (a bigint beyond 2^53, exactly as set), -1 without TTL. */
  readonly expireAt: number | bigint
}

/** A key's state at the snapshot's instant, kept when it changed before the walk reached it. */
interface Kept {
  readonly value: Value
  readonly expireAt: number | bigint
}

/** The key did not exist at the snapshot's instant. */
const ABSENT = 0
/** The walk has yielded the key: later changes need not be kept. */
const DONE = 1
type KeptState = Kept | typeof ABSENT | typeof DONE

/** What a database's contents hold internally, as a snapshot reads them. */
export interface Contents {
  readonly entries: Map<string, Stored>
  readonly expires: Map<string, number>
  readonly exactExpires: Map<string, bigint>
  readonly slots: ReadonlyArray<string>
  /** Slots that went stale since the array was last compacted. */
  readonly staleSlots: number
}

/** One snapshot's view of one database's contents. */
class DbView {
  readonly db: number
  readonly contents: Contents
  /** Slots [0, length) of `contents.slots` are the keys at the snapshot's instant (some stale). */
  readonly length: number
  /**
   * Whether those slots may name keys absent at the instant (stale slots): only then must a key
   * added later be remembered as absent; otherwise the slots are exactly the keys of the instant.
   */
  readonly mayHoldAbsent: boolean
  position = 0
  /** Sharded: it fills with a mark per walked key while commands run, and one big Map's rehash would stall them. */
  readonly kept = new ShardedMap<KeptState>()
  guard: CopyOnWrite | undefined

  constructor(db: number, contents: Contents, guard: CopyOnWrite | undefined) {
    this.db = db
    this.contents = contents
    // an empty database has nothing to walk (and no guard: its slots may be stale keys added again)
    this.length = guard === undefined ? 0 : contents.slots.length
    this.mayHoldAbsent = contents.staleSlots > 0
    this.guard = guard
  }

  detach(): void {
    if (this.guard === undefined) return
    this.guard.remove(this)
    this.guard = undefined
  }
}

/**
 * Attached to a database's contents (`Database.cow`) while some snapshot has not finished walking
 * them: the database asks it to keep a key's state before its first change.
 */
export class CopyOnWrite {
  views: Array<DbView> = []
  /**
   * The database whose contents these are (SWAPDB moves it along), undefined once FLUSHDB replaced
   * them: when the last view is gone, the owner's write path is free again.
   */
  owner: Database | undefined

  constructor(owner: Database) {
    this.owner = owner
  }

  /** True when some view still needs the state of `key` (present in the contents or not) before it changes. */
  wants(key: string, present: boolean): boolean {
    for (const view of this.views) if ((present || view.mayHoldAbsent) && !view.kept.has(key)) return true
    return false
  }

  /** Keeps `state` (the key's current state, undefined if absent) for each view that needs it. */
  keep(key: string, state: Kept | undefined): void {
    const kept: KeptState = state ?? ABSENT
    for (const view of this.views) {
      if ((state !== undefined || view.mayHoldAbsent) && !view.kept.has(key)) view.kept.set(key, kept)
    }
  }

  remove(view: DbView): void {
    this.views = this.views.filter((v) => v !== view)
    if (this.views.length === 0 && this.owner !== undefined) {
      if (this.owner.cow === this) this.owner.cow = undefined
      this.owner = undefined
    }
  }
}

/** The state of `key` in `contents` now, for a snapshot: `detach` when the aggregate leaves the keyspace. */
export const stateOf = (contents: Contents, key: string, detach: boolean): Kept | undefined => {
  const stored = contents.entries.get(key)
  if (stored === undefined) return undefined
  const value = stored instanceof StoredString ? stringOf(stored.value) : detach ? stored : stored.clone()
  return { value, expireAt: expireOf(contents, key) }
}

const expireOf = (contents: Contents, key: string): number | bigint => {
  const at = contents.expires.get(key)
  if (at === undefined) return -1
  return contents.exactExpires.size === 0 ? at : contents.exactExpires.get(key) ?? at
}

/**
 * A point-in-time view of every database. Walk it with `next()` (or iterate it), in database order,
 * as slowly as wanted while commands keep running; `release()` when done (or abandoned).
 */
export class KeyspaceSnapshot implements Iterable<SnapshotEntry> {
  private readonly views: Array<DbView>
  private current = 0
  private onRelease: ((snapshot: KeyspaceSnapshot) => void) | undefined

  constructor(dbs: ReadonlyArray<Database>, onRelease: (snapshot: KeyspaceSnapshot) => void) {
    this.onRelease = onRelease
    this.views = dbs.map((db) => {
      const contents = db.contents()
      if (contents.entries.size === 0) return new DbView(db.id, contents, undefined)
      const guard = db.copyOnWrite()
      const view = new DbView(db.id, contents, guard)
      guard.views.push(view)
      return view
    })
  }

  /** The next key of the snapshot, or undefined when the walk is over. */
  next(): SnapshotEntry | undefined {
    while (this.current < this.views.length) {
      const view = this.views[this.current]!
      const { contents, kept } = view
      while (view.position < view.length) {
        const key = contents.slots[view.position++]!
        const state = kept.get(key)
        if (state === DONE || state === ABSENT) continue
        if (state !== undefined) {
          kept.set(key, DONE)
          return { db: view.db, key, value: state.value, expireAt: state.expireAt }
        }
        // unchanged since the snapshot (or a stale slot: the key was not there)
        const stored = contents.entries.get(key)
        if (stored === undefined) continue
        kept.set(key, DONE)
        const value = stored instanceof StoredString ? stringOf(stored.value) : stored
        return { db: view.db, key, value, expireAt: expireOf(contents, key) }
      }
      view.detach()
      view.kept.clear()
      this.current++
    }
    return undefined
  }

  *[Symbol.iterator](): Iterator<SnapshotEntry> {
    for (let entry = this.next(); entry !== undefined; entry = this.next()) yield entry
  }

  get released(): boolean {
    return this.onRelease === undefined
  }

  /** Stops keeping copies for this snapshot. Idempotent. */
  release(): void {
    if (this.onRelease === undefined) return
    for (const view of this.views) {
      view.detach()
      view.kept.clear()
    }
    this.current = this.views.length
    const done = this.onRelease
    this.onRelease = undefined
    done(this)
  }
}

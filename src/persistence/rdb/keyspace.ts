/**
 * The keyspace to and from RDB files: a loader that fills fresh databases and swaps them in only once
 * the whole file has been read (so a corrupt or truncated file leaves the keyspace as it was), and a
 * writer that walks a point-in-time snapshot slice by slice (BGSAVE while commands keep running).
 */
import type { ConfigStore } from "../../config/ServerConfig.ts"
import { Database } from "../../keyspace/Database.ts"
import type { KeyspaceState } from "../../keyspace/Keyspace.ts"
import type { KeyspaceSnapshot } from "../../keyspace/Snapshot.ts"
import { type LoadSink, RdbEncoder, RdbLoader, type ReplicationAux, standardAux } from "./rdb.ts"
import { limitsFrom } from "./values.ts"

/** LRU_CLOCK_MAX */
const LRU_CLOCK_MAX = (1 << 24) - 1

export type LogFn = (level: "notice" | "warning" | "debug", line: string) => void

/** Options of a load: whether keys already expired are dropped (a master loading a snapshot). */
export interface KeyspaceLoadOptions {
  readonly expireOnLoad?: boolean
  /** Function library payloads found in the file go here (kept for when scripting exists). */
  readonly functions?: Array<string>
  /** Unix ms against which expiries are judged (default: the keyspace's current batch time). */
  readonly now?: number
}

/**
 * An RDB file being loaded into a keyspace: `step` reads a slice of keys into staging databases,
 * `commit` swaps them in (the keyspace's previous contents are dropped). Until `commit`, the keyspace
 * is untouched.
 */
export class KeyspaceLoad {
  readonly loader: RdbLoader
  private readonly staging: Array<Database>
  private readonly keyspace: KeyspaceState
  private readonly functions: Array<string>

  constructor(keyspace: KeyspaceState, config: ConfigStore, bytes: Uint8Array, log: LogFn, options: KeyspaceLoadOptions = {}) {
    this.keyspace = keyspace
    this.staging = keyspace.dbs.map((db) => new Database(db.id, keyspace))
    this.functions = options.functions ?? []
    const lruClock = keyspace.lruClock
    const lfu = config.get("maxmemory-policy")!.endsWith("-lfu")
    const staging = this.staging
    const functions = this.functions
    const sink: LoadSink = {
      key: (db, key, value, expireAt, lruIdle) => {
        let lru = lfu ? keyspace.newStamp() : lruClock
        if (!lfu && lruIdle >= 0) {
          lru = lruClock - Math.min(lruIdle, LRU_CLOCK_MAX)
          if (lru < 0) lru += LRU_CLOCK_MAX
        }
        return staging[db]!.loadKey(key, value, expireAt, lru)
      },
      function: (code) => {
        functions.push(code)
      },
      log
    }
    this.loader = new RdbLoader(bytes, {
      limits: limitsFrom(config),
      databases: keyspace.dbs.length,
      checksum: config.getBool("rdbchecksum"),
      now: options.now ?? keyspace.now,
      expireOnLoad: options.expireOnLoad ?? !keyspace.isReplica
    }, sink)
  }

  step(maxKeys: number): boolean {
    return this.loader.step(maxKeys)
  }

  /** The databases loaded so far (not in use by the keyspace). */
  databases(): ReadonlyArray<Database> {
    return this.staging
  }

  /** Replaces the keyspace's contents with what was loaded (as emptyData then the load). */
  commit(): void {
    for (const db of this.keyspace.dbs) db.touchAll()
    this.keyspace.flushed()
    for (let i = 0; i < this.staging.length; i++) {
      const db = this.keyspace.dbs[i]!
      db.clear()
      db.swapContents(this.staging[i]!)
    }
  }
}

/** Loads a whole file at once (DEBUG RELOAD, tests); throws RdbError / RdbFormatError / RdbFatal. */
export const loadKeyspace = (keyspace: KeyspaceState, config: ConfigStore, bytes: Uint8Array, log: LogFn, options: KeyspaceLoadOptions = {}): RdbLoader => {
  const load = new KeyspaceLoad(keyspace, config, bytes, log, options)
  load.step(Infinity)
  load.commit()
  return load.loader
}

export interface SaveOptions {
  readonly version: string
  readonly usedMemory: number
  readonly aofBase?: boolean
  readonly functions?: ReadonlyArray<string>
  /** A full sync's payload: repl-stream-db, repl-id and repl-offset. */
  readonly replication?: ReplicationAux
}

/**
 * A snapshot of the keyspace being encoded: `step` encodes a slice of keys and returns the bytes
 * produced so far, until `done`. The snapshot is taken when this is created (sizes for RESIZEDB as
 * of that instant), so commands may run between steps.
 */
export class SnapshotEncoder {
  private readonly snapshot: KeyspaceSnapshot
  private readonly encoder: RdbEncoder
  private readonly sizes: ReadonlyArray<readonly [number, number]>
  private currentDb = -1
  done = false
  /** Keys written so far (current_save_keys_processed). */
  keysWritten = 0
  readonly keysTotal: number

  constructor(keyspace: KeyspaceState, config: ConfigStore, options: SaveOptions) {
    this.sizes = keyspace.dbs.map((db) => [db.size, db.expires.size] as const)
    this.keysTotal = this.sizes.reduce((n, [size]) => n + size, 0)
    this.snapshot = keyspace.snapshot()
    this.encoder = new RdbEncoder({
      compression: config.getBool("rdbcompression"),
      checksum: config.getBool("rdbchecksum"),
      limits: limitsFrom(config)
    })
    this.encoder.header(standardAux(options.version, keyspace.now, options.usedMemory, options.aofBase ?? false, options.replication))
    this.encoder.functions(options.functions ?? [])
  }

  /** Bytes produced so far, drained or not (rdb_last_save size). */
  get produced(): number {
    return this.encoder.produced + this.encoder.pending
  }

  /**
   * Encodes up to `maxKeys` keys (stopping early once `maxBytes` are pending) and returns the bytes
   * produced: the file's next piece, the last one (EOF and checksum) when `done`.
   */
  step(maxKeys: number, maxBytes = 1 << 20): Buffer {
    if (this.done) return Buffer.alloc(0)
    const encoder = this.encoder
    for (let n = 0; n < maxKeys && encoder.pending < maxBytes; n++) {
      const entry = this.snapshot.next()
      if (entry === undefined) {
        this.done = true
        this.snapshot.release()
        return encoder.finish()
      }
      if (entry.db !== this.currentDb) {
        this.currentDb = entry.db
        const [size, expires] = this.sizes[entry.db]!
        encoder.selectDb(entry.db, size, expires)
      }
      encoder.entry(entry.key, entry.value, entry.expireAt)
      this.keysWritten++
    }
    return encoder.drain()
  }

  /** Stops keeping copies for the snapshot (an abandoned save). */
  release(): void {
    this.snapshot.release()
  }
}

/** A whole file at once (SAVE, DEBUG RELOAD, tests). */
export const encodeKeyspace = (keyspace: KeyspaceState, config: ConfigStore, options: SaveOptions): Buffer => {
  const encoder = new SnapshotEncoder(keyspace, config, options)
  const parts: Array<Buffer> = []
  while (!encoder.done) parts.push(encoder.step(Infinity, Infinity))
  return Buffer.concat(parts)
}

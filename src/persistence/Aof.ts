/**
 * The multi-part AOF of Redis 7.0 (aof.c), owned by the persistence service: the manifest and its
 * files in `appenddirname`, every propagated write appended in its deterministic form (the keyspace's
 * propagation stream, SELECT when the database changes, `#TS:` annotations with
 * aof-timestamp-enabled), appendfsync kept honestly (always: written and fsynced at the end of each
 * batch, before its replies leave; everysec: fsync off the event loop at most once a second; no:
 * never), loading at start-up (a base in RDB or AOF format, then the incr files, through the `aof`
 * internal client, a truncated tail handled as aof-load-truncated says), BGREWRITEAOF and the
 * automatic rewrite (a new base from a keyspace snapshot written in slices, a new incr file opened at
 * its start, the manifest replaced atomically, history files removed after), and turning the AOF on
 * or off with CONFIG SET appendonly.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
  close as closeFd
} from "node:fs"
import * as FsPromises from "node:fs/promises"
import * as Path from "node:path"
import { strerror } from "../config/directives.ts"
import type { KeyspaceSnapshot } from "../keyspace/Snapshot.ts"
import type { Client } from "../server/Client.ts"
import { Callers } from "../server/Engine.ts"
import { AofReader, encodeCommand, rewriteKey, selectCommand, timestampAnnotation } from "./aof/format.ts"
import { AofManifest, ManifestError, manifestName, parseManifest, TEMP_PREFIX, tempIncrName, tempManifestName } from "./aof/manifest.ts"
import { RdbError } from "./rdb/format.ts"
import { KeyspaceLoad, SnapshotEncoder } from "./rdb/keyspace.ts"
import { RdbFatal, RdbFormatError } from "./rdb/rdb.ts"
import type { PersistenceState } from "./Persistence.ts"

export type AofStatus = "off" | "on" | "wait_rewrite"

/** What loading one file gave (loadSingleAppendOnlyFile's AOF_* results). */
type LoadResult = "ok" | "empty" | "truncated" | "failed" | "not_exist"

const KEYS_PER_SLICE = 1000
const BYTES_PER_SLICE = 1 << 20
/** Commands replayed between two turns of the event loop while loading. */
const COMMANDS_PER_SLICE = 1024

/** A base being written: the RDB preamble, or the commands that recreate each key. */
class BaseEncoder {
  private readonly rdb: SnapshotEncoder | undefined
  private readonly snapshot: KeyspaceSnapshot | undefined
  private readonly parts: Array<string> = []
  private currentDb = -1
  done = false
  readonly preamble: boolean

  constructor(p: PersistenceState, preamble: boolean) {
    this.preamble = preamble
    if (preamble) {
      this.rdb = new SnapshotEncoder(p.keyspace, p.config, { version: p.version, usedMemory: p.usedMemory(), aofBase: true, functions: p.functionCodes() })
    } else {
      this.snapshot = p.keyspace.snapshot()
      if (p.config.getBool("aof-timestamp-enabled")) this.parts.push(timestampAnnotation(p.nowSeconds()))
      for (const code of p.functionCodes()) this.parts.push(encodeCommand(["FUNCTION", "LOAD", code]))
    }
  }

  step(maxKeys: number, maxBytes: number): Buffer {
    if (this.rdb !== undefined) {
      const chunk = this.rdb.step(maxKeys, maxBytes)
      this.done = this.rdb.done
      return chunk
    }
    const parts = this.parts
    let bytes = 0
    for (let n = 0; n < maxKeys && bytes < maxBytes; n++) {
      const entry = this.snapshot!.next()
      if (entry === undefined) {
        this.done = true
        this.snapshot!.release()
        break
      }
      if (entry.db !== this.currentDb) {
        this.currentDb = entry.db
        parts.push(selectCommand(entry.db))
      }
      rewriteKey(entry.key, entry.value, entry.expireAt, (argv) => {
        const text = encodeCommand(argv)
        bytes += text.length
        parts.push(text)
      })
    }
    const out = Buffer.from(parts.join(""), "latin1")
    parts.length = 0
    return out
  }

  release(): void {
    this.rdb?.release()
    this.snapshot?.release()
  }
}

interface RewriteState {
  readonly startedAt: number
  readonly tempFile: string
  readonly encoder: BaseEncoder
  fiber: Fiber.Fiber<void> | undefined
}

export class AofState {
  private readonly p: PersistenceState
  status: AofStatus = "off"
  manifest = new AofManifest()
  fd = -1
  private buf: Array<string> = []
  private bufLength = 0
  selectedDb = -1
  private curTimestamp = 0
  lastIncrSize = 0
  lastIncrFsyncOffset = 0
  currentSize = 0
  rewriteBaseSize = 0
  private lastFsync = 0
  private fsyncInProgress = false
  delayedFsync = 0
  lastWriteOk = true
  lastWriteError = ""
  rewrite: RewriteState | undefined = undefined
  rewriteScheduled = false
  lastBgrewriteOk = true
  rewrites = 0
  consecutiveFailures = 0
  rewriteTimeLast = -1
  private flushScheduled = false
  private unsubscribe: (() => void) | undefined = undefined
  /** Set once the start-up sequence decided the AOF's state: CONFIG SET appendonly acts from then on. */
  ready = false

  constructor(p: PersistenceState) {
    this.p = p
  }

  private get config() {
    return this.p.config
  }

  get filename(): string {
    return this.config.get("appendfilename")!
  }

  /** The AOF directory: `dir`/`appenddirname`. */
  get dir(): string {
    return Path.join(this.config.get("dir")!, this.config.get("appenddirname")!)
  }

  private path(name: string): string {
    return Path.join(this.dir, name)
  }

  private log(level: "warning" | "notice" | "verbose", line: string): void {
    this.p.log(level, line)
  }

  // --- feeding -------------------------------------------------------------------------------------

  private subscribe(): void {
    if (this.unsubscribe !== undefined) return
    this.unsubscribe = this.p.keyspace.onPropagate((dbid, argv) => this.feed(dbid, argv))
  }

  private unsubscribeFeed(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  /** feedAppendOnlyFile */
  feed(dbid: number, argv: ReadonlyArray<string>): void {
    if (this.status === "off" || (this.status === "wait_rewrite" && this.rewrite === undefined)) return
    if (this.config.getBool("aof-timestamp-enabled")) {
      const now = this.p.nowSeconds()
      if (this.curTimestamp < now) {
        this.curTimestamp = now
        this.push(timestampAnnotation(now))
      }
    }
    if (dbid !== this.selectedDb) {
      this.push(selectCommand(dbid))
      this.selectedDb = dbid
    }
    this.push(encodeCommand(argv))
  }

  private push(text: string): void {
    this.buf.push(text)
    this.bufLength += text.length
    if (!this.flushScheduled) {
      this.flushScheduled = true
      // beforeSleep's flush: once the current turn of the event loop is over (always also flushes at
      // the end of each batch, before its replies leave)
      setImmediate(() => {
        this.flushScheduled = false
        this.flush(false)
      })
    }
  }

  /**
   * The engine's afterBatch hook: with appendfsync always, a batch that ends with writes not yet on
   * disk has its replies held until an fsync that started after those writes were written completes
   * (group commit, as Redis's beforeSleep flushAppendOnlyFile before it writes any reply). The fsync
   * runs on libuv's thread pool while the event loop keeps executing the next group's batches: Redis
   * fsyncs on its only thread, so it cannot overlap the two. True when the client's replies must wait.
   */
  afterBatch(client: Client): boolean {
    if (this.bufLength === 0 || this.config.get("appendfsync") !== "always") return false
    this.durableWaiters.add(client)
    if (!this.commitScheduled) {
      this.commitScheduled = true
      setImmediate(this.commit)
    }
    return true
  }

  /** Clients whose replies wait for writes that no started fsync covers yet. */
  private readonly durableWaiters = new Set<Client>()
  /** Clients whose replies wait for the fsync in flight. */
  private syncingWaiters: Array<Client> = []
  private commitScheduled = false
  /** The group fsync on the thread pool, if one runs: its callback acts only if `groupFsync` is still its number. */
  private groupFsyncRunning = false
  private groupFsync = 0

  /** Writes what the turn's batches appended and starts the fsync that lets their replies go. */
  private readonly commit = (): void => {
    this.commitScheduled = false
    if (this.bufLength > 0 || this.lastIncrFsyncOffset !== this.lastIncrSize) this.flush(false)
    // no fsync to wait for: no AOF file, no-appendfsync-on-rewrite during a rewrite, or appendfsync
    // changed by CONFIG SET since the batch
    if (!this.groupFsyncRunning) this.releaseAll()
  }

  /** The group's fsync, started once everything buffered is written; a second waits for the first. */
  private startGroupFsync(now: number): void {
    if (this.groupFsyncRunning) return
    this.groupFsyncRunning = true
    const id = ++this.groupFsync
    const fd = this.fd
    const target = this.lastIncrSize
    this.syncingWaiters = [...this.durableWaiters]
    this.durableWaiters.clear()
    const started = performance.now()
    fsync(fd, (err) => {
      if (id !== this.groupFsync) return
      this.p.keyspace.latencySample("aof-fsync-always", Math.floor(performance.now() - started))
      this.groupFsyncRunning = false
      if (err !== null) {
        this.log("warning", `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(err)}. Exiting...`)
        process.exit(1)
      }
      this.lastIncrFsyncOffset = target
      this.lastFsync = now
      const synced = this.syncingWaiters
      this.syncingWaiters = []
      // a client that sent more writes meanwhile waits for them too: its replies leave in order
      for (const client of synced) if (!this.durableWaiters.has(client)) this.release(client)
      if (this.durableWaiters.size > 0 || this.bufLength > 0 || this.lastIncrFsyncOffset !== this.lastIncrSize) this.commit()
    })
  }

  private release(client: Client): void {
    client.output.releaseDurable()
    if (!client.freed) client.wake()
  }

  /** Everything written is on disk (a synchronous fsync): every held reply goes, a running group fsync is moot. */
  private releaseAll(): void {
    if (this.groupFsyncRunning) {
      this.groupFsyncRunning = false
      this.groupFsync++
    }
    const clients = [...this.syncingWaiters, ...this.durableWaiters]
    this.syncingWaiters = []
    this.durableWaiters.clear()
    for (const client of clients) this.release(client)
  }

  get bufferLength(): number {
    return this.bufLength
  }

  /** flushAppendOnlyFile */
  flush(force: boolean): void {
    if (this.fd === -1) return
    const policy = this.config.get("appendfsync")
    const now = this.p.nowSeconds()
    if (this.bufLength === 0) {
      const unsynced = this.lastIncrFsyncOffset !== this.lastIncrSize
      if (!(unsynced && ((policy === "everysec" && now > this.lastFsync && !this.fsyncInProgress) || policy === "always"))) return
    } else {
      const data = Buffer.from(this.buf.length === 1 ? this.buf[0]! : this.buf.join(""), "latin1")
      let written = 0
      const writeStarted = performance.now()
      try {
        while (written < data.length) written += writeSync(this.fd, data, written, data.length - written)
        const ms = Math.floor(performance.now() - writeStarted)
        const sample = this.p.keyspace.latencySample
        sample(this.fsyncInProgress || this.groupFsyncRunning ? "aof-write-pending-fsync" : this.p.childActive() ? "aof-write-active-child" : "aof-write-alone", ms)
        sample("aof-write", ms)
      } catch (e) {
        this.log("warning", `Error writing to the AOF file: ${strerror(e)}`)
        this.lastWriteError = strerror(e)
        if (policy === "always") {
          this.log("warning", "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
          process.exit(1)
        }
        this.lastWriteOk = false
        if (written > 0) {
          this.currentSize += written
          this.lastIncrSize += written
          const rest = data.subarray(written).latin1Slice(0, data.length - written)
          this.buf = [rest]
          this.bufLength = rest.length
        }
        return
      }
      if (!this.lastWriteOk) {
        this.log("warning", "AOF write error looks solved, Redis can write again.")
        this.lastWriteOk = true
      }
      this.currentSize += written
      this.lastIncrSize += written
      this.buf = []
      this.bufLength = 0
    }
    // try_fsync
    if (this.config.getBool("no-appendfsync-on-rewrite") && this.p.childActive()) return
    if (policy === "always") {
      if (!force) return this.startGroupFsync(now)
      const started = performance.now()
      try {
        fsyncSync(this.fd)
      } catch (e) {
        this.log("warning", `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}. Exiting...`)
        process.exit(1)
      }
      this.p.keyspace.latencySample("aof-fsync-always", Math.floor(performance.now() - started))
      this.lastIncrFsyncOffset = this.lastIncrSize
      this.lastFsync = now
      this.releaseAll()
    } else if (policy === "everysec" && now > this.lastFsync) {
      if (!this.fsyncInProgress) {
        // aof_background_fsync: on libuv's thread pool, not the event loop
        this.fsyncInProgress = true
        fsync(this.fd, (err) => {
          this.fsyncInProgress = false
          if (err !== null) {
            this.lastWriteError = strerror(err)
            this.lastWriteOk = false
          }
        })
        this.lastIncrFsyncOffset = this.lastIncrSize
      } else if (force) {
        this.delayedFsync++
      }
      this.lastFsync = now
    }
  }

  // --- manifest ------------------------------------------------------------------------------------

  /** aofLoadManifestFromDisk */
  loadManifestFromDisk(): ManifestError | undefined {
    this.manifest = new AofManifest()
    if (!existsSync(this.dir)) return undefined
    const file = this.path(manifestName(this.filename))
    if (!existsSync(file)) return undefined
    let text: string
    try {
      text = readFileSync(file).toString("latin1")
    } catch (e) {
      return new ManifestError(`Fatal error: can't open the AOF manifest file ${file} for reading: ${strerror(e)}`)
    }
    const parsed = parseManifest(text)
    if (parsed instanceof ManifestError) return parsed
    this.manifest = parsed
    return undefined
  }

  /** persistAofManifest: written to a temp file, fsynced, renamed over the manifest. */
  private persistManifest(am: AofManifest): boolean {
    if (!am.dirty) return true
    const tmpName = tempManifestName(this.filename)
    const tmp = this.path(tmpName)
    let fd = -1
    try {
      fd = openSync(tmp, "w")
    } catch (e) {
      this.log("warning", `Can't open the AOF manifest file ${tmpName}: ${strerror(e)}`)
      return false
    }
    try {
      const data = Buffer.from(am.format(), "latin1")
      let written = 0
      while (written < data.length) written += writeSync(fd, data, written, data.length - written)
      fsyncSync(fd)
    } catch (e) {
      this.log("warning", `Error trying to write the temporary AOF manifest file ${tmpName}: ${strerror(e)}`)
      closeSync(fd)
      return false
    }
    closeSync(fd)
    try {
      renameSync(tmp, this.path(manifestName(this.filename)))
    } catch (e) {
      this.log("warning", `Error trying to rename the temporary AOF manifest file ${tmpName} into ${manifestName(this.filename)}: ${strerror(e)}`)
      return false
    }
    this.fsyncDir(this.dir)
    am.dirty = false
    return true
  }

  private fsyncDir(dir: string): void {
    try {
      const fd = openSync(dir, "r")
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    } catch {
      // best effort
    }
  }

  private createDir(): boolean {
    try {
      mkdirSync(this.dir, { recursive: true })
      return true
    } catch (e) {
      this.log("warning", `Can't open or create append-only dir ${this.config.get("appenddirname")}: ${strerror(e)}`)
      return false
    }
  }

  private fileSize(name: string): number | undefined {
    try {
      return statSync(this.path(name)).size
    } catch {
      return undefined
    }
  }

  /** aofDelHistoryFiles */
  delHistoryFiles(): void {
    if (this.config.getBool("aof-disable-auto-gc") || this.manifest.history.length === 0) return
    for (const ai of this.manifest.history) {
      this.log("notice", `Removing the history file ${ai.name} in the background`)
      try {
        unlinkSync(this.path(ai.name))
      } catch {
        // gone already
      }
    }
    this.manifest.history = []
    this.manifest.dirty = true
    this.persistManifest(this.manifest)
  }

  // --- loading -------------------------------------------------------------------------------------

  /**
   * aofUpgradePrepare: an old-style `appendfilename` in `dir` becomes the base of a new manifest in the
   * AOF directory.
   */
  private upgrade(): boolean {
    if (!this.createDir()) return false
    const am = this.manifest
    am.base = { name: this.filename, seq: 1, type: "b" }
    am.currBaseSeq = 1
    am.dirty = true
    if (!this.persistManifest(am)) return false
    try {
      renameSync(Path.join(this.config.get("dir")!, this.filename), this.path(this.filename))
    } catch (e) {
      this.log("warning", `Error trying to move the old AOF file ${this.filename} into dir ${this.config.get("appenddirname")}: ${strerror(e)}`)
      return false
    }
    this.log("notice", `Successfully migrated an old-style AOF file (${this.filename}) into the AOF directory (${this.config.get("appenddirname")}).`)
    return true
  }

  /**
   * loadAppendOnlyFiles: the base, then the incr files in order. `yieldEvery` lets the event loop run
   * between slices (start-up); DEBUG LOADAOF runs it synchronously.
   */
  *loadFiles(): Generator<void, LoadResult> {
    const am = this.manifest
    const oldStyle = Path.join(this.config.get("dir")!, this.filename)
    if (existsSync(oldStyle)) {
      const dirExists = existsSync(this.dir)
      if (
        !dirExists || (am.base === undefined && am.incr.length === 0) ||
        (am.base !== undefined && am.incr.length === 0 && am.base.name === this.filename && !existsSync(this.path(this.filename)))
      ) {
        if (!this.upgrade()) return "failed"
      }
    }
    if (am.base === undefined && am.incr.length === 0) return "not_exist"
    const files = [...(am.base === undefined ? [] : [am.base]), ...am.incr]
    let total = 0
    for (const ai of files) {
      const size = this.fileSize(ai.name)
      if (size === undefined) {
        this.log("warning", `Unable to obtain the AOF file ${ai.name} length. stat: No such file or directory`)
        return "failed"
      }
      total += size
    }
    if (total === 0) return "empty"
    this.p.startLoading(total)
    this.p.keyspace.loading = true
    let ret: LoadResult = "ok"
    let baseSize = 0
    try {
      for (let i = 0; i < files.length; i++) {
        const ai = files[i]!
        const last = i === files.length - 1
        const started = this.p.nowMs()
        if (ai.type === "b") baseSize = this.fileSize(ai.name) ?? 0
        ret = yield* this.loadSingle(ai.name)
        if (ret === "ok" || (ret === "truncated" && last)) {
          this.log("notice", `DB loaded from ${ai.type === "b" ? "base" : "incr"} file ${ai.name}: ${((this.p.nowMs() - started) / 1000).toFixed(3)} seconds`)
        }
        if (ret === "empty" && ai.type === "i") ret = "ok"
        if (ret === "truncated" && !last) {
          this.log("warning", "Fatal error: the truncated file is not the last file")
          ret = "failed"
        }
        if (ret === "failed") return ret
      }
      this.currentSize = total
      this.rewriteBaseSize = baseSize
      return ret
    } finally {
      this.p.keyspace.loading = false
      this.p.stopLoading()
    }
  }

  /** loadSingleAppendOnlyFile */
  private *loadSingle(name: string): Generator<void, LoadResult> {
    const file = this.path(name)
    let bytes: Buffer
    try {
      bytes = readFileSync(file)
    } catch (e) {
      if (existsSync(file)) {
        this.log("warning", `Fatal error: can't open the append log file ${name} for reading: ${strerror(e)}`)
        return "failed"
      }
      this.log("warning", `The append log file ${name} doesn't exist: ${strerror(e)}`)
      return "not_exist"
    }
    if (bytes.length === 0) return "empty"
    let offset = 0
    if (bytes.length >= 5 && bytes.latin1Slice(0, 5) === "REDIS") {
      const oldStyle = name === this.filename
      this.log("notice", oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...")
      try {
        const load = new KeyspaceLoad(this.p.keyspace, this.config, bytes, (level, line) => this.log(level === "debug" ? "verbose" : level, line), {
          expireOnLoad: false,
          functions: this.p.functions = [],
          now: this.p.nowMs()
        })
        while (!load.step(KEYS_PER_SLICE)) {
          this.p.progress(load.loader.position)
          yield
        }
        this.p.installFunctions(false)
        load.commit()
        offset = load.loader.position
      } catch (e) {
        for (const line of this.p.loadFailureLines(e)) this.log("warning", line)
        this.log("warning", oldStyle ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted` : `Error reading the RDB base file ${name}, AOF loading aborted`)
        return "failed"
      }
      if (oldStyle) this.log("notice", "Reading the remaining AOF tail...")
    }
    const engine = this.p.engine
    const client: Client = engine.createInternalClient("aof")
    const reader = new AofReader(bytes, offset)
    let validBeforeMulti = offset
    let count = 0
    let truncated = false
    try {
      for (;;) {
        const read = reader.next()
        if (read.kind === "eof") break
        if (read.kind === "truncated") {
          truncated = true
          break
        }
        if (read.kind === "format") {
          this.log("warning", `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`)
          return "failed"
        }
        const argv = read.argv
        if (engine.registry.lookup(argv[0]!) === undefined) {
          this.log("warning", `Unknown command '${argv[0]}' reading the append only file ${name}`)
          return "failed"
        }
        if (argv[0]!.toLowerCase() === "multi") validBeforeMulti = reader.validUpTo
        engine.dispatch(client, argv, Callers.aof)
        reader.commit()
        if (++count % COMMANDS_PER_SLICE === 0) {
          this.p.progress(reader.pos)
          yield
        }
      }
      let validUpTo = reader.validUpTo
      if (!truncated && client.multi !== undefined) {
        this.log("warning", `Revert incomplete MULTI/EXEC transaction in AOF file ${name}`)
        validUpTo = validBeforeMulti
        truncated = true
      }
      if (!truncated) return "ok"
      if (this.config.getBool("aof-load-truncated")) {
        this.log("warning", `!!! Warning: short read while loading the AOF file ${name}!!!`)
        this.log("warning", `!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`)
        try {
          truncateSync(file, validUpTo)
        } catch (e) {
          this.log("warning", `Error truncating the AOF file ${name}: ${strerror(e)}`)
          return "failed"
        }
        this.log("warning", `AOF ${name} loaded anyway because aof-load-truncated is enabled`)
        return "truncated"
      }
      this.log(
        "warning",
        `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`
      )
      return "failed"
    } finally {
      client.multi = undefined
    }
  }

  /**
   * aofOpenIfNeededOnServerStart: a base written now when there is none (and no incr), then the last
   * incr file opened for appending (a new one when there is none), the manifest persisted.
   */
  openOnStart(): boolean {
    if (!this.createDir()) return false
    const am = this.manifest
    const hadIncr = am.incr.length > 0
    if (am.base === undefined && !hadIncr) {
      const preamble = this.config.getBool("aof-use-rdb-preamble")
      const baseName = am.newBase(this.filename, preamble)
      if (!this.rewriteSync(this.path(baseName), preamble)) return false
      this.log("notice", `Creating AOF base file ${baseName} on server start`)
    }
    const incrName = am.lastIncr(this.filename)
    try {
      this.fd = openSync(this.path(incrName), "a")
    } catch (e) {
      this.log("warning", `Can't open the append-only file ${incrName}: ${strerror(e)}`)
      return false
    }
    if (!this.persistManifest(am)) return false
    this.lastIncrSize = this.fileSize(incrName) ?? 0
    this.lastIncrFsyncOffset = this.lastIncrSize
    if (this.currentSize === 0) this.currentSize = (am.base === undefined ? 0 : this.fileSize(am.base.name) ?? 0) + this.lastIncrSize
    this.log("notice", hadIncr ? `Opening AOF incr file ${incrName} on server start` : `Creating AOF incr file ${incrName} on server start`)
    this.status = "on"
    this.lastFsync = this.p.nowSeconds()
    this.subscribe()
    return true
  }

  /** rewriteAppendOnlyFile: the whole keyspace written now (the base created at start-up). */
  private rewriteSync(target: string, preamble: boolean): boolean {
    const tmp = Path.join(this.config.get("dir")!, `temp-rewriteaof-${process.pid}.aof`)
    const encoder = new BaseEncoder(this.p, preamble)
    let fd = -1
    try {
      fd = openSync(tmp, "w")
    } catch (e) {
      encoder.release()
      this.log("warning", `Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e)}`)
      return false
    }
    try {
      while (!encoder.done) {
        const chunk = encoder.step(Infinity, BYTES_PER_SLICE)
        let written = 0
        while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written)
      }
      fsyncSync(fd)
      closeSync(fd)
      fd = -1
      renameSync(tmp, target)
    } catch (e) {
      encoder.release()
      if (fd !== -1) closeSync(fd)
      this.log("warning", `Write error writing append only file on disk: ${strerror(e)}`)
      try {
        unlinkSync(tmp)
      } catch {
        // not there
      }
      return false
    }
    return true
  }

  // --- rewriting -----------------------------------------------------------------------------------

  /** openNewIncrAofForAppend */
  private openNewIncr(): boolean {
    if (this.status === "off") return true
    let temp: AofManifest | undefined
    let name: string
    if (this.status === "wait_rewrite") {
      name = tempIncrName(this.filename)
    } else {
      temp = this.manifest.dup()
      name = temp.newIncr(this.filename)
    }
    let fd: number
    try {
      fd = openSync(this.path(name), "w")
    } catch (e) {
      this.log("warning", `Can't open the append-only file ${name}: ${strerror(e)}`)
      return false
    }
    if (temp !== undefined && !this.persistManifest(temp)) {
      closeSync(fd)
      return false
    }
    this.log("notice", `Creating AOF incr file ${name} on background rewrite`)
    this.closeInBackground(this.fd)
    this.fd = fd
    this.lastIncrSize = 0
    this.lastIncrFsyncOffset = 0
    if (temp !== undefined) this.manifest = temp
    return true
  }

  /** aof_background_fsync_and_close */
  private closeInBackground(fd: number): void {
    if (fd === -1) return
    fsync(fd, () => closeFd(fd, () => {}))
  }

  /** rewriteAppendOnlyFileBackground: false when it could not start (logged). */
  startRewrite(): boolean {
    if (this.p.childActive()) return false
    if (!this.createDir()) {
      this.lastBgrewriteOk = false
      return false
    }
    this.selectedDb = -1
    this.flush(true)
    if (!this.openNewIncr()) {
      this.lastBgrewriteOk = false
      return false
    }
    this.rewrites++
    const encoder = new BaseEncoder(this.p, this.config.getBool("aof-use-rdb-preamble"))
    const state: RewriteState = {
      startedAt: this.p.nowSeconds(),
      tempFile: Path.join(this.config.get("dir")!, `temp-rewriteaof-bg-${process.pid}.aof`),
      encoder,
      fiber: undefined
    }
    this.rewrite = state
    this.rewriteScheduled = false
    this.log("notice", `Background append only file rewriting started by pid ${process.pid}`)
    state.fiber = this.p.runBackground(this.writeBase(state))
    return true
  }

  /** The "child": the snapshot's base written to the temp file, slice by slice, fsynced. */
  private writeBase(state: RewriteState): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      const ok = yield* Effect.promise(async (signal): Promise<boolean> => {
        let handle: FsPromises.FileHandle
        try {
          handle = await FsPromises.open(state.tempFile, "w")
        } catch (e) {
          self.log("warning", `Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e)}`)
          return false
        }
        try {
          while (!state.encoder.done) {
            if (signal.aborted) throw new Error("interrupted")
            const chunk = state.encoder.step(KEYS_PER_SLICE, BYTES_PER_SLICE)
            if (chunk.length > 0) await handle.write(chunk)
            else await new Promise((resolve) => setImmediate(resolve))
          }
          await handle.sync()
          await handle.close()
        } catch (e) {
          await handle.close().catch(() => {})
          await FsPromises.unlink(state.tempFile).catch(() => {})
          if (!signal.aborted) self.log("warning", `Write error writing append only file on disk: ${strerror(e)}`)
          return false
        }
        if (signal.aborted) return false
        self.log("notice", `Successfully created the temporary AOF base file ${Path.basename(state.tempFile)}`)
        return true
      })
      self.rewriteDone(state, ok)
    }).pipe(
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          state.encoder.release()
          if (self.rewrite === state) self.rewrite = undefined
        })
      )
    )
  }

  /** backgroundRewriteDoneHandler */
  private rewriteDone(state: RewriteState, ok: boolean): void {
    if (this.rewrite !== state) return
    state.encoder.release()
    this.rewrite = undefined
    if (ok) this.installRewrite(state)
    else {
      this.lastBgrewriteOk = false
      this.consecutiveFailures++
      this.log("warning", "Background AOF rewrite terminated with error")
    }
    // cleanup
    try {
      unlinkSync(state.tempFile)
    } catch {
      // renamed or never written
    }
    if (this.status === "wait_rewrite") {
      this.buf = []
      this.bufLength = 0
      const temp = tempIncrName(this.filename)
      if (existsSync(this.path(temp))) {
        this.log("notice", `Removing the temp incr aof file ${temp} in the background`)
        try {
          unlinkSync(this.path(temp))
        } catch {
          // gone
        }
      }
      this.rewriteScheduled = true
    }
    this.rewriteTimeLast = this.p.nowSeconds() - state.startedAt
  }

  private installRewrite(state: RewriteState): void {
    this.log("notice", "Background AOF rewrite terminated with success")
    const temp = this.manifest.dup()
    const baseName = temp.newBase(this.filename, state.encoder.preamble)
    const fail = () => {
      this.lastBgrewriteOk = false
      this.consecutiveFailures++
    }
    try {
      renameSync(state.tempFile, this.path(baseName))
    } catch (e) {
      this.log("warning", `Error trying to rename the temporary AOF base file ${Path.basename(state.tempFile)} into ${this.path(baseName)}: ${strerror(e)}`)
      return fail()
    }
    this.log("notice", `Successfully renamed the temporary AOF base file ${Path.basename(state.tempFile)} into ${baseName}`)
    let newIncr: string | undefined
    if (this.status === "wait_rewrite") {
      const tempIncr = tempIncrName(this.filename)
      newIncr = temp.newIncr(this.filename)
      try {
        renameSync(this.path(tempIncr), this.path(newIncr))
      } catch (e) {
        this.log("warning", `Error trying to rename the temporary AOF incr file ${this.path(tempIncr)} into ${this.path(newIncr)}: ${strerror(e)}`)
        this.unlinkQuietly(this.path(baseName))
        return fail()
      }
      this.log("notice", `Successfully renamed the temporary AOF incr file ${tempIncr} into ${newIncr}`)
    }
    temp.markRewrittenIncrAsHistory(this.fd !== -1)
    if (!this.persistManifest(temp)) {
      this.unlinkQuietly(this.path(baseName))
      if (newIncr !== undefined) this.unlinkQuietly(this.path(newIncr))
      return fail()
    }
    this.manifest = temp
    if (this.status !== "off") {
      this.currentSize = (this.fileSize(baseName) ?? 0) + this.lastIncrSize
      this.rewriteBaseSize = this.currentSize
    }
    this.delHistoryFiles()
    this.lastBgrewriteOk = true
    this.consecutiveFailures = 0
    this.log("notice", "Background AOF rewrite finished successfully")
    if (this.status === "wait_rewrite") this.status = "on"
  }

  private unlinkQuietly(file: string): void {
    try {
      unlinkSync(file)
    } catch {
      // gone
    }
  }

  /** killAppendOnlyChild */
  killRewrite(): void {
    const state = this.rewrite
    if (state === undefined) return
    this.log("notice", `Killing running AOF rewrite child: ${process.pid}`)
    this.rewrite = undefined
    state.encoder.release()
    if (state.fiber !== undefined) Effect.runFork(Fiber.interrupt(state.fiber))
    this.unlinkQuietly(state.tempFile)
    this.rewriteTimeLast = -1
  }

  /** The cron's AOF part: pending flushes and fsyncs, scheduled and automatic rewrites. */
  cron(): void {
    if (this.status === "on") this.flush(false)
    if (this.p.childActive() || this.p.loading !== undefined) return
    if (this.rewriteScheduled) {
      this.startRewrite()
      return
    }
    const perc = this.config.getNumber("auto-aof-rewrite-percentage")
    if (this.status === "on" && perc > 0 && this.currentSize > this.config.getNumber("auto-aof-rewrite-min-size")) {
      const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1
      const growth = Math.floor((this.currentSize * 100) / base) - 100
      if (growth >= perc) {
        this.log("notice", `Starting automatic rewriting of AOF on ${growth}% growth`)
        this.startRewrite()
      }
    }
  }

  // --- turning it on and off -----------------------------------------------------------------------

  /** startAppendOnly (CONFIG SET appendonly yes): a rewrite writes the first base. */
  start(inExec: boolean): boolean {
    this.status = "wait_rewrite"
    if (this.p.childActive() && this.rewrite === undefined) {
      this.rewriteScheduled = true
      this.log("warning", "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
    } else if (inExec) {
      this.rewriteScheduled = true
      this.log("warning", "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
    } else {
      if (this.rewrite !== undefined) {
        this.log("warning", "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
        this.killRewrite()
      }
      if (!this.startRewrite()) {
        this.status = "off"
        this.log("warning", "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
        return false
      }
    }
    this.lastFsync = this.p.nowSeconds()
    if (!this.lastWriteOk) {
      this.log("warning", "AOF reopen, just ignore the last error.")
      this.lastWriteOk = true
    }
    this.subscribe()
    return true
  }

  /** stopAppendOnly (CONFIG SET appendonly no), and the end of the Layer: flushed, fsynced, closed. */
  stop(): void {
    if (this.status === "off") return
    this.flush(true)
    if (this.fd !== -1) {
      try {
        fsyncSync(this.fd)
      } catch (e) {
        this.log("warning", `Fail to fsync the AOF file: ${strerror(e)}`)
      }
      closeSync(this.fd)
    }
    this.fd = -1
    this.selectedDb = -1
    this.status = "off"
    this.rewriteScheduled = false
    this.lastIncrSize = 0
    this.lastIncrFsyncOffset = 0
    this.killRewrite()
    this.buf = []
    this.bufLength = 0
    this.unsubscribeFeed()
    // what they waited for was written and fsynced above
    this.releaseAll()
  }

  /** finishShutdown's AOF part; false when the server may not exit. */
  shutdown(force: boolean): boolean {
    if (this.rewrite !== undefined) {
      if (this.status === "wait_rewrite") {
        if (force) this.log("warning", "Writing initial AOF. Exit anyway.")
        else {
          this.log("warning", "Writing initial AOF, can't exit.")
          return false
        }
      }
      this.log("warning", "There is a child rewriting the AOF. Killing it!")
      this.killRewrite()
    }
    if (this.status !== "off") {
      this.log("notice", "Calling fsync() on the AOF file.")
      this.flush(true)
      if (this.fd !== -1) {
        try {
          fsyncSync(this.fd)
        } catch (e) {
          this.log("warning", `Fail to fsync the AOF file: ${strerror(e)}.`)
        }
      }
    }
    return true
  }

  /** Temp files a previous process may have left (TEMP_PREFIX). */
  static isTempFile(name: string): boolean {
    return name.startsWith(TEMP_PREFIX)
  }
}

export { RdbError, RdbFatal, RdbFormatError }

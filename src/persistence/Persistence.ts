/**
 * RDB persistence as a Layer (rdb.c's server side): SAVE, BGSAVE [SCHEDULE], LASTSAVE, SHUTDOWN,
 * DEBUG RELOAD, the `save` points checked by a cron fiber, stop-writes-on-bgsave-error (MISCONF
 * through the check stage), loading the file at start-up with LOADING replies meanwhile, and the
 * INFO persistence fields.
 *
 * BGSAVE cannot fork: it takes a copy-on-write snapshot of the keyspace (`keyspace.snapshot()`, O(1)
 * per database) in the command itself, and a fiber encodes it slice by slice, writing each slice to a
 * temp file before the next, so commands keep running between slices. The file is fsynced and renamed
 * over the old one only when complete: a crash mid-save leaves the previous file.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs"
import * as FsPromises from "node:fs/promises"
import * as Path from "node:path"
import { strerror } from "../config/directives.ts"
import { defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { type ConfigStore, ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import { Keyspace, type KeyspaceState } from "../keyspace/Keyspace.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { CommandRegistry, type InfoField, type Registry } from "../server/CommandRegistry.ts"
import { Engine, type EngineState } from "../server/Engine.ts"
import { REDIS_VERSION } from "../version.ts"
import { AofState } from "./Aof.ts"
import { RdbError } from "./rdb/format.ts"
import { relaxHeapGrowth, restoreHeapGrowth } from "../util/heapGrowth.ts"
import { encodeKeyspace, KeyspaceLoad, loadKeyspace, SnapshotEncoder } from "./rdb/keyspace.ts"
import { RdbFatal, RdbFormatError } from "./rdb/rdb.ts"

/** Redis's log levels, as the persistence code uses them. */
type Level = "warning" | "notice" | "verbose"

/** SHUTDOWN flags (server.h). */
export const SHUTDOWN_SAVE = 1
export const SHUTDOWN_NOSAVE = 2
export const SHUTDOWN_NOW = 4
export const SHUTDOWN_FORCE = 8

/** CONFIG_BGSAVE_RETRY_DELAY: seconds between attempts after a failed BGSAVE. */
const BGSAVE_RETRY_DELAY = 5
/** Keys encoded or loaded per slice, and bytes per write, between which other work runs. */
const KEYS_PER_SLICE = 1000
const BYTES_PER_SLICE = 1 << 20

/** The start-up load failed: the lines Redis logs, then it exits with status 1. */
export class LoadError {
  readonly _tag = "LoadError"
  readonly lines: ReadonlyArray<string>
  constructor(lines: ReadonlyArray<string>) {
    this.lines = lines
  }
}

/** What the SHUTDOWN command and the signal handler call once the server may exit. */
export interface PersistenceOptions {
  /**
   * Ends the process after a successful shutdown sequence (main.ts releases the Layers and exits 0).
   * Default: `process.exit(0)`, what SHUTDOWN means.
   */
  readonly exit?: () => void
}

interface LoadingState {
  readonly startTime: number
  readonly totalBytes: number
  loadedBytes: number
  rdbUsedMem: number
}

interface BgsaveState {
  readonly startedAt: number
  readonly encoder: SnapshotEncoder
  readonly tempFile: string
  fiber: Fiber.Fiber<void> | undefined
}

/** The persistence service: its state, and what the commands and the cron do with it. */
export class PersistenceState {
  readonly engine: EngineState
  readonly keyspace: KeyspaceState
  readonly config: ConfigStore
  private readonly clock: Clock.Clock
  private readonly logLine: (level: Level, line: string) => void
  readonly runBackground: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
  readonly exit: () => void

  /** Unix seconds of the last successful save (LASTSAVE; start-up time before any). */
  lastSave: number
  lastBgsaveOk = true
  lastBgsaveTry = 0
  rdbSaves = 0
  lastBgsaveTimeSec = -1
  bgsaveScheduled = false
  dirtyBeforeBgsave = 0
  lastLoadKeysLoaded = 0
  lastLoadKeysExpired = 0
  bgsave: BgsaveState | undefined = undefined
  loading: LoadingState | undefined = undefined
  /** The `save` points: [seconds, changes] pairs. */
  saveParams: Array<readonly [number, number]> = []
  /**
   * Function library payloads read from a file: installed in the scripting Layer's libraries once read
   * (`installFunctions`), or, in a composition without scripting, kept and written back to the next file.
   */
  functions: Array<string> = []
  /** A shutdown asked by a signal and not done yet (SHUTDOWN ABORT cancels it). */
  shutdownAsap = false
  /** The AOF (off unless `appendonly yes`). */
  readonly aof: AofState

  constructor(
    engine: EngineState,
    keyspace: KeyspaceState,
    config: ConfigStore,
    clock: Clock.Clock,
    logLine: (level: Level, line: string) => void,
    runBackground: (effect: Effect.Effect<void>) => Fiber.Fiber<void>,
    exit: () => void
  ) {
    this.engine = engine
    this.keyspace = keyspace
    this.config = config
    this.clock = clock
    this.logLine = logLine
    this.runBackground = runBackground
    this.exit = exit
    this.lastSave = this.nowSeconds()
    this.aof = new AofState(this)
  }

  readonly version = REDIS_VERSION

  usedMemory(): number {
    const m = process.memoryUsage()
    return m.heapUsed + m.external
  }

  /** hasActiveChildProcess: a background save or AOF rewrite in progress. */
  childActive(): boolean {
    return this.bgsave !== undefined || this.aof.rewrite !== undefined
  }

  nowMs(): number {
    return this.clock.currentTimeMillisUnsafe()
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  log(level: Level, line: string): void {
    this.logLine(level, line)
  }

  /** The RDB file: `dir` and `dbfilename`. */
  get filename(): string {
    return Path.join(this.config.get("dir")!, this.config.get("dbfilename")!)
  }

  private tempFile(): string {
    return Path.join(this.config.get("dir")!, `temp-${process.pid}.rdb`)
  }

  private saveOptions() {
    return { version: REDIS_VERSION, usedMemory: this.usedMemory(), functions: this.functionCodes() }
  }

  /** The function libraries' code a file gets (RDB_OPCODE_FUNCTION2 each, or FUNCTION LOAD in an AOF base). */
  functionCodes(): ReadonlyArray<string> {
    return this.engine.functionLibraries?.codes() ?? this.functions
  }

  /**
   * The libraries a file held (in `functions`) loaded into the scripting Layer (rdbFunctionLoad), after
   * the current ones are dropped if `flush` (emptyData drops functions too). One that fails to load
   * fails the load: RdbFatal with Redis's "Failed loading library, <error>".
   */
  installFunctions(flush: boolean): void {
    const libraries = this.engine.functionLibraries
    if (libraries === undefined) return
    if (flush) libraries.flush()
    const codes = this.functions
    this.functions = []
    for (const code of codes) {
      const error = libraries.load(code, false)
      // Redis fails the load as a short read there (rdbFunctionLoad's error goes to eoferr)
      if (error !== undefined) {
        throw new RdbFatal(
          [
            `Failed loading library, ${error}`,
            "Short read or OOM loading DB. Unrecoverable error, aborting now.",
            "Internal error in RDB reading offset 0, function at rdb.c:3249 -> Unexpected EOF reading RDB file"
          ].join("\n")
        )
      }
    }
  }

  // --- saving --------------------------------------------------------------------------------------

  /** rdbSave: the whole keyspace written now (SAVE, SHUTDOWN, DEBUG RELOAD). */
  saveSync(): boolean {
    const tmp = this.tempFile()
    let bytes: Buffer
    try {
      bytes = encodeKeyspace(this.keyspace, this.config, this.saveOptions())
    } catch (e) {
      this.log("warning", `Write error saving DB on disk(rdbSaveRio): ${strerror(e)}`)
      return false
    }
    let fd: number
    try {
      fd = openSync(tmp, "w")
    } catch (e) {
      this.log("warning", `Failed opening the temp RDB file ${Path.basename(tmp)} (in server root dir ${this.config.get("dir")}) for saving: ${strerror(e)}`)
      return false
    }
    let op = "rdbSaveRio"
    try {
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      op = "fsync"
      fsyncSync(fd)
      op = "fclose"
      closeSync(fd)
      fd = -1
    } catch (e) {
      this.log("warning", `Write error saving DB on disk(${op}): ${strerror(e)}`)
      if (fd !== -1) closeSync(fd)
      this.unlinkQuietly(tmp)
      return false
    }
    try {
      renameSync(tmp, this.filename)
    } catch (e) {
      this.log(
        "warning",
        `Error moving temp DB file ${Path.basename(tmp)} on the final destination ${this.config.get("dbfilename")} (in server root dir ${this.config.get("dir")}): ${strerror(e)}`
      )
      this.unlinkQuietly(tmp)
      return false
    }
    this.fsyncDir()
    this.log("notice", "DB saved on disk")
    this.keyspace.dirty = 0
    this.lastSave = this.nowSeconds()
    this.lastBgsaveOk = true
    return true
  }

  private fsyncDir(): void {
    try {
      const fd = openSync(this.config.get("dir")!, "r")
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    } catch {
      // fsyncing a directory is best effort (some file systems refuse it)
    }
  }

  private unlinkQuietly(file: string): void {
    try {
      unlinkSync(file)
    } catch {
      // already gone
    }
  }

  /**
   * rdbSaveBackground: takes the snapshot now and writes it from a background fiber. False (and
   * logged) when the save cannot start.
   */
  startBgsave(): boolean {
    if (this.childActive()) return false
    this.rdbSaves++
    this.dirtyBeforeBgsave = this.keyspace.dirty
    this.lastBgsaveTry = this.nowSeconds()
    const encoder = new SnapshotEncoder(this.keyspace, this.config, this.saveOptions())
    // the "child's" temp file: not SAVE's, which SHUTDOWN may write while an interrupted save winds down
    const tempFile = Path.join(this.config.get("dir")!, `temp-${process.pid}-bgsave.rdb`)
    const state: BgsaveState = { startedAt: this.nowSeconds(), encoder, tempFile, fiber: undefined }
    this.bgsave = state
    this.log("notice", `Background saving started by pid ${process.pid}`)
    state.fiber = this.runBackground(this.writeInBackground(state))
    return true
  }

  /** The "child": encodes slice by slice, writes each, fsyncs, renames; then the "parent" handles the end. */
  private writeInBackground(state: BgsaveState): Effect.Effect<void> {
    const self = this
    const target = this.filename
    return Effect.gen(function*() {
      const outcome = yield* Effect.promise(async (signal): Promise<"ok" | string> => {
        let handle: FsPromises.FileHandle
        try {
          handle = await FsPromises.open(state.tempFile, "w")
        } catch (e) {
          return `Failed opening the temp RDB file ${Path.basename(state.tempFile)} (in server root dir ${self.config.get("dir")}) for saving: ${strerror(e)}`
        }
        let op = "rdbSaveRio"
        try {
          while (!state.encoder.done) {
            if (signal.aborted) throw new Error("interrupted")
            // encode a slice synchronously (snapshot values are only valid until the next write),
            // then let commands run while it is written
            const chunk = state.encoder.step(KEYS_PER_SLICE, BYTES_PER_SLICE)
            if (chunk.length > 0) await handle.write(chunk)
            else await new Promise((resolve) => setImmediate(resolve))
          }
          op = "fsync"
          await handle.sync()
          op = "fclose"
          await handle.close()
        } catch (e) {
          await handle.close().catch(() => {})
          await FsPromises.unlink(state.tempFile).catch(() => {})
          return `Write error saving DB on disk(${op}): ${strerror(e)}`
        }
        try {
          if (signal.aborted) throw new Error("interrupted")
          await FsPromises.rename(state.tempFile, target)
        } catch (e) {
          await FsPromises.unlink(state.tempFile).catch(() => {})
          return `Error moving temp DB file ${Path.basename(state.tempFile)} on the final destination ${Path.basename(target)} (in server root dir ${Path.dirname(target)}): ${strerror(e)}`
        }
        self.fsyncDir()
        return "ok"
      })
      self.bgsaveDone(state, outcome)
    }).pipe(
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          state.encoder.release()
          self.unlinkQuietly(state.tempFile)
          if (self.bgsave === state) self.bgsave = undefined
        })
      )
    )
  }

  /** backgroundSaveDoneHandlerDisk */
  private bgsaveDone(state: BgsaveState, outcome: string): void {
    if (this.bgsave !== state) return
    state.encoder.release()
    if (outcome === "ok") {
      this.log("notice", "DB saved on disk")
      this.log("notice", "Background saving terminated with success")
      this.keyspace.dirty -= this.dirtyBeforeBgsave
      this.lastSave = this.nowSeconds()
      this.lastBgsaveOk = true
    } else {
      this.log("warning", outcome)
      this.log("warning", "Background saving error")
      this.lastBgsaveOk = false
    }
    this.bgsave = undefined
    this.lastBgsaveTimeSec = this.nowSeconds() - state.startedAt
  }

  /** Stops a background save in progress (SHUTDOWN, the Layer closing): the temp file goes. */
  killBgsave(): void {
    const state = this.bgsave
    if (state === undefined) return
    this.bgsave = undefined
    state.encoder.release()
    if (state.fiber !== undefined) Effect.runFork(Fiber.interrupt(state.fiber))
    this.unlinkQuietly(state.tempFile)
  }

  /** serverCron's persistence part: a scheduled BGSAVE, then the save points. */
  cron(): void {
    this.aof.cron()
    if (this.childActive() || this.loading !== undefined) return
    const now = this.nowSeconds()
    const mayRetry = now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk
    if (this.bgsaveScheduled && mayRetry) {
      this.bgsaveScheduled = false
      this.startBgsave()
      return
    }
    for (const [seconds, changes] of this.saveParams) {
      if (this.keyspace.dirty >= changes && now - this.lastSave > seconds && mayRetry) {
        this.log("notice", `${changes} changes in ${seconds} seconds. Saving...`)
        this.startBgsave()
        return
      }
    }
  }

  /** writeCommandsDeniedByDiskError, as the check stage asks it. */
  diskError(): string | undefined {
    if (!this.lastBgsaveOk && this.saveParams.length > 0 && this.config.getBool("stop-writes-on-bgsave-error")) {
      return Errors.MISCONF_BGSAVE
    }
    if (this.aof.status !== "off" && !this.aof.lastWriteOk) return `MISCONF Errors writing to the AOF file: ${this.aof.lastWriteError}`
    return undefined
  }

  // --- shutdown ------------------------------------------------------------------------------------

  /**
   * prepareForShutdown + finishShutdown: saves when asked or when save points exist (unless NOSAVE,
   * or while loading), logging as Redis does. False when the save failed without FORCE: the server
   * keeps running.
   */
  prepareShutdown(flags: number): boolean {
    if (this.loading !== undefined) flags = (flags & ~SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE
    this.log("warning", "User requested shutdown...")
    if (this.bgsave !== undefined) {
      this.log("warning", "There is a child saving an .rdb. Killing it!")
      this.killBgsave()
    }
    if (!this.aof.shutdown((flags & SHUTDOWN_FORCE) !== 0)) {
      this.log("warning", "Errors trying to shut down the server. Check the logs for more information.")
      this.shutdownAsap = false
      return false
    }
    if ((this.saveParams.length > 0 && (flags & SHUTDOWN_NOSAVE) === 0) || (flags & SHUTDOWN_SAVE) !== 0) {
      this.log("notice", "Saving the final RDB snapshot before exiting.")
      if (!this.saveSync()) {
        if ((flags & SHUTDOWN_FORCE) !== 0) {
          this.log("warning", "Error trying to save the DB. Exit anyway.")
        } else {
          this.log("warning", "Error trying to save the DB, can't exit.")
          this.log("warning", "Errors trying to shut down the server. Check the logs for more information.")
          this.shutdownAsap = false
          return false
        }
      }
    }
    this.log("warning", "Redis is now ready to exit, bye bye...")
    return true
  }

  // --- loading -------------------------------------------------------------------------------------

  /**
   * loadDataFromDisk for the RDB file: loads it in slices (clients get LOADING meanwhile) into fresh
   * databases swapped in at the end. A missing file is not an error.
   */
  loadDataFromDisk(): Effect.Effect<void, LoadError> {
    const self = this
    return Effect.gen(function*() {
      if (self.config.getBool("appendonly")) return yield* self.loadAofAtStart()
      self.aof.ready = true
      const file = self.filename
      if (!existsSync(file)) return
      const started = self.nowMs()
      let bytes: Buffer
      try {
        bytes = readFileSync(file)
      } catch (e) {
        return yield* Effect.fail(new LoadError([`Fatal error loading the DB: ${strerror(e)}. Exiting.`]))
      }
      self.startLoading(bytes.length)
      let load: KeyspaceLoad
      try {
        load = new KeyspaceLoad(self.keyspace, self.config, bytes, (level, line) => self.log(level === "debug" ? "verbose" : level, line), {
          functions: self.functions = [],
          now: self.nowMs()
        })
        for (;;) {
          const done = load.step(KEYS_PER_SLICE)
          self.loading!.loadedBytes = load.loader.position
          self.loading!.rdbUsedMem = load.loader.usedMem
          if (done) break
          // let the event loop serve clients (LOADING) between slices
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        }
        self.installFunctions(false)
      } catch (e) {
        self.stopLoading()
        return yield* Effect.fail(self.loadFailure(e))
      }
      load.commit()
      self.lastLoadKeysLoaded = load.loader.keysLoaded
      self.lastLoadKeysExpired = load.loader.keysExpired
      self.stopLoading()
      self.log("notice", `DB loaded from disk: ${((self.nowMs() - started) / 1000).toFixed(3)} seconds`)
    })
  }

  /** Start-up with `appendonly yes`: the manifest, the AOF files, then the AOF opened for appending. */
  private loadAofAtStart(): Effect.Effect<void, LoadError> {
    const self = this
    return Effect.gen(function*() {
      const started = self.nowMs()
      const manifestError = self.aof.loadManifestFromDisk()
      if (manifestError !== undefined) return yield* Effect.fail(new LoadError(manifestError.lines))
      const loading = self.aof.loadFiles()
      let step = loading.next()
      while (step.done !== true) {
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        step = loading.next()
      }
      const ret = step.value
      if (ret === "failed") return yield* Effect.fail(new LoadError([]))
      if (ret !== "not_exist") self.log("notice", `DB loaded from append only file: ${((self.nowMs() - started) / 1000).toFixed(3)} seconds`)
      if (!self.aof.openOnStart()) return yield* Effect.fail(new LoadError([]))
      self.aof.delHistoryFiles()
      self.aof.ready = true
    })
  }

  /** loading_loaded_bytes */
  progress(loadedBytes: number): void {
    if (this.loading !== undefined) this.loading.loadedBytes = loadedBytes
  }

  startLoading(totalBytes: number): void {
    this.loading = { startTime: this.nowSeconds(), totalBytes, loadedBytes: 0, rdbUsedMem: 0 }
    this.engine.loading = true
    relaxHeapGrowth()
    this.lastLoadKeysLoaded = 0
    this.lastLoadKeysExpired = 0
  }

  stopLoading(): void {
    this.loading = undefined
    this.engine.loading = false
    restoreHeapGrowth()
  }

  /** The lines Redis logs on a file it cannot load. */
  loadFailureLines(e: unknown): ReadonlyArray<string> {
    return this.loadFailure(e).lines
  }

  /** The lines Redis logs before exiting on a file it cannot load. */
  private loadFailure(e: unknown): LoadError {
    if (e instanceof RdbFormatError) return new LoadError([e.message, "Fatal error loading the DB: Invalid argument. Exiting."])
    if (e instanceof RdbFatal) return new LoadError(e.message.trimEnd().split("\n"))
    if (e instanceof RdbError) {
      const lines = e.eof ? ["Short read or OOM loading DB. Unrecoverable error, aborting now."] : []
      lines.push(e.message, "Terminating server after rdb file reading failure.")
      return new LoadError(lines)
    }
    return new LoadError([`Fatal error loading the DB: ${strerror(e)}. Exiting.`])
  }

  /** DEBUG RELOAD: save (unless NOSAVE), then load the file back in place of the keyspace. */
  debugReload(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    let save = true
    let flush = true
    let merge = false
    for (let j = 2; j < argv.length; j++) {
      const opt = argv[j]!.toLowerCase()
      if (opt === "merge") merge = true
      else if (opt === "noflush") flush = false
      else if (opt === "nosave") save = false
      else return ctx.reply.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    }
    if (save && !this.saveSync()) return ctx.reply.error(Errors.GENERIC_ERR)
    let bytes: Buffer
    try {
      bytes = readFileSync(this.filename)
    } catch {
      return ctx.reply.error("ERR Error trying to load the RDB dump")
    }
    try {
      if (flush && !merge) {
        const loader = loadKeyspace(this.keyspace, this.config, bytes, (level, line) => this.log(level === "debug" ? "verbose" : level, line), {
          functions: this.functions = [],
          now: this.nowMs()
        })
        this.installFunctions(true)
        this.lastLoadKeysLoaded = loader.keysLoaded
        this.lastLoadKeysExpired = loader.keysExpired
      } else {
        this.mergeLoad(bytes, flush, merge)
      }
    } catch (e) {
      const failure = this.loadFailure(e)
      for (const line of failure.lines) this.log("warning", line)
      return ctx.reply.error("ERR Error trying to load the RDB dump")
    }
    this.log("warning", "DB reloaded by DEBUG RELOAD")
    ctx.reply.ok()
  }

  /** DEBUG LOADAOF: the AOF files loaded again in place of the keyspace. */
  debugLoadAof(ctx: CommandContext): void {
    if (this.aof.status !== "off") this.aof.flush(true)
    this.keyspace.flushAll()
    this.engine.functionLibraries?.flush()
    const manifestError = this.aof.loadManifestFromDisk()
    if (manifestError !== undefined) {
      for (const line of manifestError.lines) this.log("warning", line)
      return ctx.reply.error("ERR Error trying to load the AOF files")
    }
    this.aof.delHistoryFiles()
    const loading = this.aof.loadFiles()
    let step = loading.next()
    while (step.done !== true) step = loading.next()
    if (step.value !== "ok" && step.value !== "empty" && step.value !== "truncated") {
      return ctx.reply.error("ERR Error trying to load the AOF files")
    }
    this.keyspace.dirty = 0
    this.log("warning", "Append Only File loaded by DEBUG LOADAOF")
    ctx.reply.ok()
  }

  /** DEBUG RELOAD NOFLUSH / MERGE: the file's keys added to what is there (MERGE replaces duplicates). */
  private mergeLoad(bytes: Buffer, flush: boolean, merge: boolean): void {
    const staging = new KeyspaceLoad(this.keyspace, this.config, bytes, (level, line) => this.log(level === "debug" ? "verbose" : level, line))
    staging.step(Infinity)
    if (flush) this.keyspace.flushAll()
    // move each loaded key into the live databases
    const loaded = staging.databases()
    for (let i = 0; i < loaded.length; i++) {
      const from = loaded[i]!
      const to = this.keyspace.dbs[i]!
      for (const key of from.keys()) {
        const value = from.rawValue(key)!
        const expire = from.getExpireExact(key)
        if (to.exists(key)) {
          if (!merge) throw new RdbFatal("Duplicated key found in RDB file")
          to.delete(key)
        }
        to.add(key, value)
        if (expire !== undefined && expire !== -1) to.setExpire(key, expire)
      }
    }
  }

  // --- INFO ----------------------------------------------------------------------------------------

  infoFields(): Array<InfoField> {
    const now = this.nowSeconds()
    const bgsave = this.bgsave
    const aof = this.aof
    const fields: Array<InfoField> = [
      ["loading", this.loading !== undefined ? 1 : 0],
      ["current_save_keys_processed", bgsave?.encoder.keysWritten ?? 0],
      ["current_save_keys_total", bgsave?.encoder.keysTotal ?? 0],
      ["rdb_changes_since_last_save", this.keyspace.dirty],
      ["rdb_bgsave_in_progress", bgsave !== undefined ? 1 : 0],
      ["rdb_last_save_time", this.lastSave],
      ["rdb_last_bgsave_status", this.lastBgsaveOk ? "ok" : "err"],
      ["rdb_last_bgsave_time_sec", this.lastBgsaveTimeSec],
      ["rdb_current_bgsave_time_sec", bgsave !== undefined ? now - bgsave.startedAt : -1],
      ["rdb_saves", this.rdbSaves],
      ["rdb_last_load_keys_expired", this.lastLoadKeysExpired],
      ["rdb_last_load_keys_loaded", this.lastLoadKeysLoaded],
      ["aof_enabled", aof.status !== "off" ? 1 : 0],
      ["aof_rewrite_in_progress", aof.rewrite !== undefined ? 1 : 0],
      ["aof_rewrite_scheduled", aof.rewriteScheduled ? 1 : 0],
      ["aof_last_rewrite_time_sec", aof.rewriteTimeLast],
      ["aof_current_rewrite_time_sec", aof.rewrite !== undefined ? now - aof.rewrite.startedAt : -1],
      ["aof_last_bgrewrite_status", aof.lastBgrewriteOk ? "ok" : "err"],
      ["aof_rewrites", aof.rewrites],
      ["aof_rewrites_consecutive_failures", aof.consecutiveFailures],
      ["aof_last_write_status", aof.lastWriteOk ? "ok" : "err"]
    ]
    // server.aof_enabled: the configuration, as Redis tests it for these fields
    if (this.config.getBool("appendonly")) {
      fields.push(
        ["aof_current_size", aof.currentSize],
        ["aof_base_size", aof.rewriteBaseSize],
        ["aof_pending_rewrite", aof.rewriteScheduled ? 1 : 0],
        ["aof_buffer_length", aof.bufferLength],
        ["aof_pending_bio_fsync", 0],
        ["aof_delayed_fsync", aof.delayedFsync]
      )
    }
    const loading = this.loading
    if (loading !== undefined) {
      const perc = loading.totalBytes > 0 ? (loading.loadedBytes / loading.totalBytes) * 100 : 0
      const remaining = loading.totalBytes > 0 ? loading.totalBytes - loading.loadedBytes : 1
      const elapsed = now - loading.startTime
      const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (loading.loadedBytes + 1))
      fields.push(
        ["loading_start_time", loading.startTime],
        ["loading_total_bytes", loading.totalBytes],
        ["loading_rdb_used_mem", loading.rdbUsedMem],
        ["loading_loaded_bytes", loading.loadedBytes],
        ["loading_loaded_perc", perc.toFixed(2)],
        ["loading_eta_seconds", eta]
      )
    }
    return fields
  }
}

/** Parses the `save` directive's canonical value ("3600 1 300 100"). */
const parseSaveParams = (value: string): Array<readonly [number, number]> => {
  const words = value === "" ? [] : value.split(" ")
  const out: Array<readonly [number, number]> = []
  for (let j = 0; j + 1 < words.length; j += 2) out.push([Number(words[j]), Number(words[j + 1])])
  return out
}

// --- commands ---------------------------------------------------------------------------------------

const group = "server"

const persistenceCommands = (p: PersistenceState) => [
  defineCommand({
    name: "save",
    arity: 1,
    flags: "admin noscript no_async_loading no_multi",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Synchronously save the dataset to disk", since: "1.0.0", group, complexity: "O(N) where N is the total number of keys in all databases" },
    handler: (ctx) => {
      if (p.bgsave !== undefined) return ctx.reply.error("ERR Background save already in progress")
      p.rdbSaves++
      if (p.saveSync()) ctx.reply.ok()
      else ctx.reply.error(Errors.GENERIC_ERR)
    }
  }),
  defineCommand({
    name: "bgsave",
    arity: -1,
    flags: "admin noscript no_async_loading",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Asynchronously save the dataset to disk", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      let schedule = false
      if (argv.length > 1) {
        if (argv.length === 2 && argv[1]!.toLowerCase() === "schedule") schedule = true
        else return ctx.reply.error(Errors.SYNTAX)
      }
      if (p.bgsave !== undefined) return ctx.reply.error("ERR Background save already in progress")
      // an AOF rewrite runs, or inside EXEC (where Redis does not fork): scheduled for the cron
      if (p.childActive() || ctx.denyBlocking) {
        if (schedule || ctx.denyBlocking) {
          p.bgsaveScheduled = true
          return ctx.reply.simple("Background saving scheduled")
        }
        return ctx.reply.error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
        )
      }
      if (p.startBgsave()) ctx.reply.simple("Background saving started")
      else ctx.reply.error(Errors.GENERIC_ERR)
    }
  }),
  defineCommand({
    name: "bgrewriteaof",
    arity: 1,
    flags: "admin noscript no_async_loading",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Asynchronously rewrite the append-only file", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx) => {
      const aof = p.aof
      if (aof.rewrite !== undefined) return ctx.reply.error("ERR Background append only file rewriting already in progress")
      if (p.childActive() || ctx.denyBlocking) {
        aof.rewriteScheduled = true
        aof.consecutiveFailures = 0
        return ctx.reply.simple("Background append only file rewriting scheduled")
      }
      if (aof.startRewrite()) return ctx.reply.simple("Background append only file rewriting started")
      ctx.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
    }
  }),
  defineCommand({
    name: "lastsave",
    arity: 1,
    flags: "loading stale fast",
    keys: [0, 0, 0],
    acl: "@admin @fast @dangerous",
    tips: "nondeterministic_output",
    docs: { summary: "Get the UNIX time stamp of the last successful save to disk", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.integer(p.lastSave)
  }),
  defineCommand({
    name: "shutdown",
    arity: -1,
    flags: "admin noscript loading stale no_multi allow_busy",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: {
      summary: "Synchronously save the dataset to disk and then shut down the server",
      since: "1.0.0",
      group,
      complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"
    },
    handler: (ctx, argv) => {
      let flags = 0
      let abort = false
      for (let i = 1; i < argv.length; i++) {
        const arg = argv[i]!.toLowerCase()
        if (arg === "nosave") flags |= SHUTDOWN_NOSAVE
        else if (arg === "save") flags |= SHUTDOWN_SAVE
        else if (arg === "now") flags |= SHUTDOWN_NOW
        else if (arg === "force") flags |= SHUTDOWN_FORCE
        else if (arg === "abort") abort = true
        else return ctx.reply.error(Errors.SYNTAX)
      }
      if ((abort && flags !== 0) || ((flags & SHUTDOWN_NOSAVE) !== 0 && (flags & SHUTDOWN_SAVE) !== 0)) {
        return ctx.reply.error(Errors.SYNTAX)
      }
      if (abort) {
        // a shutdown here is never left waiting (no replicas to wait for): only a signal's can be pending
        if (!p.shutdownAsap) return ctx.reply.error("ERR No shutdown in progress.")
        p.shutdownAsap = false
        p.log("notice", "Shutdown manually aborted.")
        return ctx.reply.ok()
      }
      if ((flags & SHUTDOWN_NOW) === 0 && ctx.denyBlocking) {
        return ctx.reply.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client")
      }
      // a script past busy-reply-threshold: only SHUTDOWN NOSAVE
      const busy = p.engine.busyScript
      if ((flags & SHUTDOWN_NOSAVE) === 0 && busy !== undefined) return ctx.reply.error(busy.eval ? Errors.BUSY_EVAL : Errors.BUSY_FUNCTION)
      if (p.prepareShutdown(flags)) {
        // no reply: the connection closes with the server
        p.exit()
        return
      }
      ctx.reply.error("ERR Errors trying to SHUTDOWN. Check logs.")
    }
  })
]

// --- the Layer --------------------------------------------------------------------------------------

export class Persistence extends Context.Service<Persistence, PersistenceState>()("effect-redis-server/Persistence") {
  /**
   * The persistence service and its commands over a core. `loadAtStart` (default true) loads the RDB
   * file while the Layer is built; main.ts passes false and loads after listening, so that clients
   * connecting meanwhile get LOADING.
   */
  static readonly layer = (
    options: PersistenceOptions & { readonly loadAtStart?: boolean } = {}
  ): Layer.Layer<Persistence, LoadError, Engine | Keyspace | CommandRegistry | ServerConfig> =>
    Layer.effect(
      Persistence,
      Effect.gen(function*() {
        const engine = yield* Engine
        const keyspace = yield* Keyspace
        const config = yield* ServerConfig
        const registry = yield* CommandRegistry
        const clock = yield* Clock.Clock
        const context = yield* Effect.context<never>()
        const log = (level: Level, line: string): void => {
          const effect = level === "warning" ? Effect.logWarning(line) : level === "notice" ? Effect.logInfo(line) : Effect.logDebug(line)
          Effect.runSyncWith(context)(effect)
        }
        const runBackground = (effect: Effect.Effect<void>): Fiber.Fiber<void> => Effect.runForkWith(context)(effect)
        const state = new PersistenceState(engine, keyspace, config, clock, log, runBackground, options.exit ?? (() => process.exit(0)))
        yield* watchScoped(config, "save", (value) => {
          state.saveParams = parseSaveParams(value)
        })
        yield* CommandRegistry.contributeScoped((r: Registry) => {
          const undo = [
            r.addCommands(persistenceCommands(state)),
            r.addInfo("persistence", () => state.infoFields()),
            r.addDebugSubcommand("reload", (ctx, argv) => state.debugReload(ctx, argv)),
            r.addDebugSubcommand("loadaof", (ctx) => state.debugLoadAof(ctx))
          ]
          const previous = r.checks.diskError
          r.checks.diskError = () => state.diskError()
          return () => {
            for (const f of undo) f()
            r.checks.diskError = previous
          }
        })
        void registry
        // appendonly at run time (CONFIG SET), once the start-up sequence has decided
        yield* watchScoped(config, "appendonly", (value) => {
          if (!state.aof.ready) return
          if (value === "yes" && state.aof.status === "off") state.aof.start(engine.ctx.denyBlocking)
          else if (value === "no" && state.aof.status !== "off") state.aof.stop()
        })
        // appendfsync always: the batch's writes are on disk before its replies leave
        engine.afterBatch = (client) => state.aof.afterBatch(client)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            engine.afterBatch = undefined
            state.killBgsave()
            state.aof.stop()
          })
        )
        // serverCron's persistence part, hz times a second
        yield* Effect.forkScoped(
          Effect.suspend(() => Effect.sleep(Math.max(1, Math.floor(1000 / Math.max(1, config.getNumber("hz")))))).pipe(
            Effect.andThen(Effect.sync(() => state.cron())),
            Effect.forever
          )
        )
        if (options.loadAtStart !== false) yield* state.loadDataFromDisk()
        return state
      })
    )
}

/** The commands the persistence Layer contributes (for rename-command checks before Layers exist). */
export const persistenceCommandTable = persistenceCommands(undefined as unknown as PersistenceState)

/**
 * Whole RDB files: the encoder (rdbSaveRio: magic, AUX fields, functions, each database's SELECTDB,
 * RESIZEDB and keys, EOF and the CRC64) and the loader (rdbLoadRioWithLoadingCtx), both incremental so
 * that a large keyspace is written or read in slices between which the server keeps serving.
 *
 * The loader hands keys to a sink (the persistence service fills databases nobody uses yet, swapped
 * in only once the whole file, checksum included, has been read: a corrupt or truncated file leaves
 * the keyspace as it was).
 */
import type { Value } from "../../keyspace/Value.ts"
import { ByteBuilder } from "./bytes.ts"
import { Crc64 } from "./crc64.ts"
import { isObjectType, moduleTypeName, Opcode, RDB_VERSION, RdbError } from "./format.ts"
import { RdbReader } from "./reader.ts"
import { EMPTY_KEY, type EncodingLimits, objectType, readValue, type WriteOptions, writeLen, writeString, writeValue } from "./values.ts"

// --- saving ------------------------------------------------------------------------------------------

export interface EncoderOptions extends WriteOptions {
  /** rdbchecksum: without it the file ends with 8 zero bytes (the loader then skips the check). */
  readonly checksum: boolean
  readonly limits: EncodingLimits
}

/**
 * Produces an RDB file piece by piece: `header`, `functions`, then per database `selectDb` and
 * `entry` for each key, then `finish`. `drain` takes what was produced so far (to write it out while
 * the rest is being encoded).
 */
export class RdbEncoder {
  private readonly out = new ByteBuilder(1 << 16)
  private readonly crc = new Crc64()
  private readonly options: EncoderOptions
  /** Bytes produced so far, drained or not. */
  produced = 0

  constructor(options: EncoderOptions) {
    this.options = options
  }

  /** Bytes waiting to be drained. */
  get pending(): number {
    return this.out.length
  }

  /** "REDIS0010" and the AUX fields (rdbSaveInfoAuxFields). */
  header(aux: ReadonlyArray<readonly [string, string]>): void {
    this.out.latin1(`REDIS${String(RDB_VERSION).padStart(4, "0")}`)
    for (const [key, value] of aux) {
      this.out.byte(Opcode.AUX)
      writeString(this.out, key, this.options)
      writeString(this.out, value, this.options)
    }
  }

  /** RDB_OPCODE_FUNCTION2 for each function library's code. */
  functions(codes: ReadonlyArray<string>): void {
    for (const code of codes) {
      this.out.byte(Opcode.FUNCTION2)
      writeString(this.out, code, this.options)
    }
  }

  /** SELECTDB and the RESIZEDB hint. */
  selectDb(id: number, size: number, expires: number): void {
    this.out.byte(Opcode.SELECTDB)
    writeLen(this.out, id)
    this.out.byte(Opcode.RESIZEDB)
    writeLen(this.out, size)
    writeLen(this.out, expires)
  }

  /** rdbSaveKeyValuePair (no LRU/LFU fields: they are written only under an eviction policy that uses them). */
  entry(key: string, value: Value, expireAt: number | bigint): void {
    const out = this.out
    if (expireAt !== -1) {
      out.byte(Opcode.EXPIRETIME_MS)
      out.i64le(expireAt)
    }
    out.byte(objectType(value))
    writeString(out, key, this.options)
    writeValue(out, value, this.options, this.options.limits)
  }

  /** The bytes produced since the last drain (a copy), counted into the checksum. */
  drain(): Buffer {
    const bytes = this.out.copy()
    if (this.options.checksum) this.crc.update(bytes)
    this.produced += bytes.length
    this.out.reset()
    return bytes
  }

  /** EOF and the checksum; returns the last bytes. */
  finish(): Buffer {
    this.out.byte(Opcode.EOF)
    const last = this.drain()
    const tail = this.options.checksum ? this.crc.bytes() : new Uint8Array(8)
    this.produced += 8
    return Buffer.concat([last, tail])
  }
}

/** Replication info a full sync's payload carries (rdbSaveInfo): the stream's database, replid, offset. */
export interface ReplicationAux {
  readonly streamDb: number
  readonly replid: string
  readonly offset: number
}

/** The AUX fields Redis 7.0 writes (rdbSaveInfoAuxFields), replication info only for a full sync. */
export const standardAux = (
  version: string,
  nowMs: number,
  usedMemory: number,
  aofBase: boolean,
  replication?: ReplicationAux
): Array<[string, string]> => [
  ["redis-ver", version],
  ["redis-bits", "64"],
  ["ctime", String(Math.floor(nowMs / 1000))],
  ["used-mem", String(usedMemory)],
  ...(replication === undefined
    ? []
    : [["repl-stream-db", String(replication.streamDb)], ["repl-id", replication.replid], ["repl-offset", String(replication.offset)]] as Array<[string, string]>),
  ["aof-base", aofBase ? "1" : "0"]
]

// --- loading -----------------------------------------------------------------------------------------

/** Where a loader puts what it reads. */
export interface LoadSink {
  /** A key; false if the database already has it (a duplicated key: the load fails, as Redis panics). */
  key(db: number, key: string, value: Value, expireAt: number | bigint, lruIdle: number, lfuFreq: number): boolean
  /** A function library's code (kept for when scripting exists). */
  function(code: string): void
  /** A log line, Redis's words and level. */
  log(level: "notice" | "warning" | "debug", line: string): void
}

export interface LoaderOptions {
  readonly limits: EncodingLimits
  readonly databases: number
  /** rdbchecksum: verify the CRC64 at the end. */
  readonly checksum: boolean
  /** Unix ms: keys whose expiry time is before it are dropped (a master loading a snapshot does). */
  readonly now: number
  readonly expireOnLoad: boolean
}

/** An RDB file that cannot be loaded before any key is read: Redis's "Fatal error loading the DB". */
export class RdbFormatError extends Error {}

/**
 * Reads an RDB file from a buffer, `step` by `step`. Counts what it loaded and expired
 * (rdb_last_load_keys_loaded / _expired), logs the AUX fields as Redis does, checks the checksum.
 */
export class RdbLoader {
  private readonly r: RdbReader
  private readonly options: LoaderOptions
  private readonly sink: LoadSink
  readonly version: number
  private db = 0
  private readonly crc = new Crc64()
  private crcPos = 0
  done = false
  keysLoaded = 0
  keysExpired = 0
  emptyKeysSkipped = 0
  /** used-mem of the AUX fields (loading_rdb_used_mem). */
  usedMem = 0
  aofBase = false
  /** repl-stream-db: the database the master's stream had selected (-1: none given). */
  replStreamDb = -1

  constructor(buf: Uint8Array, options: LoaderOptions, sink: LoadSink) {
    this.r = new RdbReader(buf)
    this.options = options
    this.sink = sink
    if (buf.length < 9) this.r.eof()
    const magic = this.r.raw(9).latin1Slice(0, 9)
    if (!magic.startsWith("REDIS")) throw new RdbFormatError("Wrong signature trying to load DB from file")
    const version = Number.parseInt(magic.slice(5), 10) || 0
    if (version < 1 || version > RDB_VERSION) throw new RdbFormatError(`Can't handle RDB format version ${version}`)
    this.version = version
  }

  /** Bytes read so far (loading_loaded_bytes). */
  get position(): number {
    return this.r.pos
  }

  get total(): number {
    return this.r.end
  }

  /** Reads up to `maxKeys` keys (and the opcodes between them); true once the whole file is read. */
  step(maxKeys: number): boolean {
    if (this.done) return true
    const r = this.r
    let expireAt: number | bigint = -1
    let lruIdle = -1
    let lfuFreq = -1
    let keys = 0
    try {
      while (keys < maxKeys) {
        const start = r.pos
        const type = r.byte()
        if (type === Opcode.EXPIRETIME) {
          expireAt = r.seconds() * 1000
          continue
        }
        if (type === Opcode.EXPIRETIME_MS) {
          expireAt = r.millis()
          continue
        }
        if (type === Opcode.FREQ) {
          lfuFreq = r.byte()
          continue
        }
        if (type === Opcode.IDLE) {
          lruIdle = r.len()
          continue
        }
        if (type === Opcode.EOF) {
          this.finish()
          return true
        }
        if (type === Opcode.SELECTDB) {
          const id = r.len()
          if (id >= this.options.databases) {
            throw new RdbFatal(`FATAL: Data file was created with a Redis server configured to handle more than ${this.options.databases} databases. Exiting\n`)
          }
          this.db = id
          continue
        }
        if (type === Opcode.RESIZEDB) {
          r.len()
          r.len()
          continue
        }
        if (type === Opcode.AUX) {
          this.aux(r.string(), r.string())
          continue
        }
        if (type === Opcode.MODULE_AUX) {
          const id = r.lenBig()
          throw new RdbFatal(`The RDB file contains AUX module data I can't load: no matching module '${moduleTypeName(id)}'`)
        }
        if (type === Opcode.FUNCTION || type === Opcode.FUNCTION2) {
          this.sink.function(this.functionPayload(type))
          continue
        }
        // a key: its type was read, then its name and value
        const key = r.string()
        if (!isObjectType(type)) r.corrupt(`Unknown RDB encoding type ${type}`, start)
        const value = readValue(r, type, this.options.limits)
        if (value === EMPTY_KEY) {
          if (this.emptyKeysSkipped++ < 10) this.sink.log("warning", `rdbLoadObject skipping empty key: ${key}`)
        } else if (this.options.expireOnLoad && expireAt !== -1 && expireAt < this.options.now) {
          this.keysExpired++
        } else {
          if (!this.sink.key(this.db, key, value, expireAt, lruIdle, lfuFreq)) {
            this.sink.log("warning", `RDB has duplicated key '${key}' in DB ${this.db}`)
            throw new RdbFatal("Duplicated key found in RDB file")
          }
          this.keysLoaded++
        }
        expireAt = -1
        lruIdle = -1
        lfuFreq = -1
        keys++
      }
    } finally {
      this.crc.update(r.buf, this.crcPos, r.pos)
      this.crcPos = r.pos
    }
    return false
  }

  private functionPayload(type: number): string {
    const r = this.r
    if (type === Opcode.FUNCTION2) return r.string()
    // 7.0 rc1/rc2: name, engine, optional description, code
    const name = r.string()
    const engine = r.string()
    if (r.len() !== 0) r.string()
    const blob = r.string()
    return `#!${engine} name=${name}\n${blob}`
  }

  private aux(key: string, value: string): void {
    const sink = this.sink
    const name = key.toLowerCase()
    if (key.startsWith("%")) sink.log("notice", `RDB '${key}': ${value}`)
    else if (name === "redis-ver") sink.log("notice", `Loading RDB produced by version ${value}`)
    else if (name === "ctime") {
      const age = Math.max(0, Math.floor(this.options.now / 1000) - (Number.parseInt(value, 10) || 0))
      sink.log("notice", `RDB age ${age} seconds`)
    } else if (name === "used-mem") {
      this.usedMem = Number.parseInt(value, 10) || 0
      sink.log("notice", `RDB memory usage when created ${(this.usedMem / (1024 * 1024)).toFixed(2)} Mb`)
    } else if (name === "aof-preamble") {
      if ((Number.parseInt(value, 10) || 0) !== 0) sink.log("notice", "RDB has an AOF tail")
    } else if (name === "aof-base") {
      this.aofBase = (Number.parseInt(value, 10) || 0) !== 0
      if (this.aofBase) sink.log("notice", "RDB is base AOF")
    } else if (name === "repl-stream-db") {
      this.replStreamDb = Number.parseInt(value, 10)
      if (!Number.isInteger(this.replStreamDb)) this.replStreamDb = -1
    } else if (!["repl-id", "repl-offset", "lua", "redis-bits"].includes(name)) {
      sink.log("debug", `Unrecognized RDB AUX field: '${key}'`)
    }
  }

  /** After EOF: the checksum (RDB 5+), then the summary line. */
  private finish(): void {
    const r = this.r
    this.crc.update(r.buf, this.crcPos, r.pos)
    this.crcPos = r.pos
    if (this.version >= 5) {
      const expected = this.crc.value
      const stored = r.raw(8).readBigUInt64LE(0)
      if (this.options.checksum) {
        if (stored === 0n) {
          this.sink.log("warning", "RDB file was saved with checksum disabled: no check performed.")
        } else if (stored !== expected) {
          this.sink.log("warning", `Wrong RDB checksum expected: (${expected.toString(16)}) but got (${stored.toString(16)}). Aborting now.`)
          r.corrupt("RDB CRC error")
        }
      }
    }
    this.done = true
    if (this.emptyKeysSkipped > 0) {
      this.sink.log(
        "warning",
        `Done loading RDB, keys loaded: ${this.keysLoaded}, keys expired: ${this.keysExpired}, empty keys skipped: ${this.emptyKeysSkipped}.`
      )
    } else {
      this.sink.log("notice", `Done loading RDB, keys loaded: ${this.keysLoaded}, keys expired: ${this.keysExpired}.`)
    }
  }
}

/** A condition on which Redis logs a line and exits (not a corruption report). */
export class RdbFatal extends Error {}

export { RdbError }

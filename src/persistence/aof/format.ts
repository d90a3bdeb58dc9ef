/**
 * The AOF's command format (aof.c): each command as a RESP array of bulk strings
 * (catAppendOnlyGenericCommand), `#` annotation lines (`#TS:<unix seconds>`), the reader that
 * loadSingleAppendOnlyFile is (with the offset of the last complete command, for aof-load-truncated),
 * and the rewrite of a value as the commands that recreate it (rewriteAppendOnlyFileRio, for a base
 * without the RDB preamble).
 */
import type { HashValue } from "../../keyspace/HashValue.ts"
import type { ListValue } from "../../keyspace/ListValue.ts"
import type { SetValue } from "../../keyspace/SetValue.ts"
import { formatId, MIN_ID, type StreamValue } from "../../keyspace/StreamValue.ts"
import type { Value } from "../../keyspace/Value.ts"
import type { ZSetValue } from "../../keyspace/ZSetValue.ts"
import { formatDouble } from "../../util/numbers.ts"

/** catAppendOnlyGenericCommand, as a latin1 string. */
export const encodeCommand = (argv: ReadonlyArray<string>): string => {
  let out = `*${argv.length}\r\n`
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    out += `$${arg.length}\r\n${arg}\r\n`
  }
  return out
}

/** The SELECT feedAppendOnlyFile writes when the database changes. */
export const selectCommand = (db: number): string => {
  const id = String(db)
  return `*2\r\n$6\r\nSELECT\r\n$${id.length}\r\n${id}\r\n`
}

/** genAofTimestampAnnotationIfNeeded's line. */
export const timestampAnnotation = (seconds: number): string => `#TS:${seconds}\r\n`

/** AOF_REWRITE_ITEMS_PER_CMD */
const ITEMS_PER_CMD = 64

/**
 * rewriteAppendOnlyFileRio for one key: the commands that recreate it (SET, RPUSH, SADD, ZADD, HMSET
 * in batches of 64 items; XADD, XSETID, XGROUP CREATE, XGROUP CREATECONSUMER and XCLAIM for a stream),
 * then PEXPIREAT when it has a TTL. Calls `emit` with each command's argv.
 */
export const rewriteKey = (key: string, value: Value, expireAt: number | bigint, emit: (argv: Array<string>) => void): void => {
  if (typeof value === "string") {
    emit(["SET", key, value])
  } else {
    switch (value.type) {
      case "list":
        batches((value as ListValue).toArray(), 1, (items) => emit(["RPUSH", key, ...items]))
        break
      case "set":
        batches([...(value as SetValue).members()], 1, (items) => emit(["SADD", key, ...items]))
        break
      case "zset": {
        const flat: Array<string> = []
        ;(value as ZSetValue).walk(0, false, (member, score) => {
          flat.push(formatDouble(score), member)
          return true
        })
        batches(flat, 2, (items) => emit(["ZADD", key, ...items]))
        break
      }
      case "hash":
        batches([...(value as HashValue).pairs()], 2, (items) => emit(["HMSET", key, ...items]))
        break
      case "stream":
        rewriteStream(key, value as StreamValue, emit)
        break
    }
  }
  if (expireAt !== -1) emit(["PEXPIREAT", key, String(expireAt)])
}

/** Items in commands of at most 64 items (an item is `width` arguments). */
const batches = (flat: ReadonlyArray<string>, width: number, emit: (items: Array<string>) => void): void => {
  const step = ITEMS_PER_CMD * width
  for (let i = 0; i < flat.length; i += step) emit(flat.slice(i, i + step))
}

const rewriteStream = (key: string, stream: StreamValue, emit: (argv: Array<string>) => void): void => {
  if (stream.length > 0) {
    for (const entry of stream.range(MIN_ID, (1n << 128n) - 1n, 0)) emit(["XADD", key, formatId(entry.id), ...entry.pairs])
  } else {
    // an empty stream: an entry added and trimmed away (XSETID below sets the real last ID)
    emit(["XADD", key, "MAXLEN", "0", "0-1", "x", "y"])
  }
  emit(["XSETID", key, formatId(stream.lastId), "ENTRIESADDED", String(stream.entriesAdded), "MAXDELETEDID", formatId(stream.maxDeletedId)])
  if (stream.groups === undefined) return
  const groups = [...stream.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const group of groups) {
    emit(["XGROUP", "CREATE", key, group.name, formatId(group.lastId), "ENTRIESREAD", String(group.entriesRead)])
    for (const consumer of group.sortedConsumers()) {
      if (consumer.pel.size === 0) {
        emit(["XGROUP", "CREATECONSUMER", key, group.name, consumer.name])
        continue
      }
      consumer.pel.forEachFrom(MIN_ID, (id, nack) => {
        emit([
          "XCLAIM", key, group.name, consumer.name, "0", formatId(id), "TIME", String(nack.deliveryTime),
          "RETRYCOUNT", String(nack.deliveryCount), "JUSTID", "FORCE"
        ])
      })
    }
  }
}

// --- reading -----------------------------------------------------------------------------------------

/** What reading the next command found. */
export type ReadResult =
  | { readonly kind: "command"; readonly argv: Array<string> }
  | { readonly kind: "eof" }
  /** The file ends inside a command (a truncated tail). */
  | { readonly kind: "truncated" }
  /** Not the AOF format (Redis's fmterr). */
  | { readonly kind: "format" }

/**
 * Reads an AOF's commands one by one from a buffer, as loadSingleAppendOnlyFile does with fgets and
 * fread: `*<argc>` lines, `$<len>` lines, the bytes and two more (CRLF, not checked), `#` lines skipped.
 * `validUpTo` is the offset after the last complete command.
 */
export class AofReader {
  private readonly buf: Buffer
  pos: number
  validUpTo: number

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf
    this.pos = pos
    this.validUpTo = pos
  }

  /** fgets: the line from `pos` through its "\n" (or to the end of the buffer), or undefined at the end. */
  private line(max = 1024): string | undefined {
    const buf = this.buf
    if (this.pos >= buf.length) return undefined
    let end = buf.indexOf(10, this.pos)
    end = end === -1 ? buf.length : end + 1
    if (end - this.pos > max - 1) end = this.pos + max - 1
    const line = buf.latin1Slice(this.pos, end)
    this.pos = end
    return line
  }

  next(): ReadResult {
    for (;;) {
      const line = this.line()
      if (line === undefined) return { kind: "eof" }
      if (line.startsWith("#")) {
        this.validUpTo = this.pos
        continue
      }
      if (!line.startsWith("*")) return { kind: "format" }
      if (line.length === 1 || !line.endsWith("\n")) return { kind: "truncated" }
      const argc = Number.parseInt(line.slice(1), 10) || 0
      if (argc < 1) return { kind: "format" }
      const argv = new Array<string>(argc)
      for (let j = 0; j < argc; j++) {
        const header = this.line()
        if (header === undefined) return { kind: "truncated" }
        if (!header.startsWith("$")) return { kind: "format" }
        const len = Number.parseInt(header.slice(1), 10) || 0
        if (this.pos + len + 2 > this.buf.length) return { kind: "truncated" }
        argv[j] = this.buf.latin1Slice(this.pos, this.pos + len)
        this.pos += len + 2
      }
      return { kind: "command", argv }
    }
  }

  /** Marks the command just read as loaded (valid_up_to = ftello). */
  commit(): void {
    this.validUpTo = this.pos
  }
}

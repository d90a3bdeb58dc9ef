/**
 * What every stream command shares: parsing stream IDs exactly as Redis does (streamGenericParseIDOrReply
 * with string2ull), key lookups, entry replies, the node limits from the configuration, and the
 * commands Redis propagates in place of consumer-group reads and claims.
 */
import { type ConfigStore, liveNumbers } from "../config/ServerConfig.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import {
  Consumer,
  type ConsumerGroup,
  formatId,
  MAX_ID,
  makeId,
  MIN_ID,
  type NodeLimits,
  type PendingEntry,
  type StreamEntry,
  type StreamId,
  StreamValue,
  U64_MAX
} from "../keyspace/StreamValue.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { isLongLong } from "../util/numbers.ts"
import * as Errors from "./errors.ts"

/**
 * Redis copies arguments into C strings before comparing them with strcmp/strchr: anything after a
 * NUL byte is invisible to those checks.
 */
export const cString = (s: string): string => {
  const nul = s.indexOf("\u0000")
  return nul === -1 ? s : s.slice(0, nul)
}

const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/

/**
 * string2ull: string2ll's strict syntax first (negative values rejected), then strtoull's lenient one,
 * which also takes leading spaces, '+', leading zeros and a '-' that negates modulo 2^64.
 */
const parseUnsigned = (s: string): bigint | undefined => {
  if (isLongLong(s)) {
    const v = BigInt(s)
    return v < 0n ? undefined : v
  }
  const m = STRTOULL.exec(s)
  if (m === null) return undefined
  const magnitude = BigInt(m[2]!)
  if (magnitude > U64_MAX) return undefined
  return m[1] === "-" ? (U64_MAX + 1n - magnitude) & U64_MAX : magnitude
}

/** A parsed ID; `seqGiven` is false for XADD's `<ms>-*` form. */
export interface ParsedId {
  readonly id: StreamId
  readonly seqGiven: boolean
}

/**
 * streamGenericParseIDOrReply: `<ms>-<seq>`, `<ms>` (sequence `missingSeq`), "-" and "+" unless
 * `strict`, and `<ms>-*` when `autoSeq`. Replies the error (when `reply` is given) and returns
 * undefined when invalid.
 */
export const parseStreamId = (
  reply: ReplyWriter | undefined,
  s: string,
  missingSeq: bigint,
  strict: boolean,
  autoSeq = false
): ParsedId | undefined => {
  const invalid = (): undefined => {
    reply?.error(Errors.INVALID_STREAM_ID)
    return undefined
  }
  if (s.length > 127) return invalid()
  const buf = cString(s)
  if (buf === "-" || buf === "+") {
    if (strict) return invalid()
    return { id: buf === "-" ? MIN_ID : MAX_ID, seqGiven: true }
  }
  const dash = buf.indexOf("-")
  const ms = parseUnsigned(dash === -1 ? buf : buf.slice(0, dash))
  if (ms === undefined) return invalid()
  if (dash === -1) return { id: makeId(ms, missingSeq), seqGiven: true }
  const seqText = buf.slice(dash + 1)
  if (autoSeq && seqText === "*") return { id: makeId(ms, 0n), seqGiven: false }
  const seq = parseUnsigned(seqText)
  if (seq === undefined) return invalid()
  return { id: makeId(ms, seq), seqGiven: true }
}

/** A strict ID argument (no "-"/"+"), missing sequence 0: XDEL, XACK, XSETID, ... */
export const strictIdArg = (reply: ReplyWriter, s: string): StreamId | undefined =>
  parseStreamId(reply, s, 0n, true)?.id

/**
 * An interval bound (streamParseIntervalIDOrReply): "(" makes it exclusive, which is applied here by
 * moving to the next (start) or previous (end) ID, with Redis's errors at the ends of the ID space.
 */
export const intervalIdArg = (reply: ReplyWriter, s: string, end: boolean): StreamId | undefined => {
  const missingSeq = end ? U64_MAX : 0n
  const exclusive = s.length > 1 && s.charCodeAt(0) === 40 /* ( */
  const parsed = exclusive
    ? parseStreamId(reply, s.slice(1), missingSeq, true)
    : parseStreamId(reply, s, missingSeq, false)
  if (parsed === undefined) return undefined
  if (!exclusive) return parsed.id
  if (!end) {
    if (parsed.id === MAX_ID) {
      reply.error(Errors.INVALID_START_ID)
      return undefined
    }
    return parsed.id + 1n
  }
  if (parsed.id === MIN_ID) {
    reply.error(Errors.INVALID_END_ID)
    return undefined
  }
  return parsed.id - 1n
}

/** The stream at a key for reading: undefined if missing, null (WRONGTYPE replied) if another type. */
export const readStream = (ctx: CommandContext, key: string): StreamValue | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || value instanceof StreamValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Same for writing (lookupKeyWrite). */
export const writeStream = (ctx: CommandContext, key: string): StreamValue | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || value instanceof StreamValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * Adds an empty stream at a missing key (createStreamObject + dbAdd): dbAdd emits "new" and signals
 * the key, as it does for every type that clients block on.
 */
export const createStream = (ctx: CommandContext, key: string): StreamValue => {
  const stream = new StreamValue()
  ctx.db.add(key, stream)
  return stream
}

/**
 * An ID as a bulk string, from its halves when they are exact (`wide` undefined: written from their
 * number texts, no bigint), else from `wide`.
 */
export const replyId = (reply: ReplyWriter, ms: number, seq: number, wide: StreamId | undefined): void => {
  if (wide === undefined) reply.streamId(ms, seq)
  else reply.bulk(formatId(wide))
}

/** An entry as Redis replies it: [id, [field, value, ...]]. */
export const replyEntry = (reply: ReplyWriter, entry: StreamEntry): void => {
  reply.arrayHeader(2)
  replyId(reply, entry.ms, entry.seq, entry.wide)
  reply.bulkArray(entry.pairs)
}

export const replyEntries = (reply: ReplyWriter, entries: ReadonlyArray<StreamEntry>): void => {
  reply.arrayHeader(entries.length)
  for (const entry of entries) replyEntry(reply, entry)
}

/** A uint64/int64 counter as Redis replies it with addReplyLongLong (two's complement cast). */
export const replyCounter = (reply: ReplyWriter, n: bigint): void => reply.integer(BigInt.asIntN(64, n))

/** stream-node-max-bytes and stream-node-max-entries as they are now. */
export const nodeLimits: (config: ConfigStore) => NodeLimits = liveNumbers({
  maxBytes: "stream-node-max-bytes",
  maxEntries: "stream-node-max-entries"
})

/**
 * streamLookupConsumer (refreshing the seen time, SLC_DEFAULT) or streamCreateConsumer, which counts
 * a change and emits "xgroup-createconsumer". Returns the consumer and whether it was created.
 */
export const lookupOrCreateConsumer = (
  ctx: CommandContext,
  key: string,
  group: ConsumerGroup,
  name: string
): { readonly consumer: Consumer; readonly created: boolean } => {
  const existing = group.consumers.get(name)
  if (existing !== undefined) {
    existing.seenTime = ctx.now
    return { consumer: existing, created: false }
  }
  return { consumer: createConsumer(ctx, key, group, name), created: true }
}

/** streamCreateConsumer with the default flags: counted as a change and notified. */
export const createConsumer = (ctx: CommandContext, key: string, group: ConsumerGroup, name: string): Consumer => {
  const consumer = new Consumer(name, ctx.now)
  group.consumers.set(name, consumer)
  ctx.addDirty()
  ctx.notify(NotifyClass.stream, "xgroup-createconsumer", key)
  return consumer
}

/**
 * streamPropagateXCLAIM: the idempotent XCLAIM that recreates a pending entry on replicas and in the
 * AOF, with the group's last ID.
 */
export const propagateClaim = (
  ctx: CommandContext,
  key: string,
  groupName: string,
  group: ConsumerGroup,
  idText: string,
  nack: PendingEntry
): void => {
  ctx.alsoPropagate([
    "XCLAIM",
    key,
    groupName,
    nack.consumer!.name,
    "0",
    idText,
    "TIME",
    String(nack.deliveryTime),
    "RETRYCOUNT",
    BigInt.asIntN(64, nack.deliveryCount).toString(),
    "FORCE",
    "JUSTID",
    "LASTID",
    formatId(group.lastId)
  ])
}

/** streamPropagateGroupID: XGROUP SETID with the read counter, for reads that XCLAIM cannot carry. */
export const propagateGroupId = (ctx: CommandContext, key: string, groupName: string, group: ConsumerGroup): void => {
  ctx.alsoPropagate(["XGROUP", "SETID", key, groupName, formatId(group.lastId), "ENTRIESREAD", group.entriesRead.toString()])
}

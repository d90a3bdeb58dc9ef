/**
 * XREAD and XREADGROUP (xreadCommand, streamReplyWithRange, serveClientsBlockedOnStreamKey): reads
 * from several streams, consumer-group delivery with its pending entries lists, and BLOCK.
 */
import { NO_NOTIFY, NO_STATS } from "../keyspace/Database.ts"
import {
  type Consumer,
  type ConsumerGroup,
  formatId,
  INVALID_ENTRIES_READ,
  MAX_ID,
  PendingEntry,
  type StreamEntry,
  type StreamId,
  StreamValue
} from "../keyspace/StreamValue.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption, timeoutMsArg } from "./args.ts"
import { type Blocked, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import {
  cString,
  lookupOrCreateConsumer,
  parseStreamId,
  propagateClaim,
  propagateGroupId,
  readStream,
  replyEntries,
  replyEntry
} from "./streams-shared.ts"

/** XREAD_BLOCKED_DEFAULT_COUNT: a blocked read without COUNT is served at most this many entries. */
const BLOCKED_DEFAULT_COUNT = 1000

/** ">" is represented by the largest ID, as Redis does (so that ID given explicitly means ">" too). */
const NEW_ENTRIES: StreamId = MAX_ID

/** The consumer-group part of XREADGROUP. */
interface GroupRead {
  readonly groupName: string
  readonly consumerName: string
  readonly noack: boolean
}

/**
 * streamReplyWithRange with a group: entries after `start` delivered to `consumer`. Advances the
 * group's last ID and read counter, creates or reassigns pending entries (unless NOACK), and
 * propagates each delivery as XCLAIM (and NOACK reads as XGROUP SETID).
 */
const deliverNew = (
  ctx: CommandContext,
  key: string,
  stream: StreamValue,
  group: ConsumerGroup,
  consumer: Consumer,
  read: GroupRead,
  start: StreamId,
  count: number
): ReadonlyArray<StreamEntry> => {
  const entries = stream.range(start, MAX_ID, count)
  let propagateLastId = false
  let propagated = 0
  for (const entry of entries) {
    const id = entry.id
    if (id > group.lastId) {
      if (group.entriesRead !== INVALID_ENTRIES_READ && !stream.rangeHasTombstones(id)) {
        group.entriesRead++
      } else if (stream.entriesAdded !== 0n) {
        group.entriesRead = stream.estimateEntriesRead(id)
      }
      group.lastId = id
      // without NOACK the XCLAIMs below carry the last ID (LASTID)
      if (read.noack) propagateLastId = true
    }
    if (read.noack) continue
    let nack = group.pel.get(id)
    if (nack === undefined) {
      nack = new PendingEntry(consumer, ctx.now)
      group.pel.set(id, nack)
    } else {
      // already pending (XGROUP SETID moved the group back): the entry now belongs to this consumer
      nack.consumer?.pel.delete(id)
      nack.consumer = consumer
      nack.deliveryTime = ctx.now
      nack.deliveryCount = 1n
    }
    consumer.pel.set(id, nack)
    propagateClaim(ctx, key, read.groupName, group, formatId(id), nack)
    propagated++
  }
  if (propagateLastId) {
    propagateGroupId(ctx, key, read.groupName, group)
    propagated++
  }
  if (propagated > 0) ctx.addDirty()
  return entries
}

/** A history read: the entry, or its ID when it was deleted from the stream while pending. */
type HistoryItem = StreamEntry | StreamId

/**
 * streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`; each one
 * still in the stream counts as delivered again.
 */
const deliverHistory = (
  ctx: CommandContext,
  stream: StreamValue,
  consumer: Consumer,
  start: StreamId,
  count: number
): ReadonlyArray<HistoryItem> => {
  const out: Array<HistoryItem> = []
  consumer.pel.forEachFrom(start, (id, nack) => {
    if (count !== 0 && out.length >= count) return false
    const entry = stream.get(id)
    if (entry === undefined) {
      out.push(id)
    } else {
      out.push(entry)
      nack.deliveryTime = ctx.now
      nack.deliveryCount++
    }
  })
  return out
}

const replyHistory = (reply: ReplyWriter, items: ReadonlyArray<HistoryItem>): void => {
  reply.arrayHeader(items.length)
  for (const item of items) {
    if (typeof item !== "bigint") {
      replyEntry(reply, item)
    } else {
      reply.arrayHeader(2)
      reply.bulk(formatId(item))
      reply.nullArray()
    }
  }
}

/** XREADGROUP's consumer lookup, which creates it (propagated explicitly under NOACK, see issue #7140). */
const consumerFor = (ctx: CommandContext, key: string, group: ConsumerGroup, read: GroupRead): Consumer => {
  const { consumer, created } = lookupOrCreateConsumer(ctx, key, group, read.consumerName)
  if (created && read.noack) {
    ctx.alsoPropagate(["XGROUP", "CREATECONSUMER", key, read.groupName, read.consumerName])
  }
  return consumer
}

/** The sub-reply of one stream: [key, entries] in RESP2, a map entry key => entries in RESP3. */
interface StreamReply {
  readonly key: string
  readonly write: (reply: ReplyWriter) => void
}

/** RESP2: an array of [key, entries] pairs; RESP3: a map of key => entries. */
const writeStreams = (reply: ReplyWriter, replies: ReadonlyArray<StreamReply>): void => {
  if (reply.resp === 2) reply.arrayHeader(replies.length)
  else reply.mapHeader(replies.length)
  for (const r of replies) {
    if (reply.resp === 2) reply.arrayHeader(2)
    reply.bulk(r.key)
    r.write(reply)
  }
}

/** xreadCommand: XREAD and XREADGROUP share everything but the group. */
const xread = (ctx: CommandContext, argv: ReadonlyArray<string>, isGroupRead: boolean): void | Blocked => {
  const reply = ctx.reply
  let timeoutAt = -1
  let count = 0
  let streamsAt = 0
  let streamCount = 0
  let noack = false
  let groupName: string | undefined
  let consumerName: string | undefined
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1
    const opt = argv[i]!
    if (isOption(opt, "block") && more > 0) {
      // no sense in blocking from a script: refused outright, as Redis keeps it for compatibility
      if (ctx.client.kind === "script") return reply.error(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`)
      i++
      const at = timeoutMsArg(reply, argv[i]!, ctx.now)
      if (at === undefined) return
      timeoutAt = at
    } else if (isOption(opt, "count") && more > 0) {
      i++
      const n = intArg(reply, argv[i]!)
      if (n === undefined) return
      count = n < 0 ? 0 : n
    } else if (isOption(opt, "streams") && more > 0) {
      streamsAt = i + 1
      streamCount = argv.length - streamsAt
      if (streamCount % 2 !== 0) return reply.error(Errors.XREAD_UNBALANCED)
      streamCount /= 2
      break
    } else if (isOption(opt, "group") && more >= 2) {
      if (!isGroupRead) return reply.error(Errors.XREAD_GROUP_OPTION)
      groupName = argv[i + 1]!
      consumerName = argv[i + 2]!
      i += 2
    } else if (isOption(opt, "noack")) {
      if (!isGroupRead) return reply.error(Errors.XREAD_NOACK_OPTION)
      noack = true
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }
  if (streamsAt === 0) return reply.error(Errors.SYNTAX)
  if (isGroupRead && groupName === undefined) return reply.error(Errors.XREADGROUP_MISSING_GROUP)
  const read: GroupRead | undefined = groupName === undefined
    ? undefined
    : { groupName, consumerName: consumerName!, noack }

  const keys = argv.slice(streamsAt, streamsAt + streamCount)
  const ids: Array<StreamId> = []
  const groups: Array<ConsumerGroup> = []
  for (let k = 0; k < streamCount; k++) {
    const key = keys[k]!
    const stream = readStream(ctx, key)
    if (stream === null) return
    if (read !== undefined) {
      const group = stream?.groups?.get(read.groupName)
      if (group === undefined) {
        return reply.error(Errors.xreadgroupNoGroup(cString(key), cString(read.groupName)))
      }
      groups.push(group)
    }
    const arg = argv[streamsAt + streamCount + k]!
    const special = cString(arg)
    if (special === "$") {
      if (isGroupRead) return reply.error(Errors.XREADGROUP_DOLLAR_ID)
      ids.push(stream?.lastId ?? 0n)
    } else if (special === ">") {
      if (!isGroupRead) return reply.error(Errors.XREAD_GREATER_ID)
      ids.push(NEW_ENTRIES)
    } else {
      const parsed = parseStreamId(reply, arg, 0n, true)
      if (parsed === undefined) return
      ids.push(parsed.id)
    }
  }

  // serve synchronously what can be served
  const served: Array<StreamReply> = []
  for (let k = 0; k < streamCount; k++) {
    const key = keys[k]!
    const value = ctx.db.lookupRead(key)
    if (!(value instanceof StreamValue)) continue
    let gt = ids[k]!
    if (read !== undefined) {
      const group = groups[k]!
      let serve = false
      let history = false
      if (gt !== NEW_ENTRIES) {
        // an explicit ID reads the consumer's history, always synchronously
        serve = true
        history = true
      } else if (value.length > 0 && value.lastValidId() > group.lastId) {
        serve = true
        gt = group.lastId
      }
      if (!serve) continue
      // looked up as a read (Redis's lookupKeyRead), changed in place from here on
      ctx.db.willModify(key)
      // the consumer exists from its first served read on (a read that blocks creates nothing yet)
      const consumer = consumerFor(ctx, key, group, read)
      ctx.addDirty()
      const start = gt + 1n
      if (history) {
        const items = deliverHistory(ctx, value, consumer, start, count)
        served.push({ key, write: (r) => replyHistory(r, items) })
      } else {
        const entries = deliverNew(ctx, key, value, group, consumer, read, start, count)
        served.push({ key, write: (r) => replyEntries(r, entries) })
      }
    } else if (value.length > 0 && value.lastValidId() > gt) {
      const entries = value.range(gt + 1n, MAX_ID, count)
      served.push({ key, write: (r) => replyEntries(r, entries) })
    }
  }
  // the reads propagate as the XCLAIM/XGROUP commands above, never as themselves
  ctx.preventPropagation()
  if (served.length > 0) return writeStreams(reply, served)
  if (timeoutAt === -1) return reply.nullArray()
  return blockForStreams(ctx, keys, ids, read, count === 0 ? BLOCKED_DEFAULT_COUNT : count, timeoutAt)
}

/**
 * Waits for entries on any of the keys. "$" was resolved to the last ID at the time of blocking; a
 * group read waits for entries after the group's last delivered ID at the time it is served.
 * A waiter of a group read is released with an error when its stream or group disappears.
 */
const blockForStreams = (
  ctx: CommandContext,
  keys: ReadonlyArray<string>,
  ids: ReadonlyArray<StreamId>,
  read: GroupRead | undefined,
  count: number,
  timeoutAt: number
): void | Blocked => {
  // blockForKeys keeps the first ID of a key given twice
  const after = new Map<string, StreamId>()
  keys.forEach((key, k) => {
    if (!after.has(key)) after.set(key, ids[k]!)
  })
  return ctx.block({
    keys: [...after.keys()],
    timeoutAt,
    onTimeout: () => ctx.reply.nullArray(),
    serve: (key) => {
      const reply = ctx.reply
      // as when not blocked: the reads propagate as XCLAIM/XGROUP commands, never as themselves
      ctx.preventPropagation()
      const value = ctx.db.lookupRead(key, NO_STATS | NO_NOTIFY)
      if (!(value instanceof StreamValue)) {
        if (read === undefined) return false
        reply.error(Errors.BLOCKED_STREAM_DELETED)
        return true
      }
      let group: ConsumerGroup | undefined
      let gt: StreamId
      if (read !== undefined) {
        group = value.groups?.get(read.groupName)
        if (group === undefined) {
          reply.error(Errors.BLOCKED_GROUP_DESTROYED)
          return true
        }
        gt = group.lastId
      } else {
        gt = after.get(key)!
      }
      // the last generated ID, not the last live one: an entry added then deleted still wakes readers
      if (value.lastId <= gt) return false
      if (group !== undefined) ctx.db.willModify(key)
      const entries = group === undefined
        ? value.range(gt + 1n, MAX_ID, count)
        : deliverNew(ctx, key, value, group, consumerFor(ctx, key, group, read!), read!, gt + 1n, count)
      writeStreams(reply, [{ key, write: (r) => replyEntries(r, entries) }])
      return true
    }
  })
}

/**
 * The keys of XREAD/XREADGROUP as Redis 7.0's COMMAND GETKEYS finds them. First the key spec: the
 * keyword STREAMS searched from `startfrom` up to, not including, the last argument, then the first
 * half of what follows it (rounded down); no STREAMS there means no keys. A single argument after the
 * keyword puts the range out of bounds, an invalid spec, and Redis falls back to its own parser
 * (xreadGetKeys), which looks for STREAMS after the options from the start.
 */
const xreadKeys = (startfrom: number) => (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  for (let i = startfrom; i < argv.length - 1; i++) {
    if (isOption(argv[i]!, "streams")) {
      const first = i + 1
      const count = Math.floor((argv.length - first) / 2)
      return count === 0 ? xreadGetKeys(argv) : keyRange(first, count)
    }
  }
  return []
}

/** xreadGetKeys: skips BLOCK/COUNT/GROUP/NOACK to STREAMS; then half of the rest, when it is even. */
const xreadGetKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  let streams = -1
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!
    if (isOption(arg, "block") || isOption(arg, "count")) i++
    else if (isOption(arg, "group")) i += 2
    else if (isOption(arg, "noack")) continue
    else {
      if (isOption(arg, "streams")) streams = i
      break
    }
  }
  const rest = argv.length - streams - 1
  return streams === -1 || rest === 0 || rest % 2 !== 0 ? [] : keyRange(streams + 1, rest / 2)
}

const keyRange = (first: number, count: number): ReadonlyArray<number> =>
  Array.from({ length: count }, (_, k) => first + k)

export const xreadCommands = [
  defineCommand({
    name: "xread",
    arity: -4,
    flags: "readonly blocking movablekeys",
    keys: [0, 0, 0],
    acl: "@read @stream @slow @blocking",
    docs: {
      summary:
        "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
      since: "5.0.0",
      group: "stream",
      complexity:
        "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data."
    },
    getKeys: xreadKeys(1),
    handler: (ctx, argv) => xread(ctx, argv, false)
  }),
  defineCommand({
    name: "xreadgroup",
    arity: -7,
    flags: "write blocking movablekeys",
    keys: [0, 0, 0],
    acl: "@write @stream @slow @blocking",
    docs: {
      summary:
        "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
      since: "5.0.0",
      group: "stream",
      complexity:
        "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data."
    },
    getKeys: xreadKeys(4),
    handler: (ctx, argv) => xread(ctx, argv, true)
  })
]

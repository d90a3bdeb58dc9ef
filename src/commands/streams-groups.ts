/**
 * Consumer groups (t_stream.c): XGROUP and its subcommands, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
 * XCLAIM and XAUTOCLAIM propagate as the idempotent XCLAIM form of each change, like XREADGROUP.
 */
import { NotifyClass } from "../keyspace/notify.ts"
import {
  type Consumer,
  ConsumerGroup,
  formatId,
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  PendingEntry,
  type StreamEntry,
  type StreamId,
  StreamValue
} from "../keyspace/StreamValue.ts"
import type { Value } from "../keyspace/Value.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption, longLongArg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { replyHelp } from "./help.ts"
import {
  createConsumer,
  createStream,
  cString,
  intervalIdArg,
  lookupOrCreateConsumer,
  parseStreamId,
  propagateClaim,
  propagateGroupId,
  readStream,
  replyCounter,
  replyEntry,
  strictIdArg,
  writeStream
} from "./streams-shared.ts"

const group = "stream"

// --- XGROUP --------------------------------------------------------------------------------------

/** What every XGROUP subcommand but HELP resolves first (the common part of xgroupCommand). */
interface GroupTarget {
  readonly key: string
  readonly groupName: string
  readonly stream: StreamValue | undefined
  readonly group: ConsumerGroup | undefined
  readonly mkstream: boolean
  readonly entriesRead: bigint
}

/**
 * Parses CREATE/SETID options, looks the key up and checks that the key (and for most subcommands
 * the group) exists, in Redis's order of errors.
 */
const groupTarget = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  sub: "create" | "setid" | "destroy" | "createconsumer" | "delconsumer"
): GroupTarget | undefined => {
  const reply = ctx.reply
  let mkstream = false
  let entriesRead = INVALID_ENTRIES_READ
  for (let i = 5; i < argv.length;) {
    if (sub === "create" && isOption(argv[i]!, "mkstream")) {
      mkstream = true
      i++
    } else if ((sub === "create" || sub === "setid") && isOption(argv[i]!, "entriesread") && i + 1 < argv.length) {
      const n = intArg(reply, argv[i + 1]!)
      if (n === undefined) return undefined
      if (n < 0 && n !== -1) return void reply.error(Errors.ENTRIESREAD_INVALID)
      entriesRead = BigInt(argv[i + 1]!)
      i += 2
    } else {
      return void reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
    }
  }
  const key = argv[2]!
  const groupName = argv[3]!
  const stream = writeStream(ctx, key)
  if (stream === null) return undefined
  const found = stream?.groups?.get(groupName)
  if (!mkstream) {
    if (stream === undefined) return void reply.error(Errors.XGROUP_KEY_REQUIRED)
    if (found === undefined && (sub === "setid" || sub === "createconsumer" || sub === "delconsumer")) {
      return void reply.error(Errors.noSuchGroupForKey(cString(groupName), cString(key)))
    }
  }
  return { key, groupName, stream, group: found, mkstream, entriesRead }
}

/**
 * A change to consumer groups: counted (so it propagates) and notified, but not signalled to WATCH,
 * which in Redis only sees changes to the entries.
 */
const groupChanged = (ctx: CommandContext, event: string, key: string): void => {
  ctx.addDirty()
  ctx.notify(NotifyClass.stream, event, key)
}

/** A group's position: "$" for the stream's last ID (0-0 before MKSTREAM creates it), or an ID. */
const groupIdArg = (
  ctx: CommandContext,
  arg: string,
  stream: StreamValue | undefined,
  strict: boolean
): StreamId | undefined =>
  cString(arg) === "$" ? stream?.lastId ?? MIN_ID : parseStreamId(ctx.reply, arg, 0n, strict)?.id

const XGROUP_HELP = [
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter."
]

const xgroupCreate = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const target = groupTarget(ctx, argv, "create")
  if (target === undefined) return
  if (argv.length > 8) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
  const id = groupIdArg(ctx, argv[4]!, target.stream, true)
  if (id === undefined) return
  let stream = target.stream
  if (stream === undefined) {
    stream = createStream(ctx, target.key)
    ctx.touch(target.key)
  }
  stream.groups ??= new Map()
  if (stream.groups.has(target.groupName)) return ctx.reply.error(Errors.BUSYGROUP)
  stream.groups.set(target.groupName, new ConsumerGroup(target.groupName, id, target.entriesRead))
  ctx.reply.ok()
  groupChanged(ctx, "xgroup-create", target.key)
}

const xgroupSetId = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const target = groupTarget(ctx, argv, "setid")
  if (target === undefined) return
  if (argv.length !== 5 && argv.length !== 7) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
  const id = groupIdArg(ctx, argv[4]!, target.stream, false)
  if (id === undefined) return
  const found = target.group!
  found.lastId = id
  found.entriesRead = target.entriesRead
  ctx.reply.ok()
  groupChanged(ctx, "xgroup-setid", target.key)
}

const xgroupDestroy = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const target = groupTarget(ctx, argv, "destroy")
  if (target === undefined) return
  if (target.group === undefined) return ctx.reply.integer(0)
  target.stream!.groups!.delete(target.groupName)
  ctx.reply.integer(1)
  groupChanged(ctx, "xgroup-destroy", target.key)
  // XREADGROUP waiters on this group are released with an error
  ctx.keyspace.keyReady(ctx.db, target.key)
}

const xgroupCreateConsumer = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const target = groupTarget(ctx, argv, "createconsumer")
  if (target === undefined) return
  const found = target.group!
  if (found.consumers.has(argv[4]!)) return ctx.reply.integer(0)
  createConsumer(ctx, target.key, found, argv[4]!)
  ctx.reply.integer(1)
}

const xgroupDelConsumer = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const target = groupTarget(ctx, argv, "delconsumer")
  if (target === undefined) return
  const found = target.group!
  const consumer = found.consumers.get(argv[4]!)
  if (consumer === undefined) return ctx.reply.integer(0)
  const pending = consumer.pel.size
  found.deleteConsumer(consumer)
  groupChanged(ctx, "xgroup-delconsumer", target.key)
  ctx.reply.integer(pending)
}

const subcommand = (
  name: string,
  arity: number,
  flags: string,
  acl: string,
  summary: string,
  since: string,
  complexity: string,
  handler: (ctx: CommandContext, argv: ReadonlyArray<string>) => void
) =>
  defineCommand({
    name,
    arity,
    flags,
    keys: flags === "loading stale" ? [0, 0, 0] : [2, 2, 1],
    acl,
    docs: { summary, since, group, complexity },
    handler
  })

export const xgroupCommand = defineCommand({
  name: "xgroup",
  arity: -2,
  flags: "",
  keys: [0, 0, 0],
  acl: "@slow",
  docs: { summary: "A container for consumer groups commands", since: "5.0.0", group, complexity: "Depends on subcommand." },
  subcommands: [
    subcommand("create", -5, "write denyoom", "@write @stream @slow", "Create a consumer group.", "5.0.0", "O(1)", xgroupCreate),
    subcommand(
      "setid",
      -5,
      "write",
      "@write @stream @slow",
      "Set a consumer group to an arbitrary last delivered ID value.",
      "5.0.0",
      "O(1)",
      xgroupSetId
    ),
    subcommand(
      "destroy",
      4,
      "write",
      "@write @stream @slow",
      "Destroy a consumer group.",
      "5.0.0",
      "O(N) where N is the number of entries in the group's pending entries list (PEL).",
      xgroupDestroy
    ),
    subcommand(
      "createconsumer",
      5,
      "write denyoom",
      "@write @stream @slow",
      "Create a consumer in a consumer group.",
      "6.2.0",
      "O(1)",
      xgroupCreateConsumer
    ),
    subcommand(
      "delconsumer",
      5,
      "write",
      "@write @stream @slow",
      "Delete a consumer from a consumer group.",
      "5.0.0",
      "O(1)",
      xgroupDelConsumer
    ),
    subcommand(
      "help",
      2,
      "loading stale",
      "@stream @slow",
      "Show helpful text about the different subcommands",
      "5.0.0",
      "O(1)",
      (ctx, argv) => replyHelp(ctx.reply, argv[0]!, XGROUP_HELP)
    )
  ]
})

// --- XACK, XPENDING --------------------------------------------------------------------------------

const xack = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const stream = readStream(ctx, argv[1]!)
  if (stream === null) return
  const found = stream?.groups?.get(argv[2]!)
  // no key or group: nothing to acknowledge, and the IDs are not even parsed
  if (found === undefined) return ctx.reply.integer(0)
  const ids: Array<StreamId> = []
  for (let j = 3; j < argv.length; j++) {
    const id = strictIdArg(ctx.reply, argv[j]!)
    if (id === undefined) return
    ids.push(id)
  }
  let acknowledged = 0
  for (const id of ids) {
    if (found.pel.get(id) === undefined) continue
    // looked up as a read (Redis's lookupKeyRead), changed in place
    if (acknowledged === 0) ctx.db.willModify(argv[1]!)
    const nack = found.pel.delete(id)!
    nack.consumer?.pel.delete(id)
    acknowledged++
  }
  ctx.addDirty(acknowledged)
  ctx.reply.integer(acknowledged)
}

/**
 * The stream at `key` and its group `groupName` for XPENDING, XCLAIM and XAUTOCLAIM: another type is
 * WRONGTYPE, a missing key or group is NOGROUP (both replied here, and undefined returned).
 */
const readGroup = (
  ctx: CommandContext,
  key: string,
  groupName: string
): { readonly stream: StreamValue; readonly group: ConsumerGroup } | undefined =>
  groupOf(ctx, ctx.db.lookupRead(key), key, groupName)

/** readGroup for a value looked up before the arguments were parsed (as XAUTOCLAIM does). */
const groupOf = (
  ctx: CommandContext,
  value: Value | undefined,
  key: string,
  groupName: string
): { readonly stream: StreamValue; readonly group: ConsumerGroup } | undefined => {
  if (value !== undefined && !(value instanceof StreamValue)) {
    ctx.reply.error(Errors.WRONGTYPE)
    return undefined
  }
  const stream = value
  const found = stream?.groups?.get(groupName)
  if (stream === undefined || found === undefined) {
    ctx.reply.error(Errors.noSuchKeyOrGroup(cString(key), cString(groupName)))
    return undefined
  }
  return { stream, group: found }
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]] */
const xpending = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const reply = ctx.reply
  const argc = argv.length
  if (argc !== 3 && (argc < 6 || argc > 9)) return reply.error(Errors.SYNTAX)
  let minIdle = 0
  let start = MIN_ID
  let end = MAX_ID
  let count = 0
  let consumerName: string | undefined
  if (argc >= 6) {
    let at = 3
    if (isOption(argv[3]!, "idle")) {
      const n = intArg(reply, argv[4]!)
      if (n === undefined) return
      minIdle = n
      if (argc < 8) return reply.error(Errors.SYNTAX)
      at += 2
    }
    const n = intArg(reply, argv[at + 2]!)
    if (n === undefined) return
    count = n < 0 ? 0 : n
    const s = intervalIdArg(reply, argv[at]!, false)
    if (s === undefined) return
    const e = intervalIdArg(reply, argv[at + 1]!, true)
    if (e === undefined) return
    start = s
    end = e
    if (at + 3 < argc) consumerName = argv[at + 3]!
  }
  const key = argv[1]!
  const groupName = argv[2]!
  const found = readGroup(ctx, key, groupName)?.group
  if (found === undefined) return

  if (argc === 3) {
    reply.arrayHeader(4)
    reply.integer(found.pel.size)
    const first = found.pel.firstKey()
    if (first === undefined) {
      reply.nullBulk()
      reply.nullBulk()
      reply.nullArray()
      return
    }
    reply.bulk(formatId(first))
    reply.bulk(formatId(found.pel.lastKey()!))
    const owners = found.sortedConsumers().filter((c) => c.pel.size > 0)
    reply.arrayHeader(owners.length)
    for (const c of owners) {
      reply.arrayHeader(2)
      reply.bulk(c.name)
      reply.bulk(String(c.pel.size))
    }
    return
  }

  let pel = found.pel
  if (consumerName !== undefined) {
    const consumer = found.consumers.get(consumerName)
    if (consumer === undefined) return reply.emptyArray()
    pel = consumer.pel
  }
  const now = ctx.now
  const rows: Array<readonly [StreamId, PendingEntry]> = []
  if (count > 0) {
    pel.forEachFrom(start, (id, nack) => {
      if (id > end) return false
      if (minIdle !== 0 && now - nack.deliveryTime < minIdle) return
      rows.push([id, nack])
      return rows.length < count
    })
  }
  reply.arrayHeader(rows.length)
  for (const [id, nack] of rows) {
    reply.arrayHeader(4)
    reply.bulk(formatId(id))
    reply.bulk(nack.consumer!.name)
    reply.integer(Math.max(0, now - nack.deliveryTime))
    replyCounter(reply, nack.deliveryCount)
  }
}

// --- XCLAIM, XAUTOCLAIM ----------------------------------------------------------------------------

/** Moves a pending entry to `consumer` (the common part of XCLAIM and XAUTOCLAIM). */
const reassign = (id: StreamId, nack: PendingEntry, consumer: Consumer): void => {
  if (nack.consumer === consumer) return
  nack.consumer?.pel.delete(id)
  consumer.pel.set(id, nack)
  nack.consumer = consumer
}

/**
 * XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID]
 * [LASTID id]. IDs are read until the first argument that is not one; the rest are options.
 */
const xclaim = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const reply = ctx.reply
  const key = argv[1]!
  const groupName = argv[2]!
  const target = readGroup(ctx, key, groupName)
  if (target === undefined) return
  const { stream, group: found } = target
  let minIdle = intArg(reply, argv[4]!, Errors.XCLAIM_MIN_IDLE_INVALID)
  if (minIdle === undefined) return
  if (minIdle < 0) minIdle = 0
  const ids: Array<StreamId> = []
  let j = 5
  for (; j < argv.length; j++) {
    const parsed = parseStreamId(undefined, argv[j]!, 0n, true)
    if (parsed === undefined) break
    ids.push(parsed.id)
  }
  const now = ctx.now
  let force = false
  let justId = false
  let retryCount = -1n
  let deliveryTime = -1
  let lastId = MIN_ID
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const opt = argv[j]!
    if (isOption(opt, "force")) {
      force = true
    } else if (isOption(opt, "justid")) {
      justId = true
    } else if (isOption(opt, "idle") && more > 0) {
      const n = intArg(reply, argv[++j]!, Errors.XCLAIM_IDLE_INVALID)
      if (n === undefined) return
      deliveryTime = now - n
    } else if (isOption(opt, "time") && more > 0) {
      const n = intArg(reply, argv[++j]!, Errors.XCLAIM_TIME_INVALID)
      if (n === undefined) return
      deliveryTime = n
    } else if (isOption(opt, "retrycount") && more > 0) {
      const n = intArg(reply, argv[++j]!, Errors.XCLAIM_RETRYCOUNT_INVALID)
      if (n === undefined) return
      retryCount = BigInt(argv[j]!)
    } else if (isOption(opt, "lastid") && more > 0) {
      const parsed = strictIdArg(reply, argv[++j]!)
      if (parsed === undefined) return
      lastId = parsed
    } else {
      return reply.error(Errors.unrecognizedXclaimOption(cString(opt)))
    }
  }
  // looked up as a read (Redis's lookupKeyRead), changed in place from here on
  ctx.db.willModify(key)
  let propagateLastId = false
  if (lastId > found.lastId) {
    found.lastId = lastId
    propagateLastId = true
  }
  // a bogus time (future, negative) becomes now rather than an error: clients compute it locally
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now

  let consumer: Consumer | undefined
  const claimed: Array<StreamEntry | StreamId> = []
  ids.forEach((id, k) => {
    const idText = argv[5 + k]!
    let nack = found.pel.get(id)
    const entry = stream.get(id)
    if (entry === undefined) {
      // the entry is gone from the stream: its pending entry goes too
      if (nack !== undefined) {
        propagateClaim(ctx, key, groupName, found, idText, nack)
        propagateLastId = false
        ctx.addDirty()
        found.pel.delete(id)
        nack.consumer?.pel.delete(id)
      }
      return
    }
    if (force && nack === undefined) {
      nack = new PendingEntry(undefined, now)
      found.pel.set(id, nack)
    }
    if (nack === undefined) return
    if (nack.consumer !== undefined && minIdle !== 0 && now - nack.deliveryTime < minIdle) return
    consumer ??= lookupOrCreateConsumer(ctx, key, found, argv[3]!).consumer
    reassign(id, nack, consumer)
    nack.deliveryTime = deliveryTime
    if (retryCount >= 0n) nack.deliveryCount = retryCount
    else if (!justId) nack.deliveryCount++
    claimed.push(justId ? id : entry)
    propagateClaim(ctx, key, groupName, found, idText, nack)
    propagateLastId = false
    ctx.addDirty()
  })
  if (propagateLastId) {
    propagateGroupId(ctx, key, groupName, found)
    ctx.addDirty()
  }
  reply.arrayHeader(claimed.length)
  for (const item of claimed) {
    if (typeof item === "bigint") reply.bulk(formatId(item))
    else replyEntry(reply, item)
  }
  ctx.preventPropagation()
}

/** LONG_MAX / max(sizeof(streamID), attempts factor): XAUTOCLAIM's largest COUNT. */
const XAUTOCLAIM_MAX_COUNT = 576460752303423487n
/**
 * Redis allocates COUNT stream IDs up front (16 bytes each) and answers "COUNT too high" when the
 * allocation fails: with jemalloc on x86-64 that is beyond the 47-bit address space.
 */
const XAUTOCLAIM_ALLOCATABLE_COUNT = 2 ** 47 / 16

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
const xautoclaim = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const reply = ctx.reply
  // the key is looked up before the arguments are parsed (a miss or an expiry is notified even
  // when an argument is then refused)
  const value = ctx.db.lookupRead(argv[1]!)
  let minIdle = intArg(reply, argv[4]!, Errors.XAUTOCLAIM_MIN_IDLE_INVALID)
  if (minIdle === undefined) return
  if (minIdle < 0) minIdle = 0
  const start = intervalIdArg(reply, argv[5]!, false)
  if (start === undefined) return
  let count = 100
  let justId = false
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j
    if (isOption(argv[j]!, "count") && more > 0) {
      const n = longLongArg(reply, argv[j + 1]!, Errors.XAUTOCLAIM_COUNT_INVALID)
      if (n === undefined) return
      if (n < 1 || n > XAUTOCLAIM_MAX_COUNT) return reply.error(Errors.XAUTOCLAIM_COUNT_INVALID)
      count = Number(n)
      j++
    } else if (isOption(argv[j]!, "justid")) {
      justId = true
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }
  const key = argv[1]!
  const groupName = argv[2]!
  const target = groupOf(ctx, value, key, groupName)
  if (target === undefined) return
  const { stream, group: found } = target
  if (count > XAUTOCLAIM_ALLOCATABLE_COUNT) return reply.error(Errors.XAUTOCLAIM_COUNT_TOO_HIGH)

  const now = ctx.now
  let consumer: Consumer | undefined
  let attempts = count * 10
  const claimed: Array<StreamEntry | StreamId> = []
  const deleted: Array<StreamId> = []
  let cursor: StreamId | undefined = found.pel.ceiling(start)
  // looked up as a read (Redis's lookupKeyRead), changed in place below
  if (cursor !== undefined) ctx.db.willModify(key)
  while (attempts > 0 && count > 0 && cursor !== undefined) {
    attempts--
    const id: StreamId = cursor
    const nack = found.pel.get(id)!
    cursor = id === MAX_ID ? undefined : found.pel.ceiling(id + 1n)
    const entry = stream.get(id)
    if (entry === undefined) {
      propagateClaim(ctx, key, groupName, found, formatId(id), nack)
      ctx.addDirty()
      found.pel.delete(id)
      nack.consumer?.pel.delete(id)
      deleted.push(id)
      count--
      continue
    }
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue
    consumer ??= lookupOrCreateConsumer(ctx, key, found, argv[3]!).consumer
    reassign(id, nack, consumer)
    nack.deliveryTime = now
    if (!justId) nack.deliveryCount++
    claimed.push(justId ? id : entry)
    count--
    propagateClaim(ctx, key, groupName, found, formatId(id), nack)
    ctx.addDirty()
  }
  reply.arrayHeader(3)
  reply.bulk(formatId(cursor ?? MIN_ID))
  reply.arrayHeader(claimed.length)
  for (const item of claimed) {
    if (typeof item === "bigint") reply.bulk(formatId(item))
    else replyEntry(reply, item)
  }
  reply.arrayHeader(deleted.length)
  for (const id of deleted) reply.bulk(formatId(id))
  ctx.preventPropagation()
}

export const xgroupCommands = [
  defineCommand({
    name: "xack",
    arity: -4,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    docs: {
      summary:
        "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
      since: "5.0.0",
      group,
      complexity: "O(1) for each message ID processed."
    },
    handler: xack
  }),
  defineCommand({
    name: "xpending",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @stream @slow",
    tips: "nondeterministic_output",
    docs: {
      summary:
        "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
      since: "5.0.0",
      group,
      complexity:
        "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer."
    },
    handler: xpending
  }),
  defineCommand({
    name: "xclaim",
    arity: -6,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    tips: "nondeterministic_output",
    docs: {
      summary:
        "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
      since: "5.0.0",
      group,
      complexity: "O(log N) with N being the number of messages in the PEL of the consumer group."
    },
    handler: xclaim
  }),
  defineCommand({
    name: "xautoclaim",
    arity: -6,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    tips: "nondeterministic_output",
    docs: {
      summary:
        "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
      since: "6.2.0",
      group,
      complexity: "O(1) if COUNT is small."
    },
    handler: xautoclaim
  })
]


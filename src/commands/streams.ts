/**
 * Stream commands (t_stream.c): entries (XADD, XRANGE, XDEL, XTRIM, XSETID, ...) here; reads with
 * blocking in streams-read.ts, consumer groups in streams-groups.ts, XINFO in streams-info.ts.
 */
import { NotifyClass } from "../keyspace/notify.ts"
import {
  EXACT_ID_HALF,
  formatId,
  idMs,
  idSeq,
  MAX_ID,
  makeId,
  MIN_ID,
  type StreamId,
  type TrimSpec,
  U64_MAX
} from "../keyspace/StreamValue.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption } from "./args.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { xgroupCommand, xgroupCommands } from "./streams-groups.ts"
import { xinfoCommand } from "./streams-info.ts"
import { xreadCommands } from "./streams-read.ts"
import {
  cString,
  createStream,
  intervalIdArg,
  nodeLimits,
  parseStreamId,
  readStream,
  replyEntries,
  replyId,
  strictIdArg,
  writeStream
} from "./streams-shared.ts"

const group = "stream"

/** XADD/XTRIM options (streamAddTrimArgs). */
interface AddTrimArgs {
  trim: TrimSpec | undefined
  /** argv index of the MAXLEN/MINID value, rewritten for propagation after approximate trimming. */
  trimArgIndex: number
  /** XADD: argv index of the ID ("*" or explicit). */
  idIndex: number
  id: StreamId
  idGiven: boolean
  seqGiven: boolean
  noMkstream: boolean
}

/**
 * streamParseAddOrTrimArgsOrReply. LIMIT defaults to 100 nodes' worth of entries with "~" (so a trim
 * never does unbounded work) and to no limit for exact trimming.
 */
const parseAddTrimArgs = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  xadd: boolean
): AddTrimArgs | undefined => {
  const reply = ctx.reply
  let strategy: "maxlen" | "minid" | undefined
  let approx = false
  let maxlen = 0
  let minid = MIN_ID
  let limit = 0
  let limitGiven = false
  let trimArgIndex = 0
  let id = MIN_ID
  let idGiven = false
  let seqGiven = true
  let noMkstream = false
  let i = 2
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i
    const opt = argv[i]!
    if (xadd && cString(opt) === "*") break
    if ((isOption(opt, "maxlen") || isOption(opt, "minid")) && more > 0) {
      if (strategy !== undefined) return void reply.error(Errors.TRIM_STRATEGIES_INCOMPATIBLE)
      approx = false
      const next = cString(argv[i + 1]!)
      if (more >= 2 && next === "~") {
        approx = true
        i++
      } else if (more >= 2 && next === "=") {
        i++
      }
      if (isOption(opt, "maxlen")) {
        const n = intArg(reply, argv[i + 1]!)
        if (n === undefined) return undefined
        if (n < 0) return void reply.error(Errors.MAXLEN_NEGATIVE)
        maxlen = n
        strategy = "maxlen"
      } else {
        const parsed = strictIdArg(reply, argv[i + 1]!)
        if (parsed === undefined) return undefined
        minid = parsed
        strategy = "minid"
      }
      i++
      trimArgIndex = i
    } else if (isOption(opt, "limit") && more > 0) {
      const n = intArg(reply, argv[i + 1]!)
      if (n === undefined) return undefined
      if (n < 0) return void reply.error(Errors.TRIM_LIMIT_NEGATIVE)
      limit = n
      limitGiven = true
      i++
    } else if (xadd && isOption(opt, "nomkstream")) {
      noMkstream = true
    } else if (xadd) {
      const parsed = parseStreamId(reply, opt, 0n, true, true)
      if (parsed === undefined) return undefined
      id = parsed.id
      seqGiven = parsed.seqGiven
      idGiven = true
      break
    } else {
      return void reply.error(Errors.SYNTAX)
    }
  }
  if (limit !== 0 && strategy === undefined) return void reply.error(Errors.LIMIT_WITHOUT_STRATEGY)
  if (!xadd && strategy === undefined) return void reply.error(Errors.XTRIM_WITHOUT_STRATEGY)
  if (ctx.client.kind === "master" || ctx.client.kind === "aof") {
    // mustObeyClient: the master's and the AOF's form is exact (rewritten with "="), never limited
    limit = 0
  } else if (limitGiven) {
    if (!approx) return void reply.error(Errors.LIMIT_WITHOUT_APPROX)
  } else if (approx) {
    limit = 100 * nodeLimits(ctx.config).maxEntries
    if (limit <= 0) limit = 10000
    if (limit > 1000000) limit = 1000000
  } else {
    limit = 0
  }
  return {
    trim: strategy === undefined ? undefined : { strategy, maxlen, minid, approx, limit },
    trimArgIndex,
    idIndex: i,
    id,
    idGiven,
    seqGiven,
    noMkstream
  }
}

/**
 * After approximate trimming the result depends on node boundaries, so the command propagates as an
 * exact trim to the length (MAXLEN) or first ID (MINID) it left (streamRewriteTrimArgument).
 */
const rewriteApproxTrim = (
  out: Array<string>,
  args: AddTrimArgs,
  stream: { length: number; firstIdWithTombstones(): StreamId }
): void => {
  out[args.trimArgIndex - 1] = "="
  out[args.trimArgIndex] = args.trim!.strategy === "maxlen"
    ? String(stream.length)
    : formatId(stream.firstIdWithTombstones())
}

const xadd = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const reply = ctx.reply
  const args = parseAddTrimArgs(ctx, argv, true)
  if (args === undefined) return
  const fieldsAt = args.idIndex + 1
  const pairCount = argv.length - fieldsAt
  if (pairCount < 2 || pairCount % 2 === 1) return reply.error(Errors.wrongArity(ctx.command.fullName))
  // reject 0-0 before creating the key, which would otherwise be left empty
  if (args.idGiven && args.seqGiven && args.id === MIN_ID) return reply.error(Errors.XADD_ID_ZERO)
  const key = argv[1]!
  let stream = writeStream(ctx, key)
  if (stream === null) return
  if (stream === undefined) {
    if (args.noMkstream) return reply.nullBulk()
    stream = createStream(ctx, key)
  }
  // the ID as two exact numbers when it can be (always, for a clock-made ID): no bigint on this path
  let ms: number
  let seq: number
  let wide: StreamId | undefined
  // streamNextID: the batch's time, never going back: a clock behind the last ID bumps the sequence
  const clockId = !args.idGiven && stream.lastWide === undefined
  if (clockId && ctx.now > stream.lastMs) {
    ms = ctx.now
    seq = 0
  } else if (clockId && stream.lastSeq + 1 < EXACT_ID_HALF) {
    ms = stream.lastMs
    seq = stream.lastSeq + 1
  } else {
    const last = stream.lastId
    if (last === MAX_ID) return reply.error(Errors.STREAM_EXHAUSTED)
    let id: StreamId
    if (!args.idGiven) {
      const now = BigInt(ctx.now)
      id = now > idMs(last) ? makeId(now, 0n) : last + 1n
    } else if (!args.seqGiven) {
      if (idMs(args.id) === idMs(last)) {
        // Redis 7.0 returns here without setting errno, so XADD reports the wrong error
        if (idSeq(last) === U64_MAX) return reply.error(Errors.STREAM_ELEMENTS_TOO_LARGE)
        id = last + 1n
      } else {
        id = args.id
      }
    } else {
      id = args.id
    }
    if (id <= last) return reply.error(Errors.XADD_ID_TOO_SMALL)
    ms = Number(idMs(id))
    seq = Number(idSeq(id))
    wide = ms < EXACT_ID_HALF && seq < EXACT_ID_HALF ? undefined : id
  }
  let total = 0
  for (let i = fieldsAt; i < argv.length; i++) total += argv[i]!.length
  if (total > 2 ** 30) return reply.error(Errors.STREAM_ELEMENTS_TOO_LARGE)
  stream.appendArgs(ms, seq, wide, argv, fieldsAt, nodeLimits(ctx.config))
  replyId(reply, ms, seq, wide)
  ctx.notify(NotifyClass.stream, "xadd", key)
  ctx.addDirty()
  let propagated: Array<string> | undefined
  if (args.trim !== undefined) {
    if (stream.trim(args.trim) > 0) ctx.notify(NotifyClass.stream, "xtrim", key)
    if (args.trim.approx) {
      propagated = [...argv]
      rewriteApproxTrim(propagated, args, stream)
    }
  }
  ctx.touch(key)
  if (!args.idGiven || !args.seqGiven) {
    propagated ??= [...argv]
    propagated[args.idIndex] = wide === undefined ? `${ms}-${seq}` : formatId(wide)
  }
  if (propagated !== undefined) ctx.rewriteArgv(propagated)
  // streams wake their readers on every new entry, not only when the key is created
  ctx.keyspace.keyReady(ctx.db, key)
}

/** xrangeGenericCommand: XRANGE key start end / XREVRANGE key end start, [COUNT n]. */
const xrange = (ctx: CommandContext, argv: ReadonlyArray<string>, rev: boolean): void => {
  const reply = ctx.reply
  const start = intervalIdArg(reply, rev ? argv[3]! : argv[2]!, false)
  if (start === undefined) return
  const end = intervalIdArg(reply, rev ? argv[2]! : argv[3]!, true)
  if (end === undefined) return
  let count = -1
  for (let j = 4; j < argv.length; j++) {
    if (isOption(argv[j]!, "count") && argv.length - j - 1 >= 1) {
      const n = intArg(reply, argv[j + 1]!)
      if (n === undefined) return
      count = n < 0 ? 0 : n
      j++
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }
  const stream = readStream(ctx, argv[1]!)
  if (stream === null) return
  if (stream === undefined) return reply.emptyArray()
  if (count === 0) return reply.nullArray()
  replyEntries(reply, stream.range(start, end, count === -1 ? 0 : count, rev))
}

const xdel = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[1]!
  const stream = writeStream(ctx, key)
  if (stream === null) return
  if (stream === undefined) return ctx.reply.integer(0)
  // every ID is validated first: the command is all or nothing
  const ids: Array<StreamId> = []
  for (let j = 2; j < argv.length; j++) {
    const id = strictIdArg(ctx.reply, argv[j]!)
    if (id === undefined) return
    ids.push(id)
  }
  const deleted = stream.deleteEntries(ids)
  if (deleted > 0) {
    ctx.touch(key)
    ctx.notify(NotifyClass.stream, "xdel", key)
    ctx.addDirty(deleted)
  }
  ctx.reply.integer(deleted)
}

const xtrim = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const args = parseAddTrimArgs(ctx, argv, false)
  if (args === undefined) return
  const key = argv[1]!
  const stream = writeStream(ctx, key)
  if (stream === null) return
  if (stream === undefined) return ctx.reply.integer(0)
  const deleted = stream.trim(args.trim!)
  if (deleted > 0) {
    ctx.notify(NotifyClass.stream, "xtrim", key)
    if (args.trim!.approx) {
      const propagated = [...argv]
      rewriteApproxTrim(propagated, args, stream)
      ctx.rewriteArgv(propagated)
    }
    ctx.touch(key)
    ctx.addDirty(deleted)
  }
  ctx.reply.integer(deleted)
}

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] (Redis 7.0's checks). */
const xsetid = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const reply = ctx.reply
  const id = strictIdArg(reply, argv[2]!)
  if (id === undefined) return
  let entriesAdded = -1n
  let maxDeleted = MIN_ID
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i
    if (isOption(argv[i]!, "entriesadded") && more > 0) {
      const n = intArg(reply, argv[i + 1]!)
      if (n === undefined) return
      if (n < 0) return reply.error(Errors.XSETID_ENTRIES_ADDED_NEGATIVE)
      entriesAdded = BigInt(argv[i + 1]!)
    } else if (isOption(argv[i]!, "maxdeletedid") && more > 0) {
      const parsed = strictIdArg(reply, argv[i + 1]!)
      if (parsed === undefined) return
      if (id < parsed) return reply.error(Errors.XSETID_BELOW_MAX_DELETED)
      maxDeleted = parsed
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }
  const key = argv[1]!
  const stream = writeStream(ctx, key)
  if (stream === null) return
  if (stream === undefined) return reply.error(Errors.NO_SUCH_KEY)
  if (stream.length > 0) {
    if (id < stream.lastValidId()) return reply.error(Errors.XSETID_BELOW_TOP)
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) {
      return reply.error(Errors.XSETID_ENTRIES_ADDED_BELOW_LENGTH)
    }
  }
  stream.lastId = id
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded
  if (maxDeleted !== MIN_ID) stream.maxDeletedId = maxDeleted
  reply.ok()
  ctx.addDirty()
  ctx.notify(NotifyClass.stream, "xsetid", key)
}

export const streamCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "xadd",
    arity: -5,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    tips: "nondeterministic_output",
    docs: {
      summary: "Appends a new entry to a stream",
      since: "5.0.0",
      group,
      complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted."
    },
    handler: xadd
  }),
  defineCommand({
    name: "xlen",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @stream @fast",
    docs: { summary: "Return the number of entries in a stream", since: "5.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const stream = readStream(ctx, argv[1]!)
      if (stream !== null) ctx.reply.integer(stream?.length ?? 0)
    }
  }),
  defineCommand({
    name: "xrange",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @stream @slow",
    docs: {
      summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval",
      since: "5.0.0",
      group,
      complexity:
        "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."
    },
    handler: (ctx, argv) => xrange(ctx, argv, false)
  }),
  defineCommand({
    name: "xrevrange",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @stream @slow",
    docs: {
      summary:
        "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
      since: "5.0.0",
      group,
      complexity:
        "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."
    },
    handler: (ctx, argv) => xrange(ctx, argv, true)
  }),
  defineCommand({
    name: "xdel",
    arity: -3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    docs: {
      summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
      since: "5.0.0",
      group,
      complexity: "O(1) for each single item to delete in the stream, regardless of the stream size."
    },
    handler: xdel
  }),
  defineCommand({
    name: "xtrim",
    arity: -4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @stream @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Trims the stream to (approximately if '~' is passed) a certain size",
      since: "5.0.0",
      group,
      complexity: "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation."
    },
    handler: xtrim
  }),
  defineCommand({
    name: "xsetid",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @stream @fast",
    docs: { summary: "An internal command for replicating stream values", since: "5.0.0", group, complexity: "O(1)" },
    handler: xsetid
  }),
  ...xreadCommands,
  xgroupCommand,
  ...xgroupCommands,
  xinfoCommand
]

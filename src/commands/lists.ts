/** List commands (t_list.c), including the blocking ones. */
import { NotifyClass } from "../keyspace/notify.ts"
import { ListValue } from "../keyspace/ListValue.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption, rangeIntArg, timeoutArg } from "./args.ts"
import { type Blocked, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "list"

/** LIST_HEAD (LEFT) or LIST_TAIL (RIGHT). */
type End = "left" | "right"

/**
 * The list at `key` for writing: undefined when missing, null (after replying WRONGTYPE) when it
 * holds another type.
 */
const writeList = (ctx: CommandContext, key: string): ListValue | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || value instanceof ListValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Same for reading (counts keyspace hits and misses). */
const readList = (ctx: CommandContext, key: string): ListValue | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || value instanceof ListValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * Creates an empty list at a missing key. dbAdd signals the key as ready, so waiters may be served
 * after this command; pushes to an existing list need not, since nobody waits on a non-empty list.
 */
const createList = (ctx: CommandContext, key: string, capacity: number): ListValue => {
  const list = new ListValue(capacity)
  ctx.db.add(key, list)
  return list
}

const push = (list: ListValue, end: End, value: string): void => {
  if (end === "left") list.pushHead(value)
  else list.pushTail(value)
}

const pop = (list: ListValue, end: End): string => (end === "left" ? list.popHead() : list.popTail())!

/** A write that changed `changes` elements: WATCH version, keyspace event, dirty counter. */
const signalListWrite = (ctx: CommandContext, event: string, key: string, changes: number): void => {
  ctx.signalWrite(NotifyClass.list, event, key)
  if (changes > 1) ctx.addDirty(changes - 1)
}

/** listElementsRemoved: the pop event, and the key deleted with a "del" event when the list emptied. */
const elementsRemoved = (ctx: CommandContext, key: string, end: End, list: ListValue, count: number): void => {
  ctx.notify(NotifyClass.list, end === "left" ? "lpop" : "rpop", key)
  deleteIfEmpty(ctx, key, list)
  ctx.touch(key)
  ctx.addDirty(count)
}

const deleteIfEmpty = (ctx: CommandContext, key: string, list: ListValue): void => {
  if (list.size > 0) return
  ctx.db.delete(key)
  ctx.notify(NotifyClass.generic, "del", key)
}

/** Replies with up to `count` elements popped from `end`, in pop order; returns how many. */
const popRangeReply = (ctx: CommandContext, list: ListValue, end: End, count: number): number => {
  const n = Math.min(count, list.size)
  ctx.reply.arrayHeader(n)
  for (let i = 0; i < n; i++) ctx.reply.bulk(pop(list, end))
  return n
}

/** listPopRangeAndReplyWithKey (LMPOP, BLMPOP): `[key, [elements...]]`. */
const popRangeWithKey = (ctx: CommandContext, key: string, list: ListValue, end: End, count: number): number => {
  ctx.reply.arrayHeader(2)
  ctx.reply.bulk(key)
  const n = popRangeReply(ctx, list, end, count)
  elementsRemoved(ctx, key, end, list, n)
  return n
}

/** getListPositionFromObjectOrReply: LEFT or RIGHT, any case. */
const endArg = (ctx: CommandContext, s: string): End | undefined => {
  if (isOption(s, "left")) return "left"
  if (isOption(s, "right")) return "right"
  ctx.reply.error(Errors.SYNTAX)
  return undefined
}

/**
 * The range [start, end] of LRANGE/LTRIM after Redis's index conversion, or undefined when it is
 * empty. Indexes are 64-bit in Redis; as JS numbers they lose precision only far beyond any length.
 */
const clampRange = (start: number, end: number, size: number): readonly [number, number] | undefined => {
  if (start < 0) start = size + start
  if (end < 0) end = size + end
  if (start < 0) start = 0
  if (start > end || start >= size) return undefined
  return [start, end >= size ? size - 1 : end]
}

/** LPUSH, RPUSH, LPUSHX, RPUSHX (pushGenericCommand, pushxGenericCommand). */
const pushCommand = (end: End, onlyIfExists: boolean) => (ctx: CommandContext, argv: ReadonlyArray<string>) => {
  const key = argv[1]!
  let list = writeList(ctx, key)
  if (list === null) return
  if (list === undefined) {
    if (onlyIfExists) return ctx.reply.integer(0)
    list = createList(ctx, key, argv.length - 2)
  }
  for (let i = 2; i < argv.length; i++) push(list, end, argv[i]!)
  ctx.reply.integer(list.size)
  signalListWrite(ctx, end === "left" ? "lpush" : "rpush", key, argv.length - 2)
}

/** LPOP and RPOP, with the optional count (popGenericCommand). */
const popCommand = (end: End) => (ctx: CommandContext, argv: ReadonlyArray<string>) => {
  if (argv.length > 3) return ctx.reply.error(Errors.wrongArity(ctx.command.fullName))
  const hasCount = argv.length === 3
  let count = 0
  if (hasCount) {
    const n = rangeIntArg(ctx.reply, argv[2]!, 0, Infinity, Errors.MUST_BE_POSITIVE)
    if (n === undefined) return
    count = n
  }
  const key = argv[1]!
  const list = writeList(ctx, key)
  if (list === null) return
  if (list === undefined) return hasCount ? ctx.reply.nullArray() : ctx.reply.nullBulk()
  if (hasCount && count === 0) return ctx.reply.emptyArray()
  if (!hasCount) {
    ctx.reply.bulk(pop(list, end))
    return elementsRemoved(ctx, key, end, list, 1)
  }
  const n = popRangeReply(ctx, list, end, count)
  elementsRemoved(ctx, key, end, list, n)
}

const lrange = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const start = intArg(ctx.reply, argv[2]!)
  if (start === undefined) return
  const end = intArg(ctx.reply, argv[3]!)
  if (end === undefined) return
  const list = readList(ctx, argv[1]!)
  if (list === null) return
  if (list === undefined) return ctx.reply.emptyArray()
  const range = clampRange(start, end, list.size)
  if (range === undefined) return ctx.reply.emptyArray()
  const [from, to] = range
  ctx.reply.arrayHeader(to - from + 1)
  for (let i = from; i <= to; i++) ctx.reply.bulk(list.at(i)!)
}

const ltrim = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const start = intArg(ctx.reply, argv[2]!)
  if (start === undefined) return
  const end = intArg(ctx.reply, argv[3]!)
  if (end === undefined) return
  const key = argv[1]!
  const list = writeList(ctx, key)
  if (list === null) return
  if (list === undefined) return ctx.reply.ok()
  const size = list.size
  const range = clampRange(start, end, size)
  const fromHead = range === undefined ? size : range[0]
  const fromTail = range === undefined ? 0 : size - range[1] - 1
  list.deleteHead(fromHead)
  list.deleteTail(fromTail)
  // Redis emits the event and bumps WATCH versions even when nothing was trimmed, but only counts
  // (and so propagates) removed elements.
  ctx.notify(NotifyClass.list, "ltrim", key)
  deleteIfEmpty(ctx, key, list)
  ctx.touch(key)
  ctx.addDirty(fromHead + fromTail)
  ctx.reply.ok()
}

const lindex = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const list = readList(ctx, argv[1]!)
  if (list === null) return
  if (list === undefined) return ctx.reply.nullBulk()
  const index = intArg(ctx.reply, argv[2]!)
  if (index === undefined) return
  ctx.reply.bulkOrNull(list.at(index < 0 ? list.size + index : index))
}

const lset = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[1]!
  const list = ctx.db.lookupWrite(key)
  if (list === undefined) return ctx.reply.error(Errors.NO_SUCH_KEY)
  if (!(list instanceof ListValue)) return ctx.reply.error(Errors.WRONGTYPE)
  const index = intArg(ctx.reply, argv[2]!)
  if (index === undefined) return
  const i = index < 0 ? list.size + index : index
  if (i < 0 || i >= list.size) return ctx.reply.error(Errors.INDEX_OUT_OF_RANGE)
  list.setAt(i, argv[3]!)
  ctx.reply.ok()
  ctx.signalWrite(NotifyClass.list, "lset", key)
}

const lrem = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const count = intArg(ctx.reply, argv[2]!)
  if (count === undefined) return
  const key = argv[1]!
  const list = writeList(ctx, key)
  if (list === null) return
  if (list === undefined) return ctx.reply.integer(0)
  const removed = list.removeMatching(argv[3]!, count)
  if (removed > 0) signalListWrite(ctx, "lrem", key, removed)
  deleteIfEmpty(ctx, key, list)
  ctx.reply.integer(removed)
}

const linsert = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const where = argv[2]!
  const after = isOption(where, "after")
  if (!after && !isOption(where, "before")) return ctx.reply.error(Errors.SYNTAX)
  const key = argv[1]!
  const list = writeList(ctx, key)
  if (list === null) return
  if (list === undefined) return ctx.reply.integer(0)
  const pivot = list.indexOf(argv[3]!)
  if (pivot === -1) return ctx.reply.integer(-1)
  list.insertAt(after ? pivot + 1 : pivot, argv[4]!)
  ctx.signalWrite(NotifyClass.list, "linsert", key)
  ctx.reply.integer(list.size)
}

const llen = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const list = readList(ctx, argv[1]!)
  if (list === null) return
  ctx.reply.integer(list === undefined ? 0 : list.size)
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
const lpos = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const element = argv[2]!
  let rank = 1
  let rankArg = "1"
  let count = -1 // -1: no COUNT option, reply with a single index
  let maxlen = 0
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const opt = argv[j]!
    if (isOption(opt, "rank") && more > 0) {
      rankArg = argv[++j]!
      const n = intArg(ctx.reply, rankArg)
      if (n === undefined) return
      if (n === 0) return ctx.reply.error(Errors.LPOS_RANK_ZERO)
      rank = n
    } else if (isOption(opt, "count") && more > 0) {
      const n = rangeIntArg(ctx.reply, argv[++j]!, 0, Infinity, Errors.LPOS_COUNT_NEGATIVE)
      if (n === undefined) return
      count = n
    } else if (isOption(opt, "maxlen") && more > 0) {
      const n = rangeIntArg(ctx.reply, argv[++j]!, 0, Infinity, Errors.LPOS_MAXLEN_NEGATIVE)
      if (n === undefined) return
      maxlen = n
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }
  const fromTail = rank < 0
  // Redis negates the rank in a C long: LONG_MIN stays negative, so every match qualifies ("rank 1")
  // and the COUNT test overflows and never stops the scan.
  const rankOverflow = rankArg === "-9223372036854775808"
  if (fromTail) rank = rankOverflow ? 1 : -rank
  const list = readList(ctx, argv[1]!)
  if (list === null) return
  if (list === undefined) return count === -1 ? ctx.reply.nullBulk() : ctx.reply.emptyArray()
  const size = list.size
  const found: number[] = []
  let matches = 0
  for (let index = 0; index < size && (maxlen === 0 || index < maxlen); index++) {
    const i = fromTail ? size - 1 - index : index
    if (list.at(i) !== element) continue
    matches++
    if (matches < rank) continue
    found.push(i)
    if (count === -1) break
    if (count !== 0 && !rankOverflow && matches - rank + 1 >= count) break
  }
  if (count !== -1) {
    ctx.reply.arrayHeader(found.length)
    for (const i of found) ctx.reply.integer(i)
  } else if (found.length > 0) {
    ctx.reply.integer(found[0]!)
  } else {
    ctx.reply.nullBulk()
  }
}

/**
 * lmoveHandlePush + the pop side of lmoveGenericCommand: moves one element from `source` (a
 * non-empty list) to `destination` (a list, or missing), replies with it, and emits the events.
 * `destinationList` was looked up (and type-checked) before anything changed, as Redis does.
 */
const moveElement = (
  ctx: CommandContext,
  sourceKey: string,
  source: ListValue,
  destinationKey: string,
  destinationList: ListValue | undefined,
  from: End,
  to: End
): void => {
  const value = pop(source, from)
  const destination = destinationList ?? createList(ctx, destinationKey, 1)
  push(destination, to, value)
  ctx.signalWrite(NotifyClass.list, to === "left" ? "lpush" : "rpush", destinationKey)
  ctx.reply.bulk(value)
  ctx.notify(NotifyClass.list, from === "left" ? "lpop" : "rpop", sourceKey)
  deleteIfEmpty(ctx, sourceKey, source)
  ctx.touch(sourceKey)
}

/** lmoveGenericCommand: LMOVE, RPOPLPUSH, and BLMOVE/BRPOPLPUSH when the source has elements. */
const lmoveNow = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  from: End,
  to: End,
  propagateAs: ReadonlyArray<string> | undefined
): void => {
  const sourceKey = argv[1]!
  const destinationKey = argv[2]!
  const source = writeList(ctx, sourceKey)
  if (source === null) return
  if (source === undefined) return ctx.reply.nullBulk()
  const destination = writeList(ctx, destinationKey)
  if (destination === null) return
  moveElement(ctx, sourceKey, source, destinationKey, destination, from, to)
  if (propagateAs !== undefined) ctx.rewriteArgv(propagateAs)
}

/**
 * BLMOVE and BRPOPLPUSH (blmoveGenericCommand): move now if the source has elements, otherwise wait
 * on the source key. Served later, the move propagates as LMOVE/RPOPLPUSH with the sides spelled
 * as Redis's shared "left"/"right" objects.
 */
const blockingMove = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  from: End,
  to: End,
  timeoutAt: number,
  isBrpoplpush: boolean
): void | Blocked => {
  const sourceKey = argv[1]!
  const destinationKey = argv[2]!
  const source = writeList(ctx, sourceKey)
  if (source === null) return
  if (source !== undefined) {
    const propagateAs = isBrpoplpush
      ? ["RPOPLPUSH", sourceKey, destinationKey]
      : ["LMOVE", sourceKey, destinationKey, argv[3]!, argv[4]!]
    return lmoveNow(ctx, argv, from, to, propagateAs)
  }
  // Inside MULTI the empty source answers a null bulk at once; a real timeout answers a null array.
  if (ctx.denyBlocking) return ctx.reply.nullBulk()
  return ctx.block({
    keys: [sourceKey],
    timeoutAt,
    serve: (key) => {
      const list = ctx.db.lookupWrite(key)
      if (!(list instanceof ListValue)) return false
      const destination = ctx.db.lookupWrite(destinationKey)
      if (destination !== undefined && !(destination instanceof ListValue)) {
        // serveClientBlockedOnList: the receiver is unblocked with the error, the source untouched
        ctx.reply.error(Errors.WRONGTYPE)
        return true
      }
      moveElement(ctx, key, list, destinationKey, destination, from, to)
      ctx.rewriteArgv(isBrpoplpush ? ["RPOPLPUSH", key, destinationKey] : ["LMOVE", key, destinationKey, from, to])
      return true
    },
    onTimeout: () => ctx.reply.nullArray()
  })
}

/** Pops for BLPOP/BRPOP (`count` undefined: reply `[key, element]`) and BLMPOP (`[key, [elements]]`). */
const popForWaiter = (ctx: CommandContext, key: string, list: ListValue, end: End, count: number | undefined): void => {
  const command = end === "left" ? "LPOP" : "RPOP"
  if (count === undefined) {
    ctx.reply.arrayHeader(2)
    ctx.reply.bulk(key)
    ctx.reply.bulk(pop(list, end))
    elementsRemoved(ctx, key, end, list, 1)
    ctx.rewriteArgv([command, key])
  } else {
    const n = popRangeWithKey(ctx, key, list, end, count)
    ctx.rewriteArgv([command, key, String(n)])
  }
}

/**
 * blockingPopGenericCommand (BLPOP, BRPOP, BLMPOP): pops from the first non-empty key, else waits
 * on all of them. A key of another type before any non-empty one is a WRONGTYPE error.
 */
const blockingPop = (
  ctx: CommandContext,
  keys: ReadonlyArray<string>,
  end: End,
  count: number | undefined,
  timeoutAt: number
): void | Blocked => {
  for (const key of keys) {
    const list = writeList(ctx, key)
    if (list === null) return
    if (list === undefined) continue
    return popForWaiter(ctx, key, list, end, count)
  }
  return ctx.block({
    keys: [...new Set(keys)],
    timeoutAt,
    serve: (key) => {
      const list = ctx.db.lookupWrite(key)
      if (!(list instanceof ListValue)) return false
      popForWaiter(ctx, key, list, end, count)
      return true
    },
    onTimeout: () => ctx.reply.nullArray()
  })
}

/** BLPOP/BRPOP key [key ...] timeout. */
const blockingPopCommand = (end: End) => (ctx: CommandContext, argv: ReadonlyArray<string>): void | Blocked => {
  const timeoutAt = timeoutArg(ctx.reply, argv[argv.length - 1]!, ctx.now)
  if (timeoutAt === undefined) return
  return blockingPop(ctx, argv.slice(1, -1), end, undefined, timeoutAt)
}

/** The arguments of LMPOP/BLMPOP after numkeys: the keys, the side, and COUNT (1 by default). */
interface MpopArgs {
  readonly keys: ReadonlyArray<string>
  readonly end: End
  readonly count: number
}

/** lmpopGenericCommand's parsing: numkeys at `numkeysIndex`, then the keys, LEFT|RIGHT, [COUNT n]. */
const mpopArgs = (ctx: CommandContext, argv: ReadonlyArray<string>, numkeysIndex: number): MpopArgs | undefined => {
  const numkeys = rangeIntArg(ctx.reply, argv[numkeysIndex]!, 1, Infinity, Errors.NUMKEYS_POSITIVE)
  if (numkeys === undefined) return undefined
  const whereIndex = numkeysIndex + numkeys + 1
  if (whereIndex >= argv.length) {
    ctx.reply.error(Errors.SYNTAX)
    return undefined
  }
  const end = endArg(ctx, argv[whereIndex]!)
  if (end === undefined) return undefined
  let count = -1
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && isOption(argv[j]!, "count") && j + 1 < argv.length) {
      const n = rangeIntArg(ctx.reply, argv[++j]!, 1, Infinity, Errors.COUNT_POSITIVE)
      if (n === undefined) return undefined
      count = n
    } else {
      ctx.reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), end, count: count === -1 ? 1 : count }
}

/** Key positions of LMPOP/BLMPOP: `numkeys` keys after the numkeys argument (lmpopGetKeys). */
const mpopKeys = (numkeysIndex: number) => (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  const numkeys = Number(argv[numkeysIndex])
  if (!Number.isSafeInteger(numkeys) || numkeys < 1 || numkeysIndex + numkeys >= argv.length) return []
  const out: number[] = []
  for (let i = 1; i <= numkeys; i++) out.push(numkeysIndex + i)
  return out
}

export const listCommands = [
  defineCommand({
    name: "lpush",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Prepend one or multiple elements to a list",
      since: "1.0.0",
      group,
      complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
    },
    handler: pushCommand("left", false)
  }),
  defineCommand({
    name: "rpush",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Append one or multiple elements to a list",
      since: "1.0.0",
      group,
      complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
    },
    handler: pushCommand("right", false)
  }),
  defineCommand({
    name: "lpushx",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Prepend an element to a list, only if the list exists",
      since: "2.2.0",
      group,
      complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
    },
    handler: pushCommand("left", true)
  }),
  defineCommand({
    name: "rpushx",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Append an element to a list, only if the list exists",
      since: "2.2.0",
      group,
      complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
    },
    handler: pushCommand("right", true)
  }),
  defineCommand({
    name: "lpop",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Remove and get the first elements in a list",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of elements returned"
    },
    handler: popCommand("left")
  }),
  defineCommand({
    name: "rpop",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @list @fast",
    docs: {
      summary: "Remove and get the last elements in a list",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of elements returned"
    },
    handler: popCommand("right")
  }),
  defineCommand({
    name: "lrange",
    arity: 4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @list @slow",
    docs: {
      summary: "Get a range of elements from a list",
      since: "1.0.0",
      group,
      complexity:
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."
    },
    handler: lrange
  }),
  defineCommand({
    name: "llen",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @list @fast",
    docs: { summary: "Get the length of a list", since: "1.0.0", group, complexity: "O(1)" },
    handler: llen
  }),
  defineCommand({
    name: "lindex",
    arity: 3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @list @slow",
    docs: {
      summary: "Get an element from a list by its index",
      since: "1.0.0",
      group,
      complexity:
        "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."
    },
    handler: lindex
  }),
  defineCommand({
    name: "lset",
    arity: 4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Set the value of an element in a list by its index",
      since: "1.0.0",
      group,
      complexity:
        "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."
    },
    handler: lset
  }),
  defineCommand({
    name: "lrem",
    arity: 4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Remove elements from a list",
      since: "1.0.0",
      group,
      complexity: "O(N+M) where N is the length of the list and M is the number of elements removed."
    },
    handler: lrem
  }),
  defineCommand({
    name: "ltrim",
    arity: 4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Trim a list to the specified range",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of elements to be removed by the operation."
    },
    handler: ltrim
  }),
  defineCommand({
    name: "linsert",
    arity: 5,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Insert an element before or after another element in a list",
      since: "2.2.0",
      group,
      complexity:
        "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."
    },
    handler: linsert
  }),
  defineCommand({
    name: "lpos",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @list @slow",
    docs: {
      summary: "Return the index of matching elements on a list",
      since: "6.0.6",
      group,
      complexity:
        "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."
    },
    handler: lpos
  }),
  defineCommand({
    name: "lmove",
    arity: 5,
    flags: "write denyoom",
    keys: [1, 2, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Pop an element from a list, push it to another list and return it",
      since: "6.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const from = endArg(ctx, argv[3]!)
      if (from === undefined) return
      const to = endArg(ctx, argv[4]!)
      if (to === undefined) return
      lmoveNow(ctx, argv, from, to, undefined)
    }
  }),
  defineCommand({
    name: "rpoplpush",
    arity: 3,
    flags: "write denyoom",
    keys: [1, 2, 1],
    acl: "@write @list @slow",
    docs: {
      summary: "Remove the last element in a list, prepend it to another list and return it",
      since: "1.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => lmoveNow(ctx, argv, "right", "left", undefined)
  }),
  defineCommand({
    name: "lmpop",
    arity: -4,
    flags: "write movablekeys",
    keys: [0, 0, 0],
    acl: "@write @list @slow",
    getKeys: mpopKeys(1),
    docs: {
      summary: "Pop elements from a list",
      since: "7.0.0",
      group,
      complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    },
    handler: (ctx, argv) => {
      const args = mpopArgs(ctx, argv, 1)
      if (args === undefined) return
      for (const key of args.keys) {
        const list = writeList(ctx, key)
        if (list === null) return
        if (list === undefined) continue
        const n = popRangeWithKey(ctx, key, list, args.end, args.count)
        return ctx.rewriteArgv([args.end === "left" ? "LPOP" : "RPOP", key, String(n)])
      }
      ctx.reply.nullArray()
    }
  }),
  defineCommand({
    name: "blpop",
    arity: -3,
    flags: "write noscript blocking",
    keys: [1, -2, 1],
    acl: "@write @list @slow @blocking",
    docs: {
      summary: "Remove and get the first element in a list, or block until one is available",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of provided keys."
    },
    handler: blockingPopCommand("left")
  }),
  defineCommand({
    name: "brpop",
    arity: -3,
    flags: "write noscript blocking",
    keys: [1, -2, 1],
    acl: "@write @list @slow @blocking",
    docs: {
      summary: "Remove and get the last element in a list, or block until one is available",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of provided keys."
    },
    handler: blockingPopCommand("right")
  }),
  defineCommand({
    name: "blmove",
    arity: 6,
    flags: "write denyoom noscript blocking",
    keys: [1, 2, 1],
    acl: "@write @list @slow @blocking",
    docs: {
      summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
      since: "6.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const from = endArg(ctx, argv[3]!)
      if (from === undefined) return
      const to = endArg(ctx, argv[4]!)
      if (to === undefined) return
      const timeoutAt = timeoutArg(ctx.reply, argv[5]!, ctx.now)
      if (timeoutAt === undefined) return
      return blockingMove(ctx, argv, from, to, timeoutAt, false)
    }
  }),
  defineCommand({
    name: "brpoplpush",
    arity: 4,
    flags: "write denyoom noscript blocking",
    keys: [1, 2, 1],
    acl: "@write @list @slow @blocking",
    docs: {
      summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
      since: "2.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const timeoutAt = timeoutArg(ctx.reply, argv[3]!, ctx.now)
      if (timeoutAt === undefined) return
      return blockingMove(ctx, argv, "right", "left", timeoutAt, true)
    }
  }),
  defineCommand({
    name: "blmpop",
    arity: -5,
    flags: "write blocking movablekeys",
    keys: [0, 0, 0],
    acl: "@write @list @slow @blocking",
    getKeys: mpopKeys(2),
    docs: {
      summary: "Pop elements from a list, or block until one is available",
      since: "7.0.0",
      group,
      complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    },
    handler: (ctx, argv) => {
      const args = mpopArgs(ctx, argv, 2)
      if (args === undefined) return
      const timeoutAt = timeoutArg(ctx.reply, argv[1]!, ctx.now)
      if (timeoutAt === undefined) return
      return blockingPop(ctx, args.keys, args.end, args.count, timeoutAt)
    }
  })
]

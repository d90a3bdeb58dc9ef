/** Set commands (t_set.c). */
import { type ConfigStore, liveNumbers } from "../config/ServerConfig.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import { SetValue } from "../keyspace/SetValue.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { globMatch } from "../util/glob.ts"
import { parseLongLong } from "../util/numbers.ts"
import { MAX_RANDOM_REPLY, randomCountArg, rangeIntArg, replyCollectionScan } from "./args.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { distinctPositions, removeElements } from "./hashes.ts"

const group = "set"
const LONG_MAX = 9223372036854775807

const intsetLimit = liveNumbers({ value: "set-max-intset-entries" })

/** set-max-intset-entries as it is now. */
const maxIntsetEntries = (config: ConfigStore): number => intsetLimit(config).value

/** The set at `key` for reading: undefined when missing; replies WRONGTYPE and returns null for another type. */
const readSet = (ctx: CommandContext, key: string): SetValue | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || value instanceof SetValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Same as readSet for a command about to modify the set (lookupKeyWrite: no stats). */
const writeSet = (ctx: CommandContext, key: string): SetValue | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || value instanceof SetValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * The sets named by argv[from..to] for SINTER/SUNION/SDIFF and their STORE forms: every key is type
 * checked before anything else happens (WRONGTYPE wins over a missing key, as in 7.0); a missing key
 * is undefined. Returns null after replying WRONGTYPE.
 */
const readSets = (ctx: CommandContext, keys: ReadonlyArray<string>): Array<SetValue | undefined> | null => {
  const sets: Array<SetValue | undefined> = []
  for (const key of keys) {
    const set = readSet(ctx, key)
    if (set === null) return null
    sets.push(set)
  }
  return sets
}

/** Writes a computed set to `dst` (setKey), or deletes `dst` when it is empty; replies with its size. */
const storeResult = (ctx: CommandContext, dst: string, result: SetValue, event: string): void => {
  if (result.size > 0) {
    ctx.db.set(dst, result)
    ctx.reply.integer(result.size)
    ctx.signalWrite(NotifyClass.set, event, dst)
    return
  }
  ctx.reply.integer(0)
  if (ctx.db.delete(dst)) ctx.signalWrite(NotifyClass.generic, "del", dst)
}

/** A set reply (RESP3 `~`) of every member of `set`. */
const replySet = (ctx: CommandContext, set: SetValue): void => {
  ctx.reply.setHeader(set.size)
  set.forEach((member) => ctx.reply.bulk(member))
}

/**
 * sinterGenericCommand: the intersection replied as a set, stored in `dst`, or counted up to `limit`
 * (0 = no limit) for SINTERCARD.
 */
const intersect = (
  ctx: CommandContext,
  keys: ReadonlyArray<string>,
  mode: { readonly dst?: string; readonly cardinality?: boolean; readonly limit?: number }
): void => {
  const found = readSets(ctx, keys)
  if (found === null) return
  if (found.includes(undefined)) {
    // An empty set empties the intersection.
    if (mode.dst !== undefined) return storeResult(ctx, mode.dst, new SetValue(), "sinterstore")
    if (mode.cardinality === true) return ctx.reply.integer(0)
    return ctx.reply.setHeader(0)
  }
  const sets = (found as Array<SetValue>).slice().sort((a, b) => a.size - b.size)
  const smallest = sets[0]!
  const others = sets.filter((s) => s !== smallest)
  const inAll = (member: string): boolean => {
    for (const other of others) if (!other.has(member)) return false
    return true
  }
  if (mode.cardinality === true) {
    const limit = mode.limit ?? 0
    let n = 0
    const candidates = smallest.members()
    for (let i = 0; i < candidates.length && (limit === 0 || n < limit); i++) if (inAll(candidates[i]!)) n++
    return ctx.reply.integer(n)
  }
  const result = new SetValue()
  const maxIntset = maxIntsetEntries(ctx.config)
  smallest.forEach((member) => {
    if (inAll(member)) result.add(member, maxIntset)
  })
  if (mode.dst !== undefined) return storeResult(ctx, mode.dst, result, "sinterstore")
  replySet(ctx, result)
}

/** sunionDiffGenericCommand: union or difference, replied as a set or stored in `dst`. */
const unionOrDiff = (ctx: CommandContext, keys: ReadonlyArray<string>, op: "union" | "diff", dst?: string): void => {
  const sets = readSets(ctx, keys)
  if (sets === null) return
  const result = new SetValue()
  const maxIntset = maxIntsetEntries(ctx.config)
  if (op === "union") {
    for (const set of sets) set?.forEach((member) => result.add(member, maxIntset))
  } else {
    const first = sets[0]
    const rest = sets.slice(1)
    first?.forEach((member) => {
      for (const other of rest) if (other !== undefined && other.has(member)) return
      result.add(member, maxIntset)
    })
  }
  if (dst !== undefined) return storeResult(ctx, dst, result, op === "union" ? "sunionstore" : "sdiffstore")
  replySet(ctx, result)
}

/** spopWithCountCommand */
const popCount = (ctx: CommandContext, key: string, countArg: string): void => {
  const count = rangeIntArg(ctx.reply, countArg, 0, LONG_MAX, Errors.MUST_BE_POSITIVE)
  if (count === undefined) return
  const set = writeSet(ctx, key)
  if (set === null) return
  if (set === undefined || count === 0) return ctx.reply.setHeader(0)
  const size = set.size
  if (count >= size) {
    replySet(ctx, set)
    ctx.db.delete(key)
    ctx.signalWrite(NotifyClass.set, "spop", key)
    ctx.notify(NotifyClass.generic, "del", key)
    ctx.rewriteArgv(["DEL", key])
    return
  }
  ctx.reply.setHeader(count)
  for (let k = 0; k < count; k++) {
    const member = set.removeAt(Math.floor(Math.random() * set.size))
    ctx.reply.bulk(member)
    ctx.alsoPropagate(["SREM", key, member])
  }
  ctx.signalWrite(NotifyClass.set, "spop", key)
  // The SREMs above describe the change; SPOP itself, random, must not reach replicas or the AOF.
  ctx.preventPropagation()
}

/** srandmemberWithCountCommand (7.0 replies with an array, not a set). */
const randomMembers = (ctx: CommandContext, key: string, count: number): void => {
  const set = readSet(ctx, key)
  if (set === null) return
  const reply = ctx.reply
  if (set === undefined || count === 0) return reply.emptyArray()
  const members = set.members()
  const size = members.length
  if (count < 0) {
    const n = -count
    if (n > MAX_RANDOM_REPLY) return reply.error(Errors.VALUE_OUT_OF_RANGE)
    reply.arrayHeader(n)
    for (let k = 0; k < n; k++) reply.bulk(members[Math.floor(Math.random() * size)]!)
    return
  }
  if (count >= size) return reply.bulkArray(members)
  reply.arrayHeader(count)
  for (const i of distinctPositions(size, count)) reply.bulk(members[i]!)
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: positions of the keys, for COMMAND GETKEYS and WATCH. */
const sintercardKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  const numkeys = parseLongLong(argv[1] ?? "")
  if (numkeys === undefined || numkeys < 1 || numkeys > argv.length - 2) return []
  const positions: Array<number> = []
  for (let i = 0; i < numkeys; i++) positions.push(2 + i)
  return positions
}

export const setCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "sadd",
    arity: -3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @set @fast",
    docs: {
      summary: "Add one or more members to a set",
      since: "1.0.0",
      group,
      complexity:
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      let set = writeSet(ctx, key)
      if (set === null) return
      if (set === undefined) {
        set = new SetValue()
        ctx.db.add(key, set)
      }
      const maxIntset = maxIntsetEntries(ctx.config)
      let added = 0
      for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!, maxIntset)) added++
      if (added > 0) {
        ctx.signalWrite(NotifyClass.set, "sadd", key)
        ctx.addDirty(added - 1)
      }
      ctx.reply.integer(added)
    }
  }),
  defineCommand({
    name: "srem",
    arity: -3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @set @fast",
    docs: {
      summary: "Remove one or more members from a set",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of members to be removed."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const set = writeSet(ctx, key)
      if (set === null) return
      if (set === undefined) return ctx.reply.integer(0)
      removeElements(ctx, key, set, argv, NotifyClass.set, "srem")
    }
  }),
  defineCommand({
    name: "smembers",
    arity: 2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output_order",
    docs: { summary: "Get all the members in a set", since: "1.0.0", group, complexity: "O(N) where N is the set cardinality." },
    handler: (ctx, argv) => {
      const set = readSet(ctx, argv[1]!)
      if (set === null) return
      if (set === undefined) return ctx.reply.setHeader(0)
      replySet(ctx, set)
    }
  }),
  defineCommand({
    name: "sismember",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @set @fast",
    docs: { summary: "Determine if a given value is a member of a set", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const set = readSet(ctx, argv[1]!)
      if (set !== null) ctx.reply.integer(set?.has(argv[2]!) === true ? 1 : 0)
    }
  }),
  defineCommand({
    name: "smismember",
    arity: -3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @set @fast",
    docs: {
      summary: "Returns the membership associated with the given elements for a set",
      since: "6.2.0",
      group,
      complexity: "O(N) where N is the number of elements being checked for membership"
    },
    handler: (ctx, argv) => {
      const set = readSet(ctx, argv[1]!)
      if (set === null) return
      ctx.reply.arrayHeader(argv.length - 2)
      for (let i = 2; i < argv.length; i++) ctx.reply.integer(set?.has(argv[i]!) === true ? 1 : 0)
    }
  }),
  defineCommand({
    name: "scard",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @set @fast",
    docs: { summary: "Get the number of members in a set", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const set = readSet(ctx, argv[1]!)
      if (set !== null) ctx.reply.integer(set?.size ?? 0)
    }
  }),
  defineCommand({
    name: "spop",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @set @fast",
    tips: "nondeterministic_output",
    docs: {
      summary: "Remove and return one or multiple random members from a set",
      since: "1.0.0",
      group,
      complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."
    },
    handler: (ctx, argv) => {
      if (argv.length === 3) return popCount(ctx, argv[1]!, argv[2]!)
      if (argv.length > 3) return ctx.reply.error(Errors.SYNTAX)
      const key = argv[1]!
      const set = writeSet(ctx, key)
      if (set === null) return
      if (set === undefined) return ctx.reply.nullBulk()
      const member = set.removeAt(Math.floor(Math.random() * set.size))
      ctx.reply.bulk(member)
      ctx.signalWrite(NotifyClass.set, "spop", key)
      if (set.size === 0) {
        ctx.db.delete(key)
        ctx.notify(NotifyClass.generic, "del", key)
      }
      ctx.rewriteArgv(["SREM", key, member])
    }
  }),
  defineCommand({
    name: "srandmember",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Get one or multiple random members from a set",
      since: "1.0.0",
      group,
      complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."
    },
    handler: (ctx, argv) => {
      if (argv.length === 3) {
        const count = randomCountArg(ctx.reply, argv[2]!)
        if (count !== undefined) randomMembers(ctx, argv[1]!, count)
        return
      }
      if (argv.length > 3) return ctx.reply.error(Errors.SYNTAX)
      const set = readSet(ctx, argv[1]!)
      if (set === null) return
      if (set === undefined) return ctx.reply.nullBulk()
      const members = set.members()
      ctx.reply.bulk(members[Math.floor(Math.random() * members.length)]!)
    }
  }),
  defineCommand({
    name: "smove",
    arity: 4,
    flags: "write fast",
    keys: [1, 2, 1],
    acl: "@write @set @fast",
    docs: { summary: "Move a member from one set to another", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const srcKey = argv[1]!
      const dstKey = argv[2]!
      const member = argv[3]!
      const srcValue = ctx.db.lookupWrite(srcKey)
      const dstValue = ctx.db.lookupWrite(dstKey)
      if (srcValue === undefined) return ctx.reply.integer(0)
      if (!(srcValue instanceof SetValue) || (dstValue !== undefined && !(dstValue instanceof SetValue))) {
        return ctx.reply.error(Errors.WRONGTYPE)
      }
      if (srcValue === dstValue) return ctx.reply.integer(srcValue.has(member) ? 1 : 0)
      if (!srcValue.delete(member)) return ctx.reply.integer(0)
      ctx.notify(NotifyClass.set, "srem", srcKey)
      if (srcValue.size === 0) {
        ctx.db.delete(srcKey)
        ctx.notify(NotifyClass.generic, "del", srcKey)
      }
      let dst = dstValue
      if (dst === undefined) {
        dst = new SetValue()
        ctx.db.add(dstKey, dst)
      }
      ctx.touch(srcKey)
      ctx.touch(dstKey)
      ctx.addDirty()
      if (dst.add(member, maxIntsetEntries(ctx.config))) ctx.signalWrite(NotifyClass.set, "sadd", dstKey)
      ctx.reply.integer(1)
    }
  }),
  defineCommand({
    name: "sinter",
    arity: -2,
    flags: "readonly",
    keys: [1, -1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Intersect multiple sets",
      since: "1.0.0",
      group,
      complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
    },
    handler: (ctx, argv) => intersect(ctx, argv.slice(1), {})
  }),
  defineCommand({
    name: "sintercard",
    arity: -3,
    flags: "readonly movablekeys",
    keys: [0, 0, 0],
    acl: "@read @set @slow",
    docs: {
      summary: "Intersect multiple sets and return the cardinality of the result",
      since: "7.0.0",
      group,
      complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
    },
    getKeys: sintercardKeys,
    handler: (ctx, argv) => {
      const numkeys = rangeIntArg(ctx.reply, argv[1]!, 1, LONG_MAX, Errors.NUMKEYS_POSITIVE)
      if (numkeys === undefined) return
      if (numkeys > argv.length - 2) return ctx.reply.error(Errors.NUMKEYS_GREATER_THAN_ARGS)
      let limit = 0
      for (let i = 2 + numkeys; i < argv.length; i++) {
        if (argv[i]!.toLowerCase() === "limit" && i + 1 < argv.length) {
          const parsed = rangeIntArg(ctx.reply, argv[++i]!, 0, LONG_MAX, Errors.LIMIT_NEGATIVE)
          if (parsed === undefined) return
          limit = parsed
        } else {
          return ctx.reply.error(Errors.SYNTAX)
        }
      }
      intersect(ctx, argv.slice(2, 2 + numkeys), { cardinality: true, limit })
    }
  }),
  defineCommand({
    name: "sunion",
    arity: -2,
    flags: "readonly",
    keys: [1, -1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Add multiple sets",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the total number of elements in all given sets."
    },
    handler: (ctx, argv) => unionOrDiff(ctx, argv.slice(1), "union")
  }),
  defineCommand({
    name: "sdiff",
    arity: -2,
    flags: "readonly",
    keys: [1, -1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Subtract multiple sets",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the total number of elements in all given sets."
    },
    handler: (ctx, argv) => unionOrDiff(ctx, argv.slice(1), "diff")
  }),
  defineCommand({
    name: "sinterstore",
    arity: -3,
    flags: "write denyoom",
    keys: [1, -1, 1],
    acl: "@write @set @slow",
    docs: {
      summary: "Intersect multiple sets and store the resulting set in a key",
      since: "1.0.0",
      group,
      complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
    },
    handler: (ctx, argv) => intersect(ctx, argv.slice(2), { dst: argv[1]! })
  }),
  defineCommand({
    name: "sunionstore",
    arity: -3,
    flags: "write denyoom",
    keys: [1, -1, 1],
    acl: "@write @set @slow",
    docs: {
      summary: "Add multiple sets and store the resulting set in a key",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the total number of elements in all given sets."
    },
    handler: (ctx, argv) => unionOrDiff(ctx, argv.slice(2), "union", argv[1]!)
  }),
  defineCommand({
    name: "sdiffstore",
    arity: -3,
    flags: "write denyoom",
    keys: [1, -1, 1],
    acl: "@write @set @slow",
    docs: {
      summary: "Subtract multiple sets and store the resulting set in a key",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the total number of elements in all given sets."
    },
    handler: (ctx, argv) => unionOrDiff(ctx, argv.slice(2), "diff", argv[1]!)
  }),
  defineCommand({
    name: "sscan",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @set @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Incrementally iterate Set elements",
      since: "2.8.0",
      group,
      complexity:
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
    },
    handler: (ctx, argv) =>
      replyCollectionScan(ctx, argv, readSet, (set, { count, cursor, pattern }, found) => {
        const collect = (member: string) => {
          if (pattern === undefined || globMatch(pattern, member)) found.push(member)
        }
        // An intset is returned whole with cursor 0, as Redis does.
        if (set.isIntset) {
          set.forEach(collect)
          return 0
        }
        return set.scan(Number(cursor), count, collect)
      })
  })
]

/** Hash commands (t_hash.c). */
import { type ConfigStore, liveNumbers } from "../config/ServerConfig.ts"
import { type HashLimits, HashValue } from "../keyspace/HashValue.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { globMatch } from "../util/glob.ts"
import { addLongDouble, formatLongDouble, parseLongDouble, ZERO } from "../util/longdouble.ts"
import { addLongLong, formatLongLong, parseLongLong, parseLongLongBig } from "../util/numbers.ts"
import { isOption, longLongArg, MAX_RANDOM_REPLY, randomCountArg, replyCollectionScan } from "./args.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "hash"

/** hash-max-listpack-entries/-value as they are now. */
const hashLimits: (config: ConfigStore) => HashLimits = liveNumbers({
  maxListpackEntries: "hash-max-listpack-entries",
  maxListpackValue: "hash-max-listpack-value"
})

/** The hash at `key` for reading: undefined when missing; replies WRONGTYPE and returns null for another type. */
const readHash = (ctx: CommandContext, key: string): HashValue | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || value instanceof HashValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Same as readHash for a command about to modify the hash (lookupKeyWrite: no stats). */
const writeHash = (ctx: CommandContext, key: string): HashValue | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || value instanceof HashValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** hashTypeLookupWriteOrCreate without storing: a new hash is added by `storeIfNew` once it is written. */
const writeOrNewHash = (ctx: CommandContext, key: string): { hash: HashValue; isNew: boolean } | null => {
  const hash = writeHash(ctx, key)
  if (hash === null) return null
  return hash === undefined ? { hash: new HashValue(), isNew: true } : { hash, isNew: false }
}

/** HSET and HMSET: set every pair, reply with `replyFn(created)`. */
const setPairs = (ctx: CommandContext, argv: ReadonlyArray<string>, replyFn: (created: number) => void): void => {
  if (argv.length % 2 === 1) return ctx.reply.error(Errors.wrongArity(ctx.command.fullName))
  const key = argv[1]!
  const target = writeOrNewHash(ctx, key)
  if (target === null) return
  const { hash, isNew } = target
  const limits = hashLimits(ctx.config)
  hash.prepareWrite(argv, 2, argv.length - 1, limits)
  const created = hash.setPairs(argv, 2, limits)
  if (isNew) ctx.db.add(key, hash)
  replyFn(created)
  ctx.signalWrite(NotifyClass.hash, "hset", key)
  ctx.addDirty((argv.length - 2) / 2 - 1)
}

/** The exact 64-bit integer a stored value holds, as HINCRBY reads it (string2ll), or undefined. */
const storedInteger = (s: string): number | bigint | undefined => {
  if (s.length < 16) return parseLongLong(s)
  const n = parseLongLongBig(s)
  return n === undefined ? undefined : Number.isSafeInteger(Number(n)) ? Number(n) : n
}

/** The whole hash as HKEYS/HVALS/HGETALL reply it. */
const replyAll = (ctx: CommandContext, argv: ReadonlyArray<string>, fields: boolean, values: boolean): void => {
  const hash = readHash(ctx, argv[1]!)
  if (hash === null) return
  const reply = ctx.reply
  const size = hash?.size ?? 0
  if (fields && values) reply.mapHeader(size)
  else reply.arrayHeader(size)
  if (hash === undefined) return
  hash.forEach((field, value) => {
    if (fields) reply.bulk(field)
    if (values) reply.bulk(value)
  })
}

/** Pair `i` of `pairs` in a HRANDFIELD reply: the field, and its value when `withValues` (RESP3 nests the pair). */
const replyRandomPair = (ctx: CommandContext, pairs: ReadonlyArray<string>, i: number, withValues: boolean): void => {
  if (withValues && ctx.reply.resp === 3) ctx.reply.arrayHeader(2)
  ctx.reply.bulk(pairs[2 * i]!)
  if (withValues) ctx.reply.bulk(pairs[2 * i + 1]!)
}

/** hrandfieldWithCountCommand */
const randomFields = (ctx: CommandContext, key: string, count: number, withValues: boolean): void => {
  const hash = readHash(ctx, key)
  if (hash === null) return
  const reply = ctx.reply
  if (hash === undefined || count === 0) return reply.emptyArray()
  const pairs = hash.pairs()
  const size = pairs.length / 2
  const pairHeader = (n: number) => reply.arrayHeader(withValues && reply.resp === 2 ? n * 2 : n)
  if (count < 0) {
    // Repeats allowed: independent picks.
    const n = -count
    if (n > MAX_RANDOM_REPLY) return reply.error(Errors.VALUE_OUT_OF_RANGE)
    pairHeader(n)
    for (let k = 0; k < n; k++) replyRandomPair(ctx, pairs, Math.floor(Math.random() * size), withValues)
    return
  }
  if (count >= size) {
    pairHeader(size)
    for (let i = 0; i < size; i++) replyRandomPair(ctx, pairs, i, withValues)
    return
  }
  pairHeader(count)
  for (const i of distinctPositions(size, count)) replyRandomPair(ctx, pairs, i, withValues)
}

/**
 * HDEL and SREM: removes argv[2..] from the collection at `key`, replies with how many were there, and
 * deletes the key as soon as it is empty (Redis stops there, the rest of the arguments unexamined).
 */
export const removeElements = (
  ctx: CommandContext,
  key: string,
  collection: { delete(element: string): boolean; readonly size: number },
  argv: ReadonlyArray<string>,
  type: number,
  event: string
): void => {
  let deleted = 0
  let keyRemoved = false
  for (let i = 2; i < argv.length; i++) {
    if (!collection.delete(argv[i]!)) continue
    deleted++
    if (collection.size === 0) {
      ctx.db.delete(key)
      keyRemoved = true
      break
    }
  }
  if (deleted > 0) {
    ctx.signalWrite(type, event, key)
    if (keyRemoved) ctx.notify(NotifyClass.generic, "del", key)
    ctx.addDirty(deleted - 1)
  }
  ctx.reply.integer(deleted)
}

/** `count` distinct positions in [0, size), uniformly chosen (partial Fisher-Yates on a sparse permutation). */
export const distinctPositions = (size: number, count: number): Array<number> => {
  const swapped = new Map<number, number>()
  const out: Array<number> = []
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(Math.random() * (size - k))
    const atJ = swapped.get(j) ?? j
    out.push(atJ)
    swapped.set(j, swapped.get(k) ?? k)
  }
  return out
}

export const hashCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "hset",
    arity: -4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: {
      summary: "Set the string value of a hash field",
      since: "2.0.0",
      group,
      complexity:
        "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."
    },
    handler: (ctx, argv) => setPairs(ctx, argv, (created) => ctx.reply.integer(created))
  }),
  defineCommand({
    name: "hsetnx",
    arity: 4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: { summary: "Set the value of a hash field, only if the field does not exist", since: "2.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const target = writeOrNewHash(ctx, key)
      if (target === null) return
      const { hash, isNew } = target
      if (hash.has(argv[2]!)) return ctx.reply.integer(0)
      const limits = hashLimits(ctx.config)
      hash.prepareWrite(argv, 2, 3, limits)
      hash.set(argv[2]!, argv[3]!, limits)
      if (isNew) ctx.db.add(key, hash)
      ctx.reply.integer(1)
      ctx.signalWrite(NotifyClass.hash, "hset", key)
    }
  }),
  defineCommand({
    name: "hget",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @hash @fast",
    docs: { summary: "Get the value of a hash field", since: "2.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const hash = readHash(ctx, argv[1]!)
      if (hash !== null) ctx.reply.bulkOrNull(hash?.get(argv[2]!))
    }
  }),
  defineCommand({
    name: "hmget",
    arity: -3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @hash @fast",
    docs: {
      summary: "Get the values of all the given hash fields",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of fields being requested."
    },
    handler: (ctx, argv) => {
      const hash = readHash(ctx, argv[1]!)
      if (hash === null) return
      ctx.reply.arrayHeader(argv.length - 2)
      for (let i = 2; i < argv.length; i++) ctx.reply.bulkOrNull(hash?.get(argv[i]!))
    }
  }),
  defineCommand({
    name: "hmset",
    arity: -4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: {
      summary: "Set multiple hash fields to multiple values",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of fields being set."
    },
    handler: (ctx, argv) => setPairs(ctx, argv, () => ctx.reply.ok())
  }),
  defineCommand({
    name: "hdel",
    arity: -3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: {
      summary: "Delete one or more hash fields",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of fields to be removed."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const hash = writeHash(ctx, key)
      if (hash === null) return
      if (hash === undefined) return ctx.reply.integer(0)
      removeElements(ctx, key, hash, argv, NotifyClass.hash, "hdel")
    }
  }),
  defineCommand({
    name: "hlen",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @hash @fast",
    docs: { summary: "Get the number of fields in a hash", since: "2.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const hash = readHash(ctx, argv[1]!)
      if (hash !== null) ctx.reply.integer(hash?.size ?? 0)
    }
  }),
  defineCommand({
    name: "hstrlen",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @hash @fast",
    docs: { summary: "Get the length of the value of a hash field", since: "3.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const hash = readHash(ctx, argv[1]!)
      if (hash !== null) ctx.reply.integer(hash?.get(argv[2]!)?.length ?? 0)
    }
  }),
  defineCommand({
    name: "hexists",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @hash @fast",
    docs: { summary: "Determine if a hash field exists", since: "2.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const hash = readHash(ctx, argv[1]!)
      if (hash !== null) ctx.reply.integer(hash?.has(argv[2]!) === true ? 1 : 0)
    }
  }),
  defineCommand({
    name: "hkeys",
    arity: 2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @hash @slow",
    tips: "nondeterministic_output_order",
    docs: { summary: "Get all the fields in a hash", since: "2.0.0", group, complexity: "O(N) where N is the size of the hash." },
    handler: (ctx, argv) => replyAll(ctx, argv, true, false)
  }),
  defineCommand({
    name: "hvals",
    arity: 2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @hash @slow",
    tips: "nondeterministic_output_order",
    docs: { summary: "Get all the values in a hash", since: "2.0.0", group, complexity: "O(N) where N is the size of the hash." },
    handler: (ctx, argv) => replyAll(ctx, argv, false, true)
  }),
  defineCommand({
    name: "hgetall",
    arity: 2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @hash @slow",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Get all the fields and values in a hash",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the size of the hash."
    },
    handler: (ctx, argv) => replyAll(ctx, argv, true, true)
  }),
  defineCommand({
    name: "hincrby",
    arity: 4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: {
      summary: "Increment the integer value of a hash field by the given number",
      since: "2.0.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const increment = longLongArg(ctx.reply, argv[3]!)
      if (increment === undefined) return
      const key = argv[1]!
      const field = argv[2]!
      const target = writeOrNewHash(ctx, key)
      if (target === null) return
      const { hash, isNew } = target
      const stored = hash.get(field)
      let current: number | bigint = 0
      if (stored !== undefined) {
        const parsed = storedInteger(stored)
        if (parsed === undefined) return ctx.reply.error(Errors.HASH_VALUE_NOT_INTEGER)
        current = parsed
      }
      const result = addLongLong(current, increment)
      if (result === undefined) return ctx.reply.error(Errors.OVERFLOW)
      hash.set(field, formatLongLong(result), hashLimits(ctx.config))
      if (isNew) ctx.db.add(key, hash)
      ctx.reply.integer(result)
      ctx.signalWrite(NotifyClass.hash, "hincrby", key)
    }
  }),
  defineCommand({
    name: "hincrbyfloat",
    arity: 4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hash @fast",
    docs: {
      summary: "Increment the float value of a hash field by the given amount",
      since: "2.6.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const increment = parseLongDouble(argv[3]!)
      if (increment === undefined) return ctx.reply.error(Errors.NOT_FLOAT)
      if (increment.kind !== "finite") return ctx.reply.error(Errors.NAN_OR_INFINITY_ARG)
      const key = argv[1]!
      const field = argv[2]!
      const target = writeOrNewHash(ctx, key)
      if (target === null) return
      const { hash, isNew } = target
      const stored = hash.get(field)
      const current = stored === undefined ? ZERO : parseLongDouble(stored)
      if (current === undefined) return ctx.reply.error(Errors.HASH_VALUE_NOT_FLOAT)
      const sum = addLongDouble(current, increment)
      if (sum.kind !== "finite") return ctx.reply.error(Errors.NAN_OR_INFINITY)
      const result = formatLongDouble(sum)
      hash.set(field, result, hashLimits(ctx.config))
      if (isNew) ctx.db.add(key, hash)
      ctx.reply.bulk(result)
      ctx.signalWrite(NotifyClass.hash, "hincrbyfloat", key)
      // Replicas and the AOF get the result, not the increment: float formatting may differ there.
      ctx.rewriteArgv(["HSET", key, field, result])
    }
  }),
  defineCommand({
    name: "hrandfield",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @hash @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Get one or multiple random fields from a hash",
      since: "6.2.0",
      group,
      complexity: "O(N) where N is the number of fields returned"
    },
    handler: (ctx, argv) => {
      if (argv.length >= 3) {
        const count = randomCountArg(ctx.reply, argv[2]!)
        if (count === undefined) return
        if (argv.length > 4 || (argv.length === 4 && !isOption(argv[3]!, "withvalues"))) {
          return ctx.reply.error(Errors.SYNTAX)
        }
        const withValues = argv.length === 4
        // LONG_MAX/2: a WITHVALUES reply of 2*count elements must not overflow (Redis's check).
        if (withValues && (count > 4e18 || count < -4e18)) {
          // Near the bound a double is not exact: compare the argument itself.
          const exact = BigInt(argv[2]!)
          if (exact > 4611686018427387903n || exact < -4611686018427387903n) return ctx.reply.error(Errors.VALUE_OUT_OF_RANGE)
        }
        return randomFields(ctx, argv[1]!, count, withValues)
      }
      const hash = readHash(ctx, argv[1]!)
      if (hash === null) return
      if (hash === undefined) return ctx.reply.nullBulk()
      const pairs = hash.pairs()
      ctx.reply.bulk(pairs[2 * Math.floor((Math.random() * pairs.length) / 2)]!)
    }
  }),
  defineCommand({
    name: "hscan",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @hash @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Incrementally iterate hash fields and associated values",
      since: "2.8.0",
      group,
      complexity:
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
    },
    handler: (ctx, argv) =>
      replyCollectionScan(ctx, argv, readHash, (hash, { count, cursor, pattern }, found) =>
        // A listpack is returned whole with cursor 0, whatever the cursor and COUNT, as Redis does.
        hash.scan(Number(cursor), count, (field, value) => {
          if (pattern === undefined || globMatch(pattern, field)) found.push(field, value)
        }))
  })
]

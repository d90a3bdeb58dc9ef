/**
 * Generic key commands (db.c, expire.c, object.c): DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RENAME,
 * RENAMENX, RANDOMKEY, COPY, MOVE, TOUCH, OBJECT, the EXPIRE family, TTL family and PERSIST.
 */
import { type Database, encodingOf, NO_NOTIFY, NO_TOUCH, type Stored, valueOf } from "../keyspace/Database.ts"
import type { ListValue } from "../keyspace/ListValue.ts"
import { lfuDecay } from "../keyspace/lfu.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import { ByteString, StoredString } from "../keyspace/StoredString.ts"
import { typeOf, type Value } from "../keyspace/Value.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { globMatch } from "../util/glob.ts"
import { INT64_MAX, INT64_MIN, parseLongLongBig } from "../util/numbers.ts"
import { int32Arg, isOption, scanArgs } from "./args.ts"
import { encodeListpack } from "../persistence/rdb/bytes.ts"
import { quicklistNodes } from "../persistence/rdb/values.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import { dumpPayload } from "./dump.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand } from "./help.ts"

const group = "generic"

// --- values that move or are copied ----------------------------------------------------------------

/**
 * String values COPY duplicated: Redis's copy of a shared small integer is a private object (OBJECT
 * REFCOUNT 1). Valid while the stored string still holds that same value.
 */
const privateCopies = new WeakMap<Stored, string>()

/** Gives `key` in `db` the expiry `expire` had (getExpire's result, -1 for none). */
const copyExpire = (db: Database, key: string, expire: number | bigint): void => {
  if (expire !== -1) db.setExpire(key, expire)
}

/** RENAME and MOVE move the value itself: a private copy stays private under its new name. */
const carryPrivateCopy = (from: Stored, to: Stored | undefined): void => {
  const copyOf = privateCopies.get(from)
  if (copyOf !== undefined && to !== undefined) privateCopies.set(to, copyOf)
}

// --- shared helpers --------------------------------------------------------------------------------

/** The command's time as whole ms (mstime): a TestClock may be moved by fractions of a millisecond. */
const nowMs = (ctx: CommandContext): number => Math.floor(ctx.now)

/** The database of a DB index argument (selectDb), or undefined after replying with the error. */
const targetDb = (ctx: CommandContext, arg: string): Database | undefined => {
  const id = int32Arg(ctx.reply, arg)
  if (id === undefined) return undefined
  const db = ctx.keyspace.dbs[id]
  if (db === undefined) ctx.reply.error(Errors.DB_INDEX_OUT_OF_RANGE)
  return db
}

// --- DEL, UNLINK, EXISTS, TOUCH, TYPE, RANDOMKEY ---------------------------------------------------

const deleteKeys = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let deleted = 0
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!
    // expireIfNeeded first: an expired key goes away as "expired" (and propagates as DEL) and does
    // not count. On a replica it stays, and is deleted and counted here, as in Redis.
    ctx.db.exists(key)
    if (ctx.db.delete(key)) {
      ctx.signalWrite(NotifyClass.generic, "del", key)
      deleted++
    }
  }
  ctx.reply.integer(deleted)
}

const typeName = (value: Value | undefined): string => (value === undefined ? "none" : typeOf(value))

// --- KEYS, SCAN ------------------------------------------------------------------------------------

const keysCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const pattern = argv[1]!
  // A lone "*" matches everything, the empty key included (stringmatchlen does not match "" to "*").
  const all = pattern === "*"
  const db = ctx.db
  const found: string[] = []
  for (const key of db.keys()) {
    // keysCommand uses keyIsExpired: expired keys are hidden, not deleted.
    if ((all || globMatch(pattern, key)) && !db.isLogicallyExpired(key)) found.push(key)
  }
  ctx.reply.bulkArray(found)
}

const scanCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const options = scanArgs(ctx.reply, argv, 1, true)
  if (options === undefined) return
  const db = ctx.db
  const cursor = options.cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(options.cursor)
  // Collect first, filter after: filtering may delete expired keys, which moves slots around.
  const visited: string[] = []
  const next = db.scan(cursor, options.count, (key) => visited.push(key))
  const { pattern, type } = options
  const keys: string[] = []
  for (const key of visited) {
    if (pattern !== undefined && !globMatch(pattern, key)) continue
    if (type !== undefined) {
      // Redis looks the key up for its type, which counts a hit or miss and expires it; an expired
      // key then reads as "none", so TYPE none returns it (a 7.0 quirk kept on purpose).
      if (typeName(db.lookupRead(key, NO_TOUCH)) !== type) continue
    }
    if (db.isLogicallyExpired(key)) {
      db.exists(key)
      continue
    }
    keys.push(key)
  }
  ctx.reply.arrayHeader(2)
  ctx.reply.bulk(String(next))
  ctx.reply.bulkArray(keys)
}

// --- RENAME, RENAMENX, MOVE, COPY ------------------------------------------------------------------

/** What RENAME and MOVE put under the new key: the value itself, a string in byte form kept as it is. */
const moved = (source: Stored, value: Value): Value | ByteString =>
  source instanceof StoredString && typeof source.value !== "string" ? source.value : value

/** A raw string's copy: its own bytes, raw too. */
const rawCopy = (s: string): ByteString => {
  const copy = ByteString.of(s)
  copy.raw = true
  return copy
}

const renameGeneric = (ctx: CommandContext, argv: ReadonlyArray<string>, nx: boolean): void => {
  const from = argv[1]!
  const to = argv[2]!
  const db = ctx.db
  const value = db.lookupWrite(from)
  if (value === undefined) return ctx.reply.error(Errors.NO_SUCH_KEY)
  if (from === to) return nx ? ctx.reply.integer(0) : ctx.reply.ok()
  const source = db.stored(from)!
  const expire = db.getExpireExact(from)!
  if (db.lookupWrite(to) !== undefined) {
    if (nx) return ctx.reply.integer(0)
    db.delete(to)
  }
  // the old key goes first (Redis adds, then deletes): a value is in one key at a time for memory accounting
  db.delete(from)
  db.add(to, moved(source, value)) // dbAdd: the "new" event, waking clients blocked on `to`
  carryPrivateCopy(source, db.stored(to))
  copyExpire(db, to, expire)
  ctx.signalWrite(NotifyClass.generic, "rename_from", from)
  ctx.touch(to)
  ctx.notify(NotifyClass.generic, "rename_to", to)
  if (nx) ctx.reply.integer(1)
  else ctx.reply.ok()
}

const moveCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[1]!
  const src = ctx.db
  const dst = targetDb(ctx, argv[2]!)
  if (dst === undefined) return
  if (src === dst) return ctx.reply.error(Errors.SAME_OBJECT)
  const value = src.lookupWrite(key)
  if (value === undefined) return ctx.reply.integer(0)
  const source = src.stored(key)!
  const expire = src.getExpireExact(key)!
  if (dst.lookupWrite(key) !== undefined) return ctx.reply.integer(0)
  src.delete(key) // first, as in RENAME
  dst.add(key, moved(source, value))
  carryPrivateCopy(source, dst.stored(key))
  copyExpire(dst, key, expire)
  ctx.signalWrite(NotifyClass.generic, "move_from", key, src)
  ctx.touch(key, dst)
  ctx.notify(NotifyClass.generic, "move_to", key, dst)
  ctx.reply.integer(1)
}

const copyCommand = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const src = ctx.db
  let dst = src
  let replace = false
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - j - 1
    if (isOption(argv[j]!, "replace")) {
      replace = true
    } else if (isOption(argv[j]!, "db") && more >= 1) {
      const db = targetDb(ctx, argv[++j]!)
      if (db === undefined) return
      dst = db
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }
  const key = argv[1]!
  const newKey = argv[2]!
  if (src === dst && key === newKey) return ctx.reply.error(Errors.SAME_OBJECT)
  const value = src.lookupRead(key)
  if (value === undefined) return ctx.reply.integer(0)
  const expire = src.getExpireExact(key)!
  if (dst.lookupWrite(newKey) !== undefined) {
    if (!replace) return ctx.reply.integer(0)
    dst.delete(newKey)
  }
  // Strings are immutable JS strings and can be shared; aggregates are deep-copied. A raw string
  // stays raw (dupStringObject), so it is copied in byte form.
  const copy = typeof value === "string" ? value : value.clone()
  const source = src.stored(key)!
  const raw = source instanceof StoredString && typeof source.value !== "string" && source.value.raw
  dst.add(newKey, raw ? rawCopy(copy as string) : copy)
  if (typeof copy === "string") privateCopies.set(dst.stored(newKey)!, copy)
  copyExpire(dst, newKey, expire)
  ctx.signalWrite(NotifyClass.generic, "copy_to", newKey, dst)
  ctx.reply.integer(1)
}

// --- EXPIRE family, TTL family, PERSIST ------------------------------------------------------------

/**
 * expireGenericCommand. `basetime` is the current time for relative forms and 0 for the *AT forms;
 * `seconds` says the argument's unit. The new expiry is computed in 64-bit integers, with Redis's
 * overflow checks.
 */
const expireGeneric = (ctx: CommandContext, argv: ReadonlyArray<string>, basetime: number, seconds: boolean): void => {
  const key = argv[1]!
  let nx = false
  let xx = false
  let gt = false
  let lt = false
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!
    if (isOption(opt, "nx")) nx = true
    else if (isOption(opt, "xx")) xx = true
    else if (isOption(opt, "gt")) gt = true
    else if (isOption(opt, "lt")) lt = true
    else return ctx.reply.error(Errors.sanitizeErrorText(`ERR Unsupported option ${opt}`))
  }
  if (nx && (xx || gt || lt)) return ctx.reply.error(Errors.EXPIRE_NX_INCOMPATIBLE)
  if (gt && lt) return ctx.reply.error(Errors.EXPIRE_GT_LT_INCOMPATIBLE)

  const parsed = parseLongLongBig(argv[2]!)
  if (parsed === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
  let when = parsed
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      return ctx.reply.error(Errors.invalidExpireTime(ctx.command.fullName))
    }
    when *= 1000n
  }
  const base = BigInt(basetime)
  if (when > INT64_MAX - base) return ctx.reply.error(Errors.invalidExpireTime(ctx.command.fullName))
  when += base

  const db = ctx.db
  if (db.lookupWrite(key) === undefined) return ctx.reply.integer(0)
  if (nx || xx || gt || lt) {
    const current = db.getExpireExact(key)!
    // No TTL counts as an infinite one: GT never beats it, LT always does.
    if (nx && current !== -1) return ctx.reply.integer(0)
    if (xx && current === -1) return ctx.reply.integer(0)
    if (gt && (current === -1 || when <= current)) return ctx.reply.integer(0)
    if (lt && current !== -1 && when >= current) return ctx.reply.integer(0)
  }

  // checkAlreadyExpired: a time not in the future deletes the key, except on a replica, which waits
  // for the master's DEL.
  if (when <= BigInt(nowMs(ctx)) && !ctx.keyspace.isReplica) {
    db.delete(key)
    ctx.rewriteArgv([ctx.keyspace.lazyExpire ? "UNLINK" : "DEL", key])
    ctx.signalWrite(NotifyClass.generic, "del", key)
    return ctx.reply.integer(1)
  }
  db.setExpire(key, when)
  // Replicas and the AOF get the absolute time, so the expiry does not depend on when they apply it.
  if (ctx.command.spec.name !== "pexpireat") {
    ctx.rewriteArgv(["PEXPIREAT", key, when.toString(), ...argv.slice(3)])
  }
  ctx.signalWrite(NotifyClass.generic, "expire", key)
  ctx.reply.integer(1)
}

/** ttlGenericCommand: relative or absolute, in ms or in seconds rounded to the nearest. */
const ttlGeneric = (ctx: CommandContext, key: string, ms: boolean, absolute: boolean): void => {
  const db = ctx.db
  if (db.lookupRead(key, NO_TOUCH) === undefined) return ctx.reply.integer(-2)
  const expire = db.getExpireExact(key)!
  if (expire === -1) return ctx.reply.integer(-1)
  if (typeof expire === "number") {
    const ttl = Math.max(0, absolute ? expire : expire - nowMs(ctx))
    return ctx.reply.integer(ms ? ttl : Math.floor((ttl + 500) / 1000))
  }
  let ttl = absolute ? expire : expire - BigInt(nowMs(ctx))
  if (ttl < 0n) ttl = 0n
  ctx.reply.integer(ms ? ttl : (ttl + 500n) / 1000n)
}

// --- OBJECT ----------------------------------------------------------------------------------------

/** Integers Redis shares as one object (OBJ_SHARED_INTEGERS), whose refcount reads as INT_MAX. */
const SHARED_INTEGERS = 10000
const SHARED_REFCOUNT = 2147483647
const LRU_CLOCK_MAX = 0xffffff

const maxmemoryPolicy = (ctx: CommandContext): string => ctx.config.get("maxmemory-policy") ?? "noeviction"
const isLfuPolicy = (ctx: CommandContext): boolean => maxmemoryPolicy(ctx).endsWith("-lfu")

/**
 * tryObjectEncoding stores small non-negative integers as shared objects unless an LRU/LFU policy
 * with a memory limit needs per-object access data.
 */
const sharesIntegers = (ctx: CommandContext): boolean => {
  const policy = maxmemoryPolicy(ctx)
  return ctx.config.getNumber("maxmemory") === 0 || !(policy.endsWith("-lru") || policy.endsWith("-lfu"))
}

/** estimateObjectIdleTime in seconds: the LRU clock wraps at 24 bits. */
const idleSeconds = (ctx: CommandContext, stored: Stored): number => {
  const now = ctx.keyspace.lruClock
  return now >= stored.lru ? now - stored.lru : now + (LRU_CLOCK_MAX - stored.lru)
}

/** LFUDecrAndReturn: the key's LFU counter, decayed by its idle minutes (without counting an access). */
const lfuCounter = (ctx: CommandContext, stored: Stored): number =>
  lfuDecay(stored.lru, ctx.keyspace.lfuClock, ctx.keyspace.lfuDecayTime)

/**
 * objectCommandLookupOrReply: the live value and its stored object, or a null reply. Counts a hit or
 * miss, but emits no "keymiss" (LOOKUP_NONOTIFY).
 */
const objectLookup = (ctx: CommandContext, key: string): { value: Value; stored: Stored } | undefined => {
  const value = ctx.db.lookupRead(key, NO_TOUCH | NO_NOTIFY)
  if (value === undefined) {
    ctx.reply.nullBulk()
    return undefined
  }
  return { value, stored: ctx.db.stored(key)! }
}

/** Stable pseudo-addresses for DEBUG OBJECT's "Value at:" (the same stored object, the same address). */
const addresses = new WeakMap<object, number>()
let nextAddress = 0x10000

/**
 * DEBUG OBJECT <key>: Redis's one-line description of the stored object, from what this server keeps:
 * a stable address per stored object (an in-place change such as INCR keeps it), OBJECT REFCOUNT's
 * refcount, OBJECT ENCODING's encoding, the value's RDB serialization length, the LRU clock and idle
 * time, and for a quicklist the node figures its RDB form has. A logically expired key is still found.
 */
export const debugObject = (ctx: CommandContext, key: string): void => {
  const stored = ctx.db.entries.get(key)
  if (stored === undefined) return ctx.reply.error(Errors.NO_SUCH_KEY)
  const value = valueOf(stored)
  let address = addresses.get(stored)
  if (address === undefined) {
    address = nextAddress += 0x40
    addresses.set(stored, address)
  }
  const encoding = encodingOf(stored)
  // createDumpPayload less its type byte, RDB version and CRC64
  const serialized = dumpPayload(ctx, value).length - 11
  let extra = ""
  if (encoding === "quicklist") {
    const fill = ctx.config.getNumber("list-max-listpack-size")
    const nodes = quicklistNodes((value as ListValue).toArray(), fill)
    const size = nodes.reduce((n, node) => n + encodeListpack(node).length, 0)
    const items = nodes.reduce((n, node) => n + node.length, 0)
    const depth = ctx.config.getNumber("list-compress-depth")
    extra = ` ql_nodes:${nodes.length} ql_avg_node:${(items / nodes.length).toFixed(2)} ql_listpack_max:${fill} ql_compressed:${depth !== 0 ? 1 : 0} ql_uncompressed_size:${size}`
  }
  const refcount = objectRefcount(ctx, value, stored)
  ctx.reply.simple(
    `Value at:0x7f${address.toString(16).padStart(10, "0")} refcount:${refcount} encoding:${encoding} serializedlength:${serialized} lru:${stored.lru} lru_seconds_idle:${idleSeconds(ctx, stored)}${extra}`
  )
}

/** OBJECT REFCOUNT: INT_MAX for the integers Redis shares, else 1. */
const objectRefcount = (ctx: CommandContext, value: Value, stored: Stored): number => {
  const shared = typeof value === "string" && encodingOf(stored) === "int" && sharesIntegers(ctx) &&
    Number(value) >= 0 && Number(value) < SHARED_INTEGERS && privateCopies.get(stored) !== value
  return shared ? SHARED_REFCOUNT : 1
}

const objectHelp = [
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>."
]

const objectSubcommand = (
  name: string,
  summary: string,
  since: string,
  handler: (ctx: CommandContext, found: { value: Value; stored: Stored }) => void
): CommandSpec =>
  defineCommand({
    name,
    arity: 3,
    flags: "readonly",
    keys: [2, 2, 1],
    acl: "@keyspace @read @slow",
    tips: "nondeterministic_output",
    docs: { summary, since, group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const found = objectLookup(ctx, argv[2]!)
      if (found !== undefined) handler(ctx, found)
    }
  })

const objectCommand = defineCommand({
  name: "object",
  arity: -2,
  flags: "",
  keys: [0, 0, 0],
  acl: "@slow",
  docs: { summary: "A container for object introspection commands", since: "2.2.3", group, complexity: "Depends on subcommand." },
  subcommands: [
    objectSubcommand("idletime", "Get the time since a Redis object was last accessed", "2.2.3", (ctx, { stored }) => {
      if (isLfuPolicy(ctx)) return ctx.reply.error(Errors.OBJECT_IDLETIME_LFU)
      ctx.reply.integer(idleSeconds(ctx, stored))
    }),
    objectSubcommand("refcount", "Get the number of references to the value of the key", "2.2.3", (ctx, { value, stored }) => {
      ctx.reply.integer(objectRefcount(ctx, value, stored))
    }),
    objectSubcommand("encoding", "Inspect the internal encoding of a Redis object", "2.2.3", (ctx, { stored }) => {
      ctx.reply.bulk(encodingOf(stored))
    }),
    helpSubcommand({ since: "6.2.0", group }, objectHelp, "@keyspace @slow"),
    objectSubcommand("freq", "Get the logarithmic access frequency counter of a Redis object", "4.0.0", (ctx, { stored }) => {
      if (!isLfuPolicy(ctx)) return ctx.reply.error(Errors.OBJECT_FREQ_NOT_LFU)
      ctx.reply.integer(lfuCounter(ctx, stored))
    })
  ]
})

// --- the table -------------------------------------------------------------------------------------

const expireCommand = (name: string, summary: string, since: string, relative: boolean, seconds: boolean) =>
  defineCommand({
    name,
    arity: -3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@keyspace @write @fast",
    docs: { summary, since, group, complexity: "O(1)" },
    handler: (ctx, argv) => expireGeneric(ctx, argv, relative ? nowMs(ctx) : 0, seconds)
  })

const ttlCommand = (name: string, summary: string, since: string, ms: boolean, absolute: boolean) =>
  defineCommand({
    name,
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@keyspace @read @fast",
    ...(absolute ? {} : { tips: "nondeterministic_output" }),
    docs: { summary, since, group, complexity: "O(1)" },
    handler: (ctx, argv) => ttlGeneric(ctx, argv[1]!, ms, absolute)
  })

export const keyCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "del",
    arity: -2,
    flags: "write",
    keys: [1, -1, 1],
    acl: "@keyspace @write @slow",
    tips: "request_policy:multi_shard response_policy:agg_sum",
    docs: {
      summary: "Delete a key",
      since: "1.0.0",
      group,
      complexity:
        "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."
    },
    handler: deleteKeys
  }),
  defineCommand({
    name: "unlink",
    arity: -2,
    flags: "write fast",
    keys: [1, -1, 1],
    acl: "@keyspace @write @fast",
    tips: "request_policy:multi_shard response_policy:agg_sum",
    docs: {
      summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
      since: "4.0.0",
      group,
      complexity:
        "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."
    },
    handler: deleteKeys
  }),
  defineCommand({
    name: "exists",
    arity: -2,
    flags: "readonly fast",
    keys: [1, -1, 1],
    acl: "@keyspace @read @fast",
    tips: "request_policy:multi_shard response_policy:agg_sum",
    docs: { summary: "Determine if a key exists", since: "1.0.0", group, complexity: "O(N) where N is the number of keys to check." },
    handler: (ctx, argv) => {
      let count = 0
      for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(argv[i]!, NO_TOUCH) !== undefined) count++
      ctx.reply.integer(count)
    }
  }),
  defineCommand({
    name: "type",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@keyspace @read @fast",
    docs: { summary: "Determine the type stored at key", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => ctx.reply.simple(typeName(ctx.db.lookupRead(argv[1]!, NO_TOUCH)))
  }),
  defineCommand({
    name: "keys",
    arity: 2,
    flags: "readonly",
    keys: [0, 0, 0],
    acl: "@keyspace @read @slow @dangerous",
    tips: "request_policy:all_shards nondeterministic_output_order",
    docs: {
      summary: "Find all keys matching the given pattern",
      since: "1.0.0",
      group,
      complexity:
        "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."
    },
    handler: keysCommand
  }),
  defineCommand({
    name: "scan",
    arity: -2,
    flags: "readonly",
    keys: [0, 0, 0],
    acl: "@keyspace @read @slow",
    tips: "nondeterministic_output request_policy:special",
    docs: {
      summary: "Incrementally iterate the keys space",
      since: "2.8.0",
      group,
      complexity:
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."
    },
    handler: scanCommand
  }),
  defineCommand({
    name: "rename",
    arity: 3,
    flags: "write",
    keys: [1, 2, 1],
    acl: "@keyspace @write @slow",
    docs: { summary: "Rename a key", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => renameGeneric(ctx, argv, false)
  }),
  defineCommand({
    name: "renamenx",
    arity: 3,
    flags: "write fast",
    keys: [1, 2, 1],
    acl: "@keyspace @write @fast",
    docs: { summary: "Rename a key, only if the new key does not exist", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => renameGeneric(ctx, argv, true)
  }),
  defineCommand({
    name: "randomkey",
    arity: 1,
    flags: "readonly",
    keys: [0, 0, 0],
    acl: "@keyspace @read @slow",
    tips: "request_policy:all_shards nondeterministic_output",
    docs: { summary: "Return a random key from the keyspace", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.bulkOrNull(ctx.db.randomKey())
  }),
  defineCommand({
    name: "copy",
    arity: -3,
    flags: "write denyoom",
    keys: [1, 2, 1],
    acl: "@keyspace @write @slow",
    docs: {
      summary: "Copy a key",
      since: "6.2.0",
      group,
      complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."
    },
    handler: copyCommand
  }),
  defineCommand({
    name: "move",
    arity: 3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@keyspace @write @fast",
    docs: { summary: "Move a key to another database", since: "1.0.0", group, complexity: "O(1)" },
    handler: moveCommand
  }),
  defineCommand({
    name: "touch",
    arity: -2,
    flags: "readonly fast",
    keys: [1, -1, 1],
    acl: "@keyspace @read @fast",
    tips: "request_policy:multi_shard response_policy:agg_sum",
    docs: {
      summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.",
      since: "3.2.1",
      group,
      complexity: "O(N) where N is the number of keys that will be touched."
    },
    handler: (ctx, argv) => {
      let touched = 0
      for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(argv[i]!) !== undefined) touched++
      ctx.reply.integer(touched)
    }
  }),
  expireCommand("expire", "Set a key's time to live in seconds", "1.0.0", true, true),
  expireCommand("pexpire", "Set a key's time to live in milliseconds", "2.6.0", true, false),
  expireCommand("expireat", "Set the expiration for a key as a UNIX timestamp", "1.2.0", false, true),
  expireCommand(
    "pexpireat",
    "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
    "2.6.0",
    false,
    false
  ),
  ttlCommand("ttl", "Get the time to live for a key in seconds", "1.0.0", false, false),
  ttlCommand("pttl", "Get the time to live for a key in milliseconds", "2.6.0", true, false),
  ttlCommand("expiretime", "Get the expiration Unix timestamp for a key", "7.0.0", false, true),
  ttlCommand("pexpiretime", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", true, true),
  defineCommand({
    name: "persist",
    arity: 2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@keyspace @write @fast",
    docs: { summary: "Remove the expiration from a key", since: "2.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const key = argv[1]!
      if (ctx.db.lookupWrite(key) === undefined || !ctx.db.persist(key)) return ctx.reply.integer(0)
      ctx.signalWrite(NotifyClass.generic, "persist", key)
      ctx.reply.integer(1)
    }
  }),
  objectCommand
]

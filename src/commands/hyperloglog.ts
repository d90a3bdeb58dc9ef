/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. An HLL is a string
 * value in Redis's exact format (util/hyperloglog.ts), so GET, DUMP and replication carry it unchanged
 * between this server and Redis.
 */
import { liveNumbers } from "../config/ServerConfig.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import { ByteString } from "../keyspace/StoredString.ts"
import type { ObjectValue } from "../keyspace/Value.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import {
  cachedCardinalityOf,
  decodeSparse,
  denseGet,
  denseSet,
  HLL_DENSE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuffer,
  hllAddPacked,
  hllCount,
  hllCountRegisters,
  hllMerge,
  hllPatLen,
  hllSelfTest,
  invalidateCache,
  isHllBytes,
  setCachedCardinality,
  sparseSet,
  sparseToDense
} from "../util/hyperloglog.ts"
import { optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "hyperloglog"

/** hll-sparse-max-bytes, read on every PFADD: a live field of the configuration. */
const hllLimits = liveNumbers({ sparseMaxBytes: "hll-sparse-max-bytes" })
const sparseMaxBytes = (ctx: CommandContext): number => hllLimits(ctx.config).sparseMaxBytes

/**
 * isHLLObjectOrReply: a string in the HLL format, or null after the error (WRONGTYPE for another type,
 * Redis's "-WRONGTYPE Key is not a valid HyperLogLog string value." for another string). HLLs are
 * worked on in byte form, in place (the key's value is a ByteString).
 */
const hllOrReply = (ctx: CommandContext, value: ByteString | ObjectValue): ByteString | null => {
  if (!(value instanceof ByteString)) {
    ctx.reply.error(Errors.WRONGTYPE)
    return null
  }
  if (!isHllBytes(value.bytes, value.length)) {
    ctx.reply.error(Errors.HLL_INVALID_VALUE)
    return null
  }
  return value
}

/** createHLLObject: an empty sparse HLL, as a new key's value. */
const emptyHll = (): ByteString => {
  const h = HllBuffer.empty()
  return new ByteString(h.bytes, h.length, undefined, true)
}

// --- PFADD ----------------------------------------------------------------------------------------

const pfadd = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[1]!
  const value = ctx.db.lookupWriteBytes(key)
  let h: ByteString
  let updated = 0
  if (value === undefined) {
    h = emptyHll()
    ctx.db.add(key, h)
    updated = 1
  } else {
    const hll = hllOrReply(ctx, value)
    if (hll === null) return
    h = hll
    h.unshare()
  }
  // a sparse HLL grows, or turns dense, in a new buffer
  const before = h.bytes
  const maxBytes = sparseMaxBytes(ctx)
  for (let j = 2; j < argv.length; j++) {
    const result = hllAddPacked(h, hllPatLen(argv[j]!), maxBytes)
    if (result === 1) {
      updated++
    } else if (result === -1) {
      if (h.bytes !== before) ctx.db.resizing(h)
      // what the earlier elements changed stays, unsignalled, as in Redis
      return ctx.reply.error(Errors.HLL_CORRUPTED)
    }
  }
  if (h.bytes !== before) ctx.db.resizing(h)
  if (updated > 0) {
    invalidateCache(h)
    ctx.signalWrite(NotifyClass.string, "pfadd", key)
    ctx.addDirty(updated - 1)
  }
  ctx.reply.integer(updated > 0 ? 1 : 0)
}

// --- PFCOUNT --------------------------------------------------------------------------------------

const pfcount = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  if (argv.length > 2) {
    // the cardinality of the union: the maximum of every register
    const max = new Uint8Array(HLL_REGISTERS)
    for (let j = 1; j < argv.length; j++) {
      const value = ctx.db.lookupReadBytes(argv[j]!)
      if (value === undefined) continue
      const hll = hllOrReply(ctx, value)
      if (hll === null) return
      if (!hllMerge(max, hll.bytes, hll.length)) return ctx.reply.error(Errors.HLL_CORRUPTED)
    }
    return ctx.reply.integer(hllCountRegisters(max))
  }
  const key = argv[1]!
  const value = ctx.db.lookupReadBytes(key)
  if (value === undefined) return ctx.reply.integer(0)
  const hll = hllOrReply(ctx, value)
  if (hll === null) return
  // dbUnshareStringValue, whether or not the cache is written
  hll.raw = true
  const cached = cachedCardinalityOf(hll.bytes)
  if (cached !== undefined) return ctx.reply.integer(cached)
  const card = hllCount(hll.bytes, hll.length)
  if (card === undefined) return ctx.reply.error(Errors.HLL_CORRUPTED)
  // the cache is part of the value: writing it is a change, propagated (PFCOUNT is flagged readonly)
  ctx.db.willModify(key)
  hll.unshare()
  setCachedCardinality(hll.bytes, card)
  ctx.touch(key)
  ctx.addDirty()
  ctx.forcePropagation()
  ctx.reply.integer(card)
}

// --- PFMERGE --------------------------------------------------------------------------------------

const pfmerge = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const max = new Uint8Array(HLL_REGISTERS)
  let useDense = false
  for (let j = 1; j < argv.length; j++) {
    const value = ctx.db.lookupReadBytes(argv[j]!)
    if (value === undefined) continue
    const hll = hllOrReply(ctx, value)
    if (hll === null) return
    if (hll.bytes[4] === HLL_DENSE) useDense = true
    if (!hllMerge(max, hll.bytes, hll.length)) return ctx.reply.error(Errors.HLL_CORRUPTED)
  }
  const key = argv[1]!
  // an existing target was checked as the first source
  let h = ctx.db.lookupWriteBytes(key) as ByteString | undefined
  if (h === undefined) {
    h = emptyHll()
    ctx.db.add(key, h)
  } else {
    h.unshare()
    ctx.db.resizing(h)
  }
  if (useDense && !sparseToDense(h)) return ctx.reply.error(Errors.HLL_CORRUPTED)
  const maxBytes = sparseMaxBytes(ctx)
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const register = max[j]!
    if (register === 0) continue
    if (h.bytes[4] === HLL_DENSE) denseSet(h, j, register)
    else if (h.bytes[4] === HLL_SPARSE) sparseSet(h, j, register, maxBytes)
  }
  invalidateCache(h)
  // a merge is notified as a mass PFADD
  ctx.signalWrite(NotifyClass.string, "pfadd", key)
  ctx.reply.ok()
}

// --- PFDEBUG / PFSELFTEST -------------------------------------------------------------------------

const pfdebug = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[2]!
  const value = ctx.db.lookupWriteBytes(key)
  if (value === undefined) return ctx.reply.error(Errors.HLL_DEBUG_NO_KEY)
  const hll = hllOrReply(ctx, value)
  if (hll === null) return
  hll.unshare()
  ctx.db.resizing(hll)
  const sub = optionName(argv[1]!)
  /** Converts the key to dense in place; the conversion is propagated (the command goes out as is). */
  const toDense = (): boolean => {
    if (hll.bytes[4] === HLL_DENSE) return true
    if (!sparseToDense(hll)) {
      ctx.reply.error(Errors.HLL_CORRUPTED)
      return false
    }
    ctx.addDirty()
    return true
  }
  if (sub === "getreg") {
    if (!toDense()) return
    ctx.reply.arrayHeader(HLL_REGISTERS)
    for (let j = 0; j < HLL_REGISTERS; j++) ctx.reply.integer(denseGet(hll.bytes, j))
  } else if (sub === "decode") {
    if (hll.bytes[4] !== HLL_SPARSE) return ctx.reply.error(Errors.HLL_NOT_SPARSE)
    ctx.reply.bulk(decodeSparse(hll.bytes, hll.length))
  } else if (sub === "encoding") {
    ctx.reply.simple(hll.bytes[4] === HLL_DENSE ? "dense" : "sparse")
  } else if (sub === "todense") {
    const sparse = hll.bytes[4] === HLL_SPARSE
    if (!toDense()) return
    ctx.reply.integer(sparse ? 1 : 0)
  } else {
    ctx.reply.error(Errors.unknownPfdebugSubcommand(argv[1]!))
  }
}

const pfselftest = (ctx: CommandContext): void => {
  const failure = hllSelfTest(sparseMaxBytes(ctx))
  if (failure === undefined) ctx.reply.ok()
  else ctx.reply.error(failure)
}

// --- the command table ----------------------------------------------------------------------------

export const hyperloglogCommands = [
  defineCommand({
    name: "pfadd",
    arity: -2,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @hyperloglog @fast",
    docs: { summary: "Adds the specified elements to the specified HyperLogLog.", since: "2.8.9", group, complexity: "O(1) to add every element." },
    handler: pfadd
  }),
  defineCommand({
    name: "pfcount",
    arity: -2,
    flags: "readonly may_replicate",
    keys: [1, -1, 1],
    acl: "@read @hyperloglog @slow",
    docs: {
      summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
      since: "2.8.9",
      group,
      complexity:
        "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys."
    },
    handler: pfcount
  }),
  defineCommand({
    name: "pfmerge",
    arity: -2,
    flags: "write denyoom",
    keys: [1, -1, 1],
    // two key specs (the target, then sources from index 2): Redis finds no keys in "PFMERGE dest" alone
    getKeys: (argv) => (argv.length < 3 ? [] : argv.map((_, i) => i).slice(1)),
    acl: "@write @hyperloglog @slow",
    docs: {
      summary: "Merge N different HyperLogLogs into a single one.",
      since: "2.8.9",
      group,
      complexity: "O(N) to merge N HyperLogLogs, but with high constant times."
    },
    handler: pfmerge
  }),
  defineCommand({
    name: "pfdebug",
    arity: 3,
    flags: "write denyoom admin",
    keys: [2, 2, 1],
    acl: "@write @hyperloglog @admin @slow @dangerous",
    docs: { summary: "Internal commands for debugging HyperLogLog values", since: "2.8.9", group, complexity: "N/A" },
    handler: pfdebug
  }),
  defineCommand({
    name: "pfselftest",
    arity: 1,
    flags: "admin",
    keys: [0, 0, 0],
    acl: "@hyperloglog @admin @slow @dangerous",
    docs: { summary: "An internal command for testing HyperLogLog values", since: "2.8.9", group, complexity: "N/A" },
    handler: pfselftest
  })
]

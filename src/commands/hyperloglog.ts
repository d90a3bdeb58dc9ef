/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. An HLL is a string
 * value in Redis's exact format (util/hyperloglog.ts), so GET, DUMP and replication carry it unchanged
 * between this server and Redis.
 */
import { NotifyClass } from "../keyspace/notify.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import {
  cachedCardinality,
  cardinalityBytes,
  decodeSparse,
  denseGet,
  denseGetOfString,
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
  isHll,
  sparseSet,
  sparseToDense,
  denseSet
} from "../util/hyperloglog.ts"
import { optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "hyperloglog"

const sparseMaxBytes = (ctx: CommandContext): number => ctx.config.getNumber("hll-sparse-max-bytes")

/**
 * isHLLObjectOrReply: a string in the HLL format, or null after the error (WRONGTYPE for another type,
 * Redis's "-WRONGTYPE Key is not a valid HyperLogLog string value." for another string).
 */
const hllOrReply = (ctx: CommandContext, value: unknown): string | null => {
  if (typeof value !== "string") {
    ctx.reply.error(Errors.WRONGTYPE)
    return null
  }
  if (!isHll(value)) {
    ctx.reply.error(Errors.HLL_INVALID_VALUE)
    return null
  }
  return value
}

const bytesOf = (s: string): Buffer => Buffer.from(s, "latin1")

// --- PFADD ----------------------------------------------------------------------------------------

const pfadd = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[1]!
  const value = ctx.db.lookupWrite(key)
  let current: string | undefined
  let h: HllBuffer | undefined
  let updated = 0
  if (value === undefined) {
    h = HllBuffer.empty()
    updated = 1
  } else {
    const hll = hllOrReply(ctx, value)
    if (hll === null) return
    current = hll
  }
  const maxBytes = sparseMaxBytes(ctx)
  for (let j = 2; j < argv.length; j++) {
    const packed = hllPatLen(argv[j]!)
    if (h === undefined) {
      // a dense HLL is copied only once an element raises one of its registers
      if (current!.charCodeAt(4) === HLL_DENSE && (packed & 63) <= denseGetOfString(current!, packed >> 6)) continue
      h = HllBuffer.of(current!)
    }
    const result = hllAddPacked(h, packed, maxBytes)
    if (result === 1) {
      updated++
    } else if (result === -1) {
      // what the earlier elements changed stays, unsignalled, as in Redis
      if (updated > 0) ctx.db.replace(key, h.toString())
      return ctx.reply.error(Errors.HLL_CORRUPTED)
    }
  }
  if (updated > 0) {
    h!.invalidateCache()
    if (current === undefined) ctx.db.add(key, h!.toString())
    else ctx.db.replace(key, h!.toString())
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
      const value = ctx.db.lookupRead(argv[j]!)
      if (value === undefined) continue
      const hll = hllOrReply(ctx, value)
      if (hll === null) return
      if (!hllMerge(max, bytesOf(hll), hll.length)) return ctx.reply.error(Errors.HLL_CORRUPTED)
    }
    return ctx.reply.integer(hllCountRegisters(max))
  }
  const key = argv[1]!
  const value = ctx.db.lookupRead(key)
  if (value === undefined) return ctx.reply.integer(0)
  const hll = hllOrReply(ctx, value)
  if (hll === null) return
  const cached = cachedCardinality(hll)
  if (cached !== undefined) return ctx.reply.integer(cached)
  const card = hllCount(bytesOf(hll), hll.length)
  if (card === undefined) return ctx.reply.error(Errors.HLL_CORRUPTED)
  // the cache is part of the value: writing it is a change, propagated (PFCOUNT is flagged readonly)
  ctx.db.willModify(key)
  ctx.db.replace(key, hll.slice(0, 8) + cardinalityBytes(card) + hll.slice(16))
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
    const value = ctx.db.lookupRead(argv[j]!)
    if (value === undefined) continue
    const hll = hllOrReply(ctx, value)
    if (hll === null) return
    if (hll.charCodeAt(4) === HLL_DENSE) useDense = true
    if (!hllMerge(max, bytesOf(hll), hll.length)) return ctx.reply.error(Errors.HLL_CORRUPTED)
  }
  const key = argv[1]!
  const current = ctx.db.lookupWrite(key)
  // an existing target was checked as the first source
  const h = current === undefined ? HllBuffer.empty() : HllBuffer.of(current as string)
  if (useDense && !sparseToDense(h)) {
    // Redis has added a missing target by now
    if (current === undefined) ctx.db.add(key, h.toString())
    return ctx.reply.error(Errors.HLL_CORRUPTED)
  }
  const maxBytes = sparseMaxBytes(ctx)
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const register = max[j]!
    if (register === 0) continue
    if (h.encoding === HLL_DENSE) denseSet(h, j, register)
    else if (h.encoding === HLL_SPARSE) sparseSet(h, j, register, maxBytes)
  }
  h.invalidateCache()
  if (current === undefined) ctx.db.add(key, h.toString())
  else ctx.db.replace(key, h.toString())
  // a merge is notified as a mass PFADD
  ctx.signalWrite(NotifyClass.string, "pfadd", key)
  ctx.reply.ok()
}

// --- PFDEBUG / PFSELFTEST -------------------------------------------------------------------------

const pfdebug = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const key = argv[2]!
  const value = ctx.db.lookupWrite(key)
  if (value === undefined) return ctx.reply.error(Errors.HLL_DEBUG_NO_KEY)
  const hll = hllOrReply(ctx, value)
  if (hll === null) return
  const sub = optionName(argv[1]!)
  /** Converts the key to dense in place; the conversion is propagated (the command goes out as is). */
  const toDense = (): HllBuffer | undefined => {
    const h = HllBuffer.of(hll)
    if (h.encoding === HLL_DENSE) return h
    if (!sparseToDense(h)) {
      ctx.reply.error(Errors.HLL_CORRUPTED)
      return undefined
    }
    ctx.db.replace(key, h.toString())
    ctx.addDirty()
    return h
  }
  if (sub === "getreg") {
    const h = toDense()
    if (h === undefined) return
    ctx.reply.arrayHeader(HLL_REGISTERS)
    for (let j = 0; j < HLL_REGISTERS; j++) ctx.reply.integer(denseGet(h.bytes, j))
  } else if (sub === "decode") {
    if (hll.charCodeAt(4) !== HLL_SPARSE) return ctx.reply.error(Errors.HLL_NOT_SPARSE)
    ctx.reply.bulk(decodeSparse(bytesOf(hll), hll.length))
  } else if (sub === "encoding") {
    ctx.reply.simple(hll.charCodeAt(4) === HLL_DENSE ? "dense" : "sparse")
  } else if (sub === "todense") {
    const sparse = hll.charCodeAt(4) === HLL_SPARSE
    if (toDense() === undefined) return
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

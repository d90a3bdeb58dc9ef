/** Sorted set commands (t_zset.c), including the blocking ones. */
import { type ConfigStore, liveNumbers } from "../config/ServerConfig.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import { SetValue } from "../keyspace/SetValue.ts"
import {
  isListpackIntegerScore,
  LEX_MAX,
  LEX_MIN,
  lexGteMin,
  lexLteMax,
  type LexRange,
  type LexValue,
  type ListpackLimits,
  scoreGteMin,
  scoreLteMax,
  type ScoreRange,
  ZSetValue
} from "../keyspace/ZSetValue.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { formatDouble, parseDouble } from "../util/numbers.ts"
import { globMatch } from "../util/glob.ts"
import {
  floatArg,
  intArg,
  MAX_RANDOM_REPLY,
  optionName,
  randomCountArg,
  rangeIntArg,
  replyCollectionScan,
  timeoutArg
} from "./args.ts"
import { type Blocked, type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { distinctPositions } from "./hashes.ts"

const group = "sorted-set"
const LONG_MAX = 9223372036854775807
const HALF_LONG_MAX = 4611686018427387903n

// --- lookups and limits -----------------------------------------------------------------------

/** zset-max-listpack-entries / -value as they are now. */
export const zsetLimits: (config: ConfigStore) => ListpackLimits = liveNumbers({
  entries: "zset-max-listpack-entries",
  value: "zset-max-listpack-value"
})

/** The sorted set at `key` for reading: undefined when missing; replies WRONGTYPE and returns null for another type. */
export const readZSet = (ctx: CommandContext, key: string): ZSetValue | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || value instanceof ZSetValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Same for writing (lookupKeyWrite: no keyspace hit/miss counted). */
export const writeZSet = (ctx: CommandContext, key: string): ZSetValue | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || value instanceof ZSetValue) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * setKey for a computed sorted set (the *STORE commands): replaces whatever `key` held and drops its
 * TTL. Creating the key (dbAdd) emits "new" and wakes clients blocked on it.
 */
export const storeZSet = (ctx: CommandContext, key: string, zset: ZSetValue, event: string): void => {
  ctx.db.set(key, zset)
  ctx.signalWrite(NotifyClass.zset, event, key)
}

/** An empty *STORE result: deletes the destination (with a "del" event when it existed). */
export const deleteStoreTarget = (ctx: CommandContext, key: string): void => {
  if (ctx.db.delete(key)) ctx.signalWrite(NotifyClass.generic, "del", key)
}

/** After removing members: deletes the key when the set emptied, with the "del" event. */
const deleteIfEmpty = (ctx: CommandContext, key: string, zset: ZSetValue): boolean => {
  if (zset.size !== 0) return false
  ctx.db.delete(key)
  ctx.notify(NotifyClass.generic, "del", key)
  return true
}

// --- argument parsing -------------------------------------------------------------------------

/** C's isspace in the "C" locale. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
const DECIMAL_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * A score bound as zslParseRange reads it: strtod over the bytes before the first NUL, so leading
 * spaces are skipped, an empty string is 0, and overflow gives +-inf instead of an error. NaN is
 * rejected.
 */
const parseBoundValue = (s: string): number | undefined => {
  const nul = s.indexOf("\0")
  if (nul !== -1) s = s.slice(0, nul)
  if (s.length === 0) return 0
  let i = 0
  while (i < s.length && isSpace(s.charCodeAt(i))) i++
  const body = s.slice(i)
  const d = parseDouble(body) ?? (DECIMAL_SYNTAX.test(body) ? Number(body) : undefined)
  return d === undefined || Number.isNaN(d) ? undefined : d
}

/** zslParseRange: "(" makes a bound exclusive. Undefined when either bound is not a float. */
export const parseScoreRange = (min: string, max: string): ScoreRange | undefined => {
  const minex = min.charCodeAt(0) === 40 /* ( */
  const maxex = max.charCodeAt(0) === 40
  const lo = parseBoundValue(minex ? min.slice(1) : min)
  const hi = parseBoundValue(maxex ? max.slice(1) : max)
  if (lo === undefined || hi === undefined) return undefined
  return { min: lo, max: hi, minex, maxex }
}

/** zslParseLexRangeItem: "(x" / "[x", or exactly "-" / "+" (a C string: bytes after a NUL are ignored). */
const parseLexItem = (s: string): { value: LexValue; exclusive: boolean } | undefined => {
  switch (s.charCodeAt(0)) {
    case 43 /* + */:
      return s.length === 1 || s.charCodeAt(1) === 0 ? { value: LEX_MAX, exclusive: true } : undefined
    case 45 /* - */:
      return s.length === 1 || s.charCodeAt(1) === 0 ? { value: LEX_MIN, exclusive: true } : undefined
    case 40 /* ( */:
      return { value: s.slice(1), exclusive: true }
    case 91 /* [ */:
      return { value: s.slice(1), exclusive: false }
    default:
      return undefined
  }
}

/** zslParseLexRange. */
export const parseLexRange = (min: string, max: string): LexRange | undefined => {
  const lo = parseLexItem(min)
  const hi = parseLexItem(max)
  if (lo === undefined || hi === undefined) return undefined
  return { min: lo.value, max: hi.value, minex: lo.exclusive, maxex: hi.exclusive }
}

// --- replies ----------------------------------------------------------------------------------

/** An element of a range reply: the member, then its score with `withScores` (a pair array in RESP3). */
const replyElement = (reply: ReplyWriter, member: string, score: number, withScores: boolean): void => {
  if (withScores && reply.resp === 3) reply.arrayHeader(2)
  reply.bulk(member)
  if (withScores) reply.double(score)
}

/** The array header for `n` elements: RESP2 flattens member/score pairs. */
const replyElementsHeader = (ctx: CommandContext, n: number, withScores: boolean): void => {
  ctx.reply.arrayHeader(withScores && ctx.reply.resp === 2 ? n * 2 : n)
}

/** Elements collected by a range, in reply order. */
interface Elements {
  readonly members: Array<string>
  readonly scores: Array<number>
}

const replyElements = (ctx: CommandContext, elements: Elements, withScores: boolean): void => {
  const n = elements.members.length
  replyElementsHeader(ctx, n, withScores)
  replyRun(ctx.reply, elements.members, elements.scores, 0, n, false, withScores)
}

// --- ZADD / ZINCRBY ---------------------------------------------------------------------------

/** zaddGenericCommand: ZADD, ZINCRBY (ZADD with INCR), and GEOADD's ZADD. */
export const zadd = (ctx: CommandContext, argv: ReadonlyArray<string>, incrCommand: boolean): void => {
  const key = argv[1]!
  let nx = false
  let xx = false
  let gt = false
  let lt = false
  let ch = false
  let incr = incrCommand
  let scoreIndex = 2
  for (; scoreIndex < argv.length; scoreIndex++) {
    const opt = optionName(argv[scoreIndex]!)
    if (opt === "nx") nx = true
    else if (opt === "xx") xx = true
    else if (opt === "ch") ch = true
    else if (opt === "incr") incr = true
    else if (opt === "gt") gt = true
    else if (opt === "lt") lt = true
    else break
  }
  const reply = ctx.reply
  const pairs = argv.length - scoreIndex
  if (pairs % 2 !== 0 || pairs === 0) return reply.error(Errors.SYNTAX)
  const elements = pairs / 2
  if (nx && xx) return reply.error(Errors.ZADD_XX_AND_NX)
  if ((gt && nx) || (lt && nx) || (gt && lt)) return reply.error(Errors.ZADD_GT_LT_NX)
  if (incr && elements > 1) return reply.error(Errors.ZADD_INCR_SINGLE_PAIR)
  // Every score is parsed before anything changes: the command applies fully or not at all.
  const scores: Array<number> = []
  for (let j = 0; j < elements; j++) {
    const score = floatArg(reply, argv[scoreIndex + j * 2]!)
    if (score === undefined) return
    scores.push(score)
  }
  let zset = writeZSet(ctx, key)
  if (zset === null) return
  let added = 0
  let updated = 0
  let processed = 0
  let lastScore = 0
  const limits = zsetLimits(ctx.config)
  if (zset === undefined) {
    if (xx) return incr ? reply.nullBulk() : reply.integer(0)
    zset = ZSetValue.forFirstMember(argv[scoreIndex + 1]!, limits)
    ctx.db.add(key, zset) // dbAdd: the "new" event, waking clients blocked on the key
  }
  let resultIsNaN = false
  for (let j = 0; j < elements; j++) {
    const member = argv[scoreIndex + 1 + j * 2]!
    let score = scores[j]!
    const current = zset.score(member)
    if (current !== undefined) {
      if (nx) continue
      if (incr) {
        score += current
        if (Number.isNaN(score)) {
          resultIsNaN = true
          break
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue
      if (score !== current) {
        zset.setScore(member, score)
        updated++
      }
      processed++
      lastScore = score
    } else if (!xx) {
      zset.insert(member, score, limits)
      added++
      processed++
      lastScore = score
    }
  }
  if (added + updated > 0) {
    ctx.signalWrite(NotifyClass.zset, incr ? "zincr" : "zadd", key)
    ctx.addDirty(added + updated - 1)
  }
  if (resultIsNaN) return reply.error(Errors.ZADD_SCORE_NAN)
  if (!incr) return reply.integer(ch ? added + updated : added)
  if (processed > 0) reply.double(lastScore)
  else reply.nullBulk()
}

// --- ranges -----------------------------------------------------------------------------------

type RangeType = "auto" | "rank" | "score" | "lex"
type Direction = "auto" | "forward" | "reverse"

/** A parsed ZRANGE-family request (zrangeGenericCommand's steps 1 and 2). */
interface RangeRequest {
  readonly key: string
  readonly type: "rank" | "score" | "lex"
  readonly reverse: boolean
  readonly withScores: boolean
  readonly offset: number
  readonly limit: number
  readonly start: number
  readonly end: number
  readonly scores: ScoreRange | undefined
  readonly lex: LexRange | undefined
}

/**
 * Parses `<src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]` from
 * argv[keyIndex], in Redis's order: options, their conflicts, then the range. The fixed forms
 * (ZRANGEBYSCORE, ZREVRANGE, ...) pass their range type and direction, which then cannot be given
 * as options. Undefined after an error reply.
 */
const parseRangeRequest = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  keyIndex: number,
  store: boolean,
  fixedType: RangeType,
  fixedDirection: Direction
): RangeRequest | undefined => {
  const reply = ctx.reply
  let type = fixedType
  let direction = fixedDirection
  let withScores = false
  let offset = 0
  let limit = -1
  for (let j = keyIndex + 3; j < argv.length; j++) {
    const leftArgs = argv.length - j - 1
    const opt = optionName(argv[j]!)
    if (!store && opt === "withscores") {
      withScores = true
    } else if (opt === "limit" && leftArgs >= 2) {
      const o = intArg(reply, argv[j + 1]!)
      if (o === undefined) return undefined
      const l = intArg(reply, argv[j + 2]!)
      if (l === undefined) return undefined
      offset = o
      limit = l
      j += 2
    } else if (direction === "auto" && opt === "rev") {
      direction = "reverse"
    } else if (type === "auto" && opt === "bylex") {
      type = "lex"
    } else if (type === "auto" && opt === "byscore") {
      type = "score"
    } else {
      reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  const rangeType = type === "auto" ? "rank" : type
  const reverse = direction === "reverse"
  if (limit !== -1 && rangeType === "rank") {
    reply.error(Errors.ZRANGE_LIMIT_NEEDS_BY)
    return undefined
  }
  if (withScores && rangeType === "lex") {
    reply.error(Errors.ZRANGE_WITHSCORES_BYLEX)
    return undefined
  }
  // score and lex ranges are given as max, min when reversed
  const swap = reverse && rangeType !== "rank"
  const minArg = argv[keyIndex + (swap ? 2 : 1)]!
  const maxArg = argv[keyIndex + (swap ? 1 : 2)]!
  let start = 0
  let end = 0
  let scores: ScoreRange | undefined
  let lex: LexRange | undefined
  if (rangeType === "rank") {
    const s = intArg(reply, minArg)
    if (s === undefined) return undefined
    const e = intArg(reply, maxArg)
    if (e === undefined) return undefined
    start = s
    end = e
  } else if (rangeType === "score") {
    scores = parseScoreRange(minArg, maxArg)
    if (scores === undefined) {
      reply.error(Errors.MIN_MAX_NOT_FLOAT)
      return undefined
    }
  } else {
    lex = parseLexRange(minArg, maxArg)
    if (lex === undefined) {
      reply.error(Errors.MIN_MAX_NOT_STRING_RANGE)
      return undefined
    }
  }
  return { key: argv[keyIndex]!, type: rangeType, reverse, withScores, offset, limit, start, end, scores, lex }
}

/** A range by rank clamped to a set of `size` entries, as genericZrangebyrankCommand does; undefined when empty. */
const rankRange = (req: RangeRequest, size: number): readonly [number, number] | undefined => {
  let start = req.start
  let end = req.end
  if (start < 0) start = size + start
  if (end < 0) end = size + end
  if (start < 0) start = 0
  if (start > end || start >= size) return undefined
  if (end >= size) end = size - 1
  return [start, end]
}

/**
 * ZRANGE by rank, written as the entries are walked: the count is known up front, so nothing is
 * collected first (collecting 100 entries into growing arrays took half of ZRANGE 0 99's time).
 */
const replyRankRange = (ctx: CommandContext, zset: ZSetValue, req: RangeRequest): void => {
  const size = zset.size
  const ranks = rankRange(req, size)
  if (ranks === undefined) return replyElementsHeader(ctx, 0, req.withScores)
  const [start, end] = ranks
  const reply = ctx.reply
  const reverse = req.reverse
  const withScores = req.withScores
  let left = end - start + 1
  replyElementsHeader(ctx, left, withScores)
  zset.walkRuns(reverse ? size - 1 - start : start, reverse, (members, scores, from) => {
    left = replyRun(reply, members, scores, from, left, reverse, withScores)
    return left > 0
  })
}

/** Up to `left` entries of a run (see ZSetValue.walkRuns) as range reply elements; returns how many are left. */
const replyRun = (
  reply: ReplyWriter,
  members: ReadonlyArray<string>,
  scores: ReadonlyArray<number>,
  from: number,
  left: number,
  reverse: boolean,
  withScores: boolean
): number => {
  const step = reverse ? -1 : 1
  // replyElement's body, written out: as a call it did not fit the inlining budget of this loop (ZRANGE
  // 0 99 took 3.1 instead of 2.8 us)
  for (let i = from; left > 0 && i >= 0 && i < members.length; i += step, left--) {
    if (withScores && reply.resp === 3) reply.arrayHeader(2)
    reply.bulk(members[i]!)
    if (withScores) reply.double(scores[i]!)
  }
  return left
}

/** genericZrangebyrankCommand / genericZrangebyscoreCommand / genericZrangebylexCommand. */
const collectRange = (zset: ZSetValue, req: RangeRequest): Elements => {
  const members: Array<string> = []
  const scores: Array<number> = []
  const collect = (member: string, score: number) => {
    members.push(member)
    scores.push(score)
  }
  const size = zset.size
  if (req.type === "rank") {
    const ranks = rankRange(req, size)
    if (ranks === undefined) return { members, scores }
    const [start, end] = ranks
    const step = req.reverse ? -1 : 1
    let left = end - start + 1
    zset.walkRuns(req.reverse ? size - 1 - start : start, req.reverse, (run, runScores, from) => {
      for (let i = from; left > 0 && i >= 0 && i < run.length; i += step, left--) collect(run[i]!, runScores[i]!)
      return left > 0
    })
    return { members, scores }
  }
  if (req.type === "score" && req.offset > 0 && req.offset >= size) return { members, scores }
  const first = req.type === "score"
    ? (req.reverse ? zset.lastInScoreRange(req.scores!) : zset.firstInScoreRange(req.scores!))
    : (req.reverse ? zset.lastInLexRange(req.lex!) : zset.firstInLexRange(req.lex!))
  // A negative offset walks off the end of the set in Redis: nothing is returned.
  if (first === -1 || req.offset < 0) return { members, scores }
  const inRange = req.type === "score"
    ? (req.reverse
      ? (_m: string, s: number) => scoreGteMin(s, req.scores!)
      : (_m: string, s: number) => scoreLteMax(s, req.scores!))
    : (req.reverse
      ? (m: string) => lexGteMin(m, req.lex!)
      : (m: string) => lexLteMax(m, req.lex!))
  // a negative count means no limit
  let left = req.limit
  zset.walk(req.reverse ? first - req.offset : first + req.offset, req.reverse, (member, score) => {
    if (left === 0 || !inRange(member, score)) return false
    left--
    collect(member, score)
    return true
  })
  return { members, scores }
}

/** ZRANGE and its fixed forms. */
const zrange = (ctx: CommandContext, argv: ReadonlyArray<string>, type: RangeType, direction: Direction): void => {
  const req = parseRangeRequest(ctx, argv, 1, false, type, direction)
  if (req === undefined) return
  const zset = readZSet(ctx, req.key)
  if (zset === null) return
  if (zset === undefined) return ctx.reply.emptyArray()
  if (req.type === "rank") return replyRankRange(ctx, zset, req)
  replyElements(ctx, collectRange(zset, req), req.withScores)
}

/** ZRANGESTORE: the range becomes the destination, built like a new ZADD would build it. */
const zrangestore = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const dst = argv[1]!
  const req = parseRangeRequest(ctx, argv, 2, true, "auto", "auto")
  if (req === undefined) return
  const zset = readZSet(ctx, req.key)
  if (zset === null) return
  const elements = zset === undefined ? { members: [], scores: [] } : collectRange(zset, req)
  const n = elements.members.length
  if (n === 0) {
    ctx.reply.integer(0)
    return deleteStoreTarget(ctx, dst)
  }
  const limits = zsetLimits(ctx.config)
  const result = ZSetValue.listpack()
  for (let i = 0; i < n; i++) result.insert(elements.members[i]!, elements.scores[i]!, limits)
  storeZSet(ctx, dst, result, "zrangestore")
  ctx.reply.integer(n)
}

// --- removal ----------------------------------------------------------------------------------

/** zremrangeGenericCommand: ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX. */
const zremrange = (ctx: CommandContext, argv: ReadonlyArray<string>, type: "rank" | "score" | "lex"): void => {
  const reply = ctx.reply
  const key = argv[1]!
  let start = 0
  let end = 0
  let scores: ScoreRange | undefined
  let lex: LexRange | undefined
  if (type === "rank") {
    const s = intArg(reply, argv[2]!)
    if (s === undefined) return
    const e = intArg(reply, argv[3]!)
    if (e === undefined) return
    start = s
    end = e
  } else if (type === "score") {
    scores = parseScoreRange(argv[2]!, argv[3]!)
    if (scores === undefined) return reply.error(Errors.MIN_MAX_NOT_FLOAT)
  } else {
    lex = parseLexRange(argv[2]!, argv[3]!)
    if (lex === undefined) return reply.error(Errors.MIN_MAX_NOT_STRING_RANGE)
  }
  const zset = writeZSet(ctx, key)
  if (zset === null) return
  if (zset === undefined) return reply.integer(0)
  let deleted: number
  if (type === "rank") {
    const size = zset.size
    if (start < 0) start = size + start
    if (end < 0) end = size + end
    if (start < 0) start = 0
    if (start > end || start >= size) return reply.integer(0)
    if (end >= size) end = size - 1
    deleted = zset.deleteRankRange(start, end)
  } else if (type === "score") {
    deleted = zset.deleteScoreRange(scores!)
  } else {
    deleted = zset.deleteLexRange(lex!)
  }
  if (deleted > 0) {
    ctx.signalWrite(NotifyClass.zset, `zremrangeby${type}`, key)
    ctx.addDirty(deleted - 1)
    deleteIfEmpty(ctx, key, zset)
  }
  reply.integer(deleted)
}

// --- pops -------------------------------------------------------------------------------------

type Where = "min" | "max"

/** How genericZpopCommand shapes its reply. */
interface PopReply {
  /** Start with the key name (BZPOPMIN/BZPOPMAX, ZMPOP/BZMPOP). */
  readonly emitKey: boolean
  /** member/score pairs as arrays (RESP3 ZPOPMIN with COUNT, ZMPOP/BZMPOP). */
  readonly nested: boolean
  /** Reply a null array (not an empty one) when no key has elements (ZMPOP/BZMPOP). */
  readonly nilWhenEmpty: boolean
}

/**
 * genericZpopCommand: pops up to `count` elements (-1: one, plain) from the first existing key.
 * Returns the key and the number popped, or undefined when nothing was popped (or after an error).
 */
const zpopGeneric = (
  ctx: CommandContext,
  keys: ReadonlyArray<string>,
  where: Where,
  count: number,
  shape: PopReply
): { key: string; popped: number } | undefined => {
  const reply = ctx.reply
  let key: string | undefined
  let zset: ZSetValue | undefined
  for (const k of keys) {
    const found = writeZSet(ctx, k)
    if (found === null) return undefined
    if (found !== undefined) {
      key = k
      zset = found
      break
    }
  }
  if (key === undefined || zset === undefined) {
    if (shape.nilWhenEmpty) reply.nullArray()
    else reply.emptyArray()
    return undefined
  }
  if (count === 0) {
    reply.emptyArray()
    return undefined
  }
  const n = Math.min(count === -1 ? 1 : count, zset.size)
  if (!shape.nested && !shape.emitKey) {
    reply.arrayHeader(n * 2)
  } else if (shape.nested && !shape.emitKey) {
    reply.arrayHeader(n)
  } else if (!shape.nested) {
    reply.arrayHeader(n * 2 + 1)
    reply.bulk(key)
  } else {
    reply.arrayHeader(2)
    reply.bulk(key)
    reply.arrayHeader(n)
  }
  for (let i = 0; i < n; i++) {
    const [member, score] = zset.at(where === "max" ? zset.size - 1 : 0)
    zset.remove(member)
    if (shape.nested) reply.arrayHeader(2)
    reply.bulk(member)
    reply.double(score)
  }
  ctx.signalWrite(NotifyClass.zset, where === "max" ? "zpopmax" : "zpopmin", key)
  ctx.addDirty(n - 1)
  deleteIfEmpty(ctx, key, zset)
  return { key, popped: n }
}

const popCommandName = (where: Where): string => (where === "max" ? "ZPOPMAX" : "ZPOPMIN")

/** ZPOPMIN/ZPOPMAX key [count]. */
const zpopMinMax = (ctx: CommandContext, argv: ReadonlyArray<string>, where: Where): void => {
  if (argv.length > 3) return ctx.reply.error(Errors.SYNTAX)
  let count = -1
  if (argv.length === 3) {
    const n = rangeIntArg(ctx.reply, argv[2]!, 0, LONG_MAX, Errors.MUST_BE_POSITIVE)
    if (n === undefined) return
    count = n
  }
  zpopGeneric(ctx, [argv[1]!], where, count, {
    emitKey: false,
    nested: ctx.reply.resp === 3 && count !== -1,
    nilWhenEmpty: false
  })
}

/**
 * blockingGenericZpopCommand: pops from the first non-empty key, else blocks on all of them. `count`
 * is -1 for BZPOPMIN/BZPOPMAX (flat reply), a count for BZMPOP (nested reply, nil on timeout).
 * The pop propagates as ZPOPMIN/ZPOPMAX, with the count actually popped for BZMPOP.
 */
const blockingZpop = (
  ctx: CommandContext,
  keys: ReadonlyArray<string>,
  where: Where,
  count: number,
  timeoutAt: number
): void | Blocked => {
  const shape: PopReply = { emitKey: true, nested: count !== -1, nilWhenEmpty: count !== -1 }
  const pop = (key: string) => {
    const result = zpopGeneric(ctx, [key], where, count, shape)
    if (result === undefined) return
    ctx.rewriteArgv(
      count === -1 ? [popCommandName(where), key] : [popCommandName(where), key, String(result.popped)]
    )
  }
  for (const key of keys) {
    const zset = writeZSet(ctx, key)
    if (zset === null) return
    if (zset === undefined || zset.size === 0) continue
    return pop(key)
  }
  return ctx.block({
    keys: [...new Set(keys)],
    timeoutAt,
    serve: (key) => {
      if (!(ctx.db.lookupWrite(key) instanceof ZSetValue)) return false
      pop(key)
      return true
    },
    onTimeout: () => ctx.reply.nullArray()
  })
}

/** BZPOPMIN/BZPOPMAX key [key ...] timeout. */
const bzpopMinMax = (ctx: CommandContext, argv: ReadonlyArray<string>, where: Where): void | Blocked => {
  const timeoutAt = timeoutArg(ctx.reply, argv[argv.length - 1]!, ctx.now)
  if (timeoutAt === undefined) return
  return blockingZpop(ctx, argv.slice(1, -1), where, -1, timeoutAt)
}

/** zmpopGenericCommand's parsing: `numkeys key... MIN|MAX [COUNT count]` from argv[numkeysIndex]. */
const mpopArgs = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  numkeysIndex: number
): { keys: ReadonlyArray<string>; where: Where; count: number } | undefined => {
  const reply = ctx.reply
  const numkeys = rangeIntArg(reply, argv[numkeysIndex]!, 1, LONG_MAX, Errors.NUMKEYS_POSITIVE)
  if (numkeys === undefined) return undefined
  const whereIndex = numkeysIndex + numkeys + 1
  if (whereIndex >= argv.length) {
    reply.error(Errors.SYNTAX)
    return undefined
  }
  const whereArg = optionName(argv[whereIndex]!)
  if (whereArg !== "min" && whereArg !== "max") {
    reply.error(Errors.SYNTAX)
    return undefined
  }
  let count = -1
  for (let j = whereIndex + 1; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j
    if (count === -1 && optionName(argv[j]!) === "count" && moreArgs > 0) {
      j++
      const n = rangeIntArg(reply, argv[j]!, 1, LONG_MAX, Errors.COUNT_POSITIVE)
      if (n === undefined) return undefined
      count = n
    } else {
      reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), where: whereArg, count: count === -1 ? 1 : count }
}

/** Key positions of `numkeys key...` at numkeysIndex (ZMPOP, BZMPOP, ZUNION, ...), with an optional destination. */
const numkeysKeys = (numkeysIndex: number, destination: boolean) => (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  const numkeys = Number(argv[numkeysIndex])
  if (!Number.isSafeInteger(numkeys) || numkeys < 1 || numkeysIndex + numkeys >= argv.length) return []
  const out: Array<number> = destination ? [1] : []
  for (let i = 1; i <= numkeys; i++) out.push(numkeysIndex + i)
  return out
}

// --- ZUNION / ZINTER / ZDIFF ------------------------------------------------------------------

type SetOp = "union" | "inter" | "diff"
type Aggregate = "sum" | "min" | "max"

/** A source of a set operation: a sorted set, or a plain set whose members all score 1 (zsetopsrc). */
interface OpSource {
  readonly value: ZSetValue | SetValue | undefined
  weight: number
}

const sourceSize = (src: OpSource): number => src.value?.size ?? 0

/** zuiFind: the member's score in the source, or undefined. */
const sourceScore = (src: OpSource, member: string): number | undefined => {
  const value = src.value
  if (value === undefined) return undefined
  if (value instanceof ZSetValue) return value.score(member)
  return value.has(member) ? 1 : undefined
}

/** zuiNext over a source, while `visit` returns true. */
const forEachInSource = (src: OpSource, visit: (member: string, score: number) => boolean): void => {
  const value = src.value
  if (value === undefined) return
  if (value instanceof SetValue) {
    const members: Array<string> = []
    value.forEach((member) => members.push(member))
    for (const member of members) if (!visit(member, 1)) return
    return
  }
  value.walk(0, false, visit)
}

/** zunionInterAggregate: SUM turns inf + -inf into 0 rather than NaN. */
const aggregate = (target: number, value: number, how: Aggregate): number => {
  if (how === "sum") {
    const sum = target + value
    return Number.isNaN(sum) ? 0 : sum
  }
  if (how === "min") return value < target ? value : target
  return value > target ? value : target
}

/** zunionInterDiffGenericCommand: ZUNION/ZINTER/ZDIFF, their STORE forms, and ZINTERCARD. */
const zsetOp = (
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  destination: string | undefined,
  numkeysIndex: number,
  op: SetOp,
  cardinalityOnly: boolean
): void => {
  const reply = ctx.reply
  const setnum = intArg(reply, argv[numkeysIndex]!)
  if (setnum === undefined) return
  if (setnum < 1) return reply.error(Errors.atLeastOneInputKey(ctx.command.fullName))
  if (setnum > argv.length - (numkeysIndex + 1)) return reply.error(Errors.SYNTAX)
  const sources: Array<OpSource> = []
  let j = numkeysIndex + 1
  for (let i = 0; i < setnum; i++, j++) {
    const value = ctx.db.lookupRead(argv[j]!)
    if (value !== undefined && !(value instanceof ZSetValue) && !(value instanceof SetValue)) {
      return reply.error(Errors.WRONGTYPE)
    }
    sources.push({ value, weight: 1 })
  }
  let how: Aggregate = "sum"
  let withScores = false
  let limit = 0
  let remaining = argv.length - j
  while (remaining > 0) {
    const opt = optionName(argv[j]!)
    if (op !== "diff" && !cardinalityOnly && remaining >= setnum + 1 && opt === "weights") {
      j++
      remaining--
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const weight = floatArg(reply, argv[j]!, Errors.WEIGHT_NOT_FLOAT)
        if (weight === undefined) return
        sources[i]!.weight = weight
      }
    } else if (op !== "diff" && !cardinalityOnly && remaining >= 2 && opt === "aggregate") {
      const value = optionName(argv[j + 1]!)
      if (value !== "sum" && value !== "min" && value !== "max") return reply.error(Errors.SYNTAX)
      how = value
      j += 2
      remaining -= 2
    } else if (remaining >= 1 && destination === undefined && !cardinalityOnly && opt === "withscores") {
      withScores = true
      j++
      remaining--
    } else if (cardinalityOnly && remaining >= 2 && opt === "limit") {
      const n = rangeIntArg(reply, argv[j + 1]!, 0, LONG_MAX, Errors.LIMIT_NEGATIVE)
      if (n === undefined) return
      limit = n
      j += 2
      remaining -= 2
    } else {
      return reply.error(Errors.SYNTAX)
    }
  }
  // Smallest first (a stable sort, like glibc's qsort): it fixes the order SUM adds weighted scores in.
  if (op !== "diff") sources.sort((a, b) => sourceSize(a) - sourceSize(b))

  const result = new Map<string, number>()
  let cardinality = 0
  if (op === "inter") {
    const first = sources[0]!
    if (sourceSize(first) > 0) {
      forEachInSource(first, (member, score) => {
        let total = first.weight * score
        if (Number.isNaN(total)) total = 0
        for (let i = 1; i < sources.length; i++) {
          const src = sources[i]!
          // the same key given twice is read through the element already in hand
          const found = src.value === first.value ? score : sourceScore(src, member)
          if (found === undefined) return true
          total = aggregate(total, found * src.weight, how)
        }
        if (!cardinalityOnly) {
          result.set(member, total)
          return true
        }
        cardinality++
        return limit === 0 || cardinality < limit
      })
    }
  } else if (op === "union") {
    for (const src of sources) {
      forEachInSource(src, (member, score) => {
        let value = src.weight * score
        if (Number.isNaN(value)) value = 0
        const existing = result.get(member)
        result.set(member, existing === undefined ? value : aggregate(existing, value, how))
        return true
      })
    }
  } else {
    const first = sources[0]!
    // A set subtracted from itself leaves nothing (zsetChooseDiffAlgorithm's shortcut).
    if (sourceSize(first) > 0 && !sources.some((src, i) => i > 0 && src.value === first.value)) {
      forEachInSource(first, (member, score) => {
        for (let i = 1; i < sources.length; i++) if (sourceScore(sources[i]!, member) !== undefined) return true
        result.set(member, score)
        return true
      })
    }
  }

  if (cardinalityOnly) return reply.integer(cardinality)
  if (destination !== undefined) {
    if (result.size === 0) {
      reply.integer(0)
      return deleteStoreTarget(ctx, destination)
    }
    const zset = ZSetValue.skiplist()
    const limits = zsetLimits(ctx.config)
    let maxLength = 0
    for (const [member, score] of result) {
      zset.insert(member, score, limits)
      if (member.length > maxLength) maxLength = member.length
    }
    zset.convertToListpackIfFits(limits, maxLength)
    storeZSet(ctx, destination, zset, op === "union" ? "zunionstore" : op === "inter" ? "zinterstore" : "zdiffstore")
    return reply.integer(zset.size)
  }
  const entries = [...result]
  entries.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  replyElementsHeader(ctx, entries.length, withScores)
  for (const [member, score] of entries) replyElement(ctx.reply, member, score, withScores)
}

// --- ZRANDMEMBER / ZSCAN ----------------------------------------------------------------------

/** zrandmemberWithCountCommand. */
const zrandmemberWithCount = (ctx: CommandContext, key: string, count: number, withScores: boolean): void => {
  const reply = ctx.reply
  const zset = readZSet(ctx, key)
  if (zset === null) return
  if (zset === undefined || count === 0) return reply.emptyArray()
  const size = zset.size
  if (count < 0 || count === 1) {
    // Repeats allowed: independent picks.
    const n = Math.abs(count)
    if (n > MAX_RANDOM_REPLY) return reply.error(Errors.VALUE_OUT_OF_RANGE)
    replyElementsHeader(ctx, n, withScores)
    for (let k = 0; k < n; k++) {
      const [member, score] = zset.randomEntry()
      replyElement(ctx.reply, member, score, withScores)
    }
    return
  }
  if (count >= size) {
    // The whole set, read from the highest score down as Redis's zuiNext does.
    replyElementsHeader(ctx, size, withScores)
    zset.walk(size - 1, true, (member, score) => {
      replyElement(ctx.reply, member, score, withScores)
      return true
    })
    return
  }
  replyElementsHeader(ctx, count, withScores)
  for (const i of distinctPositions(size, count)) {
    const [member, score] = zset.atPosition(i)
    replyElement(ctx.reply, member, score, withScores)
  }
}

/** A score as ZSCAN shows it: a listpack keeps integral scores as integers, the rest as %.17g. */
const scanScoreText = (zset: ZSetValue, score: number): string =>
  zset.isListpack && isListpackIntegerScore(score) ? BigInt(score).toString() : formatDouble(score)

/** ZSCAN key cursor [MATCH pattern] [COUNT count]. */
const zscan = (ctx: CommandContext, argv: ReadonlyArray<string>): void =>
  replyCollectionScan(ctx, argv, readZSet, (zset, { count, cursor, pattern }, found) => {
    const visit = (member: string, score: number) => {
      if (pattern !== undefined && !globMatch(pattern, member)) return
      found.push(member, scanScoreText(zset, score))
    }
    if (zset.isListpack) {
      // A listpack is returned whole in one call, as Redis does for small encodings.
      zset.walk(0, false, (member, score) => {
        visit(member, score)
        return true
      })
      return 0
    }
    const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor)
    return zset.scan(start, count, visit)
  })

// --- the command table ------------------------------------------------------------------------

const rangeComplexity =
  "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
const removeComplexity =
  "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
const popComplexity =
  "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
const mpopComplexity =
  "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."
const unionComplexity =
  "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
const interComplexity =
  "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
const diffComplexity =
  "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."

export const zsetCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "zadd",
    arity: -4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @sortedset @fast",
    docs: {
      summary: "Add one or more members to a sorted set, or update its score if it already exists",
      since: "1.2.0",
      group,
      complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set."
    },
    handler: (ctx, argv) => zadd(ctx, argv, false)
  }),
  defineCommand({
    name: "zincrby",
    arity: 4,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @sortedset @fast",
    docs: {
      summary: "Increment the score of a member in a sorted set",
      since: "1.2.0",
      group,
      complexity: "O(log(N)) where N is the number of elements in the sorted set."
    },
    handler: (ctx, argv) => zadd(ctx, argv, true)
  }),
  defineCommand({
    name: "zscore",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: { summary: "Get the score associated with the given member in a sorted set", since: "1.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      const score = zset?.score(argv[2]!)
      if (score === undefined) ctx.reply.nullBulk()
      else ctx.reply.double(score)
    }
  }),
  defineCommand({
    name: "zmscore",
    arity: -3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: {
      summary: "Get the score associated with the given members in a sorted set",
      since: "6.2.0",
      group,
      complexity: "O(N) where N is the number of members being requested."
    },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      ctx.reply.arrayHeader(argv.length - 2)
      for (let j = 2; j < argv.length; j++) {
        const score = zset?.score(argv[j]!)
        if (score === undefined) ctx.reply.nullBulk()
        else ctx.reply.double(score)
      }
    }
  }),
  defineCommand({
    name: "zcard",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: { summary: "Get the number of members in a sorted set", since: "1.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset !== null) ctx.reply.integer(zset?.size ?? 0)
    }
  }),
  defineCommand({
    name: "zcount",
    arity: 4,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: {
      summary: "Count the members in a sorted set with scores within the given values",
      since: "2.0.0",
      group,
      complexity: "O(log(N)) with N being the number of elements in the sorted set."
    },
    handler: (ctx, argv) => {
      const range = parseScoreRange(argv[2]!, argv[3]!)
      if (range === undefined) return ctx.reply.error(Errors.MIN_MAX_NOT_FLOAT)
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      if (zset === undefined) return ctx.reply.integer(0)
      const first = zset.firstInScoreRange(range)
      if (first === -1) return ctx.reply.integer(0)
      const last = zset.lastInScoreRange(range)
      ctx.reply.integer(last === -1 ? zset.size - first : last - first + 1)
    }
  }),
  defineCommand({
    name: "zlexcount",
    arity: 4,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: {
      summary: "Count the number of members in a sorted set between a given lexicographical range",
      since: "2.8.9",
      group,
      complexity: "O(log(N)) with N being the number of elements in the sorted set."
    },
    handler: (ctx, argv) => {
      const range = parseLexRange(argv[2]!, argv[3]!)
      if (range === undefined) return ctx.reply.error(Errors.MIN_MAX_NOT_STRING_RANGE)
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      if (zset === undefined) return ctx.reply.integer(0)
      const first = zset.firstInLexRange(range)
      if (first === -1) return ctx.reply.integer(0)
      if (zset.isListpack) {
        // the listpack walk counts while members stay below max
        let count = 0
        zset.walk(first, false, (member) => {
          if (!lexLteMax(member, range)) return false
          count++
          return true
        })
        return ctx.reply.integer(count)
      }
      // the skiplist subtracts the ranks of the first and last members in range
      const last = zset.lastInLexRange(range)
      ctx.reply.integer(last === -1 ? zset.size - first : last - first + 1)
    }
  }),
  defineCommand({
    name: "zrank",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: { summary: "Determine the index of a member in a sorted set", since: "2.0.0", group, complexity: "O(log(N))" },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      const rank = zset === undefined ? -1 : zset.rank(argv[2]!)
      if (rank === -1) ctx.reply.nullBulk()
      else ctx.reply.integer(rank)
    }
  }),
  defineCommand({
    name: "zrevrank",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @sortedset @fast",
    docs: {
      summary: "Determine the index of a member in a sorted set, with scores ordered from high to low",
      since: "2.0.0",
      group,
      complexity: "O(log(N))"
    },
    handler: (ctx, argv) => {
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      const rank = zset === undefined ? -1 : zset.rank(argv[2]!, true)
      if (rank === -1) ctx.reply.nullBulk()
      else ctx.reply.integer(rank)
    }
  }),
  defineCommand({
    name: "zrange",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: {
      summary: "Return a range of members in a sorted set",
      since: "1.2.0",
      group,
      complexity:
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
    },
    handler: (ctx, argv) => zrange(ctx, argv, "auto", "auto")
  }),
  defineCommand({
    name: "zrangestore",
    arity: -5,
    flags: "write denyoom",
    keys: [1, 2, 1],
    acl: "@write @sortedset @slow",
    docs: {
      summary: "Store a range of members from sorted set into another key",
      since: "6.2.0",
      group,
      complexity:
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."
    },
    handler: zrangestore
  }),
  defineCommand({
    name: "zrangebyscore",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: { summary: "Return a range of members in a sorted set, by score", since: "1.0.5", group, complexity: rangeComplexity },
    handler: (ctx, argv) => zrange(ctx, argv, "score", "forward")
  }),
  defineCommand({
    name: "zrevrangebyscore",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: {
      summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low",
      since: "2.2.0",
      group,
      complexity: rangeComplexity
    },
    handler: (ctx, argv) => zrange(ctx, argv, "score", "reverse")
  }),
  defineCommand({
    name: "zrangebylex",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: {
      summary: "Return a range of members in a sorted set, by lexicographical range",
      since: "2.8.9",
      group,
      complexity: rangeComplexity
    },
    handler: (ctx, argv) => zrange(ctx, argv, "lex", "forward")
  }),
  defineCommand({
    name: "zrevrangebylex",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: {
      summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
      since: "2.8.9",
      group,
      complexity: rangeComplexity
    },
    handler: (ctx, argv) => zrange(ctx, argv, "lex", "reverse")
  }),
  defineCommand({
    name: "zrevrange",
    arity: -4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    docs: {
      summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low",
      since: "1.2.0",
      group,
      complexity:
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
    },
    handler: (ctx, argv) => zrange(ctx, argv, "rank", "reverse")
  }),
  defineCommand({
    name: "zrem",
    arity: -3,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @sortedset @fast",
    docs: {
      summary: "Remove one or more members from a sorted set",
      since: "1.2.0",
      group,
      complexity:
        "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const zset = writeZSet(ctx, key)
      if (zset === null) return
      if (zset === undefined) return ctx.reply.integer(0)
      let deleted = 0
      for (let j = 2; j < argv.length && zset.size > 0; j++) if (zset.remove(argv[j]!)) deleted++
      if (deleted > 0) {
        ctx.signalWrite(NotifyClass.zset, "zrem", key)
        ctx.addDirty(deleted - 1)
        deleteIfEmpty(ctx, key, zset)
      }
      ctx.reply.integer(deleted)
    }
  }),
  defineCommand({
    name: "zremrangebyrank",
    arity: 4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    docs: { summary: "Remove all members in a sorted set within the given indexes", since: "2.0.0", group, complexity: removeComplexity },
    handler: (ctx, argv) => zremrange(ctx, argv, "rank")
  }),
  defineCommand({
    name: "zremrangebyscore",
    arity: 4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    docs: { summary: "Remove all members in a sorted set within the given scores", since: "1.2.0", group, complexity: removeComplexity },
    handler: (ctx, argv) => zremrange(ctx, argv, "score")
  }),
  defineCommand({
    name: "zremrangebylex",
    arity: 4,
    flags: "write",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    docs: {
      summary: "Remove all members in a sorted set between the given lexicographical range",
      since: "2.8.9",
      group,
      complexity: removeComplexity
    },
    handler: (ctx, argv) => zremrange(ctx, argv, "lex")
  }),
  defineCommand({
    name: "zpopmin",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @sortedset @fast",
    docs: { summary: "Remove and return members with the lowest scores in a sorted set", since: "5.0.0", group, complexity: popComplexity },
    handler: (ctx, argv) => zpopMinMax(ctx, argv, "min")
  }),
  defineCommand({
    name: "zpopmax",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @sortedset @fast",
    docs: { summary: "Remove and return members with the highest scores in a sorted set", since: "5.0.0", group, complexity: popComplexity },
    handler: (ctx, argv) => zpopMinMax(ctx, argv, "max")
  }),
  defineCommand({
    name: "bzpopmin",
    arity: -3,
    flags: "write noscript blocking fast",
    keys: [1, -2, 1],
    acl: "@write @sortedset @fast @blocking",
    docs: {
      summary:
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
      since: "5.0.0",
      group,
      complexity: "O(log(N)) with N being the number of elements in the sorted set."
    },
    handler: (ctx, argv) => bzpopMinMax(ctx, argv, "min")
  }),
  defineCommand({
    name: "bzpopmax",
    arity: -3,
    flags: "write noscript blocking fast",
    keys: [1, -2, 1],
    acl: "@write @sortedset @fast @blocking",
    docs: {
      summary:
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
      since: "5.0.0",
      group,
      complexity: "O(log(N)) with N being the number of elements in the sorted set."
    },
    handler: (ctx, argv) => bzpopMinMax(ctx, argv, "max")
  }),
  defineCommand({
    name: "zmpop",
    arity: -4,
    flags: "write movablekeys",
    keys: [0, 0, 0],
    acl: "@write @sortedset @slow",
    getKeys: numkeysKeys(1, false),
    docs: { summary: "Remove and return members with scores in a sorted set", since: "7.0.0", group, complexity: mpopComplexity },
    handler: (ctx, argv) => {
      const args = mpopArgs(ctx, argv, 1)
      if (args === undefined) return
      const result = zpopGeneric(ctx, args.keys, args.where, args.count, { emitKey: true, nested: true, nilWhenEmpty: true })
      if (result !== undefined) ctx.rewriteArgv([popCommandName(args.where), result.key, String(result.popped)])
    }
  }),
  defineCommand({
    name: "bzmpop",
    arity: -5,
    flags: "write blocking movablekeys",
    keys: [0, 0, 0],
    acl: "@write @sortedset @slow @blocking",
    getKeys: numkeysKeys(2, false),
    docs: {
      summary: "Remove and return members with scores in a sorted set or block until one is available",
      since: "7.0.0",
      group,
      complexity: mpopComplexity
    },
    handler: (ctx, argv) => {
      const args = mpopArgs(ctx, argv, 2)
      if (args === undefined) return
      const timeoutAt = timeoutArg(ctx.reply, argv[1]!, ctx.now)
      if (timeoutAt === undefined) return
      return blockingZpop(ctx, args.keys, args.where, args.count, timeoutAt)
    }
  }),
  defineCommand({
    name: "zunion",
    arity: -3,
    flags: "readonly movablekeys",
    keys: [0, 0, 0],
    acl: "@read @sortedset @slow",
    getKeys: numkeysKeys(1, false),
    docs: { summary: "Add multiple sorted sets", since: "6.2.0", group, complexity: unionComplexity },
    handler: (ctx, argv) => zsetOp(ctx, argv, undefined, 1, "union", false)
  }),
  defineCommand({
    name: "zinter",
    arity: -3,
    flags: "readonly movablekeys",
    keys: [0, 0, 0],
    acl: "@read @sortedset @slow",
    getKeys: numkeysKeys(1, false),
    docs: { summary: "Intersect multiple sorted sets", since: "6.2.0", group, complexity: interComplexity },
    handler: (ctx, argv) => zsetOp(ctx, argv, undefined, 1, "inter", false)
  }),
  defineCommand({
    name: "zdiff",
    arity: -3,
    flags: "readonly movablekeys",
    keys: [0, 0, 0],
    acl: "@read @sortedset @slow",
    getKeys: numkeysKeys(1, false),
    docs: { summary: "Subtract multiple sorted sets", since: "6.2.0", group, complexity: diffComplexity },
    handler: (ctx, argv) => zsetOp(ctx, argv, undefined, 1, "diff", false)
  }),
  defineCommand({
    name: "zunionstore",
    arity: -4,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    getKeys: numkeysKeys(2, true),
    docs: {
      summary: "Add multiple sorted sets and store the resulting sorted set in a new key",
      since: "2.0.0",
      group,
      complexity:
        "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
    },
    handler: (ctx, argv) => zsetOp(ctx, argv, argv[1]!, 2, "union", false)
  }),
  defineCommand({
    name: "zinterstore",
    arity: -4,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    getKeys: numkeysKeys(2, true),
    docs: {
      summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key",
      since: "2.0.0",
      group,
      complexity: interComplexity
    },
    handler: (ctx, argv) => zsetOp(ctx, argv, argv[1]!, 2, "inter", false)
  }),
  defineCommand({
    name: "zdiffstore",
    arity: -4,
    flags: "write denyoom movablekeys",
    keys: [1, 1, 1],
    acl: "@write @sortedset @slow",
    getKeys: numkeysKeys(2, true),
    docs: {
      summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key",
      since: "6.2.0",
      group,
      complexity: diffComplexity
    },
    handler: (ctx, argv) => zsetOp(ctx, argv, argv[1]!, 2, "diff", false)
  }),
  defineCommand({
    name: "zintercard",
    arity: -3,
    flags: "readonly movablekeys",
    keys: [0, 0, 0],
    acl: "@read @sortedset @slow",
    getKeys: numkeysKeys(1, false),
    docs: {
      summary: "Intersect multiple sorted sets and return the cardinality of the result",
      since: "7.0.0",
      group,
      complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."
    },
    handler: (ctx, argv) => zsetOp(ctx, argv, undefined, 1, "inter", true)
  }),
  defineCommand({
    name: "zrandmember",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Get one or multiple random elements from a sorted set",
      since: "6.2.0",
      group,
      complexity: "O(N) where N is the number of elements returned"
    },
    handler: (ctx, argv) => {
      if (argv.length >= 3) {
        const count = randomCountArg(ctx.reply, argv[2]!)
        if (count === undefined) return
        if (argv.length > 4 || (argv.length === 4 && optionName(argv[3]!) !== "withscores")) {
          return ctx.reply.error(Errors.SYNTAX)
        }
        const withScores = argv.length === 4
        // pairs double the reply: counts beyond LONG_MAX/2 are refused (exactly, hence the bigint)
        if (withScores && (BigInt(argv[2]!) > HALF_LONG_MAX || BigInt(argv[2]!) < -HALF_LONG_MAX)) {
          return ctx.reply.error(Errors.VALUE_OUT_OF_RANGE)
        }
        return zrandmemberWithCount(ctx, argv[1]!, count, withScores)
      }
      const zset = readZSet(ctx, argv[1]!)
      if (zset === null) return
      if (zset === undefined) return ctx.reply.nullBulk()
      ctx.reply.bulk(zset.randomEntry()[0])
    }
  }),
  defineCommand({
    name: "zscan",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @sortedset @slow",
    tips: "nondeterministic_output",
    docs: {
      summary: "Incrementally iterate sorted sets elements and associated scores",
      since: "2.8.0",
      group,
      complexity:
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
    },
    handler: zscan
  })
]

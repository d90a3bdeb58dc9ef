/**
 * Argument parsers shared by every command: each validates one argument the way Redis does and, when
 * it is invalid, writes Redis's error reply and returns undefined, so a handler reads
 * `const n = intArg(ctx.reply, argv[2]); if (n === undefined) return`.
 */
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { ceilLongDouble, parseLongDouble, scaleLongDouble } from "../util/longdouble.ts"
import { parseDouble, parseLongLong, parseLongLongBig } from "../util/numbers.ts"
import * as Errors from "./errors.ts"

/** A 64-bit integer argument (getLongLongFromObjectOrReply). */
export const intArg = (reply: ReplyWriter, s: string, message: string = Errors.NOT_INTEGER): number | undefined => {
  const n = parseLongLong(s)
  if (n === undefined) reply.error(message)
  return n
}

/**
 * An integer argument within [min, max] (getRangeLongFromObjectOrReply): not a number ->
 * "value is not an integer or out of range"; out of range -> `message`, or Redis's default
 * "value is out of range, value must between <min> and <max>".
 */
export const rangeIntArg = (
  reply: ReplyWriter,
  s: string,
  min: number,
  max: number,
  message?: string
): number | undefined => {
  const n = parseLongLong(s)
  if (n === undefined) {
    reply.error(message ?? Errors.NOT_INTEGER)
    return undefined
  }
  if (n < min || n > max) {
    reply.error(message ?? `ERR value is out of range, value must between ${min} and ${max}`)
    return undefined
  }
  return n
}

/** A C `int` argument (getIntFromObjectOrReply). */
export const int32Arg = (reply: ReplyWriter, s: string): number | undefined =>
  rangeIntArg(reply, s, -2147483648, 2147483647)

/** A positive integer argument (getPositiveLongFromObjectOrReply): "value is out of range, must be positive". */
export const positiveIntArg = (reply: ReplyWriter, s: string): number | undefined => {
  const n = parseLongLong(s)
  if (n === undefined) {
    reply.error(Errors.NOT_INTEGER)
    return undefined
  }
  if (n < 0) {
    reply.error(Errors.MUST_BE_POSITIVE)
    return undefined
  }
  return n
}

/** A double argument (getDoubleFromObjectOrReply). */
export const floatArg = (reply: ReplyWriter, s: string, message: string = Errors.NOT_FLOAT): number | undefined => {
  const d = parseDouble(s)
  if (d === undefined) reply.error(message)
  return d
}

/**
 * A blocking timeout in seconds with decimals, 0 = forever (getTimeoutFromObjectOrReply with
 * UNIT_SECONDS). Returns the absolute deadline in ms (0 for none) given the current time.
 */
export const timeoutArg = (reply: ReplyWriter, s: string, now: number): number | undefined => {
  const seconds = parseLongDouble(s)
  if (seconds === undefined) {
    reply.error(Errors.TIMEOUT_NOT_FLOAT)
    return undefined
  }
  // (long long) ceill(ftval * 1000.0), in long double: "0.0001" waits 1 ms, "-0.0001" is 0 (forever)
  // rather than negative. inf, and values beyond the 64-bit range, become LLONG_MIN in that cast
  // on x86, hence "timeout is negative".
  const ms = ceilLongDouble(scaleLongDouble(seconds, 1000n))
  if (ms === undefined || ms < 0n || ms >= 2n ** 63n) {
    reply.error(Errors.TIMEOUT_NEGATIVE)
    return undefined
  }
  return ms === 0n ? 0 : now + Number(ms)
}

/**
 * A blocking timeout in whole milliseconds, 0 = forever (getTimeoutFromObjectOrReply with
 * UNIT_MILLISECONDS, XREAD BLOCK). Returns the absolute deadline in ms (0 for none) given the time.
 */
export const timeoutMsArg = (reply: ReplyWriter, s: string, now: number): number | undefined => {
  const ms = parseLongLong(s)
  if (ms === undefined) {
    reply.error(Errors.TIMEOUT_NOT_INTEGER)
    return undefined
  }
  if (ms < 0) {
    reply.error(Errors.TIMEOUT_NEGATIVE)
    return undefined
  }
  return ms === 0 ? 0 : now + ms
}


/** Case-insensitive option match (`strcasecmp(arg, "nx") == 0`); `name` is lower case. */
export const isOption = (arg: string, name: string): boolean =>
  arg.length === name.length && arg.toLowerCase() === name

/** Options of SCAN and HSCAN/SSCAN/ZSCAN (scanGenericCommand). */
export interface ScanOptions {
  readonly cursor: bigint
  readonly count: number
  /** undefined when absent or "*" (everything matches). */
  readonly pattern: string | undefined
  /** SCAN's TYPE filter, lower-cased as given. */
  readonly type: string | undefined
}

const ULONG_MAX = 18446744073709551615n

/**
 * parseScanCursorOrReply: strtoul semantics, so "+5" and "-1" (= 2^64-1) are cursors; anything with
 * leading space or trailing bytes, or beyond 64 bits, is "ERR invalid cursor".
 */
export const scanCursorArg = (reply: ReplyWriter, s: string): bigint | undefined => {
  if (!/^[+-]?\d*$/.test(s)) {
    reply.error("ERR invalid cursor")
    return undefined
  }
  const negative = s.startsWith("-")
  const digits = s.replace(/^[+-]/, "")
  const magnitude = digits.length === 0 ? 0n : BigInt(digits)
  if (magnitude > ULONG_MAX) {
    reply.error("ERR invalid cursor")
    return undefined
  }
  return negative && magnitude !== 0n ? ULONG_MAX + 1n - magnitude : magnitude
}

/**
 * Parses `cursor [MATCH pattern] [COUNT count] [TYPE type]` starting at argv[cursorIndex]; TYPE only
 * when `allowType` (SCAN). Replies with Redis's error and returns undefined when invalid.
 */
export const scanArgs = (
  reply: ReplyWriter,
  argv: ReadonlyArray<string>,
  cursorIndex: number,
  allowType: boolean
): ScanOptions | undefined => {
  const cursor = scanCursorArg(reply, argv[cursorIndex]!)
  if (cursor === undefined) return undefined
  let count = 10
  let pattern: string | undefined
  let type: string | undefined
  for (let i = cursorIndex + 1; i < argv.length;) {
    const more = argv.length - i
    const opt = argv[i]!.toLowerCase()
    if (opt === "count" && more >= 2) {
      const n = parseLongLong(argv[i + 1]!)
      if (n === undefined) {
        reply.error(Errors.NOT_INTEGER)
        return undefined
      }
      if (n < 1) {
        reply.error(Errors.SYNTAX)
        return undefined
      }
      count = n
      i += 2
    } else if (opt === "match" && more >= 2) {
      const p = argv[i + 1]!
      pattern = p === "*" ? undefined : p
      i += 2
    } else if (opt === "type" && allowType && more >= 2) {
      type = argv[i + 1]!.toLowerCase()
      i += 2
    } else {
      reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  return { cursor, count, pattern, type }
}

/**
 * HSCAN/SSCAN/ZSCAN (scanGenericCommand): checks the cursor, then reads the key (`read` replies the
 * WRONGTYPE error and returns null), and only then the options, in Redis's order; a missing key is
 * cursor 0 with no elements. `scan` pushes the matching elements' reply strings onto `found` and
 * returns the next cursor.
 */
export const replyCollectionScan = <Value>(
  ctx: CommandContext,
  argv: ReadonlyArray<string>,
  read: (ctx: CommandContext, key: string) => Value | undefined | null,
  scan: (value: Value, options: ScanOptions, found: Array<string>) => number
): void => {
  const reply = ctx.reply
  if (scanCursorArg(reply, argv[2]!) === undefined) return
  const value = read(ctx, argv[1]!)
  if (value === null) return
  if (value === undefined) {
    reply.arrayHeader(2)
    reply.bulk("0")
    return reply.emptyArray()
  }
  const options = scanArgs(reply, argv, 2, false)
  if (options === undefined) return
  const found: Array<string> = []
  const next = scan(value, options, found)
  reply.arrayHeader(2)
  reply.bulk(String(next))
  reply.bulkArray(found)
}

/**
 * A 64-bit integer argument with its exact value (getLongLongFromObjectOrReply where the command does
 * 64-bit arithmetic, e.g. HINCRBY): a number within 2^53, a bigint beyond.
 */
export const longLongArg = (
  reply: ReplyWriter,
  s: string,
  message: string = Errors.NOT_INTEGER
): number | bigint | undefined => {
  if (s.length < 16) return intArg(reply, s, message)
  const n = parseLongLongBig(s)
  if (n === undefined) {
    reply.error(message)
    return undefined
  }
  return Number.isSafeInteger(Number(n)) ? Number(n) : n
}

/**
 * The count of HRANDFIELD/SRANDMEMBER/ZRANDMEMBER (getRangeLongFromObjectOrReply in
 * [-LONG_MAX, LONG_MAX]), exact at the bounds: a negative count asks for repeats.
 */
export const randomCountArg = (reply: ReplyWriter, s: string): number | undefined => {
  const n = longLongArg(reply, s)
  if (n === undefined) return undefined
  if (typeof n === "bigint" && n < -9223372036854775807n) {
    reply.error(Errors.RANDOM_COUNT_OUT_OF_RANGE)
    return undefined
  }
  return Number(n)
}

/**
 * Largest reply a negative random count may ask for. Redis 7.0 would try to emit any count (and stall
 * the server building it); beyond this many elements the command answers "value is out of range".
 */
export const MAX_RANDOM_REPLY = 10_000_000

/**
 * An option word as Redis compares it (`strcasecmp(c->argv[j]->ptr, "nx")`): a C string, so only the
 * bytes before the first NUL count ("nx\0junk" is NX), lower-cased. Compare with lower-case names.
 */
export const optionName = (arg: string): string => {
  const nul = arg.indexOf("\0")
  return (nul === -1 ? arg : arg.slice(0, nul)).toLowerCase()
}

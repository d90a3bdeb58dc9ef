/** String commands (t_string.c). */
import { constants as BufferConstants } from "node:buffer"
import { NotifyClass } from "../keyspace/notify.ts"
import { ByteString } from "../keyspace/StoredString.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { addLongDouble, formatLongDouble, parseLongDouble, ZERO } from "../util/longdouble.ts"
import {
  addLongLong,
  formatLongLong,
  INT64_MAX,
  INT64_MIN,
  parseLongLong,
  parseLongLongBig
} from "../util/numbers.ts"
import { intArg, optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "string"

/** The string value of a key for reading; replies WRONGTYPE and returns null for other types. */
export const readString = (ctx: CommandContext, key: string): string | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || typeof value === "string") return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** The string value of a key about to be modified (lookupKeyWrite + checkType); null after WRONGTYPE. */
const writableString = (ctx: CommandContext, key: string): string | undefined | null => {
  const value = ctx.db.lookupWrite(key)
  if (value === undefined || typeof value === "string") return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * The string value of a key about to be changed in place, in byte form (lookupKeyWrite + checkType);
 * null after WRONGTYPE. The caller unshares it before writing.
 */
const writableBytes = (ctx: CommandContext, key: string): ByteString | undefined | null => {
  const value = ctx.db.lookupWriteBytes(key)
  if (value === undefined || value instanceof ByteString) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** The string value of a key as stored, either form (STRLEN, GETRANGE need no whole copy); null after WRONGTYPE. */
const storedString = (ctx: CommandContext, key: string): string | ByteString | undefined | null => {
  const value = ctx.db.lookupReadStored(key)
  if (value === undefined || typeof value === "string" || value instanceof ByteString) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/**
 * string2ll exactly: a JS number where that is exact (up to 15 digits always is), a BigInt beyond,
 * so 64-bit arithmetic never rounds.
 */
const exactLongLong = (s: string): number | bigint | undefined => {
  if (s.length < 16) return parseLongLong(s)
  const n = parseLongLongBig(s)
  if (n === undefined) return undefined
  const asNumber = Number(n)
  return Number.isSafeInteger(asNumber) ? asNumber : n
}

/**
 * checkStringLength: a string may grow to proto-max-bulk-len. Beyond that Redis refuses; so do we
 * beyond V8's longest string (just under 512 MB, which the default limit would otherwise allow),
 * where building the value would throw.
 */
const stringLengthAllowed = (ctx: CommandContext, length: number): boolean => {
  if (length > ctx.config.getNumber("proto-max-bulk-len") || length > BufferConstants.MAX_STRING_LENGTH) {
    ctx.reply.error(Errors.STRING_TOO_LONG)
    return false
  }
  return true
}

// --- SET and GETEX options (parseExtendedStringArgumentsOrReply) -----------------------------------

const NX = 1 << 0
const XX = 1 << 1
const EX = 1 << 2
const PX = 1 << 3
const KEEPTTL = 1 << 4
const GET = 1 << 5
const EXAT = 1 << 6
const PXAT = 1 << 7
const PERSIST = 1 << 8
const ANY_EXPIRE = EX | PX | EXAT | PXAT
const RELATIVE = EX | PX
const IN_SECONDS = EX | EXAT

interface StringOptions {
  readonly flags: number
  /** The EX/PX/EXAT/PXAT argument, unparsed: SET validates it before anything else, GETEX after the lookup. */
  readonly expire: string | undefined
}

/**
 * Options of SET (from argv[3]) or GETEX (from argv[2]). Each option is refused when it conflicts
 * with one already seen, so "NX XX" and "EX 1 PX 1" are syntax errors while repeating the same one
 * ("GET GET", "EX 1 EX 2") is accepted, as in Redis.
 */
const parseStringOptions = (ctx: CommandContext, argv: ReadonlyArray<string>, forSet: boolean): StringOptions | undefined => {
  let flags = 0
  let expire: string | undefined
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = optionName(argv[j]!)
    const hasNext = j < argv.length - 1
    const expiry = (flag: number): boolean =>
      hasNext && (flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~flag))) === 0
    if (opt === "nx" && forSet && (flags & XX) === 0) {
      flags |= NX
    } else if (opt === "xx" && forSet && (flags & NX) === 0) {
      flags |= XX
    } else if (opt === "get" && forSet) {
      flags |= GET
    } else if (opt === "keepttl" && forSet && (flags & (PERSIST | ANY_EXPIRE)) === 0) {
      flags |= KEEPTTL
    } else if (opt === "persist" && !forSet && (flags & (ANY_EXPIRE | KEEPTTL)) === 0) {
      flags |= PERSIST
    } else if (opt === "ex" && expiry(EX)) {
      flags |= EX
      expire = argv[++j]
    } else if (opt === "px" && expiry(PX)) {
      flags |= PX
      expire = argv[++j]
    } else if (opt === "exat" && expiry(EXAT)) {
      flags |= EXAT
      expire = argv[++j]
    } else if (opt === "pxat" && expiry(PXAT)) {
      flags |= PXAT
      expire = argv[++j]
    } else {
      ctx.reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  return { flags, expire }
}

/**
 * getExpireMillisecondsOrReply: the absolute unix time in ms an expire option asks for. Zero or
 * negative values, and values whose conversion to absolute ms leaves the 64-bit range, are "invalid
 * expire time in '<command>' command". BigInt keeps the arithmetic exact up to LLONG_MAX.
 */
const expireAtArg = (ctx: CommandContext, text: string, flags: number, command: string): bigint | undefined => {
  const n = parseLongLongBig(text)
  if (n === undefined) {
    ctx.reply.error(Errors.NOT_INTEGER)
    return undefined
  }
  const seconds = (flags & IN_SECONDS) !== 0
  if (n <= 0n || (seconds && n > INT64_MAX / 1000n)) {
    ctx.reply.error(Errors.invalidExpireTime(command))
    return undefined
  }
  let at = seconds ? n * 1000n : n
  if ((flags & RELATIVE) !== 0) at += BigInt(Math.floor(ctx.now))
  if (at > INT64_MAX) {
    ctx.reply.error(Errors.invalidExpireTime(command))
    return undefined
  }
  return at
}

/** SET's argv for propagation without its GET options (any case, compared as C strings). */
const withoutGetOption = (argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  argv.filter((arg, j) => j < 3 || optionName(arg) !== "get")

/**
 * setGenericCommand: SET and its variants. `expire` is the unparsed EX/PX/EXAT/PXAT argument;
 * `ok`/`aborted` write the reply when the key was set or when NX/XX prevented it (without GET).
 */
const setGeneric = (
  ctx: CommandContext,
  command: string,
  flags: number,
  key: string,
  value: string,
  expire: string | undefined,
  ok: () => void,
  aborted: () => void
): void => {
  let expireAt: bigint | undefined
  if (expire !== undefined) {
    expireAt = expireAtArg(ctx, expire, flags, command)
    if (expireAt === undefined) return
  }
  if ((flags & GET) !== 0) {
    const old = readString(ctx, key)
    if (old === null) return
    ctx.reply.bulkOrNull(old)
  }
  const found = ctx.db.lookupWrite(key) !== undefined
  if (((flags & NX) !== 0 && found) || ((flags & XX) !== 0 && !found)) {
    if ((flags & GET) === 0) aborted()
    return
  }
  ctx.db.set(key, value, (flags & KEEPTTL) !== 0)
  ctx.signalWrite(NotifyClass.string, "set", key)
  if (expireAt !== undefined) {
    // A key set with an EXAT/PXAT in the past stays until a lookup or active expiry removes it, as
    // in Redis 7.0 (only GETEX deletes at once).
    ctx.db.setExpire(key, expireAt)
    ctx.rewriteArgv(["SET", key, value, "PXAT", expireAt.toString()])
    ctx.notify(NotifyClass.generic, "expire", key)
  } else if ((flags & GET) !== 0) {
    ctx.rewriteArgv(withoutGetOption(ctx.argv))
  }
  if ((flags & GET) === 0) ok()
}

// --- INCR/DECR ------------------------------------------------------------------------------------

/** incrDecrCommand: adds `increment` to the integer in the key (0 when missing), keeping its TTL. */
const incrDecr = (ctx: CommandContext, key: string, increment: number | bigint): void => {
  const current = writableString(ctx, key)
  if (current === null) return
  let value: number | bigint = 0
  if (current !== undefined) {
    const parsed = exactLongLong(current)
    if (parsed === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
    value = parsed
  }
  const result = addLongLong(value, increment)
  if (result === undefined) return ctx.reply.error(Errors.OVERFLOW)
  const text = formatLongLong(result)
  if (current === undefined) ctx.db.add(key, text)
  else ctx.db.replace(key, text)
  ctx.signalWrite(NotifyClass.string, "incrby", key)
  ctx.reply.integer(result)
}

/** An INCRBY/DECRBY increment argument (getLongLongFromObjectOrReply). */
const incrementArg = (ctx: CommandContext, s: string): number | bigint | undefined => {
  const n = exactLongLong(s)
  if (n === undefined) ctx.reply.error(Errors.NOT_INTEGER)
  return n
}

// --- GETRANGE -------------------------------------------------------------------------------------

const getrange = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let start = intArg(ctx.reply, argv[2]!)
  if (start === undefined) return
  let end = intArg(ctx.reply, argv[3]!)
  if (end === undefined) return
  const value = storedString(ctx, argv[1]!)
  if (value === null) return
  if (value === undefined) return ctx.reply.bulk("")
  const length = value.length
  if (start < 0 && end < 0 && start > end) return ctx.reply.bulk("")
  if (start < 0) start = length + start
  if (end < 0) end = length + end
  if (start < 0) start = 0
  if (end < 0) end = 0
  if (end >= length) end = length - 1
  if (start > end || length === 0) return ctx.reply.bulk("")
  if (typeof value === "string") ctx.reply.bulk(value.slice(start, end + 1))
  else ctx.reply.bulk(value.cached !== undefined ? value.cached.slice(start, end + 1) : value.bytes.latin1Slice(start, end + 1))
}

// --- LCS ------------------------------------------------------------------------------------------

/** One matching range of LCS IDX: positions in the first and the second string, inclusive. */
interface LcsMatch {
  readonly aStart: number
  readonly aEnd: number
  readonly bStart: number
  readonly bEnd: number
}

/**
 * The classic dynamic-programming LCS table, then Redis's walk back from the end, which decides
 * which of several equally long subsequences is reported and how its ranges are split: on a
 * mismatch it moves in the string whose shorter prefix keeps the longer LCS, preferring the second.
 */
const longestCommonSubsequence = (table: Uint32Array, a: string, b: string, minMatchLen: number, wantMatches: boolean) => {
  const alen = a.length
  const blen = b.length
  const width = blen + 1
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1)
    const row = i * width
    const previous = row - width
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) {
        table[row + j] = table[previous + j - 1]! + 1
      } else {
        const up = table[previous + j]!
        const left = table[row + j - 1]!
        table[row + j] = up > left ? up : left
      }
    }
  }
  const length = table[alen * width + blen]!
  const chars: Array<string> = new Array(length)
  const matches: Array<LcsMatch> = []
  let idx = length
  let i = alen
  let j = blen
  // A range is open when aStart !== NONE; ranges grow backwards while the matches stay contiguous.
  const NONE = -1
  let aStart = NONE
  let aEnd = 0
  let bStart = 0
  let bEnd = 0
  while (i > 0 && j > 0) {
    let emit = false
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[--idx] = a[i - 1]!
      if (aStart === NONE) {
        aStart = aEnd = i - 1
        bStart = bEnd = j - 1
      } else if (aStart === i && bStart === j) {
        aStart--
        bStart--
      } else {
        emit = true
      }
      if (aStart === 0 || bStart === 0) emit = true
      i--
      j--
    } else {
      if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--
      else j--
      if (aStart !== NONE) emit = true
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1
      if (wantMatches && (minMatchLen === 0 || matchLen >= minMatchLen)) matches.push({ aStart, aEnd, bStart, bEnd })
      aStart = NONE
    }
  }
  return { length, subsequence: chars.join(""), matches }
}

const lcs = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const first = ctx.db.lookupRead(argv[1]!)
  const second = ctx.db.lookupRead(argv[2]!)
  if ((first !== undefined && typeof first !== "string") || (second !== undefined && typeof second !== "string")) {
    return ctx.reply.error(Errors.LCS_NOT_STRINGS)
  }
  const a = first ?? ""
  const b = second ?? ""
  let getLen = false
  let getIdx = false
  let withMatchLen = false
  let minMatchLen = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = optionName(argv[j]!)
    if (opt === "idx") {
      getIdx = true
    } else if (opt === "len") {
      getLen = true
    } else if (opt === "withmatchlen") {
      withMatchLen = true
    } else if (opt === "minmatchlen" && j < argv.length - 1) {
      const n = intArg(ctx.reply, argv[++j]!)
      if (n === undefined) return
      minMatchLen = Math.max(0, n)
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }
  if (getLen && getIdx) return ctx.reply.error(Errors.LCS_LEN_AND_IDX)
  if (a.length >= 0xffffffff - 1 || b.length >= 0xffffffff - 1) return ctx.reply.error(Errors.LCS_TOO_LONG)
  // Redis bounds the transient table (4 bytes a cell) by proto-max-bulk-len before allocating it.
  if ((a.length + 1) * (b.length + 1) * 4 > ctx.config.getNumber("proto-max-bulk-len")) {
    return ctx.reply.error(Errors.LCS_EXCEEDS_PROTO_MAX_BULK_LEN)
  }
  let table: Uint32Array
  try {
    table = new Uint32Array((a.length + 1) * (b.length + 1))
  } catch {
    // a proto-max-bulk-len raised beyond what this process can allocate
    return ctx.reply.error(Errors.LCS_ALLOCATION_FAILED)
  }
  const result = longestCommonSubsequence(table, a, b, minMatchLen, getIdx)
  if (getIdx) {
    const reply = ctx.reply
    reply.mapHeader(2)
    reply.bulk("matches")
    reply.arrayHeader(result.matches.length)
    for (const m of result.matches) {
      reply.arrayHeader(withMatchLen ? 3 : 2)
      reply.arrayHeader(2)
      reply.integer(m.aStart)
      reply.integer(m.aEnd)
      reply.arrayHeader(2)
      reply.integer(m.bStart)
      reply.integer(m.bEnd)
      if (withMatchLen) reply.integer(m.aEnd - m.aStart + 1)
    }
    reply.bulk("len")
    reply.integer(result.length)
  } else if (getLen) {
    ctx.reply.integer(result.length)
  } else {
    ctx.reply.bulk(result.subsequence)
  }
}

// --- the command table ----------------------------------------------------------------------------

const O1 = "O(1)"
const RANGE_COMPLEXITY =
  "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."

export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @string @fast",
    docs: { summary: "Get the value of a key", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const value = readString(ctx, argv[1]!)
      if (value !== null) ctx.reply.bulkOrNull(value)
    }
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @string @slow",
    docs: { summary: "Set the string value of a key", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      if (argv.length === 3) {
        // The common case without options, kept short.
        const key = argv[1]!
        ctx.db.set(key, argv[2]!)
        ctx.signalWrite(NotifyClass.string, "set", key)
        return ctx.reply.ok()
      }
      const options = parseStringOptions(ctx, argv, true)
      if (options === undefined) return
      const reply = ctx.reply
      setGeneric(ctx, "set", options.flags, argv[1]!, argv[2]!, options.expire, () => reply.ok(), () => reply.nullBulk())
    }
  }),
  defineCommand({
    name: "setnx",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Set the value of a key, only if the key does not exist", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const reply = ctx.reply
      setGeneric(ctx, "setnx", NX, argv[1]!, argv[2]!, undefined, () => reply.integer(1), () => reply.integer(0))
    }
  }),
  defineCommand({
    name: "setex",
    arity: 4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @string @slow",
    docs: { summary: "Set the value and expiration of a key", since: "2.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const reply = ctx.reply
      setGeneric(ctx, "setex", EX, argv[1]!, argv[3]!, argv[2]!, () => reply.ok(), () => reply.nullBulk())
    }
  }),
  defineCommand({
    name: "psetex",
    arity: 4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @string @slow",
    docs: { summary: "Set the value and expiration in milliseconds of a key", since: "2.6.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const reply = ctx.reply
      setGeneric(ctx, "psetex", PX, argv[1]!, argv[3]!, argv[2]!, () => reply.ok(), () => reply.nullBulk())
    }
  }),
  defineCommand({
    name: "getex",
    arity: -2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Get the value of a key and optionally set its expiration", since: "6.2.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const options = parseStringOptions(ctx, argv, false)
      if (options === undefined) return
      const key = argv[1]!
      const value = readString(ctx, key)
      if (value === null) return
      if (value === undefined) return ctx.reply.nullBulk()
      let expireAt: bigint | undefined
      if (options.expire !== undefined) {
        expireAt = expireAtArg(ctx, options.expire, options.flags, "getex")
        if (expireAt === undefined) return
      }
      ctx.reply.bulk(value)
      const absolute = (options.flags & (EXAT | PXAT)) !== 0
      if (expireAt !== undefined && absolute && expireAt <= BigInt(Math.floor(ctx.now)) && !ctx.keyspace.isReplica) {
        // checkAlreadyExpired: a time already past deletes the key now (a replica waits for its master).
        ctx.db.delete(key)
        ctx.rewriteArgv([ctx.keyspace.lazyExpire ? "UNLINK" : "DEL", key])
        ctx.signalWrite(NotifyClass.generic, "del", key)
      } else if (expireAt !== undefined) {
        ctx.db.setExpire(key, expireAt)
        ctx.rewriteArgv(["PEXPIREAT", key, expireAt.toString()])
        ctx.signalWrite(NotifyClass.generic, "expire", key)
      } else if ((options.flags & PERSIST) !== 0 && ctx.db.persist(key)) {
        ctx.rewriteArgv(["PERSIST", key])
        ctx.signalWrite(NotifyClass.generic, "persist", key)
      }
    }
  }),
  defineCommand({
    name: "getdel",
    arity: 2,
    flags: "write fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Get the value of a key and delete the key", since: "6.2.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const value = readString(ctx, key)
      if (value === null) return
      ctx.reply.bulkOrNull(value)
      if (value === undefined) return
      ctx.db.delete(key)
      ctx.rewriteArgv([ctx.config.getBool("lazyfree-lazy-user-del") ? "UNLINK" : "DEL", key])
      ctx.signalWrite(NotifyClass.generic, "del", key)
    }
  }),
  defineCommand({
    name: "getset",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Set the string value of a key and return its old value", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const old = readString(ctx, key)
      if (old === null) return
      ctx.reply.bulkOrNull(old)
      ctx.db.set(key, argv[2]!)
      ctx.signalWrite(NotifyClass.string, "set", key)
      ctx.rewriteArgv(["SET", key, argv[2]!])
    }
  }),
  defineCommand({
    name: "mset",
    arity: -3,
    flags: "write denyoom",
    keys: [1, -1, 2],
    acl: "@write @string @slow",
    tips: "request_policy:multi_shard response_policy:all_succeeded",
    docs: {
      summary: "Set multiple keys to multiple values",
      since: "1.0.1",
      group,
      complexity: "O(N) where N is the number of keys to set."
    },
    handler: (ctx, argv) => {
      if (argv.length % 2 === 0) return ctx.reply.error(Errors.wrongArity(ctx.command.fullName))
      for (let j = 1; j < argv.length; j += 2) {
        ctx.db.set(argv[j]!, argv[j + 1]!)
        ctx.signalWrite(NotifyClass.string, "set", argv[j]!)
      }
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "msetnx",
    arity: -3,
    flags: "write denyoom",
    keys: [1, -1, 2],
    acl: "@write @string @slow",
    tips: "request_policy:multi_shard response_policy:agg_min",
    docs: {
      summary: "Set multiple keys to multiple values, only if none of the keys exist",
      since: "1.0.1",
      group,
      complexity: "O(N) where N is the number of keys to set."
    },
    handler: (ctx, argv) => {
      if (argv.length % 2 === 0) return ctx.reply.error(Errors.wrongArity(ctx.command.fullName))
      for (let j = 1; j < argv.length; j += 2) {
        if (ctx.db.lookupWrite(argv[j]!) !== undefined) return ctx.reply.integer(0)
      }
      for (let j = 1; j < argv.length; j += 2) {
        ctx.db.set(argv[j]!, argv[j + 1]!)
        ctx.signalWrite(NotifyClass.string, "set", argv[j]!)
      }
      ctx.reply.integer(1)
    }
  }),
  defineCommand({
    name: "mget",
    arity: -2,
    flags: "readonly fast",
    keys: [1, -1, 1],
    acl: "@read @string @fast",
    tips: "request_policy:multi_shard",
    docs: {
      summary: "Get the values of all the given keys",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of keys to retrieve."
    },
    handler: (ctx, argv) => {
      const reply = ctx.reply
      reply.arrayHeader(argv.length - 1)
      for (let j = 1; j < argv.length; j++) {
        const value = ctx.db.lookupRead(argv[j]!)
        // A key of another type reads as missing, not as an error.
        if (typeof value === "string") reply.bulk(value)
        else reply.nullBulk()
      }
    }
  }),
  defineCommand({
    name: "append",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: {
      summary: "Append a value to a key",
      since: "2.0.0",
      group,
      complexity:
        "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const suffix = argv[2]!
      const current = writableBytes(ctx, key)
      if (current === null) return
      let length: number
      if (current === undefined) {
        ctx.db.add(key, suffix)
        length = suffix.length
      } else {
        length = current.length + suffix.length
        if (!stringLengthAllowed(ctx, length)) return
        // sdscatlen: the value grows in place, with room for more (amortized O(1) appends)
        current.unshare()
        const before = current.bytes
        current.reserve(suffix.length)
        if (current.bytes !== before) ctx.db.resizing(current)
        current.bytes.latin1Write(suffix, current.length)
        current.length = length
      }
      ctx.signalWrite(NotifyClass.string, "append", key)
      ctx.reply.integer(length)
    }
  }),
  defineCommand({
    name: "strlen",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @string @fast",
    docs: { summary: "Get the length of the value stored in a key", since: "2.2.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const value = storedString(ctx, argv[1]!)
      if (value !== null) ctx.reply.integer(value === undefined ? 0 : value.length)
    }
  }),
  defineCommand({
    name: "incr",
    arity: 2,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Increment the integer value of a key by one", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => incrDecr(ctx, argv[1]!, 1)
  }),
  defineCommand({
    name: "decr",
    arity: 2,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Decrement the integer value of a key by one", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => incrDecr(ctx, argv[1]!, -1)
  }),
  defineCommand({
    name: "incrby",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Increment the integer value of a key by the given amount", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const increment = incrementArg(ctx, argv[2]!)
      if (increment !== undefined) incrDecr(ctx, argv[1]!, increment)
    }
  }),
  defineCommand({
    name: "decrby",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Decrement the integer value of a key by the given number", since: "1.0.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const decrement = incrementArg(ctx, argv[2]!)
      if (decrement === undefined) return
      // -LLONG_MIN does not exist in 64 bits.
      if (decrement === INT64_MIN) return ctx.reply.error(Errors.DECREMENT_OVERFLOW)
      incrDecr(ctx, argv[1]!, typeof decrement === "bigint" ? -decrement : 0 - decrement)
    }
  }),
  defineCommand({
    name: "incrbyfloat",
    arity: 3,
    flags: "write denyoom fast",
    keys: [1, 1, 1],
    acl: "@write @string @fast",
    docs: { summary: "Increment the float value of a key by the given amount", since: "2.6.0", group, complexity: O1 },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const current = writableString(ctx, key)
      if (current === null) return
      const value = current === undefined ? ZERO : parseLongDouble(current)
      if (value === undefined) return ctx.reply.error(Errors.NOT_FLOAT)
      const increment = parseLongDouble(argv[2]!)
      if (increment === undefined) return ctx.reply.error(Errors.NOT_FLOAT)
      const sum = addLongDouble(value, increment)
      if (sum.kind !== "finite") return ctx.reply.error(Errors.NAN_OR_INFINITY)
      const text = formatLongDouble(sum)
      if (current === undefined) ctx.db.add(key, text)
      else ctx.db.replace(key, text)
      ctx.signalWrite(NotifyClass.string, "incrbyfloat", key)
      ctx.reply.bulk(text)
      // The result travels as a value so that replicas and the AOF never redo the float arithmetic.
      ctx.rewriteArgv(["SET", key, text, "KEEPTTL"])
    }
  }),
  defineCommand({
    name: "getrange",
    arity: 4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @string @slow",
    docs: { summary: "Get a substring of the string stored at a key", since: "2.4.0", group, complexity: RANGE_COMPLEXITY },
    handler: getrange
  }),
  defineCommand({
    name: "substr",
    arity: 4,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @string @slow",
    docs: { summary: "Get a substring of the string stored at a key", since: "1.0.0", group, complexity: RANGE_COMPLEXITY },
    handler: getrange
  }),
  defineCommand({
    name: "setrange",
    arity: 4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @string @slow",
    docs: {
      summary: "Overwrite part of a string at key starting at the specified offset",
      since: "2.2.0",
      group,
      complexity:
        "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      const patch = argv[3]!
      const offset = intArg(ctx.reply, argv[2]!)
      if (offset === undefined) return
      if (offset < 0) return ctx.reply.error(Errors.OFFSET_OUT_OF_RANGE)
      const current = writableBytes(ctx, key)
      if (current === null) return
      // Writing nothing changes nothing, not even a missing key, and skips the size check.
      if (patch.length === 0) return ctx.reply.integer(current === undefined ? 0 : current.length)
      const end = offset + patch.length
      if (!stringLengthAllowed(ctx, end)) return
      const target = ctx.db.zeroPadded(key, current, end)
      target.bytes.latin1Write(patch, offset)
      ctx.signalWrite(NotifyClass.string, "setrange", key)
      ctx.reply.integer(target.length)
    }
  }),
  defineCommand({
    name: "lcs",
    arity: -3,
    flags: "readonly",
    keys: [1, 2, 1],
    acl: "@read @string @slow",
    docs: {
      summary: "Find longest common substring",
      since: "7.0.0",
      group,
      complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively"
    },
    handler: lcs
  })
]

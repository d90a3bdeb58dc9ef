/**
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO, over
 * string values in byte form (a ByteString, see StoredString.ts): bit 0 is the most significant bit
 * of the first byte, as in Redis. Writes change the bytes in place, growing the value zero padded.
 */
import { constants as BufferConstants } from "node:buffer"
import { NotifyClass } from "../keyspace/notify.ts"
import { ByteString } from "../keyspace/StoredString.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { parseLongLong, parseLongLongBig } from "../util/numbers.ts"
import { intArg, longLongArg, optionName } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "bitmap"

/** Set bits of every byte value (redisPopcount's table). */
const BITS_IN_BYTE = (() => {
  const table = new Uint8Array(256)
  for (let i = 1; i < 256; i++) table[i] = (i & 1) + table[i >> 1]!
  return table
})()


/**
 * getBitOffsetFromArgument: a bit offset, or with `bits` > 0 (BITFIELD) also `#<n>`, meaning n * bits.
 * Negative offsets, and offsets whose byte is at or beyond proto-max-bulk-len, are refused. The result
 * is a JS number: exact below 2^53, and anything beyond that addresses more than V8 can hold anyway.
 */
const bitOffsetArg = (ctx: CommandContext, s: string, bits: number): number | undefined => {
  const hash = bits > 0 && s.charCodeAt(0) === 35 /* # */
  const text = hash ? s.slice(1) : s
  let offset = parseLongLong(text)
  if (offset !== undefined && hash) {
    offset *= bits
    // C multiplies in 64 bits and wraps
    if (!Number.isSafeInteger(offset)) offset = Number(BigInt.asIntN(64, parseLongLongBig(text)! * BigInt(bits)))
  }
  if (
    offset === undefined ||
    offset < 0 ||
    // proto-max-bulk-len is at least 1 MB: smaller offsets need no look at it
    (offset >= 8 * 1024 * 1024 && !ctx.mustObeyClient && Math.floor(offset / 8) >= ctx.config.getNumber("proto-max-bulk-len"))
  ) {
    ctx.reply.error(Errors.BIT_OFFSET_NOT_INTEGER)
    return undefined
  }
  return offset
}

/** A string this process can build: V8's longest string is a little under Redis's 512 MB. */
const lengthBuildable = (ctx: CommandContext, length: number): boolean => {
  if (length > BufferConstants.MAX_STRING_LENGTH) {
    ctx.reply.error(Errors.STRING_TOO_LONG)
    return false
  }
  return true
}

/** The string at a key for reading, in byte form; replies WRONGTYPE and returns null for another type. */
const readBytes = (ctx: CommandContext, key: string): ByteString | undefined | null => {
  const value = ctx.db.lookupReadBytes(key)
  if (value === undefined || value instanceof ByteString) return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

/** Set bits of a 32-bit word (SWAR, int32 arithmetic throughout). */
const bitsInWord = (v: number): number => {
  v = (v - ((v >>> 1) & 0x55555555)) | 0
  v = ((v & 0x33333333) + ((v >>> 2) & 0x33333333)) | 0
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}

/** Set bits of bytes [start, end] of `s` (redisPopcount): a word at a time where the buffer allows. */
const popcount = (s: ByteString, start: number, end: number): number => {
  const bytes = s.bytes
  const stop = end + 1
  let count = 0
  let i = start
  const words = stop - i >= 32 ? s.words() : undefined
  if (words !== undefined) {
    while ((i & 3) !== 0) count += BITS_IN_BYTE[bytes[i++]!]!
    const last = stop >> 2
    let w = i >> 2
    for (; w + 1 < last; w += 2) count += bitsInWord(words[w]!) + bitsInWord(words[w + 1]!)
    if (w < last) count += bitsInWord(words[w]!)
    i = last << 2
  }
  while (i < stop) count += BITS_IN_BYTE[bytes[i++]!]!
  return count
}

// --- SETBIT / GETBIT ------------------------------------------------------------------------------

const setbit = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const offset = bitOffsetArg(ctx, argv[2]!, 0)
  if (offset === undefined) return
  const on = parseLongLong(argv[3]!)
  if (on === undefined || (on !== 0 && on !== 1)) return ctx.reply.error(Errors.BIT_NOT_INTEGER)
  const key = argv[1]!
  const current = ctx.db.lookupWriteBytes(key)
  if (current !== undefined && !(current instanceof ByteString)) return ctx.reply.error(Errors.WRONGTYPE)
  const byte = Math.floor(offset / 8)
  const shift = 7 - (offset % 8)
  if (current === undefined) {
    if (!lengthBuildable(ctx, byte + 1)) return
    const created = ByteString.zeroed(byte + 1)
    created.bytes[byte] = on << shift
    created.bitCount = on
    ctx.db.add(key, created)
    ctx.signalWrite(NotifyClass.string, "setbit", key)
    return ctx.reply.integer(0)
  }
  // the bit count follows the one bit changed
  let count = current.bitCount
  current.unshare()
  if (byte >= current.length) {
    // growing the string is a change even when the bit stays 0
    if (!lengthBuildable(ctx, byte + 1)) return
    const before = current.bytes
    current.growZero(byte + 1)
    if (current.bytes !== before) ctx.db.resizing(current)
    current.bytes[byte] = on << shift
    if (count >= 0) current.bitCount = count + on
    ctx.signalWrite(NotifyClass.string, "setbit", key)
    return ctx.reply.integer(0)
  }
  const bytes = current.bytes
  const old = bytes[byte]!
  const bit = (old >> shift) & 1
  if (bit !== on) {
    bytes[byte] = on === 1 ? old | (1 << shift) : old & ~(1 << shift)
    if (count >= 0) count += on === 1 ? 1 : -1
    ctx.signalWrite(NotifyClass.string, "setbit", key)
  }
  current.bitCount = count
  ctx.reply.integer(bit)
}

const getbit = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const offset = bitOffsetArg(ctx, argv[2]!, 0)
  if (offset === undefined) return
  const value = readBytes(ctx, argv[1]!)
  if (value === null) return
  const byte = Math.floor(offset / 8)
  if (value === undefined || byte >= value.length) return ctx.reply.integer(0)
  ctx.reply.integer((value.bytes[byte]! >> (7 - (offset % 8))) & 1)
}

// --- BITCOUNT / BITPOS ----------------------------------------------------------------------------

/** A BIT/BYTE unit argument (strcasecmp); undefined after a syntax error. */
const unitArg = (ctx: CommandContext, s: string): boolean | undefined => {
  const unit = optionName(s)
  if (unit === "bit") return true
  if (unit === "byte") return false
  ctx.reply.error(Errors.SYNTAX)
  return undefined
}

/**
 * A range's bounds after Redis's conversion: negative values count from the end, then both are
 * clamped into [0, total - 1]. Inputs may be bigints (64-bit arguments); the results are small.
 */
const clampRange = (start: number | bigint, end: number | bigint, total: number): readonly [number, number] => {
  let s = Number(start)
  let e = Number(end)
  if (s < 0) s = total + s
  if (e < 0) e = total + e
  if (s < 0) s = 0
  if (e < 0) e = 0
  if (e >= total) e = total - 1
  return [s, e]
}

const bitcount = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const value = readBytes(ctx, argv[1]!)
  if (value === null) return
  if (value === undefined) return ctx.reply.integer(0)
  const length = value.length
  if (argv.length === 2) {
    // counted once, then kept until the value is written (see ByteString.unshare)
    if (value.bitCount < 0) value.bitCount = popcount(value, 0, length - 1)
    return ctx.reply.integer(value.bitCount)
  }
  if (argv.length !== 4 && argv.length !== 5) return ctx.reply.error(Errors.SYNTAX)
  const startArg = longLongArg(ctx.reply, argv[2]!)
  if (startArg === undefined) return
  const endArg = longLongArg(ctx.reply, argv[3]!)
  if (endArg === undefined) return
  if (startArg < 0 && endArg < 0 && startArg > endArg) return ctx.reply.integer(0)
  let isBit = false
  if (argv.length === 5) {
    const unit = unitArg(ctx, argv[4]!)
    if (unit === undefined) return
    isBit = unit
  }
  const [start, end] = clampRange(startArg, endArg, isBit ? length * 8 : length)
  if (start > end) return ctx.reply.integer(0)
  if (!isBit) return ctx.reply.integer(popcount(value, start, end))
  const first = start >> 3
  const last = end >> 3
  let count = popcount(value, first, last)
  // the bits of the edge bytes outside the range
  count -= BITS_IN_BYTE[value.bytes[first]! & ~((1 << (8 - (start & 7))) - 1) & 0xff]!
  count -= BITS_IN_BYTE[value.bytes[last]! & ((1 << (7 - (end & 7))) - 1)]!
  ctx.reply.integer(count)
}

/**
 * The first bit equal to `bit` among bits [start, end] of `s` (positions in bits), or -1. Bits outside
 * the range in the edge bytes are masked to the opposite value.
 */
const findBit = (s: Uint8Array, start: number, end: number, bit: number): number => {
  const first = Math.floor(start / 8)
  const last = Math.floor(end / 8)
  const skip = bit === 1 ? 0 : 0xff
  for (let i = first; i <= last; i++) {
    let byte = s[i]!
    if (i === first || i === last) {
      // in-range bits of this byte as a mask
      let mask = 0xff
      if (i === first) mask &= 0xff >> (start & 7)
      if (i === last) mask &= (0xff << (7 - (end & 7))) & 0xff
      byte = bit === 1 ? byte & mask : (byte | ~mask) & 0xff
    }
    if (byte !== skip) {
      let pos = i * 8
      for (let b = 7; b >= 0; b--, pos++) if (((byte >> b) & 1) === bit) return pos
    }
  }
  return -1
}

const bitpos = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const bit = intArg(ctx.reply, argv[2]!)
  if (bit === undefined) return
  if (bit !== 0 && bit !== 1) return ctx.reply.error(Errors.BIT_ARGUMENT_0_OR_1)
  const value = ctx.db.lookupReadBytes(argv[1]!)
  // a missing key is an infinite run of zeros
  if (value === undefined) return ctx.reply.integer(bit === 1 ? -1 : 0)
  if (!(value instanceof ByteString)) return ctx.reply.error(Errors.WRONGTYPE)
  const length = value.length
  let isBit = false
  let endGiven = false
  let start = 0
  let end = length - 1
  if (argv.length >= 4 && argv.length <= 6) {
    const startArg = longLongArg(ctx.reply, argv[3]!)
    if (startArg === undefined) return
    if (argv.length === 6) {
      const unit = unitArg(ctx, argv[5]!)
      if (unit === undefined) return
      isBit = unit
    }
    let endArg: number | bigint = length - 1
    if (argv.length >= 5) {
      const parsed = longLongArg(ctx.reply, argv[4]!)
      if (parsed === undefined) return
      endArg = parsed
      endGiven = true
    }
    ;[start, end] = clampRange(startArg, endArg, isBit ? length * 8 : length)
  } else if (argv.length !== 3) {
    return ctx.reply.error(Errors.SYNTAX)
  }
  // an empty range holds neither a 0 nor a 1
  if (start > end) return ctx.reply.integer(-1)
  const found = isBit ? findBit(value.bytes, start, end, bit) : findBit(value.bytes, start * 8, end * 8 + 7, bit)
  if (found !== -1 || bit === 1) return ctx.reply.integer(found)
  // no clear bit in range: past the string's end it is zero padded, unless the range has an end
  ctx.reply.integer(endGiven ? -1 : ((isBit ? end >> 3 : end) + 1) * 8)
}

// --- BITOP ----------------------------------------------------------------------------------------

const EMPTY = new Uint8Array(0)

const AND = 0
const OR = 1
const XOR = 2
const NOT = 3

const bitop = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const name = optionName(argv[1]!)
  const op = name === "and" ? AND : name === "or" ? OR : name === "xor" ? XOR : name === "not" ? NOT : -1
  if (op === -1) return ctx.reply.error(Errors.SYNTAX)
  if (op === NOT && argv.length !== 4) return ctx.reply.error(Errors.BITOP_NOT_SINGLE_KEY)
  const sources: Array<Uint8Array> = []
  let maxLength = 0
  for (let j = 3; j < argv.length; j++) {
    const value = ctx.db.lookupReadBytes(argv[j]!)
    if (value !== undefined && !(value instanceof ByteString)) return ctx.reply.error(Errors.WRONGTYPE)
    // a view of the value's bytes: the target is written only after every source is read
    const s = value === undefined ? EMPTY : value.bytes.subarray(0, value.length)
    sources.push(s)
    if (s.length > maxLength) maxLength = s.length
  }
  const target = argv[2]!
  if (maxLength === 0) {
    // every source empty: the result is the empty string, so the target goes
    if (ctx.db.delete(target)) ctx.signalWrite(NotifyClass.generic, "del", target)
    return ctx.reply.integer(0)
  }
  const created = ByteString.zeroed(maxLength)
  const result = created.bytes
  result.set(sources[0]!)
  if (op === NOT) {
    for (let i = 0; i < maxLength; i++) result[i] = ~result[i]! & 0xff
  } else {
    for (let k = 1; k < sources.length; k++) {
      const s = sources[k]!
      const n = s.length
      if (op === AND) {
        for (let i = 0; i < n; i++) result[i]! &= s[i]!
        result.fill(0, n, maxLength)
      } else if (op === OR) {
        for (let i = 0; i < n; i++) result[i]! |= s[i]!
      } else {
        for (let i = 0; i < n; i++) result[i]! ^= s[i]!
      }
    }
  }
  ctx.db.set(target, created)
  ctx.signalWrite(NotifyClass.string, "set", target)
  ctx.reply.integer(maxLength)
}

// --- BITFIELD -------------------------------------------------------------------------------------

const GET = 0
const SET = 1
const INCRBY = 2

const WRAP = 0
const SAT = 1
const FAIL = 2

interface BitfieldOp {
  readonly opcode: number
  readonly offset: number
  readonly bits: number
  readonly signed: boolean
  readonly overflow: number
  /** SET's value or INCRBY's increment, a 64-bit integer. */
  readonly value: bigint
}

/** getBitfieldTypeFromArgument: `i<1..64>` or `u<1..63>` (a C string: bytes after a NUL do not count). */
const bitfieldTypeArg = (ctx: CommandContext, s: string): { readonly signed: boolean; readonly bits: number } | undefined => {
  const sign = s.charCodeAt(0)
  if (sign === 105 /* i */ || sign === 117 /* u */) {
    const nul = s.indexOf("\0")
    const bits = parseLongLong(s.slice(1, nul === -1 ? s.length : nul))
    const signed = sign === 105
    if (bits !== undefined && bits >= 1 && bits <= (signed ? 64 : 63)) return { signed, bits }
  }
  ctx.reply.error(Errors.BITFIELD_INVALID_TYPE)
  return undefined
}

/** The unsigned integer of `bits` bits at bit `offset` of bytes [0, length) of `bytes` (bits past them read as 0). */
const getBits = (bytes: Uint8Array, length: number, offset: number, bits: number): bigint => {
  if (bits <= 32) {
    let value = 0
    for (let j = 0; j < bits; j++, offset++) {
      const at = Math.floor(offset / 8)
      const byte = at < length ? bytes[at]! : 0
      value = value * 2 + ((byte >> (7 - (offset % 8))) & 1)
    }
    return BigInt(value)
  }
  let value = 0n
  for (let j = 0; j < bits; j++, offset++) {
    const at = Math.floor(offset / 8)
    const byte = at < length ? bytes[at]! : 0
    value = (value << 1n) | BigInt((byte >> (7 - (offset % 8))) & 1)
  }
  return value
}

/** Writes the low `bits` bits of `value` (two's complement for negatives) at bit `offset`. */
const setBits = (bytes: Uint8Array, offset: number, bits: number, value: bigint): void => {
  let v = BigInt.asUintN(bits, value)
  for (let j = bits - 1; j >= 0; j--) {
    const at = offset + j
    const byte = Math.floor(at / 8)
    const mask = 1 << (7 - (at % 8))
    if ((v & 1n) === 1n) bytes[byte]! |= mask
    else bytes[byte]! &= ~mask
    v >>= 1n
  }
}

/** The field's value as the command reads it: sign-extended for signed types. */
const fieldValue = (raw: bigint, op: BitfieldOp): bigint => (op.signed ? BigInt.asIntN(op.bits, raw) : raw)

/**
 * checkSignedBitfieldOverflow/checkUnsignedBitfieldOverflow: the value to store for `value` +
 * `increment` in the field's type, or undefined when it overflows under OVERFLOW FAIL. Unsigned SET
 * reads its value as a uint64, so a negative value is an overflow (SAT stores the maximum).
 */
const storedValue = (op: BitfieldOp, value: bigint, increment: bigint): bigint | undefined => {
  const bits = BigInt(op.bits)
  const max = op.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n
  const min = op.signed ? -max - 1n : 0n
  const v = op.signed ? value : BigInt.asUintN(64, value)
  const sum = v + increment
  if (sum >= min && sum <= max) return sum
  if (op.overflow === FAIL) return undefined
  if (op.overflow === SAT) return sum > max ? max : min
  return op.signed ? BigInt.asIntN(op.bits, sum) : BigInt.asUintN(op.bits, sum)
}

const bitfield = (ctx: CommandContext, argv: ReadonlyArray<string>, readOnlyCommand: boolean): void => {
  const ops: Array<BitfieldOp> = []
  let overflow = WRAP
  let writes = false
  let highestWrite = 0
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1
    const sub = optionName(argv[j]!)
    let opcode: number
    if (sub === "get" && remaining >= 2) opcode = GET
    else if (sub === "set" && remaining >= 3) opcode = SET
    else if (sub === "incrby" && remaining >= 3) opcode = INCRBY
    else if (sub === "overflow" && remaining >= 1) {
      const type = optionName(argv[++j]!)
      if (type === "wrap") overflow = WRAP
      else if (type === "sat") overflow = SAT
      else if (type === "fail") overflow = FAIL
      else return ctx.reply.error(Errors.BITFIELD_INVALID_OVERFLOW)
      continue
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
    const type = bitfieldTypeArg(ctx, argv[j + 1]!)
    if (type === undefined) return
    const offset = bitOffsetArg(ctx, argv[j + 2]!, type.bits)
    if (offset === undefined) return
    let value = 0n
    if (opcode !== GET) {
      writes = true
      if (offset + type.bits - 1 > highestWrite) highestWrite = offset + type.bits - 1
      const parsed = parseLongLongBig(argv[j + 3]!)
      if (parsed === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
      value = parsed
    }
    ops.push({ opcode, offset, bits: type.bits, signed: type.signed, overflow, value })
    j += opcode === GET ? 2 : 3
  }

  const key = argv[1]!
  const reply = ctx.reply
  if (!writes) {
    const value = readBytes(ctx, key)
    if (value === null) return
    reply.arrayHeader(ops.length)
    const bytes = value === undefined ? EMPTY : value.bytes
    const length = value === undefined ? 0 : value.length
    for (const op of ops) reply.integer(fieldValue(getBits(bytes, length, op.offset, op.bits), op))
    return
  }
  if (readOnlyCommand) return reply.error(Errors.BITFIELD_RO_GET_ONLY)

  // lookupStringForBitCommand: the string, zero padded to hold the farthest bit written
  const current = ctx.db.lookupWriteBytes(key)
  if (current !== undefined && !(current instanceof ByteString)) return reply.error(Errors.WRONGTYPE)
  const oldLength = current === undefined ? 0 : current.length
  const length = Math.max(oldLength, Math.floor(highestWrite / 8) + 1)
  if (!lengthBuildable(ctx, length)) return
  // a string created or grown stays even when every write fails (Redis then signals nothing)
  const bytes = ctx.db.zeroPadded(key, current, length).bytes
  const grown = length !== oldLength || current === undefined

  reply.arrayHeader(ops.length)
  let changes = 0
  for (const op of ops) {
    const old = fieldValue(getBits(bytes, length, op.offset, op.bits), op)
    if (op.opcode === GET) {
      reply.integer(old)
      continue
    }
    const next = op.opcode === INCRBY ? storedValue(op, old, op.value) : storedValue(op, op.value, 0n)
    if (next === undefined) {
      reply.nullBulk()
      continue
    }
    reply.integer(op.opcode === INCRBY ? next : old)
    setBits(bytes, op.offset, op.bits, next)
    if (grown || old !== next) changes++
  }
  if (changes > 0) {
    ctx.signalWrite(NotifyClass.string, "setbit", key)
    ctx.addDirty(changes - 1)
  }
}

// --- the command table ----------------------------------------------------------------------------

const BITFIELD_COMPLEXITY = "O(1) for each subcommand specified"

export const bitmapCommands = [
  defineCommand({
    name: "setbit",
    arity: 4,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @bitmap @slow",
    docs: { summary: "Sets or clears the bit at offset in the string value stored at key", since: "2.2.0", group, complexity: "O(1)" },
    handler: setbit
  }),
  defineCommand({
    name: "getbit",
    arity: 3,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @bitmap @fast",
    docs: { summary: "Returns the bit value at offset in the string value stored at key", since: "2.2.0", group, complexity: "O(1)" },
    handler: getbit
  }),
  defineCommand({
    name: "bitcount",
    arity: -2,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @bitmap @slow",
    docs: { summary: "Count set bits in a string", since: "2.6.0", group, complexity: "O(N)" },
    handler: bitcount
  }),
  defineCommand({
    name: "bitpos",
    arity: -3,
    flags: "readonly",
    keys: [1, 1, 1],
    acl: "@read @bitmap @slow",
    docs: { summary: "Find first bit set or clear in a string", since: "2.8.7", group, complexity: "O(N)" },
    handler: bitpos
  }),
  defineCommand({
    name: "bitop",
    arity: -4,
    flags: "write denyoom",
    keys: [2, -1, 1],
    acl: "@write @bitmap @slow",
    docs: { summary: "Perform bitwise operations between strings", since: "2.6.0", group, complexity: "O(N)" },
    handler: bitop
  }),
  defineCommand({
    name: "bitfield",
    arity: -2,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @bitmap @slow",
    docs: { summary: "Perform arbitrary bitfield integer operations on strings", since: "3.2.0", group, complexity: BITFIELD_COMPLEXITY },
    handler: (ctx, argv) => bitfield(ctx, argv, false)
  }),
  defineCommand({
    name: "bitfield_ro",
    arity: -2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @bitmap @fast",
    docs: {
      summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
      since: "6.0.0",
      group,
      complexity: BITFIELD_COMPLEXITY
    },
    handler: (ctx, argv) => bitfield(ctx, argv, true)
  })
]

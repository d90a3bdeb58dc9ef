/** Random bitmap commands (every bitmap command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, intArg } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

/** Keys: four names that collide, one of them a list now and then. */
export const bitKey = fc.constantFrom("k1", "k2", "k3", "k4")

/** Bit offsets: mostly small (strings stay short), some large, some invalid. */
export const bitOffset = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 70 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("-1", "x", "", "#3", "4294967296", "9223372036854775807", "01", "1.5") }
)
/** GETBIT may read far: the last offset proto-max-bulk-len allows. */
const readOffset = fc.oneof({ weight: 9, arbitrary: bitOffset }, { weight: 1, arbitrary: fc.constant("4294967295") })

const bitValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("0", "1") }, { weight: 1, arbitrary: fc.constantFrom("2", "-1", "x", "", "01") })
const rangeIndex = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -30, max: 30 }).map(String) }, { weight: 1, arbitrary: intArg })
const unit = fc.oneof({ weight: 4, arbitrary: fc.oneof(anyCase("bit"), anyCase("byte")) }, { weight: 1, arbitrary: fc.constantFrom("bits", "x", "") })

/** Values with set and clear runs, binary bytes, numbers. */
export const bitmapValue = fc.oneof(
  fc.constantFrom("", "foobar", "\u00ff\u00ff\u00ff", "\u0000\u0000", "\u00ff\u00f0\u0000", "\u0000\u0001\u0080", "123", "-1"),
  fc.uint8Array({ maxLength: 10 }).map((bytes) => Buffer.from(bytes).latin1Slice(0, bytes.length))
)

const fieldType = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom("i", "u"), fc.integer({ min: 1, max: 64 })).map(([s, b]) => `${s}${b}`) },
  { weight: 1, arbitrary: fc.constantFrom("u64", "i65", "i0", "I8", "u", "x8", "u08", "u8\u0000") }
)
const fieldOffset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 80 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 }).map((n) => `#${n}`) },
  { weight: 1, arbitrary: fc.constantFrom("-1", "#-1", "#", "x", "4294967296", "#9223372036854775807", "#1152921504606846976") }
)
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }).map(String) },
  { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 1, arbitrary: intArg }
)
const overflowMode = fc.oneof({ weight: 6, arbitrary: fc.oneof(anyCase("wrap"), anyCase("sat"), anyCase("fail")) }, { weight: 1, arbitrary: fc.constantFrom("bogus") })

export const bitfieldSubcommand: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(anyCase("get"), fieldType, fieldOffset) },
  { weight: 4, arbitrary: fc.tuple(anyCase("set"), fieldType, fieldOffset, fieldValue) },
  { weight: 4, arbitrary: fc.tuple(anyCase("incrby"), fieldType, fieldOffset, fieldValue) },
  { weight: 3, arbitrary: fc.tuple(anyCase("overflow"), overflowMode) },
  { weight: 1, arbitrary: fc.constantFrom(["get", "u8"], ["set", "u8", "0"], ["nope"], ["overflow"]) }
)

const bitopName = fc.oneof({ weight: 6, arbitrary: fc.oneof(anyCase("and"), anyCase("or"), anyCase("xor"), anyCase("not")) }, { weight: 1, arbitrary: fc.constantFrom("nand", "") })

export const bitmapCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("setbit"), bitKey, bitOffset, bitValue) },
  { weight: 3, arbitrary: fc.tuple(anyCase("getbit"), bitKey, readOffset) },
  { weight: 4, arbitrary: fc.tuple(anyCase("bitcount"), bitKey, fc.array(fc.oneof(rangeIndex, unit), { maxLength: 4 })).map(([c, k, a]) => [c, k, ...a]) },
  { weight: 4, arbitrary: fc.tuple(anyCase("bitcount"), bitKey, rangeIndex, rangeIndex, fc.option(unit, { nil: undefined })).map(([c, k, s, e, u]) => [c, k, s, e, ...(u === undefined ? [] : [u])]) },
  { weight: 5, arbitrary: fc.tuple(anyCase("bitpos"), bitKey, bitValue, fc.array(rangeIndex, { maxLength: 2 }), fc.option(unit, { nil: undefined })).map(([c, k, b, r, u]) => [c, k, b, ...r, ...(u === undefined || r.length < 2 ? [] : [u])]) },
  { weight: 1, arbitrary: fc.tuple(anyCase("bitpos"), bitKey, bitValue, fc.array(fc.oneof(rangeIndex, unit), { maxLength: 4 })).map(([c, k, b, a]) => [c, k, b, ...a]) },
  { weight: 4, arbitrary: fc.tuple(anyCase("bitop"), bitopName, bitKey, fc.array(bitKey, { minLength: 1, maxLength: 3 })).map(([c, o, d, ks]) => [c, o, d, ...ks]) },
  { weight: 6, arbitrary: fc.tuple(anyCase("bitfield"), bitKey, fc.array(bitfieldSubcommand, { maxLength: 4 })).map(([c, k, s]) => [c, k, ...s.flat()]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("bitfield_ro"), bitKey, fc.array(bitfieldSubcommand, { maxLength: 3 })).map(([c, k, s]) => [c, k, ...s.flat()]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("SET"), bitKey, bitmapValue) },
  { weight: 3, arbitrary: fc.tuple(fc.constant("GET"), bitKey) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("APPEND"), bitKey, bitmapValue) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("LPUSH"), bitKey, fc.constant("element")) }
)

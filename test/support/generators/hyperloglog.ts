/** Random HyperLogLog commands (errors and corrupted values included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

export const hllKey = fc.constantFrom("h1", "h2", "h3", "s", "l")

/** Elements: a few that repeat, binary ones, and runs of distinct ones that fill many registers. */
const element = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("a", "b", "c", "", "1", "foo", "\u0000\u00ff", "\r\n", "hello world") },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 5000 }).map((n) => `e${n}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).latin1Slice(0, b.length)) }
)
/** A batch of distinct elements, large enough to promote a sparse HLL. */
const batch = fc.tuple(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 20, max: 600 }))
  .map(([from, n]) => Array.from({ length: n }, (_, i) => `x${from + i}`))

export const hllCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("pfadd"), hllKey, fc.array(element, { maxLength: 6 })).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("pfadd"), hllKey, batch).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 4, arbitrary: fc.tuple(anyCase("pfcount"), hllKey).map(([c, k]) => [c, k]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("pfcount"), fc.array(hllKey, { minLength: 2, maxLength: 4 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 3, arbitrary: fc.tuple(anyCase("pfmerge"), hllKey, fc.array(hllKey, { maxLength: 3 })).map(([c, d, ks]) => [c, d, ...ks]) },
  { weight: 3, arbitrary: fc.tuple(fc.constant("GET"), hllKey) },
  {
    weight: 2,
    arbitrary: fc.tuple(anyCase("pfdebug"), fc.oneof(anyCase("encoding"), anyCase("decode"), anyCase("todense"), fc.constantFrom("getreg", "bogus", "x\r\ny")), hllKey)
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), fc.constant("s"), fc.constantFrom("bar", "HYLL", "HYLL\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080\u007f\u00ff", "HYLL\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000")) },
  // corruptions: bytes appended, the encoding byte or an opcode overwritten
  { weight: 1, arbitrary: fc.tuple(fc.constant("APPEND"), hllKey, fc.constantFrom("hello", "\u0000", "\u0080")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SETRANGE"), hllKey, fc.constantFrom("4", "16", "17", "18", "20"), fc.constantFrom("\u0000", "x", "\u0001", "\u00ff", "\u0040")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("LPUSH"), fc.constant("l"), fc.constant("e")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), hllKey) }
)

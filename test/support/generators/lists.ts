/** Random list commands (every list command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, intArg } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

export const listKey = fc.constantFrom("l1", "l2", "l3", "s")
export const element = fc.constantFrom("a", "b", "c", "", "1", "a\r\nb", "\u00ff\u0000")
export const index = fc.oneof(fc.integer({ min: -6, max: 6 }).map(String), intArg)
export const side = fc.oneof(anyCase("left"), anyCase("right"), fc.constant("middle"))
export const count = fc.oneof(fc.integer({ min: -2, max: 6 }).map(String), intArg)
/** Timeouts that end quickly or are invalid: a forever timeout would hang the sequence. */
export const timeout = fc.oneof(
  fc.constant("0.01"),
  fc.constantFrom("0.02", "-1", "abc", "inf", "", "1e400", "-0.5", "0x1p-7")
)
export const elements = fc.array(element, { minLength: 1, maxLength: 4 })

export const lposOption = fc.oneof(
  fc.tuple(anyCase("rank"), fc.oneof(fc.integer({ min: -3, max: 3 }).map(String), intArg)),
  fc.tuple(anyCase("count"), count),
  fc.tuple(anyCase("maxlen"), count),
  fc.tuple(fc.constant("foo"), fc.constant("1"))
)

export const mpopTail = fc.tuple(
  fc.array(listKey, { minLength: 1, maxLength: 3 }),
  side,
  fc.option(fc.tuple(anyCase("count"), count), { nil: undefined }),
  fc.integer({ min: -1, max: 1 }) // adjusts numkeys off the real number of keys
)
export const mpopArgs = (
  [keys, where, countOption, delta]: readonly [ReadonlyArray<string>, string, readonly [string, string] | undefined, number]
): ReadonlyArray<string> => [String(keys.length + delta), ...keys, where, ...(countOption ?? [])]

/** One list command (or a type-changing write that makes WRONGTYPE paths reachable). */
export const listCommand: fc.Arbitrary<Command> = fc.oneof(
  // pushes dominate so that the lists grow long enough for the other commands to find elements
  { arbitrary: fc.tuple(anyCase("lpush"), listKey, elements).map(([c, k, es]) => [c, k, ...es]), weight: 10 },
  { arbitrary: fc.tuple(anyCase("rpush"), listKey, elements).map(([c, k, es]) => [c, k, ...es]), weight: 10 },
  { arbitrary: fc.tuple(fc.constantFrom("LPUSHX", "rpushx"), listKey, elements).map(([c, k, es]) => [c, k, ...es]), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom("LPOP", "RPOP", "lpop"), listKey), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom("LPOP", "RPOP"), listKey, count), weight: 2 },
  { arbitrary: fc.tuple(anyCase("lrange"), listKey, index, index), weight: 2 },
  { arbitrary: fc.tuple(anyCase("llen"), listKey), weight: 1 },
  { arbitrary: fc.tuple(anyCase("lindex"), listKey, index), weight: 1 },
  { arbitrary: fc.tuple(anyCase("lset"), listKey, index, element), weight: 1 },
  { arbitrary: fc.tuple(anyCase("lrem"), listKey, count, element), weight: 1 },
  { arbitrary: fc.tuple(anyCase("ltrim"), listKey, index, index), weight: 1 },
  {
    arbitrary: fc.tuple(anyCase("linsert"), listKey, fc.constantFrom("before", "AFTER", "x"), element, element),
    weight: 1
  },
  {
    arbitrary: fc.tuple(anyCase("lpos"), listKey, element, fc.array(lposOption, { maxLength: 3 })).map((
      [c, k, e, opts]
    ) => [c, k, e, ...opts.flat()]),
    weight: 2
  },
  { arbitrary: fc.tuple(anyCase("lmove"), listKey, listKey, side, side), weight: 2 },
  { arbitrary: fc.tuple(anyCase("rpoplpush"), listKey, listKey), weight: 1 },
  { arbitrary: fc.tuple(anyCase("lmpop"), mpopTail).map(([c, t]) => [c, ...mpopArgs(t)]), weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom("BLPOP", "brpop"), fc.array(listKey, { minLength: 1, maxLength: 3 }), timeout)
      .map(([c, ks, t]) => [c, ...ks, t]),
    weight: 1
  },
  { arbitrary: fc.tuple(anyCase("blmove"), listKey, listKey, side, side, timeout), weight: 1 },
  { arbitrary: fc.tuple(anyCase("brpoplpush"), listKey, listKey, timeout), weight: 1 },
  { arbitrary: fc.tuple(anyCase("blmpop"), timeout, mpopTail).map(([c, t, tail]) => [c, t, ...mpopArgs(tail)]), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom("SET", "DEL"), listKey).map(([c, k]) => (c === "SET" ? [c, k, "str"] : [c, k])), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom("TYPE", "EXISTS"), listKey), weight: 1 }
)

/** Random string commands (every string command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, floatArg, intArg, key, value } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

export const binary = fc.constantFrom("\u0000", "\r\n", "\u0080\u00ff", "a\u0000b", "$-1\r\n", "\u00fe\u00fe")
export const anyValue = fc.oneof(value, binary)

/** Expire arguments: valid far-future ones, invalid ones, and absolute times long past. */
export const relativeTime = fc.constantFrom("100", "100000", "0", "-1", "abc", "9223372036854775807", "9223372036854776", "1.5")
export const absoluteTime = fc.constantFrom("1", "99999999999", "9999999999999", "0", "-5", "x")

export const setOption: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  anyCase("nx").map((o) => [o]),
  anyCase("xx").map((o) => [o]),
  anyCase("get").map((o) => [o]),
  anyCase("keepttl").map((o) => [o]),
  fc.tuple(fc.oneof(anyCase("ex"), anyCase("px")), relativeTime),
  fc.tuple(fc.oneof(anyCase("exat"), anyCase("pxat")), absoluteTime),
  fc.constantFrom(["ex"], ["persist"], ["bogus"])
)

export const getexOption: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  anyCase("persist").map((o) => [o]),
  fc.tuple(fc.oneof(anyCase("ex"), anyCase("px")), relativeTime),
  fc.tuple(fc.oneof(anyCase("exat"), anyCase("pxat")), absoluteTime),
  fc.constantFrom(["nx"], ["get"], ["keepttl"], ["px"])
)

export const smallIndex = fc.oneof(fc.integer({ min: -15, max: 15 }).map(String), intArg)
export const offset = fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), fc.constantFrom("-1", "x", "9223372036854775807"))

export const lcsOptions: fc.Arbitrary<ReadonlyArray<string>> = fc
  .array(
    fc.oneof(
      anyCase("len").map((o) => [o]),
      anyCase("idx").map((o) => [o]),
      anyCase("withmatchlen").map((o) => [o]),
      fc.tuple(anyCase("minmatchlen"), fc.constantFrom("0", "1", "2", "3", "-1", "x")),
      fc.constantFrom(["minmatchlen"], ["bogus"])
    ),
    { maxLength: 3 }
  )
  .map((options) => options.flat())

export const pairs = fc.array(fc.tuple(key, anyValue), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())

export const stringCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("set"), key, anyValue, fc.array(setOption, { maxLength: 3 })).map(([c, k, v, o]) => [c, k, v, ...o.flat()]) },
  { weight: 4, arbitrary: fc.tuple(anyCase("get"), key) },
  { weight: 3, arbitrary: fc.tuple(anyCase("getex"), key, fc.array(getexOption, { maxLength: 2 })).map(([c, k, o]) => [c, k, ...o.flat()]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("getdel"), key) },
  { weight: 2, arbitrary: fc.tuple(anyCase("getset"), key, anyValue) },
  { weight: 2, arbitrary: fc.tuple(anyCase("setnx"), key, anyValue) },
  { weight: 1, arbitrary: fc.tuple(anyCase("setex"), key, relativeTime, anyValue) },
  { weight: 1, arbitrary: fc.tuple(anyCase("psetex"), key, relativeTime, anyValue) },
  { weight: 2, arbitrary: fc.tuple(anyCase("mset"), pairs).map(([c, p]) => [c, ...p]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("msetnx"), pairs).map(([c, p]) => [c, ...p]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("MSET", "MSETNX"), key, anyValue, key) },
  { weight: 2, arbitrary: fc.tuple(anyCase("mget"), fc.array(key, { minLength: 1, maxLength: 4 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 3, arbitrary: fc.tuple(anyCase("append"), key, anyValue) },
  { weight: 2, arbitrary: fc.tuple(anyCase("strlen"), key) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("INCR", "decr", "Incr"), key) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("INCRBY", "decrby", "DecrBy"), key, intArg) },
  { weight: 3, arbitrary: fc.tuple(anyCase("incrbyfloat"), key, fc.oneof(floatArg, intArg)) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("GETRANGE", "substr"), key, smallIndex, smallIndex) },
  { weight: 3, arbitrary: fc.tuple(anyCase("setrange"), key, offset, anyValue) },
  { weight: 3, arbitrary: fc.tuple(anyCase("lcs"), key, key, lcsOptions).map(([c, a, b, o]) => [c, a, b, ...o]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("LPUSH"), key, fc.constant("element")) }
)

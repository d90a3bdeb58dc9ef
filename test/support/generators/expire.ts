/** Random expiry commands (EXPIRE family, TTL family, PERSIST, SET/GETEX with absolute times), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, intArg } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

const key = fc.constantFrom("k1", "k2")

/**
 * Relative times are whole seconds, or milliseconds that are not whole seconds: the two servers apply
 * them a few ms apart, so a GT/LT between two relative times could differ; the sequences use GT/LT
 * with absolute times only, which are far from now on both servers.
 */
export const seconds = fc.oneof(
  fc.integer({ min: -3, max: 100 }).map(String),
  intArg,
  fc.constantFrom("9223372036854775", "9223372036854776", "-9223372036854775", "-9223372036854776", "4611686018427387")
)
export const millis = fc.oneof(
  fc.integer({ min: -3, max: 0 }).map(String),
  fc.integer({ min: 1, max: 90 }).map((n) => String(n * 1000 + 500)),
  intArg.filter((s) => !/^[1-9]\d?$/.test(s)), // no small positive ms: the key would expire mid-sequence
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "4611686018427387904")
)
export const unixSeconds = fc.oneof(
  fc.constantFrom("0", "1", "-1", "1000000000", "4102444800", "4102444801", "32503680000"),
  fc.constantFrom("9223372036854775", "9223372036854776", "-9223372036854775", "abc", "1.5", "")
)
export const unixMillis = fc.constantFrom(
  "0",
  "-5",
  "1000000000000",
  "4102444800000",
  "4102444800500",
  "32503680000000",
  "9223372036854775807",
  "-9223372036854775808",
  "4611686018427387904",
  "x"
)
export const relativeOptions = fc.constantFrom<ReadonlyArray<string>>([], [], ["NX"], ["XX"], ["nx"], ["NX", "XX"], ["GT", "LT"], ["foo"], ["NX", "GT"], ["XX", "XX"])
export const absoluteOptions = fc.constantFrom<ReadonlyArray<string>>([], ["NX"], ["XX"], ["GT"], ["LT"], ["gt"], ["XX", "GT"], ["XX", "LT"], ["LT", "GT"], ["NX", "LT"], ["bar"])

/** One expiry-related command, on two keys. */
export const expireCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(anyCase("set"), key, fc.constant("v")),
  fc.tuple(anyCase("set"), key, fc.constant("v"), fc.constantFrom("PXAT", "pxat"), unixMillis).map(([c, k, v, o, t]) => [c, k, v, o, t]),
  fc.tuple(anyCase("set"), key, fc.constant("v"), fc.constantFrom("EXAT", "exat"), unixSeconds).map(([c, k, v, o, t]) => [c, k, v, o, t]),
  fc.tuple(anyCase("getex"), key, fc.constantFrom("PXAT", "pxat"), unixMillis).map(([c, k, o, t]) => [c, k, o, t]),
  fc.tuple(anyCase("expire"), key, seconds, relativeOptions).map(([c, k, t, o]) => [c, k, t, ...o]),
  fc.tuple(anyCase("pexpire"), key, millis, relativeOptions).map(([c, k, t, o]) => [c, k, t, ...o]),
  fc.tuple(anyCase("expireat"), key, unixSeconds, absoluteOptions).map(([c, k, t, o]) => [c, k, t, ...o]),
  fc.tuple(anyCase("pexpireat"), key, unixMillis, absoluteOptions).map(([c, k, t, o]) => [c, k, t, ...o]),
  fc.tuple(fc.constantFrom("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "ttl", "pexpiretime"), key),
  fc.tuple(anyCase("persist"), key),
  fc.tuple(anyCase("get"), key),
  fc.tuple(anyCase("exists"), key),
  fc.tuple(anyCase("del"), key),
  fc.tuple(anyCase("rename"), key, key),
  fc.tuple(anyCase("copy"), key, key, fc.constant("REPLACE")),
  fc.tuple(anyCase("dbsize"))
)

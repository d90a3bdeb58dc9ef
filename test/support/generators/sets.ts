/** Random set commands (every set command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, intArg } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

/** A few members, integers and not, so that sets collide, stay small (< SSCAN's COUNT) and change encoding. */
export const member = fc.constantFrom("1", "2", "-3", "10", "01", "a", "b", "", "a\r\nb", "\u00ff", "9223372036854775807", "-9223372036854775808")
export const members = fc.array(member, { minLength: 1, maxLength: 4 })
export const setKey = fc.constantFrom("s1", "s2", "s3", "str")
export const keys = fc.array(setKey, { minLength: 1, maxLength: 3 })

/** One set command (or a write that makes WRONGTYPE paths reachable). */
export const setCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(anyCase("sadd"), setKey, members).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(anyCase("srem"), setKey, members).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(anyCase("smembers"), setKey),
  fc.tuple(anyCase("sismember"), setKey, member),
  fc.tuple(anyCase("smismember"), setKey, members).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(anyCase("scard"), setKey),
  fc.tuple(anyCase("smove"), setKey, setKey, member),
  fc.tuple(anyCase("sinter"), keys).map(([c, ks]) => [c, ...ks]),
  fc.tuple(anyCase("sunion"), keys).map(([c, ks]) => [c, ...ks]),
  fc.tuple(anyCase("sdiff"), keys).map(([c, ks]) => [c, ...ks]),
  fc.tuple(anyCase("sinterstore"), setKey, keys).map(([c, d, ks]) => [c, d, ...ks]),
  fc.tuple(anyCase("sunionstore"), setKey, keys).map(([c, d, ks]) => [c, d, ...ks]),
  fc.tuple(anyCase("sdiffstore"), setKey, keys).map(([c, d, ks]) => [c, d, ...ks]),
  fc.tuple(anyCase("sintercard"), keys).map(([c, ks]) => [c, String(ks.length), ...ks]),
  fc.tuple(anyCase("sintercard"), keys, fc.constantFrom("0", "1", "2", "-1", "x")).map(([c, ks, l]) => [c, String(ks.length), ...ks, "LIMIT", l]),
  fc.tuple(anyCase("sintercard"), intArg, keys).map(([c, n, ks]) => [c, n, ...ks]),
  fc.tuple(anyCase("spop"), setKey, fc.constantFrom("0", "100", "9223372036854775807", "-1", "x")),
  fc.tuple(anyCase("srandmember"), setKey),
  fc.tuple(anyCase("srandmember"), setKey, intArg),
  fc.tuple(anyCase("sscan"), setKey, fc.constantFrom("0", "7", "x")),
  fc.tuple(anyCase("sscan"), setKey, fc.constant("0"), fc.constant("MATCH"), fc.constantFrom("*", "1*", "[ab]", "")),
  fc.tuple(fc.constant("set"), fc.constant("str"), fc.constant("v")),
  fc.tuple(fc.constant("dbsize"))
)

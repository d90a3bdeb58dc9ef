/** Random hash commands (every hash command, errors included), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, floatArg, intArg, value } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

export const field = fc.constantFrom("f1", "f2", "f3", "", "n", "a\r\nb", "\u00ff")
export const pairs = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())
export const hashKey = fc.constantFrom("h1", "h2", "s1")
/** One hash command (or a write that makes WRONGTYPE paths reachable). */
export const hashCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(anyCase("hset"), hashKey, pairs).map(([c, k, p]) => [c, k, ...p]),
  fc.tuple(anyCase("hmset"), hashKey, pairs).map(([c, k, p]) => [c, k, ...p]),
  fc.tuple(anyCase("hsetnx"), hashKey, field, value),
  fc.tuple(anyCase("hget"), hashKey, field),
  fc.tuple(anyCase("hmget"), hashKey, fc.array(field, { minLength: 1, maxLength: 3 })).map(([c, k, f]) => [c, k, ...f]),
  fc.tuple(anyCase("hdel"), hashKey, fc.array(field, { minLength: 1, maxLength: 3 })).map(([c, k, f]) => [c, k, ...f]),
  fc.tuple(anyCase("hlen"), hashKey),
  fc.tuple(anyCase("hstrlen"), hashKey, field),
  fc.tuple(anyCase("hexists"), hashKey, field),
  fc.tuple(anyCase("hkeys"), hashKey),
  fc.tuple(anyCase("hvals"), hashKey),
  fc.tuple(anyCase("hgetall"), hashKey),
  fc.tuple(anyCase("hincrby"), hashKey, field, intArg),
  fc.tuple(anyCase("hincrbyfloat"), hashKey, field, floatArg),
  fc.tuple(anyCase("hrandfield"), hashKey),
  fc.tuple(anyCase("hrandfield"), hashKey, intArg),
  fc.tuple(anyCase("hrandfield"), hashKey, intArg, fc.constantFrom("WITHVALUES", "withvalues", "x")),
  fc.tuple(anyCase("hscan"), hashKey, fc.constantFrom("0", "1", "x")),
  fc.tuple(anyCase("hscan"), hashKey, fc.constant("0"), fc.constant("MATCH"), fc.constantFrom("f*", "*", "1", "0")),
  // COUNT 10 or more: a long value makes a hashtable, where a smaller COUNT lets Redis stop its
  // first page early with a cursor that depends on its hash seed (a page of a one-field hash came
  // back with cursor 2 where ours finished); "0" and "x" are errors
  fc.tuple(anyCase("hscan"), hashKey, fc.constant("0"), fc.constant("COUNT"), fc.constantFrom("0", "10", "100", "x")),
  fc.tuple(fc.constant("set"), fc.constant("s1"), value),
  fc.tuple(fc.constant("dbsize"))
)

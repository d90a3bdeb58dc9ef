/** Random generic key commands (and writes of every type for them to meet), shared by the differential suites. */
import fc from "fast-check"
import { anyCase, value } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

/** Few keys so commands collide; the empty key and a binary one because KEYS and SCAN treat them specially. */
export const key = fc.constantFrom("k1", "k2", "k3", "", "b\u00ff")
export const longValue = fc.constantFrom("x".repeat(44), "y".repeat(45), "9".repeat(20), "9".repeat(21), "9999", "10000")
export const anyValue = fc.oneof(value, longValue)
export const db = fc.constantFrom("0", "1", "2", "15", "16", "-1", "x", "2147483648")
export const pattern = fc.constantFrom("*", "k*", "k[12]", "?", "", "*\u00ff", "\\*", "[^k]*", "K*", "**")
export const typeName = fc.constantFrom("string", "list", "set", "zset", "hash", "stream", "none", "STRING", "foo")
/** Absolute expiry times far from now, so the two servers agree on them to the millisecond. */
export const farFuture = fc.constantFrom("4102444800000", "4102444800123", "32503680000000")

/**
 * Commands that create other types, when this server has them: the sequences then reach TYPE,
 * OBJECT ENCODING, COPY's deep copy and SCAN TYPE for every type.
 */
/** Writes of every other type, so TYPE, OBJECT ENCODING, COPY and SCAN TYPE meet them all. */
export const typedWrites: ReadonlyArray<fc.Arbitrary<Command>> = [
  fc.tuple(fc.constant("RPUSH"), key, anyValue),
  fc.tuple(fc.constant("SADD"), key, fc.constantFrom("1", "2", "m")),
  fc.tuple(fc.constant("HSET"), key, fc.constantFrom("f", "g"), anyValue),
  fc.tuple(fc.constant("ZADD"), key, fc.constantFrom("1", "2.5"), fc.constantFrom("m", "n")),
  // explicit IDs: an auto ID is each server's own clock
  fc.tuple(fc.constant("XADD"), key, fc.constantFrom("1-1", "2-0", "5-5"), fc.constant("f"), fc.constant("v"))
]

export const keyCommand: fc.Arbitrary<Command> =
  fc.oneof(
    fc.tuple(anyCase("set"), key, anyValue),
    ...typedWrites,
    fc.tuple(anyCase("get"), key),
    fc.array(key, { minLength: 1, maxLength: 3 }).chain((ks) => fc.constantFrom(["DEL", ...ks], ["UNLINK", ...ks], ["EXISTS", ...ks], ["TOUCH", ...ks])),
    fc.tuple(anyCase("type"), key),
    fc.tuple(anyCase("keys"), pattern),
    fc.tuple(fc.constant("SCAN"), fc.constant("0"), fc.constant("COUNT"), fc.constant("1000")),
    fc.tuple(fc.constant("SCAN"), fc.constant("0"), fc.constant("MATCH"), pattern, fc.constant("COUNT"), fc.constant("1000")),
    fc.tuple(fc.constant("SCAN"), fc.constant("0"), fc.constant("COUNT"), fc.constant("1000"), fc.constant("TYPE"), typeName),
    fc.tuple(anyCase("rename"), key, key),
    fc.tuple(anyCase("renamenx"), key, key),
    fc.tuple(anyCase("copy"), key, key),
    fc.tuple(anyCase("copy"), key, key, fc.constantFrom("REPLACE", "replace")),
    fc.tuple(anyCase("copy"), key, key, fc.constant("DB"), db),
    fc.tuple(anyCase("copy"), key, key, fc.constant("DB"), db, fc.constant("REPLACE")),
    fc.tuple(anyCase("move"), key, db),
    fc.tuple(anyCase("select"), fc.constantFrom("0", "1", "2")),
    fc.tuple(anyCase("object"), fc.constantFrom("ENCODING", "encoding", "REFCOUNT", "IDLETIME", "FREQ"), key),
    fc.tuple(anyCase("randomkey")),
    fc.tuple(anyCase("dbsize")),
    fc.tuple(anyCase("pexpireat"), key, farFuture),
    fc.tuple(anyCase("persist"), key),
    fc.tuple(fc.constantFrom("PEXPIRETIME", "EXPIRETIME"), key)
  )

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX/XX/GT/LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST
 * against a real redis-server. Both servers read the same wall clock a few ms apart, so remaining
 * times are compared with a tolerance and every other reply byte for byte.
 */
import fc from "fast-check"
import { it } from "vitest"
import { type Command, checkSequences, describeDifferential, type Servers } from "../support/differential.ts"
import type { RawReply } from "../support/raw.ts"
import { expireCommand as command } from "../support/generators/expire.ts"

const key = fc.constantFrom("k1", "k2")

/** Remaining-time replies: equal when negative (-1, -2), else within `slack` of each other. */
const timeReplies: Readonly<Record<string, bigint>> = { ttl: 1n, expiretime: 1n, pttl: 250n, pexpiretime: 250n }

const tolerate = (command: Command, ours: RawReply, theirs: RawReply): boolean => {
  const slack = timeReplies[command[0]!.toLowerCase()]
  const [a, b] = [ours.value, theirs.value]
  if (slack === undefined || (typeof a !== "number" && typeof a !== "bigint") || (typeof b !== "number" && typeof b !== "bigint")) return false
  const [x, y] = [BigInt(a), BigInt(b)]
  if (x < 0n || y < 0n) return false
  const diff = x > y ? x - y : y - x
  return diff <= slack
}

const check = (servers: Servers, commands: ReadonlyArray<Command>) =>
  checkSequences(servers, fc.constant(commands), { tolerate, numRuns: 1 })

describeDifferential("expiry commands", (servers) => {
  it("option and argument errors match Redis", () =>
    check(servers(), [
      ["SET", "a", "1"],
      ["EXPIRE", "a"],
      ["EXPIRE", "a", "x"],
      ["EXPIRE", "a", "1.5"],
      ["EXPIRE", "a", "10", "NX", "XX"],
      ["EXPIRE", "a", "10", "NX", "GT"],
      ["EXPIRE", "a", "10", "NX", "LT"],
      ["EXPIRE", "a", "10", "GT", "LT"],
      ["EXPIRE", "a", "10", "XX", "GT", "LT"],
      ["EXPIRE", "a", "10", "foo"],
      ["EXPIRE", "a", "10", "nx", "foo\r\nbar"],
      ["EXPIRE", "a", "x", "foo"], // options are parsed before the time
      ["EXPIRE", "a", "x", "NX", "XX"],
      ["EXPIRE", "nokey", "10", "NX", "XX"],
      ["EXPIRE", "nokey", "x"],
      ["EXPIRE", "a", "9223372036854775"], // overflows once the current time is added
      ["EXPIRE", "a", "9223372036854776"], // overflows seconds -> ms
      ["EXPIRE", "a", "-9223372036854776"],
      ["PEXPIRE", "a", "9223372036854775807"],
      ["EXPIREAT", "a", "9223372036854776"],
      ["PTTL", "a"],
      ["PEXPIRETIME", "a"],
      ["EXPIRE", "nokey", "10"],
      ["PEXPIRE", "nokey", "10"],
      ["EXPIREAT", "nokey", "10"],
      ["PEXPIREAT", "nokey", "10"],
      ["TTL", "nokey"],
      ["PTTL", "nokey"],
      ["EXPIRETIME", "nokey"],
      ["PEXPIRETIME", "nokey"],
      ["TTL", "a"],
      ["PTTL", "a"],
      ["EXPIRETIME", "a"],
      ["PEXPIRETIME", "a"],
      ["TTL"],
      ["TTL", "a", "b"],
      ["PERSIST"],
      ["PERSIST", "a"],
      ["PERSIST", "nokey"]
    ]))

  it("NX, XX, GT and LT compare with the current expiry as Redis does", () =>
    check(servers(), [
      ["SET", "a", "1"],
      ["PEXPIREAT", "a", "4102444800000", "XX"], // no TTL yet: XX fails
      ["PEXPIREAT", "a", "4102444800000", "GT"], // no TTL counts as infinite: GT fails
      ["PEXPIREAT", "a", "4102444800000", "LT"], // ... and LT succeeds
      ["PEXPIRETIME", "a"],
      ["PEXPIREAT", "a", "4102444800001", "NX"],
      ["PEXPIREAT", "a", "4102444800000", "GT"], // equal is not greater
      ["PEXPIREAT", "a", "4102444800001", "GT"],
      ["PEXPIREAT", "a", "4102444800001", "LT"], // equal is not less
      ["PEXPIREAT", "a", "4102444800000", "xx", "lt"],
      ["PEXPIRETIME", "a"],
      ["EXPIRETIME", "a"],
      ["EXPIREAT", "a", "4102444801", "GT"],
      ["PEXPIRETIME", "a"],
      ["EXPIRE", "a", "100", "XX"],
      ["TTL", "a"],
      ["PERSIST", "a"],
      ["PERSIST", "a"],
      ["TTL", "a"],
      ["EXPIRE", "a", "100", "NX"],
      ["EXPIRE", "a", "200", "NX"],
      ["TTL", "a"],
      ["PEXPIREAT", "a", "1", "LT"], // a time in the past deletes the key
      ["EXISTS", "a"],
      ["SET", "b", "1"],
      ["EXPIREAT", "b", "9223372036854775"], // the largest time in seconds that fits
      ["PEXPIRETIME", "b"],
      ["EXPIRETIME", "b"],
      ["PEXPIREAT", "b", "9223372036854775807"],
      ["PEXPIRETIME", "b"],
      ["PEXPIREAT", "b", "9223372036854775806", "GT"],
      ["PEXPIREAT", "b", "9223372036854775806", "LT"],
      ["PEXPIRETIME", "b"],
      ["PTTL", "b"],
      ["TTL", "b"],
      ["RENAME", "b", "c"], // the TTL moves with the key
      ["PEXPIRETIME", "c"],
      ["COPY", "c", "d"],
      ["PEXPIRETIME", "d"],
      ["SET", "d", "again"], // SET clears the TTL
      ["PEXPIRETIME", "d"],
      ["EXPIRE", "c", "0"],
      ["EXISTS", "c"],
      ["SET", "e", "1"],
      ["EXPIRE", "e", "-9223372036854775"],
      ["EXISTS", "e"]
    ]))

  it("SET and GETEX with PXAT/EXAT beyond 2^53 ms keep the exact 64-bit time, as Redis does", () =>
    // absolute times compare exactly (no tolerance): only TTL/PTTL depend on the clock
    checkSequences(servers(), fc.constant<ReadonlyArray<Command>>([
      ["SET", "k", "v", "PXAT", "9223372036854775807"],
      ["PEXPIRETIME", "k"],
      ["EXPIRETIME", "k"],
      ["TTL", "k"],
      ["PTTL", "k"],
      ["SET", "k", "v", "PXAT", "9007199254740993"], // 2^53 + 1: the first time a double rounds
      ["PEXPIRETIME", "k"],
      ["PEXPIREAT", "k", "9007199254740992", "GT"],
      ["PEXPIREAT", "k", "9007199254740992", "LT"],
      ["PEXPIRETIME", "k"],
      ["SET", "k", "v", "EXAT", "9223372036854775"],
      ["PEXPIRETIME", "k"],
      ["EXPIRETIME", "k"],
      ["SET", "k", "v", "EXAT", "9223372036854776"],
      ["SET", "k", "v", "PX", "9223372036854775807"],
      ["GETEX", "k", "PXAT", "9223372036854775807"],
      ["PEXPIRETIME", "k"],
      ["GETEX", "k", "EXAT", "9223372036854775"],
      ["PEXPIRETIME", "k"],
      ["SET", "k", "v", "PXAT", "9223372036854775806", "KEEPTTL"],
      ["SET", "k", "w", "KEEPTTL"],
      ["PEXPIRETIME", "k"],
      ["SET", "k", "v", "PXAT", "9223372036854775807", "GET"],
      ["PEXPIRETIME", "k"],
      ["PEXPIREAT", "k", "9223372036854775806", "LT"],
      ["PEXPIRETIME", "k"],
      ["EXPIREAT", "k", "9223372036854775", "GT"],
      ["PEXPIRETIME", "k"],
      ["PTTL", "k"]
    ]), { numRuns: 1, tolerate: (c, a, b) => /^p?ttl$/i.test(c[0]!) && tolerate(c, a, b) }))

  it("random expiry sequences behave like Redis (RESP2 and RESP3)", async () => {
    const sequences = fc.array(command, { maxLength: 25, size: "max" })
    await checkSequences(servers(), sequences, { tolerate, numRuns: 200 })
    await checkSequences(servers(), sequences, { tolerate, numRuns: 100, setup: [["HELLO", "3"]] })
  })
})

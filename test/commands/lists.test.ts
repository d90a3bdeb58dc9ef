/**
 * List commands against a real redis-server: every error path and edge case named in Redis's
 * t_list.c, byte for byte in RESP2 and RESP3, then random sequences of every list command.
 */
import fc from "fast-check"
import { it } from "vitest"
import { type Command, checkCommands, checkSequences, describeDifferential } from "../support/differential.ts"
import { element, listCommand, listKey, mpopArgs, mpopTail, side } from "../support/generators/lists.ts"

/** Exact cases: each error in the order Redis checks arguments, keys and types. */
const examples: ReadonlyArray<Command> = [
  ["SET", "s", "string"],
  // LPUSH/RPUSH/LPUSHX/RPUSHX
  ["LPUSH", "l"],
  ["LPUSH", "s", "a"],
  ["LPUSHX", "nokey", "a"],
  ["RPUSHX", "s", "a"],
  ["LPUSH", "l", "a", "b", "c"],
  ["RPUSH", "l", "d", "e"],
  ["LPUSHX", "l", "x", "y"],
  ["RPUSHX", "l", "z"],
  ["LRANGE", "l", "0", "-1"],
  ["OBJECT", "ENCODING", "l"],
  ["TYPE", "l"],
  // LPOP/RPOP with and without count
  ["LPOP"],
  ["LPOP", "l", "1", "2"],
  ["RPOP", "nokey"],
  ["LPOP", "nokey", "0"],
  ["LPOP", "nokey", "1"],
  ["LPOP", "nokey", "-1"],
  ["LPOP", "l", "-1"],
  ["LPOP", "l", "abc"],
  ["LPOP", "l", "01"],
  ["LPOP", "s"],
  ["LPOP", "s", "1"],
  ["LPOP", "l", "0"],
  ["LPOP", "l"],
  ["RPOP", "l", "2"],
  ["RPOP", "l", "100"],
  ["EXISTS", "l"],
  // LRANGE clamping, including 64-bit extremes
  ["RPUSH", "r", "0", "1", "2", "3", "4"],
  ["LRANGE", "r", "-100", "100"],
  ["LRANGE", "r", "2", "1"],
  ["LRANGE", "r", "5", "10"],
  ["LRANGE", "r", "-1", "-2"],
  ["LRANGE", "r", "-9223372036854775808", "9223372036854775807"],
  ["LRANGE", "r", "0", "-9223372036854775808"],
  ["LRANGE", "r", "9223372036854775808", "0"],
  ["LRANGE", "r", "a", "0"],
  ["LRANGE", "r", "0", "1.5"],
  ["LRANGE", "s", "0", "x"],
  ["LRANGE", "s", "0", "1"],
  ["LRANGE", "nokey", "0", "1"],
  // LINDEX: missing key wins over a bad index; WRONGTYPE too
  ["LINDEX", "nokey", "abc"],
  ["LINDEX", "s", "abc"],
  ["LINDEX", "r", "abc"],
  ["LINDEX", "r", "-1"],
  ["LINDEX", "r", "-5"],
  ["LINDEX", "r", "-6"],
  ["LINDEX", "r", "5"],
  ["LINDEX", "r", "-9223372036854775808"],
  // LSET
  ["LSET", "nokey", "0", "x"],
  ["LSET", "nokey", "abc", "x"],
  ["LSET", "s", "abc", "x"],
  ["LSET", "r", "abc", "x"],
  ["LSET", "r", "5", "x"],
  ["LSET", "r", "-6", "x"],
  ["LSET", "r", "-1", "last"],
  ["LSET", "r", "0", "first"],
  ["LRANGE", "r", "0", "-1"],
  // LTRIM: indexes before the key; out of range empties and deletes the key
  ["LTRIM", "nokey", "a", "0"],
  ["LTRIM", "nokey", "0", "1"],
  ["LTRIM", "s", "0", "1"],
  ["LTRIM", "r", "1", "-2"],
  ["LRANGE", "r", "0", "-1"],
  ["LTRIM", "r", "-100", "100"],
  ["LRANGE", "r", "0", "-1"],
  ["LTRIM", "r", "2", "1"],
  ["EXISTS", "r"],
  // LREM: count before the key
  ["RPUSH", "m", "a", "b", "a", "c", "a", "b", "a"],
  ["LREM", "nokey", "x", "a"],
  ["LREM", "nokey", "0", "a"],
  ["LREM", "s", "0", "a"],
  ["LREM", "m", "2", "a"],
  ["LRANGE", "m", "0", "-1"],
  ["LREM", "m", "-1", "a"],
  ["LRANGE", "m", "0", "-1"],
  ["LREM", "m", "0", "zz"],
  ["LREM", "m", "0", "b"],
  ["LREM", "m", "0", "a"],
  ["LRANGE", "m", "0", "-1"],
  ["LREM", "m", "-9223372036854775808", "c"],
  ["EXISTS", "m"],
  // LINSERT: the position word first, pivot missing -1, key missing 0
  ["LINSERT", "nokey", "middle", "a", "b"],
  ["LINSERT", "nokey", "before", "a", "b"],
  ["LINSERT", "s", "after", "a", "b"],
  ["RPUSH", "i", "a", "b", "c", "b"],
  ["LINSERT", "i", "before", "zz", "x"],
  ["LINSERT", "i", "BEFORE", "b", "x"],
  ["LINSERT", "i", "After", "b", "y"],
  ["LINSERT", "i", "after", "c", "end"],
  ["LINSERT", "i", "before", "a", "start"],
  ["LRANGE", "i", "0", "-1"],
  // LLEN
  ["LLEN", "i"],
  ["LLEN", "nokey"],
  ["LLEN", "s"],
  // LPOS: options first (RANK 0, negative COUNT/MAXLEN, unknown), then the key
  ["RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c"],
  ["LPOS", "p", "c"],
  ["LPOS", "p", "c", "RANK", "2"],
  ["LPOS", "p", "c", "RANK", "-1"],
  ["LPOS", "p", "c", "RANK", "-3"],
  ["LPOS", "p", "c", "RANK", "4"],
  ["LPOS", "p", "c", "COUNT", "0"],
  ["LPOS", "p", "c", "COUNT", "2"],
  ["LPOS", "p", "c", "COUNT", "2", "RANK", "-1"],
  ["LPOS", "p", "c", "COUNT", "0", "MAXLEN", "7"],
  ["LPOS", "p", "c", "RANK", "-1", "MAXLEN", "1"],
  ["LPOS", "p", "c", "MAXLEN", "2"],
  ["LPOS", "p", "c", "COUNT", "5", "RANK", "9223372036854775807"],
  ["LPOS", "p", "c", "RANK", "-9223372036854775808"],
  ["LPOS", "p", "c", "RANK", "-9223372036854775808", "COUNT", "1"],
  ["LPOS", "p", "c", "RANK", "-9223372036854775807", "COUNT", "1"],
  ["LPOS", "p", "c", "rank", "1", "rank", "2"],
  ["LPOS", "p", "zz"],
  ["LPOS", "p", "zz", "COUNT", "1"],
  ["LPOS", "p", "c", "RANK", "0"],
  ["LPOS", "p", "c", "RANK", "x"],
  ["LPOS", "p", "c", "COUNT", "-1"],
  ["LPOS", "p", "c", "COUNT", "x"],
  ["LPOS", "p", "c", "MAXLEN", "-1"],
  ["LPOS", "p", "c", "MAXLEN", "x"],
  ["LPOS", "p", "c", "RANK"],
  ["LPOS", "p", "c", "FOO", "1"],
  ["LPOS", "nokey", "c"],
  ["LPOS", "nokey", "c", "COUNT", "1"],
  ["LPOS", "nokey", "c", "RANK", "0"],
  ["LPOS", "s", "c"],
  // LMOVE/RPOPLPUSH: sides first; source WRONGTYPE; destination WRONGTYPE leaves the source intact
  ["LMOVE", "p", "q", "up", "left"],
  ["LMOVE", "p", "q", "left", "down"],
  ["LMOVE", "nokey", "q", "left", "right"],
  ["LMOVE", "s", "q", "left", "right"],
  ["LMOVE", "p", "s", "left", "right"],
  ["RPOPLPUSH", "p", "s"],
  ["RPOPLPUSH", "nokey", "s"],
  ["LMOVE", "p", "q", "LEFT", "RIGHT"],
  ["LMOVE", "p", "q", "right", "left"],
  ["RPOPLPUSH", "p", "q"],
  ["LMOVE", "q", "q", "left", "right"],
  ["LRANGE", "q", "0", "-1"],
  ["RPUSH", "one", "x"],
  ["RPOPLPUSH", "one", "one"],
  ["LMOVE", "one", "other", "left", "left"],
  ["EXISTS", "one"],
  ["LRANGE", "other", "0", "-1"],
  // LMPOP: numkeys, then the side, then COUNT
  ["LMPOP", "0", "k", "left"],
  ["LMPOP", "-1", "k", "left"],
  ["LMPOP", "abc", "k", "left"],
  ["LMPOP", "2", "k", "left"],
  ["LMPOP", "9223372036854775807", "k", "left"],
  ["LMPOP", "1", "k", "middle"],
  ["LMPOP", "1", "k", "left", "count", "0"],
  ["LMPOP", "1", "k", "left", "count", "-1"],
  ["LMPOP", "1", "k", "left", "count", "x"],
  ["LMPOP", "1", "k", "left", "count", "1", "count", "1"],
  ["LMPOP", "1", "k", "left", "count"],
  ["LMPOP", "1", "k", "left", "foo"],
  ["LMPOP", "1", "nokey", "left"],
  ["LMPOP", "2", "nokey", "s", "left"],
  ["LMPOP", "3", "nokey", "p", "s", "LEFT", "COUNT", "2"],
  ["LMPOP", "2", "p", "nokey", "right", "count", "100"],
  ["EXISTS", "p"],
  // blocking commands answer at once when a key has data, and parse the timeout first
  ["BLPOP", "k", "-1"],
  ["BLPOP", "k", "abc"],
  ["BLPOP", "k", "inf"],
  ["BLPOP", "k", "-inf"],
  ["BLPOP", "k", "1e100"],
  // timeouts are long doubles rounded up to ms: tiny positive ones wait 1 ms, huge ones overflow
  ...["0.0001", "1e-400", "1e400", "-1e400", "1.18e4932", "1.19e4932", "1.9e-4951", "1.8e-4951", "0x1p16383", "0x1p16384"]
    .map((t) => ["BLPOP", "k", t]),
  ...["0x1p-16445", "0x1p-16446", "0x1.8p-16446", "0x.1p-10", "1e", "0x1p", ".e1", " 1", "1 ", "nan"].map((t) => ["BLPOP", "k", t]),
  ["BLPOP", "s", "-1"],
  ["BLPOP", "s", "0"],
  ["RPUSH", "b1", "a", "b", "c"],
  ["BLPOP", "nokey", "b1", "s", "0"],
  ["BRPOP", "nokey", "b1", "0"],
  ["BLPOP", "b1", "1.5"],
  ["BLPOP", "nokey", "0.01"],
  ["BRPOP", "nokey", "nokey2", "0.01"],
  ["BRPOPLPUSH", "b1", "d", "-1"],
  ["BRPOPLPUSH", "s", "d", "0"],
  ["BLMOVE", "b1", "d", "up", "left", "0"],
  ["BLMOVE", "b1", "d", "left", "right", "x"],
  ["BLMOVE", "s", "d", "left", "right", "0"],
  ["RPUSH", "b1", "x", "y"],
  ["BLMOVE", "b1", "s", "left", "right", "0"],
  ["BRPOPLPUSH", "b1", "s", "0"],
  ["BLMOVE", "b1", "d", "Left", "RIGHT", "0"],
  ["BRPOPLPUSH", "b1", "d", "0"],
  ["BLMOVE", "nokey", "d", "left", "right", "0.01"],
  ["BRPOPLPUSH", "nokey", "d", "0.01"],
  ["LRANGE", "d", "0", "-1"],
  ["BLMPOP", "0", "0", "k", "left"],
  ["BLMPOP", "x", "1", "k", "left"],
  ["BLMPOP", "-1", "1", "k", "left"],
  ["BLMPOP", "-1", "1", "k", "up"],
  ["BLMPOP", "0", "1", "k", "left", "count", "0"],
  ["BLMPOP", "0", "2", "s", "d", "left"],
  ["BLMPOP", "0", "2", "nokey", "d", "right", "COUNT", "5"],
  ["BLMPOP", "0.01", "1", "nokey", "left"],
  // inside MULTI the blocking forms never block: null array, or null bulk for the moves
  ["MULTI"],
  ["BLPOP", "nokey", "0"],
  ["BRPOP", "nokey", "0"],
  ["BRPOPLPUSH", "nokey", "d", "0"],
  ["BLMOVE", "nokey", "d", "left", "left", "0"],
  ["BLMPOP", "0", "1", "nokey", "left"],
  ["RPUSH", "nokey", "a", "b", "c"],
  ["BLPOP", "nokey", "0"],
  ["BRPOPLPUSH", "nokey", "d", "0"],
  ["BLMPOP", "0", "1", "nokey", "left", "COUNT", "5"],
  ["BLPOP", "nokey", "0"],
  ["EXEC"],
  ["LRANGE", "d", "0", "-1"],
  // arity
  ["RPUSH", "k"],
  ["LRANGE", "k", "0"],
  ["LLEN"],
  ["LINDEX", "k"],
  ["LSET", "k", "0"],
  ["LREM", "k", "0"],
  ["LTRIM", "k", "0"],
  ["LINSERT", "k", "before", "a"],
  ["LPOS", "k"],
  ["LMOVE", "a", "b", "left"],
  ["RPOPLPUSH", "a"],
  ["LMPOP", "1", "k"],
  ["BLPOP", "k"],
  ["BLMOVE", "a", "b", "left", "right"],
  ["BRPOPLPUSH", "a", "b"],
  ["BLMPOP", "0", "1", "k"]
]

/** Binary-safe values: empty, CRLF, NUL, high bytes, integers (Redis stores those specially). */
const binaryExamples: ReadonlyArray<Command> = [
  ["RPUSH", "bin", "", "a\r\nb", "\u0000\u00ff", "12345", "-9223372036854775808", "9223372036854775808", "1.5"],
  ["LRANGE", "bin", "0", "-1"],
  ["LPOS", "bin", "12345"],
  ["LPOS", "bin", ""],
  ["LINSERT", "bin", "after", "\u0000\u00ff", "\u00fe"],
  ["LREM", "bin", "0", "-9223372036854775808"],
  ["LSET", "bin", "0", "\r\n"],
  ["LPOP", "bin", "3"],
  ["RPOP", "bin"],
  ["LRANGE", "bin", "0", "-1"]
]


/** Sometimes a whole transaction, where the blocking forms must not block even with timeout 0. */
const transaction: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .array(
    fc.oneof(
      listCommand,
      fc.tuple(fc.constantFrom("BLPOP", "BRPOP"), listKey, fc.constant("0")),
      fc.tuple(fc.constant("BLMOVE"), listKey, listKey, side, side, fc.constant("0")),
      fc.tuple(fc.constant("BLMPOP"), fc.constant("0"), mpopTail).map(([c, t, tail]) => [c, t, ...mpopArgs(tail)])
    ),
    { maxLength: 5 }
  )
  .map((cs) => [["MULTI"], ...cs, ["EXEC"]])

const sequences = fc
  .array(fc.oneof({ arbitrary: listCommand.map((c) => [c]), weight: 20 }, { arbitrary: transaction, weight: 1 }), {
    maxLength: 40,
    size: "medium"
  })
  .map((groups) => groups.flat())

// hz 100: Redis checks blocking timeouts on its event loop ticks, so short timeouts end in ~10 ms
describeDifferential("list commands", (servers) => {
  it("errors and edge cases match Redis (RESP2)", () => checkCommands(servers(), [...examples, ...binaryExamples]))

  it("errors and edge cases match Redis (RESP3)", () =>
    checkCommands(servers(), [["HELLO", "3"], ...examples, ...binaryExamples]))

  it("random sequences of list commands match Redis (RESP2)", () =>
    checkSequences(servers(), sequences, { numRuns: 250 }))

  it("random sequences of list commands match Redis (RESP3)", () =>
    checkSequences(servers(), sequences, { numRuns: 150, setup: [["HELLO", "3"]] }))

  it("long lists: pushes and pops at both ends, trims and ranges match Redis", () =>
    checkSequences(
      servers(),
      fc.array(
        fc.oneof(
          fc.tuple(
            fc.constantFrom("LPUSH", "RPUSH"),
            fc.constant("big"),
            fc.array(element, { minLength: 1, maxLength: 100, size: "max" })
          ).map(([c, k, es]) => [c, k, ...es]),
          fc.tuple(fc.constantFrom("LPOP", "RPOP"), fc.constant("big"), fc.integer({ min: 1, max: 30 }).map(String)),
          fc.tuple(fc.constant("LTRIM"), fc.constant("big"), fc.integer({ min: -80, max: 80 }).map(String), fc.integer({ min: -80, max: 80 }).map(String)),
          fc.tuple(fc.constant("LINSERT"), fc.constant("big"), fc.constantFrom("BEFORE", "AFTER"), element, element),
          fc.tuple(fc.constant("LREM"), fc.constant("big"), fc.integer({ min: -5, max: 5 }).map(String), element),
          fc.tuple(fc.constant("LSET"), fc.constant("big"), fc.integer({ min: -100, max: 100 }).map(String), element),
          fc.tuple(fc.constant("LPOS"), fc.constant("big"), element, fc.constant("COUNT"), fc.constant("0")),
          fc.tuple(fc.constant("LMOVE"), fc.constant("big"), fc.constant("big"), side, side),
          fc.tuple(fc.constant("LRANGE"), fc.constant("big"), fc.constant("0"), fc.constant("-1"))
        ),
        { minLength: 5, maxLength: 40, size: "max" }
      ),
      { numRuns: 100 }
    ))
}, { oracleArgs: ["--hz", "100"] })

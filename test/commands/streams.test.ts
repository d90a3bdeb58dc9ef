/**
 * Stream commands against a real redis-server: every error path and edge case as fixed command lists,
 * then random sequences of every stream command (explicit IDs, so replies are deterministic) in RESP2
 * and RESP3, with Redis's default node limits and with tiny ones that make `~` trimming and XINFO's
 * node counts depend on node boundaries. Times (idle, delivery and seen times) are masked: their
 * semantics are tested with TestClock in streams-blocking.test.ts.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import {
  checkCommands,
  checkSequences,
  type Command,
  describeDifferential,
  type Normalize,
  type Servers
} from "../support/differential.ts"
import { RawConnection } from "../support/raw.ts"
import { groupSequences, streamSequences as sequences } from "../support/generators/streams.ts"

// --- masking times ---------------------------------------------------------------------------------

const TIME = "<time>"

/** Field/value pairs of a map reply, in RESP2 (flat array) or RESP3 (Map) form. */
const mapPairs = (value: Reply): Array<[Reply, Reply]> | undefined => {
  if (value instanceof Map) return [...value.entries()] as Array<[Reply, Reply]>
  if (Array.isArray(value) && value.length % 2 === 0) {
    const out: Array<[Reply, Reply]> = []
    for (let i = 0; i < value.length; i += 2) out.push([value[i]!, value[i + 1]!])
    return out
  }
  return undefined
}

const maskMap = (value: Reply, mask: (key: string, v: Reply) => unknown): unknown => {
  const pairs = mapPairs(value)
  if (pairs === undefined) return value
  return pairs.map(([k, v]) => [k, mask(String(k), v)])
}

const maskRows = (rows: Reply, column: number): unknown =>
  Array.isArray(rows) ? rows.map((row) => (Array.isArray(row) ? row.map((x, i) => (i === column ? TIME : x)) : row)) : rows

/** Replaces the clock-dependent numbers of a reply by a placeholder. */
const maskTimes = (command: Command, value: Reply): unknown => {
  if (value instanceof Error) return { error: value.message }
  const name = command[0]!.toLowerCase()
  const sub = command[1]?.toLowerCase()
  if (name === "xpending" && command.length > 3) return maskRows(value, 2)
  if (name === "xinfo" && sub === "consumers" && Array.isArray(value)) {
    return value.map((c) => maskMap(c, (k, v) => (k === "idle" ? TIME : v)))
  }
  if (name === "xinfo" && sub === "stream" && command.length > 3) {
    return maskMap(value, (k, v) => {
      if (k !== "groups" || !Array.isArray(v)) return v
      return v.map((g) =>
        maskMap(g, (gk, gv) => {
          if (gk === "pending") return maskRows(gv, 2)
          if (gk !== "consumers" || !Array.isArray(gv)) return gv
          return gv.map((c) =>
            maskMap(c, (ck, cv) => (ck === "seen-time" ? TIME : ck === "pending" ? maskRows(cv, 1) : cv))
          )
        })
      )
    })
  }
  return value
}

/** Exact bytes, except for replies that carry times, compared structurally with the times masked. */
const streamNormalize: Normalize = (command, reply) => {
  const name = command[0]!.toLowerCase()
  const sub = command[1]?.toLowerCase()
  const timed = (name === "xpending" && command.length > 3) ||
    (name === "xinfo" && (sub === "consumers" || (sub === "stream" && command.length > 3)))
  return timed ? { resp: reply.raw.charAt(0), value: maskTimes(command, reply.value) } : reply.raw
}

// --- fixed cases -------------------------------------------------------------------------------------

const MAX = "18446744073709551615-18446744073709551615"

const errorCases: ReadonlyArray<Command> = [
  ["SET", "str", "x"],
  // XADD argument parsing
  ["XADD", "s"],
  ["XADD", "s", "*"],
  ["XADD", "s", "*", "a"],
  ["XADD", "s", "*", "a", "1", "b"],
  ["XADD", "s", "0-0", "a", "1"],
  ["XADD", "s", "0", "a", "1"],
  ["XADD", "s", "-", "a", "1"],
  ["XADD", "s", "+", "a", "1"],
  ["XADD", "s", "5-x", "a", "1"],
  ["XADD", "s", "x-5", "a", "1"],
  ["XADD", "s", "1-", "a", "1"],
  ["XADD", "s", "-1", "a", "1"],
  ["XADD", "s", "1-2-3", "a", "1"],
  ["XADD", "s", "18446744073709551616-0", "a", "1"],
  ["XADD", "s", "1-18446744073709551616", "a", "1"],
  ["XADD", "s", "1".repeat(130), "a", "1"],
  ["XADD", "s", "MAXLEN", "x", "*", "a", "1"],
  ["XADD", "s", "MAXLEN", "-1", "*", "a", "1"],
  ["XADD", "s", "MAXLEN", "1", "MINID", "0", "*", "a", "1"],
  ["XADD", "s", "MINID", "0", "MAXLEN", "1", "*", "a", "1"],
  ["XADD", "s", "LIMIT", "10", "*", "a", "1"],
  ["XADD", "s", "LIMIT", "0", "1-1", "a", "1"],
  ["XADD", "s", "MAXLEN", "5", "LIMIT", "10", "*", "a", "1"],
  ["XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "*", "a", "1"],
  ["XADD", "s", "MAXLEN", "~", "5", "LIMIT", "x", "*", "a", "1"],
  ["XADD", "s", "MINID", "x", "*", "a", "1"],
  ["XADD", "s", "MINID", "-", "*", "a", "1"],
  ["XADD", "s", "MAXLEN"],
  ["XADD", "s", "MAXLEN", "~", "*", "a", "1"],
  ["XADD", "s", "NOMKSTREAM"],
  ["XADD", "s", "NOMKSTREAM", "1-1", "a", "1"],
  ["EXISTS", "s"],
  ["XADD", "str", "1-1", "a", "1"],
  ["XADD", "str", "NOMKSTREAM", "1-1", "a", "1"],
  // IDs: explicit, partial, ms-*, exhaustion
  ["XADD", "s", "0-*", "a", "1"],
  ["XADD", "s", "0-*", "a", "1"],
  ["XADD", "s", "1-1", "a", "1"],
  ["XADD", "s", "1-1", "a", "1"],
  ["XADD", "s", "1-0", "a", "1"],
  ["XADD", "s", "1", "a", "1"],
  ["XADD", "s", "1-*", "a", "1"],
  ["XADD", "s", "0-*", "a", "1"],
  ["XADD", "s", "5-*", "a", "1"],
  ["XADD", "s", "01-9", "a", "1"],
  ["XADD", "s", " 7-1", "a", "1"],
  ["XADD", "s", "+8-1", "a", "1"],
  ["XADD", "s", "9-+1", "a", "1"],
  ["XADD", "s", "10-01", "a", "1"],
  ["XADD", "s", "11--5", "a", "1"],
  ["XADD", "s", "11--05", "a", "1"],
  ["XADD", "s", "-0-1", "a", "1"],
  ["XADD", "s", "12\u0000junk", "a", "1"],
  ["XADD", "s", "12-18446744073709551615", "a", "1"],
  ["XADD", "s", "12-*", "a", "1"],
  ["XADD", "s", "18446744073709551615-18446744073709551614", "a", "1"],
  ["XADD", "s", "18446744073709551615-*", "a", "1"],
  ["XADD", "s", "*", "a", "1"],
  ["XADD", "s", "18446744073709551615-*", "a", "1"],
  ["XRANGE", "s", "-", "+"],
  ["XLEN", "s"],
  ["DEL", "s"],
  // type errors and missing keys
  ["XLEN", "str"],
  ["XLEN", "nokey"],
  ["XRANGE", "str", "-", "+"],
  ["XRANGE", "nokey", "-", "+"],
  ["XREVRANGE", "nokey", "+", "-"],
  ["XDEL", "str", "1-1"],
  ["XDEL", "nokey", "x"],
  ["XTRIM", "str", "MAXLEN", "1"],
  ["XTRIM", "nokey", "MAXLEN", "1"],
  ["XTRIM", "nokey", "MAXLEN", "x"],
  ["XSETID", "nokey", "1-1"],
  ["XSETID", "str", "1-1"],
  // XRANGE parsing
  ["XADD", "s", "1-1", "a", "1"],
  ["XADD", "s", "2-2", "b", "2"],
  ["XRANGE", "s", "-", "+", "COUNT"],
  ["XRANGE", "s", "-", "+", "COUNT", "x"],
  ["XRANGE", "s", "-", "+", "foo", "1"],
  ["XRANGE", "s", "-", "+", "COUNT", "-5"],
  ["XRANGE", "s", "-", "+", "COUNT", "0"],
  ["XRANGE", "s", "-", "+", "count", "1", "COUNT", "5"],
  ["XRANGE", "s", "(", "+"],
  ["XRANGE", "s", "(-", "+"],
  ["XRANGE", "s", "-", "(+"],
  ["XRANGE", "s", "(" + MAX, "+"],
  ["XRANGE", "s", "-", "(0-0"],
  ["XRANGE", "s", "(1-1", "+"],
  ["XRANGE", "s", "-", "(2-2"],
  ["XRANGE", "s", "1", "1"],
  ["XRANGE", "s", "(1", "2"],
  ["XRANGE", "s", "x", "+"],
  ["XRANGE", "s", "+", "-"],
  ["XREVRANGE", "s", "+", "-", "COUNT", "1"],
  ["XREVRANGE", "s", "(2-2", "-"],
  ["XREVRANGE", "s", "-", "+"],
  // XDEL / XTRIM parsing
  ["XDEL", "s", "x"],
  ["XDEL", "s", "1-1", "x"],
  ["XDEL", "s", "-"],
  ["XRANGE", "s", "-", "+"],
  ["XTRIM", "s", "foo"],
  ["XTRIM", "s", "MAXLEN", "1", "foo"],
  ["XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "5"],
  ["XTRIM", "s", "MAXLEN", "1", "LIMIT", "5"],
  ["XTRIM", "s", "MINID", "~", "0", "LIMIT", "0"],
  ["XTRIM", "s", "NOMKSTREAM", "MAXLEN", "1"],
  ["XTRIM", "s", "MAXLEN", "=", "1"],
  ["XTRIM", "s", "MINID", "=", "5"],
  // XSETID
  ["XADD", "s", "3-3", "a", "1"],
  ["XSETID", "s", "0-1"],
  ["XSETID", "s", "3-2"],
  ["XSETID", "s", "-"],
  ["XSETID", "s", "+"],
  ["XSETID", "s", "5-5", "ENTRIESADDED"],
  ["XSETID", "s", "5-5", "ENTRIESADDED", "x"],
  ["XSETID", "s", "5-5", "ENTRIESADDED", "-1"],
  ["XSETID", "s", "5-5", "ENTRIESADDED", "0"],
  ["XSETID", "s", "5-5", "MAXDELETEDID", "x"],
  ["XSETID", "s", "5-5", "MAXDELETEDID", "6-0"],
  ["XSETID", "s", "5-5", "MAXDELETEDID", "3-0", "foo"],
  ["XSETID", "s", "5-5", "MAXDELETEDID", "3-0", "ENTRIESADDED", "9223372036854775807"],
  ["XINFO", "STREAM", "s"],
  ["XADD", "s", "5-*", "a", "1"],
  ["XINFO", "STREAM", "s"],
  ["XSETID", "s", "3-9"],
  ["XINFO", "STREAM", "s"],
  ["XSETID", "s", "5-5", "ENTRIESADDED", "9223372036854775807"],
  ["XADD", "s", "6-0", "a", "1"],
  ["XINFO", "STREAM", "s"],
  // XREAD / XREADGROUP parsing
  ["XREAD", "STREAMS"],
  ["XREAD", "STREAMS", "s"],
  ["XREAD", "STREAMS", "s", "t", "0"],
  ["XREAD", "COUNT", "x", "STREAMS", "s", "0"],
  ["XREAD", "COUNT", "-1", "STREAMS", "s", "0"],
  ["XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "s", "0"],
  ["XREAD", "BLOCK", "x", "STREAMS", "s", "0"],
  ["XREAD", "BLOCK", "-1", "STREAMS", "s", "0"],
  ["XREAD", "BLOCK", "1.5", "STREAMS", "s", "0"],
  ["XREAD", "BLOCK", "0", "STREAMS", "s", "0"],
  ["XREAD", "foo", "STREAMS", "s", "0"],
  ["XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"],
  ["XREAD", "NOACK", "STREAMS", "s", "0"],
  ["XREAD", "STREAMS", "s", ">"],
  ["XREAD", "STREAMS", "s", "+"],
  ["XREAD", "STREAMS", "s", "-"],
  ["XREAD", "STREAMS", "s", "(0"],
  ["XREAD", "STREAMS", "str", "0"],
  ["XREAD", "COUNT", "1"],
  ["XREAD", "COUNT", "1", "count"],
  ["XREAD", "STREAMS", "s", MAX],
  ["XREAD", "STREAMS", "s", "$"],
  ["XREAD", "STREAMS", "nokey", "s", "$", "0"],
  ["XREAD", "STREAMS", "s", "s", "0", "2"],
  ["XREAD", "STREAMS", "STREAMS", "s", "0", "0"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
  ["XREADGROUP", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">"],
  ["XREADGROUP", "COUNT", "1", "STREAMS", "s", ">", "x"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"],
  ["XGROUP", "CREATE", "s", "g", "0"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "+"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x"],
  ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", "0"],
  ["XREADGROUP", "GROUP", "g", "c", "COUNT", "0", "STREAMS", "s", "0"],
  ["XREADGROUP", "GROUP", "g", "c", "NOACK", "NOACK", "COUNT", "1", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g", "c", "GROUP", "g2", "c2", "STREAMS", "s", "0"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "nokey", ">", ">"],
  ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", ">", ">"],
  ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "s", ">", "0"],
  ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "s", "0", ">"],
  ["XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", MAX],
  ["XREADGROUP", "GROUP", "g", "c3", "BLOCK", "100", "STREAMS", "s", ">"],
  // XGROUP
  ["XGROUP"],
  ["XGROUP", "foo"],
  ["XGROUP", "foo", "s", "g", "x", "y"],
  ["XGROUP", "CREATE", "s"],
  ["XGROUP", "CREATE", "str", "g", "$"],
  ["XGROUP", "CREATE", "nokey", "g", "$"],
  ["XGROUP", "CREATE", "nokey", "g", "x", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM", "foo"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "ENTRIESREAD"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "ENTRIESREAD", "x"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "ENTRIESREAD", "-2"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g", "-", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g", "5-*", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "ENTRIESREAD", "-1", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"],
  ["XGROUP", "CREATE", "nokey", "g2", "7", "MKSTREAM", "ENTRIESREAD", "9223372036854775807"],
  ["XINFO", "GROUPS", "nokey"],
  ["XGROUP", "SETID", "nokey", "g", "5", "ENTRIESREAD", "3"],
  ["XGROUP", "SETID", "nokey", "g3", "5"],
  ["XGROUP", "SETID", "nokey", "g", "x"],
  ["XGROUP", "SETID", "nokey", "g", "-"],
  ["XGROUP", "SETID", "nokey", "g", "+"],
  ["XGROUP", "SETID", "nokey", "g", "$", "MKSTREAM"],
  ["XGROUP", "SETID", "nokey", "g", "1", "ENTRIESREAD", "1", "ENTRIESREAD", "2"],
  ["XGROUP", "SETID", "nokey", "g", "1", "ENTRIESREAD"],
  ["XGROUP", "SETID", "missing", "g", "1"],
  ["XGROUP", "DESTROY", "nokey", "g3"],
  ["XGROUP", "DESTROY", "missing", "g3"],
  ["XGROUP", "DESTROY", "str", "g3"],
  ["XGROUP", "CREATECONSUMER", "nokey", "g3", "c"],
  ["XGROUP", "CREATECONSUMER", "nokey", "g", "c"],
  ["XGROUP", "CREATECONSUMER", "nokey", "g", "c"],
  ["XGROUP", "CREATECONSUMER", "nokey", "g", "c", "x"],
  ["XGROUP", "DELCONSUMER", "nokey", "g3", "c"],
  ["XGROUP", "DELCONSUMER", "missing", "g", "c"],
  ["XGROUP", "DELCONSUMER", "nokey", "g", "c"],
  ["XGROUP", "DELCONSUMER", "nokey", "g", "c"],
  ["XGROUP", "HELP"],
  ["xgroup", "help"],
  ["XGROUP", "HELP", "x"],
  // XINFO
  ["XINFO"],
  ["XINFO", "foo"],
  ["XINFO", "help"],
  ["XINFO", "HELP", "x"],
  ["XINFO", "STREAM"],
  ["XINFO", "STREAM", "missing"],
  ["XINFO", "STREAM", "missing", "FULL"],
  ["XINFO", "STREAM", "str"],
  ["XINFO", "STREAM", "s", "foo"],
  ["XINFO", "STREAM", "s", "FULL", "COUNT"],
  ["XINFO", "STREAM", "s", "FULL", "COUNT", "x"],
  ["XINFO", "STREAM", "s", "FULL", "foo", "1"],
  ["XINFO", "STREAM", "s", "foo", "COUNT", "1"],
  ["XINFO", "STREAM", "s", "FULL", "COUNT", "1", "x"],
  ["XINFO", "GROUPS"],
  ["XINFO", "GROUPS", "s", "x"],
  ["XINFO", "GROUPS", "missing"],
  ["XINFO", "GROUPS", "str"],
  ["XINFO", "CONSUMERS", "s"],
  ["XINFO", "CONSUMERS", "s", "nog"],
  ["XINFO", "CONSUMERS", "missing", "g"],
  ["XINFO", "CONSUMERS", "str", "g"],
  // XACK
  ["XACK", "s", "g"],
  ["XACK", "s", "g", "x"],
  ["XACK", "missing", "g", "x"],
  ["XACK", "str", "g", "x"],
  ["XACK", "s", "nog", "x"],
  ["XACK", "s", "g", "1-1", "x"],
  ["XACK", "s", "g", "1-1", "1-1", "9-9"],
  // XPENDING
  ["XPENDING", "s"],
  ["XPENDING", "s", "g", "-"],
  ["XPENDING", "s", "g", "-", "+"],
  ["XPENDING", "s", "g", "-", "+", "10", "c", "x", "y", "z"],
  ["XPENDING", "s", "g", "IDLE", "5", "-", "+"],
  ["XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"],
  ["XPENDING", "s", "g", "-", "+", "x"],
  ["XPENDING", "s", "g", "x", "+", "10"],
  ["XPENDING", "s", "g", "-", "x", "10"],
  ["XPENDING", "s", "g", "(" + MAX, "+", "10"],
  ["XPENDING", "s", "g", "-", "(0-0", "10"],
  ["XPENDING", "missing", "g"],
  ["XPENDING", "missing", "g", "-", "+", "10"],
  ["XPENDING", "str", "g"],
  ["XPENDING", "s", "nog"],
  ["XPENDING", "s", "g", "-", "+", "-1"],
  ["XPENDING", "s", "g", "-", "+", "10", "nobody"],
  ["XPENDING", "s", "g", "-", "+", "10", "c", "extra", "args"],
  // XCLAIM
  ["XCLAIM", "s", "g", "c", "0"],
  ["XCLAIM", "missing", "g", "c", "0", "1-1"],
  ["XCLAIM", "str", "g", "c", "0", "1-1"],
  ["XCLAIM", "s", "nog", "c", "0", "1-1"],
  ["XCLAIM", "s", "g", "c", "x", "1-1"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "IDLE"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "x"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", "x"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "x"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "-"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "foo"],
  ["XCLAIM", "s", "g", "c", "0", "1-1", "FORCE", "2-2"],
  ["XCLAIM", "s", "g", "c", "0", "+"],
  ["XCLAIM", "s", "g", "c", "0", "FORCE"],
  // XAUTOCLAIM
  ["XAUTOCLAIM", "s", "g", "c", "0"],
  ["XAUTOCLAIM", "s", "g", "c", "x", "0"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "x"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "(" + MAX],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "-1"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423488"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423487"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "1000000000"],
  ["XAUTOCLAIM", "s", "g", "c", "0", "0", "JUSTID", "foo"],
  ["XAUTOCLAIM", "s", "nog", "c", "0", "0"],
  ["XAUTOCLAIM", "missing", "g", "c", "0", "0"],
  ["XAUTOCLAIM", "missing", "g", "c", "0", "x"],
  ["XAUTOCLAIM", "str", "g", "c", "0", "0"]
]

/** A consumer-group flow touching every command, with deletions under pending entries. */
const groupFlow: ReadonlyArray<Command> = [
  ["XADD", "s", "1-1", "f", "v1"],
  ["XADD", "s", "2-1", "f", "v2", "g", "x"],
  ["XADD", "s", "3-1", "f", "v3"],
  ["XADD", "s", "4-1", "f", "v4"],
  ["XGROUP", "CREATE", "s", "g", "0"],
  ["XGROUP", "CREATE", "s", "a-group", "$"],
  ["XINFO", "GROUPS", "s"],
  ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XPENDING", "s", "g"],
  ["XPENDING", "s", "g", "-", "+", "10"],
  ["XPENDING", "s", "g", "-", "+", "10", "bob"],
  ["XPENDING", "s", "g", "(1-1", "(4-1", "1"],
  ["XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"],
  ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
  ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "1-1"],
  ["XDEL", "s", "2-1"],
  ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
  ["XPENDING", "s", "g", "-", "+", "10"],
  ["XACK", "s", "g", "1-1", "9-9"],
  ["XCLAIM", "s", "g", "carol", "0", "2-1", "3-1"],
  ["XCLAIM", "s", "g", "carol", "100000", "4-1"],
  ["XCLAIM", "s", "g", "carol", "0", "4-1", "JUSTID", "RETRYCOUNT", "7"],
  ["XCLAIM", "s", "g", "dave", "0", "1-1", "FORCE"],
  ["XCLAIM", "s", "g", "dave", "0", "1-1", "FORCE", "JUSTID", "LASTID", "9-0"],
  ["XINFO", "CONSUMERS", "s", "g"],
  ["XPENDING", "s", "g"],
  ["XADD", "s", "5-1", "f", "v5"],
  ["XREADGROUP", "GROUP", "g", "erin", "NOACK", "STREAMS", "s", ">"],
  ["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"],
  ["XREADGROUP", "GROUP", "g", "erin", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XDEL", "s", "3-1"],
  ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "1"],
  ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "2", "JUSTID"],
  ["XAUTOCLAIM", "s", "g", "frank", "100000", "0"],
  ["XAUTOCLAIM", "s", "g", "frank", "0", "(1-1"],
  ["XINFO", "STREAM", "s", "FULL"],
  ["XINFO", "STREAM", "s", "FULL", "COUNT", "1"],
  ["XINFO", "STREAM", "s", "FULL", "COUNT", "0"],
  ["TYPE", "s"],
  ["OBJECT", "ENCODING", "s"],
  // COPY duplicates the groups and their pending entries, independently of the original
  ["COPY", "s", "copy"],
  ["XINFO", "STREAM", "copy", "FULL"],
  ["XADD", "copy", "99-0", "f", "v"],
  ["XACK", "copy", "g", "4-1", "5-1"],
  ["XGROUP", "DELCONSUMER", "copy", "g", "carol"],
  ["XINFO", "STREAM", "copy", "FULL"],
  ["XINFO", "STREAM", "s", "FULL"],
  ["XGROUP", "DELCONSUMER", "s", "g", "frank"],
  ["XGROUP", "CREATECONSUMER", "s", "g", "frank"],
  ["XINFO", "CONSUMERS", "s", "g"],
  ["XGROUP", "DESTROY", "s", "g"],
  ["XINFO", "STREAM", "s"],
  ["XTRIM", "s", "MAXLEN", "0"],
  ["XINFO", "STREAM", "s"],
  ["XINFO", "GROUPS", "s"]
]

/** Lag and entries-read as XADD, XDEL, XTRIM and XSETID move the stream under a group. */
const lagFlow: ReadonlyArray<Command> = [
  ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
  ["XINFO", "GROUPS", "s"],
  ["XADD", "s", "1-0", "f", "v"],
  ["XADD", "s", "2-0", "f", "v"],
  ["XADD", "s", "3-0", "f", "v"],
  ["XADD", "s", "4-0", "f", "v"],
  ["XADD", "s", "5-0", "f", "v"],
  ["XINFO", "GROUPS", "s"],
  ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XDEL", "s", "3-0"],
  ["XINFO", "GROUPS", "s"],
  ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XGROUP", "CREATE", "s", "g2", "0"],
  ["XGROUP", "CREATE", "s", "g3", "1-0", "ENTRIESREAD", "1"],
  ["XGROUP", "CREATE", "s", "g4", "4-0"],
  ["XGROUP", "CREATE", "s", "g5", "9-0"],
  ["XINFO", "GROUPS", "s"],
  ["XTRIM", "s", "MAXLEN", "2"],
  ["XINFO", "GROUPS", "s"],
  ["XINFO", "STREAM", "s"],
  ["XDEL", "s", "4-0", "5-0"],
  ["XINFO", "GROUPS", "s"],
  ["XINFO", "STREAM", "s"],
  ["XADD", "s", "6-0", "f", "v"],
  ["XREADGROUP", "GROUP", "g2", "c", "STREAMS", "s", ">"],
  ["XINFO", "GROUPS", "s"],
  ["XSETID", "s", "7-0", "ENTRIESADDED", "10", "MAXDELETEDID", "6-5"],
  ["XINFO", "GROUPS", "s"],
  ["XINFO", "STREAM", "s"]
]

const suite = (protocol: 2 | 3) => {
  const setup: ReadonlyArray<Command> = protocol === 3 ? [["HELLO", "3"]] : []
  return (servers: () => Servers) => {
    it(`error paths and edge cases match Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.constant([...setup, ...errorCases]), { normalize: streamNormalize, numRuns: 1 }))

    it(`a consumer-group flow matches Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.constant([...setup, ...groupFlow]), { normalize: streamNormalize, numRuns: 1 }))

    it(`lag and entries-read match Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.constant([...setup, ...lagFlow]), { normalize: streamNormalize, numRuns: 1 }))

    it(`random sequences of stream commands match Redis (RESP${protocol})`, () =>
      checkSequences(servers(), sequences, { normalize: streamNormalize, numRuns: 150, setup }))

    it(`random consumer-group traffic matches Redis (RESP${protocol})`, () =>
      checkSequences(servers(), groupSequences, { normalize: streamNormalize, numRuns: 150, setup }))
  }
}

describeDifferential("streams (default node limits)", (servers) => {
  suite(2)(servers)
  suite(3)(servers)

  it("big streams: node boundaries by bytes and entries, ~ trimming, XINFO node counts", () =>
    checkCommands(servers(), [
      ...Array.from({ length: 450 }, (_, i) => ["XADD", "big", `${i + 1}-0`, "field", i % 7 === 0 ? "x".repeat(90) : String(i)]),
      ["XINFO", "STREAM", "big"],
      ["XADD", "big", "MAXLEN", "~", "300", "1000-0", "f", "v"],
      ["XINFO", "STREAM", "big"],
      ["XTRIM", "big", "MINID", "~", "200"],
      ["XINFO", "STREAM", "big"],
      ["XTRIM", "big", "MAXLEN", "~", "10", "LIMIT", "150"],
      ["XLEN", "big"],
      ["XDEL", "big", ...Array.from({ length: 60 }, (_, i) => `${i * 3 + 300}-0`)],
      ["XINFO", "STREAM", "big"],
      ["XTRIM", "big", "MAXLEN", "=", "100"],
      ["XINFO", "STREAM", "big"],
      ["XRANGE", "big", "350", "(360-0"],
      ["XREVRANGE", "big", "+", "-", "COUNT", "3"]
    ], streamNormalize))
})

describeDifferential("streams (tiny nodes)", (servers) => {
  suite(2)(servers)
}, {
  config: { "stream-node-max-entries": "3", "stream-node-max-bytes": "90" },
  oracleArgs: ["--stream-node-max-entries", "3", "--stream-node-max-bytes", "90"]
})

describeDifferential("streams (node size by bytes only)", (servers) => {
  it("random sequences match Redis with stream-node-max-entries 0", () =>
    checkSequences(servers(), sequences, { normalize: streamNormalize, numRuns: 100 }))
}, {
  config: { "stream-node-max-entries": "0", "stream-node-max-bytes": "60" },
  oracleArgs: ["--stream-node-max-entries", "0", "--stream-node-max-bytes", "60"]
})

describeDifferential("streams and WATCH", (servers) => {
  it("only writes to entries (and MKSTREAM) touch a watched stream, as in Redis", async () => {
    const { ours, theirs } = servers()
    const setup: ReadonlyArray<Command> = [
      ["FLUSHALL"],
      ["XADD", "s", "1-1", "f", "v"],
      ["XADD", "s", "2-1", "f", "v"],
      ["XGROUP", "CREATE", "s", "g", "0"],
      ["XREADGROUP", "GROUP", "g", "c0", "COUNT", "1", "STREAMS", "s", ">"]
    ]
    const writes: ReadonlyArray<Command> = [
      ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"],
      ["XREADGROUP", "GROUP", "g", "c0", "STREAMS", "s", "0"],
      ["XACK", "s", "g", "1-1"],
      ["XCLAIM", "s", "g", "c2", "0", "1-1"],
      ["XAUTOCLAIM", "s", "g", "c2", "0", "0"],
      ["XGROUP", "SETID", "s", "g", "0"],
      ["XGROUP", "CREATECONSUMER", "s", "g", "c5"],
      ["XGROUP", "DELCONSUMER", "s", "g", "c0"],
      ["XGROUP", "DESTROY", "s", "g"],
      ["XGROUP", "CREATE", "s", "g2", "0"],
      ["XGROUP", "CREATE", "new", "g", "0", "MKSTREAM"],
      ["XSETID", "s", "5-5"],
      ["XDEL", "s", "1-1"],
      ["XDEL", "s", "9-1"],
      ["XTRIM", "s", "MAXLEN", "1"],
      ["XTRIM", "s", "MAXLEN", "5"],
      ["XADD", "s", "3-1", "f", "v"],
      ["XADD", "s", "NOMKSTREAM", "3-1", "f", "v"]
    ]
    for (const write of writes) {
      const watched = write[2] === "new" ? "new" : "s"
      for (const conn of [ours, theirs]) await conn.pipeline([["RESET"], ...setup, ["WATCH", watched]])
      const others = await Promise.all([
        RawConnection.connect(servers().server.port),
        RawConnection.connect(servers().oracle.port)
      ])
      await Promise.all(others.map((c) => c.call(...write)))
      const transaction = [["MULTI"], ["PING"], ["EXEC"]]
      const [a, b] = await Promise.all([ours.pipeline(transaction), theirs.pipeline(transaction)])
      await Promise.all(others.map((c) => c.close()))
      expect({ write, exec: a[2]!.raw }).toEqual({ write, exec: b[2]!.raw })
    }
  })
})

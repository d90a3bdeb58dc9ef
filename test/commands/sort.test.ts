/**
 * SORT and SORT_RO, example by example: numeric and ALPHA order, BY weights in keys and hash fields,
 * BY without '*', GET patterns, LIMIT, DESC, STORE (and its "sortstore"/"del" events), conversion
 * errors and syntax errors. The first block states Redis 7.0's replies (sort.c, tests/unit/sort.tcl);
 * the differential block replays them against a real redis-server, byte for byte.
 */
import { describe, expect, it } from "vitest"
import { type Command, checkCommands, describeDifferential } from "../support/differential.ts"
import { connectedServer } from "../support/server.ts"

const ok = "+OK\r\n"
const nil = "$-1\r\n"
const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`
const int = (n: number) => `:${n}\r\n`
const err = (message: string) => `-${message}\r\n`
const bulks = (...items: ReadonlyArray<string | null>) => `*${items.length}\r\n${items.map((i) => (i === null ? nil : bulk(i))).join("")}`

const SYNTAX = "ERR syntax error"
const NOT_DOUBLE = "ERR One or more scores can't be converted into double"
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

const cases: Record<string, ReadonlyArray<readonly [Command, string]>> = {
  "numeric and ALPHA order, DESC, LIMIT": [
    [["RPUSH", "l", "3", "1", "10", "2", "-1", "2.5"], int(6)],
    [["SORT", "l"], bulks("-1", "1", "2", "2.5", "3", "10")],
    [["SORT", "l", "DESC"], bulks("10", "3", "2.5", "2", "1", "-1")],
    [["SORT", "l", "ALPHA"], bulks("-1", "1", "10", "2", "2.5", "3")],
    [["SORT", "l", "LIMIT", "1", "2"], bulks("1", "2")],
    [["SORT", "l", "LIMIT", "4", "10"], bulks("3", "10")],
    [["SORT", "l", "LIMIT", "-5", "2"], bulks("-1", "1")],
    [["SORT", "l", "LIMIT", "0", "-1", "desc", "asc"], bulks("-1", "1", "2", "2.5", "3", "10")],
    [["SORT", "l", "LIMIT", "6", "1"], bulks()],
    [["SORT", "l", "LIMIT", "0", "0"], bulks()],
    [["SORT_RO", "l", "LIMIT", "2", "2", "DESC"], bulks("2.5", "2")],
    [["RPUSH", "t", "a", "b", "1"], int(3)],
    [["SORT", "t"], err(NOT_DOUBLE)],
    [["SORT", "t", "ALPHA", "DESC"], bulks("b", "a", "1")],
    [["RPUSH", "e", "", " 7", "0x10", "-inf", "1e3"], int(5)],
    [["SORT", "e"], bulks("-inf", "", " 7", "0x10", "1e3")],
    [["RPUSH", "nan", "nan"], int(1)],
    [["SORT", "nan"], err(NOT_DOUBLE)],
    [["SORT", "missing"], bulks()],
    [["SORT", "missing", "STORE", "dst"], int(0)]
  ],
  "BY weights in keys and hash fields, BY without '*', GET patterns": [
    [["RPUSH", "l", "a", "b", "c", "d"], int(4)],
    [["MSET", "w_a", "3", "w_b", "1", "w_c", "2"], ok],
    [["HSET", "h_a", "f", "z"], int(1)],
    [["HSET", "h_b", "f", "x"], int(1)],
    [["HSET", "h_d", "f", "y"], int(1)],
    [["SORT", "l", "BY", "w_*"], bulks("d", "b", "c", "a")],
    [["SORT", "l", "BY", "w_*", "DESC"], bulks("a", "c", "b", "d")],
    [["SORT", "l", "BY", "h_*->f", "ALPHA"], bulks("c", "b", "d", "a")],
    [["SORT", "l", "BY", "h_*->f", "ALPHA", "DESC"], bulks("a", "d", "b", "c")],
    [["SORT", "l", "BY", "nosort"], bulks("a", "b", "c", "d")],
    [["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"], bulks("c", "b")],
    // once a BY without '*' was seen, a later BY does not bring the sort back
    [["SORT", "l", "BY", "nosort", "BY", "w_*"], bulks("a", "b", "c", "d")],
    [["SORT", "l", "BY", "w_*", "BY", "nosort"], bulks("a", "b", "c", "d")],
    [["SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->f", "GET", "nostar"], bulks("d", null, "y", null, "b", "1", "x", null, "c", "2", null, null, "a", "3", "z", null)],
    [["SORT", "l", "BY", "nosort", "GET", "h_*->"], bulks(null, null, null, null)],
    [["SET", "w_d", "x"], ok],
    [["SORT", "l", "BY", "w_*"], err(NOT_DOUBLE)],
    [["SORT", "l", "BY", "w_*", "ALPHA"], bulks("b", "c", "a", "d")]
  ],
  "STORE: a list of the result, missing GETs as empty strings, an empty result deletes": [
    [["RPUSH", "l", "2", "1", "3"], int(3)],
    [["SET", "w_1", "x"], ok],
    [["SET", "dst", "v", "EX", "100"], ok],
    [["SORT", "l", "STORE", "dst"], int(3)],
    [["LRANGE", "dst", "0", "-1"], bulks("1", "2", "3")],
    [["TTL", "dst"], int(-1)],
    [["SORT", "l", "GET", "#", "GET", "w_*", "STORE", "dst"], int(6)],
    [["LRANGE", "dst", "0", "-1"], bulks("1", "x", "2", "", "3", "")],
    [["SORT", "l", "LIMIT", "5", "5", "STORE", "dst"], int(0)],
    [["EXISTS", "dst"], int(0)],
    [["SADD", "s", "b", "c", "a"], int(3)],
    [["SORT", "s", "BY", "nosort", "STORE", "dst"], int(3)],
    [["LRANGE", "dst", "0", "-1"], bulks("a", "b", "c")],
    [["SORT_RO", "l", "STORE", "dst"], err(SYNTAX)]
  ],
  "errors: syntax, LIMIT arguments, wrong types": [
    [["RPUSH", "l", "1"], int(1)],
    [["SORT", "l", "LIMIT", "1"], err(SYNTAX)],
    [["SORT", "l", "LIMIT", "x", "1"], err("ERR value is not an integer or out of range")],
    [["SORT", "l", "LIMIT", "1", "x"], err("ERR value is not an integer or out of range")],
    [["SORT", "l", "BY"], err(SYNTAX)],
    [["SORT", "l", "GET"], err(SYNTAX)],
    [["SORT", "l", "STORE"], err(SYNTAX)],
    [["SORT", "l", "NOPE"], err(SYNTAX)],
    [["SORT", "l", "ALPHA\u0000x"], bulks("1")],
    [["SET", "str", "x"], ok],
    [["SORT", "str"], err(WRONGTYPE)],
    [["SORT", "str", "NOPE"], err(SYNTAX)],
    [["HSET", "h", "f", "v"], int(1)],
    [["SORT", "h"], err(WRONGTYPE)]
  ],
  "sorted sets: by score with BY nosort, otherwise by member": [
    [["ZADD", "z", "3", "a", "1", "b", "2", "c"], int(3)],
    [["SORT", "z", "BY", "nosort"], bulks("b", "c", "a")],
    [["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"], bulks("a", "c")],
    [["SORT", "z", "ALPHA"], bulks("a", "b", "c")],
    [["OBJECT", "ENCODING", "z"], bulk("skiplist")],
    [["SORT", "z"], err(NOT_DOUBLE)]
  ]
}

describe("SORT (expected replies of Redis 7.0)", () => {
  const connection = connectedServer()
  for (const [name, list] of Object.entries(cases)) {
    it(name, async () => {
      const replies = await connection().pipeline([["RESET"], ["FLUSHALL"], ...list.map(([c]) => c)])
      list.forEach(([command, expected], i) => {
        expect({ command, reply: replies[i + 2]!.raw }).toEqual({ command, reply: expected })
      })
    })
  }
})

describeDifferential("SORT: the examples against Redis, RESP2 and RESP3", (servers) => {
  for (const [name, list] of Object.entries(cases)) {
    it(name, () => checkCommands(servers(), [["FLUSHALL"], ...list.map(([c]) => c), ["FLUSHALL"], ["HELLO", "3"], ...list.map(([c]) => c)]))
  }
})

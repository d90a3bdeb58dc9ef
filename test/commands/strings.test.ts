/**
 * String commands, example by example: every option and every error path. The first block states
 * Redis 7.0's replies (from its documentation and t_string.c) and runs without an oracle; the
 * differential blocks send the same kind of cases, and many more, to a real redis-server and
 * compare the bytes in RESP2 and RESP3.
 */
import { describe, expect, it } from "vitest"
import { type Command, checkCommands, describeDifferential } from "../support/differential.ts"
import { connectedServer } from "../support/server.ts"

const ok = "+OK\r\n"
const nil = "$-1\r\n"
const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`
const int = (n: number | string) => `:${n}\r\n`
const err = (message: string) => `-${message}\r\n`
const array = (...items: ReadonlyArray<string>) => `*${items.length}\r\n${items.join("")}`

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
const SYNTAX = "ERR syntax error"
const NOT_INTEGER = "ERR value is not an integer or out of range"
const NOT_FLOAT = "ERR value is not a valid float"

/** Every example runs in RESP2 and again after HELLO 3. */
const bothProtocols = (commands: ReadonlyArray<Command>): ReadonlyArray<Command> => [
  ...commands,
  ["FLUSHALL"],
  ["HELLO", "3"],
  ...commands
]

describe("string commands (expected replies of Redis 7.0)", () => {
  const connection = connectedServer()

  /** Runs each [command, expected raw reply] pair on a fresh database and checks every reply. */
  const expectReplies = async (cases: ReadonlyArray<readonly [Command, string]>) => {
    const replies = await connection().pipeline([["RESET"], ["FLUSHALL"], ...cases.map(([c]) => c)])
    cases.forEach(([command, expected], i) => {
      expect({ command, reply: replies[i + 2]!.raw }).toEqual({ command, reply: expected })
    })
  }

  it("SET options: NX, XX, GET, KEEPTTL, and their conflicts", () =>
    expectReplies([
      [["SET", "k", "v1", "NX"], ok],
      [["SET", "k", "v2", "NX"], nil],
      [["SET", "k", "v3", "XX", "GET"], bulk("v1")],
      [["SET", "missing", "v", "XX"], nil],
      [["SET", "missing", "v", "XX", "GET"], nil],
      [["GET", "missing"], nil],
      [["SET", "k", "v4", "nx", "get"], bulk("v3")],
      [["GET", "k"], bulk("v3")],
      [["SET", "k", "v5", "GET", "GET"], bulk("v3")],
      [["SET", "k", "v", "NX", "XX"], err(SYNTAX)],
      [["SET", "k", "v", "EX", "1", "PX", "1"], err(SYNTAX)],
      [["SET", "k", "v", "KEEPTTL", "EX", "1"], err(SYNTAX)],
      [["SET", "k", "v", "PXAT", "1", "KEEPTTL"], err(SYNTAX)],
      [["SET", "k", "v", "EX"], err(SYNTAX)],
      [["SET", "k", "v", "PERSIST"], err(SYNTAX)],
      [["SET", "k", "v", "EX", "abc"], err(NOT_INTEGER)],
      // options are C strings: the bytes after a NUL do not count
      [["SET", "k", "v6", "nx\u0000junk"], nil],
      [["SET", "k", "v7", "xx\u0000", "get\u0000x"], bulk("v5")],
      [["LPUSH", "list", "a"], int(1)],
      [["SET", "list", "v", "GET"], err(WRONGTYPE)],
      [["SET", "list", "v"], ok],
      [["GET", "list"], bulk("v")]
    ]))

  it("SET, SETEX, PSETEX and GETEX: invalid expire times", () =>
    expectReplies([
      [["SET", "k", "v", "EX", "0"], err("ERR invalid expire time in 'set' command")],
      [["SET", "k", "v", "PX", "-1"], err("ERR invalid expire time in 'set' command")],
      // seconds that overflow when converted to ms, or ms that overflow when made absolute
      [["SET", "k", "v", "EX", "9223372036854776"], err("ERR invalid expire time in 'set' command")],
      [["SET", "k", "v", "PX", "9223372036854775807"], err("ERR invalid expire time in 'set' command")],
      [["SET", "k", "v", "EXAT", "9223372036854775808"], err(NOT_INTEGER)],
      [["SETEX", "k", "0", "v"], err("ERR invalid expire time in 'setex' command")],
      [["SETEX", "k", "x", "v"], err(NOT_INTEGER)],
      [["PSETEX", "k", "-5", "v"], err("ERR invalid expire time in 'psetex' command")],
      [["GET", "k"], nil],
      [["SETEX", "k", "100", "v"], ok],
      [["GETEX", "k", "EX", "0"], err("ERR invalid expire time in 'getex' command")],
      [["GETEX", "k", "PXAT", "-1"], err("ERR invalid expire time in 'getex' command")],
      [["GETEX", "k", "EX", "abc"], err(NOT_INTEGER)],
      // GETEX looks the key up before it validates the time
      [["GETEX", "missing", "EX", "abc"], nil],
      [["GETEX", "missing", "PERSIST", "EX", "1"], err(SYNTAX)]
    ]))

  it("SET ... EXAT/PXAT in the past: the key is gone for every later command", () =>
    expectReplies([
      [["SET", "k", "v", "PXAT", "1"], ok],
      [["GET", "k"], nil],
      [["SET", "k", "v", "EXAT", "1", "GET"], nil],
      [["SET", "k", "v", "NX"], ok],
      [["GETEX", "k", "PXAT", "1"], bulk("v")],
      [["GET", "k"], nil],
      [["DBSIZE"], int(0)]
    ]))

  it("GETEX options and GETDEL, GETSET, SETNX", () =>
    expectReplies([
      [["SET", "k", "hello"], ok],
      [["GETEX", "k"], bulk("hello")],
      [["GETEX", "k", "PERSIST", "PERSIST"], bulk("hello")],
      [["GETEX", "k", "EX", "10", "EX", "20"], bulk("hello")],
      [["GETEX", "k", "NX"], err(SYNTAX)],
      [["GETEX", "k", "KEEPTTL"], err(SYNTAX)],
      [["GETEX", "k", "GET"], err(SYNTAX)],
      [["GETEX", "k", "EX", "1", "PERSIST"], err(SYNTAX)],
      [["GETEX", "k", "EX"], err(SYNTAX)],
      [["LPUSH", "list", "a"], int(1)],
      [["GETEX", "list"], err(WRONGTYPE)],
      [["GETEX", "list", "BAD"], err(SYNTAX)],
      [["GETDEL", "list"], err(WRONGTYPE)],
      [["GETDEL", "k"], bulk("hello")],
      [["GETDEL", "k"], nil],
      [["GETSET", "k", "a"], nil],
      [["GETSET", "k", "b"], bulk("a")],
      [["GETSET", "list", "b"], err(WRONGTYPE)],
      [["SETNX", "k", "c"], int(0)],
      [["SETNX", "n", "c"], int(1)],
      [["SETNX", "list", "c"], int(0)],
      [["MGET", "k", "n", "list", "missing"], array(bulk("b"), bulk("c"), nil, nil)]
    ]))

  it("MSET, MSETNX: pairs only, all or nothing", () =>
    expectReplies([
      [["MSET", "a"], err("ERR wrong number of arguments for 'mset' command")],
      [["MSET", "a", "1", "b"], err("ERR wrong number of arguments for 'mset' command")],
      [["MSETNX", "a", "1", "b"], err("ERR wrong number of arguments for 'msetnx' command")],
      [["MSET", "a", "1", "a", "2"], ok],
      [["MSETNX", "b", "1", "a", "x"], int(0)],
      [["MSETNX", "b", "1", "c", "2", "b", "3"], int(1)],
      [["MGET", "a", "b", "c", "b"], array(bulk("2"), bulk("3"), bulk("2"), bulk("3"))]
    ]))

  it("APPEND, STRLEN, SETRANGE, GETRANGE and SUBSTR", () =>
    expectReplies([
      [["APPEND", "s", ""], int(0)],
      [["STRLEN", "s"], int(0)],
      [["DBSIZE"], int(1)],
      [["APPEND", "s", "Hello"], int(5)],
      [["APPEND", "s", " World"], int(11)],
      [["GETRANGE", "s", "0", "-1"], bulk("Hello World")],
      [["GETRANGE", "s", "-3", "-1"], bulk("rld")],
      [["GETRANGE", "s", "-1", "-3"], bulk("")],
      [["GETRANGE", "s", "5", "3"], bulk("")],
      [["GETRANGE", "s", "-100", "100"], bulk("Hello World")],
      [["GETRANGE", "s", "100", "200"], bulk("")],
      // an end before the start of the string is clamped to 0, so the first byte is returned
      [["GETRANGE", "s", "0", "-100"], bulk("H")],
      [["GETRANGE", "s", "9223372036854775807", "-9223372036854775808"], bulk("")],
      [["GETRANGE", "s", "a", "0"], err(NOT_INTEGER)],
      [["GETRANGE", "s", "0", "9223372036854775808"], err(NOT_INTEGER)],
      [["GETRANGE", "missing", "0", "-1"], bulk("")],
      [["SUBSTR", "s", "0", "3"], bulk("Hell")],
      [["SETRANGE", "s", "6", "Redis"], int(11)],
      [["GET", "s"], bulk("Hello Redis")],
      [["SETRANGE", "s", "-1", "x"], err("ERR offset is out of range")],
      [["SETRANGE", "s", "a", "x"], err(NOT_INTEGER)],
      [["SETRANGE", "s", "0", ""], int(11)],
      [["SETRANGE", "new", "0", ""], int(0)],
      [["SETRANGE", "new", "3", "x"], int(4)],
      [["GET", "new"], bulk("\u0000\u0000\u0000x")],
      [["SETRANGE", "new", "9223372036854775807", "x"], err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")],
      [["LPUSH", "list", "a"], int(1)],
      [["APPEND", "list", "x"], err(WRONGTYPE)],
      [["STRLEN", "list"], err(WRONGTYPE)],
      [["SETRANGE", "list", "0", ""], err(WRONGTYPE)],
      [["GETRANGE", "list", "0", "1"], err(WRONGTYPE)],
      [["GETRANGE", "list", "x", "1"], err(NOT_INTEGER)]
    ]))

  it("INCR, DECR, INCRBY, DECRBY: exact 64-bit arithmetic and its limits", () =>
    expectReplies([
      [["INCR", "n"], int(1)],
      [["DECRBY", "n", "-9223372036854775806"], int("9223372036854775807")],
      [["INCR", "n"], err("ERR increment or decrement would overflow")],
      [["INCRBY", "n", "-9223372036854775808"], int(-1)],
      [["DECRBY", "n", "-9223372036854775808"], err("ERR decrement would overflow")],
      [["DECRBY", "n", "9223372036854775807"], int("-9223372036854775808")],
      [["DECR", "n"], err("ERR increment or decrement would overflow")],
      [["SET", "n", "9007199254740993"], ok],
      [["INCR", "n"], int("9007199254740994")],
      [["INCRBY", "n", "abc"], err(NOT_INTEGER)],
      [["INCRBY", "n", "1.5"], err(NOT_INTEGER)],
      [["INCRBY", "n", "9223372036854775808"], err(NOT_INTEGER)],
      [["SET", "n", " 1"], ok],
      [["INCR", "n"], err(NOT_INTEGER)],
      [["SET", "n", "01"], ok],
      [["INCR", "n"], err(NOT_INTEGER)],
      [["LPUSH", "list", "a"], int(1)],
      [["INCR", "list"], err(WRONGTYPE)],
      // the increment is parsed before the key is looked at
      [["INCRBY", "list", "x"], err(NOT_INTEGER)]
    ]))

  it("INCRBYFLOAT computes in long double and prints like Redis", () =>
    expectReplies([
      [["INCRBYFLOAT", "f", "10.5"], bulk("10.5")],
      [["INCRBYFLOAT", "f", "0.1"], bulk("10.6")],
      [["INCRBYFLOAT", "g", "0.1"], bulk("0.1")],
      [["INCRBYFLOAT", "g", "0.2"], bulk("0.3")],
      [["INCRBYFLOAT", "h", "5.0e3"], bulk("5000")],
      [["INCRBYFLOAT", "h", "-5000"], bulk("0")],
      [["INCRBYFLOAT", "h", "0x1p-2"], bulk("0.25")],
      [["INCRBYFLOAT", "h", "-0.000000000000000001"], bulk("0.25")],
      [["INCRBYFLOAT", "h", "inf"], err("ERR increment would produce NaN or Infinity")],
      [["INCRBYFLOAT", "h", "nan"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "h", "1e5000"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "h", "1e-5000"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "h", " 1"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "h", "1\u0000"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "h", ""], err(NOT_FLOAT)],
      [["SET", "h", "abc"], ok],
      [["INCRBYFLOAT", "h", "1"], err(NOT_FLOAT)],
      [["INCRBYFLOAT", "big", "123456789012345678901234567890"], bulk("123456789012345678899921813504")],
      [["LPUSH", "list", "a"], int(1)],
      [["INCRBYFLOAT", "list", "x"], err(WRONGTYPE)]
    ]))

  it("LCS: the documented example and its errors", () =>
    expectReplies([
      [["MSET", "key1", "ohmytext", "key2", "mynewtext"], ok],
      [["LCS", "key1", "key2"], bulk("mytext")],
      [["LCS", "key1", "key2", "LEN"], int(6)],
      [
        ["LCS", "key1", "key2", "IDX"],
        array(
          bulk("matches"),
          array(array(array(int(4), int(7)), array(int(5), int(8))), array(array(int(2), int(3)), array(int(0), int(1)))),
          bulk("len"),
          int(6)
        )
      ],
      [
        ["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        array(bulk("matches"), array(array(array(int(4), int(7)), array(int(5), int(8)), int(4))), bulk("len"), int(6))
      ],
      [["LCS", "key1", "key2", "IDX", "LEN"], err("ERR If you want both the length and indexes, please just use IDX.")],
      [["LCS", "key1", "key2", "MINMATCHLEN"], err(SYNTAX)],
      [["LCS", "key1", "key2", "MINMATCHLEN", "x"], err(NOT_INTEGER)],
      [["LCS", "key1", "key2", "FOO"], err(SYNTAX)],
      [["LCS", "missing", "other"], bulk("")],
      [["LPUSH", "list", "a"], int(1)],
      [["LCS", "key1", "list"], err("ERR The specified keys must contain string values")],
      [["LCS", "list", "key1", "FOO"], err("ERR The specified keys must contain string values")]
    ]))

  it("binary values round-trip byte for byte", () => {
    const binary = "\u0000\r\n\u0080\u00ff$-1\r\n*2"
    return expectReplies([
      [["SET", binary, binary], ok],
      [["GET", binary], bulk(binary)],
      [["APPEND", binary, "\u0000"], int(binary.length + 1)],
      [["GETRANGE", binary, "0", "2"], bulk("\u0000\r\n")],
      [["SETRANGE", binary, "1", "\u00fe"], int(binary.length + 1)],
      [["STRLEN", binary], int(binary.length + 1)],
      [["LCS", binary, binary, "LEN"], int(binary.length + 1)],
      [["MGET", binary], array(bulk("\u0000\u00fe\n" + binary.slice(3) + "\u0000"))]
    ])
  })
})

describeDifferential("string commands: examples against Redis (RESP2 and RESP3)", (servers) => {
  it("SET and its variants", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["SET", "k", "v"],
        ["SET", "k", "v", "NX"],
        ["SET", "k", "v2", "XX", "GET"],
        ["SET", "k", "v3", "XX", "GET", "KEEPTTL"],
        ["SET", "k", "v", "nx", "xx"],
        ["SET", "k", "v", "xx", "nx"],
        ["SET", "k", "v", "get", "nx"],
        ["SET", "k", "v", "EX", "10", "EX", "20"],
        ["SET", "k", "v", "EX", "10", "PX", "20"],
        ["SET", "k", "v", "EXAT", "10", "PXAT", "20"],
        ["SET", "k", "v", "PX", "10", "KEEPTTL"],
        ["SET", "k", "v", "KEEPTTL", "KEEPTTL"],
        ["SET", "k", "v", "PERSIST"],
        ["SET", "k", "v", "EX"],
        ["SET", "k", "v", "EX", ""],
        ["SET", "k", "v", "EX", "1.5"],
        ["SET", "k", "v", "EX", "-1"],
        ["SET", "k", "v", "ex\u0000", "100"],
        ["SET", "k", "v", "EX", "100\u0000"],
        ["SET", "k", "v", "keepttl\u0000zz"],
        ["SET", "k", "v", "PXAT", "1"],
        ["GET", "k"],
        ["SET", "k", "v", "EXAT", "1", "GET"],
        ["SET", "k", "v", "EX", "9223372036854775"],
        ["SET", "k", "v", "EX", "9223372036854776"],
        ["SET", "k", "v", "PX", "9223372036854775807"],
        ["SET", "k", "v", "PXAT", "9223372036854775807"],
        ["SET", "k", "v", "PXAT", "0"],
        ["SETNX", "k", "x"],
        ["SETNX", "k2", "x"],
        ["SETEX", "k", "0", "v"],
        ["SETEX", "k", "-1", "v"],
        ["SETEX", "k", "x", "v"],
        ["SETEX", "k", "9223372036854776", "v"],
        ["SETEX", "k", "100", "v"],
        ["PSETEX", "k", "0", "v"],
        ["PSETEX", "k", "100000", "w"],
        ["GET", "k"],
        ["LPUSH", "l", "x"],
        ["SET", "l", "v", "GET"],
        ["SET", "l", "v", "NX", "GET"],
        ["SET", "l", "v", "XX"],
        ["SETNX", "l", "v"],
        ["GET", "l"],
        ["SET", "k"],
        ["SETEX", "k", "1"],
        ["SETNX", "k"]
      ])
    ))

  it("GET, GETEX, GETDEL, GETSET, MGET, MSET, MSETNX", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["GET", "nokey"],
        ["GETEX", "nokey"],
        ["GETEX", "nokey", "EX", "abc"],
        ["GETEX", "nokey", "PERSIST", "EX", "1"],
        ["SET", "k", "hello"],
        ["GETEX", "k", "EX", "abc"],
        ["GETEX", "k", "EX", "0"],
        ["GETEX", "k", "PX", "-1"],
        ["GETEX", "k", "EXAT", "9223372036854776"],
        ["GETEX", "k", "PERSIST", "PERSIST"],
        ["GETEX", "k", "EX", "10", "EX", "10"],
        ["GETEX", "k", "PX", "10000", "PERSIST"],
        ["GETEX", "k", "PERSIST", "PXAT", "1"],
        ["GETEX", "k", "NX"],
        ["GETEX", "k", "KEEPTTL"],
        ["GETEX", "k", "GET"],
        ["GETEX", "k", "EX"],
        ["GETEX", "k", "persist\u0000a"],
        ["GETEX", "k", "EXAT", "99999999999"],
        ["GETEX", "k", "PERSIST"],
        ["GETEX", "k", "PXAT", "1"],
        ["GET", "k"],
        ["DBSIZE"],
        ["LPUSH", "l", "a"],
        ["GET", "l"],
        ["GETEX", "l"],
        ["GETEX", "l", "EX", "abc"],
        ["GETEX", "l", "BAD"],
        ["GETDEL", "l"],
        ["GETDEL", "nokey"],
        ["SET", "k", "v"],
        ["GETDEL", "k"],
        ["GETDEL", "k"],
        ["GETSET", "k", "1"],
        ["GETSET", "k", "2"],
        ["GETSET", "l", "2"],
        ["MSET", "a"],
        ["MSET", "a", "1", "b"],
        ["MSETNX", "a", "1", "b"],
        ["MSET", "a", "1", "b", "2", "a", "3"],
        ["MSETNX", "a", "1", "c", "2"],
        ["MSETNX", "c", "1", "d", "2", "c", "3"],
        ["MSETNX", "l", "1"],
        ["MGET", "a", "b", "c", "d", "l", "nokey"],
        ["MGET"],
        ["GETEX"],
        ["GETDEL", "a", "b"],
        ["GETSET", "a"]
      ])
    ))

  it("APPEND, STRLEN, SETRANGE, GETRANGE, SUBSTR", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["APPEND", "s", ""],
        ["STRLEN", "s"],
        ["APPEND", "s", "Hello World"],
        ["APPEND", "n", "123"],
        ["APPEND", "n", "4"],
        ["GETRANGE", "n", "1", "2"],
        ["STRLEN", "nokey"],
        ["GETRANGE", "nokey", "0", "-1"],
        ["GETRANGE", "s", "0", "-1"],
        ["GETRANGE", "s", "-3", "-1"],
        ["GETRANGE", "s", "-1", "-3"],
        ["GETRANGE", "s", "5", "3"],
        ["GETRANGE", "s", "-100", "100"],
        ["GETRANGE", "s", "100", "200"],
        ["GETRANGE", "s", "0", "-100"],
        ["GETRANGE", "s", "-100", "-100"],
        ["GETRANGE", "s", "-100", "-50"],
        ["GETRANGE", "s", "10", "10"],
        ["GETRANGE", "s", "11", "11"],
        ["GETRANGE", "s", "9223372036854775807", "-9223372036854775808"],
        ["GETRANGE", "s", "-9223372036854775808", "9223372036854775807"],
        ["GETRANGE", "s", "a", "0"],
        ["GETRANGE", "s", "0", "a"],
        ["GETRANGE", "s", "1.5", "2"],
        ["SUBSTR", "s", "0", "3"],
        ["SUBSTR", "s", "-5", "-1"],
        ["SET", "e", ""],
        ["GETRANGE", "e", "0", "-1"],
        ["GETRANGE", "e", "-1", "0"],
        ["SETRANGE", "s", "-1", "x"],
        ["SETRANGE", "s", "a", "x"],
        ["SETRANGE", "s", "-1", ""],
        ["SETRANGE", "new", "0", ""],
        ["GET", "new"],
        ["SETRANGE", "new", "5", "x\u0000y"],
        ["GET", "new"],
        ["SETRANGE", "new", "2", "ab"],
        ["SETRANGE", "new", "7", "tail"],
        ["GET", "new"],
        ["SETRANGE", "s", "0", ""],
        ["SETRANGE", "s", "6", "Redis"],
        ["SETRANGE", "s", "536870912", "x"],
        ["SETRANGE", "s", "536870911", ""],
        ["SETRANGE", "new2", "536870912", ""],
        ["SETRANGE", "new2", "536870912", "x"],
        ["SETRANGE", "s", "9223372036854775807", "x"],
        ["SETRANGE", "s", "9223372036854775808", "x"],
        ["LPUSH", "l", "x"],
        ["SETRANGE", "l", "0", "x"],
        ["SETRANGE", "l", "-1", "x"],
        ["SETRANGE", "l", "0", ""],
        ["APPEND", "l", "x"],
        ["STRLEN", "l"],
        ["GETRANGE", "l", "0", "1"],
        ["GETRANGE", "l", "x", "1"],
        ["SUBSTR", "l", "0", "1"],
        ["MGET", "s", "new", "e"]
      ])
    ))

  it("INCR, DECR, INCRBY, DECRBY", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["INCR", "n"],
        ["DECR", "n"],
        ["DECR", "n"],
        ["INCRBY", "n", "100"],
        ["DECRBY", "n", "-100"],
        ["INCRBY", "n", "abc"],
        ["INCRBY", "n", ""],
        ["INCRBY", "n", "-0"],
        ["INCRBY", "n", "+1"],
        ["INCRBY", "n", "01"],
        ["INCRBY", "n", "1e3"],
        ["INCRBY", "n", "9223372036854775808"],
        ["DECRBY", "n", "-9223372036854775809"],
        ["SET", "n", "9223372036854775806"],
        ["INCR", "n"],
        ["INCR", "n"],
        ["INCRBY", "n", "-9223372036854775808"],
        ["DECRBY", "n", "-9223372036854775808"],
        ["SET", "n", "-9223372036854775807"],
        ["DECR", "n"],
        ["DECR", "n"],
        ["DECRBY", "n", "1"],
        ["INCRBY", "n", "9223372036854775807"],
        ["SET", "n", "0"],
        ["DECRBY", "n", "-9223372036854775808"],
        ["DECRBY", "n", "9223372036854775807"],
        ["INCRBY", "n", "-1"],
        ["SET", "n", "9007199254740993"],
        ["INCR", "n"],
        ["INCRBY", "n", "9007199254740993"],
        ["SET", "n", "12345678901234567890"],
        ["INCR", "n"],
        ["SET", "n", " 1"],
        ["INCR", "n"],
        ["SET", "n", "1 "],
        ["INCR", "n"],
        ["SET", "n", "-0"],
        ["INCR", "n"],
        ["SET", "n", "3.0"],
        ["INCR", "n"],
        ["SET", "n", ""],
        ["INCR", "n"],
        ["LPUSH", "l", "x"],
        ["INCR", "l"],
        ["DECR", "l"],
        ["INCRBY", "l", "1"],
        ["INCRBY", "l", "x"],
        ["DECRBY", "l", "-9223372036854775808"],
        ["GET", "n"]
      ])
    ))

  it("INCRBYFLOAT", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["INCRBYFLOAT", "f", "10.5"],
        ["INCRBYFLOAT", "f", "0.1"],
        ["INCRBYFLOAT", "f", "-10.6"],
        ["INCRBYFLOAT", "f", "1e308"],
        ["INCRBYFLOAT", "f", "1e308"],
        ["INCRBYFLOAT", "g", "0.000003814697265625"],
        ["INCRBYFLOAT", "g", "-0.000003814697265625"],
        ["INCRBYFLOAT", "g", "-0.000000000000000001"],
        ["INCRBYFLOAT", "h", "1.18e4932"],
        ["INCRBYFLOAT", "h", "1.18e4932"],
        ["INCRBYFLOAT", "i", "inf"],
        ["INCRBYFLOAT", "i", "-infinity"],
        ["INCRBYFLOAT", "i", "nan"],
        ["INCRBYFLOAT", "i", "1e5000"],
        ["INCRBYFLOAT", "i", "1e-5000"],
        ["INCRBYFLOAT", "i", "0e-5000"],
        ["INCRBYFLOAT", "i", "1.5e-4951"],
        ["INCRBYFLOAT", "i", "3e-4951"],
        ["INCRBYFLOAT", "i", "0x1p3"],
        ["INCRBYFLOAT", "i", "0x.8"],
        ["INCRBYFLOAT", "i", "0x1.fffffffffffffffffp0"],
        ["INCRBYFLOAT", "i", "0x"],
        ["INCRBYFLOAT", "i", "0xp1"],
        ["INCRBYFLOAT", "i", "1e"],
        ["INCRBYFLOAT", "i", "1e+"],
        ["INCRBYFLOAT", "i", "."],
        ["INCRBYFLOAT", "i", ".5"],
        ["INCRBYFLOAT", "i", "5."],
        ["INCRBYFLOAT", "i", "+.5e+1"],
        ["INCRBYFLOAT", "i", " 1"],
        ["INCRBYFLOAT", "i", "1 "],
        ["INCRBYFLOAT", "i", "2\u0000x"],
        ["INCRBYFLOAT", "i", ""],
        ["INCRBYFLOAT", "i", "-0"],
        ["INCRBYFLOAT", "i", "123456789012345678901234567890"],
        ["INCRBYFLOAT", "i", "1.7976931348623157e309"],
        ["SET", "j", "1e3"],
        ["INCRBYFLOAT", "j", "0"],
        ["SET", "j", "0x10"],
        ["INCRBYFLOAT", "j", "0"],
        ["SET", "j", " 1"],
        ["INCRBYFLOAT", "j", "0"],
        ["SET", "j", ""],
        ["INCRBYFLOAT", "j", "0"],
        ["SET", "j", "abc"],
        ["INCRBYFLOAT", "j", "x"],
        ["LPUSH", "l", "x"],
        ["INCRBYFLOAT", "l", "1"],
        ["INCRBYFLOAT", "l", "x"],
        ["INCRBYFLOAT", "long", "0".repeat(5118) + "1"],
        ["INCRBYFLOAT", "long", "0".repeat(5119) + "1"],
        ["MGET", "f", "g", "h", "i", "j", "long"]
      ])
    ))

  it("LCS", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["MSET", "key1", "ohmytext", "key2", "mynewtext"],
        ["LCS", "key1", "key2"],
        ["LCS", "key1", "key2", "LEN"],
        ["LCS", "key1", "key2", "IDX"],
        ["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"],
        ["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        ["LCS", "key1", "key2", "idx", "withmatchlen"],
        ["LCS", "key1", "key2", "WITHMATCHLEN"],
        ["LCS", "key1", "key2", "LEN", "WITHMATCHLEN", "MINMATCHLEN", "100"],
        ["LCS", "key1", "key2", "IDX", "LEN"],
        ["LCS", "key1", "key2", "LEN", "IDX"],
        ["LCS", "key1", "key2", "MINMATCHLEN"],
        ["LCS", "key1", "key2", "MINMATCHLEN", "x"],
        ["LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX"],
        ["LCS", "key1", "key2", "FOO"],
        ["LCS", "key1", "key2", "LEN", "FOO"],
        ["LCS", "key1", "key2", "len\u0000x"],
        ["LCS", "key1", "key1", "IDX", "WITHMATCHLEN"],
        ["LCS", "key1", "nokey", "IDX"],
        ["LCS", "n1", "n2"],
        ["LCS", "n1", "n2", "IDX"],
        ["LCS", "n1", "n2", "LEN"],
        ["MSET", "a", "abcabcabc", "b", "cbacbacba"],
        ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        ["LCS", "b", "a", "IDX", "WITHMATCHLEN"],
        ["MSET", "a", "\u0000\u00ff\r\nxyz\u0000", "b", "\r\n\u0000z\u00ff"],
        ["LCS", "a", "b"],
        ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        ["LPUSH", "l", "x"],
        ["LCS", "key1", "l"],
        ["LCS", "l", "key1", "FOO"],
        ["LCS", "key1"]
      ])
    ))

  it("string commands inside MULTI/EXEC", () =>
    checkCommands(
      servers(),
      bothProtocols([
        ["MULTI"],
        ["SET", "k", "1", "GET"],
        ["INCRBYFLOAT", "k", "1.5"],
        ["GETEX", "k", "PERSIST"],
        ["LCS", "k", "k", "IDX"],
        ["GETDEL", "k"],
        ["SET", "k", "v", "NX", "XX"],
        ["EXEC"]
      ])
    ))
})

describeDifferential(
  "string commands: size limits with proto-max-bulk-len 1mb",
  (servers) => {
    const limit = 1024 * 1024
    it("APPEND, SETRANGE and LCS refuse what exceeds the limit", () =>
      checkCommands(servers(), [
        ["SETRANGE", "s", String(limit - 1), "x"],
        ["SETRANGE", "s", String(limit - 1), "xy"],
        ["SETRANGE", "t", String(limit), "x"],
        ["APPEND", "s", "y"],
        ["APPEND", "s", ""],
        ["STRLEN", "s"],
        ["SET", "a", "a".repeat(400)],
        ["SET", "b", "b".repeat(600)],
        // (401 * 601) cells of 4 bytes fit in 1 MB, (601 * 601) do not
        ["LCS", "a", "b", "LEN"],
        ["LCS", "b", "b", "LEN"],
        ["LCS", "b", "a", "IDX"]
      ]))
  },
  { config: { "proto-max-bulk-len": "1mb" }, oracleArgs: ["--proto-max-bulk-len", "1mb"] }
)

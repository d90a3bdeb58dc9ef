/**
 * Bitmap commands, example by example: every option and every error path of SETBIT, GETBIT,
 * BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO. The first block states Redis 7.0's replies (from
 * bitops.c and its tests) and runs without an oracle; the differential block sends the same cases to a
 * real redis-server and compares the bytes in RESP2 and RESP3.
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
const BIT_OFFSET = "ERR bit offset is not an integer or out of range"
const BIT_VALUE = "ERR bit is not an integer or out of range"
const BAD_TYPE = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

type Case = readonly [Command, string]

const cases: Record<string, ReadonlyArray<Case>> = {
  "SETBIT and GETBIT: creating, growing, clearing, offsets and bit values": [
    [["SETBIT", "k", "7", "1"], int(0)],
    [["GET", "k"], bulk("\u0001")],
    [["SETBIT", "k", "7", "1"], int(1)],
    [["SETBIT", "k", "0", "1"], int(0)],
    [["GET", "k"], bulk("\u0081")],
    [["SETBIT", "k", "7", "0"], int(1)],
    [["SETBIT", "k", "23", "0"], int(0)],
    [["STRLEN", "k"], int(3)],
    [["SETBIT", "new", "0", "0"], int(0)],
    [["EXISTS", "new"], int(1)],
    [["GET", "new"], bulk("\u0000")],
    [["GETBIT", "k", "0"], int(1)],
    [["GETBIT", "k", "1"], int(0)],
    [["GETBIT", "k", "100000"], int(0)],
    [["GETBIT", "missing", "0"], int(0)],
    [["SET", "n", "1"], ok],
    [["GETBIT", "n", "2"], int(1)],
    [["GETBIT", "n", "3"], int(1)],
    [["GETBIT", "n", "7"], int(1)],
    [["SETBIT", "n", "6", "1"], int(0)],
    [["GET", "n"], bulk("3")],
    [["SETBIT", "k", "-1", "1"], err(BIT_OFFSET)],
    [["SETBIT", "k", "x", "1"], err(BIT_OFFSET)],
    [["SETBIT", "k", "#1", "1"], err(BIT_OFFSET)],
    [["SETBIT", "k", "4294967296", "1"], err(BIT_OFFSET)],
    [["GETBIT", "k", "4294967296"], err(BIT_OFFSET)],
    [["GETBIT", "k", "4294967295"], int(0)],
    [["SETBIT", "k", "0", "2"], err(BIT_VALUE)],
    [["SETBIT", "k", "0", "-1"], err(BIT_VALUE)],
    [["SETBIT", "k", "0", "x"], err(BIT_VALUE)],
    [["SETBIT", "k", "x", "x"], err(BIT_OFFSET)],
    [["LPUSH", "list", "a"], int(1)],
    [["SETBIT", "list", "0", "1"], err(WRONGTYPE)],
    [["SETBIT", "list", "x", "1"], err(BIT_OFFSET)],
    [["GETBIT", "list", "0"], err(WRONGTYPE)],
    [["GETBIT", "list", "-1"], err(BIT_OFFSET)]
  ],
  "SETBIT and GETBIT follow proto-max-bulk-len": [
    [["CONFIG", "SET", "proto-max-bulk-len", "1048576"], ok],
    [["SETBIT", "k", "8388608", "1"], err(BIT_OFFSET)],
    [["SETBIT", "k", "8388607", "1"], int(0)],
    [["STRLEN", "k"], int(1048576)],
    [["GETBIT", "k", "8388607"], int(1)],
    [["BITCOUNT", "k"], int(1)],
    [["CONFIG", "SET", "proto-max-bulk-len", "536870912"], ok]
  ],
  "BITCOUNT: whole strings, BYTE and BIT ranges, negative indexes": [
    [["SET", "s", "foobar"], ok],
    [["BITCOUNT", "s"], int(26)],
    [["BITCOUNT", "s", "0", "0"], int(4)],
    [["BITCOUNT", "s", "1", "1"], int(6)],
    [["BITCOUNT", "s", "1", "1", "BYTE"], int(6)],
    [["BITCOUNT", "s", "5", "30", "BIT"], int(17)],
    [["BITCOUNT", "s", "5", "30", "bit"], int(17)],
    [["BITCOUNT", "s", "0", "-1"], int(26)],
    [["BITCOUNT", "s", "-2", "-1"], int(7)],
    [["BITCOUNT", "s", "-1", "-2"], int(0)],
    [["BITCOUNT", "s", "-1", "-2", "nonsense"], int(0)],
    [["BITCOUNT", "s", "2", "1"], int(0)],
    [["BITCOUNT", "s", "-100", "100"], int(26)],
    [["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807"], int(26)],
    [["BITCOUNT", "s", "-9223372036854775807", "-9223372036854775808"], int(0)],
    [["BITCOUNT", "s", "1", "1", "bits"], err(SYNTAX)],
    [["BITCOUNT", "s", "0"], err(SYNTAX)],
    [["BITCOUNT", "s", "0", "1", "BIT", "x"], err(SYNTAX)],
    [["BITCOUNT", "s", "x", "1"], err(NOT_INTEGER)],
    [["BITCOUNT", "s", "1", "x"], err(NOT_INTEGER)],
    [["BITCOUNT", "missing"], int(0)],
    [["BITCOUNT", "missing", "0"], int(0)],
    [["BITCOUNT", "missing", "x", "y"], int(0)],
    [["SET", "empty", ""], ok],
    [["BITCOUNT", "empty"], int(0)],
    [["BITCOUNT", "empty", "0", "-1", "BIT"], int(0)],
    [["SET", "ones", "\u00ff\u00ff"], ok],
    [["BITCOUNT", "ones", "3", "3", "BIT"], int(1)],
    [["BITCOUNT", "ones", "3", "12", "BIT"], int(10)],
    [["BITCOUNT", "ones", "-3", "-1", "BIT"], int(3)],
    [["LPUSH", "list", "a"], int(1)],
    [["BITCOUNT", "list"], err(WRONGTYPE)],
    [["BITCOUNT", "list", "x"], err(WRONGTYPE)]
  ],
  "BITPOS: first set or clear bit, ranges with and without an end, BIT units": [
    [["SET", "s", "\u00ff\u00f0\u0000"], ok],
    [["BITPOS", "s", "0"], int(12)],
    [["BITPOS", "s", "1"], int(0)],
    [["BITPOS", "s", "1", "2"], int(-1)],
    [["BITPOS", "s", "0", "2"], int(16)],
    [["BITPOS", "s", "0", "0", "0"], int(-1)],
    [["BITPOS", "s", "0", "0", "1"], int(12)],
    [["SET", "f", "\u00ff\u00ff\u00ff"], ok],
    [["BITPOS", "f", "0"], int(24)],
    [["BITPOS", "f", "0", "1"], int(24)],
    [["BITPOS", "f", "0", "1", "-1"], int(-1)],
    [["BITPOS", "f", "0", "0", "-1", "BIT"], int(-1)],
    [["BITPOS", "s", "1", "7", "15", "BIT"], int(7)],
    [["BITPOS", "s", "0", "7", "15", "BIT"], int(12)],
    [["BITPOS", "s", "1", "12", "15", "BIT"], int(-1)],
    [["BITPOS", "s", "0", "3", "6", "bit"], int(-1)],
    [["BITPOS", "s", "1", "3", "6", "BYTE"], int(-1)],
    [["BITPOS", "s", "1", "-1", "-1", "BIT"], int(-1)],
    [["BITPOS", "s", "0", "-1", "-1", "BIT"], int(23)],
    [["BITPOS", "s", "1", "5", "2"], int(-1)],
    [["BITPOS", "s", "1", "5", "2", "BIT"], int(-1)],
    [["BITPOS", "s", "1", "0", "-1", "BIT", "x"], err(SYNTAX)],
    [["BITPOS", "s", "1", "0", "x", "BITS"], err(SYNTAX)],
    [["BITPOS", "s", "1", "0", "x"], err(NOT_INTEGER)],
    [["BITPOS", "s", "1", "x"], err(NOT_INTEGER)],
    [["BITPOS", "s", "2"], err("ERR The bit argument must be 1 or 0.")],
    [["BITPOS", "s", "x"], err(NOT_INTEGER)],
    [["BITPOS", "missing", "0"], int(0)],
    [["BITPOS", "missing", "1"], int(-1)],
    [["BITPOS", "missing", "1", "x", "y", "z"], int(-1)],
    [["SET", "empty", ""], ok],
    [["BITPOS", "empty", "0"], int(-1)],
    [["BITPOS", "empty", "1"], int(-1)],
    [["LPUSH", "list", "a"], int(1)],
    [["BITPOS", "list", "1"], err(WRONGTYPE)],
    [["BITPOS", "list", "3"], err("ERR The bit argument must be 1 or 0.")]
  ],
  "BITOP: AND, OR, XOR, NOT over strings of different lengths; an empty result deletes": [
    [["SET", "a", "\u00ff\u000f"], ok],
    [["SET", "b", "\u00f0"], ok],
    [["BITOP", "AND", "dest", "a", "b"], int(2)],
    [["GET", "dest"], bulk("\u00f0\u0000")],
    [["BITOP", "or", "dest", "a", "b"], int(2)],
    [["GET", "dest"], bulk("\u00ff\u000f")],
    [["BITOP", "Xor", "dest", "a", "b", "missing"], int(2)],
    [["GET", "dest"], bulk("\u000f\u000f")],
    [["BITOP", "NOT", "dest", "a"], int(2)],
    [["GET", "dest"], bulk("\u0000\u00f0")],
    [["BITOP", "AND", "dest", "a", "missing"], int(2)],
    [["GET", "dest"], bulk("\u0000\u0000")],
    [["SET", "dest", "x", "EX", "100"], ok],
    [["BITOP", "OR", "dest", "a"], int(2)],
    [["TTL", "dest"], int(-1)],
    [["BITOP", "OR", "dest", "missing", "missing2"], int(0)],
    [["EXISTS", "dest"], int(0)],
    [["SET", "empty", ""], ok],
    [["BITOP", "NOT", "dest", "empty"], int(0)],
    [["BITOP", "NOT", "dest", "a", "b"], err("ERR BITOP NOT must be called with a single source key.")],
    [["BITOP", "NAND", "dest", "a", "b"], err(SYNTAX)],
    [["LPUSH", "list", "a"], int(1)],
    [["BITOP", "AND", "dest", "a", "list"], err(WRONGTYPE)],
    [["BITOP", "AND", "list", "a"], int(2)],
    [["TYPE", "list"], "+string\r\n"]
  ],
  "BITFIELD: signed and unsigned GET, SET, INCRBY, # offsets": [
    [["BITFIELD", "bits", "SET", "i8", "0", "-100"], array(int(0))],
    [["BITFIELD", "bits", "SET", "i8", "0", "101"], array(int(-100))],
    [["BITFIELD", "bits", "GET", "i8", "0"], array(int(101))],
    [["BITFIELD", "bits", "set", "u8", "0", "255", "get", "i8", "0", "incrby", "u8", "0", "100", "get", "u8", "0"], array(int(101), int(-1), int(99), int(99))],
    [["DEL", "bits"], int(1)],
    [["BITFIELD", "bits", "SET", "u8", "#0", "65", "SET", "u8", "#1", "66", "SET", "u8", "#2", "67"], array(int(0), int(0), int(0))],
    [["GET", "bits"], bulk("ABC")],
    [["BITFIELD", "bits", "GET", "u4", "#1", "GET", "i4", "#1", "GET", "u16", "4"], array(int(1), int(1), int(5156))],
    [["BITFIELD", "bits", "GET", "i64", "0", "GET", "u63", "1"], array(int("4702394628207280128"), int("4702394628207280128"))],
    [["BITFIELD", "bits", "SET", "i64", "8", "-9223372036854775808", "GET", "i64", "8", "GET", "u63", "9"], array(int("4774660029942857728"), int("-9223372036854775808"), int(0))],
    [["STRLEN", "bits"], int(9)],
    [["BITFIELD", "bits"], "*0\r\n"],
    [["BITFIELD", "missing", "GET", "u8", "0", "OVERFLOW", "SAT"], array(int(0))],
    [["EXISTS", "missing"], int(0)],
    [["BITFIELD_RO", "bits", "GET", "u8", "#0"], array(int(65))],
    [["BITFIELD_RO", "missing", "GET", "i8", "100"], array(int(0))],
    [["BITFIELD", "odd", "SET", "u5", "7", "23"], array(int(0))],
    [["GET", "odd"], bulk("\u0001\u0070")]
  ],
  "BITFIELD overflow: WRAP, SAT, FAIL, for INCRBY and SET": [
    [["BITFIELD", "bits", "SET", "u8", "#0", "100"], array(int(0))],
    [["BITFIELD", "bits", "OVERFLOW", "WRAP", "INCRBY", "u8", "#0", "257"], array(int(101))],
    [["BITFIELD", "bits", "overflow", "wrap", "incrby", "u8", "#0", "255"], array(int(100))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "257"], array(int(255))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "-256"], array(int(0))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "INCRBY", "i8", "#0", "257"], array(int(127))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "INCRBY", "i8", "#0", "-300"], array(int(-128))],
    [["BITFIELD", "bits", "OVERFLOW", "WRAP", "INCRBY", "i8", "#0", "-1"], array(int(127))],
    [["BITFIELD", "bits", "OVERFLOW", "FAIL", "INCRBY", "i8", "#0", "1", "GET", "i8", "#0"], array(nil, int(127))],
    [["BITFIELD", "bits", "OVERFLOW", "FAIL", "SET", "u8", "#0", "256", "SET", "u8", "#0", "-1", "SET", "i8", "#0", "-129"], array(nil, nil, nil)],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "SET", "u8", "#0", "-1"], array(int(127))],
    [["BITFIELD", "bits", "GET", "u8", "#0"], array(int(255))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "SET", "i8", "#0", "-1000", "SET", "i8", "#0", "1000"], array(int(-1), int(-128))],
    [["BITFIELD", "bits", "SET", "i8", "#0", "200", "GET", "i8", "#0"], array(int(127), int(-56))],
    [["BITFIELD", "bits", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1"], array(int("-4035225266123964416"), int("-9223372036854775808"))],
    [["BITFIELD", "bits", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1"], array(int("-9223372036854775808"))],
    [["BITFIELD", "bits", "OVERFLOW", "FAIL", "INCRBY", "u63", "1", "-1"], array(nil)],
    [["BITFIELD", "bits", "INCRBY", "u63", "1", "-1"], array(int("9223372036854775807"))],
    [["BITFIELD", "bits", "INCRBY", "u1", "0", "9223372036854775807"], array(int(0))],
    [["BITFIELD", "created", "OVERFLOW", "FAIL", "SET", "u2", "8", "4"], array(nil)],
    [["GET", "created"], bulk("\u0000\u0000")]
  ],
  "BITFIELD and BITFIELD_RO: every error": [
    [["BITFIELD", "k", "GET", "u8"], err(SYNTAX)],
    [["BITFIELD", "k", "SET", "u8", "0"], err(SYNTAX)],
    [["BITFIELD", "k", "NOPE", "u8", "0"], err(SYNTAX)],
    [["BITFIELD", "k", "OVERFLOW"], err(SYNTAX)],
    [["BITFIELD", "k", "OVERFLOW", "FOO"], err("ERR Invalid OVERFLOW type specified")],
    [["BITFIELD", "k", "GET", "u64", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "i65", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "i0", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "I8", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "u08", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "x8", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "u", "0"], err(BAD_TYPE)],
    [["BITFIELD", "k", "GET", "u8\u0000x", "0"], array(int(0))],
    [["BITFIELD", "k", "GET", "u8", "-1"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "u8", "#-1"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "u8", "#"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "u8", "##1"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "u8", "4294967296"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "u8", "#536870912"], err(BIT_OFFSET)],
    [["BITFIELD", "k", "GET", "i64", "#1152921504606846976"], array(int(0))],
    [["BITFIELD", "k", "SET", "u8", "0", "x"], err(NOT_INTEGER)],
    [["BITFIELD", "k", "INCRBY", "u8", "0", "9223372036854775808"], err(NOT_INTEGER)],
    [["BITFIELD", "k", "GET", "u8", "0", "SET", "u8", "0", "1", "GET", "u99", "0"], err(BAD_TYPE)],
    [["EXISTS", "k"], int(0)],
    [["BITFIELD_RO", "k", "SET", "u8", "0", "1"], err("ERR BITFIELD_RO only supports the GET subcommand")],
    [["BITFIELD_RO", "k", "INCRBY", "u8", "0", "x"], err(NOT_INTEGER)],
    [["BITFIELD_RO", "k", "OVERFLOW", "SAT"], "*0\r\n"],
    [["LPUSH", "list", "a"], int(1)],
    [["BITFIELD", "list", "GET", "u8", "0"], err(WRONGTYPE)],
    [["BITFIELD", "list", "SET", "u8", "0", "1"], err(WRONGTYPE)],
    [["BITFIELD", "list"], err(WRONGTYPE)],
    [["BITFIELD_RO", "list", "GET", "u8", "0"], err(WRONGTYPE)],
    [["BITFIELD_RO", "list", "SET", "u8", "0", "1"], err("ERR BITFIELD_RO only supports the GET subcommand")]
  ]
}

/** Every example runs in RESP2 and again after HELLO 3. */
const bothProtocols = (commands: ReadonlyArray<Command>): ReadonlyArray<Command> => [
  ["FLUSHALL"],
  ...commands,
  ["FLUSHALL"],
  ["HELLO", "3"],
  ...commands
]

describe("bitmap commands (expected replies of Redis 7.0)", () => {
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

describeDifferential("bitmap commands: the examples against Redis, RESP2 and RESP3", (servers) => {
  for (const [name, list] of Object.entries(cases)) {
    it(name, () => checkCommands(servers(), bothProtocols(list.map(([c]) => c))))
  }
})

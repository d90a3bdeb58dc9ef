import fc from "fast-check"
import { Crc64 } from "../../src/persistence/rdb/crc64.ts"

/** FUNCTION and FCALL examples: every error path of functions.c / function_lua.c, compared with redis-server. */
type Command = ReadonlyArray<string>

export const lib = (name: string, ...lines: ReadonlyArray<string>): string => [`#!lua name=${name}`, ...lines].join("\n")

const load = (...args: ReadonlyArray<string>): Command => ["FUNCTION", "LOAD", ...args]

/** An RDB string of up to 63 bytes: its 6-bit length, then the bytes. */
const str = (text: string): string => String.fromCharCode(text.length) + text

/** A FUNCTION RESTORE payload: `body`, RDB version 10, and the CRC64 of both. */
export const payload = (body: string): string => {
  const bytes = Buffer.from(`${body}\x0a\x00`, "latin1")
  const crc = new Crc64().update(bytes, 0, bytes.length).bytes()
  return Buffer.concat([bytes, Buffer.from(crc)]).toString("latin1")
}

/** One library per call so that FUNCTION LIST's order (a dict's in Redis) never matters. */
export const functionExamples: ReadonlyArray<Command> = [
  ["FUNCTION", "FLUSH"],
  // metadata and load-time errors
  load(lib("lib1", "local x = string.len('a')", "redis.register_function('f1', function(k,a) return 1 end)")),
  load(lib("lib1", "redis.register_function('f1', function(k,a) return redis.register_function end)")),
  ["FCALL", "f1", "0"],
  ["FCALL", "F1", "0"],
  load(lib("e1", "error('boom')")),
  load(lib("e1", "return 1")),
  load(lib("e1", "redis.call('ping')")),
  load(lib("e1", "redis.foo = 1")),
  load(lib("e1", "x = 1")),
  load(lib("e1", "local t = {} t.x = 1 redis.register_function('f1', function() end)")),
  load(lib("e1", "redis.log(redis.LOG_DEBUG, 'x') redis.register_function('g1', function() return redis.REDIS_VERSION_NUM > 0 end)")),
  ["FCALL", "g1", "0"],
  ["FUNCTION", "DELETE", "e1"],
  load("#!lua name=e1 foo=bar\nx"),
  load("#!lua"),
  load("#!lua\n"),
  load("#!lua name=a-b\n"),
  load("#!lua name=\n"),
  load("#!py name=ab\n"),
  load("x"),
  load(""),
  load(lib("e1", "x y")),
  load("#!LUA name=e2\nredis.register_function('F1', function() return 2 end)"),
  load("#!lua name=e2 NAME=e3\nredis.register_function('a', function() end)"),
  load("#!lua name=\"e4\"\nredis.register_function('a4', function() return 'quoted' end)"),
  load("#!lua name=\"e5\nredis.register_function('a', function() end)"),
  ["FCALL", "a4", "0"],
  load("replace"),
  load("foo", "bar"),
  load("replace", "replace", lib("e6", "redis.register_function('a6', function() return 6 end)")),
  load("REPLACE", lib("e6", "redis.register_function('a6', function() return 7 end)")),
  ["FCALL", "a6", "0"],
  load(lib("e6", "redis.register_function('a6', function() return 8 end)")),
  // register_function's arguments
  load(lib("e7", "redis.register_function('f9', function() return 1 end)", "redis.register_function('f9', function() return 1 end)")),
  load(lib("e7", "redis.register_function{function_name='f9', callback=function() return 1 end, flags={'foo'}}")),
  load(lib("e7", "redis.register_function('a-b', function() return 1 end)")),
  load(lib("e7", "redis.register_function('', function() return 1 end)")),
  load(lib("e7", "redis.register_function()")),
  load(lib("e7", "redis.register_function(1)")),
  load(lib("e7", "redis.register_function({function_name='x'})")),
  load(lib("e7", "redis.register_function({callback=function() end})")),
  load(lib("e7", "redis.register_function({[1]=2})")),
  load(lib("e7", "redis.register_function({function_name=function() end})")),
  load(lib("e7", "redis.register_function({function_name='x', callback=function() end, description={}})")),
  load(lib("e7", "redis.register_function({function_name='x', callback=1})")),
  load(lib("e7", "redis.register_function({foo=1})")),
  load(lib("e7", "redis.register_function(1, 2)")),
  load(lib("e7", "redis.register_function({}, 2)")),
  load(lib("e7", "redis.register_function('x', 2, 3)")),
  load(lib("e7", "redis.register_function({function_name='x', callback=function() end, flags='no-writes'})")),
  load(lib("e7", "redis.register_function({function_name='x', callback=function() end, flags={1}})")),
  load(lib("e7", "redis.register_function({function_name='x', callback=function() end, flags={{}}})")),
  load(lib("e8", "redis.register_function(12, function() return 'twelve' end)")),
  ["FCALL", "12", "0"],
  load(lib("e9", "local r = redis.register_function", "redis.register_function('late', function() return r('x', function() end) end)")),
  ["FCALL", "late", "0"],
  // running
  load(lib("lib2", "redis.register_function('f2', function(k,a) return redis.call('set', k[1], a[1]) end)")),
  load(lib("lib4", "redis.register_function{function_name='f3', callback=function(k,a) return {k, a} end, flags={'no-writes', 'ALLOW-OOM', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}, description='desc'}")),
  ["FCALL", "f2", "1", "x", "y"],
  ["GET", "x"],
  ["FCALL", "f3", "2", "a", "b", "c"],
  ["FCALL_RO", "f2", "1", "x", "y"],
  ["FCALL_RO", "f3", "1", "x", "y"],
  ["FCALL", "f3", "0"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "lib4"],
  ["FUNCTION", "LIST", "libraryname", "LIB2", "withcode"],
  ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "l?b4"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"],
  load(lib("lib3",
    "redis.register_function('f4', function(k,a) foo = 1 end)",
    "redis.register_function('f5', function(k,a) return KEYS end)",
    "redis.register_function('f6', function(k,a) error('boom') end)",
    "redis.register_function('f7', function(k,a) return redis.setresp(3) end)",
    "redis.register_function('f8', function(k,a) return redis.breakpoint() end)",
    "redis.register_function('f9', function(k,a) return redis.call('set', 'a', 'b') end)",
    "redis.register_function{function_name='f10', callback=function(k,a) return redis.call('set', 'a', 'b') end, flags={'no-writes'}}",
    "redis.register_function('f11', function(k,a) return redis.pcall('nosuch') end)",
    "redis.register_function('f12', function(k,a) return __redis__err__handler end)",
    "redis.register_function('f13', function(k,a) return redis.call('fcall', 'f1', 0) end)",
    "redis.register_function('f14', function(k,a) return redis.error_reply('MY err') end)",
    "redis.register_function('f15', function(k,a) return {#k, #a, a[1], redis.sha1hex('x'), cjson.encode({1}), math.random(10)} end)",
    "redis.register_function('f16', function(k,a) return error({err='CUSTOM code'}) end)",
    "redis.register_function('f17', function(k,a) return rawset(_G, 'x', 1) end)"
  )),
  ...["f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", "f16", "f17"].map((f) => ["FCALL", f, "0"]),
  ["FCALL", "f15", "1", "key", "arg1", "arg2"],
  ["FCALL_RO", "f10", "0"],
  ["EVAL", "return redis.call('fcall', 'f1', 0)", "0"],
  // one random generator for EVAL and functions, as in Redis
  load(lib("rnd", "redis.register_function('rnd', function() return math.random(1000000) end)")),
  ["EVAL", "return math.random(1000000)", "0"],
  ["FCALL", "rnd", "0"],
  ["EVAL", "math.randomseed(7) return math.random(1000000)", "0"],
  ["FCALL", "rnd", "0"],
  ["FUNCTION", "STATS"],
  // command errors
  ["FCALL", "nope", "0"],
  ["FCALL", "f1", "x"],
  ["FCALL", "f1", "5"],
  ["FCALL", "f1", "-1"],
  ...["01", "+1", " 1", "1 ", "-0", "00", "1.0", "", "9999999999999999999", "9223372036854775807", "-9223372036854775808"].flatMap((n) => [
    ["FCALL", "f1", n],
    ["EVAL", "return 1", n]
  ]),
  ["FCALL", "nope", "x"],
  ["FCALL"],
  ["FCALL", "f1"],
  ["FUNCTION"],
  ["FUNCTION", "DELETE", "nope"],
  ["FUNCTION", "DELETE", "LIB2"],
  ["FUNCTION", "DELETE", "lib1", "x"],
  ["FUNCTION", "LIST", "libraryname"],
  ["FUNCTION", "LIST", "foo"],
  ["FUNCTION", "LIST", "withcode", "withcode"],
  ["FUNCTION", "LIST", "libraryname", "a", "libraryname", "b"],
  ["FUNCTION", "FLUSH", "x"],
  ["FUNCTION", "FLUSH", "async", "a"],
  ["FUNCTION", "RESTORE", "abc"],
  ["FUNCTION", "RESTORE", "abc", "foo"],
  ["FUNCTION", "RESTORE", "a", "b", "c"],
  ["FUNCTION", "KILL"],
  ["FUNCTION", "KILL", "x"],
  ["FUNCTION", "STATS", "x"],
  ["FUNCTION", "DUMP", "x"],
  ["FUNCTION", "HELP"],
  ["FUNCTION", "foo"],
  ["FUNCTION", "DELETE", "lib2"],
  ["FUNCTION", "DELETE", "lib2"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "FLUSH", "SYNC"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "LIST"],
  ["FUNCTION", "DUMP"],
  // FCALL's COMMAND INFO differs in its key specs only (derived ones here: docs/ARCHITECTURE.md)
  ["COMMAND", "INFO", "function|load", "function|stats", "function|list", "function|kill", "function|restore"],
  ["COMMAND", "GETKEYS", "FCALL", "f", "2", "a", "b", "c"]
]

/**
 * DUMP / RESTORE: one library at a time (DUMP's bytes follow the library order), without LZF (its
 * output differs from Redis's, valid both ways: docs/ARCHITECTURE.md's known differences).
 */
export const dumpExamples: ReadonlyArray<Command> = [
  ["CONFIG", "SET", "rdbcompression", "no"],
  ["FUNCTION", "FLUSH"],
  ["FUNCTION", "DUMP"],
  load(lib("d1", "redis.register_function('d1', function() return 1 end)")),
  ["FUNCTION", "DUMP"],
  load(lib("big", `local pad = '${"abc".repeat(200)}'`, "redis.register_function('big', function() return #pad end)")),
  ["FUNCTION", "DELETE", "d1"],
  ["FUNCTION", "DUMP"],
  ["FUNCTION", "RESTORE", "\xf5\x00\x0a\x00garbage!"],
  // hand-made payloads with a valid version and checksum
  ["FUNCTION", "RESTORE", payload("\xf5\x3fshort")],
  ["FUNCTION", "RESTORE", payload("\xf5\x0c#!")],
  ["FUNCTION", "RESTORE", payload("\x00\x01a")],
  ["FUNCTION", "RESTORE", payload(`\xf6${str("oldlib")}${str("LUA")}\x00${str("redis.register_function('old', function() return 'old' end)")}`)],
  ["FCALL", "old", "0"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "oldlib", "WITHCODE"],
  ["FUNCTION", "RESTORE", payload(`\xf6${str("x")}${str("py")}\x01${str("desc")}${str("code")}`)],
  ["FUNCTION", "RESTORE", payload(`\xf6${str("x")}${str("LUA")}\x01`)],
  ["FUNCTION", "RESTORE", payload(`\xf6${str("x")}`)],
  ["CONFIG", "SET", "rdbcompression", "yes"]
]

/** A random library: unique names (functions case-insensitively), flags, descriptions, padding that LZF compresses. */
const FLAG_NAMES = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]
const name = fc.stringMatching(/^[a-zA-Z0-9_]{1,10}$/)
export const randomLibraries = fc
  .uniqueArray(
    fc.record({
      name,
      pad: fc.nat(300),
      functions: fc.uniqueArray(
        fc.record({ name, flags: fc.subarray(FLAG_NAMES), description: fc.option(fc.stringMatching(/^[a-z A-Z0-9.,]{0,30}$/), { nil: undefined }) }),
        { minLength: 1, maxLength: 4, selector: (f) => f.name.toLowerCase() }
      )
    }),
    { minLength: 1, maxLength: 5, selector: (l) => l.name }
  )
  // function names are unique across libraries, case-insensitively
  .filter((libs) => {
    const names = libs.flatMap((l) => l.functions.map((f) => f.name.toLowerCase()))
    return new Set(names).size === names.length
  })
  .map((libs) =>
    libs.map((l) =>
      lib(
        l.name,
        `local pad = '${"ab".repeat(l.pad)}'`,
        ...l.functions.map((f) =>
          `redis.register_function{function_name='${f.name}', callback=function() return '${f.name}' .. #pad end, flags={${f.flags.map((x) => `'${x}'`).join(", ")}}${f.description === undefined ? "" : `, description='${f.description}'`}}`
        )
      )
    )
  )



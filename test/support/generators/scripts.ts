/**
 * Random Lua scripts for the differential scripting tests: sequences of redis.call / redis.pcall over
 * a few keys of several types, Lua pcall around calls that may fail, and a final return of one of
 * every kind of value a script can return (replies read back, tables with nil holes, {ok=}, {err=},
 * error_reply/status_reply, numbers truncated, booleans, RESP3 tables, cjson and cmsgpack encodings
 * of replies), optionally after
 * redis.setresp(3).
 */
import fc from "fast-check"
import type { Command } from "../differential.ts"

/** A Redis command as Lua source: the arguments of redis.call. */
const commandArgs: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "'set', KEYS[1], ARGV[1]",
    "'get', KEYS[1]",
    "'get', 'missing'",
    "'incr', KEYS[2]",
    "'incrbyfloat', KEYS[2], 1.5",
    "'incr', KEYS[1]",
    "'del', KEYS[1]",
    "'exists', KEYS[1], KEYS[2]",
    "'lpush', KEYS[3], 'a', 'b'",
    "'lrange', KEYS[3], 0, -1",
    "'lpop', KEYS[3]",
    "'hset', 'h', 'f', ARGV[1], 'g', 2",
    "'hgetall', 'h'",
    "'hget', 'h', 'nofield'",
    "'zadd', 'z', 1.5, 'm', 2, 'n'",
    "'zrange', 'z', 0, -1, 'WITHSCORES'",
    "'zscore', 'z', 'm'",
    "'sadd', 's', 1, 2, 3",
    "'sismember', 's', 2",
    "'ping'",
    "'echo', ARGV[1]",
    "'type', 'h'",
    "'expire', KEYS[1], 100",
    "'ttl', KEYS[1]",
    "'select', 1",
    "'select', 0",
    "'dbsize'",
    "'nosuchcommand'",
    "'get'",
    "'multi'",
    "'set', KEYS[1], 3.25",
    "'set', KEYS[1], 10/3",
    "'lmpop', 1, KEYS[3], 'LEFT'",
    "'blpop', KEYS[3], 0",
    "'xadd', 'st', '1-1', 'f', 'v'",
    "'xrange', 'st', '-', '+'"
  )
)

const call = fc.tuple(fc.constantFrom("redis.call", "redis.pcall"), commandArgs).map(([f, args]) => `${f}(${args})`)

const statement: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: call },
  { weight: 3, arbitrary: call.map((c) => `r = ${c}`) },
  { weight: 1, arbitrary: call.map((c) => `local ok, e = pcall(function() return ${c} end) r = {tostring(ok), type(e) == 'string' and e or 0}`) }
)

/** What a script returns: everything luaReplyToRedisReply handles. */
const returned: fc.Arbitrary<string> = fc.constantFrom(
  "r",
  "{r}",
  "{1, r, 'x'}",
  "{1, 2, nil, 3}",
  "{ok='fine'}",
  "{err='MYERR failed here'}",
  "{err='no code'}",
  "redis.error_reply('MY error')",
  "redis.error_reply('x')",
  "redis.status_reply('DONE')",
  "3.99",
  "-2.5",
  "true",
  "false",
  "nil",
  "'text'",
  "{double=3.5}",
  "{double=0.1}",
  "{big_number='1234567890123456789'}",
  "{map={a=1}}",
  "{set={x=true}}",
  "{verbatim_string={format='txt', string='hello'}}",
  "type(r)",
  "{false, true, 1}",
  "redis.call('get', KEYS[1])",
  "redis.pcall('incr', 'h')",
  "{ {1, {2}}, {ok='nested'} }",
  "cjson.encode({r, 1.5, 'x'})",
  "cjson.encode(r)",
  "cmsgpack.pack(r, 1.5, -7)",
  "{cmsgpack.unpack(cmsgpack.pack(r))}",
  "cjson.decode(cjson.encode({r}))"
)

/** `EVAL script 3 k1 k2 k3 v` lines: one to four statements and a return, RESP3 for the calls now and then. */
export const evalCommand: fc.Arbitrary<Command> = fc
  .tuple(fc.boolean(), fc.array(statement, { minLength: 0, maxLength: 4 }), returned, fc.constantFrom("v", "12", "-1", "a b"))
  .map(([resp3, statements, ret, arg]) => {
    const body = [...(resp3 ? ["redis.setresp(3)"] : []), "local r = false", ...statements.map((s) => s.replace(/^r = /, "r = ")), `return ${ret}`]
      .join("\n")
    return ["EVAL", body, "3", "k1", "k2", "k3", arg]
  })

/** Plain commands between scripts, so that scripts find keys of every type. */
export const setupCommand: fc.Arbitrary<Command> = fc.constantFrom(
  ["SET", "k1", "5"],
  ["RPUSH", "k3", "x", "y"],
  ["HSET", "h", "f", "1"],
  ["GET", "k1"],
  ["SELECT", "0"]
)

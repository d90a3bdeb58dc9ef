/**
 * Sorted set commands against a real redis-server: every error path and edge case of t_zset.c, byte
 * for byte in RESP2 and RESP3, then random command sequences over both encodings (small sets stay
 * listpacks; with zset-max-listpack-entries lowered they become skiplists).
 */
import fc from "fast-check"
import { it } from "vitest"
import {
  type Command,
  checkCommands,
  checkSequences,
  describeDifferential,
  exact,
  type Normalize,
  toComparable
} from "../support/differential.ts"
import type { RawReply } from "../support/raw.ts"
import { key, score, zsetCommand } from "../support/generators/zsets.ts"

/** Exact cases, in the order Redis checks options, arguments, keys and types. */
const examples: ReadonlyArray<Command> = [
  ["SET", "s", "string"],
  ["SADD", "set", "a", "x"],
  // ZADD: options, then pairs, then incompatible flags, then every score, then the key
  ["ZADD", "z", "1"],
  ["ZADD", "z", "NX"],
  ["ZADD", "z", "1", "a", "2"],
  ["ZADD", "z", "nx", "xx", "1", "a"],
  ["ZADD", "z", "GT", "LT", "1", "a"],
  ["ZADD", "z", "gt", "nx", "1", "a"],
  ["ZADD", "z", "LT", "NX", "1", "a"],
  ["ZADD", "z", "INCR", "1", "a", "2", "b"],
  ["ZADD", "z", "NX", "XX", "INCR", "1", "a", "2", "b"],
  ["ZADD", "z", "1", "a", "x", "b"],
  ["ZADD", "z", "nan", "a"],
  ["ZADD", "z", "1e400", "a"],
  ["ZADD", "z", "1e-400", "a"],
  ["ZADD", "z", " 1", "a"],
  ["ZADD", "z", "1 ", "a"],
  ["ZADD", "z", "", "a"],
  ["ZADD", "s", "1", "a"],
  ["ZADD", "s", "x", "a"],
  ["ZADD", "set", "1", "a"],
  ["EXISTS", "z"],
  ["ZADD", "z", "XX", "1", "a"],
  ["ZADD", "z", "XX", "INCR", "1", "a"],
  ["EXISTS", "z"],
  ["ZADD", "z", "1", "a", "2", "b", "3", "c", "1", "a"],
  ["ZADD", "z", "CH", "1", "a", "5", "b", "6", "d"],
  ["ZADD", "z", "NX", "10", "a", "10", "e"],
  ["ZADD", "z", "XX", "CH", "10", "a", "10", "f"],
  ["ZADD", "z", "GT", "CH", "5", "a", "20", "b"],
  ["ZADD", "z", "LT", "CH", "5", "a", "30", "b"],
  ["ZADD", "z", "XX", "GT", "CH", "100", "a", "1", "c"],
  ["ZADD", "z", "INCR", "2.5", "c"],
  ["ZADD", "z", "INCR", "NX", "1", "c"],
  ["ZADD", "z", "INCR", "GT", "-1", "c"],
  ["ZADD", "z", "INCR", "LT", "-1", "c"],
  ["ZADD", "z", "INCR", "XX", "1", "missing"],
  ["ZADD", "z", "0x10", "hex", "-0", "negzero", "1e17", "big", "0.1", "tenth"],
  ["ZADD", "z", "inf", "pinf", "-inf", "ninf", "+inf", "pinf2", "-INF", "ninf2", "Infinity", "pinf3"],
  ["ZADD", "z", "INCR", "-inf", "pinf"],
  ["ZADD", "z", "INCR", "1", "pinf"],
  ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["ZSCAN", "z", "0"],
  ["OBJECT", "ENCODING", "z"],
  ["TYPE", "z"],
  // ZINCRBY: ZADD's parser, so options in the increment slot are syntax errors
  ["ZINCRBY", "z", "abc", "a"],
  ["ZINCRBY", "z", "nx", "a"],
  ["ZINCRBY", "z", "incr", "a"],
  ["ZINCRBY", "z", "1.1", "newmember"],
  ["ZINCRBY", "z", "-inf", "pinf"],
  ["ZINCRBY", "s", "1", "a"],
  ["ZINCRBY", "fresh", "-0.5", "m"],
  // ZSCORE / ZMSCORE / ZCARD / ZRANK
  ["ZSCORE", "z", "tenth"],
  ["ZSCORE", "z", "missing"],
  ["ZSCORE", "nokey", "a"],
  ["ZSCORE", "s", "a"],
  ["ZMSCORE", "z", "a", "missing", "pinf", "negzero"],
  ["ZMSCORE", "nokey", "a", "b"],
  ["ZMSCORE", "s", "a"],
  ["ZCARD", "z"],
  ["ZCARD", "nokey"],
  ["ZCARD", "s"],
  ["ZRANK", "z", "a"],
  ["ZREVRANK", "z", "a"],
  ["ZRANK", "z", "ninf"],
  ["ZREVRANK", "z", "ninf"],
  ["ZRANK", "z", "missing"],
  ["ZRANK", "nokey", "a"],
  ["ZREVRANK", "s", "a"],
  // ZCOUNT / ZLEXCOUNT: the range before the key
  ["ZCOUNT", "z", "-inf", "+inf"],
  ["ZCOUNT", "z", "(1", "(10"],
  ["ZCOUNT", "z", "1", "10"],
  ["ZCOUNT", "z", "10", "1"],
  ["ZCOUNT", "z", "(5", "5"],
  ["ZCOUNT", "z", "", " 2"],
  ["ZCOUNT", "z", "(", "+inf"],
  ["ZCOUNT", "z", "(1e400", "inf"],
  ["ZCOUNT", "z", "nan", "1"],
  ["ZCOUNT", "z", "1", "x"],
  ["ZCOUNT", "z", "1 ", "2"],
  ["ZCOUNT", "z", "[1", "2"],
  ["ZCOUNT", "nokey", "x", "1"],
  ["ZCOUNT", "nokey", "0", "1"],
  ["ZCOUNT", "s", "0", "1"],
  ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "", "0", "\u00ff", "0", "\u0000"],
  ["ZLEXCOUNT", "lex", "-", "+"],
  ["ZLEXCOUNT", "lex", "+", "-"],
  ["ZLEXCOUNT", "lex", "[b", "(d"],
  ["ZLEXCOUNT", "lex", "(b", "[d"],
  ["ZLEXCOUNT", "lex", "[", "("],
  ["ZLEXCOUNT", "lex", "-", "-"],
  ["ZLEXCOUNT", "lex", "+", "+"],
  ["ZLEXCOUNT", "lex", "(a", "(a"],
  ["ZLEXCOUNT", "lex", "b", "d"],
  ["ZLEXCOUNT", "lex", "", "+"],
  ["ZLEXCOUNT", "lex", "-x", "+"],
  ["ZLEXCOUNT", "lex", "-", "+\u0000x"],
  ["ZLEXCOUNT", "nokey", "-", "+"],
  ["ZLEXCOUNT", "nokey", "x", "+"],
  ["ZLEXCOUNT", "s", "-", "+"],
  ["ZLEXCOUNT", "z", "-", "+"],
  ["ZLEXCOUNT", "z", "[b", "[z"],
  // ZRANGE: option parsing, conflicts, range parsing, then the key
  ["ZRANGE", "z", "0", "-1"],
  ["ZRANGE", "z", "-3", "-1", "withscores"],
  ["ZRANGE", "z", "2", "1"],
  ["ZRANGE", "z", "100", "200"],
  ["ZRANGE", "z", "-100", "-50"],
  ["ZRANGE", "z", "-9223372036854775808", "9223372036854775807"],
  ["ZRANGE", "z", "0", "9223372036854775808"],
  ["ZRANGE", "z", "a", "1"],
  ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
  ["ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"],
  ["ZRANGE", "z", "0", "1", "LIMIT", "x", "1"],
  ["ZRANGE", "z", "0", "1", "LIMIT", "0"],
  ["ZRANGE", "z", "0", "1", "REV", "REV"],
  ["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"],
  ["ZRANGE", "z", "0", "1", "FOO"],
  ["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
  ["ZRANGE", "z", "(1", "+inf", "BYSCORE", "WITHSCORES"],
  ["ZRANGE", "z", "+inf", "(1", "BYSCORE", "REV", "WITHSCORES", "LIMIT", "1", "3"],
  ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "0"],
  ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "-1"],
  ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "5"],
  ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "100", "5"],
  ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "9223372036854775807", "5"],
  ["ZRANGE", "z", "x", "1", "BYSCORE"],
  ["ZRANGE", "z", "x", "1", "BYLEX"],
  ["ZRANGE", "lex", "[b", "(e", "BYLEX"],
  ["ZRANGE", "lex", "(e", "[b", "BYLEX", "REV"],
  ["ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "1", "2"],
  ["ZRANGE", "lex", "+", "-", "BYLEX", "REV", "LIMIT", "0", "3"],
  ["ZRANGE", "lex", "0", "-1", "REV", "WITHSCORES"],
  ["ZRANGE", "nokey", "0", "-1"],
  ["ZRANGE", "nokey", "x", "-1"],
  ["ZRANGE", "s", "0", "-1"],
  ["ZRANGE", "s", "x", "-1"],
  // the fixed forms take no BY/REV options
  ["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"],
  ["ZRANGEBYSCORE", "z", "(1", "5", "LIMIT", "1", "1"],
  ["ZRANGEBYSCORE", "z", "0", "1", "REV"],
  ["ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"],
  ["ZRANGEBYSCORE", "z", "a", "1"],
  ["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "2"],
  ["ZREVRANGEBYSCORE", "z", "5", "(1"],
  ["ZREVRANGEBYSCORE", "z", "1", "5"],
  ["ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "2", "-1"],
  ["ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"],
  ["ZRANGEBYLEX", "lex", "a", "+"],
  ["ZREVRANGEBYLEX", "lex", "+", "[c"],
  ["ZREVRANGEBYLEX", "lex", "[c", "+"],
  ["ZREVRANGE", "z", "0", "2", "WITHSCORES"],
  ["ZREVRANGE", "z", "0", "2", "LIMIT", "0", "1"],
  ["ZREVRANGE", "z", "0", "2", "BYSCORE"],
  // ZRANGESTORE: empty results delete the destination; the source must be a zset
  ["ZRANGESTORE", "dst", "z", "0", "2"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZRANGESTORE", "dst", "z", "0", "1", "REV"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "2"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZRANGESTORE", "dst", "lex", "[b", "[d", "BYLEX", "REV"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
  ["ZRANGESTORE", "dst", "z", "5", "1"],
  ["EXISTS", "dst"],
  ["ZRANGESTORE", "s", "nokey", "0", "-1"],
  ["EXISTS", "s"],
  ["SET", "s", "string"],
  ["ZRANGESTORE", "dst", "s", "0", "-1"],
  ["ZRANGESTORE", "s", "z", "0", "0"],
  ["TYPE", "s"],
  ["SET", "s", "string"],
  // ZREM / ZREMRANGEBY*: the range first; an emptied set is deleted
  ["ZREM", "z", "missing", "a", "a"],
  ["ZREM", "nokey", "a"],
  ["ZREM", "s", "a"],
  ["ZREMRANGEBYRANK", "z", "x", "1"],
  ["ZREMRANGEBYRANK", "s", "x", "1"],
  ["ZREMRANGEBYRANK", "s", "0", "1"],
  ["ZREMRANGEBYRANK", "nokey", "0", "1"],
  ["ZREMRANGEBYRANK", "z", "5", "1"],
  ["ZREMRANGEBYRANK", "z", "100", "200"],
  ["ZREMRANGEBYRANK", "z", "0", "0"],
  ["ZREMRANGEBYRANK", "z", "-2", "-1"],
  ["ZREMRANGEBYSCORE", "z", "x", "1"],
  ["ZREMRANGEBYSCORE", "nokey", "x", "1"],
  ["ZREMRANGEBYSCORE", "z", "(1", "(10"],
  ["ZREMRANGEBYSCORE", "z", "10", "1"],
  ["ZREMRANGEBYLEX", "z", "x", "+"],
  ["ZREMRANGEBYLEX", "lex", "(b", "[d"],
  ["ZRANGE", "lex", "0", "-1"],
  ["ZREMRANGEBYLEX", "lex", "-", "+"],
  ["EXISTS", "lex"],
  ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["ZREMRANGEBYRANK", "z", "0", "-1"],
  ["EXISTS", "z"],
  // ZPOPMIN / ZPOPMAX: the count is checked for range before the key
  ["ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d"],
  ["ZPOPMIN", "p", "1", "2"],
  ["ZPOPMIN", "p", "abc"],
  ["ZPOPMIN", "p", "-1"],
  ["ZPOPMIN", "nokey"],
  ["ZPOPMIN", "nokey", "0"],
  ["ZPOPMIN", "s"],
  ["ZPOPMIN", "s", "0"],
  ["ZPOPMIN", "p", "0"],
  ["ZPOPMIN", "p"],
  ["ZPOPMAX", "p"],
  ["ZPOPMAX", "p", "1"],
  ["ZPOPMIN", "p", "9223372036854775807"],
  ["EXISTS", "p"],
  // ZMPOP / BZMPOP: numkeys, the side, COUNT, then the keys (BZMPOP's timeout after those)
  ["ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d"],
  ["ZMPOP", "0", "p", "MIN"],
  ["ZMPOP", "-1", "p", "MIN"],
  ["ZMPOP", "x", "p", "MIN"],
  ["ZMPOP", "2", "p", "MIN"],
  ["ZMPOP", "9223372036854775807", "p", "MIN"],
  ["ZMPOP", "1", "p", "MID"],
  ["ZMPOP", "1", "p", "MIN", "COUNT", "0"],
  ["ZMPOP", "1", "p", "MIN", "COUNT", "x"],
  ["ZMPOP", "1", "p", "MIN", "COUNT", "-1"],
  ["ZMPOP", "1", "p", "MIN", "COUNT", "1", "COUNT", "1"],
  ["ZMPOP", "1", "p", "MIN", "COUNT"],
  ["ZMPOP", "1", "p", "MIN", "FOO"],
  ["ZMPOP", "1", "nokey", "MIN"],
  ["ZMPOP", "2", "nokey", "s", "MAX"],
  ["ZMPOP", "3", "nokey", "p", "s", "max", "count", "2"],
  ["ZMPOP", "1", "p", "min", "COUNT", "10"],
  ["EXISTS", "p"],
  ["BZMPOP", "0", "0", "p", "MIN"],
  ["BZMPOP", "x", "1", "p", "MIN"],
  ["BZMPOP", "-1", "1", "p", "MIN"],
  ["BZMPOP", "x", "1", "p", "MID"],
  ["BZMPOP", "0", "1", "s", "MIN"],
  ["ZADD", "p", "1", "a", "2", "b", "3", "c"],
  ["BZMPOP", "0", "2", "nokey", "p", "MAX", "COUNT", "2"],
  ["BZMPOP", "0.01", "1", "nokey", "MAX"],
  // BZPOPMIN / BZPOPMAX: the timeout, then each key in turn
  ["BZPOPMIN", "p", "-1"],
  ["BZPOPMIN", "p", "abc"],
  ["BZPOPMIN", "p", "inf"],
  ["BZPOPMIN", "s", "0"],
  ["BZPOPMIN", "nokey", "p", "0"],
  ["BZPOPMAX", "nokey", "s", "p", "0"],
  ["BZPOPMAX", "nokey", "0.01"],
  ["BZPOPMIN", "p", "nokey", "0.001"],
  ["EXISTS", "p"],
  // ZUNION / ZINTER / ZDIFF and STORE forms: numkeys, keys and their types, then options
  ["ZADD", "z1", "1", "a", "2", "b", "3", "c"],
  ["ZADD", "z2", "10", "b", "20", "c", "30", "d"],
  ["ZADD", "zinf", "inf", "a", "-inf", "b"],
  ["ZUNION", "x", "z1"],
  ["ZUNION", "0", "z1"],
  ["ZUNION", "-1", "z1"],
  ["ZUNION", "3", "z1", "z2"],
  ["ZUNION", "2", "z1", "s"],
  ["ZUNION", "2", "z1", "z2", "WEIGHTS", "1"],
  ["ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "x"],
  ["ZUNION", "2", "z1", "z2", "AGGREGATE", "AVG"],
  ["ZUNION", "2", "z1", "z2", "AGGREGATE"],
  ["ZUNION", "2", "z1", "z2", "FOO"],
  ["ZUNION", "2", "z1", "z2"],
  ["ZUNION", "2", "z1", "z2", "WITHSCORES"],
  ["ZUNION", "3", "z1", "z2", "set", "WEIGHTS", "1", "2", "3", "AGGREGATE", "max", "WITHSCORES"],
  ["ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "-1", "AGGREGATE", "MIN", "WITHSCORES"],
  ["ZUNION", "2", "z1", "zinf", "WEIGHTS", "0", "1", "WITHSCORES"],
  ["ZUNION", "2", "zinf", "zinf", "WITHSCORES"],
  ["ZUNION", "2", "zinf", "z1", "WEIGHTS", "1", "-1", "WITHSCORES"],
  ["ZUNION", "1", "nokey", "WITHSCORES"],
  ["ZINTER", "2", "z1", "z2", "WITHSCORES"],
  ["ZINTER", "2", "z1", "z1", "WEIGHTS", "2", "3", "WITHSCORES"],
  ["ZINTER", "3", "z1", "z2", "set", "AGGREGATE", "MAX", "WITHSCORES"],
  ["ZINTER", "2", "z1", "nokey"],
  ["ZINTER", "2", "zinf", "z1", "WITHSCORES"],
  ["ZINTER", "2", "z1", "z2", "WEIGHTS", "inf", "-inf", "WITHSCORES"],
  ["ZDIFF", "2", "z1", "z2", "WITHSCORES"],
  ["ZDIFF", "2", "z1", "z1"],
  ["ZDIFF", "2", "z2", "set", "WITHSCORES"],
  ["ZDIFF", "1", "nokey"],
  ["ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"],
  ["ZDIFF", "2", "z1", "z2", "AGGREGATE", "SUM"],
  ["ZINTERCARD", "0", "z1"],
  ["ZINTERCARD", "2", "z1"],
  ["ZINTERCARD", "2", "z1", "z2"],
  ["ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"],
  ["ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"],
  ["ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1"],
  ["ZINTERCARD", "2", "z1", "z2", "LIMIT", "x"],
  ["ZINTERCARD", "2", "z1", "z2", "WITHSCORES"],
  ["ZINTERCARD", "2", "z1", "s"],
  ["ZUNIONSTORE", "dst", "0", "z1"],
  ["ZUNIONSTORE", "dst", "2", "z1", "z2", "WITHSCORES"],
  ["ZUNIONSTORE", "dst", "2", "z1", "z2", "WEIGHTS", "2", "1"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["OBJECT", "ENCODING", "dst"],
  ["ZINTERSTORE", "dst", "2", "z1", "z2", "AGGREGATE", "MIN"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZDIFFSTORE", "dst", "2", "z2", "z1"],
  ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
  ["ZINTERSTORE", "dst", "2", "z1", "nokey"],
  ["EXISTS", "dst"],
  ["ZUNIONSTORE", "s", "1", "z1"],
  ["TYPE", "s"],
  ["ZDIFFSTORE", "s", "1", "z1", "z1"],
  ["ZDIFFSTORE", "s", "2", "z1", "z1"],
  ["EXISTS", "s"],
  ["SET", "s", "string"],
  // COPY gives an independent set of the same encoding
  ["COPY", "z1", "zcopy"],
  ["ZADD", "zcopy", "9", "new"],
  ["ZRANGE", "zcopy", "0", "-1", "WITHSCORES"],
  ["ZCARD", "z1"],
  ["OBJECT", "ENCODING", "zcopy"],
  // ZRANDMEMBER: the count, then the syntax, then the key; counts beyond the set return it all
  ["ZRANDMEMBER", "z1", "abc"],
  ["ZRANDMEMBER", "z1", "1", "x"],
  ["ZRANDMEMBER", "z1", "1", "WITHSCORES", "x"],
  ["ZRANDMEMBER", "z1", "-9223372036854775808"],
  ["ZRANDMEMBER", "z1", "0"],
  ["ZRANDMEMBER", "z1", "0", "WITHSCORES"],
  ["ZRANDMEMBER", "z1", "3"],
  ["ZRANDMEMBER", "z1", "5", "withscores"],
  ["ZRANDMEMBER", "z1", "9223372036854775807", "WITHSCORES"],
  ["ZRANDMEMBER", "nokey"],
  ["ZRANDMEMBER", "nokey", "5"],
  ["ZRANDMEMBER", "nokey", "x"],
  ["ZRANDMEMBER", "s"],
  ["ZRANDMEMBER", "s", "1"],
  // ZSCAN: the cursor before the key; the options after the type
  ["ZSCAN", "z1", "0"],
  ["ZSCAN", "z1", "0", "MATCH", "a*"],
  ["ZSCAN", "z1", "0", "COUNT", "1"],
  ["ZSCAN", "z1", "x"],
  ["ZSCAN", "z1", "-1"],
  ["ZSCAN", "z1", "0", "COUNT", "0"],
  ["ZSCAN", "z1", "0", "COUNT", "x"],
  ["ZSCAN", "z1", "0", "MATCH"],
  ["ZSCAN", "z1", "0", "TYPE", "zset"],
  ["ZSCAN", "nokey", "0", "COUNT", "0"],
  ["ZSCAN", "nokey", "x"],
  ["ZSCAN", "s", "0"],
  ["ZSCAN", "s", "x"],
  // integral scores print as integers from a listpack, and -0 reads back as 0 there
  ["ZADD", "ints", "1e17", "a", "4611686018427387904", "b", "4611686018427387905", "c", "-0", "d", "2.5", "e"],
  ["ZSCAN", "ints", "0"],
  ["ZSCORE", "ints", "d"],
  // arity
  ["ZADD", "z"],
  ["ZSCORE", "z"],
  ["ZRANGE", "z", "0"],
  ["ZRANGESTORE", "d", "z", "0"],
  ["BZPOPMIN", "z"],
  ["ZUNION", "1"],
  ["ZINTERCARD", "1"]
]

/** The listpack/skiplist thresholds, exercised at their edges. */
const encodingExamples: ReadonlyArray<Command> = [
  ["CONFIG", "SET", "zset-max-listpack-entries", "3"],
  ["CONFIG", "SET", "zset-max-listpack-value", "4"],
  ["ZADD", "e1", "1", "a", "2", "b", "3", "c"],
  ["OBJECT", "ENCODING", "e1"],
  ["ZADD", "e1", "4", "d"],
  ["OBJECT", "ENCODING", "e1"],
  ["ZREM", "e1", "a", "b", "c"],
  ["OBJECT", "ENCODING", "e1"],
  ["ZADD", "e2", "1", "abcd"],
  ["OBJECT", "ENCODING", "e2"],
  ["ZADD", "e2", "1", "abcde"],
  ["OBJECT", "ENCODING", "e2"],
  ["ZADD", "e3", "1", "abcde", "2", "a"],
  ["OBJECT", "ENCODING", "e3"],
  ["ZADD", "e4", "1", "a", "2", "abcde"],
  ["OBJECT", "ENCODING", "e4"],
  ["ZADD", "e5", "1", "a", "2", "b", "3", "c", "4", "d"],
  ["OBJECT", "ENCODING", "e5"],
  ["ZUNIONSTORE", "u", "1", "e1"],
  ["OBJECT", "ENCODING", "u"],
  ["ZUNIONSTORE", "u", "1", "e5"],
  ["OBJECT", "ENCODING", "u"],
  ["ZRANGESTORE", "r", "e5", "0", "2"],
  ["OBJECT", "ENCODING", "r"],
  ["ZRANGESTORE", "r", "e5", "0", "3"],
  ["OBJECT", "ENCODING", "r"],
  ["ZINTERSTORE", "i", "1", "e3"],
  ["OBJECT", "ENCODING", "i"],
  ["ZADD", "neg", "-0", "a", "1", "b", "2", "c", "3", "d"],
  ["ZSCORE", "neg", "a"],
  ["ZSCAN", "neg", "0", "COUNT", "100"],
  ["ZRANGE", "neg", "0", "-1", "WITHSCORES"],
  ["CONFIG", "SET", "zset-max-listpack-entries", "0"],
  ["ZADD", "e6", "1", "a"],
  ["OBJECT", "ENCODING", "e6"],
  ["ZRANGESTORE", "r", "e5", "0", "0"],
  ["OBJECT", "ENCODING", "r"],
  ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
  ["CONFIG", "SET", "zset-max-listpack-value", "64"]
]

// --- random sequences -------------------------------------------------------------------------


/**
 * Random replies compared by their invariants: ZRANDMEMBER by its shape (length, distinct members
 * for a positive count), ZSCAN of a skiplist by its elements as a multiset (the cursor walk order is
 * the dictionary's, not part of the contract).
 */
const zsetNormalize: Normalize = (command, reply) => {
  if (reply.raw.startsWith("-")) return reply.raw
  const name = command[0]!.toUpperCase()
  if (name === "ZRANDMEMBER") {
    const value = toComparable(reply.value)
    if (!Array.isArray(value)) return typeof value
    const members = value.map((v) => (Array.isArray(v) ? v[0] : v))
    const count = Number(command[2])
    const withScores = command.length === 4
    const names = withScores && reply.raw.startsWith("*") && !Array.isArray(value[0]) ? members.filter((_, i) => i % 2 === 0) : members
    return { length: value.length, distinct: count > 0 ? new Set(names).size === names.length : true }
  }
  if (name === "ZSCAN") {
    const value = toComparable(reply.value)
    if (!Array.isArray(value)) return value
    const elements = value[1] as Array<string>
    const pairs: Array<string> = []
    for (let i = 0; i < elements.length; i += 2) pairs.push(`${elements[i]}=${elements[i + 1]}`)
    return [value[0], pairs.sort()]
  }
  return exact(command, reply)
}

describeDifferential("sorted set commands", (servers) => {
  it("replies and errors match Redis byte for byte (RESP2)", () => checkCommands(servers(), examples))
  it("replies and errors match Redis byte for byte (RESP3)", () => checkCommands(servers(), [["HELLO", "3"], ...examples]))
  it("OBJECT ENCODING follows zset-max-listpack-entries/-value like Redis", () =>
    checkCommands(servers(), encodingExamples, zsetNormalize))
  for (const protocol of [2, 3]) {
    it(`random sequences of every zset command behave like Redis (RESP${protocol})`, () =>
      checkSequences(servers(), fc.array(zsetCommand(true), { maxLength: 30 }), {
        normalize: zsetNormalize,
        numRuns: 150,
        ...(protocol === 3 ? { setup: [["HELLO", "3"]] } : {})
      }))
  }
})

/**
 * With tiny listpack limits most sets are skiplists. Lex ranges there are compared over equal scores
 * only: over different scores Redis's answer depends on the random levels of its skiplist.
 */
describeDifferential(
  "sorted set commands on the skiplist encoding",
  (servers) => {
    for (const protocol of [2, 3]) {
      it(`random sequences behave like Redis (RESP${protocol})`, () =>
        checkSequences(servers(), fc.array(zsetCommand(false), { maxLength: 30 }), {
          normalize: zsetNormalize,
          numRuns: 120,
          ...(protocol === 3 ? { setup: [["HELLO", "3"]] } : {})
        }))
    }
    it("lex ranges over members of one score behave like Redis", () =>
      checkSequences(servers(), fc.array(zsetCommand(true, fc.constant("0")), { maxLength: 30 }), {
        normalize: zsetNormalize,
        numRuns: 120
      }))
    it("a large set gives the same ranks, ranges and pops as Redis", () => {
      const members = Array.from({ length: 300 }, (_, i) => [String((i * 7919) % 101), `m${i}`]).flat()
      const commands: Array<Command> = [
        ["ZADD", "big", ...members],
        ["OBJECT", "ENCODING", "big"],
        ["ZCARD", "big"],
        ["ZRANGE", "big", "0", "-1", "WITHSCORES"],
        ["ZRANGE", "big", "150", "160", "REV"],
        ["ZRANK", "big", "m17"],
        ["ZREVRANK", "big", "m17"],
        ["ZCOUNT", "big", "(10", "50"],
        ["ZRANGEBYSCORE", "big", "(10", "50", "WITHSCORES", "LIMIT", "5", "20"],
        ["ZREVRANGEBYSCORE", "big", "50", "(10", "LIMIT", "5", "20"],
        ["ZREMRANGEBYSCORE", "big", "20", "(30"],
        ["ZREMRANGEBYRANK", "big", "100", "120"],
        ["ZPOPMIN", "big", "3"],
        ["ZPOPMAX", "big", "3"],
        ["ZINCRBY", "big", "1000", "m5"],
        ["ZRANGE", "big", "-5", "-1", "WITHSCORES"],
        ["ZRANGESTORE", "part", "big", "0", "9"],
        ["OBJECT", "ENCODING", "part"],
        ["ZUNIONSTORE", "u", "2", "big", "part", "WEIGHTS", "1", "0.5"],
        ["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        ["ZRANDMEMBER", "big", "1000", "WITHSCORES"],
        ["COPY", "big", "bigcopy"],
        ["ZREM", "bigcopy", "m1", "m2"],
        ["ZRANGE", "bigcopy", "0", "-1", "WITHSCORES"],
        ["ZCARD", "big"],
        ["OBJECT", "ENCODING", "bigcopy"],
        ["ZREMRANGEBYRANK", "big", "0", "-1"],
        ["EXISTS", "big"]
      ]
      return checkCommands(servers(), commands, zsetNormalize)
    })
  },
  {
    config: { "zset-max-listpack-entries": "2", "zset-max-listpack-value": "1" },
    oracleArgs: ["--zset-max-listpack-entries", "2", "--zset-max-listpack-value", "1"]
  }
)

/**
 * Every command that touches keys, on keys in four states (missing, holding data, holding data but
 * logically expired, holding another type), compared with a real redis-server: the keyspace events it
 * publishes (notify-keyspace-events KEAnm: every class, new keys and key misses), in order. This is
 * where lazy expiry ("expired", then "keymiss" for a read or "new" for a write that creates the key),
 * keys looked up before the arguments are checked, and emptied keys ("del" after the command's own
 * event) show for each command, which random sequences reach only by chance.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Command, describeDifferential } from "../support/differential.ts"
import { type EventStream, ourEvents, redisEvents, showMessages } from "../support/keyspaceEvents.ts"

/** Key types: s string, l list, h hash, S set, z zset, g geo (a zset of points), x stream (with a group). */
type KeyType = "s" | "l" | "h" | "S" | "z" | "g" | "x"

/**
 * Commands with their keys as @a, @b, @c and the type each key holds when it exists ("lls": @a and
 * @b lists, @c a string).
 */
const table: ReadonlyArray<readonly [types: string, command: string]> = [
  // strings
  ["s", "GET @a"],
  ["s", "SET @a v"],
  ["s", "SET @a v EX 100"],
  ["s", "SET @a v PX 100000 GET"],
  ["s", "SET @a v KEEPTTL"],
  ["s", "SET @a v GET"],
  ["s", "SET @a v NX"],
  ["s", "SET @a v XX"],
  ["s", "SET @a v NX GET"],
  ["s", "SET @a v PXAT 1"],
  ["s", "SET @a v EX 0"],
  ["s", "SETNX @a v"],
  ["s", "SETEX @a 100 v"],
  ["s", "PSETEX @a 100000 v"],
  ["s", "GETEX @a"],
  ["s", "GETEX @a PERSIST"],
  ["s", "GETEX @a EX 100"],
  ["s", "GETEX @a PXAT 1"],
  ["s", "GETEX @a EX 0"],
  ["s", "GETDEL @a"],
  ["s", "GETSET @a v"],
  ["ss", "MSET @a 1 @b 2"],
  ["ss", "MSETNX @a 1 @b 2"],
  ["ss", "MGET @a @b"],
  ["s", "APPEND @a x"],
  ["s", "STRLEN @a"],
  ["s", "INCR @a"],
  ["s", "DECR @a"],
  ["s", "INCRBY @a 5"],
  ["s", "DECRBY @a x"],
  ["s", "INCRBYFLOAT @a 1.5"],
  ["s", "INCRBYFLOAT @a x"],
  ["s", "GETRANGE @a 0 -1"],
  ["s", "SUBSTR @a 0 1"],
  ["s", "SETRANGE @a 1 xyz"],
  ["s", "SETRANGE @a 0 ''"],
  ["s", "SETRANGE @a 3 ''"],
  ["ss", "LCS @a @b"],
  ["ss", "LCS @a @b LEN"],
  // generic
  ["ss", "DEL @a @b"],
  ["ll", "UNLINK @a @b"],
  ["sz", "EXISTS @a @b"],
  ["h", "TYPE @a"],
  ["ls", "RENAME @a @b"],
  ["l", "RENAME @a @a"],
  ["zs", "RENAMENX @a @b"],
  ["x", "RENAMENX @a @a"],
  ["hs", "COPY @a @b"],
  ["Sl", "COPY @a @b REPLACE"],
  ["z", "COPY @a @a"],
  ["x", "COPY @a @b DB 1"],
  ["s", "COPY @a @a DB 1 REPLACE"],
  ["l", "MOVE @a 1"],
  ["s", "MOVE @a 0"],
  ["ss", "TOUCH @a @b"],
  ["s", "PERSIST @a"],
  ["l", "EXPIRE @a 100"],
  ["h", "EXPIRE @a -1"],
  ["S", "PEXPIRE @a 100000"],
  ["z", "PEXPIRE @a 0"],
  ["s", "EXPIREAT @a 1"],
  ["x", "PEXPIREAT @a 4102444800000"],
  ["s", "EXPIRE @a 100 NX"],
  ["s", "EXPIRE @a 100 XX"],
  ["s", "EXPIRE @a 100 GT"],
  ["s", "EXPIRE @a -5 LT"],
  ["s", "EXPIRE @a x"],
  ["s", "TTL @a"],
  ["l", "PTTL @a"],
  ["h", "EXPIRETIME @a"],
  ["s", "PEXPIRETIME @a"],
  ["z", "OBJECT ENCODING @a"],
  ["s", "OBJECT REFCOUNT @a"],
  ["l", "MEMORY USAGE @a"],
  // lists
  ["l", "LPUSH @a x"],
  ["l", "RPUSH @a x y"],
  ["l", "LPUSHX @a x"],
  ["l", "RPUSHX @a x"],
  ["l", "LPOP @a"],
  ["l", "RPOP @a"],
  ["l", "LPOP @a 3"],
  ["l", "RPOP @a 10"],
  ["l", "LPOP @a 0"],
  ["l", "LPOP @a x"],
  ["l", "LRANGE @a 0 -1"],
  ["l", "LLEN @a"],
  ["l", "LINDEX @a 0"],
  ["l", "LINDEX @a x"],
  ["l", "LSET @a 0 x"],
  ["l", "LSET @a 5 x"],
  ["l", "LREM @a 0 a"],
  ["l", "LREM @a 0 zz"],
  ["l", "LREM @a x a"],
  ["l", "LTRIM @a 1 0"],
  ["l", "LTRIM @a 0 0"],
  ["l", "LTRIM @a 0 -1"],
  ["l", "LINSERT @a BEFORE b x"],
  ["l", "LINSERT @a AFTER zz x"],
  ["l", "LINSERT @a MIDDLE b x"],
  ["l", "LPOS @a b"],
  ["l", "LPOS @a b RANK 0"],
  ["ll", "LMOVE @a @b LEFT RIGHT"],
  ["l", "LMOVE @a @a LEFT RIGHT"],
  ["ls", "LMOVE @a @b LEFT LEFT"],
  ["ll", "LMOVE @a @b UP DOWN"],
  ["ll", "RPOPLPUSH @a @b"],
  ["ll", "LMPOP 2 @a @b LEFT COUNT 5"],
  ["ll", "LMPOP 2 @a @b RIGHT"],
  ["ll", "LMPOP 2 @a @b LEFT COUNT 0"],
  ["ll", "BLPOP @a @b 0.01"],
  ["l", "BRPOP @a 0.01"],
  ["ll", "BLMOVE @a @b RIGHT LEFT 0.01"],
  ["ll", "BRPOPLPUSH @a @b 0.01"],
  ["ll", "BLMPOP 0.01 2 @a @b RIGHT COUNT 2"],
  ["l", "BLPOP @a x"],
  // hashes
  ["h", "HSET @a f 3"],
  ["h", "HSET @a n 1 m 2"],
  ["h", "HSETNX @a f 1"],
  ["h", "HSETNX @a n 1"],
  ["h", "HGET @a f"],
  ["h", "HMGET @a f n"],
  ["h", "HMSET @a f 1"],
  ["h", "HDEL @a f"],
  ["h", "HDEL @a f g"],
  ["h", "HDEL @a zz"],
  ["h", "HLEN @a"],
  ["h", "HSTRLEN @a f"],
  ["h", "HEXISTS @a f"],
  ["h", "HKEYS @a"],
  ["h", "HVALS @a"],
  ["h", "HGETALL @a"],
  ["h", "HINCRBY @a f 2"],
  ["h", "HINCRBY @a n 2"],
  ["h", "HINCRBY @a g 2"],
  ["h", "HINCRBY @a f x"],
  ["h", "HINCRBYFLOAT @a g 1.5"],
  ["h", "HINCRBYFLOAT @a n x"],
  ["h", "HRANDFIELD @a"],
  ["h", "HRANDFIELD @a 0"],
  ["h", "HRANDFIELD @a x"],
  ["h", "HSCAN @a 0"],
  ["h", "HSCAN @a x"],
  // sets
  ["S", "SADD @a x"],
  ["S", "SADD @a a"],
  ["S", "SREM @a a"],
  ["S", "SREM @a a b c"],
  ["S", "SREM @a zz"],
  ["S", "SMEMBERS @a"],
  ["S", "SISMEMBER @a a"],
  ["S", "SMISMEMBER @a a x"],
  ["S", "SCARD @a"],
  ["S", "SPOP @a"],
  ["S", "SPOP @a 3"],
  ["S", "SPOP @a 10"],
  ["S", "SPOP @a 0"],
  ["S", "SPOP @a -1"],
  ["S", "SRANDMEMBER @a 0"],
  ["S", "SRANDMEMBER @a x"],
  ["SS", "SMOVE @a @b a"],
  ["SS", "SMOVE @a @b zz"],
  ["S", "SMOVE @a @a a"],
  ["Ss", "SMOVE @a @b a"],
  ["SS", "SINTER @a @b"],
  ["SS", "SUNION @a @b"],
  ["SS", "SDIFF @a @b"],
  ["SSS", "SINTERSTORE @c @a @b"],
  ["SSS", "SUNIONSTORE @c @a @b"],
  ["SSS", "SDIFFSTORE @c @a @b"],
  ["SS", "SDIFFSTORE @b @a @a"],
  ["SSs", "SINTERSTORE @c @a @b"],
  ["SS", "SINTERCARD 2 @a @b"],
  ["SS", "SINTERCARD 2 @a @b LIMIT x"],
  ["S", "SSCAN @a 0"],
  // sorted sets
  ["z", "ZADD @a 5 x"],
  ["z", "ZADD @a INCR 1 a"],
  ["z", "ZADD @a NX 9 a"],
  ["z", "ZADD @a XX 9 zz"],
  ["z", "ZADD @a GT CH 0 a"],
  ["z", "ZADD @a x a"],
  ["z", "ZINCRBY @a 2 a"],
  ["z", "ZINCRBY @a 2 new"],
  ["z", "ZSCORE @a a"],
  ["z", "ZMSCORE @a a x"],
  ["z", "ZCARD @a"],
  ["z", "ZCOUNT @a -inf +inf"],
  ["z", "ZCOUNT @a x 1"],
  ["z", "ZLEXCOUNT @a - +"],
  ["z", "ZRANK @a a"],
  ["z", "ZREVRANK @a a"],
  ["z", "ZRANGE @a 0 -1"],
  ["z", "ZRANGE @a (1 +inf BYSCORE"],
  ["z", "ZRANGE @a x 1 BYSCORE"],
  ["zz", "ZRANGESTORE @b @a 0 -1"],
  ["zz", "ZRANGESTORE @b @a 5 10"],
  ["zs", "ZRANGESTORE @b @a 0 -1"],
  ["z", "ZRANGEBYSCORE @a -inf +inf"],
  ["z", "ZREVRANGEBYSCORE @a +inf -inf"],
  ["z", "ZRANGEBYLEX @a - +"],
  ["z", "ZREVRANGEBYLEX @a + -"],
  ["z", "ZREVRANGE @a 0 -1"],
  ["z", "ZREM @a a"],
  ["z", "ZREM @a a b c"],
  ["z", "ZREM @a zz"],
  ["z", "ZREMRANGEBYRANK @a 0 0"],
  ["z", "ZREMRANGEBYRANK @a 0 -1"],
  ["z", "ZREMRANGEBYRANK @a 5 9"],
  ["z", "ZREMRANGEBYSCORE @a -inf +inf"],
  ["z", "ZREMRANGEBYSCORE @a x 1"],
  ["z", "ZREMRANGEBYLEX @a - +"],
  ["z", "ZPOPMIN @a"],
  ["z", "ZPOPMAX @a 5"],
  ["z", "ZPOPMIN @a 0"],
  ["z", "ZPOPMIN @a -1"],
  ["zz", "BZPOPMIN @a @b 0.01"],
  ["z", "BZPOPMAX @a 0.01"],
  ["zz", "ZMPOP 2 @a @b MIN COUNT 5"],
  ["zz", "ZMPOP 2 @a @b MAX"],
  ["zz", "BZMPOP 0.01 2 @a @b MAX"],
  ["zz", "ZUNION 2 @a @b"],
  ["zz", "ZINTER 2 @a @b WITHSCORES"],
  ["zz", "ZDIFF 2 @a @b"],
  ["zzz", "ZUNIONSTORE @c 2 @a @b"],
  ["zzz", "ZINTERSTORE @c 2 @a @b"],
  ["zzz", "ZDIFFSTORE @c 2 @a @b"],
  ["zz", "ZDIFFSTORE @b 2 @a @a"],
  ["zzz", "ZUNIONSTORE @c 2 @a @b WEIGHTS 1 x"],
  ["zSz", "ZUNIONSTORE @c 2 @a @b"],
  ["zz", "ZINTERCARD 2 @a @b"],
  ["z", "ZRANDMEMBER @a 0"],
  ["z", "ZRANDMEMBER @a x"],
  ["z", "ZSCAN @a 0"],
  // geo
  ["g", "GEOADD @a 13 38 x"],
  ["g", "GEOADD @a NX 13 38 a"],
  ["g", "GEOADD @a 13 100 x"],
  ["g", "GEOPOS @a a x"],
  ["g", "GEODIST @a a b"],
  ["g", "GEOHASH @a a"],
  ["g", "GEOSEARCH @a FROMLONLAT 15 37 BYRADIUS 200 km"],
  ["g", "GEOSEARCH @a FROMMEMBER a BYBOX 400 400 km ASC"],
  ["gg", "GEOSEARCHSTORE @b @a FROMLONLAT 15 37 BYRADIUS 200 km"],
  ["gg", "GEOSEARCHSTORE @b @a FROMLONLAT 0 0 BYRADIUS 1 km"],
  ["gg", "GEOSEARCHSTORE @b @a FROMMEMBER a BYRADIUS 200 km STOREDIST"],
  ["gs", "GEOSEARCHSTORE @b @a FROMLONLAT 15 37 BYRADIUS 200 km"],
  ["g", "GEORADIUS @a 15 37 200 km"],
  ["gg", "GEORADIUS @a 15 37 200 km STORE @b"],
  ["gg", "GEORADIUS @a 0 0 1 km STORE @b"],
  ["gg", "GEORADIUSBYMEMBER @a a 200 km STOREDIST @b"],
  ["g", "GEORADIUSBYMEMBER @a zz 200 km"],
  ["g", "GEORADIUS_RO @a 15 37 200 km"],
  ["g", "GEORADIUSBYMEMBER_RO @a a 200 km"],
  // streams
  ["x", "XADD @a 5-1 f v"],
  ["x", "XADD @a NOMKSTREAM 5-1 f v"],
  ["x", "XADD @a MAXLEN 1 5-1 f v"],
  ["x", "XADD @a MAXLEN 5 5-1 f v"],
  ["x", "XADD @a 1-0 f v"],
  ["x", "XLEN @a"],
  ["x", "XRANGE @a - +"],
  ["x", "XREVRANGE @a + - COUNT 1"],
  ["x", "XRANGE @a x +"],
  ["x", "XDEL @a 1-1"],
  ["x", "XDEL @a 9-9"],
  ["x", "XTRIM @a MAXLEN 0"],
  ["x", "XTRIM @a MAXLEN 5"],
  ["x", "XTRIM @a MINID 2"],
  ["x", "XSETID @a 10-0"],
  ["x", "XSETID @a 0-1"],
  ["x", "XREAD STREAMS @a 0"],
  ["xx", "XREAD COUNT 1 STREAMS @a @b 0 0"],
  ["x", "XREADGROUP GROUP g1 c2 STREAMS @a >"],
  ["x", "XREADGROUP GROUP g1 c1 STREAMS @a 0"],
  ["x", "XREADGROUP GROUP g1 c9 NOACK STREAMS @a 0"],
  ["x", "XREADGROUP GROUP nog c1 STREAMS @a >"],
  ["x", "XGROUP CREATE @a g2 0"],
  ["x", "XGROUP CREATE @a g2 $ MKSTREAM"],
  ["x", "XGROUP CREATE @a g1 0"],
  ["x", "XGROUP CREATECONSUMER @a g1 c5"],
  ["x", "XGROUP CREATECONSUMER @a g1 c1"],
  ["x", "XGROUP DELCONSUMER @a g1 c1"],
  ["x", "XGROUP DELCONSUMER @a g1 zz"],
  ["x", "XGROUP DESTROY @a g1"],
  ["x", "XGROUP DESTROY @a nog"],
  ["x", "XGROUP SETID @a g1 0"],
  ["x", "XGROUP SETID @a g1 $ ENTRIESREAD 1"],
  ["x", "XACK @a g1 1-1"],
  ["x", "XACK @a g1 9-9"],
  ["x", "XPENDING @a g1"],
  ["x", "XPENDING @a g1 - + 10"],
  ["x", "XPENDING @a g1 - + 10 c1"],
  ["x", "XCLAIM @a g1 c2 0 1-1"],
  ["x", "XCLAIM @a g1 c2 0 1-1 JUSTID"],
  ["x", "XCLAIM @a g1 c1 0 9-9"],
  ["x", "XCLAIM @a g1 c2 x 1-1"],
  ["x", "XAUTOCLAIM @a g1 c3 0 0"],
  ["x", "XAUTOCLAIM @a g1 c3 0 0 JUSTID"],
  ["x", "XAUTOCLAIM @a g1 c3 0 0 COUNT 0"],
  ["x", "XINFO STREAM @a"],
  ["x", "XINFO STREAM @a FULL"],
  ["x", "XINFO GROUPS @a"],
  ["x", "XINFO CONSUMERS @a g1"]
]

/** The commands that give a key of each type its data. */
const create = (type: KeyType, key: string): ReadonlyArray<Command> => {
  switch (type) {
    case "s":
      return [["SET", key, "10"]]
    case "l":
      return [["RPUSH", key, "a", "b", "c"]]
    case "h":
      return [["HSET", key, "f", "1", "g", "2.5"]]
    case "S":
      return [["SADD", key, "a", "b", "c"]]
    case "z":
      return [["ZADD", key, "1", "a", "2", "b", "3", "c"]]
    case "g":
      return [["GEOADD", key, "13.361389", "38.115556", "a", "15.087269", "37.502669", "b"]]
    case "x":
      return [
        ["XADD", key, "1-1", "f", "v"],
        ["XADD", key, "2-1", "f", "v"],
        ["XGROUP", "CREATE", key, "g1", "0"],
        ["XREADGROUP", "GROUP", "g1", "c1", "STREAMS", key, ">"]
      ]
  }
}

/** A type other than `type`, for WRONGTYPE paths. */
const otherType = (type: KeyType): KeyType => (type === "s" ? "h" : "s")

type State = "missing" | "present" | "expired" | "other type"
const STATES: ReadonlyArray<State> = ["missing", "present", "expired", "other type"]

interface Case {
  readonly name: string
  readonly setup: ReadonlyArray<Command>
  readonly command: Command
}

/** Each command of the table in each state, with keys of its own: `<n>:<state>:a`... */
const cases: ReadonlyArray<Case> = table.flatMap(([types, text], n) =>
  STATES.map((state) => {
    const keyOf = (slot: string) => `${n}:${state}:${slot}`
    const command = text.split(" ").map((word) => {
      if (word === "''") return ""
      return word.replace(/^@([abc])$/, (_, slot: string) => keyOf(slot))
    })
    const setup: Array<Command> = []
    if (state !== "missing") {
      ;[...types].forEach((type, i) => {
        const key = keyOf("abc"[i]!)
        setup.push(...create(state === "other type" ? otherType(type as KeyType) : type as KeyType, key))
        // the keys expire while every case is set up, and stay in the keyspace until looked up
        if (state === "expired") setup.push(["PEXPIRE", key, "300"])
      })
    }
    return { name: `${state}: ${text}`, setup, command }
  })
)

describeDifferential(
  "keyspace events of every command, on missing, live, expired and other-type keys",
  (servers) => {
    let ours: EventStream | undefined
    let theirs: EventStream | undefined
    beforeAll(async () => {
      const { server, oracle } = servers()
      ;[ours, theirs] = await Promise.all([ourEvents(server), redisEvents(oracle.port)])
    })
    afterAll(async () => {
      await Promise.all([ours?.close(), theirs?.close()])
    })

    it(`${cases.length} cases publish the same messages as Redis, in the same order`, async () => {
      const { ours: a, theirs: b } = servers()
      const setup: ReadonlyArray<Command> = [["FLUSHALL"], ["DEBUG", "SET-ACTIVE-EXPIRE", "0"], ...cases.flatMap((c) => c.setup)]
      const [x, y] = await Promise.all([a.pipeline(setup, 30_000), b.pipeline(setup, 30_000)])
      expect([x[1]!.raw, y[1]!.raw]).toEqual(["+OK\r\n", "+OK\r\n"]) // active expiry off
      await new Promise((r) => setTimeout(r, 400))
      await Promise.all([ours!.take(), theirs!.take()])
      const failures: Array<string> = []
      for (const { name, command } of cases) {
        const [x, y] = await Promise.all([a.call(...command), b.call(...command)])
        const [got, expected] = await Promise.all([ours!.take(), theirs!.take()])
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          failures.push(`${name} (reply ${JSON.stringify(y.raw.slice(0, 40))}${x.raw === y.raw ? "" : `, ours ${JSON.stringify(x.raw.slice(0, 40))}`})\n  ours:\n${showMessages(got)}\n  redis:\n${showMessages(expected)}`)
        }
      }
      expect(failures.join("\n")).toBe("")
    }, 60_000)
  },
  {
    config: { "notify-keyspace-events": "KEAnm", "enable-debug-command": "yes" },
    oracleArgs: ["--notify-keyspace-events", "KEAnm", "--hz", "100"]
  }
)

/**
 * What sorted set and geo commands tell the rest of the system, compared with a real redis-server:
 * the commands they propagate (Redis's AOF, read back from its file, against our `onPropagate`
 * stream) and the keyspace events they emit (Redis's `__keyevent@*__` messages against our
 * `onNotify`). Covers the rewrites: BZPOPMIN -> ZPOPMIN, BZMPOP/ZMPOP -> ZPOPMIN key n, GEOADD ->
 * zadd, both when the command finds data at once and when a waiter is served later.
 */
import fc from "fast-check"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { NotifyClass } from "../../src/keyspace/Keyspace.ts"
import { ReplyParser } from "../../src/resp/ReplyParser.ts"
import { anyCase } from "../support/arbitraries.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"

const aofDir = `effect-redis-zsets-aof-${process.pid}-${Date.now()}`
const aofPath = `/tmp/${aofDir}`

/** Every command in Redis's incremental AOF file so far. */
const readAof = (): Array<ReadonlyArray<string>> => {
  const file = readdirSync(aofPath).find((f) => f.endsWith(".incr.aof"))
  if (file === undefined) return []
  const parser = new ReplyParser({ bulk: "latin1" })
  parser.feed(readFileSync(`${aofPath}/${file}`))
  const out: Array<ReadonlyArray<string>> = []
  for (let r = parser.next(); r !== undefined; r = parser.next()) out.push(r.value as ReadonlyArray<string>)
  return out
}

const key = fc.constantFrom("a", "b", "c")
const member = fc.constantFrom("x", "y", "z", "")
const score = fc.constantFrom("1", "2", "-1.5", "inf", "0")
const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())
const keys = fc.array(key, { minLength: 1, maxLength: 3 })
const lon = fc.integer({ min: 10_000, max: 12_000 }).map((n) => (n / 1000).toFixed(3))
const lat = fc.integer({ min: 40_000, max: 42_000 }).map((n) => (n / 1000).toFixed(3))

/** Writes mostly (errors and reads propagate nothing, and emit no events). */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("zadd"), key, fc.subarray(["NX", "XX", "GT", "CH"], { maxLength: 1 }), pairs).map(([c, k, f, p]) => [c, k, ...f, ...p]) },
  { weight: 1, arbitrary: fc.tuple(key, score, member).map(([k, s, m]) => ["ZADD", k, "INCR", s, m]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZINCRBY"), key, score, member) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("ZREM"), key, member, member) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYRANK"), key, fc.constantFrom("0", "1", "-1"), fc.constantFrom("0", "-1")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYSCORE"), key, fc.constantFrom("-inf", "(0", "1"), fc.constantFrom("+inf", "1", "(2")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("ZREMRANGEBYLEX"), key, fc.constantFrom("-", "[x", "(x"), fc.constantFrom("+", "[y", "(z")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("ZPOPMIN", "zpopmax"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("ZPOPMIN", "ZPOPMAX"), key, fc.integer({ min: 0, max: 4 }).map(String)) },
  {
    weight: 2,
    arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "max"), fc.integer({ min: 1, max: 4 })).map((
      [ks, w, n]
    ) => ["ZMPOP", String(ks.length), ...ks, w, "COUNT", String(n)])
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("BZPOPMIN", "bzpopmax"), key, key).map(([c, k1, k2]) => [c, k1, k2, "0.01"]) },
  {
    weight: 1,
    arbitrary: fc.tuple(keys, fc.constantFrom("MIN", "MAX"), fc.integer({ min: 1, max: 4 })).map((
      [ks, w, n]
    ) => ["BZMPOP", "0.01", String(ks.length), ...ks, w, "COUNT", String(n)])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), key, keys).map((
      [c, d, ks]
    ) => [c, d, String(ks.length), ...ks])
  },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([d, s]) => ["ZRANGESTORE", d, s, "0", "1"]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.subarray(["NX", "CH"]), lon, lat, member).map(([k, o, x, y, m]) => ["GEOADD", k, ...o, x, y, m]) },
  { weight: 1, arbitrary: fc.tuple(key, key, fc.boolean()).map(([d, s, dist]) => ["GEOSEARCHSTORE", d, s, "FROMLONLAT", "11", "41", "BYRADIUS", "200", "km", ...(dist ? ["STOREDIST"] : [])]) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([s, d]) => ["GEORADIUS", s, "11", "41", "100", "km", "STORE", d]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constant("string")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), key) }
)

// No MULTI: Redis 7.0 propagates a transaction with a single write without MULTI/EXEC, which the
// engine does not do (a transactions matter; see the served-waiter case with MULTI).
const sequences = fc.array(write, { maxLength: 25, size: "medium" })

describeDifferential("sorted set commands: propagation and keyspace events", (servers) => {
  /** Our propagated commands, with SELECT inserted where the database changes, as the AOF has them. */
  const propagated: Array<ReadonlyArray<string>> = []
  const events: Array<ReadonlyArray<string>> = []
  let subscriber: RawConnection
  let lastDb = -1

  beforeAll(async () => {
    const { server, oracle } = servers()
    const keyspace = server.engine.keyspace
    keyspace.onPropagate((dbid, argv) => {
      if (dbid !== lastDb) propagated.push(["SELECT", String(dbid)])
      lastDb = dbid
      propagated.push(argv)
    })
    keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.zset | NotifyClass.generic
    keyspace.onNotify((_type, event, key, dbid) => events.push([`__keyevent@${dbid}__:${event}`, key]))
    subscriber = await RawConnection.connect(oracle.port)
    await subscriber.call("PSUBSCRIBE", "__keyevent@*__:*")
  })
  afterAll(async () => {
    await subscriber?.close()
    rmSync(aofPath, { recursive: true, force: true })
  })

  /** Redis's events since the last call: everything its subscriber received before a PING's reply. */
  const redisEvents = async (): Promise<Array<ReadonlyArray<string>>> => {
    subscriber.write(encode(["PING"]))
    const out: Array<ReadonlyArray<string>> = []
    for (;;) {
      const [reply] = await subscriber.read(1)
      const value = reply!.value as ReadonlyArray<string>
      if (value[0] === "pong") return out
      out.push([value[2]!, value[3]!])
    }
  }

  /** Runs `body`, then compares what both servers propagated and notified meanwhile. */
  const compareEffects = async (body: () => Promise<void>): Promise<void> => {
    const aofBefore = readAof().length
    await redisEvents()
    propagated.length = 0
    events.length = 0
    await body()
    expect(propagated).toEqual(readAof().slice(aofBefore))
    expect(events).toEqual(await redisEvents())
  }

  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const { ours, theirs } = servers()
    let nonEmpty = 0
    await fc.assert(
      fc.asyncProperty(sequences, async (sequence) => {
        await compareEffects(async () => {
          const all = [["FLUSHALL"], ...sequence]
          await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
          if (propagated.length > 2) nonEmpty++
        })
      }),
      { numRuns: 150 }
    )
    // the property is only meaningful if many sequences propagated something beyond FLUSHALL
    expect(nonEmpty).toBeGreaterThan(50)
  })

  /** A waiter on one connection, served by writes from another: run on `port`. */
  const served = async (port: number, wait: Command, writes: ReadonlyArray<Command>, blocked: () => Promise<number>) => {
    const [waiter, writer] = [await RawConnection.connect(port), await RawConnection.connect(port)]
    const before = await blocked()
    waiter.write(encode(wait))
    const deadline = Date.now() + 5_000
    while ((await blocked()) !== before + 1) {
      if (Date.now() > deadline) throw new Error(`${wait.join(" ")} did not block`)
      await new Promise((r) => setTimeout(r, 5))
    }
    await writer.pipeline(writes)
    const [reply] = await waiter.read(1)
    await Promise.all([waiter.close(), writer.close()])
    return reply!.raw
  }

  it.each<[string, Command, ReadonlyArray<Command>]>([
    ["BZPOPMIN", ["BZPOPMIN", "none", "k", "0"], [["ZADD", "k", "1", "x", "2", "y"]]],
    ["BZPOPMAX", ["BZPOPMAX", "k", "0"], [["ZINCRBY", "k", "3", "x"]]],
    ["BZMPOP", ["BZMPOP", "0", "1", "k", "MAX", "COUNT", "5"], [["ZADD", "k", "1", "x", "2", "y", "3", "z"]]],
    ["BZMPOP fed by ZUNIONSTORE", ["BZMPOP", "0", "1", "k", "MIN", "COUNT", "1"], [["ZADD", "src", "1", "x"], ["ZUNIONSTORE", "k", "1", "src"]]],
    ["BZPOPMIN fed by GEOADD", ["BZPOPMIN", "k", "0"], [["GEOADD", "k", "11", "41", "rome", "12", "42", "near"]]],
    ["a waiter in MULTI's aftermath", ["BZPOPMIN", "k", "0"], [["MULTI"], ["ZADD", "k", "1", "x"], ["ZADD", "k", "2", "y"], ["EXEC"]]]
  ])("a served %s propagates and notifies as Redis does", async (_, wait, writes) => {
    const { server, oracle, theirs } = servers()
    const replies: Array<string> = []
    await compareEffects(async () => {
      await servers().ours.call("FLUSHALL")
      await theirs.call("FLUSHALL")
      replies.push(await served(server.port, wait, writes, async () => server.engine.waiters.blockedClients))
      replies.push(
        await served(oracle.port, wait, writes, async () =>
          Number(/blocked_clients:(\d+)/.exec(String((await theirs.call("INFO", "clients")).value))![1]))
      )
    })
    expect(replies[0]).toBe(replies[1])
  })
}, { oracleArgs: ["--hz", "100", "--appendonly", "yes", "--appenddirname", aofDir, "--appendfsync", "always", "--notify-keyspace-events", "Egz"] })

describeDifferential("sorted set commands: the \"new\" event of created keys", (servers) => {
  it("keys created by ZADD, GEOADD and the STORE commands emit \"new\" before their own event, as Redis does", async () => {
    const { server, oracle, ours, theirs } = servers()
    const keyspace = server.engine.keyspace
    const events: Array<ReadonlyArray<string>> = []
    keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.zset | NotifyClass.generic | NotifyClass.new
    keyspace.onNotify((_type, event, key, dbid) => events.push([`__keyevent@${dbid}__:${event}`, key]))
    const subscriber = await RawConnection.connect(oracle.port)
    await subscriber.call("PSUBSCRIBE", "__keyevent@*__:*")
    const commands: ReadonlyArray<Command> = [
      ["ZADD", "a", "1", "x"],
      ["ZADD", "a", "2", "y"],
      ["ZADD", "b", "XX", "1", "x"],
      ["ZINCRBY", "b", "1", "x"],
      ["GEOADD", "g", "11", "41", "rome"],
      ["ZUNIONSTORE", "u", "2", "a", "b"],
      ["ZUNIONSTORE", "u", "1", "a"],
      ["ZRANGESTORE", "r", "a", "0", "0"],
      ["ZINTERSTORE", "empty", "2", "a", "none"],
      ["GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "11", "41", "BYRADIUS", "1", "km"],
      ["GEORADIUS", "g", "11", "41", "1", "km", "STORE", "gr"],
      ["ZPOPMIN", "b"],
      ["PING"]
    ]
    await ours.pipeline(commands)
    await theirs.pipeline(commands)
    const redisEvents: Array<ReadonlyArray<string>> = []
    for (;;) {
      const [reply] = await subscriber.read(1)
      const value = reply!.value as ReadonlyArray<string>
      redisEvents.push([value[2]!, value[3]!])
      if (value[2] === "__keyevent@0__:zpopmin") break
    }
    // Redis's "del" of the emptied key follows the pop
    const [last] = await subscriber.read(1)
    redisEvents.push([(last!.value as ReadonlyArray<string>)[2]!, (last!.value as ReadonlyArray<string>)[3]!])
    await subscriber.close()
    expect(events.filter(([e]) => e!.endsWith(":new")).length).toBeGreaterThan(5)
    expect(events).toEqual(redisEvents)
  })
}, { oracleArgs: ["--notify-keyspace-events", "Egzn"] })

/**
 * What stream commands tell the rest of the system, compared with a real redis-server: the commands
 * they propagate (Redis's AOF, read back from its file, against our `onPropagate` stream) and the
 * keyspace events they emit (Redis's `__keyevent@*__` messages against our `onNotify`). Covers
 * Redis's rewrites: XADD's generated IDs, `~` trimming turned exact, XREADGROUP/XCLAIM/XAUTOCLAIM as
 * XCLAIM ... FORCE JUSTID LASTID, NOACK reads as XGROUP SETID/CREATECONSUMER, and waiters served
 * later. Two normalizations: XCLAIM's TIME (each server's clock), and the MULTI/EXEC that Redis 7.0
 * wraps around the several commands one command propagates (the engine does not yet).
 */
import fc from "fast-check"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { NotifyClass } from "../../src/keyspace/Keyspace.ts"
import { ReplyParser } from "../../src/resp/ReplyParser.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"

const aofDir = `effect-redis-streams-aof-${process.pid}-${Date.now()}`
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

/** Masks XCLAIM's delivery time and drops MULTI/EXEC (see the header). */
const comparable = (commands: ReadonlyArray<ReadonlyArray<string>>): Array<ReadonlyArray<string>> =>
  commands
    .filter((c) => c[0] !== "MULTI" && c[0] !== "EXEC")
    .map((c) => (c[0]?.toUpperCase() === "XCLAIM" && c[6] === "TIME" ? c.map((a, i) => (i === 7 ? "<time>" : a)) : c))

const key = fc.constantFrom("s1", "s2")
const ms = fc.integer({ min: 1, max: 9 })
const id = fc.tuple(ms, fc.integer({ min: 0, max: 2 })).map(([m, s]) => `${m}-${s}`)
const ids = fc.array(id, { minLength: 1, maxLength: 3 })
const groupName = fc.constantFrom("g1", "g2")
const consumer = fc.constantFrom("c1", "c2")

/** Writes mostly (reads propagate nothing). */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, ms).map(([k, m]) => ["XADD", k, `${m}-*`, "f", "v"]) },
  { weight: 3, arbitrary: fc.tuple(key, id).map(([k, i]) => ["XADD", k, i, "f", "v"]) },
  {
    weight: 2,
    arbitrary: fc.tuple(key, fc.constantFrom("MAXLEN", "MINID"), fc.constantFrom("~", "=", "~"), ms, id).map((
      [k, strategy, modifier, n, i]
    ) => ["XADD", k, strategy, modifier, strategy === "MAXLEN" ? String(n % 4) : `${n}-0`, i, "f", "v"])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(key, fc.constantFrom("MAXLEN", "MINID"), fc.constantFrom("~", "="), ms).map((
      [k, strategy, modifier, n]
    ) => ["XTRIM", k, strategy, modifier, strategy === "MAXLEN" ? String(n % 4) : `${n}-0`])
  },
  { weight: 2, arbitrary: fc.tuple(key, ids).map(([k, is]) => ["XDEL", k, ...is]) },
  { weight: 2, arbitrary: fc.tuple(key, groupName, fc.constantFrom("0", "$")).map(([k, g, i]) => ["XGROUP", "CREATE", k, g, i, "MKSTREAM"]) },
  {
    weight: 6,
    arbitrary: fc.tuple(groupName, consumer, fc.boolean(), key, fc.constantFrom(">", ">", "0")).map(([g, c, noack, k, i]) => [
      "XREADGROUP",
      "GROUP",
      g,
      c,
      ...(noack ? ["NOACK"] : []),
      "STREAMS",
      k,
      i
    ])
  },
  { weight: 2, arbitrary: fc.tuple(key, groupName, ids).map(([k, g, is]) => ["XACK", k, g, ...is]) },
  {
    weight: 3,
    arbitrary: fc.tuple(key, groupName, consumer, ids, fc.subarray(["FORCE", "JUSTID"]), fc.boolean()).map((
      [k, g, c, is, flags, lastid]
    ) => ["XCLAIM", k, g, c, "0", ...is, ...flags, ...(lastid ? ["LASTID", "5-0"] : [])])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(key, groupName, consumer, fc.boolean()).map(([k, g, c, justid]) => [
      "XAUTOCLAIM",
      k,
      g,
      c,
      "0",
      "0",
      "COUNT",
      "2",
      ...(justid ? ["JUSTID"] : [])
    ])
  },
  { weight: 1, arbitrary: fc.tuple(key, groupName, fc.constantFrom("0", "$", "3-0")).map(([k, g, i]) => ["XGROUP", "SETID", k, g, i]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName, consumer).map(([k, g, c]) => ["XGROUP", "CREATECONSUMER", k, g, c]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName, consumer).map(([k, g, c]) => ["XGROUP", "DELCONSUMER", k, g, c]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName).map(([k, g]) => ["XGROUP", "DESTROY", k, g]) },
  { weight: 1, arbitrary: fc.tuple(key, ms).map(([k, m]) => ["XSETID", k, `${m + 10}-0`]) },
  { weight: 1, arbitrary: key.map((k) => ["DEL", k]) }
)

/** Both keys start with an entry and both groups, so that reads and claims have work to do. */
const start: ReadonlyArray<Command> = ["s1", "s2"].flatMap((k) => [
  ["XADD", k, "1-0", "f", "v"],
  ["XGROUP", "CREATE", k, "g1", "0"],
  ["XGROUP", "CREATE", k, "g2", "0"]
])

const sequences = fc.array(write, { maxLength: 25, size: "medium" }).map((commands) => [...start, ...commands])

describeDifferential("stream commands: propagation and keyspace events", (servers) => {
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
    keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.stream | NotifyClass.generic | NotifyClass.new
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
    expect(comparable(propagated)).toEqual(comparable(readAof().slice(aofBefore)))
    expect(events).toEqual(await redisEvents())
  }

  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const { ours, theirs } = servers()
    let claims = 0
    await fc.assert(
      fc.asyncProperty(sequences, async (sequence) => {
        await compareEffects(async () => {
          const all = [["FLUSHALL"], ...sequence]
          await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
          if (propagated.some((c) => c[0] === "XCLAIM")) claims++
        })
      }),
      { numRuns: 150 }
    )
    // meaningful only if many sequences delivered or claimed entries
    expect(claims).toBeGreaterThan(30)
  })

  /** A waiter on one connection, served by commands from another: run on `port`. */
  const served = async (port: number, wait: Command, then: ReadonlyArray<Command>, blocked: () => Promise<number>) => {
    const [waiter, writer] = [await RawConnection.connect(port), await RawConnection.connect(port)]
    const before = await blocked()
    waiter.write(encode(wait))
    const deadline = Date.now() + 5_000
    while ((await blocked()) !== before + 1) {
      if (Date.now() > deadline) throw new Error(`${wait.join(" ")} did not block`)
      await new Promise((r) => setTimeout(r, 5))
    }
    await writer.pipeline(then)
    const [reply] = await waiter.read(1)
    await Promise.all([waiter.close(), writer.close()])
    return reply!.raw
  }

  it.each<[string, Command, ReadonlyArray<Command>]>([
    ["XREADGROUP", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], [["XADD", "s", "1-*", "f", "v"]]],
    ["XREADGROUP NOACK", ["XREADGROUP", "GROUP", "g", "new", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"], [["XADD", "s", "1-1", "f", "v"]]],
    ["XREADGROUP COUNT 2 after a transaction", ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", ">"], [
      ["MULTI"],
      ["XADD", "s", "1-1", "f", "v"],
      ["XADD", "s", "2-1", "f", "v"],
      ["XADD", "s", "3-1", "f", "v"],
      ["EXEC"]
    ]],
    ["XREAD", ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], [["XADD", "s", "MAXLEN", "~", "5", "1-1", "f", "v"]]],
    ["XREADGROUP released by DEL", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], [["DEL", "s"]]]
  ])("a served %s propagates and notifies as Redis does", async (_, wait, then) => {
    const { server, oracle, ours, theirs } = servers()
    const replies: Array<string> = []
    await compareEffects(async () => {
      for (const conn of [ours, theirs]) await conn.pipeline([["FLUSHALL"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]])
      replies.push(await served(server.port, wait, then, async () => server.engine.waiters.blockedClients))
      replies.push(
        await served(oracle.port, wait, then, async () =>
          Number(/blocked_clients:(\d+)/.exec(String((await theirs.call("INFO", "clients")).value))![1]))
      )
    })
    expect(replies[0]).toBe(replies[1])
  })
}, {
  oracleArgs: [
    "--hz",
    "100",
    "--appendonly",
    "yes",
    "--appenddirname",
    aofDir,
    "--appendfsync",
    "always",
    "--notify-keyspace-events",
    "Etgn"
  ]
})

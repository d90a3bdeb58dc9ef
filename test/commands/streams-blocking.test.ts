/**
 * XREAD BLOCK and XREADGROUP BLOCK: scenarios with several real connections run against this server
 * and a real redis-server, transcripts compared byte for byte (who is served, in which order, with
 * what; errors when the stream or group disappears; timeouts; MULTI; CLIENT UNBLOCK; disconnects).
 * Then the time-dependent parts on TestClock: BLOCK deadlines, auto IDs, idle times, delivery times.
 */
import { assert, describe as effectDescribe, layer } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { expect, it } from "vitest"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { ReplyError } from "../../src/resp/ReplyParser.ts"
import { Engine } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { oursBlocked, redisBlocked, until } from "../support/blocking.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { encode, RawConnection } from "../support/raw.ts"

// --- scenarios against Redis ------------------------------------------------------------------------

/** A step: a connection sends a command; `blocks` waits until it is blocked; `read` takes a reply. */
type Step =
  | { readonly on: string; readonly send: Command; readonly blocks?: true }
  | { readonly read: string }
  | { readonly close: string }

const send = (on: string, ...command: Command): Step => ({ on, send: command })
const blocks = (on: string, ...command: Command): Step => ({ on, send: command, blocks: true })
const read = (on: string): Step => ({ read: on })

/** Runs the steps on a server; returns what each connection received, in order. */
const transcript = async (
  port: number,
  steps: ReadonlyArray<Step>,
  blockedClients: () => Promise<number>
): Promise<ReadonlyArray<string>> => {
  const conns = new Map<string, RawConnection>()
  const conn = async (name: string) => {
    let c = conns.get(name)
    if (c === undefined) {
      c = await RawConnection.connect(port)
      conns.set(name, c)
    }
    return c
  }
  const out: Array<string> = []
  try {
    for (const step of steps) {
      if ("close" in step) {
        const before = await blockedClients()
        await (await conn(step.close)).close()
        // the server notices the disconnect asynchronously
        const deadline = Date.now() + 5_000
        while ((await blockedClients()) === before && before > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5))
        }
        continue
      }
      if ("read" in step) {
        const c = await conn(step.read)
        const reply = await c.read(1, 2_000).catch(() => [{ raw: "(no reply)" }])
        out.push(`${step.read} <- ${reply[0]!.raw}`)
        continue
      }
      const c = await conn(step.on)
      if (step.blocks === true) {
        const before = await blockedClients()
        c.write(encode(step.send))
        await until(`${step.send.join(" ")} to block`, async () => (await blockedClients()) > before)
        out.push(`${step.on} blocked`)
      } else {
        const reply = (await c.call(...step.send)).raw
        // HELLO's reply carries the connection id, which differs between the servers
        out.push(`${step.on} <- ${step.send[0] === "HELLO" ? reply.replace(/\$2\r\nid\r\n:\d+/, "id") : reply}`)
      }
    }
    return out
  } finally {
    await Promise.all([...conns.values()].map((c) => c.close()))
  }
}

const group = (key: string, name = "g", id = "$"): Command => ["XGROUP", "CREATE", key, name, id, "MKSTREAM"]
const readGroup = (consumer: string, ...keysAndIds: ReadonlyArray<string>): Command => [
  "XREADGROUP",
  "GROUP",
  "g",
  consumer,
  "BLOCK",
  "0",
  "STREAMS",
  ...keysAndIds
]

const scenarios: ReadonlyArray<readonly [string, ReadonlyArray<Step>]> = [
  ["XREAD $ is served by the next XADD only", [
    send("p", "XADD", "s", "1-1", "f", "old"),
    blocks("a", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    send("p", "XADD", "s", "2-1", "f", "new"),
    read("a")
  ]],
  ["XREAD on several streams is served with the stream that got data", [
    blocks("a", "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "s1", "s2", "$", "0"),
    send("p", "XADD", "s2", "1-1", "f", "v"),
    read("a")
  ]],
  ["every XREAD waiter gets the same entry, a later ID waits on", [
    send("p", "XADD", "s", "5-0", "f", "v"),
    blocks("a", "XREAD", "BLOCK", "0", "STREAMS", "s", "5-0"),
    blocks("b", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    blocks("c", "XREAD", "BLOCK", "0", "STREAMS", "s", "6-5"),
    send("p", "XADD", "s", "6-1", "f", "v"),
    read("a"),
    read("b"),
    send("p", "XADD", "s", "7-0", "f", "w"),
    read("c")
  ]],
  ["XREADGROUP waiters of one group are served FIFO, one entry each", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("alice", "s", ">")),
    blocks("b", ...readGroup("bob", "s", ">")),
    send("p", "XADD", "s", "1-0", "f", "one"),
    read("a"),
    send("p", "XPENDING", "s", "g"),
    send("p", "XADD", "s", "2-0", "f", "two"),
    read("b"),
    send("p", "XINFO", "GROUPS", "s")
  ]],
  ["a served XREADGROUP reads up to COUNT entries added in one transaction", [
    send("p", ...group("s")),
    blocks("a", "XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", ">"),
    send("p", "MULTI"),
    send("p", "XADD", "s", "1-0", "f", "1"),
    send("p", "XADD", "s", "2-0", "f", "2"),
    send("p", "XADD", "s", "3-0", "f", "3"),
    send("p", "EXEC"),
    read("a"),
    send("p", "XPENDING", "s", "g")
  ]],
  ["NOACK waiters leave nothing pending", [
    send("p", ...group("s")),
    blocks("a", "XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"),
    send("p", "XADD", "s", "1-0", "f", "1"),
    read("a"),
    send("p", "XPENDING", "s", "g"),
    send("p", "XINFO", "GROUPS", "s")
  ]],
  ["deleting the stream releases XREADGROUP waiters with an error, not XREAD ones", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("c", "s", ">")),
    blocks("b", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    send("p", "DEL", "s"),
    read("a"),
    send("p", "XADD", "s", "1-0", "f", "v"),
    read("b")
  ]],
  ["overwriting, flushing or renaming the stream releases XREADGROUP waiters", [
    send("p", ...group("s1")),
    send("p", ...group("s2")),
    send("p", ...group("s3")),
    blocks("a", ...readGroup("c", "s1", ">")),
    blocks("b", ...readGroup("c", "s2", ">")),
    blocks("c", ...readGroup("c", "s3", ">")),
    send("p", "SET", "s1", "string"),
    read("a"),
    send("p", "RENAME", "s2", "elsewhere"),
    read("b"),
    send("p", "FLUSHALL"),
    read("c")
  ]],
  ["SWAPDB releases XREADGROUP waiters whose stream is swapped away, and serves those given data", [
    send("p", ...group("s1")),
    send("p", ...group("s2")),
    send("p", "SELECT", "1"),
    send("p", "XADD", "s2", "1-0", "f", "from db 1"),
    send("p", "XGROUP", "CREATE", "s2", "g", "0"),
    send("p", "SELECT", "0"),
    blocks("a", ...readGroup("c", "s1", ">")),
    blocks("b", ...readGroup("c", "s2", ">")),
    send("p", "SWAPDB", "0", "1"),
    read("a"),
    read("b")
  ]],
  ["a stream that expires releases its XREADGROUP waiters without any other command", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("c", "s", ">")),
    send("p", "PEXPIRE", "s", "50"),
    read("a")
  ]],
  ["destroying the group releases its waiters with NOGROUP", [
    send("p", ...group("s")),
    send("p", "XGROUP", "CREATE", "s", "other", "$"),
    blocks("a", ...readGroup("c", "s", ">")),
    blocks("b", "XREADGROUP", "GROUP", "other", "c", "BLOCK", "0", "STREAMS", "s", ">"),
    send("p", "XGROUP", "DESTROY", "s", "g"),
    read("a"),
    send("p", "XADD", "s", "1-0", "f", "v"),
    read("b")
  ]],
  ["a transaction that adds and deletes wakes readers with an empty reply", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("c", "s", ">")),
    blocks("b", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    send("p", "MULTI"),
    send("p", "XADD", "s", "1-1", "f", "v"),
    send("p", "XDEL", "s", "1-1"),
    send("p", "EXEC"),
    read("a"),
    read("b")
  ]],
  ["DEL and MKSTREAM in one transaction keep the XREADGROUP waiter blocked", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("c", "s", ">")),
    send("p", "MULTI"),
    send("p", "DEL", "s"),
    send("p", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
    send("p", "EXEC"),
    send("p", "XADD", "s", "1-0", "f", "v"),
    read("a")
  ]],
  ["XGROUP SETID does not wake waiters, the next XADD serves from the new position", [
    send("p", "XADD", "s", "1-0", "f", "a"),
    send("p", "XGROUP", "CREATE", "s", "g", "$"),
    blocks("a", ...readGroup("c", "s", ">")),
    send("p", "XGROUP", "SETID", "s", "g", "0"),
    send("p", "XADD", "s", "2-0", "f", "b"),
    read("a")
  ]],
  ["a waiter that disconnects leaves its place to the next one", [
    send("p", ...group("s")),
    blocks("a", ...readGroup("alice", "s", ">")),
    blocks("b", ...readGroup("bob", "s", ">")),
    { close: "a" },
    send("p", "XADD", "s", "1-0", "f", "v"),
    read("b"),
    send("p", "XPENDING", "s", "g")
  ]],
  ["timeouts answer with a null array", [
    send("a", "XREAD", "BLOCK", "20", "STREAMS", "s", "$"),
    send("p", ...group("s")),
    send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "s", ">"),
    send("a", "HELLO", "3"),
    send("a", "XREAD", "BLOCK", "20", "STREAMS", "s", "$"),
    send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "s", ">")
  ]],
  ["inside MULTI the blocking forms answer at once", [
    send("p", ...group("s")),
    send("a", "MULTI"),
    send("a", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
    send("a", "XADD", "s", "1-0", "f", "v"),
    send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
    send("a", "EXEC")
  ]],
  ["RESP3 waiters get a map keyed by stream name", [
    send("a", "HELLO", "3"),
    send("b", "HELLO", "3"),
    send("p", ...group("s")),
    blocks("a", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    blocks("b", ...readGroup("c", "s", ">")),
    send("p", "XADD", "s", "1-0", "f", "v"),
    read("a"),
    read("b")
  ]],
  ["a blocked read without COUNT is served at most 1000 entries", [
    blocks("a", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
    send("p", "MULTI"),
    ...Array.from({ length: 1001 }, (_, i) => send("p", "XADD", "s", `${i + 1}-0`, "f", "v")),
    send("p", "EXEC"),
    read("a")
  ]]
]

describeDifferential("XREAD / XREADGROUP BLOCK with several connections", (servers) => {
  const ourCount = () => oursBlocked(servers().server)()
  const theirCount = () => redisBlocked(servers().theirs)()

  it.each(scenarios)("%s", async (_, steps) => {
    await Promise.all([servers().ours.call("FLUSHALL"), servers().theirs.call("FLUSHALL")])
    const ours = await transcript(servers().server.port, steps, ourCount)
    const theirs = await transcript(servers().oracle.port, steps, theirCount)
    expect(ours).toEqual(theirs)
  })

  it("CLIENT UNBLOCK answers with the timeout reply or with an error", async () => {
    const run = async (port: number, blocked: () => Promise<number>, control: RawConnection) => {
      await control.call("FLUSHALL")
      const [a, b] = [await RawConnection.connect(port), await RawConnection.connect(port)]
      const ids = [String((await a.call("CLIENT", "ID")).value), String((await b.call("CLIENT", "ID")).value)]
      await control.call(...group("s"))
      const before = await blocked()
      a.write(encode(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]))
      b.write(encode(readGroup("c", "s", ">")))
      while ((await blocked()) < before + 2) await new Promise((r) => setTimeout(r, 5))
      const out = [
        (await control.call("CLIENT", "UNBLOCK", ids[0]!)).raw,
        (await a.read(1))[0]!.raw,
        (await control.call("CLIENT", "UNBLOCK", ids[1]!, "ERROR")).raw,
        (await b.read(1))[0]!.raw,
        (await control.call("CLIENT", "UNBLOCK", ids[1]!)).raw
      ]
      await Promise.all([a.close(), b.close()])
      return out
    }
    const ours = await run(servers().server.port, ourCount, servers().ours)
    const theirs = await run(servers().oracle.port, theirCount, servers().theirs)
    expect(ours).toEqual(theirs)
  })
})

// --- TestClock ---------------------------------------------------------------------------------------

/** Lets forked fibers run up to their next suspension (TestClock never sleeps for real). */
const settle = Effect.yieldNow.pipe(Effect.repeat({ times: 20 }))

effectDescribe("streams on TestClock", () => {
  layer(embeddedRedis())((it) => {
    it.effect("XREAD BLOCK and XREADGROUP BLOCK time out exactly at their deadline", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const [a, b, p] = yield* Effect.all([RedisClient.connect, RedisClient.connect, RedisClient.connect])
        yield* p.command("XGROUP", "CREATE", "t1", "g", "$", "MKSTREAM")
        const plain = yield* Effect.forkChild(a.command("XREAD", "BLOCK", "1500", "STREAMS", "t1", "$"))
        const grouped = yield* Effect.forkChild(b.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "t1", ">"))
        yield* settle
        assert.strictEqual(engine.waiters.blockedClients, 2)
        yield* TestClock.adjust(1_499)
        yield* settle
        assert.isUndefined(plain.pollUnsafe())
        yield* TestClock.adjust(1)
        assert.isNull(yield* Fiber.join(plain))
        yield* TestClock.adjust(1_499)
        yield* settle
        assert.isUndefined(grouped.pollUnsafe())
        yield* TestClock.adjust(1)
        assert.isNull(yield* Fiber.join(grouped))
        assert.strictEqual(engine.waiters.blockedClients, 0)
        // no consumer was created by reads that were never served
        assert.deepStrictEqual(yield* p.command("XINFO", "CONSUMERS", "t1", "g"), [])
      }))

    it.effect("BLOCK 0 waits forever; an XADD before any deadline serves the waiter", () =>
      Effect.gen(function*() {
        const [a, p] = yield* Effect.all([RedisClient.connect, RedisClient.connect])
        const forever = yield* Effect.forkChild(a.command("XREAD", "BLOCK", "0", "STREAMS", "t2", "$"))
        yield* settle
        yield* TestClock.adjust(60_000)
        yield* settle
        assert.isUndefined(forever.pollUnsafe())
        yield* p.command("XADD", "t2", "5-5", "f", "v")
        assert.deepStrictEqual(yield* Fiber.join(forever), [["t2", [["5-5", ["f", "v"]]]]])
      }))

    it.effect("auto IDs come from the clock and stay monotonic when it goes backwards", () =>
      Effect.gen(function*() {
        const p = yield* RedisClient.connect
        yield* TestClock.adjust(2_000)
        const t0 = yield* Clock.currentTimeMillis
        const id = (ms: number, seq: number) => `${ms}-${seq}`
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "1"), id(t0, 0))
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "2"), id(t0, 1))
        yield* TestClock.adjust(5)
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "3"), id(t0 + 5, 0))
        yield* TestClock.setTime(t0 - 1_000)
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "4"), id(t0 + 5, 1))
        assert.strictEqual(yield* p.command("XADD", "t3", `${t0 + 5}-*`, "f", "5"), id(t0 + 5, 2))
        assert.strictEqual(yield* p.command("XADD", "t3", `${t0 + 9}-*`, "f", "6"), id(t0 + 9, 0))
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "7"), id(t0 + 9, 1))
        yield* TestClock.setTime(t0 + 10)
        assert.strictEqual(yield* p.command("XADD", "t3", "*", "f", "8"), id(t0 + 10, 0))
      }))

    it.effect("XPENDING idle times and the IDLE filter follow the clock", () =>
      Effect.gen(function*() {
        const p = yield* RedisClient.connect
        yield* p.command("XADD", "t4", "1-0", "f", "a")
        yield* p.command("XADD", "t4", "2-0", "f", "b")
        yield* p.command("XGROUP", "CREATE", "t4", "g", "0")
        yield* p.command("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "t4", ">")
        yield* TestClock.adjust(3_000)
        yield* p.command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "t4", ">")
        yield* TestClock.adjust(2_000)
        assert.deepStrictEqual(yield* p.command("XPENDING", "t4", "g", "-", "+", "10"), [
          ["1-0", "c", 5_000, 1],
          ["2-0", "c", 2_000, 1]
        ])
        assert.deepStrictEqual(yield* p.command("XPENDING", "t4", "g", "IDLE", "2001", "-", "+", "10"), [["1-0", "c", 5_000, 1]])
        assert.deepStrictEqual(yield* p.command("XPENDING", "t4", "g", "IDLE", "2000", "-", "+", "10", "c"), [
          ["1-0", "c", 5_000, 1],
          ["2-0", "c", 2_000, 1]
        ])
        // reading the history delivers again: idle back to 0, one more delivery
        yield* p.command("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "t4", "0")
        assert.deepStrictEqual(yield* p.command("XPENDING", "t4", "g", "-", "+", "1"), [["1-0", "c", 0, 2]])
        const consumers = yield* p.command("XINFO", "CONSUMERS", "t4", "g")
        assert.deepStrictEqual(consumers, [["name", "c", "pending", 2, "idle", 0]])
        yield* TestClock.adjust(750)
        assert.deepStrictEqual(yield* p.command("XINFO", "CONSUMERS", "t4", "g"), [["name", "c", "pending", 2, "idle", 750]])
      }))

    it.effect("XCLAIM and XAUTOCLAIM honour min-idle-time, IDLE and TIME on the clock", () =>
      Effect.gen(function*() {
        const p = yield* RedisClient.connect
        yield* TestClock.adjust(2_000)
        const t0 = yield* Clock.currentTimeMillis
        yield* p.command("XADD", "t5", "1-0", "f", "a")
        yield* p.command("XADD", "t5", "2-0", "f", "b")
        yield* p.command("XGROUP", "CREATE", "t5", "g", "0")
        yield* p.command("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "t5", ">")
        yield* TestClock.adjust(4_000)
        assert.deepStrictEqual(yield* p.command("XCLAIM", "t5", "g", "bob", "4001", "1-0", "JUSTID"), [])
        assert.deepStrictEqual(yield* p.command("XCLAIM", "t5", "g", "bob", "4000", "1-0", "JUSTID"), ["1-0"])
        assert.deepStrictEqual(yield* p.command("XPENDING", "t5", "g", "-", "+", "10"), [
          ["1-0", "bob", 0, 1],
          ["2-0", "alice", 4_000, 1]
        ])
        yield* p.command("XCLAIM", "t5", "g", "bob", "0", "1-0", "IDLE", "60000", "JUSTID")
        yield* p.command("XCLAIM", "t5", "g", "carol", "0", "2-0", "TIME", String(t0 - 1_000), "RETRYCOUNT", "9")
        assert.deepStrictEqual(yield* p.command("XPENDING", "t5", "g", "-", "+", "10"), [
          ["1-0", "bob", 60_000, 1],
          ["2-0", "carol", 5_000, 9]
        ])
        // a time in the future is taken as now
        yield* p.command("XCLAIM", "t5", "g", "carol", "0", "2-0", "TIME", "99999999999", "JUSTID")
        assert.deepStrictEqual(yield* p.command("XPENDING", "t5", "g", "-", "+", "10", "carol"), [["2-0", "carol", 0, 9]])
        const full = (yield* p.command("XINFO", "STREAM", "t5", "FULL")) as ReadonlyArray<unknown>
        const groups = full[full.indexOf("groups") + 1] as ReadonlyArray<ReadonlyArray<unknown>>
        const pending = groups[0]![groups[0]!.indexOf("pending") + 1]
        assert.deepStrictEqual(pending, [
          ["1-0", "bob", t0 + 4_000 - 60_000, 1],
          ["2-0", "carol", t0 + 4_000, 9]
        ])
        yield* TestClock.adjust(10_000)
        assert.deepStrictEqual(yield* p.command("XAUTOCLAIM", "t5", "g", "dave", "20000", "0", "JUSTID"), ["0-0", ["1-0"], []])
        assert.deepStrictEqual(yield* p.command("XAUTOCLAIM", "t5", "g", "dave", "10000", "0", "JUSTID"), ["0-0", ["2-0"], []])
        assert.deepStrictEqual(yield* p.command("XPENDING", "t5", "g"), [2, "1-0", "2-0", [["dave", "2"]]])
      }))

    it.effect("XINFO STREAM FULL reports delivery and seen times from the clock", () =>
      Effect.gen(function*() {
        const p = yield* RedisClient.connect
        const t0 = yield* Clock.currentTimeMillis
        yield* p.command("XADD", "t6", "1-0", "f", "a")
        yield* p.command("XGROUP", "CREATE", "t6", "g", "0")
        yield* p.command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "t6", ">")
        yield* TestClock.adjust(250)
        yield* p.command("XGROUP", "CREATECONSUMER", "t6", "g", "d")
        const full = (yield* p.command("XINFO", "STREAM", "t6", "FULL")) as ReadonlyArray<unknown>
        const groups = full[full.indexOf("groups") + 1] as ReadonlyArray<ReadonlyArray<unknown>>
        const consumers = groups[0]![groups[0]!.indexOf("consumers") + 1]
        assert.deepStrictEqual(consumers, [
          ["name", "c", "seen-time", t0, "pel-count", 1, "pending", [["1-0", t0, 1]]],
          ["name", "d", "seen-time", t0 + 250, "pel-count", 0, "pending", []]
        ])
      }))

    it.effect("active expiry of a stream releases its XREADGROUP waiter with UNBLOCKED", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const [a, p] = yield* Effect.all([RedisClient.connect, RedisClient.connect])
        yield* p.command("XGROUP", "CREATE", "t8", "g", "$", "MKSTREAM")
        yield* p.command("PEXPIRE", "t8", "1000")
        const fiber = yield* Effect.forkChild(a.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t8", ">"))
        yield* settle
        yield* TestClock.adjust(999)
        yield* settle
        assert.isUndefined(fiber.pollUnsafe())
        // no command runs: the background expiry cycle deletes the key, the engine serves the waiter
        yield* TestClock.adjust(200)
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        assert.strictEqual(error.message, "UNBLOCKED the stream key no longer exists")
        assert.strictEqual(engine.waiters.blockedClients, 0)
      }))

    it.effect("a blocked XREADGROUP released with an error counts as a failed call, one served with data does not", () =>
      Effect.gen(function*() {
        const [a, p] = yield* Effect.all([RedisClient.connect, RedisClient.connect])
        yield* p.command("CONFIG", "RESETSTAT")
        yield* p.command("XGROUP", "CREATE", "t9", "g", "$", "MKSTREAM")
        const released = yield* Effect.forkChild(a.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t9", ">"))
        yield* settle
        yield* p.command("XGROUP", "DESTROY", "t9", "g")
        const error = yield* Fiber.join(released).pipe(Effect.flip)
        assert.strictEqual(error.message, "NOGROUP the consumer group this client was blocked on no longer exists")
        const stat = (info: unknown) => /cmdstat_xreadgroup:calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=(\d+)/.exec(String(info))?.slice(1)
        // as Redis's updateStatsOnUnblock: one call, failed
        assert.deepStrictEqual(stat(yield* p.command("INFO", "commandstats")), ["1", "1"])
        yield* p.command("XGROUP", "CREATE", "t9", "g", "$")
        const served = yield* Effect.forkChild(a.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t9", ">"))
        yield* settle
        yield* p.command("XADD", "t9", "1-1", "f", "v")
        yield* Fiber.join(served)
        assert.deepStrictEqual(stat(yield* p.command("INFO", "commandstats")), ["2", "1"])
      }))

    it.effect("a deleted stream releases a blocked XREADGROUP with UNBLOCKED, keyspace intact", () =>
      Effect.gen(function*() {
        const keyspace = yield* Keyspace
        const [a, p] = yield* Effect.all([RedisClient.connect, RedisClient.connect])
        yield* p.command("XGROUP", "CREATE", "t7", "g", "$", "MKSTREAM")
        const fiber = yield* Effect.forkChild(a.command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t7", ">"))
        yield* settle
        yield* p.command("UNLINK", "t7")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        assert.instanceOf(error, ReplyError)
        assert.strictEqual(error.message, "UNBLOCKED the stream key no longer exists")
        assert.isFalse(keyspace.dbs[0]!.exists("t7"))
      }))
  })
})

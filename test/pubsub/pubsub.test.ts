/**
 * Pub/Sub over TCP, several connections: message shapes in RESP2 and RESP3, subscribed mode, the
 * order of messages, transactions, what RESET and a disconnect drop, CLIENT LIST and INFO fields, and
 * a subscriber that stops reading.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Push } from "../../src/resp/ReplyParser.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
const logs: Array<string> = []
const open: Array<RawConnection> = []

const connect = async (): Promise<RawConnection> => {
  const c = await RawConnection.connect(server.port)
  open.push(c)
  return c
}

beforeAll(async () => {
  server = await startServer({}, { log: (line) => logs.push(line) })
})

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()))
  await server.close()
})

const raws = (replies: ReadonlyArray<{ readonly raw: string }>) => replies.map((r) => r.raw)

/** Polls until `check` holds (a disconnect is noticed by the server a moment later). */
const eventually = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`never: ${what}`)
}

describe("message shapes", () => {
  it("RESP2: confirmations with the running count, message and pmessage as arrays", async () => {
    const sub = await connect()
    const pub = await connect()
    sub.write(encode(["SUBSCRIBE", "news", "chat"]))
    expect(raws(await sub.read(2))).toEqual([
      "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n",
      "*3\r\n$9\r\nsubscribe\r\n$4\r\nchat\r\n:2\r\n"
    ])
    expect((await sub.call("PSUBSCRIBE", "n*")).raw).toBe("*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n")
    // subscribed to the channel and to a matching pattern: both deliveries, counted by PUBLISH
    expect((await pub.call("PUBLISH", "news", "hi")).raw).toBe(":2\r\n")
    expect(raws(await sub.read(2))).toEqual([
      "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
      "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    ])
    expect((await pub.call("PUBLISH", "nobody", "x")).raw).toBe(":1\r\n")
    expect((await sub.read(1))[0]!.value).toEqual(["pmessage", "n*", "nobody", "x"])
    expect((await pub.call("PUBLISH", "other", "x")).raw).toBe(":0\r\n")
  })

  it("RESP3: pushes, and every command is allowed while subscribed", async () => {
    const sub = await connect()
    const pub = await connect()
    await sub.call("HELLO", "3")
    const confirmed = await sub.call("SSUBSCRIBE", "shard")
    expect(confirmed.raw).toBe(">3\r\n$10\r\nssubscribe\r\n$5\r\nshard\r\n:1\r\n")
    expect((await sub.call("SET", "k", "v")).raw).toBe("+OK\r\n")
    // shard channels are a namespace of their own: PUBLISH does not reach them, SPUBLISH does
    expect((await pub.call("PUBLISH", "shard", "x")).raw).toBe(":0\r\n")
    expect((await pub.call("SPUBLISH", "shard", "y")).raw).toBe(":1\r\n")
    const [message] = await sub.read(1)
    expect(message!.value).toBeInstanceOf(Push)
    expect(message!.raw).toBe(">3\r\n$8\r\nsmessage\r\n$5\r\nshard\r\n$1\r\ny\r\n")
  })

  it("UNSUBSCRIBE and PUNSUBSCRIBE without arguments and nothing subscribed confirm with a null", async () => {
    const c = await connect()
    expect(raws(await c.pipeline([["UNSUBSCRIBE"], ["PUNSUBSCRIBE"], ["SUNSUBSCRIBE"]]))).toEqual([
      "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
      "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n",
      "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"
    ])
    await c.call("HELLO", "3")
    expect((await c.call("UNSUBSCRIBE")).raw).toBe(">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")
  })

  it("a RESP2 subscriber may only (un)subscribe, PING (as an array), QUIT and RESET", async () => {
    const c = await connect()
    await c.call("SUBSCRIBE", "a")
    expect((await c.call("GET", "k")).raw).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    )
    expect((await c.call("PING")).raw).toBe("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
    expect((await c.call("PING", "x")).raw).toBe("*2\r\n$4\r\npong\r\n$1\r\nx\r\n")
    expect((await c.call("UNSUBSCRIBE")).value).toEqual(["unsubscribe", "a", 0])
    // out of subscribed mode once the last subscription is gone
    expect((await c.call("PING")).raw).toBe("+PONG\r\n")
  })
})

describe("order", () => {
  it("each publisher's messages arrive in publish order, interleaved however the publishers ran", async () => {
    const sub = await connect()
    await sub.call("SUBSCRIBE", "ord")
    const pubs = await Promise.all([connect(), connect(), connect()])
    const n = 300
    await Promise.all(pubs.map((p, i) => p.pipeline(Array.from({ length: n }, (_, j) => ["PUBLISH", "ord", `${i}:${j}`]))))
    const got = (await sub.read(3 * n)).map((r) => String((r.value as ReadonlyArray<unknown>)[2]))
    for (let i = 0; i < 3; i++) {
      expect(got.filter((m) => m.startsWith(`${i}:`))).toEqual(Array.from({ length: n }, (_, j) => `${i}:${j}`))
    }
  })

  it("what a RESP3 client publishes to itself inside MULTI follows EXEC's reply, in order", async () => {
    const c = await connect()
    await c.call("HELLO", "3")
    await c.call("SUBSCRIBE", "self")
    const replies = await c.pipeline([["MULTI"], ["PUBLISH", "self", "a"], ["PUBLISH", "self", "b"], ["EXEC"]])
    expect(raws(replies)).toEqual(["+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n:1\r\n:1\r\n"])
    expect(raws(await c.read(2))).toEqual([
      ">3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$1\r\na\r\n",
      ">3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$1\r\nb\r\n"
    ])
    // outside a transaction the push precedes the reply, as in Redis 7.0
    expect(raws(await c.pipeline([["PUBLISH", "self", "c"], ["PING"]]))).toEqual([
      ">3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$1\r\nc\r\n",
      ":1\r\n"
    ])
    expect((await c.read(1))[0]!.raw).toBe("+PONG\r\n")
  })

  it("SUBSCRIBE inside MULTI answers in EXEC's array; SSUBSCRIBE is refused there as Redis 7.0 does", async () => {
    const c = await connect()
    const replies = await c.pipeline([["MULTI"], ["SUBSCRIBE", "m"], ["SSUBSCRIBE", "s"], ["EXEC"]])
    expect(replies[3]!.raw).toBe(
      "*2\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nm\r\n:1\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n"
    )
  })

  it("under CLIENT REPLY OFF the confirmations and messages still arrive (they are pushes)", async () => {
    const c = await connect()
    const pub = await connect()
    c.write(encode(["CLIENT", "REPLY", "OFF"]))
    c.write(encode(["SUBSCRIBE", "quiet"]))
    expect((await c.read(1))[0]!.value).toEqual(["subscribe", "quiet", 1])
    await pub.call("PUBLISH", "quiet", "m")
    expect((await c.read(1))[0]!.value).toEqual(["message", "quiet", "m"])
  })
})

describe("state", () => {
  it("PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS and SHARDNUMSUB count live subscriptions", async () => {
    const [a, b, q] = await Promise.all([connect(), connect(), connect()])
    const stat = async (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(String((await q.call("INFO", "stats")).value))![1])
    const [patternsBefore, channelsBefore, shardsBefore] = [await stat("pubsub_patterns"), await stat("pubsub_channels"), await stat("pubsubshard_channels")]
    expect((await q.call("PUBSUB", "NUMPAT")).value).toBe(patternsBefore)
    a.write(encode(["SUBSCRIBE", "st.1", "st.2"]))
    await a.read(2)
    await b.call("SUBSCRIBE", "st.1")
    b.write(encode(["PSUBSCRIBE", "st.*", "zz*"]))
    await b.read(2)
    await a.call("PSUBSCRIBE", "st.*")
    await a.call("SSUBSCRIBE", "st.s")
    expect(new Set((await q.call("PUBSUB", "CHANNELS", "st.*")).value as ReadonlyArray<string>)).toEqual(new Set(["st.1", "st.2"]))
    expect((await q.call("PUBSUB", "NUMSUB", "st.1", "st.2", "st.3")).value).toEqual(["st.1", 2, "st.2", 1, "st.3", 0])
    expect((await q.call("PUBSUB", "NUMPAT")).value).toBe(patternsBefore + 2)
    expect((await q.call("PUBSUB", "SHARDCHANNELS", "st.*")).value).toEqual(["st.s"])
    expect((await q.call("PUBSUB", "SHARDNUMSUB", "st.s")).value).toEqual(["st.s", 1])
    expect(await stat("pubsub_channels")).toBe(channelsBefore + 2)
    expect(await stat("pubsub_patterns")).toBe(patternsBefore + 2)
    expect(await stat("pubsubshard_channels")).toBe(shardsBefore + 1)
    const list = String((await q.call("CLIENT", "LIST")).value)
    expect(list).toMatch(/flags=P db=0 sub=2 psub=1 ssub=1 /)
    expect(list).toMatch(/flags=P db=0 sub=1 psub=2 ssub=0 /)
    // RESET drops every subscription without confirming
    expect((await a.call("RESET")).raw).toBe("+RESET\r\n")
    expect((await q.call("PUBSUB", "NUMSUB", "st.1", "st.2")).value).toEqual(["st.1", 1, "st.2", 0])
    expect((await q.call("PUBSUB", "SHARDCHANNELS", "st.*")).value).toEqual([])
    // a disconnect too
    await b.close()
    await eventually("b's subscriptions dropped", async () => (await q.call("PUBSUB", "NUMPAT")).value === patternsBefore)
    expect((await q.call("PUBSUB", "CHANNELS", "st.*")).value).toEqual([])
  })

  it("PUBLISH is propagated (replicas deliver it to their own subscribers), subscribing is not", async () => {
    const seen: Array<ReadonlyArray<string>> = []
    const stop = server.engine.keyspace.onPropagate((_db, argv) => seen.push(argv))
    try {
      const c = await connect()
      await c.call("PUBLISH", "p", "m")
      await c.call("SPUBLISH", "p", "m")
      await c.call("PUBSUB", "NUMPAT")
      expect(seen).toEqual([["PUBLISH", "p", "m"], ["SPUBLISH", "p", "m"]])
    } finally {
      stop()
    }
  })
})

describe("a subscriber that does not read", () => {
  it("is disconnected past client-output-buffer-limit pubsub (32mb hard) while 100 MB are published, memory stays bounded", async () => {
    const sub = await connect()
    const pub = await connect()
    await sub.call("SUBSCRIBE", "flood")
    sub.socket.pause()
    // what the server holds for its clients: unsent replies and pushes, and what sockets have not taken
    const held = () => {
      let bytes = 0
      for (const client of server.engine.clients.values()) bytes += client.output.used
      return bytes
    }
    const message = "x".repeat(100 * 1024)
    let peak = 0
    for (let batch = 0; batch < 50; batch++) {
      await pub.pipeline(Array.from({ length: 20 }, () => ["PUBLISH", "flood", message]))
      peak = Math.max(peak, held())
    }
    // 1000 messages of 100 KB went out; the subscriber was cut off at 32 MB (plus the batch that
    // crossed it), not buffered to 100 MB
    expect(peak).toBeGreaterThan(16 * 1024 * 1024)
    expect(peak).toBeLessThan(36 * 1024 * 1024)
    expect(held()).toBeLessThan(1024 * 1024)
    sub.socket.destroy()
    expect(logs.some((l) => /scheduled to be closed ASAP for overcoming of output buffer limits/.test(l) && /flags=P/.test(l))).toBe(true)
    expect((await pub.call("PUBLISH", "flood", "x")).raw).toBe(":0\r\n")
  })
})

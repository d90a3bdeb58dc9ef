/**
 * Real client libraries subscribing to this server: ioredis 6 and node-redis 6, RESP2 and RESP3,
 * SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE, and again after the server dropped their connection (they
 * reconnect and subscribe anew on their own).
 */
import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

/** Resolves with the first `n` values `register` hands to its callback, or rejects after 5 s. */
const collect = <T>(n: number, register: (push: (value: T) => void) => void): Promise<ReadonlyArray<T>> =>
  new Promise((resolve, reject) => {
    const got: Array<T> = []
    const timer = setTimeout(() => reject(new Error(`received ${got.length}/${n}: ${JSON.stringify(got)}`)), 5000)
    register((value) => {
      got.push(value)
      if (got.length === n) {
        clearTimeout(timer)
        resolve(got)
      }
    })
  })

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`never: ${what}`)
}

describe.each([2, 3] as const)("ioredis, protocol %i", (protocol) => {
  let sub: Redis
  let pub: Redis
  beforeAll(async () => {
    const options = { port: server.port, host: "127.0.0.1", protocol, lazyConnect: true, retryStrategy: () => 20 }
    sub = new Redis(options)
    pub = new Redis(options)
    await Promise.all([sub.connect(), pub.connect()])
  })
  afterAll(async () => {
    sub.disconnect()
    await pub.quit()
  })

  it("subscribes to channels, patterns and shard channels, and receives each kind of message", async () => {
    const channel = `io${protocol}:news`
    expect(await sub.subscribe(channel)).toBe(1)
    expect(await sub.psubscribe(`io${protocol}:*`)).toBe(2)
    expect(await sub.ssubscribe(`io${protocol}:shard`)).toBe(1)
    const received = collect<ReadonlyArray<string>>(3, (push) => {
      sub.on("message", (c: string, m: string) => push(["message", c, m]))
      sub.on("pmessage", (p: string, c: string, m: string) => push(["pmessage", p, c, m]))
      sub.on("smessage", (c: string, m: string) => push(["smessage", c, m]))
    })
    expect(await pub.publish(channel, "hello")).toBe(2)
    expect(await pub.spublish(`io${protocol}:shard`, "sharded")).toBe(1)
    expect(new Set((await received).map((r) => JSON.stringify(r)))).toEqual(
      new Set([
        JSON.stringify(["message", channel, "hello"]),
        JSON.stringify(["pmessage", `io${protocol}:*`, channel, "hello"]),
        JSON.stringify(["smessage", `io${protocol}:shard`, "sharded"])
      ])
    )
    sub.removeAllListeners("message").removeAllListeners("pmessage").removeAllListeners("smessage")
  })

  it("subscribes again after the server closed its connection, and receives", async () => {
    const channel = `io${protocol}:news`
    await pub.call("CLIENT", "KILL", "TYPE", "pubsub")
    await until("ioredis resubscribed", async () => (await pub.pubsub("NUMSUB", channel))[1] === 1)
    const received = collect<string>(1, (push) => sub.on("message", (_c: string, m: string) => push(m)))
    expect(await pub.publish(channel, "after reconnect")).toBeGreaterThanOrEqual(1)
    expect(await received).toEqual(["after reconnect"])
  })
})

describe.each([2, 3] as const)("node-redis, RESP%i", (RESP) => {
  let pub: ReturnType<typeof createClient<{}, {}, {}, 2 | 3>>
  let sub: typeof pub
  beforeAll(async () => {
    pub = createClient({ socket: { host: "127.0.0.1", port: server.port, reconnectStrategy: () => 20 }, RESP })
    sub = pub.duplicate()
    // a dropped connection is reported as an 'error' event while the client reconnects
    sub.on("error", () => {})
    pub.on("error", () => {})
    await Promise.all([pub.connect(), sub.connect()])
  })
  afterAll(async () => {
    sub.destroy()
    await pub.close()
  })

  it("subscribes to channels, patterns and shard channels, and receives each kind of message", async () => {
    const got: Array<ReadonlyArray<string>> = []
    const channel = `nr${RESP}:news`
    const received = collect<ReadonlyArray<string>>(3, (push) => {
      void sub.subscribe(channel, (m, c) => push(["message", c, m]))
      void sub.pSubscribe(`nr${RESP}:*`, (m, c) => push(["pmessage", c, m]))
      void sub.sSubscribe(`nr${RESP}:shard`, (m, c) => push(["smessage", c, m]))
    })
    await until("subscribed", async () => (await pub.pubSubNumSub(channel))[channel] === 1 && (await pub.pubSubNumPat()) >= 1)
    await until("shard subscribed", async () => (await pub.pubSubShardNumSub(`nr${RESP}:shard`))[`nr${RESP}:shard`] === 1)
    expect(await pub.publish(channel, "hello")).toBe(2)
    expect(await pub.sPublish(`nr${RESP}:shard`, "sharded")).toBe(1)
    got.push(...(await received))
    expect(new Set(got.map((r) => JSON.stringify(r)))).toEqual(
      new Set([
        JSON.stringify(["message", channel, "hello"]),
        JSON.stringify(["pmessage", channel, "hello"]),
        JSON.stringify(["smessage", `nr${RESP}:shard`, "sharded"])
      ])
    )
  })

  it("subscribes again after the server closed its connection, and receives", async () => {
    const channel = `nr${RESP}:again`
    const received = collect<string>(1, (push) => {
      void sub.subscribe(channel, (m) => push(m))
    })
    await until("subscribed", async () => (await pub.pubSubNumSub(channel))[channel] === 1)
    await pub.clientKill({ filter: "TYPE", type: "pubsub" })
    await until("node-redis resubscribed", async () => (await pub.pubSubNumSub(channel))[channel] === 1)
    expect(await pub.publish(channel, "after reconnect")).toBeGreaterThanOrEqual(1)
    expect(await received).toEqual(["after reconnect"])
  })
})

/**
 * Client-side caching: the cases a random script rarely reaches (a redirect client that goes away,
 * tracking-table-max-keys, keys that expire, RESET), what INFO and CLIENT LIST show, and node-redis's
 * own client-side cache working against this server.
 */
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Push } from "../../src/resp/ReplyParser.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
const open: Array<RawConnection> = []
const connect = async (resp: 2 | 3 = 3): Promise<RawConnection> => {
  const c = await RawConnection.connect(server.port)
  open.push(c)
  if (resp === 3) await c.call("HELLO", "3")
  return c
}

beforeAll(async () => {
  server = await startServer()
})
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()))
  await server.close()
})

const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`never: ${what}`)
}

describe("invalidation", () => {
  it("a key read by a tracking client is invalidated once when another client writes it", async () => {
    const [reader, writer] = await Promise.all([connect(), connect(2)])
    await reader.call("CLIENT", "TRACKING", "ON")
    await reader.call("GET", "once")
    await writer.call("SET", "once", "1")
    const [push] = await reader.read(1)
    expect(push!.value).toBeInstanceOf(Push)
    expect(push!.raw).toBe(">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nonce\r\n")
    // forgotten until read again: a second write sends nothing
    await writer.call("SET", "once", "2")
    expect((await reader.call("PING")).raw).toBe("+PONG\r\n")
  })

  it("a key the client itself writes is invalidated after its reply; in a transaction, after EXEC's", async () => {
    const c = await connect()
    await c.call("CLIENT", "TRACKING", "ON")
    await c.call("GET", "self")
    expect((await c.pipeline([["SET", "self", "v"], ["PING"]])).map((r) => r.raw)).toEqual([
      "+OK\r\n",
      ">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nself\r\n"
    ])
    expect((await c.read(1))[0]!.raw).toBe("+PONG\r\n")
    const replies = await c.pipeline([["MULTI"], ["GET", "self"], ["SET", "self", "w"], ["EXEC"], ["PING"]])
    expect(replies.map((r) => r.raw)).toEqual([
      "+OK\r\n",
      "+QUEUED\r\n",
      "+QUEUED\r\n",
      "*2\r\n$1\r\nv\r\n+OK\r\n",
      ">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nself\r\n"
    ])
  })

  it("a key that expires is invalidated, whether it is found expired by a read or by active expiry", async () => {
    const [reader, other] = await Promise.all([connect(), connect(2)])
    await reader.call("CLIENT", "TRACKING", "ON")
    await other.call("SET", "soon", "v", "PX", "30")
    await reader.call("GET", "soon")
    await new Promise((resolve) => setTimeout(resolve, 60))
    // the other client's read finds it expired (or active expiry already deleted it)
    await other.call("GET", "soon")
    const [push] = await reader.read(1)
    expect(push!.raw).toBe(">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nsoon\r\n")
  })

  it("a RESP2 client redirects to a subscriber of __redis__:invalidate; FLUSHALL invalidates with a null", async () => {
    const [tracker, sink, writer] = await Promise.all([connect(2), connect(2), connect(2)])
    const sinkId = (await sink.call("CLIENT", "ID")).value as number
    await sink.call("SUBSCRIBE", "__redis__:invalidate")
    expect((await tracker.call("CLIENT", "TRACKING", "ON", "REDIRECT", String(sinkId))).raw).toBe("+OK\r\n")
    expect((await tracker.call("CLIENT", "GETREDIR")).value).toBe(sinkId)
    await tracker.call("GET", "redir")
    await writer.call("SET", "redir", "1")
    expect((await sink.read(1))[0]!.raw).toBe("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$5\r\nredir\r\n")
    await writer.call("FLUSHALL")
    expect((await sink.read(1))[0]!.raw).toBe("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")
    expect(String((await writer.call("CLIENT", "LIST")).value)).toMatch(new RegExp(`flags=t db=0 .* redir=${sinkId} resp=2`))
  })

  it("when the redirect client goes away, a RESP3 tracker is told tracking-redir-broken and shows flag R", async () => {
    const [tracker, target, writer] = await Promise.all([connect(), connect(2), connect(2)])
    const targetId = (await target.call("CLIENT", "ID")).value as number
    await tracker.call("CLIENT", "TRACKING", "ON", "REDIRECT", String(targetId))
    await tracker.call("GET", "broken")
    await target.close()
    await until("target gone", async () => !String((await writer.call("CLIENT", "LIST")).value).includes(`id=${targetId} `))
    await writer.call("SET", "broken", "1")
    const [push] = await tracker.read(1)
    expect(push!.raw).toBe(`>2\r\n$21\r\ntracking-redir-broken\r\n:${targetId}\r\n`)
    const info = (await tracker.call("CLIENT", "TRACKINGINFO")).value as ReadonlyMap<string, unknown>
    expect([...(info.get("flags") as ReadonlySet<string>)]).toEqual(["on", "broken_redirect"])
    expect(String((await tracker.call("CLIENT", "INFO")).value)).toMatch(/flags=tR /)
  })

  it("BCAST: one message per step with every key written under the prefixes, in byte order", async () => {
    const [bcast, writer] = await Promise.all([connect(), connect(2)])
    await bcast.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b:")
    await writer.pipeline([["SET", "b:2", "x"], ["SET", "other", "x"], ["SET", "b:1", "x"], ["DEL", "b:2"]])
    expect((await bcast.read(1))[0]!.raw).toBe(">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nb:1\r\n$3\r\nb:2\r\n")
    expect(String((await writer.call("CLIENT", "LIST")).value)).toMatch(/flags=tB /)
  })
})

describe("state", () => {
  it("tracking-table-max-keys: past the limit, keys are invalidated until the table fits again", async () => {
    const [reader, admin] = await Promise.all([connect(), connect(2)])
    await admin.call("FLUSHALL")
    await admin.call("CONFIG", "SET", "tracking-table-max-keys", "2")
    try {
      await reader.call("CLIENT", "TRACKING", "ON")
      await reader.call("MGET", "m1", "m2", "m3")
      // the next command finds the table over its limit, and invalidates a key before running
      const [push, pong] = await reader.pipeline([["PING"], ["PING"]])
      expect(push!.raw).toMatch(/^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$2\r\nm[123]\r\n$/)
      expect(pong!.raw).toBe("+PONG\r\n")
      expect((await reader.read(1))[0]!.raw).toBe("+PONG\r\n")
      // with no command coming, the cron enforces a lower limit too
      await admin.call("CONFIG", "SET", "tracking-table-max-keys", "1")
      const [evicted] = await reader.read(1)
      expect(evicted!.raw).toMatch(/^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$2\r\nm[123]\r\n$/)
      expect(String((await admin.call("INFO", "stats")).value)).toMatch(/tracking_total_keys:1\r\n/)
    } finally {
      await admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
    }
  })

  it("INFO counts tracking clients, keys, items and prefixes; RESET and OFF stop tracking", async () => {
    const [a, b, admin] = await Promise.all([connect(), connect(), connect(2)])
    await admin.call("FLUSHALL")
    const stat = async (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(String((await admin.call("INFO", "everything")).value))![1])
    const clients = await stat("tracking_clients")
    const prefixes = await stat("tracking_total_prefixes")
    await a.call("CLIENT", "TRACKING", "ON")
    await b.call("CLIENT", "TRACKING", "ON")
    await a.call("MGET", "i1", "i2")
    await b.call("GET", "i1")
    expect(await stat("tracking_clients")).toBe(clients + 2)
    expect(await stat("tracking_total_keys")).toBe(2)
    expect(await stat("tracking_total_items")).toBe(3)
    await b.call("RESET")
    await a.call("CLIENT", "TRACKING", "OFF")
    expect(await stat("tracking_clients")).toBe(clients)
    expect((await a.call("CLIENT", "GETREDIR")).value).toBe(-1)
    await a.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "PREFIX", "y")
    expect(await stat("tracking_total_prefixes")).toBe(prefixes + 2)
    await a.call("CLIENT", "TRACKING", "OFF")
    expect(await stat("tracking_total_prefixes")).toBe(prefixes)
  })
})

describe("node-redis client-side cache (RESP3)", () => {
  it("serves a cached GET until another client's write invalidates it", async () => {
    const cached = createClient({ socket: { host: "127.0.0.1", port: server.port }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } })
    const plain = createClient({ socket: { host: "127.0.0.1", port: server.port } })
    await Promise.all([cached.connect(), plain.connect()])
    try {
      await plain.set("csc", "first")
      expect(await cached.get("csc")).toBe("first")
      expect(await cached.get("csc")).toBe("first")
      const cache = cached.clientSideCache!
      expect(cache.stats().hitCount).toBe(1)
      await plain.set("csc", "second")
      await until("the cached value was invalidated", async () => (await cached.get("csc")) === "second")
      expect(await cached.get("csc")).toBe("second")
      expect(cache.stats().hitCount).toBeGreaterThanOrEqual(2)
    } finally {
      await Promise.all([cached.close(), plain.close()])
    }
  })
})

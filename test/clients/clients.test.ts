/**
 * Real client libraries against this server: ioredis 6 and node-redis 6 open their connections with
 * HELLO 3 (and CLIENT SETINFO), then pipeline, select databases and move binary values, in RESP2 and RESP3.
 */
import { Redis } from "ioredis"
import { createClient, RESP_TYPES } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

/** Every byte value, plus CRLF and NUL in the middle. */
const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\r\n\u0000end")])

describe.each([2, 3] as const)("ioredis, protocol %i", (protocol) => {
  let redis: Redis
  beforeAll(async () => {
    redis = new Redis({ port: server.port, host: "127.0.0.1", protocol, lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
  })
  afterAll(() => redis.quit())

  it("connects and answers", async () => {
    expect(await redis.ping()).toBe("PONG")
    expect(await redis.echo("héllo")).toBe("héllo")
  })

  it("sets and gets, including binary values", async () => {
    expect(await redis.set("ioredis:k", "v")).toBe("OK")
    expect(await redis.get("ioredis:k")).toBe("v")
    await redis.set(Buffer.from("ioredis:\u00ff\u0000"), binary)
    expect(Buffer.compare((await redis.getBuffer(Buffer.from("ioredis:\u00ff\u0000")))!, binary)).toBe(0)
    expect(await redis.get("ioredis:missing")).toBeNull()
  })

  it("pipelines many commands and gets the replies in order", async () => {
    const pipeline = redis.pipeline()
    for (let i = 0; i < 500; i++) pipeline.set(`ioredis:p${i}`, String(i))
    for (let i = 0; i < 500; i++) pipeline.get(`ioredis:p${i}`)
    const results = await pipeline.exec()
    expect(results!.slice(500).map(([err, v]) => (err === null ? v : err))).toEqual(
      Array.from({ length: 500 }, (_, i) => String(i))
    )
  })

  it("selects a database", async () => {
    await redis.select(3)
    await redis.set("ioredis:db", "three")
    await redis.select(0)
    expect(await redis.get("ioredis:db")).toBeNull()
    await redis.select(3)
    expect(await redis.get("ioredis:db")).toBe("three")
    await redis.select(0)
  })

  it("runs a MULTI/EXEC transaction", async () => {
    const result = await redis.multi().set("ioredis:tx", "1").get("ioredis:tx").exec()
    expect(result).toEqual([[null, "OK"], [null, "1"]])
  })

  it("surfaces error replies as errors", async () => {
    await expect(redis.call("NOSUCHCOMMAND")).rejects.toThrow(/unknown command 'NOSUCHCOMMAND'/)
  })
})

describe.each([2, 3] as const)("node-redis, RESP%i", (RESP) => {
  const connect = async () => {
    const client = createClient({ socket: { port: server.port, host: "127.0.0.1", reconnectStrategy: false }, RESP })
    await client.connect()
    return client
  }
  let client: Awaited<ReturnType<typeof connect>>
  beforeAll(async () => {
    client = await connect()
  })
  afterAll(() => client.close())

  it("connects and answers", async () => {
    expect(await client.ping()).toBe("PONG")
  })

  it("sets and gets, including binary values", async () => {
    expect(await client.set("node-redis:k", "v")).toBe("OK")
    expect(await client.get("node-redis:k")).toBe("v")
    const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
    await buffers.set("node-redis:bin", binary)
    expect(Buffer.compare((await buffers.get("node-redis:bin")) as Buffer, binary)).toBe(0)
  })

  it("pipelines (auto-pipelining of concurrent commands)", async () => {
    const sets = Array.from({ length: 300 }, (_, i) => client.set(`node-redis:p${i}`, String(i)))
    await Promise.all(sets)
    const values = await Promise.all(Array.from({ length: 300 }, (_, i) => client.get(`node-redis:p${i}`)))
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => String(i)))
  })

  it("selects a database", async () => {
    await client.select(5)
    await client.set("node-redis:db", "five")
    await client.select(0)
    expect(await client.get("node-redis:db")).toBeNull()
    await client.select(5)
    expect(await client.get("node-redis:db")).toBe("five")
    await client.select(0)
  })

  it("runs a MULTI/EXEC transaction", async () => {
    expect(await client.multi().set("node-redis:tx", "1").get("node-redis:tx").exec()).toEqual(["OK", "1"])
  })
})

/**
 * Real client libraries connecting as a named ACL user: ioredis 6 and node-redis 6, RESP2 (AUTH user
 * pass) and RESP3 (HELLO 3 AUTH user pass). A denied command fails with the NOPERM error and the
 * connection stays usable; wrong credentials fail the connection with WRONGPASS.
 */
import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
beforeAll(async () => {
  server = await startServer()
  const admin = await RawConnection.connect(server.port)
  await admin.call("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "&app.*", "+@all", "-flushall")
  await admin.close()
})
afterAll(() => server.close())

const NOKEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
const NOCMD = "NOPERM this user has no permissions to run the 'flushall' command"

describe.each([2, 3] as const)("ioredis as a named user, protocol %i", (protocol) => {
  let redis: Redis
  beforeAll(async () => {
    redis = new Redis({ port: server.port, host: "127.0.0.1", protocol, username: "app", password: "s3cret", lazyConnect: true })
    await redis.connect()
  })
  afterAll(async () => {
    await redis.quit()
  })

  it("runs allowed commands, gets NOPERM for denied ones and keeps the connection", async () => {
    expect(await redis.call("ACL", "WHOAMI")).toBe("app")
    expect(await redis.set("app:1", "v")).toBe("OK")
    await expect(redis.set("other", "v")).rejects.toThrow(NOKEY)
    await expect(redis.flushall()).rejects.toThrow(NOCMD)
    await expect(redis.publish("news", "x")).rejects.toThrow(
      "NOPERM this user has no permissions to access one of the channels used as arguments"
    )
    expect(await redis.get("app:1")).toBe("v")
  })

  it("fails to connect with a wrong password", async () => {
    const bad = new Redis({
      port: server.port,
      host: "127.0.0.1",
      protocol,
      username: "app",
      password: "nope",
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0
    })
    const failure = new Promise<Error>((resolve) => bad.once("error", resolve))
    bad.connect().catch(() => {})
    expect((await failure).message).toMatch(/WRONGPASS invalid username-password pair or user is disabled/)
    bad.disconnect()
  })
})

describe.each([2, 3] as const)("node-redis as a named user, RESP%i", (RESP) => {
  let client: ReturnType<typeof createClient<{}, {}, {}, 2 | 3>>
  beforeAll(async () => {
    client = createClient({ socket: { host: "127.0.0.1", port: server.port }, username: "app", password: "s3cret", RESP })
    client.on("error", () => {})
    await client.connect()
  })
  afterAll(async () => {
    await client.close()
  })

  it("runs allowed commands, gets NOPERM for denied ones and keeps the connection", async () => {
    expect(await client.sendCommand(["ACL", "WHOAMI"])).toBe("app")
    expect(await client.set("app:2", "v")).toBe("OK")
    await expect(client.get("other")).rejects.toThrow(NOKEY)
    await expect(client.flushAll()).rejects.toThrow(NOCMD)
    expect(await client.get("app:2")).toBe("v")
  })

  it("fails to connect with a wrong password", async () => {
    const bad = createClient({
      socket: { host: "127.0.0.1", port: server.port, reconnectStrategy: false },
      username: "app",
      password: "nope",
      RESP
    })
    bad.on("error", () => {})
    await expect(bad.connect()).rejects.toThrow(/WRONGPASS/)
  })
})

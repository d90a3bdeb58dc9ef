/**
 * BZPOPMIN, BZPOPMAX and BZMPOP with several real connections: each scenario runs against this server
 * and against a real redis-server, and the transcripts (every reply of every connection, in order)
 * must be identical. Then the timeouts on TestClock, in process.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { expect, it } from "vitest"
import { Engine } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { oursBlocked, redisBlocked, until } from "../support/blocking.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { encode, RawConnection } from "../support/raw.ts"

/** A scenario on one server: connections, a transcript of their replies, and the blocked-client count. */
class Scenario {
  readonly transcript: Array<string> = []
  private readonly conns: Array<RawConnection> = []
  private readonly port: number
  readonly blocked: () => Promise<number>

  constructor(port: number, blocked: () => Promise<number>) {
    this.port = port
    this.blocked = blocked
  }

  async connect(n: number): Promise<ReadonlyArray<RawConnection>> {
    const fresh = await Promise.all(Array.from({ length: n }, () => RawConnection.connect(this.port)))
    this.conns.push(...fresh)
    return fresh
  }

  /** Sends a blocking command and waits until the server counts one more blocked client. */
  async block(conn: RawConnection, ...command: Command): Promise<void> {
    const before = await this.blocked()
    conn.write(encode(command))
    await until(`${command.join(" ")} to block`, async () => (await this.blocked()) === before + 1)
  }

  async call(label: string, conn: RawConnection, ...command: Command): Promise<void> {
    this.transcript.push(`${label}: ${(await conn.call(...command)).raw}`)
  }

  /** A command whose reply is not compared (HELLO shows the connection id). */
  async quiet(conn: RawConnection, ...command: Command): Promise<void> {
    await conn.call(...command)
  }

  async read(label: string, conn: RawConnection, n = 1): Promise<void> {
    for (const r of await conn.read(n)) this.transcript.push(`${label}: ${r.raw}`)
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close()))
    await until("no blocked clients", async () => (await this.blocked()) === 0)
  }
}

describeDifferential("blocking sorted set commands with several connections", (servers) => {
  /** Runs `body` on both servers from an empty keyspace and compares the transcripts. */
  const compare = async (body: (s: Scenario) => Promise<void>): Promise<void> => {
    const { server, oracle } = servers()
    const control = await RawConnection.connect(oracle.port)
    const transcripts: Array<ReadonlyArray<string>> = []
    for (const [port, blocked] of [[server.port, oursBlocked(server)], [oracle.port, redisBlocked(control)]] as const) {
      const s = new Scenario(port, blocked)
      const [admin] = await s.connect(1)
      await admin!.call("FLUSHALL")
      await body(s)
      await s.close()
      transcripts.push(s.transcript)
    }
    await control.close()
    expect(transcripts[1]!.length).toBeGreaterThan(0)
    expect(transcripts[0]).toEqual(transcripts[1])
  }

  it("waiters are served first come, first served, each from the key that received data", () =>
    compare(async (s) => {
      const [writer, a, b, c] = await s.connect(4)
      await s.block(a!, "BZPOPMIN", "k", "0")
      await s.block(b!, "BZPOPMAX", "other", "k", "0")
      await s.block(c!, "BZPOPMIN", "k", "other", "0")
      await s.call("writer", writer!, "ZADD", "k", "1", "x", "2", "y", "3", "z")
      await s.read("a", a!)
      await s.read("b", b!)
      await s.read("c", c!)
      await s.call("writer", writer!, "ZRANGE", "k", "0", "-1", "WITHSCORES")
      await s.call("writer", writer!, "EXISTS", "k")
    }))

  it("a push that feeds only some waiters leaves the others blocked until more data arrives", () =>
    compare(async (s) => {
      const [writer, a, b] = await s.connect(3)
      await s.block(a!, "BZPOPMAX", "k", "0")
      await s.block(b!, "BZPOPMAX", "k", "0")
      await s.call("writer", writer!, "ZADD", "k", "5", "only")
      await s.read("a", a!)
      await s.call("writer", writer!, "EXISTS", "k")
      await s.call("writer", writer!, "ZINCRBY", "k", "2.5", "again")
      await s.read("b", b!)
    }))

  it("BZMPOP pops up to COUNT elements in RESP2 and RESP3", () =>
    compare(async (s) => {
      const [writer, a, b] = await s.connect(3)
      await s.quiet(b!, "HELLO", "3")
      await s.block(a!, "BZMPOP", "0", "2", "k1", "k2", "MIN", "COUNT", "2")
      await s.block(b!, "BZMPOP", "0", "1", "k2", "MAX", "COUNT", "5")
      await s.call("writer", writer!, "ZADD", "k2", "1.5", "a", "-2", "b", "inf", "c")
      await s.read("a", a!)
      await s.read("b", b!)
      await s.call("writer", writer!, "EXISTS", "k2")
    }))

  it("BZPOPMIN replies with a double in RESP3", () =>
    compare(async (s) => {
      const [writer, a] = await s.connect(2)
      await s.quiet(a!, "HELLO", "3")
      await s.block(a!, "BZPOPMIN", "k", "0")
      await s.call("writer", writer!, "ZADD", "k", "0.1", "m")
      await s.read("a", a!)
    }))

  it("fractional timeouts reply a null array; MULTI answers at once", () =>
    compare(async (s) => {
      const [a, b] = await s.connect(2)
      await s.call("a", a!, "BZPOPMIN", "k", "0.05")
      await s.call("a", a!, "BZMPOP", "0.02", "1", "k", "MIN")
      await s.quiet(b!, "HELLO", "3")
      await s.call("b", b!, "BZPOPMAX", "k", "0.01")
      await s.call("a", a!, "MULTI")
      await s.call("a", a!, "BZPOPMIN", "k", "0")
      await s.call("a", a!, "BZMPOP", "0", "1", "k", "MAX")
      await s.call("a", a!, "ZADD", "k", "1", "m")
      await s.call("a", a!, "BZPOPMIN", "k", "0")
      await s.call("a", a!, "EXEC")
    }))

  it("a key of another type does not serve a waiter; the zset that replaces it does", () =>
    compare(async (s) => {
      const [writer, a] = await s.connect(2)
      await s.block(a!, "BZPOPMIN", "k", "0")
      await s.call("writer", writer!, "LPUSH", "k", "x")
      await s.call("writer", writer!, "DEL", "k")
      await s.call("writer", writer!, "SET", "k", "v")
      await s.call("writer", writer!, "DEL", "k")
      await s.call("writer", writer!, "ZADD", "k", "1", "m")
      await s.read("a", a!)
    }))

  it("keys created by ZUNIONSTORE, ZRANGESTORE, GEOADD, GEOSEARCHSTORE and inside EXEC wake waiters", () =>
    compare(async (s) => {
      const [writer, a, b, c, d, e] = await s.connect(6)
      await s.call("writer", writer!, "ZADD", "src", "1", "m1", "2", "m2")
      await s.block(a!, "BZPOPMIN", "u", "0")
      await s.block(b!, "BZPOPMAX", "r", "0")
      await s.block(c!, "BZPOPMIN", "g", "0")
      await s.block(d!, "BZMPOP", "0", "1", "gs", "MAX", "COUNT", "3")
      await s.block(e!, "BZPOPMIN", "tx", "0")
      await s.call("writer", writer!, "ZUNIONSTORE", "u", "1", "src")
      await s.read("a", a!)
      await s.call("writer", writer!, "ZRANGESTORE", "r", "src", "0", "0")
      await s.read("b", b!)
      await s.call("writer", writer!, "GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
      await s.read("c", c!)
      await s.call("writer", writer!, "GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "13", "38", "BYRADIUS", "300", "km", "STOREDIST")
      await s.read("d", d!)
      await s.call("writer", writer!, "MULTI")
      await s.call("writer", writer!, "ZADD", "tx", "1", "first")
      await s.call("writer", writer!, "ZADD", "tx", "0", "second")
      await s.call("writer", writer!, "EXEC")
      await s.read("e", e!)
      await s.call("writer", writer!, "ZRANGE", "tx", "0", "-1")
    }))

  it("a waiter that disconnects is forgotten; the next one is served", () =>
    compare(async (s) => {
      const [writer, a, b] = await s.connect(3)
      await s.block(a!, "BZPOPMIN", "k", "0")
      await s.block(b!, "BZPOPMIN", "k", "0")
      await a!.close()
      await until("the first waiter to go", async () => (await s.blocked()) === 1)
      await s.call("writer", writer!, "ZADD", "k", "1", "m")
      await s.read("b", b!)
    }))
})

/** Lets forked fibers run up to their next suspension (TestClock never sleeps for real). */
const settle = Effect.yieldNow.pipe(Effect.repeat({ times: 20 }))

describe("sorted set blocking timeouts on TestClock", () => {
  layer(embeddedRedis())((it) => {
    it.effect("BZPOPMIN with a fractional timeout times out exactly at its deadline", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const waiter = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(waiter.command("BZPOPMIN", "tk1", "1.5"))
        yield* settle
        assert.strictEqual(engine.waiters.blockedClients, 1)
        yield* TestClock.adjust(1_499)
        yield* settle
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust(1)
        assert.isNull(yield* Fiber.join(fiber))
        assert.strictEqual(engine.waiters.blockedClients, 0)
      }))

    it.effect("a ZADD before the deadline serves BZMPOP; its timeout then does nothing", () =>
      Effect.gen(function*() {
        const engine = yield* Engine
        const waiter = yield* RedisClient.connect
        const writer = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(waiter.command("BZMPOP", "10", "2", "tk2", "tk3", "MAX", "COUNT", "2"))
        yield* settle
        yield* TestClock.adjust(9_000)
        assert.strictEqual(yield* writer.command("ZADD", "tk3", "1", "a", "2", "b", "3", "c"), 3)
        assert.deepStrictEqual(yield* Fiber.join(fiber), ["tk3", [["c", "3"], ["b", "2"]]])
        yield* TestClock.adjust(5_000)
        assert.deepStrictEqual(yield* writer.command("ZRANGE", "tk3", "0", "-1"), ["a"])
        assert.strictEqual(engine.waiters.blockedClients, 0)
      }))

    it.effect("timeout 0 waits forever", () =>
      Effect.gen(function*() {
        const waiter = yield* RedisClient.connect
        const writer = yield* RedisClient.connect
        const fiber = yield* Effect.forkChild(waiter.command("BZPOPMAX", "tk4", "0"))
        yield* settle
        yield* TestClock.adjust(60_000)
        yield* settle
        assert.isUndefined(fiber.pollUnsafe())
        yield* writer.command("ZADD", "tk4", "7", "m")
        assert.deepStrictEqual(yield* Fiber.join(fiber), ["tk4", "m", "7"])
      }))
  })
})

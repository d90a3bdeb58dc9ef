/**
 * Script-based libraries other than BullMQ, unchanged, on this server and on a real redis-server:
 * rate-limiter-flexible (RateLimiterRedis), rate-limit-redis (the express-rate-limit store) and
 * Redlock. Every scenario runs on both and must end the same way, with the outcome the library's user
 * expects written out here.
 */
import { RedisStore } from "rate-limit-redis"
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hasOracle, type Oracle, startOracle } from "../support/oracle.ts"
import { ExecutionError, Redlock } from "../support/redlock.ts"
import { startServer, type TestServer } from "../support/server.ts"

let ours: TestServer
let oracle: Oracle | undefined
beforeAll(async () => {
  ours = await startServer()
  if (hasOracle) oracle = await startOracle()
})
afterAll(async () => {
  await ours.close()
  await oracle?.stop()
})

let runs = 0
/** Runs `scenario` on every server with a fresh ioredis client and key prefix; returns the outcomes. */
const onEveryServer = async <A>(scenario: (redis: Redis, prefix: string) => Promise<A>): Promise<Array<A>> => {
  const outcomes: Array<A> = []
  for (const port of [ours.port, ...(oracle === undefined ? [] : [oracle.port])]) {
    const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true })
    await redis.connect()
    try {
      outcomes.push(await scenario(redis, `run${runs++}`))
    } finally {
      redis.disconnect()
    }
  }
  return outcomes
}

const sameEverywhere = <A>(outcomes: ReadonlyArray<A>, expected: A) => {
  expect(outcomes[0]).toEqual(expected)
  for (const outcome of outcomes) expect(outcome).toEqual(expected)
}

describe("rate-limiter-flexible: RateLimiterRedis", () => {
  it("grants points until they run out, then rejects with the time left; penalty, reward and delete", async () => {
    const outcomes = await onEveryServer(async (redis, prefix) => {
      const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix, points: 3, duration: 10, useRedisPackage: false })
      const granted: Array<number> = []
      for (let i = 0; i < 3; i++) granted.push((await limiter.consume("user-1")).remainingPoints)
      const rejected = await limiter.consume("user-1").then(
        () => "granted",
        (res: unknown) => res instanceof RateLimiterRes ? { remaining: res.remainingPoints, consumed: res.consumedPoints, waitOk: res.msBeforeNext > 9000 && res.msBeforeNext <= 10_000 } : String(res)
      )
      const other = (await limiter.consume("user-2", 2)).remainingPoints
      const afterReward = (await limiter.reward("user-1", 2)).remainingPoints
      const afterPenalty = (await limiter.penalty("user-2", 1)).remainingPoints
      const got = await limiter.get("user-2")
      const deleted = await limiter.delete("user-2")
      const gone = await limiter.get("user-2")
      return { granted, rejected, other, afterReward, afterPenalty, consumed: got?.consumedPoints, deleted, gone }
    })
    sameEverywhere(outcomes, {
      granted: [2, 1, 0],
      rejected: { remaining: 0, consumed: 4, waitOk: true },
      other: 1,
      afterReward: 1,
      afterPenalty: 0,
      consumed: 3,
      deleted: true,
      gone: null
    })
  })
})

describe("rate-limit-redis: the express-rate-limit store", () => {
  it("counts hits per key in a window, decrements, resets, and reports the window's reset time", async () => {
    const outcomes = await onEveryServer(async (redis, prefix) => {
      const store = new RedisStore({
        prefix: `${prefix}:`,
        sendCommand: (command: string, ...args: Array<string>) => redis.call(command, ...args) as Promise<number>
      })
      store.init({ windowMs: 60_000 } as Parameters<RedisStore["init"]>[0])
      // the store loads its scripts in the background: let that finish
      await new Promise((r) => setTimeout(r, 50))
      const hits: Array<number> = []
      let resetOk = true
      for (let i = 0; i < 3; i++) {
        const { totalHits, resetTime } = await store.increment("1.2.3.4")
        hits.push(totalHits)
        const left = (resetTime?.getTime() ?? 0) - Date.now()
        resetOk &&= left > 55_000 && left <= 60_000
      }
      await store.decrement("1.2.3.4")
      const afterDecrement = (await store.get("1.2.3.4"))?.totalHits
      await store.resetKey("1.2.3.4")
      const afterReset = await redis.exists(`${prefix}:1.2.3.4`)
      const fresh = (await store.increment("1.2.3.4")).totalHits
      return { hits, resetOk, afterDecrement, afterReset, fresh }
    })
    sameEverywhere(outcomes, { hits: [1, 2, 3], resetOk: true, afterDecrement: 2, afterReset: 0, fresh: 1 })
  })
})

describe("Redlock", () => {
  it("acquires, extends and releases a lock; a contender is refused while it is held and gets it after", async () => {
    const outcomes = await onEveryServer(async (redis, prefix) => {
      const redlock = new Redlock([redis], { retryCount: 0 })
      const resource = `${prefix}:locks:order-42`
      const lock = await redlock.acquire([resource], 5000)
      const holder = await redis.get(resource)
      const ttl = await redis.pttl(resource)
      const contended = await redlock.acquire([resource], 5000).then(
        () => "acquired",
        (e: unknown) => (e instanceof ExecutionError ? "refused" : String(e))
      )
      const extended = await lock.extend(20_000)
      const extendedTtl = await redis.pttl(resource)
      const released = await extended.release()
      const afterRelease = await redis.exists(resource)
      const second = await redlock.acquire([resource], 1000)
      // releasing the stale (already released) lock does not free the new holder's lock
      const staleRelease = await lock.release().then(
        () => "released",
        (e: unknown) => (e instanceof ExecutionError ? "refused" : String(e))
      )
      const stillHeld = (await redis.get(resource)) === second.value
      await second.release()
      return {
        holderIsValue: holder === lock.value,
        ttlOk: ttl > 4000 && ttl <= 5000,
        contended,
        extendedTtlOk: extendedTtl > 15_000 && extendedTtl <= 20_000,
        releasedAttempts: released.attempts.length,
        afterRelease,
        staleRelease,
        stillHeld
      }
    })
    sameEverywhere(outcomes, {
      holderIsValue: true,
      ttlOk: true,
      contended: "refused",
      extendedTtlOk: true,
      releasedAttempts: 1,
      afterRelease: 0,
      staleRelease: "refused",
      stillHeld: true
    })
  })

  it("runs routines one at a time under `using`, with contention retried", async () => {
    const outcomes = await onEveryServer(async (redis, prefix) => {
      const redlock = new Redlock([redis], { retryCount: 50, retryDelay: 20, retryJitter: 5 })
      const log: Array<string> = []
      const routine = (name: string) =>
        redlock.using([`${prefix}:shared`], 2000, async () => {
          log.push(`${name} start`)
          await new Promise((r) => setTimeout(r, 50))
          log.push(`${name} end`)
        })
      await Promise.all([routine("a"), routine("b"), routine("c")])
      // each routine's start is followed by its own end: no two held the lock at once
      const interleaved = log.some((entry, i) => entry.endsWith("start") && log[i + 1] !== entry.replace("start", "end"))
      return { entries: log.length, interleaved }
    })
    sameEverywhere(outcomes, { entries: 6, interleaved: false })
  })
})

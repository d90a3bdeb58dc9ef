/**
 * BullMQ, unchanged, on this server and on a real redis-server: every scenario runs against both
 * (ioredis in RESP2, BullMQ's default connection, and node-redis in RESP3) and must end the same way, with the outcome a
 * BullMQ user expects written out here. BullMQ is built on about a hundred Lua scripts (EVALSHA with
 * undeclared keys, cmsgpack, cjson), blocking BZPOPMIN, and MULTI pipelines: these scenarios are what
 * running it in production exercises.
 */
import { type ConnectionOptions, FlowProducer, type Job, Queue, QueueEvents, Worker } from "bullmq"
import { Redis } from "ioredis"
import { createClient, type RedisClientType } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hasOracle, type Oracle, startOracle } from "../support/oracle.ts"
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

const targets = (): Array<[string, number]> => [["effect-redis-server", ours.port], ...(oracle === undefined ? [] : [["redis-server", oracle.port] as [string, number]])]

let queues = 0
type Client = "ioredis (RESP2)" | "node-redis (RESP3)"
let client: Client = "ioredis (RESP2)"
/** node-redis clients made for the scenario running now, closed after it (BullMQ leaves instances it was given open). */
let made: Array<RedisClientType> = []

/**
 * BullMQ's `connection` option: ioredis options (BullMQ makes its ioredis clients, RESP2), or a
 * node-redis client speaking RESP3 (BullMQ wraps it, and duplicates it for blocking commands).
 */
const connection = async (port: number): Promise<ConnectionOptions> => {
  if (client === "ioredis (RESP2)") return { host: "127.0.0.1", port, maxRetriesPerRequest: null }
  const redis = createClient({ socket: { host: "127.0.0.1", port }, RESP: 3 }) as RedisClientType
  await redis.connect()
  made.push(redis)
  return redis as unknown as ConnectionOptions
}

/** Runs `scenario` on every target with a fresh queue name; returns the outcomes by target. */
const onEveryServer = async <A>(scenario: (port: number, name: string) => Promise<A>): Promise<Array<A>> => {
  const outcomes: Array<A> = []
  for (const [, port] of targets()) {
    try {
      outcomes.push(await scenario(port, `q${queues++}`))
    } finally {
      for (const redis of made) if (redis.isOpen) redis.destroy()
      made = []
    }
  }
  return outcomes
}

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 20))
  }
}

const closeAll = async (...closables: ReadonlyArray<{ close: () => Promise<unknown> }>) => {
  for (const c of closables) await c.close()
}

describe.each(["ioredis (RESP2)", "node-redis (RESP3)"] as const)("BullMQ with %s on this server and on redis-server", (kind) => {
  beforeAll(() => {
    client = kind
  })

  it("processes jobs, retries a failing one with backoff, and counts them", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      const results: Array<[string, unknown]> = []
      const failures: Array<string> = []
      const worker = new Worker(name, async (job: Job) => {
        if (job.data.fail === true && job.attemptsMade < 2) throw new Error(`boom ${job.attemptsMade}`)
        return job.data.n * 2
      }, { connection: await connection(port), concurrency: 1 })
      worker.on("completed", (job, result) => results.push([job.name, result]))
      worker.on("failed", (job, err) => failures.push(`${job?.name}: ${err.message}`))
      await queue.add("a", { n: 1 })
      await queue.add("b", { n: 2, fail: true }, { attempts: 3, backoff: { type: "exponential", delay: 20 } })
      await queue.add("c", { n: 3, fail: true }, { attempts: 1 })
      await until(() => results.length === 2 && failures.length === 3)
      const counts = await queue.getJobCounts("completed", "failed", "waiting", "active", "delayed")
      const failed = (await queue.getFailed()).map((j) => [j.name, j.failedReason, j.attemptsMade])
      await closeAll(worker, queue)
      return { results: results.sort(), failures: failures.sort(), counts, failed }
    })
    expect(outcomes[0]).toEqual({
      results: [["a", 2], ["b", 4]],
      failures: ["b: boom 0", "b: boom 1", "c: boom 0"],
      counts: { completed: 2, failed: 1, waiting: 0, active: 0, delayed: 0 },
      failed: [["c", "boom 0", 1]]
    })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("runs delayed jobs after their delay and prioritized jobs in priority order", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      // long enough that a loaded machine still runs the others first
      await queue.add("later", {}, { delay: 1000 })
      for (const [job, priority] of [["p5", 5], ["p1", 1], ["p3", 3]] as const) await queue.add(job, {}, { priority })
      await queue.add("plain", {})
      const delayedBefore = await queue.getDelayedCount()
      const order: Array<string> = []
      const worker = new Worker(name, async (job: Job) => void order.push(job.name), { connection: await connection(port), concurrency: 1 })
      await until(() => order.length === 5)
      await closeAll(worker, queue)
      return { delayedBefore, order }
    })
    // jobs without a priority go first; then priorities low to high; the delayed one last
    expect(outcomes[0]).toEqual({ delayedBefore: 1, order: ["plain", "p1", "p3", "p5", "later"] })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("repeats a job scheduler's job, and removes the scheduler", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      let runs = 0
      const worker = new Worker(name, async () => void runs++, { connection: await connection(port) })
      await queue.upsertJobScheduler("every-100ms", { every: 100 }, { name: "tick", data: { x: 1 } })
      await until(() => runs >= 3)
      const schedulers = (await queue.getJobSchedulers()).map((s) => [s.key, s.every, s.name])
      const removed = await queue.removeJobScheduler("every-100ms")
      const after = await queue.getJobSchedulersCount()
      await closeAll(worker, queue)
      return { schedulers, removed, after }
    })
    expect(outcomes[0]).toEqual({ schedulers: [["every-100ms", 100, "tick"]], removed: true, after: 0 })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("runs a flow's children before its parent, which sees their results", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const flows = new FlowProducer({ connection: await connection(port) })
      const queue = new Queue(name, { connection: await connection(port) })
      const order: Array<string> = []
      let parentSaw: Record<string, unknown> = {}
      const worker = new Worker(name, async (job: Job) => {
        order.push(job.name)
        if (job.name === "parent") {
          parentSaw = await job.getChildrenValues()
          return "all done"
        }
        return job.data.n * 10
      }, { connection: await connection(port), concurrency: 1 })
      const tree = await flows.add({
        name: "parent",
        queueName: name,
        children: [{ name: "child1", queueName: name, data: { n: 1 } }, { name: "child2", queueName: name, data: { n: 2 } }]
      })
      const waitingChildren = await tree.job.getState()
      await until(() => order.length === 3)
      await until(async () => (await tree.job.getState()) === "completed")
      const parent = await queue.getJob(tree.job.id!)
      await closeAll(worker, flows, queue)
      return { waitingChildren, last: order[2], values: Object.values(parentSaw).sort(), parentResult: parent?.returnvalue }
    })
    expect(outcomes[0]).toEqual({ waitingChildren: "waiting-children", last: "parent", values: [10, 20], parentResult: "all done" })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("rate-limits a worker, pauses and resumes a queue, and reports events through QueueEvents", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      const events = new QueueEvents(name, { connection: await connection(port) })
      await events.waitUntilReady()
      const completed: Array<string> = []
      events.on("completed", ({ jobId }) => completed.push(jobId))
      await queue.pause()
      const pausedFlag = await queue.isPaused()
      for (let i = 0; i < 4; i++) await queue.add("job", { i })
      const worker = new Worker(name, async () => "ok", { connection: await connection(port), limiter: { max: 2, duration: 500 } })
      await new Promise((r) => setTimeout(r, 200))
      const waitingWhilePaused = await queue.getWaitingCount()
      await queue.resume()
      // two jobs, then the limiter holds the rest for about 500 ms
      await until(async () => (await queue.getCompletedCount()) >= 2)
      const ttl = await queue.getRateLimitTtl(2)
      await until(() => completed.length === 4)
      await closeAll(worker, events, queue)
      return { pausedFlag, waitingWhilePaused, limited: ttl > 0 && ttl <= 500, completed: completed.sort() }
    })
    expect(outcomes[0]).toEqual({ pausedFlag: true, waitingWhilePaused: 4, limited: true, completed: ["1", "2", "3", "4"] })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("recovers a stalled job whose worker stopped renewing its lock", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      await queue.add("stuck", { n: 1 })
      // a worker takes the job by hand and never finishes it nor renews its lock
      const taker = new Worker(name, null, { connection: await connection(port), lockDuration: 300 })
      const taken = await taker.getNextJob("token-1")
      const activeBefore = await queue.getActiveCount()
      await taker.close()
      const stalled: Array<string> = []
      const done: Array<string> = []
      const rescuer = new Worker(name, async (job: Job) => void done.push(job.name), {
        connection: await connection(port),
        stalledInterval: 200,
        lockDuration: 300
      })
      rescuer.on("stalled", (jobId) => stalled.push(jobId))
      await until(() => done.length === 1, 15_000)
      await closeAll(rescuer, queue)
      return { taken: taken?.name, activeBefore, stalled, done }
    })
    expect(outcomes[0]).toEqual({ taken: "stuck", activeBefore: 1, stalled: ["1"], done: ["stuck"] })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })

  it("obliterates a queue: none of its keys remain", async () => {
    const outcomes = await onEveryServer(async (port, name) => {
      const queue = new Queue(name, { connection: await connection(port) })
      for (let i = 0; i < 20; i++) await queue.add("job", { i }, { delay: i % 2 === 0 ? 60_000 : 0 })
      const redis = new Redis({ host: "127.0.0.1", port })
      const before = (await redis.keys(`bull:${name}:*`)).length
      await queue.obliterate({ force: true })
      const after = await redis.keys(`bull:${name}:*`)
      redis.disconnect()
      await queue.close()
      return { some: before > 20, after }
    })
    expect(outcomes[0]).toEqual({ some: true, after: [] })
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0])
  })
})

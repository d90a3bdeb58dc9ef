/**
 * Eviction against real Redis: replies that must match (OBJECT FREQ/IDLETIME errors, OOM, LFU counts
 * with lfu-log-factor 0), and a cache workload: with allkeys-lru and a working set several times
 * larger than maxmemory, a Zipf-distributed GET-or-SET load keeps memory bounded and gets a hit rate
 * within 5 points of Redis's with the same policy and samples. Both servers get the same number of
 * bytes for data: each one's maxmemory is what it reports in use when empty plus that budget (Redis's
 * used_memory counts its own structures and client buffers, ours a fixed startup baseline and what
 * the keyspace stores).
 */
import { describe, expect, it } from "vitest"
import { type Command, checkCommands, describeDifferential } from "../support/differential.ts"
import { hasOracle, skipMessage, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

describeDifferential("eviction replies", (servers) => {
  it("OBJECT FREQ outside LFU, OOM under noeviction, LFU counters with lfu-log-factor 0", async () => {
    const commands: Array<Command> = [
      ["SET", "k", "v"],
      ["OBJECT", "FREQ", "k"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
      ["CONFIG", "SET", "lfu-log-factor", "0"],
      ["SET", "f", "v"],
      ["OBJECT", "FREQ", "f"],
      ["GET", "f"],
      ["GET", "f"],
      ["HSET", "h", "a", "1"],
      ["HGET", "h", "a"],
      ["OBJECT", "FREQ", "f"],
      ["OBJECT", "FREQ", "h"],
      ["OBJECT", "IDLETIME", "f"],
      ["OBJECT", "FREQ", "nosuchkey"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "x", "y"],
      ["RPUSH", "l", "a"],
      ["GET", "f"],
      ["DEL", "f"],
      ["MULTI"],
      ["PING"],
      ["EXEC"],
      // scripts: a deny-oom command is refused until the script has written; declared flags make EVAL
      // itself deny-oom unless allow-oom or no-writes
      ["EVAL", "return redis.call('SET', 'x', 'y')", "0"],
      ["EVAL", "return redis.pcall('SET', 'x', 'y')", "0"],
      ["EVAL", "redis.call('DEL', 'nosuch'); return redis.call('SET', 'x', 'y')", "0"],
      ["EVAL", "#!lua\nreturn 1", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", "0"],
      ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', 'y', 'z')", "0"],
      ["EVAL", "#!lua flags=allow-oom,no-writes\nreturn 2", "0"],
      ["CLIENT", "NO-EVICT", "on"],
      ["CLIENT", "NO-EVICT", "maybe"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["SET", "x", "y"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory-policy", "sometimes"]
    ]
    await checkCommands(servers(), commands)
  })

  it("maxmemory 1 refuses writes on an empty server (used_memory counts the startup memory), and evicts everything then refuses", async () => {
    const commands: Array<Command> = [
      ["CONFIG", "SET", "maxmemory", "0"],
      ["FLUSHALL"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "x", "y"],
      ["GET", "x"],
      ["EVAL", "return redis.call('SET', 'x', 'y')", "0"],
      ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', 'y', 'z')", "0"],
      ["DEL", "y"],
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
      ["SET", "x", "y"],
      ["INCR", "n"],
      ["DBSIZE"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["SET", "a", "1"],
      ["HSET", "h", "f", "v"],
      ["SELECT", "2"],
      ["RPUSH", "l", "a"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["DBSIZE"],
      ["SELECT", "0"],
      ["DBSIZE"],
      ["SET", "c", "3"],
      ["GET", "a"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"]
    ]
    await checkCommands(servers(), commands)
  })
}, { oracleArgs: ["--dbfilename", "eviction-differential-none.rdb"] })

/** A deterministic PRNG (mulberry32). */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Key ranks drawn from a Zipf distribution (exponent 1) over `n` keys, by inverting its CDF. */
const zipf = (n: number, random: () => number): () => number => {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1)
  return () => {
    const u = random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const KEYS = 8000
const REQUESTS = 24000
const BATCH = 16
const BUDGET = 1_000_000
const VALUE = "v".repeat(300)

/** GET-or-SET in pipelined batches; returns the hit rate over the second half (after warm-up). */
const workload = async (conn: RawConnection): Promise<number> => {
  const next = zipf(KEYS, prng(42))
  let hits = 0
  let counted = 0
  for (let done = 0; done < REQUESTS; done += BATCH) {
    const keys = Array.from({ length: BATCH }, () => `key:${next()}`)
    const replies = await conn.pipeline(keys.map((k) => ["GET", k]))
    const misses = keys.filter((_, i) => replies[i]!.value === null)
    if (done >= REQUESTS / 2) {
      hits += BATCH - misses.length
      counted += BATCH
    }
    if (misses.length > 0) {
      const sets = await conn.pipeline(misses.map((k) => ["SET", k, VALUE]))
      for (const s of sets) expect(s.raw).toBe("+OK\r\n")
    }
  }
  return hits / counted
}

const usedMemory = async (conn: RawConnection): Promise<number> => {
  const info = (await conn.call("INFO", "memory")).value as string
  return Number(/\r\nused_memory:(\d+)\r\n/.exec(info)![1])
}

describe.skipIf(!hasOracle)(`allkeys-lru under a Zipf load${hasOracle ? "" : ` (${skipMessage})`}`, () => {
  it("memory stays bounded and the hit rate is within 5 points of Redis's", { timeout: 120_000 }, async () => {
    const server = await startServer({ "maxmemory-policy": "allkeys-lru" })
    // a dbfilename of its own: the oracle's --dir is the shared /tmp, where another test may leave a dump.rdb
    const oracle = await startOracle(["--maxmemory-policy", "allkeys-lru", "--dbfilename", "eviction-zipf-none.rdb"])
    const ours = await RawConnection.connect(server.port)
    const theirs = await RawConnection.connect(oracle.port)
    try {
      const base = await usedMemory(theirs)
      await theirs.call("CONFIG", "SET", "maxmemory", String(base + BUDGET))
      const ourBase = await usedMemory(ours)
      await ours.call("CONFIG", "SET", "maxmemory", String(ourBase + BUDGET))
      const [ourRate, theirRate] = await Promise.all([workload(ours), workload(theirs)])
      await ours.call("PING")
      expect(await usedMemory(ours)).toBeLessThanOrEqual(ourBase + BUDGET)
      const ourKeys = (await ours.call("DBSIZE")).value as number
      const theirKeys = (await theirs.call("DBSIZE")).value as number
      expect(ourKeys).toBeLessThan(KEYS / 2)
      expect(Math.abs(ourRate - theirRate), `hit rates: ours ${ourRate.toFixed(3)} (${ourKeys} keys), Redis ${theirRate.toFixed(3)} (${theirKeys} keys)`).toBeLessThanOrEqual(0.05)
    } finally {
      await Promise.all([ours.close(), theirs.close()])
      await Promise.all([server.close(), oracle.stop()])
    }
  })
})

/**
 * Memory accounting (keyspace/memory.ts): the growth of INFO used_memory against the real heap growth
 * of a process loading each type and encoding (a child with --expose-gc: test/support/memory-probe.ts),
 * and a property that the incremental bookkeeping (each database's `memory`, the counters values keep)
 * equals a recount from scratch after any sequence of writes and deletions.
 */
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { storedBytes } from "../../src/keyspace/Database.ts"
import { EXPIRE_OVERHEAD, keyBytes } from "../../src/keyspace/memory.ts"
import { StoredString } from "../../src/keyspace/StoredString.ts"
import type { ObjectValue } from "../../src/keyspace/Value.ts"
import { RedisCore } from "../../src/layers.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"

const run = promisify(execFile)
const root = Path.resolve(import.meta.dirname, "../..")

describe("memory accounting against the heap", () => {
  it("the accounting grows within 25% of the heap for every type and encoding", { timeout: 180_000 }, async () => {
    const { stdout } = await run(
      Path.join(root, "node_modules/.bin/node"),
      ["--expose-gc", Path.join(root, "test/support/memory-probe.ts"), "all"],
      { cwd: root, maxBuffer: 1 << 20 }
    )
    const results = stdout.trim().split("\n").map((line) => JSON.parse(line) as { scenario: string; heap: number; accounted: number })
    expect(results.map((r) => r.scenario)).toContain("stream-groups")
    for (const r of results) {
      expect(r.heap, r.scenario).toBeGreaterThan(500_000) // enough data for the comparison to mean something
      const ratio = r.accounted / r.heap
      expect(ratio, `${r.scenario}: accounted ${r.accounted} bytes, heap grew ${r.heap}`).toBeGreaterThan(0.75)
      expect(ratio, `${r.scenario}: accounted ${r.accounted} bytes, heap grew ${r.heap}`).toBeLessThan(1.25)
    }
  })
})

// --- incremental = recount --------------------------------------------------------------------------

/** The length counters values keep, recounted from their contents (private fields read on purpose). */
const checkCounters = (value: ObjectValue): void => {
  const v = value as unknown as Record<string, unknown>
  const sum = (items: ReadonlyArray<string>) => items.reduce((n, s) => n + s.length, 0)
  switch (value.type) {
    case "list":
      expect(v.chars).toBe(sum((value as unknown as { toArray(): Array<string> }).toArray()))
      break
    case "hash":
      if (typeof v.data !== "string") expect(v.chars).toBe(sum(v.data as Array<string>))
      break
    case "set":
      if (typeof v.data !== "string" && v.intset === false) expect(v.chars).toBe(sum(v.data as Array<string>))
      break
    case "zset": {
      const members: Array<string> = []
      ;(value as unknown as { walk(r: number, rev: boolean, f: (m: string) => boolean): void }).walk(0, false, (m) => {
        members.push(m)
        return true
      })
      if (members.length > 0) expect(v.chars).toBe(sum(members))
      break
    }
    case "stream": {
      const nodes = v.nodes as Array<{ heap: number }>
      expect(v.nodesHeap).toBe(nodes.reduce((n, node) => n + node.heap, 0))
      break
    }
  }
}

const commandArb: fc.Arbitrary<ReadonlyArray<string>> = (() => {
  const key = fc.constantFrom("a", "b", "c")
  const item = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 50 }).map(String), fc.constant("x".repeat(80)))
  const items = fc.array(item, { minLength: 1, maxLength: 40 })
  return fc.oneof(
    fc.tuple(key, item).map(([k, v]) => ["SET", `s${k}`, v]),
    fc.tuple(key, item).map(([k, v]) => ["APPEND", `s${k}`, v]),
    fc.tuple(key, items).map(([k, vs]) => ["RPUSH", `l${k}`, ...vs]),
    fc.tuple(key, items).map(([k, vs]) => ["LPUSH", `l${k}`, ...vs]),
    fc.tuple(key, fc.integer({ min: 0, max: 20 })).map(([k, n]) => ["LPOP", `l${k}`, String(n || 1)]),
    fc.tuple(key, fc.integer({ min: 0, max: 20 })).map(([k, n]) => ["RPOP", `l${k}`, String(n || 1)]),
    fc.tuple(key, fc.integer({ min: -10, max: 10 }), item).map(([k, i, v]) => ["LSET", `l${k}`, String(i), v]),
    fc.tuple(key, item, item).map(([k, p, v]) => ["LINSERT", `l${k}`, "BEFORE", p, v]),
    fc.tuple(key, fc.integer({ min: -3, max: 3 }), item).map(([k, n, v]) => ["LREM", `l${k}`, String(n), v]),
    fc.tuple(key, fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 })).map(([k, a, b]) => ["LTRIM", `l${k}`, String(a), String(b)]),
    fc.tuple(key, items).map(([k, vs]) => ["HSET", `h${k}`, ...vs.flatMap((v, i) => [`f${i % 25}`, v])]),
    fc.tuple(key, items).map(([k, vs]) => ["HDEL", `h${k}`, ...vs.map((_, i) => `f${i}`)]),
    fc.tuple(key, items).map(([k, vs]) => ["SADD", `t${k}`, ...vs]),
    fc.tuple(key, items).map(([k, vs]) => ["SREM", `t${k}`, ...vs]),
    fc.tuple(key, fc.integer({ min: 1, max: 10 })).map(([k, n]) => ["SPOP", `t${k}`, String(n)]),
    fc.tuple(key, items).map(([k, vs]) => ["ZADD", `z${k}`, ...vs.flatMap((v, i) => [String(i % 7), v])]),
    fc.tuple(key, items).map(([k, vs]) => ["ZREM", `z${k}`, ...vs]),
    fc.tuple(key, fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 10 })).map(([k, a, b]) => ["ZREMRANGEBYRANK", `z${k}`, String(a), String(b)]),
    fc.tuple(key, item).map(([k, v]) => ["ZINCRBY", `z${k}`, "1", v]),
    fc.tuple(key, item, fc.boolean()).map(([k, v, same]) => ["XADD", `x${k}`, "*", same ? "f" : `g${v.length}`, v]),
    fc.tuple(key, fc.integer({ min: 0, max: 30 })).map(([k, n]) => ["XTRIM", `x${k}`, "MAXLEN", String(n)]),
    fc.tuple(key, fc.integer({ min: 1, max: 40 })).map(([k, n]) => ["XDEL", `x${k}`, `0-${n}`]),
    fc.tuple(fc.constantFrom("s", "l", "h", "t", "z", "x"), key).map(([t, k]) => ["EXPIRE", `${t}${k}`, "1000"]),
    fc.tuple(fc.constantFrom("s", "l", "h", "t", "z", "x"), key).map(([t, k]) => ["PERSIST", `${t}${k}`]),
    fc.tuple(fc.constantFrom("s", "l", "h", "t", "z", "x"), key).map(([t, k]) => ["DEL", `${t}${k}`]),
    fc.tuple(fc.constantFrom("l", "h", "z"), key, key).map(([t, a, b]) => ["RENAME", `${t}${a}`, `${t}${b}`]),
    fc.tuple(fc.constantFrom("l", "h", "t"), key, key).map(([t, a, b]) => ["COPY", `${t}${a}`, `${t}${b}`, "REPLACE"]),
    fc.tuple(key).map(([k]) => ["SETRANGE", `s${k}`, "5", "abc"]),
    // strings in byte form: grown in place, read as bytes, turned back into strings by GET
    fc.tuple(key, fc.integer({ min: 0, max: 3000 })).map(([k, o]) => ["SETBIT", `s${k}`, String(o), "1"]),
    fc.tuple(key).map(([k]) => ["BITCOUNT", `s${k}`]),
    fc.tuple(key).map(([k]) => ["GET", `s${k}`]),
    fc.tuple(key, items).map(([k, vs]) => ["PFADD", `p${k}`, ...vs]),
    fc.tuple(key, key).map(([a, b]) => ["PFMERGE", `p${a}`, `p${b}`]),
    fc.tuple(fc.constantFrom("s", "p"), key, key).map(([t, a, b]) => ["RENAME", `${t}${a}`, `${t}${b}`]),
    fc.constant(["SWAPDB", "0", "1"]),
    fc.constant(["FLUSHDB"])
  )
})()

describe("memory accounting bookkeeping", () => {
  it("each database's memory equals a recount, and values' counters their contents, after any writes", { timeout: 120_000 }, async () => {
    const runtime = ManagedRuntime.make(RedisClient.layer.pipe(Layer.provideMerge(RedisCore({ "list-max-listpack-size": "4", "hash-max-listpack-entries": "4", "set-max-intset-entries": "8", "zset-max-listpack-entries": "4", "stream-node-max-entries": "4" }))))
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { maxLength: 60 }), async (commands) => {
          await runtime.runPromise(Effect.gen(function*() {
            const redis = yield* RedisClient
            const keyspace = yield* Keyspace
            yield* redis.command("FLUSHALL")
            for (const argv of commands) yield* Effect.ignore(redis.command(...argv))
            keyspace.reconcile()
            for (const db of keyspace.dbs) {
              let recount = 0
              for (const key of db.keys()) {
                const stored = db.entries.get(key)!
                recount += keyBytes(key)
                if (stored instanceof StoredString) {
                  if (typeof stored.value !== "string") expect(stored.value.accounted).toBe(stored.value.heapBytes())
                  recount += storedBytes(stored)
                } else {
                  checkCounters(stored)
                  expect(stored.accounted).toBe(stored.heapBytes())
                  recount += stored.accounted
                }
              }
              recount += db.expires.size * EXPIRE_OVERHEAD
              expect(db.memory).toBe(recount)
            }
          }))
        }),
        { numRuns: 150 }
      )
    } finally {
      await runtime.dispose()
    }
  })
})

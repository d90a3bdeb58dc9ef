/**
 * Run in a child process with `--expose-gc`: loads one kind of value into an in-process server and
 * prints, as JSON, how much the server's memory accounting (INFO used_memory) grew and how much the
 * heap grew after full collections. test/keyspace/memory-accounting.test.ts compares the two.
 *
 *   node --expose-gc test/support/memory-probe.ts <scenario>
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { RedisCore } from "../../src/layers.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"

type Load = (run: (...argv: Array<string>) => Effect.Effect<unknown, unknown>) => Effect.Effect<void, unknown>

const repeat = (n: number, f: (i: number) => Effect.Effect<unknown, unknown>): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    for (let i = 0; i < n; i++) yield* f(i)
  })

const text = (i: number, length: number): string => {
  const s = `v${i}:`
  return s + "x".repeat(Math.max(0, length - s.length))
}

const many = (keys: number, per: number, f: (key: string, j: number) => Array<string>): Load => (run) =>
  repeat(keys, (i) => repeat(per, (j) => run(...f(`key:${i}`, j))))

/** Each scenario adds a few MB of one type and encoding. */
export const scenarios: Record<string, Load> = {
  "string-int": (run) => repeat(20000, (i) => run("SET", `key:${i}`, String(100000 + i))),
  "string-small": (run) => repeat(20000, (i) => run("SET", `key:${i}`, text(i, 20))),
  "string-large": (run) => repeat(1500, (i) => run("SET", `key:${i}`, text(i, 1000))),
  "string-ttl": (run) => repeat(15000, (i) => run("SET", `key:${i}`, text(i, 20), "EX", "10000")),
  "list-small": many(12000, 5, (key, j) => ["RPUSH", key, text(j, 10)]),
  "list-large": many(2, 20000, (key, j) => ["RPUSH", key, text(j, 30)]),
  "hash-small": many(12000, 5, (key, j) => ["HSET", key, `field${j}`, text(j, 10)]),
  "hash-large": many(2, 10000, (key, j) => ["HSET", key, `field${j}`, text(j, 30)]),
  "set-intset-small": many(12000, 5, (key, j) => ["SADD", key, String(j * 1000)]),
  "set-intset-large": many(2, 20000, (key, j) => ["SADD", key, String(j * 7)]),
  "set-small": many(12000, 5, (key, j) => ["SADD", key, text(j, 10)]),
  "set-large": many(2, 10000, (key, j) => ["SADD", key, text(j, 30)]),
  "zset-small": many(12000, 5, (key, j) => ["ZADD", key, String(j * 1.5), text(j, 10)]),
  "zset-large": many(2, 10000, (key, j) => ["ZADD", key, String(j * 1.5), text(j, 30)]),
  "stream-small": many(4000, 1, (key, j) => ["XADD", key, "*", "field", text(j, 10)]),
  "stream-large": many(1, 20000, (key, j) => ["XADD", key, "*", "field", text(j, 30), "other", String(j)]),
  // strings in byte form (StoredString.ts): bitmaps grown by SETBIT, sparse HLLs
  "bitmap-small": (run) => repeat(15000, (i) => run("SETBIT", `key:${i}`, String(100 + (i % 50)), "1")),
  "bitmap-large": (run) => repeat(1500, (i) => run("SETBIT", `key:${i}`, String(8000 + (i % 50)), "1")),
  "hll-sparse": (run) => repeat(8000, (i) => run("PFADD", `key:${i}`, "a", "b", text(i, 8))),
  "stream-groups": (run) =>
    Effect.gen(function*() {
      yield* repeat(10000, (j) => run("XADD", "s", "*", "f", text(j, 20)))
      yield* run("XGROUP", "CREATE", "s", "g", "0")
      yield* repeat(100, (j) => run("XREADGROUP", "GROUP", "g", `c${j % 4}`, "COUNT", "100", "STREAMS", "s", ">"))
    })
}

const gcHeap = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with --expose-gc")
  for (let i = 0; i < 4; i++) gc()
  // a Buffer's bytes live outside the V8 heap (all but the smallest): counted with it
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/** Loads each scenario in turn (warmed up, then measured from an empty keyspace) and prints a JSON line for each. */
const main = async (names: ReadonlyArray<string>) => {
  const runtime = ManagedRuntime.make(RedisClient.layer.pipe(Layer.provideMerge(RedisCore({}))))
  for (const name of names) {
    const load = scenarios[name]
    if (load === undefined) throw new Error(`unknown scenario ${name}`)
    const result = await runtime.runPromise(Effect.gen(function*() {
      const redis = yield* RedisClient
      const keyspace = yield* Keyspace
      const run = (...argv: Array<string>) => redis.command(...argv)
      // warm up the paths the load takes, so code and caches are not counted as data
      yield* load(run)
      yield* run("FLUSHALL")
      const heapBefore = gcHeap()
      const accountedBefore = keyspace.usedMemory
      yield* load(run)
      const heapAfter = gcHeap()
      const accountedAfter = keyspace.usedMemory
      yield* run("FLUSHALL")
      return { scenario: name, heap: heapAfter - heapBefore, accounted: accountedAfter - accountedBefore }
    }))
    process.stdout.write(JSON.stringify(result) + "\n")
  }
  await runtime.dispose()
}

const names = process.argv.slice(2)
if (names.length > 0) await main(names[0] === "all" ? Object.keys(scenarios) : names)

/**
 * The synchronous command path alone, without sockets: ns per command for batches of 16 pipelined
 * commands through Engine.handleBatch, as redis-benchmark -P 16 sends them. For profiling the hot
 * path (`node --cpu-prof bench/engine.ts`); not a target by itself. `RANDOM_KEYS=1` gives every
 * command of 131072 its own key, as redis-benchmark -r does, to see what a change costs when keys do
 * not repeat. `ALLOC=1` prints the garbage each command leaves instead (bytes per command from V8's
 * sampling heap profiler, keeping what young collections freed) and where it was allocated.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import { Session } from "node:inspector/promises"
import { RedisCore } from "../src/layers.ts"
import { encodeCommand } from "../src/resp/ReplyParser.ts"
import { Engine } from "../src/server/Engine.ts"

const scope = Effect.runSync(Scope.make())
const engine = Context.get(await Effect.runPromise(Layer.buildWithScope(RedisCore(), scope)), Engine)
const client = engine.createClient({})
const value = "xxx"
const SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])"
const cases: Record<string, ReadonlyArray<string>> = {
  PING: ["PING"],
  SET: ["SET", "key:__rand_int__", value],
  GET: ["GET", "key:__rand_int__"],
  INCR: ["INCR", "counter:__rand_int__"],
  LPUSH: ["LPUSH", "mylist", value],
  MSET: ["MSET", ...Array.from({ length: 10 }, () => ["key:__rand_int__", value]).flat()],
  HSET: ["HSET", "myhash", "element:__rand_int__", value],
  SADD: ["SADD", "myset", "element:__rand_int__"],
  ZADD: ["ZADD", "myzset", "0", "element:__rand_int__"],
  XADD: ["XADD", "bench:xadd", "*", "field", "value"],
  XADD_TRIMMED: ["XADD", "bench:xaddt", "MAXLEN", "~", "1000", "*", "field", "value"],
  LRANGE_100: ["LRANGE", "bench:list", "0", "99"],
  ZRANGE_100: ["ZRANGE", "bench:zset", "0", "99"],
  ZRANK: ["ZRANK", "bench:zset", "member:500"],
  XRANGE_10: ["XRANGE", "bench:stream", "-", "+", "COUNT", "10"],
  GEOSEARCH: ["GEOSEARCH", "bench:geo", "FROMLONLAT", "13.361389", "38.115556", "BYRADIUS", "200", "km", "ASC", "COUNT", "10"],
  // npm run bench's issue 19 cases (same keys and data as bench/run.ts)
  SETBIT: ["SETBIT", "bench:bits", "12345", "1"],
  BITCOUNT: ["BITCOUNT", "bench:bitmap"],
  PFADD: ["PFADD", "bench:hll", "element"],
  PFCOUNT: ["PFCOUNT", "bench:hllcount"],
  // npm run bench's EVALSHA case: one SET and one GET
  EVALSHA: ["EVALSHA", createHash("sha1").update(SCRIPT).digest("hex"), "1", "bench:script", "value"]
}
// the data the read cases need, as `npm run bench` loads it
const range = (n: number) => Array.from({ length: n }, (_, i) => i)
for (const argv of [
  ["RPUSH", "bench:list", ...range(600).map(() => "xxx")],
  ["ZADD", "bench:zset", ...range(1000).flatMap((i) => [String(i), `member:${i}`])],
  ["GEOADD", "bench:geo", ...range(1000).flatMap((i) => [String(12 + (i % 40) * 0.07), String(37 + Math.floor(i / 40) * 0.08), `place:${i}`])],
  ...range(1000).map((i) => ["XADD", "bench:stream", `${i + 1}-0`, "field", "value"]),
  ["SCRIPT", "LOAD", SCRIPT],
  ["SET", "bench:bitmap", "\x55".repeat(1024)],
  ["PFADD", "bench:hllcount", ...range(1000).map((i) => `element:${i}`)]
]) engine.processCommand(client, argv)
client.reply.take()
/** Bytes allocated per command while `run` executes `commands` commands, and the top allocating sites. */
async function allocations(name: string, run: () => void, commands: number) {
  const session = new Session()
  session.connect()
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  run()
  const { profile } = await session.post("HeapProfiler.stopSampling")
  session.disconnect()
  const sites: Array<[number, string]> = []
  const frame = (node: typeof profile.head) =>
    `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").slice(-2).join("/")}:${
      node.callFrame.lineNumber + 1
    }`
  const walk = (node: typeof profile.head, path: ReadonlyArray<string>) => {
    const here = [...path, frame(node)]
    if (node.selfSize > 0) sites.push([node.selfSize, here.slice(-3).reverse().join(" <- ")])
    for (const child of node.children) walk(child, here)
  }
  walk(profile.head, [])
  const total = sites.reduce((sum, [bytes]) => sum + bytes, 0)
  console.log(`${name.padEnd(6)} ${(total / commands).toFixed(0)} bytes/command`)
  for (const [bytes, site] of sites.sort((a, b) => b[0] - a[0]).slice(0, 5)) {
    console.log(`  ${(bytes / commands).toFixed(0).padStart(7)}  ${site}`)
  }
}

const only = process.argv[2]
for (const [name, argv] of Object.entries(cases)) {
  if (only !== undefined && only !== name) continue
  // as redis-benchmark sends them without -r: the same literal key ("key:__rand_int__") every time;
  // RANDOM_KEYS=1 makes every key of 131072 commands different, as -r does
  const randomKeys = process.env["RANDOM_KEYS"] === "1"
  let serial = 0
  const encode = () =>
    encodeCommand(randomKeys ? argv.map((a) => a.replace("__rand_int__", String(serial++).padStart(12, "0"))) : argv)
  const batches = Array.from({ length: randomKeys ? 8192 : 64 }, () => Buffer.concat(Array.from({ length: 16 }, encode)))
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      engine.handleBatch(client, [batches[i % batches.length]!])
      client.reply.take()
      client.reply.recycle() // as the server does once the socket has written the replies
    }
  }
  const heavy = name.includes("RANGE") || name === "GEOSEARCH"
  run(heavy ? 2_000 : 20_000) // warm up the JIT
  const n = heavy ? 5_000 : 200_000
  if (process.env["ALLOC"] === "1") {
    await allocations(name, () => run(n / 10), (n / 10) * 16)
    continue
  }
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  run(n)
  const ns = ((performance.now() - t0) * 1e6) / (n * 16)
  const cpu = process.cpuUsage(cpu0)
  // CPU time too: on a shared machine it moves less than wall time
  console.log(`${name.padEnd(6)} ${ns.toFixed(0)} ns/command (cpu ${(((cpu.user + cpu.system) * 1e3) / (n * 16)).toFixed(0)})`)
}
await Effect.runPromise(Scope.close(scope, (await import("effect/Exit")).void))

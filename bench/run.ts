/**
 * `npm run bench`: this server and a real redis-server side by side in one run.
 *
 * Throughput: redis-benchmark (-c 50, -P 1 and -P 16) against each server alternately, several rounds,
 * median req/s per server and the ratio ours/redis, with the CPU time each server spent per request
 * (median over the rounds): on a shared machine req/s swings with the neighbours, CPU per request
 * much less. Memory (`--memory`, or `npm run bench -- --memory`):
 * RSS of each process after loading 1 million small keys of each type.
 *
 * Options: --rounds N (default 3), --requests N (per -P 1 run; -P 16 runs do 8x), --only a,b (test
 * names), --memory (memory table only), --keys N (keys per type for the memory table), --flush
 * (FLUSHALL both servers before each case), --persistence (issue 16: SET with the AOF on, RDB load time,
 * GET latency during BGSAVE; --keys sets the file size), --scripts (issue 18: SCRIPT LOAD of all of
 * BullMQ's scripts, BullMQ jobs/s added and processed; --jobs N; EVALSHA is a throughput case), --tls
 * (issue 15: SET and GET over TLS on both servers with the same certificates, made with openssl in a
 * temp dir, client certificates required), --acl (issue 15: SET and GET as a restricted user on both),
 * --eviction (issue 19: SET -P 16 with maxmemory reached and allkeys-lru evicting; --budget sets the
 * bytes for data), --replication (issue 17: SET -P 16 on a master with a replica of its kind, and the
 * replica's lag). Tables are printed as Markdown.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import { encodeCommand, ReplyParser } from "../src/resp/ReplyParser.ts"

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : (args[i + 1] ?? fallback)
}
const flag = (name: string) => args.includes(`--${name}`)

interface BenchCase {
  /** Name in the table (redis-benchmark's test name for built-in tests). */
  readonly name: string
  /** `-t` test name, or a custom command line. */
  readonly test?: string
  readonly command?: ReadonlyArray<string>
  /** Commands that prepare the data the case reads (sent once to each server before measuring). */
  readonly setup?: () => ReadonlyArray<ReadonlyArray<string>>
  /** The issue that set the target. */
  readonly issue: number
  /** Fraction of --requests to send (slow commands: a run should take seconds, not minutes). */
  readonly scale?: number
  /** Connections SUBSCRIBEd to `bench:channel` on each server while the case runs, reading what they get. */
  readonly subscribers?: number
  /** The issue's targets at -P 1 and -P 16 when they are not the usual 0.9x and 0.5x. */
  readonly targets?: readonly [number, number]
}

/** The script of the EVALSHA case (issue 18): one SET and one GET. */
const EVALSHA_SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])"
const EVALSHA_SHA = createHash("sha1").update(EVALSHA_SCRIPT).digest("hex")

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

const cases: ReadonlyArray<BenchCase> = [
  { name: "SET", test: "set", issue: 2 },
  { name: "GET", test: "get", issue: 2 },
  { name: "INCR", test: "incr", issue: 2 },
  { name: "MSET (10 keys)", test: "mset", issue: 2 },
  { name: "LPUSH", test: "lpush", issue: 3 },
  { name: "LPOP", test: "lpop", issue: 3 },
  {
    name: "LRANGE_100 (first 100 elements)",
    command: ["LRANGE", "bench:list", "0", "99"],
    setup: () => [["DEL", "bench:list"], ["RPUSH", "bench:list", ...range(600).map(() => "xxx")]],
    issue: 3
  },
  { name: "HSET", test: "hset", issue: 3 },
  { name: "SADD", test: "sadd", issue: 3 },
  { name: "SPOP", test: "spop", issue: 3 },
  { name: "ZADD", test: "zadd", issue: 4 },
  {
    name: "ZRANGE (100 elements)",
    command: ["ZRANGE", "bench:zset", "0", "99"],
    setup: () => [["DEL", "bench:zset"], ["ZADD", "bench:zset", ...range(1000).flatMap((i) => [String(i), `member:${i}`])]],
    issue: 4
  },
  {
    name: "ZRANK",
    command: ["ZRANK", "bench:zset", "member:500"],
    setup: () => [["DEL", "bench:zset"], ["ZADD", "bench:zset", ...range(1000).flatMap((i) => [String(i), `member:${i}`])]],
    issue: 4
  },
  {
    name: "GEOSEARCH (200 km, 10 nearest)",
    command: ["GEOSEARCH", "bench:geo", "FROMLONLAT", "13.361389", "38.115556", "BYRADIUS", "200", "km", "ASC", "COUNT", "10"],
    scale: 0.05,
    setup: () => [
      ["DEL", "bench:geo"],
      ["GEOADD", "bench:geo", ...range(1000).flatMap((i) => [String(12 + (i % 40) * 0.07), String(37 + Math.floor(i / 40) * 0.08), `place:${i}`])]
    ],
    issue: 4
  },
  // redis-benchmark 7.0 has no built-in xadd test
  { name: "XADD", command: ["XADD", "bench:xadd", "*", "field", "value"], setup: () => [["DEL", "bench:xadd"]], issue: 5 },
  {
    name: "XRANGE (10 entries)",
    command: ["XRANGE", "bench:stream", "-", "+", "COUNT", "10"],
    setup: () => [["DEL", "bench:stream"], ...range(1000).map((i) => ["XADD", "bench:stream", `${i + 1}-0`, "field", "value"])],
    issue: 5
  },
  { name: "PUBLISH (1 subscriber)", command: ["PUBLISH", "bench:channel", "hello"], subscribers: 1, issue: 14 },
  { name: "PUBLISH (50 subscribers)", command: ["PUBLISH", "bench:channel", "hello"], subscribers: 50, scale: 0.25, issue: 14 },
  { name: "SETBIT", command: ["SETBIT", "bench:bits", "12345", "1"], issue: 19 },
  {
    name: "BITCOUNT (1 KB)",
    command: ["BITCOUNT", "bench:bitmap"],
    setup: () => [["DEL", "bench:bitmap"], ["SET", "bench:bitmap", "\x55".repeat(1024)]],
    issue: 19
  },
  { name: "PFADD", command: ["PFADD", "bench:hll", "element"], issue: 19 },
  {
    name: "PFCOUNT (1000 elements)",
    command: ["PFCOUNT", "bench:hllcount"],
    setup: () => [["DEL", "bench:hllcount"], ["PFADD", "bench:hllcount", ...range(1000).map((i) => `element:${i}`)]],
    issue: 19
  },
  {
    name: "EVALSHA (SET + GET)",
    command: ["EVALSHA", EVALSHA_SHA, "1", "bench:script", "value"],
    setup: () => [["SCRIPT", "LOAD", EVALSHA_SCRIPT]],
    targets: [0.8, 0.5],
    issue: 18
  }
]

/** `n` subscribers of bench:channel in a process of their own (bench/subscribers.ts); resolves once all are subscribed. */
const subscribe = (port: number, n: number): Promise<() => void> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("subscribers.ts", import.meta.url)), String(port), String(n)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.once("exit", (code) => reject(new Error(`subscribers exited with ${code}`)))
    child.stdout!.once("data", () => resolve(() => child.kill()))
  })

// --- processes -------------------------------------------------------------------------------------

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = Net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const a = s.address()
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0))
    })
  })

interface Server {
  readonly name: string
  readonly port: number
  readonly process: ChildProcess
}

const waitForPort = async (port: number) => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = Net.connect(port, "127.0.0.1", () => {
        c.end()
        resolve(true)
      })
      c.once("error", () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const root = fileURLToPath(new URL("..", import.meta.url))

const startRedis = async (extra: ReadonlyArray<string> = []): Promise<Server> => {
  const port = await freePort()
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra], {
    stdio: "ignore"
  })
  await waitForPort(port)
  return { name: "redis-server", port, process: child }
}

/** The V8 flags `npm start` runs the server with (package.json config.v8Flags). */
const v8Flags: ReadonlyArray<string> = (JSON.parse(readFileSync(`${root}package.json`, "utf8")).config?.v8Flags ?? "")
  .split(/\s+/)
  .filter((f: string) => f.length > 0)

const startOurs = async (extra: ReadonlyArray<string> = []): Promise<Server> => {
  const port = await freePort()
  const child = spawn(process.execPath, [...v8Flags, "src/main.ts", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra], {
    cwd: root,
    stdio: "ignore"
  })
  await waitForPort(port)
  return { name: "effect-redis-server", port, process: child }
}

const stop = (s: Server) =>
  new Promise<void>((resolve) => {
    if (s.process.exitCode !== null) return resolve()
    s.process.once("exit", () => resolve())
    s.process.kill("SIGTERM")
    setTimeout(() => s.process.kill("SIGKILL"), 3000).unref()
  })

/** CPU time (user + system) a process has used so far, in microseconds (/proc/<pid>/stat, 100 Hz ticks). */
const cpuMicros = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // fields after the ")" that closes the command name: state is field 3, utime 14 and stime 15
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const rssBytes = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const m = /VmRSS:\s+(\d+) kB/.exec(status)
  return m === null ? 0 : Number(m[1]) * 1024
}

// --- a pipelining loader ------------------------------------------------------------------------------

/** Sends commands pipelined in batches; returns the number of error replies. */
const send = (port: number, commands: Iterable<ReadonlyArray<string>>, batch = 2000): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    const parser = new ReplyParser({ bulk: "latin1" })
    const iterator = commands[Symbol.iterator]()
    let inFlight = 0
    let errors = 0
    let done = false
    const pump = () => {
      const chunk: Buffer[] = []
      while (chunk.length < batch) {
        const next = iterator.next()
        if (next.done === true) {
          done = true
          break
        }
        chunk.push(encodeCommand(next.value))
      }
      inFlight += chunk.length
      if (chunk.length > 0) socket.write(Buffer.concat(chunk))
      if (done && inFlight === 0) {
        socket.end()
        resolve(errors)
      }
    }
    socket.on("connect", pump)
    socket.on("error", reject)
    socket.on("data", (data) => {
      parser.feed(data)
      for (let r = parser.next(); r !== undefined; r = parser.next()) {
        if (r.value instanceof Error) errors++
        inFlight--
      }
      if (inFlight === 0) pump()
    })
  })

// --- throughput -----------------------------------------------------------------------------------------

/** `extra`: more redis-benchmark options (--tls and its certificates). */
const benchmark = (port: number, c: BenchCase, pipeline: number, requests: number, extra: ReadonlyArray<string> = []): number => {
  const base = ["-p", String(port), "-h", "127.0.0.1", "-c", "50", "-P", String(pipeline), "-n", String(requests), "--csv", ...extra]
  const argv = c.test !== undefined ? [...base, "-t", c.test] : [...base, ...c.command!]
  const out = execFileSync("redis-benchmark", argv, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
  const rows = out.trim().split("\n").filter((l) => !l.startsWith("\"test\""))
  const cells = rows.at(-1)?.split(",").map((v) => v.replace(/"/g, "")) ?? []
  return Number(cells[1])
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a")

/** Whether the server accepts a case's command at all (families not implemented yet are skipped). */
const supported = async (port: number, c: BenchCase): Promise<boolean> => {
  const probe: ReadonlyArray<string> = c.command ?? {
    set: ["SET", "bench:probe", "x"],
    get: ["GET", "bench:probe"],
    incr: ["INCR", "bench:probe:n"],
    mset: ["MSET", "bench:probe", "x"],
    lpush: ["LPUSH", "bench:probe:l", "x"],
    lpop: ["LPOP", "bench:probe:l"],
    hset: ["HSET", "bench:probe:h", "f", "v"],
    sadd: ["SADD", "bench:probe:s", "m"],
    spop: ["SPOP", "bench:probe:s"],
    zadd: ["ZADD", "bench:probe:z", "1", "m"]
  }[c.test!]!
  const errors = await send(port, [...(c.setup?.() ?? []), probe])
  return errors === 0
}

const throughput = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000"))
  const only = option("only", "").split(",").filter((s) => s.length > 0).map((s) => s.toLowerCase())
  const selected = cases.filter((c) => only.length === 0 || only.some((o) => c.name.toLowerCase().startsWith(o)))
  const [redis, ours] = [await startRedis(), await startOurs()]
  const rows: Array<{ c: BenchCase; p: number; redis: number; ours: number; redisCpu: number; oursCpu: number }> = []
  try {
    for (const c of selected) {
      // --flush: each case starts from empty servers instead of the data the earlier cases left
      if (flag("flush")) for (const s of [redis, ours]) await send(s.port, [["FLUSHALL"]])
      if (!(await supported(ours.port, c))) {
        console.error(`${c.name}: not supported by this server yet, skipped`)
        continue
      }
      await send(redis.port, c.setup?.() ?? [])
      const unsubscribe = c.subscribers === undefined
        ? []
        : await Promise.all([redis, ours].map((s) => subscribe(s.port, c.subscribers!)))
      try {
        for (const p of [1, 16]) {
          const n = Math.max(1000, Math.round((p === 1 ? requests : requests * 8) * (c.scale ?? 1)))
          // an uncounted run first: the JIT of our server warms up, redis-server gets the same treatment
          for (const s of [redis, ours]) benchmark(s.port, c, p, Math.ceil(n / 4))
          const results = { redis: [] as number[], ours: [] as number[] }
          const cpu = { redis: [] as number[], ours: [] as number[] }
          for (let r = 0; r < rounds; r++) {
            // alternate which server goes first, so drift on a shared machine hits both equally
            const order = r % 2 === 0 ? [redis, ours] : [ours, redis]
            for (const s of order) {
              const before = cpuMicros(s.process.pid!)
              const rps = benchmark(s.port, c, p, n)
              ;(s === redis ? results.redis : results.ours).push(rps)
              ;(s === redis ? cpu.redis : cpu.ours).push((cpuMicros(s.process.pid!) - before) / n)
            }
          }
          const row = {
            c,
            p,
            redis: median(results.redis),
            ours: median(results.ours),
            redisCpu: median(cpu.redis),
            oursCpu: median(cpu.ours)
          }
          rows.push(row)
          console.error(`${c.name} -P ${p}: redis ${fmt(row.redis)}  ours ${fmt(row.ours)}  ratio ${(row.ours / row.redis).toFixed(2)}`)
        }
      } finally {
        for (const close of unsubscribe) close()
      }
    }
  } finally {
    await Promise.all([stop(redis), stop(ours)])
  }
  const target = (c: BenchCase, p: number) => (c.targets ?? [0.9, 0.5])[p === 1 ? 0 : 1]
  const lines = [
    `redis-benchmark -c 50, median of ${rounds} alternating rounds, ${requests} requests at -P 1 and ${requests * 8} at -P 16 (GEOSEARCH: 5% of that)`,
    "",
    "| test | -P | redis-server req/s | effect-redis-server req/s | ratio | target | server CPU us/request (redis / ours) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.c.name} | ${r.p} | ${fmt(r.redis)} | ${fmt(r.ours)} | ${(r.ours / r.redis).toFixed(2)}x | ${target(r.c, r.p) <= r.ours / r.redis ? ">=" : "<"} ${
        target(r.c, r.p)
      }x | ${r.redisCpu.toFixed(1)} / ${r.oursCpu.toFixed(1)} |`
    )
  ]
  console.log(lines.join("\n"))
}

// --- memory -------------------------------------------------------------------------------------------------

interface MemoryCase {
  readonly type: string
  readonly command: (i: number) => ReadonlyArray<string>
}

const memoryCases: ReadonlyArray<MemoryCase> = [
  { type: "string", command: (i) => ["SET", `key:${i}`, `value:${i}`] },
  { type: "list", command: (i) => ["RPUSH", `list:${i}`, "a", "b", "c"] },
  { type: "hash", command: (i) => ["HSET", `hash:${i}`, "f1", "v1", "f2", "v2"] },
  { type: "set", command: (i) => ["SADD", `set:${i}`, "a", "b", "c"] },
  { type: "zset", command: (i) => ["ZADD", `zset:${i}`, "1", "a", "2", "b"] },
  { type: "stream", command: (i) => ["XADD", `stream:${i}`, "1-1", "f", "v"] }
]

function* generate(c: MemoryCase, n: number): Generator<ReadonlyArray<string>> {
  for (let i = 0; i < n; i++) yield c.command(i)
}

const memory = async () => {
  const keys = Number(option("keys", "1000000"))
  const rows: string[] = []
  for (const c of memoryCases) {
    const [redis, ours] = [await startRedis(), await startOurs()]
    try {
      const base = { redis: rssBytes(redis.process.pid!), ours: rssBytes(ours.process.pid!) }
      if ((await send(ours.port, [c.command(-1)])) > 0) {
        console.error(`${c.type}: not supported by this server yet, skipped`)
        continue
      }
      const [e1, e2] = await Promise.all([send(redis.port, generate(c, keys)), send(ours.port, generate(c, keys))])
      if (e1 + e2 > 0) throw new Error(`${c.type}: ${e1} errors from redis, ${e2} from ours`)
      await new Promise((r) => setTimeout(r, 1000))
      const after = { redis: rssBytes(redis.process.pid!), ours: rssBytes(ours.process.pid!) }
      const mb = (b: number) => (b / 1024 / 1024).toFixed(0)
      const ratio = after.ours / after.redis
      rows.push(`| ${c.type} | ${mb(after.redis)} MB | ${mb(after.ours)} MB | ${ratio.toFixed(2)}x | ${mb(base.redis)} / ${mb(base.ours)} MB |`)
      console.error(rows.at(-1))
    } finally {
      await Promise.all([stop(redis), stop(ours)])
    }
  }
  console.log(
    [
      `RSS (VmRSS) after loading ${keys.toLocaleString("en-US")} small keys of each type (target <= 2.5x)`,
      "",
      "| type | redis-server | effect-redis-server | ratio | empty servers (redis / ours) |",
      "|---|---|---|---|---|",
      ...rows
    ].join("\n")
  )
}

// --- persistence (issue 16) -----------------------------------------------------------------------

/** Until PING answers PONG (not LOADING): ms since `since`. */
const untilReady = async (port: number, since: number): Promise<number> => {
  await waitForPort(port)
  for (;;) {
    const reply = await new Promise<string>((resolve) => {
      const c = Net.connect(port, "127.0.0.1", () => c.write(encodeCommand(["PING"])))
      c.once("data", (d) => {
        c.destroy()
        resolve(d.toString("latin1"))
      })
      c.once("error", () => resolve("-ERR"))
    })
    if (reply.startsWith("+PONG")) return performance.now() - since
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** 1 million keys, a fifth of each type: small strings, hashes, lists, sets and sorted sets. */
function* mixedKeys(n: number): Generator<ReadonlyArray<string>> {
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        yield ["SET", `s:${i}`, `value:${i}`]
        break
      case 1:
        yield ["HSET", `h:${i}`, "a", "1", "b", "2"]
        break
      case 2:
        yield ["RPUSH", `l:${i}`, "a", "b", "c"]
        break
      case 3:
        yield ["SADD", `t:${i}`, "a", "b", "c"]
        break
      default:
        yield ["ZADD", `z:${i}`, "1", "a", "2", "b"]
    }
  }
}

/** Worst and 99th-percentile latency of GETs sent one at a time for `ms` milliseconds, BGSAVE sent after 300 ms. */
const latencyDuringBgsave = (port: number, ms: number): Promise<{ max: number; p99: number; count: number }> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    const control = Net.connect(port, "127.0.0.1")
    const latencies: Array<number> = []
    const started = performance.now()
    let sentAt = 0
    const next = () => {
      if (performance.now() - started > ms) {
        socket.destroy()
        control.destroy()
        const sorted = [...latencies].sort((a, b) => a - b)
        return resolve({ max: sorted.at(-1) ?? 0, p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0, count: sorted.length })
      }
      sentAt = performance.now()
      socket.write(encodeCommand(["GET", "s:0"]))
    }
    socket.on("connect", next)
    socket.on("data", () => {
      latencies.push(performance.now() - sentAt)
      next()
    })
    socket.on("error", reject)
    setTimeout(() => control.write(encodeCommand(["BGSAVE"])), 300)
  })

const persistence = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000"))
  const keys = Number(option("keys", "1000000"))
  const { mkdtempSync, rmSync } = await import("node:fs")
  const { tmpdir } = await import("node:os")
  const { join } = await import("node:path")
  const lines: Array<string> = []
  // SET with the AOF on, each server in a directory of its own
  const aofRows: Array<string> = []
  for (const [fsync, pipelines] of [["everysec", [1, 16]], ["always", [16]]] as const) {
    const dirs = [mkdtempSync(join(tmpdir(), "bench-aof-redis-")), mkdtempSync(join(tmpdir(), "bench-aof-ours-"))]
    const [redis, ours] = [
      await startRedis(["--appendonly", "yes", "--appendfsync", fsync, "--dir", dirs[0]!]),
      await startOurs(["--appendonly", "yes", "--appendfsync", fsync, "--dir", dirs[1]!])
    ]
    try {
      for (const p of pipelines) {
        const n = p === 1 ? requests : requests * 8
        const c: BenchCase = { name: "SET", test: "set", issue: 16 }
        for (const s of [redis, ours]) benchmark(s.port, c, p, Math.ceil(n / 4))
        const results = { redis: [] as number[], ours: [] as number[] }
        for (let r = 0; r < rounds; r++) {
          for (const s of r % 2 === 0 ? [redis, ours] : [ours, redis]) (s === redis ? results.redis : results.ours).push(benchmark(s.port, c, p, n))
        }
        const [rr, oo] = [median(results.redis), median(results.ours)]
        const target = fsync === "always" ? ">= 0.8x" : p === 1 ? ">= 0.9x" : ">= 0.5x"
        aofRows.push(`| SET, appendfsync ${fsync} | ${p} | ${fmt(rr)} | ${fmt(oo)} | ${(oo / rr).toFixed(2)}x | ${target} |`)
        console.error(aofRows.at(-1))
      }
    } finally {
      await Promise.all([stop(redis), stop(ours)])
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    }
  }
  lines.push(
    `SET with the AOF on (redis-benchmark -c 50, median of ${rounds} alternating rounds)`,
    "",
    "| test | -P | redis-server req/s | effect-redis-server req/s | ratio | target |",
    "|---|---|---|---|---|---|",
    ...aofRows,
    ""
  )
  // an RDB of `keys` mixed keys written by redis-server, loaded by each server
  const dir = mkdtempSync(join(tmpdir(), "bench-rdb-"))
  try {
    const maker = await startRedis(["--dir", dir])
    await send(maker.port, mixedKeys(keys))
    await send(maker.port, [["SAVE"]])
    await stop(maker)
    const loadRows: Array<string> = []
    const times = { redis: [] as number[], ours: [] as number[], redisEmpty: [] as number[], oursEmpty: [] as number[] }
    for (let r = 0; r < rounds; r++) {
      for (const [name, start] of [["redis", startRedis], ["ours", startOurs]] as const) {
        for (const empty of [true, false]) {
          const t0 = performance.now()
          const s = await start(["--dir", dir, "--dbfilename", empty ? "none.rdb" : "dump.rdb"])
          const ms = await untilReady(s.port, t0)
          ;(empty ? (name === "redis" ? times.redisEmpty : times.oursEmpty) : name === "redis" ? times.redis : times.ours).push(ms)
          await stop(s)
        }
      }
    }
    const load = { redis: median(times.redis) - median(times.redisEmpty), ours: median(times.ours) - median(times.oursEmpty) }
    loadRows.push(`| ${keys.toLocaleString("en-US")} mixed keys | ${load.redis.toFixed(0)} ms | ${load.ours.toFixed(0)} ms | ${(load.ours / load.redis).toFixed(2)}x | <= 2x |`)
    console.error(loadRows.at(-1))
    lines.push(
      `Loading an RDB file redis-server wrote (start to PING answering, less the start with no file; median of ${rounds})`,
      "",
      "| file | redis-server | effect-redis-server | ratio | target |",
      "|---|---|---|---|---|",
      ...loadRows,
      ""
    )
    // GET latency while BGSAVE writes those keys
    const latencyRows: Array<string> = []
    for (const [name, start] of [["redis-server", startRedis], ["effect-redis-server", startOurs]] as const) {
      const s = await start(["--dir", dir, "--dbfilename", "dump.rdb"])
      await untilReady(s.port, performance.now())
      const l = await latencyDuringBgsave(s.port, 4000)
      latencyRows.push(`| ${name} | ${l.count.toLocaleString("en-US")} | ${l.p99.toFixed(2)} ms | ${l.max.toFixed(2)} ms |`)
      console.error(latencyRows.at(-1))
      await stop(s)
    }
    lines.push(
      `GET one at a time for 4 s while BGSAVE writes the ${keys.toLocaleString("en-US")} keys (target: no request over 50 ms)`,
      "",
      "| server | GETs | p99 | worst |",
      "|---|---|---|---|",
      ...latencyRows
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(lines.join("\n"))
}

// --- scripting (issue 18) -------------------------------------------------------------------------

/** BullMQ's Lua scripts as it sends them (its build inlines the includes). */
const bullmqScripts = async (): Promise<Array<string>> => {
  const { createRequire } = await import("node:module")
  const scripts = createRequire(import.meta.url)("bullmq/dist/cjs/scripts/index.js") as Record<string, { content: string }>
  return Object.values(scripts).map((s) => s.content)
}

/** Jobs per second BullMQ adds (50 adds in flight) and then processes with one worker (concurrency 1). */
const bullmqThroughput = async (port: number, jobs: number, name: string): Promise<{ added: number; processed: number }> => {
  const { Queue, Worker } = await import("bullmq")
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null }
  const queue = new Queue(name, { connection })
  const t0 = performance.now()
  for (let i = 0; i < jobs; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, jobs - i) }, (_, k) => queue.add("job", { i: i + k }, { removeOnComplete: true })))
  }
  const added = jobs / ((performance.now() - t0) / 1000)
  let done = 0
  const t1 = performance.now()
  let allDone = () => {}
  const finished = new Promise<void>((resolve) => (allDone = resolve))
  const worker = new Worker(name, async () => {
    if (++done === jobs) allDone()
    return 1
  }, { connection })
  await finished
  const processed = jobs / ((performance.now() - t1) / 1000)
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  return { added, processed }
}

const scripting = async () => {
  const rounds = Number(option("rounds", "3"))
  const jobs = Number(option("jobs", "5000"))
  const scripts = await bullmqScripts()
  const [redis, ours] = [await startRedis(), await startOurs()]
  const results = { loadRedis: [] as number[], loadOurs: [] as number[], redis: [] as Array<{ added: number; processed: number }>, ours: [] as Array<{ added: number; processed: number }> }
  try {
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? [redis, ours] : [ours, redis]) {
        await send(s.port, [["SCRIPT", "FLUSH"]])
        const t0 = performance.now()
        const errors = await send(s.port, scripts.map((script) => ["SCRIPT", "LOAD", script]), 1)
        if (errors > 0) throw new Error(`${s.name}: ${errors} scripts not loaded`)
        ;(s === redis ? results.loadRedis : results.loadOurs).push(performance.now() - t0)
        ;(s === redis ? results.redis : results.ours).push(await bullmqThroughput(s.port, jobs, `bench${r}`))
      }
      console.error(`round ${r}: load ${results.loadRedis.at(-1)!.toFixed(0)} / ${results.loadOurs.at(-1)!.toFixed(0)} ms`)
    }
  } finally {
    await Promise.all([stop(redis), stop(ours)])
  }
  const pick = (xs: ReadonlyArray<{ added: number; processed: number }>, k: "added" | "processed") => median(xs.map((x) => x[k]))
  const row = (name: string, r: number, o: number, unit: string, lowerIsBetter = false) =>
    `| ${name} | ${fmt(r)} ${unit} | ${fmt(o)} ${unit} | ${(lowerIsBetter ? r / o : o / r).toFixed(2)}x |`
  console.log(
    [
      `BullMQ ${scripts.length} scripts and ${jobs} jobs, median of ${rounds} alternating rounds (ratio: ours relative to redis-server, higher is better)`,
      "",
      "| test | redis-server | effect-redis-server | ratio |",
      "|---|---|---|---|",
      row(`SCRIPT LOAD of all BullMQ scripts (one at a time)`, median(results.loadRedis), median(results.loadOurs), "ms", true),
      row("BullMQ jobs added (50 in flight)", pick(results.redis, "added"), pick(results.ours, "added"), "jobs/s"),
      row("BullMQ jobs processed (one worker)", pick(results.redis, "processed"), pick(results.ours, "processed"), "jobs/s")
    ].join("\n")
  )
}

/**
 * SET and GET at -P 1 and -P 16 on both servers, alternating rounds, through `portOf` with the same
 * client arguments for both (TLS, a user): Markdown rows with the ratio and the CPU per request.
 */
const sideBySide = (
  redis: Server,
  ours: Server,
  rounds: number,
  requests: number,
  portOf: (s: Server) => number,
  clientArgs: ReadonlyArray<string>,
  label: (c: BenchCase) => string
): Array<string> => {
  const rows: Array<string> = []
  for (const c of [{ name: "SET", test: "set", issue: 15 }, { name: "GET", test: "get", issue: 15 }] as const) {
    for (const p of [1, 16]) {
      const n = p === 1 ? requests : requests * 8
      for (const s of [redis, ours]) benchmark(portOf(s), c, p, Math.ceil(n / 4), clientArgs)
      const results = { redis: [] as number[], ours: [] as number[] }
      const cpu = { redis: [] as number[], ours: [] as number[] }
      for (let r = 0; r < rounds; r++) {
        for (const s of r % 2 === 0 ? [redis, ours] : [ours, redis]) {
          const before = cpuMicros(s.process.pid!)
          ;(s === redis ? results.redis : results.ours).push(benchmark(portOf(s), c, p, n, clientArgs))
          ;(s === redis ? cpu.redis : cpu.ours).push((cpuMicros(s.process.pid!) - before) / n)
        }
      }
      const [rr, oo] = [median(results.redis), median(results.ours)]
      rows.push(`| ${label(c)} | ${p} | ${fmt(rr)} | ${fmt(oo)} | ${(oo / rr).toFixed(2)}x | ${median(cpu.redis).toFixed(1)} / ${median(cpu.ours).toFixed(1)} |`)
      console.error(rows.at(-1))
    }
  }
  return rows
}

// --- ACL (issue 15) ------------------------------------------------------------------------------------

/** SET and GET as a restricted user (a key pattern and command rules), the same user on both servers. */
const acl = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000"))
  const [redis, ours] = [await startRedis(), await startOurs()]
  const rows: Array<string> = []
  try {
    // redis-benchmark reads CONFIG GET save/appendonly first, and its keys are key:__rand_int__
    const user = ["ACL", "SETUSER", "bench", "on", ">bench-pass", "resetkeys", "~key:*", "-@all", "+get", "+set", "+ping", "+config|get"]
    for (const s of [redis, ours]) {
      if ((await send(s.port, [user])) > 0) throw new Error(`${s.name}: ACL SETUSER failed`)
    }
    rows.push(...sideBySide(redis, ours, rounds, requests, (s) => s.port, ["--user", "bench", "-a", "bench-pass"], (c) => `${c.name} as a restricted user`))
  } finally {
    await Promise.all([stop(redis), stop(ours)])
  }
  console.log([
    `redis-benchmark -c 50 as user bench (~key:* -@all +get +set +ping +config|get), median of ${rounds} alternating rounds, ${requests} requests at -P 1 and ${requests * 8} at -P 16 (targets: >= 0.9x at -P 1, >= 0.5x at -P 16)`,
    "",
    "| test | -P | redis-server req/s | effect-redis-server req/s | ratio | server CPU us/request (redis / ours) |",
    "|---|---|---|---|---|---|",
    ...rows
  ].join("\n"))
}

// --- replication (issue 17) -------------------------------------------------------------------------

/**
 * SET at -P 16 on a master with one replica attached, each kind with a replica of its own kind; then
 * the replica's lag: the bytes it was behind when the run ended, and how long it took to catch up.
 */
const replication = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000")) * 8
  const pairs: Array<{ master: Server; replica: Server }> = []
  const rows: Array<string> = []
  try {
    for (const start of [startRedis, startOurs]) {
      const master = await start()
      const replica = await start(["--replicaof", "127.0.0.1", String(master.port)])
      pairs.push({ master, replica })
    }
    for (const { master, replica } of pairs) {
      const deadline = Date.now() + 30_000
      while ((await infoFields(master.port, "replication")).get("connected_slaves") !== 1) {
        if (Date.now() > deadline) throw new Error(`${master.name}: the replica did not connect`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const c: BenchCase = { name: "SET", test: "set", issue: 17 }
    const results = new Map<Server, Array<number>>(pairs.map((p) => [p.master, []]))
    const lags = new Map<Server, Array<{ bytes: number; ms: number }>>(pairs.map((p) => [p.master, []]))
    for (const { master } of pairs) benchmark(master.port, c, 16, Math.ceil(requests / 4))
    for (let r = 0; r < rounds; r++) {
      for (const { master, replica } of r % 2 === 0 ? pairs : [...pairs].reverse()) {
        results.get(master)!.push(benchmark(master.port, c, 16, requests))
        const ended = performance.now()
        const target = (await infoFields(master.port, "replication")).get("master_repl_offset")!
        const behind = target - ((await infoFields(replica.port, "replication")).get("slave_repl_offset") ?? 0)
        while (((await infoFields(replica.port, "replication")).get("slave_repl_offset") ?? 0) < target) {
          await new Promise((res) => setTimeout(res, 2))
        }
        lags.get(master)!.push({ bytes: behind, ms: performance.now() - ended })
      }
    }
    const [redis, ours] = pairs.map((p) => p.master) as [Server, Server]
    const [rr, oo] = [median(results.get(redis)!), median(results.get(ours)!)]
    const lag = (s: Server) => {
      const l = lags.get(s)!
      return `${fmt(median(l.map((x) => x.bytes)))} B / ${median(l.map((x) => x.ms)).toFixed(0)} ms`
    }
    rows.push(`| SET, master with one replica | 16 | ${fmt(rr)} | ${fmt(oo)} | ${(oo / rr).toFixed(2)}x | >= 0.5x | ${lag(redis)} | ${lag(ours)} |`)
    console.error(rows.at(-1))
  } finally {
    await Promise.all(pairs.flatMap((p) => [stop(p.master), stop(p.replica)]))
  }
  console.log([
    `redis-benchmark -c 50 -P 16 on the master, ${requests} requests, median of ${rounds} alternating rounds; lag: bytes the replica was behind when the run ended / time until it caught up (median)`,
    "",
    "| test | -P | redis-server req/s | effect-redis-server req/s | ratio | target | redis replica lag | our replica lag |",
    "|---|---|---|---|---|---|---|---|",
    ...rows
  ].join("\n"))
}

// --- TLS (issue 15) ----------------------------------------------------------------------------------------

/** A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir` (openssl, EC P-256). */
const makeCertificates = (dir: string) => {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
  const openssl = (args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" })
  writeFileSync(`${dir}/san.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
  openssl(["req", "-x509", "-new", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Bench CA"])
  for (const name of ["server", "client"]) {
    openssl(["req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`])
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", "san.ext"])
  }
  return { ca: `${dir}/ca.crt`, serverCert: `${dir}/server.crt`, serverKey: `${dir}/server.key`, clientCert: `${dir}/client.crt`, clientKey: `${dir}/client.key` }
}

const tls = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000"))
  const { mkdtempSync, rmSync } = await import("node:fs")
  const { tmpdir } = await import("node:os")
  const { join } = await import("node:path")
  const dir = mkdtempSync(join(tmpdir(), "bench-tls-"))
  const rows: Array<string> = []
  try {
    const certs = makeCertificates(dir)
    const [redisTls, oursTls] = [await freePort(), await freePort()]
    const serverArgs = (port: number) => [
      "--tls-port", String(port), "--tls-cert-file", certs.serverCert, "--tls-key-file", certs.serverKey, "--tls-ca-cert-file", certs.ca
    ]
    // the TCP port stays for setup and stopping; redis-benchmark only talks TLS
    const [redis, ours] = [await startRedis(serverArgs(redisTls)), await startOurs(serverArgs(oursTls))]
    const tlsPorts = new Map([[redis, redisTls], [ours, oursTls]])
    const clientArgs = ["--tls", "--cacert", certs.ca, "--cert", certs.clientCert, "--key", certs.clientKey]
    try {
      rows.push(...sideBySide(redis, ours, rounds, requests, (s) => tlsPorts.get(s)!, clientArgs, (c) => `${c.name} over TLS`))
    } finally {
      await Promise.all([stop(redis), stop(ours)])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log([
    `redis-benchmark -c 50 --tls (client certificates), median of ${rounds} alternating rounds, ${requests} requests at -P 1 and ${requests * 8} at -P 16`,
    "",
    "| test | -P | redis-server req/s | effect-redis-server req/s | ratio | server CPU us/request (redis / ours) |",
    "|---|---|---|---|---|---|",
    ...rows
  ].join("\n"))
}

// --- eviction (issue 19) --------------------------------------------------------------------------

/** INFO fields of a server as numbers. */
const infoFields = async (port: number, section: string): Promise<Map<string, number>> => {
  const text = execFileSync("redis-cli", ["-p", String(port), "INFO", section], { encoding: "utf8" })
  const fields = new Map<string, number>()
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":")
    if (i > 0) fields.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return fields
}

/**
 * SET at -P 16 with maxmemory reached and allkeys-lru evicting, side by side: each server gets the
 * same budget for data (`--budget` bytes, default 64 MB; each one's maxmemory is what it reports in use
 * empty plus the budget, since used_memory counts a startup baseline), both are filled past it with random
 * keys (-r 10M, 100-byte values), then redis-benchmark SET -P 16 on random keys runs alternately.
 * The table has req/s, CPU per request, keys evicted per request and used_memory at the end.
 */
const eviction = async () => {
  const rounds = Number(option("rounds", "3"))
  const requests = Number(option("requests", "100000")) * 8
  const budget = Number(option("budget", String(64 * 1024 * 1024)))
  const [redis, ours] = [await startRedis(["--maxmemory-policy", "allkeys-lru"]), await startOurs(["--maxmemory-policy", "allkeys-lru"])]
  const run = (port: number, n: number) => {
    const argv = ["-p", String(port), "-h", "127.0.0.1", "-c", "50", "-P", "16", "-n", String(n), "-r", "10000000", "-d", "100", "-t", "set", "--csv"]
    const out = execFileSync("redis-benchmark", argv, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    return Number(out.trim().split("\n").at(-1)!.split(",")[1]!.replace(/"/g, ""))
  }
  const results = { redis: [] as number[], ours: [] as number[], redisCpu: [] as number[], oursCpu: [] as number[], redisEvicted: [] as number[], oursEvicted: [] as number[] }
  try {
    const base = (await infoFields(redis.port, "memory")).get("used_memory")!
    const ourBase = (await infoFields(ours.port, "memory")).get("used_memory")!
    execFileSync("redis-cli", ["-p", String(redis.port), "CONFIG", "SET", "maxmemory", String(base + budget)])
    execFileSync("redis-cli", ["-p", String(ours.port), "CONFIG", "SET", "maxmemory", String(ourBase + budget)])
    // fill past maxmemory (about 200-250 bytes a key in either server), then warm up
    const fill = Math.ceil((budget / 150) / 16) * 16
    for (const s of [redis, ours]) run(s.port, fill)
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [redis, ours] : [ours, redis]
      for (const s of order) {
        const evictedBefore = (await infoFields(s.port, "stats")).get("evicted_keys")!
        const before = cpuMicros(s.process.pid!)
        const rps = run(s.port, requests)
        const cpu = (cpuMicros(s.process.pid!) - before) / requests
        const evicted = ((await infoFields(s.port, "stats")).get("evicted_keys")! - evictedBefore) / requests
        if (s === redis) {
          results.redis.push(rps)
          results.redisCpu.push(cpu)
          results.redisEvicted.push(evicted)
        } else {
          results.ours.push(rps)
          results.oursCpu.push(cpu)
          results.oursEvicted.push(evicted)
        }
        console.error(`${s.name}: ${fmt(rps)} req/s, ${cpu.toFixed(1)} us CPU, ${evicted.toFixed(2)} evictions per request`)
      }
    }
    const used = { redis: (await infoFields(redis.port, "memory")).get("used_memory")! - base, ours: (await infoFields(ours.port, "memory")).get("used_memory")! - ourBase }
    const keys = {
      redis: Number(execFileSync("redis-cli", ["-p", String(redis.port), "DBSIZE"], { encoding: "utf8" })),
      ours: Number(execFileSync("redis-cli", ["-p", String(ours.port), "DBSIZE"], { encoding: "utf8" }))
    }
    console.log([
      `SET -P 16 -c 50 -r 10M -d 100 with allkeys-lru evicting, data budget ${fmt(budget)} bytes each, median of ${rounds} alternating rounds of ${requests} requests`,
      "",
      "| server | req/s | CPU us/request | evictions/request | used_memory - startup | keys |",
      "|---|---|---|---|---|---|",
      `| redis-server | ${fmt(median(results.redis))} | ${median(results.redisCpu).toFixed(1)} | ${median(results.redisEvicted).toFixed(2)} | ${fmt(used.redis)} | ${fmt(keys.redis)} |`,
      `| effect-redis-server | ${fmt(median(results.ours))} | ${median(results.oursCpu).toFixed(1)} | ${median(results.oursEvicted).toFixed(2)} | ${fmt(used.ours)} | ${fmt(keys.ours)} |`,
      "",
      `ratio ${(median(results.ours) / median(results.redis)).toFixed(2)}x`
    ].join("\n"))
  } finally {
    await Promise.all([stop(redis), stop(ours)])
  }
}

if (flag("memory")) await memory()
else if (flag("scripts")) await scripting()
else if (flag("persistence")) await persistence()
else if (flag("tls")) await tls()
else if (flag("acl")) await acl()
else if (flag("eviction")) await eviction()
else if (flag("replication")) await replication()
else await throughput()

/**
 * INFO: which sections each argument list selects and the field names of every section against real
 * Redis; commandstats, errorstats, stats counters and keyspace after the same commands on both
 * servers; values this server computes (uptime and time from TestClock, clients, blocked clients,
 * config) in-process; and a property test that the statistics agree with the replies clients saw.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Engine } from "../../src/server/Engine.ts"
import { extendInfo } from "../../src/server/info.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { ReplyError } from "../../src/resp/ReplyParser.ts"
import { anyCase } from "../support/arbitraries.ts"
import { type Command, checkSequences, describeDifferential, type Normalize } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import type { RawConnection } from "../support/raw.ts"

const SECTION_NAMES = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "modules",
  "commandstats",
  "errorstats",
  "latencystats",
  "cluster",
  "keyspace"
]

/** INFO text as sections: title -> [field, value] lines. */
const parseInfo = (text: string): Map<string, Array<readonly [string, string]>> => {
  const sections = new Map<string, Array<readonly [string, string]>>()
  let current: Array<readonly [string, string]> | undefined
  for (const line of text.split("\r\n")) {
    if (line.startsWith("# ")) {
      current = []
      sections.set(line.slice(2), current)
    } else if (line.length > 0) {
      const colon = line.indexOf(":")
      current!.push([line.slice(0, colon), line.slice(colon + 1)])
    }
  }
  return sections
}

const infoOf = async (conn: RawConnection, ...sections: ReadonlyArray<string>) =>
  parseInfo((await conn.call("INFO", ...sections)).value as string)

/** INFO compared by the section titles it prints, in order. */
const sectionTitles: Normalize = (command, reply) =>
  command[0]!.toUpperCase() === "INFO" ? [...parseInfo(reply.value as string).keys()] : reply.raw

describeDifferential("INFO sections and fields", (servers) => {
  it("selects the same sections as Redis for any list of section names, keywords and unknown names", async () => {
    const word = fc.oneof(
      fc.constantFrom(...SECTION_NAMES, "all", "everything", "default").chain((w) => anyCase(w)),
      fc.constantFrom("nosuch", "", "module_list", "Latency", "keyspaces")
    )
    const info = fc.array(word, { maxLength: 4 }).map((words): Command => ["INFO", ...words])
    await checkSequences(servers(), fc.array(info, { minLength: 1, maxLength: 3 }), { numRuns: 200, normalize: sectionTitles })
  })

  it("every section has Redis 7.0's field names, in Redis's order", async () => {
    const { ours, theirs } = servers()
    // sections whose fields do not depend on what ran
    for (const section of ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "cluster"]) {
      const [a, b] = await Promise.all([infoOf(ours, section), infoOf(theirs, section)])
      const names = (s: Map<string, Array<readonly [string, string]>>) => [...s.values()].flat().map(([k]) => k)
      expect(names(a), section).toEqual(names(b))
    }
  })

  it("the text is CRLF-terminated lines with a blank line between sections; empty for unknown sections", async () => {
    const { ours, theirs } = servers()
    const text = (await ours.call("INFO", "everything")).value as string
    expect(text.endsWith("\r\n")).toBe(true)
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/)
    expect(text).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/)
    expect(text.split("\r\n\r\n").length).toBe(SECTION_NAMES.length)
    for (const protocol of ["2", "3"]) {
      const commands: ReadonlyArray<Command> = [["HELLO", protocol], ["INFO", "nosuch"], ["INFO", "cluster"], ["INFO", "modules", "CLUSTER"]]
      const [a, b] = await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
      expect(a.slice(1).map((r) => r.raw)).toEqual(b.slice(1).map((r) => r.raw))
    }
    const [, verbatim] = await ours.pipeline([["HELLO", "3"], ["INFO", "server"]])
    expect(verbatim!.raw).toMatch(/^=\d+\r\ntxt:# Server\r\n/)
    await ours.call("HELLO", "2")
  })
})

/** Commands made of the families every server has, with their error paths. */
const statsSequence: ReadonlyArray<Command> = [
  ["SET", "a", "1"],
  ["SET", "b", "2"],
  ["EXPIRE", "b", "1000"],
  ["GET", "a"],
  ["GET", "nosuch"],
  ["GET"],
  ["NOSUCH", "x"],
  ["CLIENT", "NOSUCH"],
  ["CLIENT", "SETNAME", "a b"],
  ["CLIENT", "SETNAME", "ok"],
  ["CLIENT", "GETNAME"],
  ["MEMORY", "USAGE", "a"],
  ["EXISTS", "a", "nosuch"],
  ["TYPE", "a"],
  ["EXPIRE", "a", "x"],
  ["TTL", "b"],
  ["DBSIZE"],
  ["SELECT", "99"],
  ["SELECT", "2"],
  ["SET", "c", "3"],
  ["SELECT", "0"],
  ["MULTI"],
  ["GET", "a"],
  ["EXEC"],
  ["MULTI"],
  ["GET"],
  ["EXEC"],
  ["EXEC"],
  ["WATCH", "a"],
  ["UNWATCH"],
  ["COMMAND", "COUNT", "x"],
  ["COMMAND", "GETKEYS", "get", "k"],
  ["COMMAND", "GETKEYS", "nosuch"],
  ["DEBUG", "ERROR", "CUSTOM failure"],
  ["DEBUG", "SLEEP", "0"],
  ["PING"],
  ["ECHO", "x"],
  ["DEL", "nosuch"]
]

const withoutUsec = (line: string) => line.replace(/usec=\d+,usec_per_call=[\d.]+,/, "")

describeDifferential("INFO statistics after the same commands", (servers) => {
  it("commandstats (without times), errorstats, counters and keyspace equal Redis's", async () => {
    const { ours, theirs } = servers()
    await Promise.all([ours.pipeline(statsSequence), theirs.pipeline(statsSequence)])
    const [a, b] = await Promise.all([infoOf(ours, "commandstats", "errorstats", "stats", "keyspace"), infoOf(theirs, "commandstats", "errorstats", "stats", "keyspace")])
    const commandStats = (s: typeof a) => (s.get("Commandstats") ?? []).map(([k, v]) => `${k}:${withoutUsec(v)}`).sort()
    expect(commandStats(a)).toEqual(commandStats(b))
    expect(a.get("Errorstats")).toEqual(b.get("Errorstats"))
    const counters = ["total_commands_processed", "total_error_replies", "keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys", "rejected_connections"]
    const stats = (s: typeof a) => (s.get("Stats") ?? []).filter(([k]) => counters.includes(k))
    expect(stats(a)).toEqual(stats(b))
    // avg_ttl is an estimate refreshed by each server's expiry cycle: compared without it
    const keyspace = (s: typeof a) => (s.get("Keyspace") ?? []).map(([k, v]) => `${k}:${v.replace(/,avg_ttl=\d+$/, "")}`)
    expect(keyspace(a)).toEqual(keyspace(b))
    expect(keyspace(a)).toEqual(["db0:keys=2,expires=1", "db2:keys=1,expires=0"])
  })
}, { config: { "enable-debug-command": "yes" } })

describe("INFO values (in-process)", () => {
  layer(embeddedRedis({ maxclients: "123", hz: "7", maxmemory: "1mb" }))((it) => {
    it.effect("time, uptime and lru_clock follow Effect's Clock; config values are the server's", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const engine = yield* Engine
        yield* TestClock.adjust(5_500)
        const info = parseInfo((yield* redis.command("INFO")) as string)
        const server = new Map(info.get("Server"))
        assert.strictEqual(server.get("redis_version"), "7.0.15")
        assert.strictEqual(server.get("uptime_in_seconds"), "5")
        assert.strictEqual(server.get("server_time_usec"), String(engine.keyspace.now * 1000))
        assert.strictEqual(server.get("lru_clock"), String(Math.floor(engine.keyspace.now / 1000) & 0xffffff))
        assert.strictEqual(server.get("hz"), "7")
        assert.strictEqual(server.get("process_id"), String(process.pid))
        assert.match(server.get("run_id")!, /^[0-9a-f]{40}$/)
        const clients = new Map(info.get("Clients"))
        assert.strictEqual(clients.get("maxclients"), "123")
        assert.strictEqual(clients.get("connected_clients"), String(engine.clients.size))
        const memory = new Map(info.get("Memory"))
        assert.strictEqual(memory.get("maxmemory"), String(1024 * 1024))
        assert.strictEqual(memory.get("maxmemory_human"), "1.00M")
        // used_memory is the startup baseline (a fresh Redis 7.0's used_memory_startup) plus the
        // keyspace's accounting: nothing stored yet, then a key's bytes
        assert.strictEqual(memory.get("used_memory_startup"), "876152")
        assert.strictEqual(memory.get("used_memory"), "876152")
        yield* redis.command("SET", "k", "v")
        const after = new Map(parseInfo((yield* redis.command("INFO", "memory")) as string).get("Memory"))
        assert.isAbove(Number(after.get("used_memory")), 876152 + 50)
        assert.strictEqual(after.get("used_memory_startup"), "876152")
        yield* redis.command("DEL", "k")
        assert.strictEqual(new Map(info.get("Replication")).get("role"), "master")
        const time = (yield* redis.command("TIME")) as ReadonlyArray<string>
        assert.deepStrictEqual(time, [String(Math.floor(engine.keyspace.now / 1000)), String((engine.keyspace.now % 1000) * 1000)])
      }))

    it.effect("blocked_clients and clients_in_timeout_table count clients blocked on keys", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const waiter = yield* RedisClient.connect
        const forever = yield* Effect.forkChild(waiter.command("BLPOP", "info-list", "0"))
        const timed = yield* RedisClient.connect
        const withTimeout = yield* Effect.forkChild(timed.command("BLPOP", "info-list", "100"))
        const engine = yield* Engine
        for (let i = 0; i < 100 && engine.waiters.blockedClients < 2; i++) yield* Effect.yieldNow
        const clients = () =>
          redis.command("INFO", "clients").pipe(Effect.map((text) => new Map(parseInfo(text as string).get("Clients"))))
        const during = yield* clients()
        assert.strictEqual(during.get("blocked_clients"), "2")
        assert.strictEqual(during.get("clients_in_timeout_table"), "1")
        yield* redis.command("RPUSH", "info-list", "x", "y")
        yield* Fiber.join(forever)
        yield* Fiber.join(withTimeout)
        const after = yield* clients()
        assert.strictEqual(after.get("blocked_clients"), "0")
        assert.strictEqual(after.get("clients_in_timeout_table"), "0")
      }))

    it.effect("instantaneous_ops_per_sec is the command rate between INFO samples taken 100 ms apart", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const ops = () =>
          redis.command("INFO", "stats").pipe(Effect.map((t) => Number(new Map(parseInfo(t as string).get("Stats")).get("instantaneous_ops_per_sec"))))
        yield* TestClock.adjust(10_000) // older samples fall out of the window
        for (let i = 0; i < 16; i++) {
          yield* ops()
          yield* TestClock.adjust(100)
        }
        // 16 samples, 1.5 s apart end to end, one INFO between each: 10 commands per 1.5 s... plus the ones below
        for (let i = 0; i < 49; i++) yield* redis.command("PING")
        const rate = yield* ops()
        // the window spans 15 intervals of 100 ms; the commands in it: 15 INFOs and 49 PINGs
        assert.strictEqual(rate, Math.round((15 + 49) / 1.5))
      }))

    it.effect("extendInfo lets a subsystem replace a field in place and append its own", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const engine = yield* Engine
        extendInfo(engine, "persistence", () => [["aof_enabled", 1], ["aof_custom_field", "x"]])
        const persistence = parseInfo((yield* redis.command("INFO", "persistence")) as string).get("Persistence")!
        const names = persistence.map(([k]) => k)
        assert.strictEqual(persistence.find(([k]) => k === "aof_enabled")![1], "1")
        assert.isBelow(names.indexOf("aof_enabled"), names.indexOf("aof_rewrite_in_progress"))
        assert.strictEqual(names[names.length - 1], "aof_custom_field")
      }))
  })
})

/**
 * What the statistics must say, computed from the commands sent and the replies seen: calls per
 * command, failed calls (executed, replied with an error), rejected calls (wrong arity, before
 * execution), error replies per code, and the keys of each database.
 */
describe("INFO statistics against a model", () => {
  const key = fc.constantFrom("k1", "k2", "k3")
  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.tuple(key, fc.constantFrom("1", "v")).map(([k, v]) => ["SET", k, v]),
    key.map((k) => ["GET", k]),
    fc.constant(["GET"]),
    key.map((k) => ["DEL", k]),
    fc.constantFrom("0", "1", "x", "99").map((db) => ["SELECT", db]),
    fc.constant(["NOSUCH"]),
    fc.constantFrom("a", "a b", "").map((n) => ["CLIENT", "SETNAME", n]),
    fc.constant(["CLIENT", "BOGUS"]),
    fc.constant(["DBSIZE"]),
    fc.constant(["FLUSHDB"]),
    fc.constant(["PING", "a", "b"])
  )
  const ARITY: Record<string, number> = { set: -3, get: 2, del: -2, select: 2, "client|setname": 3, dbsize: 1, flushdb: -1, ping: -1 }

  layer(embeddedRedis())((it) => {
    it.effect("commandstats, errorstats and keyspace agree with the replies of random command sequences", () =>
      Effect.gen(function*() {
        for (const sequence of fc.sample(fc.array(command, { maxLength: 30 }), 60)) {
          const redis = yield* RedisClient
          yield* redis.command("FLUSHALL")
          const before = parseInfo((yield* redis.command("INFO", "commandstats", "errorstats")) as string)
          const calls = new Map<string, { calls: number; failed: number; rejected: number }>()
          const errors = new Map<string, number>()
          const keys = new Map<number, Set<string>>()
          let db = 0
          const count = (name: string, field: "calls" | "failed" | "rejected") => {
            const entry = calls.get(name) ?? { calls: 0, failed: 0, rejected: 0 }
            entry[field]++
            calls.set(name, entry)
          }
          for (const c of sequence) {
            const result = yield* Effect.result(redis.command(...c))
            const name = c[0]!.toLowerCase() === "client" ? `client|${c[1]!.toLowerCase()}` : c[0]!.toLowerCase()
            const arity = ARITY[name]
            const known = arity !== undefined
            const rejected = known && ((arity > 0 && c.length !== arity) || c.length < -arity)
            if (result._tag === "Failure") {
              const error = result.failure as ReplyError
              errors.set(error.code, (errors.get(error.code) ?? 0) + 1)
              if (rejected) count(name, "rejected")
              else if (known) {
                count(name, "calls")
                count(name, "failed")
              }
              continue
            }
            assert.isTrue(known, `${c.join(" ")} succeeded`)
            count(name, "calls")
            const set = keys.get(db) ?? new Set<string>()
            keys.set(db, set)
            if (name === "set") set.add(c[1]!)
            if (name === "del") set.delete(c[1]!)
            if (name === "flushdb") set.clear()
            if (name === "select") db = Number(c[1])
          }
          const info = parseInfo((yield* redis.command("INFO", "commandstats", "errorstats", "keyspace")) as string)
          // what changed since the INFO before the sequence (which itself shows up as one more INFO call)
          const commandStats = (text: ReturnType<typeof parseInfo>) =>
            new Map(
              text.get("Commandstats")!.map(([k, v]) => {
                const m = /calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(v)!
                return [k.slice("cmdstat_".length), { calls: Number(m[1]), failed: Number(m[3]), rejected: Number(m[2]) }]
              })
            )
          const [was, now] = [commandStats(before), commandStats(info)]
          const delta = new Map<string, { calls: number; failed: number; rejected: number }>()
          for (const [name, after] of now) {
            const prior = was.get(name) ?? { calls: 0, failed: 0, rejected: 0 }
            const d = { calls: after.calls - prior.calls, failed: after.failed - prior.failed, rejected: after.rejected - prior.rejected }
            if (name === "info") d.calls--
            if (d.calls !== 0 || d.failed !== 0 || d.rejected !== 0) delta.set(name, d)
          }
          assert.deepStrictEqual(Object.fromEntries(delta), Object.fromEntries(calls))
          const errorCounts = (text: ReturnType<typeof parseInfo>) =>
            new Map(text.get("Errorstats")!.map(([k, v]) => [k.slice("errorstat_".length), Number(v.slice("count=".length))]))
          const [errorsBefore, errorsAfter] = [errorCounts(before), errorCounts(info)]
          const errorDelta = [...errorsAfter].map(([code, n]) => [code, n - (errorsBefore.get(code) ?? 0)] as const).filter(([, n]) => n > 0)
          assert.deepStrictEqual(new Map(errorDelta), errors)
          const expectedKeyspace = [...keys]
            .filter(([, set]) => set.size > 0)
            .sort(([a], [b]) => a - b)
            .map(([id, set]) => [`db${id}`, `keys=${set.size},expires=0,avg_ttl=0`])
          assert.deepStrictEqual(info.get("Keyspace")!.map(([k, v]) => [k, v]), expectedKeyspace)
          yield* redis.command("SELECT", "0")
        }
      }))
  })
})

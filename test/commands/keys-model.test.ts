/**
 * Model-based property tests of the key commands: random sequences of DEL/UNLINK/EXISTS/RENAME/COPY/
 * MOVE/SELECT, the EXPIRE and TTL families, PERSIST, KEYS, time steps and active expiry cycles run
 * against the engine and against a plain JS model of databases with expiry times; and SCAN's
 * guarantee under concurrent writes. The engine is driven synchronously with time set by hand, so
 * every run is deterministic.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { activeExpireCycle, ExpireCycle } from "../../src/keyspace/ActiveExpiry.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { SyncDriver, withSyncDriver } from "../support/driver.ts"

const T0 = 1_700_000_000_000
const DBS = 2

/** The driver, with SCAN's reply as a pair. */
class Driver extends SyncDriver {
  /** SCAN with its reply as [cursor, keys]. */
  scan(cursor: string, ...options: ReadonlyArray<string>): readonly [string, ReadonlyArray<string>] {
    const reply = this.call("SCAN", cursor, ...options)
    if (!Array.isArray(reply)) throw new Error(`SCAN replied ${String(reply)}`)
    return [reply[0] as string, reply[1] as ReadonlyArray<string>]
  }
}

/** Runs `f` with a driver over a fresh in-process server (active expiry idle: TestClock stays put). */
const withDriver = (f: (driver: Driver) => void) =>
  withSyncDriver((engine, keyspace) => new Driver(engine, keyspace), T0, f)

// --- the model ---------------------------------------------------------------------------------------

interface ModelEntry {
  value: string
  /** Absolute ms, 0 without TTL. */
  expireAt: number
}

class Model {
  readonly dbs: Array<Map<string, ModelEntry>> = Array.from({ length: 16 }, () => new Map())
  db = 0
  now: number

  constructor(now: number) {
    this.now = now
  }

  /** The entry if the key exists and has not expired (Redis: expired when now > expireAt). */
  live(key: string, db = this.db): ModelEntry | undefined {
    const entry = this.dbs[db]!.get(key)
    if (entry === undefined) return undefined
    if (entry.expireAt !== 0 && this.now > entry.expireAt) {
      this.dbs[db]!.delete(key)
      return undefined
    }
    return entry
  }

  liveKeys(db = this.db): ReadonlyArray<string> {
    return [...this.dbs[db]!.keys()].filter((k) => this.live(k, db) !== undefined).sort()
  }

  /** The model's reply to a command (only the commands the generator produces). */
  apply(argv: ReadonlyArray<string>): Reply {
    const [name, a = "", b = ""] = argv
    const table = this.dbs[this.db]!
    switch (name) {
      case "SET":
        table.set(a, { value: b, expireAt: 0 })
        return "OK"
      case "GET":
        return this.live(a)?.value ?? null
      case "DEL":
      case "UNLINK": {
        let n = 0
        for (const k of argv.slice(1)) if (this.live(k) !== undefined && table.delete(k)) n++
        return n
      }
      case "EXISTS":
        return argv.slice(1).filter((k) => this.live(k) !== undefined).length
      case "TYPE":
        return this.live(a) === undefined ? "none" : "string"
      case "KEYS":
        return this.liveKeys()
      case "SELECT":
        this.db = Number(a)
        return "OK"
      case "RENAME":
      case "RENAMENX": {
        const nx = name === "RENAMENX"
        const entry = this.live(a)
        if (entry === undefined) return "ERR:ERR no such key"
        if (a === b) return nx ? 0 : "OK"
        if (this.live(b) !== undefined && nx) return 0
        table.delete(a)
        table.set(b, entry)
        return nx ? 1 : "OK"
      }
      case "COPY": {
        const target = argv.includes("DB") ? Number(argv[argv.indexOf("DB") + 1]) : this.db
        if (target === this.db && a === b) return "ERR:ERR source and destination objects are the same"
        const entry = this.live(a)
        if (entry === undefined) return 0
        if (this.live(b, target) !== undefined && !argv.includes("REPLACE")) return 0
        this.dbs[target]!.set(b, { ...entry })
        return 1
      }
      case "MOVE": {
        const target = Number(b)
        if (target === this.db) return "ERR:ERR source and destination objects are the same"
        const entry = this.live(a)
        if (entry === undefined || this.live(a, target) !== undefined) return 0
        table.delete(a)
        this.dbs[target]!.set(a, entry)
        return 1
      }
      case "EXPIRE":
      case "PEXPIRE":
      case "EXPIREAT":
      case "PEXPIREAT": {
        const unit = name === "EXPIRE" || name === "EXPIREAT" ? 1000 : 1
        const base = name === "EXPIRE" || name === "PEXPIRE" ? this.now : 0
        const when = base + Number(b) * unit
        const entry = this.live(a)
        if (entry === undefined) return 0
        const option = argv[3]
        const current = entry.expireAt === 0 ? -1 : entry.expireAt
        if (option === "NX" && current !== -1) return 0
        if (option === "XX" && current === -1) return 0
        if (option === "GT" && (current === -1 || when <= current)) return 0
        if (option === "LT" && current !== -1 && when >= current) return 0
        if (when <= this.now) table.delete(a)
        else entry.expireAt = when
        return 1
      }
      case "PERSIST": {
        const entry = this.live(a)
        if (entry === undefined || entry.expireAt === 0) return 0
        entry.expireAt = 0
        return 1
      }
      case "TTL":
      case "PTTL":
      case "EXPIRETIME":
      case "PEXPIRETIME": {
        const entry = this.live(a)
        if (entry === undefined) return -2
        if (entry.expireAt === 0) return -1
        const absolute = name.endsWith("EXPIRETIME")
        const ttl = Math.max(0, absolute ? entry.expireAt : entry.expireAt - this.now)
        return name === "PTTL" || name === "PEXPIRETIME" ? ttl : Math.floor((ttl + 500) / 1000)
      }
      default:
        throw new Error(`model has no ${name}`)
    }
  }
}

// --- generators --------------------------------------------------------------------------------------

const key = fc.constantFrom("a", "b", "c")
const dbIndex = fc.integer({ min: 0, max: DBS - 1 }).map(String)
const expireOption = fc.constantFrom<ReadonlyArray<string>>([], [], ["NX"], ["XX"], ["GT"], ["LT"])

type Step =
  | { readonly kind: "command"; readonly argv: ReadonlyArray<string> }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "activeExpiry" }

const command = (argv: fc.Arbitrary<ReadonlyArray<string>>): fc.Arbitrary<Step> => argv.map((a) => ({ kind: "command" as const, argv: a }))

const step: fc.Arbitrary<Step> = fc.oneof(
  // writes often enough that the databases are rarely empty
  { weight: 4, arbitrary: command(fc.tuple(fc.constant("SET"), key, fc.constantFrom("1", "x", "hello"))) },
  command(fc.tuple(fc.constant("GET"), key)),
  command(fc.tuple(fc.constantFrom("DEL", "UNLINK", "EXISTS"), fc.array(key, { minLength: 1, maxLength: 3 })).map(([c, ks]) => [c, ...ks])),
  command(fc.tuple(fc.constant("TYPE"), key)),
  command(fc.constant(["KEYS", "*"])),
  command(fc.tuple(fc.constant("SELECT"), dbIndex)),
  command(fc.tuple(fc.constantFrom("RENAME", "RENAMENX"), key, key)),
  command(
    fc.tuple(key, key, fc.option(dbIndex, { nil: undefined }), fc.boolean()).map(([a, b, db, replace]) => [
      "COPY",
      a,
      b,
      ...(db === undefined ? [] : ["DB", db]),
      ...(replace ? ["REPLACE"] : [])
    ])
  ),
  command(fc.tuple(fc.constant("MOVE"), key, dbIndex)),
  command(fc.tuple(fc.constant("EXPIRE"), key, fc.constantFrom("-1", "0", "1", "2", "5"), expireOption).map(([c, k, t, o]) => [c, k, t, ...o])),
  command(fc.tuple(fc.constant("PEXPIRE"), key, fc.constantFrom("-1", "0", "1", "500", "1500", "3000"), expireOption).map(([c, k, t, o]) => [c, k, t, ...o])),
  command(
    fc.tuple(fc.constant("PEXPIREAT"), key, fc.constantFrom(-1000, 0, 500, 2_000, 10_000).map((d) => String(T0 + d)), expireOption)
      .map(([c, k, t, o]) => [c, k, t, ...o])
  ),
  command(
    fc.tuple(fc.constant("EXPIREAT"), key, fc.constantFrom(-1, 1, 3, 10).map((d) => String(T0 / 1000 + d)), expireOption)
      .map(([c, k, t, o]) => [c, k, t, ...o])
  ),
  command(fc.tuple(fc.constant("PERSIST"), key)),
  command(fc.tuple(fc.constantFrom("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"), key)),
  fc.constantFrom(0, 1, 10, 499, 500, 1_000, 4_000).map((ms): Step => ({ kind: "advance", ms })),
  fc.constant<Step>({ kind: "activeExpiry" })
)

describe("key commands against a model", () => {
  it.effect("random sequences give the model's replies, and memory holds no more than the model's keys", () =>
    withDriver((driver) => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60, size: "max" }), (steps) => {
          driver.reset(T0)
          const cycle = new ExpireCycle(driver.keyspace)
          const model = new Model(T0)
          steps.forEach((s, i) => {
            if (s.kind === "advance") {
              model.now += s.ms
              driver.keyspace.setTime(model.now)
            } else if (s.kind === "activeExpiry") {
              activeExpireCycle(cycle, 10)
            } else {
              const expected = model.apply(s.argv)
              const reply = driver.call(...s.argv)
              const actual = s.argv[0] === "KEYS" && Array.isArray(reply) ? [...reply].sort() : reply
              assert.deepStrictEqual(actual, expected, `step ${i}: ${s.argv.join(" ")}`)
            }
          })
          // The final state of every key of every database, values and expiry times
          for (let db = 0; db < DBS; db++) {
            const select = ["SELECT", String(db)]
            assert.deepStrictEqual(driver.call(...select), model.apply(select))
            for (const k of ["a", "b", "c"]) {
              for (const argv of [["GET", k], ["PEXPIRETIME", k]]) {
                assert.deepStrictEqual(driver.call(...argv), model.apply(argv), `final db ${db}: ${argv.join(" ")}`)
              }
            }
          }
          // Active expiry leaves exactly the live keys in memory, in every database.
          for (let cycles = 0; cycles < 50; cycles++) activeExpireCycle(cycle, 10)
          for (let db = 0; db < DBS; db++) {
            assert.strictEqual(driver.keyspace.dbs[db]!.size, model.liveKeys(db).length, `db ${db}`)
          }
        }),
        { numRuns: 500 }
      )
    }))

  it.effect("COPY makes an independent value: changing the copy leaves the source alone", () =>
    withDriver((driver) => {
      driver.reset(T0)
      const db = driver.keyspace.dbs[0]!
      const source = new FakeList(["x", "y"])
      db.add("l", source)
      assert.strictEqual(driver.call("COPY", "l", "c"), 1)
      const copy = db.lookupRead("c") as FakeList
      assert.notStrictEqual(copy, source)
      copy.items.push("z")
      assert.deepStrictEqual(source.items, ["x", "y"])
      assert.strictEqual(driver.call("TYPE", "c"), "list")
      assert.strictEqual(driver.call("OBJECT", "ENCODING", "c"), "listpack")
      assert.deepStrictEqual([...driver.scan("0", "TYPE", "list")[1]].sort(), ["c", "l"])
      // RENAME and MOVE move the object itself
      assert.strictEqual(driver.call("RENAME", "c", "r"), "OK")
      assert.strictEqual(db.lookupRead("r"), copy)
      assert.strictEqual(driver.call("MOVE", "r", "1"), 1)
      assert.strictEqual(driver.keyspace.dbs[1]!.lookupRead("r"), copy)
    }))
})

/** A minimal aggregate value, standing in for the list type. */
class FakeList {
  readonly type = "list" as const
  lru = 0
  accounted = -1
  keySlot = -1
  readonly items: string[]
  constructor(items: ReadonlyArray<string>) {
    this.items = [...items]
  }
  encoding(): string {
    return "listpack"
  }
  clone(): FakeList {
    return new FakeList(this.items)
  }
  memoryUsage(): number {
    return 16 * this.items.length
  }
  heapBytes(): number {
    return 16 * this.items.length
  }
  get size(): number {
    return this.items.length
  }
}

describe("SCAN guarantees", () => {
  it.effect("every key present for the whole scan is returned, while other keys come and go between calls", () =>
    withDriver((driver) => {
      const between = fc.array(
        fc.oneof(
          fc.tuple(fc.constant("SET"), fc.nat({ max: 300 }).map((n) => `new:${n}`)),
          fc.tuple(fc.constant("DEL"), fc.nat({ max: 300 }).map((n) => `new:${n}`)),
          fc.tuple(fc.constant("DEL"), fc.nat({ max: 99 }).map((n) => `gone:${n}`)),
          fc.tuple(fc.constant("SET"), fc.nat({ max: 99 }).map((n) => `gone:${n}`))
        ),
        { maxLength: 8 }
      )
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 150 }),
          fc.integer({ min: 0, max: 100 }),
          fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), between), { minLength: 1, maxLength: 400 }),
          (stable, volatile, calls) => {
            driver.reset(T0)
            const everPresent = new Set<string>()
            const write = (argv: ReadonlyArray<string>) => {
              driver.call(...argv)
              if (argv[0] === "SET") everPresent.add(argv[1]!)
            }
            for (let i = 0; i < stable; i++) write(["SET", `stable:${i}`, "v"])
            for (let i = 0; i < volatile; i++) write(["SET", `gone:${i}`, "v"])
            const returned = new Set<string>()
            let cursor = "0"
            let finished = false
            for (const [count, writes] of calls) {
              const [next, keys] = driver.scan(cursor, "COUNT", String(count))
              for (const k of keys) returned.add(k)
              cursor = next
              if (cursor === "0") {
                finished = true
                break
              }
              for (const [op, k] of writes) write(op === "SET" ? ["SET", k, "v"] : ["DEL", k])
            }
            // finish the scan without writes if the generated calls ran out
            while (!finished) {
              const [next, keys] = driver.scan(cursor, "COUNT", "10")
              for (const k of keys) returned.add(k)
              cursor = next
              finished = cursor === "0"
            }
            for (let i = 0; i < stable; i++) assert.isTrue(returned.has(`stable:${i}`), `stable:${i} missing`)
            for (const k of returned) assert.isTrue(everPresent.has(k), `${k} never existed`)
          }
        ),
        { numRuns: 200 }
      )
    }))

  it.effect("a cursor larger than the keyspace restarts from the highest slot instead of failing", () =>
    withDriver((driver) => {
      driver.reset(T0)
      for (let i = 0; i < 5; i++) driver.call("SET", `k${i}`, "v")
      const [cursor, keys] = driver.scan("18446744073709551615", "COUNT", "100")
      assert.strictEqual(cursor, "0")
      assert.deepStrictEqual([...keys].sort(), ["k0", "k1", "k2", "k3", "k4"])
      // "-1" is 2^64-1 for strtoul: the walk starts at the top, two slots at a time
      const [next, some] = driver.scan("-1", "COUNT", "2")
      assert.strictEqual(next, "3")
      assert.strictEqual(some.length, 2)
    }))
})

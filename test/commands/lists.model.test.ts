/**
 * Model-based property tests of lists: ListValue against a plain array, and the list commands, run
 * through the in-process RedisClient, against a small JS model of Redis's list semantics.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ListValue } from "../../src/keyspace/ListValue.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { embeddedRunner } from "../support/embedded.ts"

// --- ListValue against an array --------------------------------------------------------------------

type ListOp =
  | { readonly op: "pushHead" | "pushTail"; readonly value: string }
  | { readonly op: "popHead" | "popTail" }
  | { readonly op: "insertAt"; readonly index: number; readonly value: string }
  | { readonly op: "setAt"; readonly index: number; readonly value: string }
  | { readonly op: "removeMatching"; readonly value: string; readonly count: number }
  | { readonly op: "deleteHead" | "deleteTail"; readonly n: number }
  | { readonly op: "bulkPush"; readonly n: number; readonly head: boolean }

const small = fc.constantFrom("a", "b", "c", "")
const listOp: fc.Arbitrary<ListOp> = fc.oneof(
  fc.record({ op: fc.constantFrom("pushHead" as const, "pushTail" as const), value: small }),
  fc.record({ op: fc.constantFrom("popHead" as const, "popTail" as const) }),
  fc.record({ op: fc.constant("insertAt" as const), index: fc.integer({ min: -1, max: 40 }), value: small }),
  fc.record({ op: fc.constant("setAt" as const), index: fc.integer({ min: 0, max: 40 }), value: small }),
  fc.record({ op: fc.constant("removeMatching" as const), value: small, count: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ op: fc.constantFrom("deleteHead" as const, "deleteTail" as const), n: fc.integer({ min: 0, max: 150 }) }),
  // enough elements to grow past the shrink threshold, so shrinking is exercised too
  fc.record({ op: fc.constant("bulkPush" as const), n: fc.integer({ min: 50, max: 300 }), head: fc.boolean() })
)

const applyToArray = (model: string[], op: ListOp): unknown => {
  switch (op.op) {
    case "pushHead":
      return void model.unshift(op.value)
    case "pushTail":
      return void model.push(op.value)
    case "popHead":
      return model.shift()
    case "popTail":
      return model.pop()
    case "insertAt":
      return void model.splice(Math.max(0, Math.min(op.index, model.length)), 0, op.value)
    case "setAt":
      if (op.index < model.length) model[op.index] = op.value
      return
    case "removeMatching": {
      const limit = op.count === 0 ? Infinity : Math.abs(op.count)
      const order = model.map((_, i) => i)
      if (op.count < 0) order.reverse()
      const drop = new Set(order.filter((i) => model[i] === op.value).slice(0, limit))
      const kept = model.filter((_, i) => !drop.has(i))
      model.length = 0
      model.push(...kept)
      return drop.size
    }
    case "deleteHead":
      return void model.splice(0, op.n)
    case "deleteTail":
      return void model.splice(Math.max(0, model.length - op.n), op.n)
    case "bulkPush":
      for (let i = 0; i < op.n; i++) {
        if (op.head) model.unshift(`e${i}`)
        else model.push(`e${i}`)
      }
      return
  }
}

const applyToList = (list: ListValue, op: ListOp): unknown => {
  switch (op.op) {
    case "pushHead":
      return list.pushHead(op.value)
    case "pushTail":
      return list.pushTail(op.value)
    case "popHead":
      return list.popHead()
    case "popTail":
      return list.popTail()
    case "insertAt":
      return list.insertAt(op.index, op.value)
    case "setAt":
      if (op.index < list.size) list.setAt(op.index, op.value)
      return
    case "removeMatching":
      return list.removeMatching(op.value, op.count)
    case "deleteHead":
      return list.deleteHead(op.n)
    case "deleteTail":
      return list.deleteTail(op.n)
    case "bulkPush":
      for (let i = 0; i < op.n; i++) {
        if (op.head) list.pushHead(`e${i}`)
        else list.pushTail(`e${i}`)
      }
      return
  }
}

describe("ListValue", () => {
  it("behaves like an array under any sequence of operations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(listOp, { maxLength: 60 }), (capacity, ops) => {
        const list = new ListValue(capacity)
        const model: string[] = []
        for (const op of ops) {
          expect(applyToList(list, op)).toEqual(applyToArray(model, op))
          expect(list.size).toBe(model.length)
        }
        expect(list.toArray()).toEqual(model)
        for (let i = 0; i < model.length; i++) expect(list.at(i)).toBe(model[i])
        expect(list.at(model.length)).toBeUndefined()
        expect(list.at(-1)).toBeUndefined()
        expect(list.clone().toArray()).toEqual(model)
      }),
      { numRuns: 300 }
    )
  })

  it("clones independently and reports Redis 7.0's encoding", () => {
    const list = ListValue.of(["a", "b"])
    const copy = list.clone()
    copy.pushTail("c")
    list.popHead()
    expect(list.toArray()).toEqual(["b"])
    expect(copy.toArray()).toEqual(["a", "b", "c"])
    expect(list.encoding()).toBe("quicklist")
    expect(list.type).toBe("list")
    expect(list.memoryUsage()).toBeGreaterThan(copy.memoryUsage() - 100)
  })

  it("pops a million pushes in O(1) each, from either end", () => {
    const list = new ListValue(1)
    for (let i = 0; i < 1_000_000; i++) list.pushHead(String(i))
    let popped = 0
    let wrong = 0
    while (list.size > 0) {
      if (list.popTail() !== String(popped)) wrong++
      popped++
    }
    expect(popped).toBe(1_000_000)
    expect(wrong).toBe(0)
  })
})

// --- the commands against a model ------------------------------------------------------------------

type Model = Map<string, string[] | string>
type ModelReply = Reply | { readonly error: string }

const WRONGTYPE = { error: "WRONGTYPE Operation against a key holding the wrong kind of value" }

const key = fc.constantFrom("k1", "k2", "k3")
const value = fc.constantFrom("a", "b", "c", "")
const values = fc.array(value, { minLength: 1, maxLength: 4 })
const idx = fc.integer({ min: -6, max: 6 })
const side = fc.constantFrom("LEFT", "RIGHT")

const w = (weight: number, arbitrary: fc.Arbitrary<ReadonlyArray<string>>) => ({ weight, arbitrary })

/** Pushes dominate so that lists grow long enough for the other commands to find elements. */
const modelCommand: fc.Arbitrary<ReadonlyArray<string>> = fc.oneof(
  w(8, fc.tuple(fc.constantFrom("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), key, values).map(([c, k, vs]) => [c, k, ...vs])),
  w(1, fc.tuple(fc.constantFrom("LPOP", "RPOP"), key)),
  w(1, fc.tuple(fc.constantFrom("LPOP", "RPOP"), key, fc.integer({ min: 0, max: 5 }).map(String))),
  w(1, fc.tuple(fc.constant("LLEN"), key)),
  w(2, fc.tuple(fc.constant("LINDEX"), key, idx.map(String))),
  w(2, fc.tuple(fc.constant("LSET"), key, idx.map(String), value)),
  w(2, fc.tuple(fc.constant("LREM"), key, fc.integer({ min: -3, max: 3 }).map(String), value)),
  w(1, fc.tuple(fc.constant("LTRIM"), key, idx.map(String), idx.map(String))),
  w(3, fc.tuple(fc.constant("LRANGE"), key, idx.map(String), idx.map(String))),
  w(3, fc.tuple(fc.constant("LINSERT"), key, fc.constantFrom("BEFORE", "AFTER"), value, value)),
  w(
    3,
    fc.tuple(
      fc.constant("LPOS"),
      key,
      value,
      fc.option(fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined })
    ).map(([c, k, v, rank, count, maxlen]) => [
      c,
      k,
      v,
      ...(rank === undefined ? [] : ["RANK", String(rank)]),
      ...(count === undefined ? [] : ["COUNT", String(count)]),
      ...(maxlen === undefined ? [] : ["MAXLEN", String(maxlen)])
    ])
  ),
  w(2, fc.tuple(fc.constant("LMOVE"), key, key, side, side)),
  w(1, fc.tuple(fc.constant("RPOPLPUSH"), key, key)),
  w(
    1,
    fc.tuple(fc.constant("LMPOP"), fc.array(key, { minLength: 1, maxLength: 3 }), side, fc.integer({ min: 1, max: 4 }))
      .map(([c, ks, s, n]) => [c, String(ks.length), ...ks, s, "COUNT", String(n)])
  ),
  // blocking forms with a 1 ms timeout: they pop like their plain forms, or time out with a null
  w(1, fc.tuple(fc.constantFrom("BLPOP", "BRPOP"), fc.array(key, { minLength: 1, maxLength: 3 })).map(([c, ks]) => [c, ...ks, "0.001"])),
  w(1, fc.tuple(fc.constant("BLMOVE"), key, key, side, side).map((c) => [...c, "0.001"])),
  w(1, fc.tuple(fc.constant("SET"), key, fc.constant("str")).filter(() => true)),
  w(1, fc.tuple(fc.constant("DEL"), key))
)

/** Redis's list semantics in the most direct form: arrays, shift/unshift/splice. */
const applyToModel = (model: Model, argv: ReadonlyArray<string>): ModelReply => {
  const [name, k] = argv as [string, string]
  const current = model.get(k)
  const list = (): string[] | undefined => (typeof current === "string" ? undefined : current)
  const save = (key: string, l: string[]) => (l.length === 0 ? model.delete(key) : model.set(key, l))
  const normalize = (i: number, len: number) => (i < 0 ? len + i : i)
  const range = (l: string[], s: number, e: number): [number, number] | undefined => {
    const start = Math.max(0, normalize(s, l.length))
    const end = Math.min(normalize(e, l.length), l.length - 1)
    return start > end || start >= l.length ? undefined : [start, end]
  }
  const popFrom = (l: string[], s: string) => (s === "LEFT" ? l.shift()! : l.pop()!)
  const pushTo = (l: string[], s: string, v: string) => (s === "LEFT" ? l.unshift(v) : l.push(v))
  if (name === "SET") {
    model.set(k, argv[2]!)
    return "OK"
  }
  if (name === "DEL") return model.delete(k) ? 1 : 0
  const multiKey = name === "LMPOP" || name === "BLPOP" || name === "BRPOP"
  if (typeof current === "string" && !multiKey && name !== "LMOVE" && name !== "RPOPLPUSH" && name !== "BLMOVE") {
    return WRONGTYPE
  }
  switch (name) {
    case "LPUSH":
    case "RPUSH":
    case "LPUSHX":
    case "RPUSHX": {
      if (current === undefined && name.endsWith("X")) return 0
      const l = list() ?? []
      for (const v of argv.slice(2)) pushTo(l, name.startsWith("L") ? "LEFT" : "RIGHT", v)
      save(k, l)
      return l.length
    }
    case "LPOP":
    case "RPOP": {
      const l = list()
      const s = name === "LPOP" ? "LEFT" : "RIGHT"
      if (argv.length === 2) {
        if (l === undefined) return null
        const v = popFrom(l, s)
        save(k, l)
        return v
      }
      if (l === undefined) return null
      const n = Math.min(Number(argv[2]), l.length)
      const out: string[] = []
      for (let i = 0; i < n; i++) out.push(popFrom(l, s))
      save(k, l)
      return out
    }
    case "LLEN":
      return list()?.length ?? 0
    case "LINDEX": {
      const l = list()
      if (l === undefined) return null
      return l[normalize(Number(argv[2]), l.length)] ?? null
    }
    case "LSET": {
      const l = list()
      if (l === undefined) return { error: "ERR no such key" }
      const i = normalize(Number(argv[2]), l.length)
      if (i < 0 || i >= l.length) return { error: "ERR index out of range" }
      l[i] = argv[3]!
      return "OK"
    }
    case "LREM": {
      const l = list()
      if (l === undefined) return 0
      const count = Number(argv[2])
      const order = l.map((_, i) => i)
      if (count < 0) order.reverse()
      const drop = new Set(order.filter((i) => l[i] === argv[3]).slice(0, count === 0 ? undefined : Math.abs(count)))
      save(k, l.filter((_, i) => !drop.has(i)))
      return drop.size
    }
    case "LTRIM": {
      const l = list()
      if (l === undefined) return "OK"
      const r = range(l, Number(argv[2]), Number(argv[3]))
      save(k, r === undefined ? [] : l.slice(r[0], r[1] + 1))
      return "OK"
    }
    case "LRANGE": {
      const l = list()
      if (l === undefined) return []
      const r = range(l, Number(argv[2]), Number(argv[3]))
      return r === undefined ? [] : l.slice(r[0], r[1] + 1)
    }
    case "LINSERT": {
      const l = list()
      if (l === undefined) return 0
      const at = l.indexOf(argv[3]!)
      if (at === -1) return -1
      l.splice(argv[2] === "AFTER" ? at + 1 : at, 0, argv[4]!)
      return l.length
    }
    case "LPOS": {
      const option = (o: string) => {
        const at = argv.indexOf(o, 3)
        return at === -1 ? undefined : Number(argv[at + 1])
      }
      const rank = option("RANK") ?? 1
      const count = option("COUNT")
      const maxlen = option("MAXLEN") ?? 0
      const l = list()
      if (l === undefined) return count === undefined ? null : []
      let order = l.map((_, i) => i)
      if (rank < 0) order.reverse()
      if (maxlen > 0) order = order.slice(0, maxlen)
      const matches = order.filter((i) => l[i] === argv[2]).slice(Math.abs(rank) - 1)
      if (count === undefined) return matches[0] ?? null
      return count === 0 ? matches : matches.slice(0, count)
    }
    case "LMOVE":
    case "RPOPLPUSH":
    case "BLMOVE": {
      const [from, to] = name === "RPOPLPUSH" ? ["RIGHT", "LEFT"] : [argv[3]!, argv[4]!]
      const destinationKey = argv[2]!
      if (typeof current === "string") return WRONGTYPE
      if (current === undefined) return name === "BLMOVE" ? null : null
      const destination = model.get(destinationKey)
      if (typeof destination === "string") return WRONGTYPE
      const v = popFrom(current, from)
      const d = destinationKey === k ? current : destination ?? []
      pushTo(d, to, v)
      save(k, current)
      save(destinationKey, d)
      return v
    }
    case "LMPOP":
    case "BLPOP":
    case "BRPOP": {
      const keys = name === "LMPOP" ? argv.slice(2, 2 + Number(argv[1])) : argv.slice(1, -1)
      const s = name === "LMPOP" ? argv[2 + Number(argv[1])]! : name === "BLPOP" ? "LEFT" : "RIGHT"
      for (const kk of keys) {
        const l = model.get(kk)
        if (l === undefined) continue
        if (typeof l === "string") return WRONGTYPE
        if (name !== "LMPOP") {
          const v = popFrom(l, s)
          save(kk, l)
          return [kk, v]
        }
        const n = Math.min(Number(argv[argv.length - 1]), l.length)
        const out: string[] = []
        for (let i = 0; i < n; i++) out.push(popFrom(l, s))
        save(kk, l)
        return [kk, out]
      }
      return null
    }
  }
  throw new Error(`no model for ${name}`)
}

describe("list commands against a model (in-process RedisClient)", () => {
  const run = embeddedRunner()

  it("every reply and the final contents match the model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(modelCommand, { maxLength: 50 }), async (commands) => {
        await run(["FLUSHALL"])
        const model: Model = new Map()
        for (const argv of commands) {
          const expected = applyToModel(model, argv)
          const actual = await run(argv)
          expect(actual, argv.join(" ")).toEqual(expected)
        }
        for (const k of ["k1", "k2", "k3"]) {
          const m = model.get(k)
          if (typeof m === "string") continue
          expect(await run(["LRANGE", k, "0", "-1"])).toEqual(m ?? [])
          expect(await run(["EXISTS", k])).toBe(m === undefined ? 0 : 1)
        }
      }),
      { numRuns: 200 }
    )
  })
})

/**
 * Model-based property tests of streams: StreamValue and IdMap against plain sorted arrays, the rax
 * node count against a trie built key by key, and the consumer-group commands (run through the
 * in-process RedisClient) against a naive model of entries, groups, pending entries and delivery
 * counts. Plus a million-entry stream, whose lookups must not scan it.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { formatId, IdMap, makeId, MAX_ID, MIN_ID, type StreamId, StreamValue } from "../../src/keyspace/StreamValue.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { embeddedRunner } from "../support/embedded.ts"

// --- StreamValue against a sorted array ----------------------------------------------------------------

interface ModelEntry {
  readonly id: StreamId
  readonly pairs: ReadonlyArray<string>
}

type ValueOp =
  | { readonly op: "append"; readonly gap: number; readonly pairs: ReadonlyArray<string> }
  | { readonly op: "delete"; readonly picks: ReadonlyArray<number> }
  | { readonly op: "trimLen"; readonly maxlen: number; readonly approx: boolean; readonly limit: number }
  | { readonly op: "trimMinId"; readonly pick: number; readonly approx: boolean }
  | { readonly op: "range"; readonly a: number; readonly b: number; readonly count: number; readonly rev: boolean }

const field = fc.constantFrom("f", "g", "", "123", "long-field-name")
const pairsArb = fc.array(fc.tuple(field, fc.constantFrom("v", "", "42", "x".repeat(100))), { minLength: 1, maxLength: 3 })
  .map((ps) => ps.flat())
const valueOp: fc.Arbitrary<ValueOp> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("append" as const), gap: fc.nat(3), pairs: pairsArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), picks: fc.array(fc.nat(60), { maxLength: 4 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("trimLen" as const), maxlen: fc.nat(30), approx: fc.boolean(), limit: fc.constantFrom(0, 0, 5, 50) })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("trimMinId" as const), pick: fc.nat(60), approx: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("range" as const), a: fc.nat(80), b: fc.nat(80), count: fc.nat(5), rev: fc.boolean() })
  }
)

/** An ID around the model's entries: existing ones and the gaps between them. */
const idAt = (model: ReadonlyArray<ModelEntry>, pick: number): StreamId =>
  model.length === 0 ? makeId(BigInt(pick), 0n) : pick % 4 === 3
  ? model[(pick >> 2) % model.length]!.id - 1n
  : pick % 2 === 0
  ? model[(pick >> 1) % model.length]!.id
  : model[(pick >> 1) % model.length]!.id + 1n

describe("StreamValue", () => {
  it("holds the entries of a sorted array under appends, deletes, trims and range reads", () => {
    fc.assert(
      fc.property(
        fc.constantFrom({ maxBytes: 4096, maxEntries: 100 }, { maxBytes: 120, maxEntries: 3 }, { maxBytes: 0, maxEntries: 1 }),
        fc.array(valueOp, { minLength: 20, maxLength: 80 }),
        // IDs with small halves, halves crossing 2^53 (where nodes switch from numbers to bigints), and
        // halves near 2^64
        fc.constantFrom(0n, 2n ** 53n - 30n, 2n ** 64n - 400n),
        fc.constantFrom(0n, 2n ** 53n - 2n, 2n ** 64n - 8n),
        (limits, ops, msBase, seqBase) => {
          const stream = new StreamValue()
          let model: Array<ModelEntry> = []
          let next = 1n
          let added = 0n
          let maxDeleted = MIN_ID
          for (const op of ops) {
            switch (op.op) {
              case "append": {
                next += BigInt(op.gap)
                const id = makeId(msBase + next, seqBase + BigInt(op.gap))
                next++
                stream.append(id, [...op.pairs], limits)
                model.push({ id, pairs: op.pairs })
                added++
                break
              }
              case "delete": {
                const ids = op.picks.map((p) => idAt(model, p))
                const expected = new Set(ids.filter((id) => model.some((e) => e.id === id))).size
                expect(stream.deleteEntries(ids)).toBe(expected)
                for (const id of ids) {
                  if (model.some((e) => e.id === id) && id > maxDeleted) maxDeleted = id
                }
                model = model.filter((e) => !ids.includes(e.id))
                break
              }
              case "trimLen": {
                const before = model.length
                const deleted = stream.trim({ strategy: "maxlen", maxlen: op.maxlen, minid: MIN_ID, approx: op.approx, limit: op.approx ? op.limit : 0 })
                // exact trimming keeps exactly maxlen; approximate trimming never goes below it
                if (!op.approx) expect(stream.length).toBe(Math.min(before, op.maxlen))
                else expect(stream.length).toBeGreaterThanOrEqual(Math.min(before, op.maxlen))
                if (op.approx && op.limit > 0) expect(deleted).toBeLessThanOrEqual(op.limit)
                expect(deleted).toBe(before - stream.length)
                model = model.slice(deleted)
                break
              }
              case "trimMinId": {
                const minid = idAt(model, op.pick)
                const before = model.length
                const deleted = stream.trim({ strategy: "minid", maxlen: 0, minid, approx: op.approx, limit: 0 })
                const below = model.filter((e) => e.id < minid).length
                if (!op.approx) expect(deleted).toBe(below)
                else expect(deleted).toBeLessThanOrEqual(below)
                model = model.slice(deleted)
                expect(stream.length).toBe(before - deleted)
                break
              }
              case "range": {
                const start = idAt(model, op.a)
                const end = idAt(model, op.b)
                const inRange = model.filter((e) => e.id >= start && e.id <= end)
                const ordered = op.rev ? inRange.reverse() : inRange
                const expected = op.count === 0 ? ordered : ordered.slice(0, op.count)
                expect(stream.range(start, end, op.count, op.rev).map((e) => [e.id, e.pairs])).toEqual(
                  expected.map((e) => [e.id, e.pairs])
                )
                break
              }
            }
            expect(stream.length).toBe(model.length)
            expect(stream.entriesAdded).toBe(added)
            expect(stream.firstId).toBe(model[0]?.id ?? MIN_ID)
            expect(stream.lastValidId()).toBe(model[model.length - 1]?.id ?? MIN_ID)
            if (maxDeleted !== MIN_ID) expect(stream.maxDeletedId).toBe(maxDeleted)
          }
          expect(stream.range(MIN_ID, MAX_ID, 0).map((e) => e.id)).toEqual(model.map((e) => e.id))
          for (const e of model) expect(stream.get(e.id)?.pairs).toEqual(e.pairs)
          expect(stream.get(makeId(msBase + next + 5n, 0n))).toBeUndefined()
          const copy = stream.clone()
          copy.deleteEntries(model.map((e) => e.id))
          expect(stream.length).toBe(model.length)
          expect(copy.length).toBe(0)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("counts rax nodes like a radix tree built key by key", () => {
    // the nodes Redis's rax has for a set of 16-byte keys, found by inserting into a plain trie and
    // counting the positions a rax keeps: the root, keys, branching positions, and the first
    // position below a branch (where a compressed chain starts)
    const bruteForce = (keys: ReadonlyArray<StreamId>): number => {
      if (keys.length === 0) return 1
      const trie = new Map<string, Set<number>>()
      for (const k of keys) {
        const bytes = k.toString(16).padStart(32, "0")
        for (let depth = 0; depth < 16; depth++) {
          const prefix = bytes.slice(0, depth * 2)
          const children = trie.get(prefix) ?? new Set<number>()
          children.add(Number.parseInt(bytes.slice(depth * 2, depth * 2 + 2), 16))
          trie.set(prefix, children)
        }
      }
      const kept = new Set<string>([""])
      for (const k of keys) kept.add(k.toString(16).padStart(32, "0"))
      for (const [prefix, children] of trie) {
        if (children.size < 2) continue
        kept.add(prefix)
        for (const c of children) kept.add(prefix + c.toString(16).padStart(2, "0"))
      }
      return kept.size
    }
    const idArb = fc.oneof(
      fc.tuple(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: 3n })).map(([ms, seq]) => makeId(ms, seq)),
      fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([ms, seq]) =>
        makeId(ms, seq)
      )
    )
    fc.assert(
      fc.property(fc.uniqueArray(idArb, { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 10 }), (ids, drops) => {
        const sorted = [...ids].sort((a, b) => (a < b ? -1 : 1))
        const stream = new StreamValue()
        // one entry per node: the rax keys are then the live entries' IDs
        for (const id of sorted) stream.append(id, ["f", "v"], { maxBytes: 0, maxEntries: 1 })
        const dropped = drops.map((d) => sorted[d % Math.max(1, sorted.length)]).filter((x) => x !== undefined)
        stream.deleteEntries(dropped)
        const live = sorted.filter((id) => !dropped.includes(id))
        expect(stream.nodeCount).toBe(live.length)
        expect(stream.raxNodeCount()).toBe(bruteForce(live))
      }),
      { numRuns: 500 }
    )
  })

  it("finds entries of a million-entry stream without scanning it", () => {
    const stream = new StreamValue()
    const limits = { maxBytes: 4096, maxEntries: 100 }
    const pairs = ["field", "value"]
    for (let i = 1; i <= 1_000_000; i++) stream.append(makeId(BigInt(i), 0n), pairs, limits)
    expect(stream.nodeCount).toBe(10_000)
    // 100k point reads and ranges: linear scans would take minutes
    for (let i = 0; i < 100_000; i++) {
      const ms = BigInt(1 + ((i * 7919) % 1_000_000))
      const got = stream.range(makeId(ms, 0n), MAX_ID, 2)
      expect(got[0]!.id).toBe(makeId(ms, 0n))
      if (ms < 1_000_000n) expect(got[1]!.id).toBe(makeId(ms + 1n, 0n))
      expect(stream.get(makeId(ms, 1n))).toBeUndefined()
    }
    expect(stream.range(makeId(500_000n, 0n), MAX_ID, 1, true)[0]!.id).toBe(makeId(1_000_000n, 0n))
    expect(stream.range(MIN_ID, makeId(500_000n, 5n), 1, true)[0]!.id).toBe(makeId(500_000n, 0n))
    // trimming drops whole nodes from the front
    expect(stream.trim({ strategy: "maxlen", maxlen: 10, minid: MIN_ID, approx: true, limit: 0 })).toBe(999_900)
    expect(stream.length).toBe(100)
  })
})

describe("IdMap", () => {
  it("behaves like a sorted map", () => {
    const key = fc.bigInt({ min: 0n, max: 600n })
    const op = fc.oneof(
      fc.record({ op: fc.constant("set" as const), key, value: fc.nat() }),
      fc.record({ op: fc.constant("delete" as const), key }),
      fc.record({ op: fc.constant("bulk" as const), from: key, n: fc.integer({ min: 100, max: 700 }) })
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(key, { maxLength: 10 }), (ops, probes) => {
        const map = new IdMap<number>()
        const model = new Map<bigint, number>()
        for (const o of ops) {
          if (o.op === "set") {
            map.set(o.key, o.value)
            model.set(o.key, o.value)
          } else if (o.op === "delete") {
            expect(map.delete(o.key)).toBe(model.get(o.key))
            model.delete(o.key)
          } else {
            for (let i = 0n; i < BigInt(o.n); i++) {
              map.set(o.from + i, Number(i))
              model.set(o.from + i, Number(i))
            }
          }
          expect(map.size).toBe(model.size)
        }
        const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : 1))
        const seen: Array<bigint> = []
        map.forEachFrom(MIN_ID, (id, value) => {
          seen.push(id)
          expect(value).toBe(model.get(id))
        })
        expect(seen).toEqual(sorted)
        expect(map.firstKey()).toBe(sorted[0])
        expect(map.lastKey()).toBe(sorted[sorted.length - 1])
        for (const p of probes) {
          expect(map.get(p)).toBe(model.get(p))
          expect(map.ceiling(p)).toBe(sorted.find((k) => k >= p))
        }
      }),
      { numRuns: 300 }
    )
  })
})

// --- consumer groups against a model ---------------------------------------------------------------

interface Pending {
  consumer: string
  count: number
}

interface ModelGroup {
  lastId: StreamId
  readonly pel: Map<StreamId, Pending>
  readonly consumers: Set<string>
}

interface Model {
  entries: Array<ModelEntry>
  next: number
  readonly groups: Map<string, ModelGroup>
}

type ModelReply = Reply | { readonly error: string }

const entryReply = (e: ModelEntry): Reply => [formatId(e.id), [...e.pairs]]

const sortedPel = (pel: Map<StreamId, Pending>): Array<[StreamId, Pending]> =>
  [...pel].sort(([a], [b]) => (a < b ? -1 : 1))

/** Stands for an ID of an entry added earlier (resolved against the model when the command runs). */
type GroupOp =
  | { readonly op: "add" }
  | { readonly op: "del"; readonly picks: ReadonlyArray<number> }
  | { readonly op: "read"; readonly group: string; readonly consumer: string; readonly count: number; readonly history: boolean }
  | { readonly op: "ack"; readonly group: string; readonly picks: ReadonlyArray<number> }
  | { readonly op: "claim"; readonly group: string; readonly consumer: string; readonly picks: ReadonlyArray<number>; readonly justid: boolean }
  | { readonly op: "autoclaim"; readonly group: string; readonly consumer: string; readonly pick: number; readonly count: number }
  | { readonly op: "pending"; readonly group: string; readonly summary: boolean }
  | { readonly op: "setid"; readonly group: string; readonly pick: number }
  | { readonly op: "delconsumer"; readonly group: string; readonly consumer: string }

const groupArb = fc.constantFrom("g1", "g2")
const consumerArb = fc.constantFrom("alice", "bob", "carol")
const picks = fc.array(fc.nat(30), { minLength: 1, maxLength: 3 })
const groupOp: fc.Arbitrary<GroupOp> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ op: "add" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("del" as const), picks }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("read" as const), group: groupArb, consumer: consumerArb, count: fc.nat(3), history: fc.boolean() })
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("ack" as const), group: groupArb, picks }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("claim" as const), group: groupArb, consumer: consumerArb, picks, justid: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("autoclaim" as const), group: groupArb, consumer: consumerArb, pick: fc.nat(30), count: fc.integer({ min: 1, max: 3 }) })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("pending" as const), group: groupArb, summary: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("setid" as const), group: groupArb, pick: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delconsumer" as const), group: groupArb, consumer: consumerArb }) }
)

/** The IDs handed out so far (entries deleted since included): picks resolve into these. */
const pickId = (model: Model, pick: number): StreamId => makeId(BigInt(1 + (pick % Math.max(1, model.next - 1))), 0n)

/** The command for an operation, and its result on the model. */
const step = (model: Model, op: GroupOp): { readonly argv: ReadonlyArray<string>; readonly expected: ModelReply } => {
  const live = (x: StreamId) => model.entries.find((e) => e.id === x)
  const group = "group" in op ? model.groups.get(op.group)! : undefined
  switch (op.op) {
    case "add": {
      const x = makeId(BigInt(model.next++), 0n)
      model.entries.push({ id: x, pairs: ["n", String(model.next)] })
      return { argv: ["XADD", "s", formatId(x), "n", String(model.next)], expected: formatId(x) }
    }
    case "del": {
      const ids = op.picks.map((p) => pickId(model, p))
      const before = model.entries.length
      model.entries = model.entries.filter((e) => !ids.includes(e.id))
      return { argv: ["XDEL", "s", ...ids.map(formatId)], expected: before - model.entries.length }
    }
    case "read": {
      const g = group!
      const countArgs = op.count === 0 ? [] : ["COUNT", String(op.count)]
      const argv = ["XREADGROUP", "GROUP", op.group, op.consumer, ...countArgs, "STREAMS", "s", op.history ? "0" : ">"]
      if (op.history) {
        g.consumers.add(op.consumer)
        const own = sortedPel(g.pel).filter(([, p]) => p.consumer === op.consumer)
        const served = op.count === 0 ? own : own.slice(0, op.count)
        const items = served.map(([x, p]) => {
          const e = live(x)
          if (e === undefined) return [formatId(x), null]
          p.count++
          return entryReply(e)
        })
        return { argv, expected: [["s", items]] }
      }
      const fresh = model.entries.filter((e) => e.id > g.lastId)
      if (fresh.length === 0) return { argv, expected: null }
      g.consumers.add(op.consumer)
      const served = op.count === 0 ? fresh : fresh.slice(0, op.count)
      for (const e of served) {
        g.lastId = e.id
        g.pel.set(e.id, { consumer: op.consumer, count: 1 })
      }
      return { argv, expected: [["s", served.map(entryReply)]] }
    }
    case "ack": {
      const ids = op.picks.map((p) => pickId(model, p))
      let acked = 0
      for (const x of ids) if (group!.pel.delete(x)) acked++
      return { argv: ["XACK", "s", op.group, ...ids.map(formatId)], expected: acked }
    }
    case "claim": {
      const ids = op.picks.map((p) => pickId(model, p))
      const out: Array<Reply> = []
      for (const x of ids) {
        const pending = group!.pel.get(x)
        const e = live(x)
        if (e === undefined) {
          group!.pel.delete(x)
          continue
        }
        if (pending === undefined) continue
        group!.consumers.add(op.consumer)
        pending.consumer = op.consumer
        if (!op.justid) pending.count++
        out.push(op.justid ? formatId(x) : entryReply(e))
      }
      return { argv: ["XCLAIM", "s", op.group, op.consumer, "0", ...ids.map(formatId), ...(op.justid ? ["JUSTID"] : [])], expected: out }
    }
    case "autoclaim": {
      const start = pickId(model, op.pick)
      let count = op.count
      const claimed: Array<Reply> = []
      const deleted: Array<Reply> = []
      const keys = sortedPel(group!.pel).map(([x]) => x).filter((x) => x >= start)
      let cursor = "0-0"
      for (let i = 0; i < keys.length; i++) {
        if (count === 0) {
          cursor = formatId(keys[i]!)
          break
        }
        const x = keys[i]!
        const e = live(x)
        if (e === undefined) {
          group!.pel.delete(x)
          deleted.push(formatId(x))
        } else {
          group!.consumers.add(op.consumer)
          const pending = group!.pel.get(x)!
          pending.consumer = op.consumer
          pending.count++
          claimed.push(entryReply(e))
        }
        count--
      }
      return {
        argv: ["XAUTOCLAIM", "s", op.group, op.consumer, "0", formatId(start), "COUNT", String(op.count)],
        expected: [cursor, claimed, deleted]
      }
    }
    case "pending": {
      const pel = sortedPel(group!.pel)
      if (op.summary) {
        if (pel.length === 0) return { argv: ["XPENDING", "s", op.group], expected: [0, null, null, null] }
        const owners = [...new Set(pel.map(([, p]) => p.consumer))].sort()
        return {
          argv: ["XPENDING", "s", op.group],
          expected: [
            pel.length,
            formatId(pel[0]![0]),
            formatId(pel[pel.length - 1]![0]),
            owners.map((c) => [c, String(pel.filter(([, p]) => p.consumer === c).length)])
          ]
        }
      }
      return {
        argv: ["XPENDING", "s", op.group, "-", "+", "1000"],
        expected: pel.map(([x, p]) => [formatId(x), p.consumer, "<idle>", p.count])
      }
    }
    case "setid": {
      const x = pickId(model, op.pick)
      group!.lastId = x
      return { argv: ["XGROUP", "SETID", "s", op.group, formatId(x)], expected: "OK" }
    }
    case "delconsumer": {
      const g = group!
      if (!g.consumers.has(op.consumer)) return { argv: ["XGROUP", "DELCONSUMER", "s", op.group, op.consumer], expected: 0 }
      g.consumers.delete(op.consumer)
      let owned = 0
      for (const [x, p] of [...g.pel]) {
        if (p.consumer !== op.consumer) continue
        g.pel.delete(x)
        owned++
      }
      return { argv: ["XGROUP", "DELCONSUMER", "s", op.group, op.consumer], expected: owned }
    }
  }
}

describe("consumer-group commands against a model (in-process RedisClient)", () => {
  const run = embeddedRunner()

  /** Idle times depend on the wall clock: the model only knows they are there. */
  const withoutIdle = (argv: ReadonlyArray<string>, reply: ModelReply): ModelReply =>
    argv[0] === "XPENDING" && argv.length > 3 && Array.isArray(reply)
      ? reply.map((row) => (Array.isArray(row) ? row.map((x, i) => (i === 2 ? "<idle>" : x)) : row))
      : reply

  it("entries, pending entries, owners and delivery counts follow the model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(groupOp, { minLength: 25, maxLength: 70 }), async (ops) => {
        await run(["FLUSHALL"])
        const model: Model = {
          entries: [],
          next: 1,
          groups: new Map([
            ["g1", { lastId: MIN_ID, pel: new Map(), consumers: new Set() }],
            ["g2", { lastId: MIN_ID, pel: new Map(), consumers: new Set() }]
          ])
        }
        await run(["XGROUP", "CREATE", "s", "g1", "0", "MKSTREAM"])
        await run(["XGROUP", "CREATE", "s", "g2", "0"])
        for (const op of ops) {
          const { argv, expected } = step(model, op)
          const actual = withoutIdle(argv, await run(argv))
          expect(actual, argv.join(" ")).toEqual(expected)
        }
        expect(await run(["XLEN", "s"])).toBe(model.entries.length)
        for (const [name, g] of model.groups) {
          const consumers = (await run(["XINFO", "CONSUMERS", "s", name])) as ReadonlyArray<ReadonlyArray<Reply>>
          expect(consumers.map((c) => [c[1], c[3]])).toEqual(
            [...g.consumers].sort().map((c) => [c, [...g.pel.values()].filter((p) => p.consumer === c).length])
          )
          const groups = (await run(["XINFO", "GROUPS", "s"])) as ReadonlyArray<ReadonlyArray<Reply>>
          const info = groups.find((x) => x[1] === name)!
          expect(info[info.indexOf("last-delivered-id") + 1]).toBe(formatId(g.lastId))
          expect(info[info.indexOf("pending") + 1]).toBe(g.pel.size)
        }
      }),
      { numRuns: 200 }
    )
  })

  it("parses the IDs it is given in every form Redis accepts (string2ull)", async () => {
    await run(["FLUSHALL"])
    const cases: ReadonlyArray<readonly [string, ModelReply]> = [
      ["5", "5-0"],
      ["6-*", "6-0"],
      ["6-*", "6-1"],
      ["07-1", "7-1"],
      [" 8-1", "8-1"],
      ["+9-1", "9-1"],
      ["10-+2", "10-2"],
      ["11\u0000tail", "11-0"],
      // a '-' before digits negates modulo 2^64 (strtoull), but a plain negative number is rejected
      ["12--03", "12-18446744073709551613"],
      ["12--3", { error: "ERR Invalid stream ID specified as stream command argument" }],
      ["-0-3", { error: "ERR Invalid stream ID specified as stream command argument" }],
      ["12-18446744073709551615", "12-18446744073709551615"],
      // Redis 7.0 reports the overflow of an automatic sequence with this error
      ["12-*", { error: "ERR Elements are too large to be stored" }],
      ["13-18446744073709551616", { error: "ERR Invalid stream ID specified as stream command argument" }]
    ]
    for (const [given, expected] of cases) expect(await run(["XADD", "p", given, "f", "v"]), given).toEqual(expected)
    // an exclusive end: "(11" is 11-18446744073709551615 exclusive (11-0 is in), "(11-0" stops before
    expect(await run(["XRANGE", "p", "10-2", "(11"])).toEqual([["10-2", ["f", "v"]], ["11-0", ["f", "v"]]])
    expect(await run(["XRANGE", "p", "10-2", "(11-0"])).toEqual([["10-2", ["f", "v"]]])
  })
})

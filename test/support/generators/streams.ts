/**
 * Random stream commands (every stream and consumer-group command, errors included) with explicit IDs
 * filled in per sequence (`withIds`), shared by the differential suites.
 */
import fc from "fast-check"
import { anyCase } from "../arbitraries.ts"
import type { Command } from "../differential.ts"

const MAX = "18446744073709551615-18446744073709551615"

export const keyArb = fc.constantFrom("s1", "s2", "str")
export const streamKey = fc.constantFrom("s1", "s1", "s2")
export const groupArb = fc.constantFrom("g1", "g1", "g2")
export const consumerArb = fc.constantFrom("c1", "c2", "c3")
export const ms = fc.integer({ min: 0, max: 12 })
export const seq = fc.integer({ min: 0, max: 3 })
/** IDs as clients write them: full, ms only, and the odd forms Redis accepts or rejects. */
/** Stands for an ID the key was given earlier in the sequence (see withIds). */
export const addedId = fc.nat(20).map((k) => `<added:${k}>`)
export const idArb = fc.oneof(
  // mostly IDs of existing entries, so that deletes, acks and claims find them
  { weight: 8, arbitrary: addedId },
  { weight: 4, arbitrary: fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`) },
  { weight: 2, arbitrary: ms.map(String) },
  { weight: 1, arbitrary: fc.constantFrom("0-0", MAX, "18446744073709551615", "x", "01-1", "1-", "+2", "3--1") }
)
export const rangeStart = fc.oneof({ weight: 3, arbitrary: idArb }, { weight: 1, arbitrary: fc.constantFrom("-", "+") }, {
  weight: 1,
  arbitrary: idArb.map((id) => `(${id}`)
})
export const rangeEnd = fc.oneof({ weight: 3, arbitrary: idArb }, { weight: 1, arbitrary: fc.constantFrom("+", "-") }, {
  weight: 1,
  arbitrary: idArb.map((id) => `(${id}`)
})
export const fieldArb = fc.constantFrom("f", "g", "field", "")
export const valueArb = fc.constantFrom("v", "1", "-5", "", "a longer value with spaces", "x".repeat(70), "12345678901")
export const pairs = fc.array(fc.tuple(fieldArb, valueArb), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())
export const countOpt = fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }).map((n) =>
  n === undefined ? [] : ["COUNT", String(n)]
)
export const trimArb = fc.option(
  fc.tuple(
    fc.constantFrom("MAXLEN", "MINID"),
    fc.constantFrom(undefined, "=", "~", "~"),
    fc.integer({ min: 0, max: 8 }),
    fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined })
  ).map(([strategy, modifier, n, limit]) => [
    strategy,
    ...(modifier === undefined ? [] : [modifier]),
    strategy === "MAXLEN" ? String(n) : `${n}-1`,
    // LIMIT mostly where it is valid (with ~), sometimes where it is an error
    ...(limit === undefined || (modifier !== "~" && limit % 4 !== 0) ? [] : ["LIMIT", String(limit)])
  ]),
  { nil: undefined, freq: 3 }
).map((t) => t ?? [])
/** Stands for the next ID of the key, filled in when a sequence is built, so most XADDs succeed. */
export const NEXT_ID = "<next>"
export const xaddId = fc.oneof(
  { weight: 10, arbitrary: fc.constant(NEXT_ID) },
  { weight: 2, arbitrary: ms.map((m) => `${m}-*`) },
  { weight: 2, arbitrary: idArb }
)
export const minIdle = fc.constantFrom("0", "0", "0", "1000000", "-1")

export const streamCommand: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(streamKey, fc.boolean(), trimArb, xaddId, pairs).map(([k, nomk, trim, id, ps]) => [
      "XADD",
      k,
      ...(nomk && ps.length > 2 ? ["NOMKSTREAM"] : []),
      ...trim,
      id,
      ...ps
    ])
  },
  { weight: 1, arbitrary: fc.tuple(anyCase("xlen"), keyArb) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("XRANGE", "XREVRANGE"), keyArb, rangeStart, rangeEnd, countOpt).map((
      [c, k, a, b, count]
    ) => [c, k, a, b, ...count])
  },
  { weight: 2, arbitrary: fc.tuple(streamKey, fc.array(idArb, { minLength: 1, maxLength: 3 })).map(([k, ids]) => ["XDEL", k, ...ids]) },
  {
    weight: 2,
    arbitrary: fc.tuple(streamKey, trimArb.filter((t) => t.length > 0)).map(([k, t]) => ["XTRIM", k, ...t])
  },
  {
    weight: 1,
    arbitrary: fc.tuple(streamKey, idArb, fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }), fc.option(idArb, { nil: undefined }))
      .map(([k, id, added, maxdel]) => [
        "XSETID",
        k,
        id,
        ...(added === undefined ? [] : ["ENTRIESADDED", String(added)]),
        ...(maxdel === undefined ? [] : ["MAXDELETEDID", maxdel])
      ])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.array(fc.tuple(keyArb, fc.oneof(idArb, fc.constant("$"))), { minLength: 1, maxLength: 2 }), countOpt)
      .map(([streams, count]) => ["XREAD", ...count, "STREAMS", ...streams.map(([k]) => k), ...streams.map(([, id]) => id)])
  },
  {
    weight: 6,
    arbitrary: fc.tuple(
      groupArb,
      consumerArb,
      countOpt,
      fc.boolean(),
      fc.array(fc.tuple(streamKey, fc.oneof({ weight: 3, arbitrary: fc.constant(">") }, { weight: 1, arbitrary: idArb })), {
        minLength: 1,
        maxLength: 2
      })
    ).map(([g, c, count, noack, streams]) => [
      "XREADGROUP",
      "GROUP",
      g,
      c,
      ...count,
      ...(noack ? ["NOACK"] : []),
      "STREAMS",
      ...streams.map(([k]) => k),
      ...streams.map(([, id]) => id)
    ])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      keyArb,
      groupArb,
      fc.oneof(idArb, fc.constant("$")),
      fc.boolean(),
      fc.option(fc.integer({ min: -2, max: 6 }), { nil: undefined })
    ).map(([k, g, id, mk, er]) => [
      "XGROUP",
      "CREATE",
      k,
      g,
      id,
      ...(mk ? ["MKSTREAM"] : []),
      ...(er === undefined ? [] : ["ENTRIESREAD", String(er)])
    ])
  },
  {
    weight: 1,
    arbitrary: fc.tuple(streamKey, groupArb, fc.oneof(idArb, fc.constant("$")), fc.option(fc.integer({ min: -1, max: 6 }), { nil: undefined }))
      .map(([k, g, id, er]) => ["XGROUP", "SETID", k, g, id, ...(er === undefined ? [] : ["ENTRIESREAD", String(er)])])
  },
  { weight: 1, arbitrary: fc.tuple(streamKey, fc.constantFrom("g2", "g1", "g2")).map(([k, g]) => ["XGROUP", "DESTROY", k, g]) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("CREATECONSUMER", "DELCONSUMER"), streamKey, groupArb, consumerArb).map((
      [sub, k, g, c]
    ) => ["XGROUP", sub, k, g, c])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(streamKey, groupArb, fc.array(idArb, { minLength: 1, maxLength: 3 })).map(([k, g, ids]) => [
      "XACK",
      k,
      g,
      ...ids
    ])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      streamKey,
      groupArb,
      fc.option(fc.constantFrom("0", "1000", "x"), { nil: undefined }),
      rangeStart,
      rangeEnd,
      fc.integer({ min: -1, max: 5 }),
      fc.option(consumerArb, { nil: undefined })
    ).chain(([k, g, idle, a, b, n, c]) =>
      fc.constantFrom(
        ["XPENDING", k, g],
        [
          "XPENDING",
          k,
          g,
          ...(idle === undefined ? [] : ["IDLE", idle]),
          a,
          b,
          String(n),
          ...(c === undefined ? [] : [c])
        ]
      )
    )
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      streamKey,
      groupArb,
      consumerArb,
      minIdle,
      fc.array(idArb, { minLength: 1, maxLength: 3 }),
      fc.subarray([
        ["FORCE"],
        ["JUSTID"],
        ["IDLE", "5000"],
        ["TIME", "0"],
        ["RETRYCOUNT", "3"],
        ["LASTID", "4-0"]
      ])
    ).map(([k, g, c, idle, ids, options]) => ["XCLAIM", k, g, c, idle, ...ids, ...options.flat()])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(streamKey, groupArb, consumerArb, minIdle, rangeStart, countOpt, fc.boolean()).map((
      [k, g, c, idle, start, count, justid]
    ) => ["XAUTOCLAIM", k, g, c, idle, start, ...count, ...(justid ? ["JUSTID"] : [])])
  },
  { weight: 2, arbitrary: keyArb.map((k) => ["XINFO", "STREAM", k]) },
  {
    weight: 2,
    arbitrary: fc.tuple(keyArb, fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined })).map(([k, n]) => [
      "XINFO",
      "STREAM",
      k,
      "FULL",
      ...(n === undefined ? [] : ["COUNT", String(n)])
    ])
  },
  { weight: 1, arbitrary: keyArb.map((k) => ["XINFO", "GROUPS", k]) },
  { weight: 1, arbitrary: fc.tuple(keyArb, groupArb).map(([k, g]) => ["XINFO", "CONSUMERS", k, g]) },
  { weight: 1, arbitrary: fc.constant(["SET", "str", "x"]) },
  { weight: 1, arbitrary: fc.constantFrom(["DEL", "s2"], ["DEL", "str"], ["DEL", "s1"], ["DEL", "s2"]) }
)

/**
 * Consumer-group traffic on one stream whose groups always exist: deliveries, acks, claims and
 * deletions of pending entries, with the IDs of entries the sequence added.
 */
export const groupName = fc.constantFrom("g1", "g2")
export const addedIds = fc.array(addedId, { minLength: 1, maxLength: 3 })
export const groupCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(pairs, fc.nat(9)).map(([ps, n]) => ["XADD", "s1", ...(n === 0 ? ["MAXLEN", "~", "3"] : []), NEXT_ID, ...ps]) },
  {
    weight: 6,
    arbitrary: fc.tuple(groupName, consumerArb, countOpt, fc.nat(5), fc.oneof(fc.constant(">"), fc.constant(">"), fc.constant("0"), addedId))
      .map(([g, c, count, n, id]) => ["XREADGROUP", "GROUP", g, c, ...count, ...(n === 0 ? ["NOACK"] : []), "STREAMS", "s1", id])
  },
  { weight: 4, arbitrary: fc.tuple(groupName, addedIds).map(([g, ids]) => ["XACK", "s1", g, ...ids]) },
  {
    weight: 4,
    arbitrary: fc.tuple(
      groupName,
      consumerArb,
      minIdle,
      addedIds,
      fc.subarray([["FORCE"], ["JUSTID"], ["IDLE", "5000"], ["TIME", "0"], ["RETRYCOUNT", "3"], ["LASTID", "<added:3>"]], {
        maxLength: 2
      })
    ).map(([g, c, idle, ids, options]) => ["XCLAIM", "s1", g, c, idle, ...ids, ...options.flat()])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(groupName, consumerArb, minIdle, fc.oneof(fc.constant("0"), addedId, addedId.map((id) => `(${id}`)), countOpt, fc.boolean())
      .map(([g, c, idle, start, count, justid]) => ["XAUTOCLAIM", "s1", g, c, idle, start, ...count, ...(justid ? ["JUSTID"] : [])])
  },
  {
    weight: 3,
    arbitrary: fc.tuple(groupName, fc.constantFrom([], ["IDLE", "0"], ["IDLE", "1000"]), fc.integer({ min: 0, max: 5 }), fc.option(consumerArb, { nil: undefined }))
      .chain(([g, idle, n, c]) =>
        fc.constantFrom(["XPENDING", "s1", g], ["XPENDING", "s1", g, ...idle, "-", "+", String(n), ...(c === undefined ? [] : [c])])
      )
  },
  { weight: 2, arbitrary: addedIds.map((ids) => ["XDEL", "s1", ...ids]) },
  {
    weight: 3,
    arbitrary: fc.tuple(groupName, fc.nat(2)).map(([g, n]) =>
      n === 0 ? ["XINFO", "STREAM", "s1", "FULL"] : n === 1 ? ["XINFO", "GROUPS", "s1"] : ["XINFO", "CONSUMERS", "s1", g]
    )
  },
  {
    weight: 1,
    arbitrary: fc.tuple(groupName, fc.oneof(fc.constant("0"), fc.constant("$"), addedId), fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined }))
      .map(([g, id, er]) => ["XGROUP", "SETID", "s1", g, id, ...(er === undefined ? [] : ["ENTRIESREAD", String(er)])])
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("CREATECONSUMER", "DELCONSUMER"), groupName, consumerArb).map(([sub, g, c]) => ["XGROUP", sub, "s1", g, c])
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("MAXLEN", "MINID"), fc.nat(4)).map(([t, n]) => ["XTRIM", "s1", t, t === "MAXLEN" ? String(n) : `${n}-1`]) }
)

/** Streams with groups to start from, so that most commands find something to work on. */
export const populated: ReadonlyArray<Command> = [
  ["XADD", "s1", "1-0", "f", "v"],
  ["XADD", "s1", "2-0", "f", "v", "g", "w"],
  ["XGROUP", "CREATE", "s1", "g1", "0"],
  ["XGROUP", "CREATE", "s1", "g2", "$"],
  ["XADD", "s2", "1-1", "f", "v"],
  ["XGROUP", "CREATE", "s2", "g1", "0"]
]

/**
 * Fills in the placeholders: NEXT_ID becomes the key's next increasing ID (ms = a counter, seq
 * varying), `<added:k>` one of the IDs given to the key so far.
 */
export const withIds = (commands: ReadonlyArray<Command>, prefix: ReadonlyArray<Command>): ReadonlyArray<Command> => {
  const added = new Map<string, Array<string>>()
  for (const c of prefix) if (c[0] === "XADD") added.set(c[1]!, [...(added.get(c[1]!) ?? []), c[2]!])
  const built = commands.map((command) => {
    const key = command[command[0] === "XGROUP" ? 2 : 1]!
    const ids = added.get(key) ?? []
    return command.map((arg) => {
      if (arg === NEXT_ID) {
        const n = ids.length + 1
        const id = `${n}-${n % 3}`
        added.set(key, [...ids, id])
        return id
      }
      const placeholder = /^(\(?)<added:(\d+)>$/.exec(arg)
      if (placeholder === null) return arg
      return placeholder[1]! + (ids.length === 0 ? "1-1" : ids[Number(placeholder[2]) % ids.length]!)
    })
  })
  return [...prefix, ...built]
}

/** Sequences of every stream command: one in five from an empty database, the others from `populated`. */
export const streamSequences = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.array(streamCommand, { minLength: 10, maxLength: 35 })).map((
  [start, commands]
) => withIds(commands, start === 0 ? [] : populated))

export const groupSequences = fc.array(groupCommand, { minLength: 15, maxLength: 40 }).map((commands) => withIds(commands, populated))

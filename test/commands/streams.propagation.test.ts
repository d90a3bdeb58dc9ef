/**
 * What stream commands tell the rest of the system, compared with a real redis-server: the commands
 * they propagate (Redis's AOF, read back from its file, against our `onPropagate` stream) and the
 * keyspace events they emit (Redis's `__keyevent@*__` messages against our `onNotify`). Covers
 * Redis's rewrites: XADD's generated IDs, `~` trimming turned exact, XREADGROUP/XCLAIM/XAUTOCLAIM as
 * XCLAIM ... FORCE JUSTID LASTID, NOACK reads as XGROUP SETID/CREATECONSUMER, and waiters served
 * later, with the MULTI/EXEC that wraps the several commands one command propagates.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { servedOnBoth } from "../support/blocking.ts"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"

const key = fc.constantFrom("s1", "s2")
const ms = fc.integer({ min: 1, max: 9 })
const id = fc.tuple(ms, fc.integer({ min: 0, max: 2 })).map(([m, s]) => `${m}-${s}`)
const ids = fc.array(id, { minLength: 1, maxLength: 3 })
const groupName = fc.constantFrom("g1", "g2")
const consumer = fc.constantFrom("c1", "c2")

/** Writes mostly (reads propagate nothing). */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, ms).map(([k, m]) => ["XADD", k, `${m}-*`, "f", "v"]) },
  { weight: 3, arbitrary: fc.tuple(key, id).map(([k, i]) => ["XADD", k, i, "f", "v"]) },
  {
    weight: 2,
    arbitrary: fc.tuple(key, fc.constantFrom("MAXLEN", "MINID"), fc.constantFrom("~", "=", "~"), ms, id).map((
      [k, strategy, modifier, n, i]
    ) => ["XADD", k, strategy, modifier, strategy === "MAXLEN" ? String(n % 4) : `${n}-0`, i, "f", "v"])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(key, fc.constantFrom("MAXLEN", "MINID"), fc.constantFrom("~", "="), ms).map((
      [k, strategy, modifier, n]
    ) => ["XTRIM", k, strategy, modifier, strategy === "MAXLEN" ? String(n % 4) : `${n}-0`])
  },
  { weight: 2, arbitrary: fc.tuple(key, ids).map(([k, is]) => ["XDEL", k, ...is]) },
  { weight: 2, arbitrary: fc.tuple(key, groupName, fc.constantFrom("0", "$")).map(([k, g, i]) => ["XGROUP", "CREATE", k, g, i, "MKSTREAM"]) },
  {
    weight: 6,
    arbitrary: fc.tuple(groupName, consumer, fc.boolean(), key, fc.constantFrom(">", ">", "0")).map(([g, c, noack, k, i]) => [
      "XREADGROUP",
      "GROUP",
      g,
      c,
      ...(noack ? ["NOACK"] : []),
      "STREAMS",
      k,
      i
    ])
  },
  { weight: 2, arbitrary: fc.tuple(key, groupName, ids).map(([k, g, is]) => ["XACK", k, g, ...is]) },
  {
    weight: 3,
    arbitrary: fc.tuple(key, groupName, consumer, ids, fc.subarray(["FORCE", "JUSTID"]), fc.boolean()).map((
      [k, g, c, is, flags, lastid]
    ) => ["XCLAIM", k, g, c, "0", ...is, ...flags, ...(lastid ? ["LASTID", "5-0"] : [])])
  },
  {
    weight: 2,
    arbitrary: fc.tuple(key, groupName, consumer, fc.boolean()).map(([k, g, c, justid]) => [
      "XAUTOCLAIM",
      k,
      g,
      c,
      "0",
      "0",
      "COUNT",
      "2",
      ...(justid ? ["JUSTID"] : [])
    ])
  },
  { weight: 1, arbitrary: fc.tuple(key, groupName, fc.constantFrom("0", "$", "3-0")).map(([k, g, i]) => ["XGROUP", "SETID", k, g, i]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName, consumer).map(([k, g, c]) => ["XGROUP", "CREATECONSUMER", k, g, c]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName, consumer).map(([k, g, c]) => ["XGROUP", "DELCONSUMER", k, g, c]) },
  { weight: 1, arbitrary: fc.tuple(key, groupName).map(([k, g]) => ["XGROUP", "DESTROY", k, g]) },
  { weight: 1, arbitrary: fc.tuple(key, ms).map(([k, m]) => ["XSETID", k, `${m + 10}-0`]) },
  { weight: 1, arbitrary: key.map((k) => ["DEL", k]) }
)

/** Both keys start with an entry and both groups, so that reads and claims have work to do. */
const start: ReadonlyArray<Command> = ["s1", "s2"].flatMap((k) => [
  ["XADD", k, "1-0", "f", "v"],
  ["XGROUP", "CREATE", k, "g1", "0"],
  ["XGROUP", "CREATE", k, "g2", "0"]
])

/** Commands alone, or a few in MULTI/EXEC (one propagation unit with what each propagates). */
const sequences = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: write.map((c) => [c]) },
    { weight: 1, arbitrary: fc.array(write, { minLength: 1, maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
  ),
  { maxLength: 25, size: "medium" }
).map((groups) => [...start, ...groups.flat()])

describeEffects("stream commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const claims = await compareRandomSequences(servers(), effects, sequences, (p) => p.some((c) => c[0] === "XCLAIM"))
    // meaningful only if many sequences delivered or claimed entries
    expect(claims).toBeGreaterThan(30)
  })

  it.each<[string, Command, ReadonlyArray<Command>]>([
    ["XREADGROUP", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], [["XADD", "s", "1-*", "f", "v"]]],
    ["XREADGROUP NOACK", ["XREADGROUP", "GROUP", "g", "new", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"], [["XADD", "s", "1-1", "f", "v"]]],
    ["XREADGROUP COUNT 2 after a transaction", ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", ">"], [
      ["MULTI"],
      ["XADD", "s", "1-1", "f", "v"],
      ["XADD", "s", "2-1", "f", "v"],
      ["XADD", "s", "3-1", "f", "v"],
      ["EXEC"]
    ]],
    ["XREAD", ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], [["XADD", "s", "MAXLEN", "~", "5", "1-1", "f", "v"]]],
    ["XREADGROUP released by DEL", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], [["DEL", "s"]]]
  ])("a served %s propagates and notifies as Redis does", async (_, wait, then) => {
    const { ours, theirs } = servers()
    const replies: Array<string> = []
    await effects.compare(async () => {
      for (const conn of [ours, theirs]) await conn.pipeline([["FLUSHALL"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]])
      replies.push(...(await servedOnBoth(servers(), wait, then)))
    })
    expect(replies[0]).toBe(replies[1])
  })
}, { notify: "Etgn" })

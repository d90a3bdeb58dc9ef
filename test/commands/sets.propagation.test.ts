/**
 * What set commands tell the rest of the system, compared with a real redis-server: the commands they
 * propagate (Redis's AOF, read back from its file, against our `onPropagate` stream) and the keyspace
 * events they emit. Covers SPOP's rewrites (one member: SREM; a count that empties the set: DEL),
 * SMOVE's srem/sadd/del events and the STORE forms deleting or overwriting their destination.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { anyCase } from "../support/arbitraries.ts"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"

const key = fc.constantFrom("a", "b", "c")
const keys = fc.array(key, { minLength: 1, maxLength: 3 })
const member = fc.constantFrom("1", "2", "x", "")
const members = fc.array(member, { minLength: 1, maxLength: 4 })

/** Writes whose effects are deterministic (SPOP only where it takes everything, or one of one). */
const write: fc.Arbitrary<ReadonlyArray<Command>> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyCase("sadd"), key, members).map(([c, k, ms]) => [[c, k, ...ms]]) },
  { weight: 3, arbitrary: fc.tuple(anyCase("srem"), key, members).map(([c, k, ms]) => [[c, k, ...ms]]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("smove"), key, key, member).map((c) => [c]) },
  { weight: 1, arbitrary: fc.tuple(anyCase("spop"), key, fc.constantFrom("0", "10")).map((c) => [c]) },
  { weight: 1, arbitrary: member.map((m) => [["DEL", "one"], ["SADD", "one", m], ["SPOP", "one"]]) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom("SINTERSTORE", "SUNIONSTORE", "sdiffstore"), key, keys).map(([c, d, ks]) => [[c, d, ...ks]])
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constant("string")).map((c) => [c]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), key).map((c) => [c]) }
)

const sequences = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: write },
    { weight: 1, arbitrary: fc.array(write, { maxLength: 3 }).map((cs) => [["MULTI"], ...cs.flat(), ["EXEC"]]) }
  ),
  { maxLength: 15, size: "medium" }
).map((groups) => groups.flat())

describeEffects("set commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const nonEmpty = await compareRandomSequences(servers(), effects, sequences, (p) => p.length > 2)
    expect(nonEmpty).toBeGreaterThan(50)
  })

  it("SPOP with a count smaller than the set propagates one SREM per member in MULTI/EXEC, like Redis", async () => {
    const { ours, theirs } = servers()
    const setup = [["FLUSHALL"], ["SADD", "p", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]]
    await effects.compare(async () => {
      await Promise.all([ours.pipeline(setup), theirs.pipeline(setup)])
    })
    // The members differ (random), so compare the shape: MULTI, n SREMs of popped members, EXEC.
    for (const count of ["2", "7"]) {
      const [reply] = await ours.pipeline([["SPOP", "p", count]])
      const popped = [...(reply!.value as Iterable<string>)]
      expect(effects.propagated.slice(-(popped.length + 2))).toEqual([["MULTI"], ...popped.map((m) => ["SREM", "p", m]), ["EXEC"]])
    }
  })
})

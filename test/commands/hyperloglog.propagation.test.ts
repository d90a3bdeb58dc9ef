/**
 * What HyperLogLog commands propagate and notify, compared with a real redis-server's AOF and keyevents:
 * PFADD as is when it changed a register ("pfadd"), PFMERGE always ("pfadd" on the target), PFCOUNT of
 * one key when it refreshed the cached cardinality (a readonly command that writes: propagated, no
 * event), PFDEBUG TODENSE/GETREG when they converted a sparse HLL.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"
import { hllCommand } from "../support/generators/hyperloglog.ts"

const sequences: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: hllCommand.map((c) => [c]) },
      { weight: 1, arbitrary: fc.array(hllCommand, { maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
    ),
    { minLength: 1, maxLength: 15 }
  )
  .map((groups) => groups.flat())

describeEffects("HyperLogLog commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const nonEmpty = await compareRandomSequences(servers(), effects, sequences, (p) => p.length > 2, 150)
    expect(nonEmpty).toBeGreaterThan(40)
  })

  it("PFCOUNT refreshing the cache, PFDEBUG converting", async () => {
    await effects.compare(async () => {
      const { ours, theirs } = servers()
      const all: ReadonlyArray<Command> = [
        ["FLUSHALL"],
        ["PFADD", "h", "a", "b"],
        ["PFCOUNT", "h"],
        ["PFCOUNT", "h"],
        ["PFDEBUG", "ENCODING", "h"],
        ["PFDEBUG", "TODENSE", "h"],
        ["PFDEBUG", "TODENSE", "h"],
        ["PFADD", "g", "c"],
        ["PFDEBUG", "GETREG", "g"],
        ["PFCOUNT", "h", "g"]
      ]
      const [a, b] = await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
      expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
    })
  })
})

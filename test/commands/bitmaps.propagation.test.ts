/**
 * What bitmap commands tell the rest of the system, compared with a real redis-server: the commands
 * they propagate (Redis's AOF against our `onPropagate` stream) and the keyspace events they emit.
 * SETBIT and BITFIELD propagate only when they changed a bit or grew the string (a BITFIELD whose every
 * write failed under OVERFLOW FAIL still creates its zero-filled key, without propagating it or
 * emitting "setbit"); BITOP stores ("set") or deletes ("del") its target.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"
import { bitmapCommand } from "../support/generators/bitmaps.ts"

const sequences: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: bitmapCommand.map((c) => [c]) },
      { weight: 1, arbitrary: fc.array(bitmapCommand, { maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
    ),
    { minLength: 1, maxLength: 20 }
  )
  .map((groups) => groups.flat())

describeEffects("bitmap commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const nonEmpty = await compareRandomSequences(servers(), effects, sequences, (p) => p.length > 2, 200)
    expect(nonEmpty).toBeGreaterThan(50)
  })

  it.each<[string, ReadonlyArray<Command>]>([
    ["SETBIT that changes nothing", [["SETBIT", "k", "3", "1"], ["SETBIT", "k", "3", "1"], ["SETBIT", "k", "4", "0"], ["SETBIT", "k", "20", "0"]]],
    ["BITFIELD with only failed writes", [["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "30", "9"], ["GET", "k"], ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"]]],
    ["BITFIELD counting its changes", [["BITFIELD", "k", "SET", "u8", "0", "1", "SET", "u8", "0", "1", "INCRBY", "i4", "0", "0"]]],
    ["BITOP storing, then deleting", [["SET", "a", "\u00ff"], ["SET", "d", "x", "EX", "100"], ["BITOP", "NOT", "d", "a"], ["BITOP", "AND", "d", "missing"], ["BITOP", "AND", "d", "missing"]]]
  ])("%s", async (_, commands) => {
    await effects.compare(async () => {
      const { ours, theirs } = servers()
      const all = [["FLUSHALL"], ...commands]
      const [a, b] = await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
      expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
    })
  })
})

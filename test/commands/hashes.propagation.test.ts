/**
 * What hash commands tell the rest of the system, compared with a real redis-server: the commands they
 * propagate (Redis's AOF against our `onPropagate` stream: HINCRBYFLOAT as HSET of its result, no-op
 * writes not at all) and the keyspace events they emit (hset, hdel, hincrby, hincrbyfloat, del).
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { anyCase, floatArg } from "../support/arbitraries.ts"
import type { Command } from "../support/differential.ts"
import { compareRandomSequences, describeEffects } from "../support/effects.ts"

const key = fc.constantFrom("a", "b")
const field = fc.constantFrom("f", "g", "n", "")
const value = fc.constantFrom("1", "2.5", "x", "")
const pairs = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())

const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom("HSET", "hmset"), key, pairs).map(([c, k, ps]) => [c, k, ...ps]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("hsetnx"), key, field, value) },
  { weight: 3, arbitrary: fc.tuple(anyCase("hdel"), key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([c, k, fs]) => [c, k, ...fs]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("hincrby"), key, field, fc.constantFrom("1", "-3", "x")) },
  { weight: 2, arbitrary: fc.tuple(anyCase("hincrbyfloat"), key, field, floatArg) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constant("string")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("DEL"), key) }
)

const sequences = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: write.map((c) => [c]) },
    { weight: 1, arbitrary: fc.array(write, { maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
  ),
  { maxLength: 15, size: "medium" }
).map((groups) => groups.flat())

describeEffects("hash commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const nonEmpty = await compareRandomSequences(servers(), effects, sequences, (p) => p.length > 2)
    expect(nonEmpty).toBeGreaterThan(50)
  })
})

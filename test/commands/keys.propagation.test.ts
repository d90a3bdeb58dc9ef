/**
 * What the key and expiry commands tell the rest of the system, compared with a real redis-server:
 * the commands they propagate (Redis's AOF, read back from its file, against our `onPropagate`) and
 * the keyspace events they emit (its `__keyevent@*__` messages against our `onNotify`). Relative
 * expiries propagate as PEXPIREAT with an absolute time each server takes from its own clock, which
 * the comparison tolerates.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { anyCase } from "../support/arbitraries.ts"
import type { Command } from "../support/differential.ts"
import { describeEffects } from "../support/effects.ts"

const key = fc.constantFrom("a", "b", "c")
const db = fc.constantFrom("0", "1")
const options = fc.constantFrom<ReadonlyArray<string>>([], [], ["NX"], ["xx"], ["GT"], ["LT"])

/**
 * Writes mostly. No short TTLs: a key expiring by itself would do so at a different moment on each
 * server. Past times delete at once, deterministically.
 */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constantFrom("1", "v")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("DEL", "unlink"), fc.array(key, { minLength: 1, maxLength: 3 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("rename"), key, key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("RENAMENX"), key, key) },
  {
    weight: 2,
    arbitrary: fc.tuple(key, key, fc.option(db, { nil: undefined }), fc.boolean()).map(([a, b, d, replace]) => [
      "COPY",
      a,
      b,
      ...(d === undefined ? [] : ["DB", d]),
      ...(replace ? ["REPLACE"] : [])
    ])
  },
  { weight: 2, arbitrary: fc.tuple(fc.constant("MOVE"), key, db) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SELECT"), db) },
  { weight: 2, arbitrary: fc.tuple(anyCase("expire"), key, fc.constantFrom("100", "200", "-1", "0"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("PEXPIRE"), key, fc.constantFrom("100500", "-5"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("EXPIREAT"), key, fc.constantFrom("4102444800", "1"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("pexpireat"), key, fc.constantFrom("4102444800123", "5"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("PERSIST"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("TOUCH", "EXISTS", "TTL"), key) }
)

// No MULTI: Redis 7.0 propagates a transaction with a single write without MULTI/EXEC, which the
// engine does not do (a transactions matter).
const sequences = fc.array(write, { maxLength: 25, size: "max" })

describeEffects("key commands: propagation and keyspace events", (servers, effects) => {
  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const { ours, theirs } = servers()
    let nonTrivial = 0
    await fc.assert(
      fc.asyncProperty(sequences, async (sequence) => {
        await effects.compare(async () => {
          const all = [["RESET"], ["FLUSHALL"], ...sequence]
          await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
        })
        if (effects.propagated.length > 4) nonTrivial++
      }),
      { numRuns: 150 }
    )
    // only meaningful if many sequences did more than a few writes (61-79 of 150 do in measured runs:
    // the bound sits far enough below that a draw does not fail the suite)
    expect(nonTrivial).toBeGreaterThan(35)
  })
}, { notify: "Egxn" })

/**
 * INCRBYFLOAT end to end against a real redis-server: random chains of increments on the same keys
 * (each result is the next stored value, so printing and re-parsing are exercised), stored values of
 * every shape, RESP2 and RESP3 replies compared byte for byte.
 */
import fc from "fast-check"
import { it } from "vitest"
import { longDoubleText } from "../support/arbitraries.ts"
import { type Command, checkSequences, describeDifferential } from "../support/differential.ts"

const key = fc.constantFrom("f1", "f2")

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant("INCRBYFLOAT"), key, longDoubleText) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("SET"), key, longDoubleText) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("INCR", "GET"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("INCRBY"), key, fc.integer({ min: -1000, max: 1000 }).map(String)) }
)

const sequences = fc.array(command, { minLength: 1, maxLength: 30 })

describeDifferential("INCRBYFLOAT against Redis", (servers) => {
  it("RESP2", () => checkSequences(servers(), sequences, { numRuns: 300 }))
  it("RESP3", () => checkSequences(servers(), sequences, { numRuns: 150, setup: [["HELLO", "3"]] }))
})

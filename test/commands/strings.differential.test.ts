/**
 * Random sequences of string commands sent to this server and to a real redis-server, replies
 * compared byte for byte in RESP2 and RESP3. Keys collide on purpose (four names, one of them a
 * list now and then) and values include binary bytes, numbers in every shape, and empty strings.
 */
import fc from "fast-check"
import { it } from "vitest"
import { type Command, checkSequences, describeDifferential } from "../support/differential.ts"
import { lcsOptions, stringCommand } from "../support/generators/strings.ts"


const sequences = fc.array(stringCommand, { minLength: 1, maxLength: 30 })

/** LCS over a small alphabet, where many equally long subsequences exist and Redis's choice shows. */
const lcsText = fc.string({ unit: fc.constantFrom("a", "b", "c", "\u0000", "\u00ff"), maxLength: 24 })
const lcsSequence: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .tuple(lcsText, lcsText, lcsOptions)
  .map(([a, b, options]) => [["MSET", "a", a, "b", b], ["LCS", "a", "b", ...options], ["LCS", "b", "a", ...options], ["LCS", "a", "b", "IDX", "WITHMATCHLEN"]])

describeDifferential("string commands: random sequences against Redis", (servers) => {
  it("RESP2", () => checkSequences(servers(), sequences, { numRuns: 500 }))

  it("RESP3", () => checkSequences(servers(), sequences, { numRuns: 300, setup: [["HELLO", "3"]] }))

  it("LCS picks the same subsequence and ranges (RESP2 and RESP3)", async () => {
    await checkSequences(servers(), lcsSequence, { numRuns: 150 })
    await checkSequences(servers(), lcsSequence, { numRuns: 50, setup: [["HELLO", "3"]] })
  })

  it("inside MULTI/EXEC", () =>
    checkSequences(
      servers(),
      fc.array(stringCommand, { minLength: 1, maxLength: 10 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]),
      { numRuns: 60 }
    ))
})

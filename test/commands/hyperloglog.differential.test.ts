/**
 * Random sequences of HyperLogLog commands sent to this server and to a real redis-server, replies
 * compared byte for byte: PFADD (small sets and batches that promote sparse HLLs to dense), PFCOUNT of
 * one key (the cached cardinality included) and of several, PFMERGE, PFDEBUG, and GET of the keys, so
 * every HLL must be byte-identical to Redis's, sparse opcodes, header and cache bit included. Run with
 * the default hll-sparse-max-bytes and with small ones where promotion happens after a few elements;
 * corrupted values (appended bytes, overwritten opcodes) must be detected the same way.
 */
import fc from "fast-check"
import { it } from "vitest"
import { type Command, checkSequences, describeDifferential } from "../support/differential.ts"
import { hllCommand } from "../support/generators/hyperloglog.ts"

const sequences = fc.array(hllCommand, { minLength: 1, maxLength: 25 })
const withMaxBytes = (bytes: string): ReadonlyArray<Command> => [["CONFIG", "SET", "hll-sparse-max-bytes", bytes]]

describeDifferential("HyperLogLog commands: random sequences against Redis", (servers) => {
  it("default hll-sparse-max-bytes, RESP2", () => checkSequences(servers(), sequences, { numRuns: 300, setup: withMaxBytes("3000") }))

  it("small hll-sparse-max-bytes (promotion after a few elements)", async () => {
    for (const bytes of ["0", "40", "200", "700"]) {
      await checkSequences(servers(), sequences, { numRuns: 80, setup: withMaxBytes(bytes) })
    }
  })

  it("RESP3", () => checkSequences(servers(), sequences, { numRuns: 100, setup: [...withMaxBytes("3000"), ["HELLO", "3"]] }))

  it("inside MULTI/EXEC", () =>
    checkSequences(
      servers(),
      fc.array(hllCommand, { minLength: 1, maxLength: 10 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]),
      { numRuns: 60, setup: withMaxBytes("300") }
    ))

  it("many elements one by one and in batches: the same bytes at every step", () =>
    checkSequences(
      servers(),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 5, maxLength: 30 }).map((sizes) => {
        let next = 0
        return sizes.flatMap((n) => {
          const elements = Array.from({ length: n }, () => `m${next++}`)
          return [["PFADD", "h", ...elements], ["PFCOUNT", "h"], ["GET", "h"]]
        })
      }),
      { numRuns: 30, setup: withMaxBytes("3000") }
    ))
})

/**
 * Random sequences of bitmap commands sent to this server and to a real redis-server, replies compared
 * byte for byte in RESP2 and RESP3: SETBIT, GETBIT, BITCOUNT and BITPOS with every range form, BITOP,
 * BITFIELD and BITFIELD_RO with every overflow mode, over keys that collide (one of them a list now and
 * then) and values set by SET and APPEND, errors included.
 */
import fc from "fast-check"
import { it } from "vitest"
import { checkSequences, describeDifferential } from "../support/differential.ts"
import { bitmapCommand } from "../support/generators/bitmaps.ts"

const sequences = fc.array(bitmapCommand, { minLength: 1, maxLength: 30 })

describeDifferential("bitmap commands: random sequences against Redis", (servers) => {
  it("RESP2", () => checkSequences(servers(), sequences, { numRuns: 500 }))

  it("RESP3", () => checkSequences(servers(), sequences, { numRuns: 200, setup: [["HELLO", "3"]] }))

  it("inside MULTI/EXEC", () =>
    checkSequences(
      servers(),
      fc.array(bitmapCommand, { minLength: 1, maxLength: 10 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]),
      { numRuns: 60 }
    ))
})

/**
 * Random SORT and SORT_RO commands against a real redis-server, replies compared byte for byte: lists,
 * intsets, sets and sorted sets sorted numerically (ties broken by the elements' bytes), with ALPHA,
 * by weights in string keys and hash fields, with GET patterns, LIMIT (Redis's partial quicksort
 * decides the order of equal weights), DESC and STORE, errors included. Sets and sorted sets avoid the
 * cases where Redis's order comes from its hash tables (see the generator).
 */
import fc from "fast-check"
import { it } from "vitest"
import { checkSequences, describeDifferential } from "../support/differential.ts"
import { sortCommand, sortSequence, sortWrite } from "../support/generators/sort.ts"

describeDifferential("SORT: random sequences against Redis", (servers) => {
  it("RESP2", () => checkSequences(servers(), sortSequence, { numRuns: 500 }))

  it("RESP3", () => checkSequences(servers(), sortSequence, { numRuns: 150, setup: [["HELLO", "3"]] }))

  it("long lists with LIMIT: the partial quicksort's order of equal weights", () =>
    checkSequences(
      servers(),
      fc.tuple(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 30, maxLength: 120 }),
        fc.array(fc.constantFrom("1", "2", "3", "a", "b"), { minLength: 61, maxLength: 61 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.boolean()
      ).map(([elements, weights, start, count, alpha, desc]) => [
        ["RPUSH", "l", ...elements.map(String)],
        ...weights.map((w, i) => ["SET", `w_${i}`, w]),
        ["SORT", "l", "BY", "w_*", "LIMIT", String(start), String(count), ...(alpha ? ["ALPHA"] : []), ...(desc ? ["DESC"] : [])],
        ["SORT", "l", "BY", "w_*", "LIMIT", String(start), String(count), "GET", "#", "GET", "w_*", ...(alpha ? ["ALPHA"] : [])]
      ]),
      { numRuns: 150 }
    ))

  it("inside MULTI/EXEC", () =>
    checkSequences(
      servers(),
      fc.tuple(fc.array(sortWrite, { minLength: 3, maxLength: 10 }), fc.array(sortCommand, { minLength: 1, maxLength: 5 }))
        .map(([writes, sorts]) => [...writes, ["MULTI"], ...sorts, ["EXEC"]]),
      { numRuns: 60 }
    ))
})

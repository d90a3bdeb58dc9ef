/** DBSIZE, FLUSHDB, FLUSHALL, SWAPDB against real Redis, and their effect on WATCH. */
import fc from "fast-check"
import { expect, it } from "vitest"
import { anyCase, intArg } from "../support/arbitraries.ts"
import { checkCommands, checkSequences, describeDifferential } from "../support/differential.ts"

describeDifferential("whole-database commands", (servers) => {
  it("errors and replies match Redis", () =>
    checkCommands(servers(), [
      ["SET", "a", "1"],
      ["DBSIZE"],
      ["DBSIZE", "x"],
      ["SWAPDB", "0"],
      ["SWAPDB", "a", "1"],
      ["SWAPDB", "0", "b"],
      ["SWAPDB", "0", "16"],
      ["SWAPDB", "-1", "0"],
      ["SWAPDB", "0", "99999999999"],
      ["SWAPDB", "0", "1"],
      ["DBSIZE"],
      ["SELECT", "1"],
      ["DBSIZE"],
      ["FLUSHALL", "x"],
      ["FLUSHALL", "async", "x"],
      ["FLUSHDB", "ASYNC"],
      ["DBSIZE"],
      ["FLUSHALL", "SYNC"],
      ["FLUSHALL"]
    ]))

  it("random SET/SELECT/SWAPDB/FLUSHDB sequences leave the same sizes", () =>
    checkSequences(
      servers(),
      fc.array(
        fc.oneof(
          fc.tuple(anyCase("set"), fc.constantFrom("a", "b", "c"), fc.constant("v")),
          fc.tuple(anyCase("select"), fc.constantFrom("0", "1", "2", "15", "16", "-1", "x")),
          fc.tuple(anyCase("swapdb"), fc.constantFrom("0", "1", "2"), intArg),
          fc.tuple(anyCase("flushdb")),
          fc.tuple(anyCase("dbsize"))
        ),
        { maxLength: 20 }
      ),
      { numRuns: 100 }
    ))

  it("FLUSHALL, FLUSHDB and SWAPDB abort a transaction watching a key of the database", async () => {
    const { ours, theirs } = servers()
    for (const flush of [["FLUSHALL"], ["FLUSHDB"], ["SWAPDB", "0", "1"]]) {
      for (const conn of [ours, theirs]) {
        const replies = await conn.pipeline([["RESET"], ["SET", "w", "1"], ["WATCH", "w"], flush, ["MULTI"], ["PING"], ["EXEC"]])
        expect(replies[6]!.raw).toBe("*-1\r\n")
      }
    }
  })
})

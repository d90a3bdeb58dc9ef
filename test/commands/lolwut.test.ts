/**
 * LOLWUT: Redis 7.0's own answer (the version), VERSION 5's Schotter (deterministic when it has at most
 * two rows of squares, the rows Redis does not displace at random) and VERSION 6's skyline (random: its
 * shape is checked), the argument clamping and errors, against a real redis-server where deterministic.
 */
import { describe, expect, it } from "vitest"
import { checkCommands, describeDifferential } from "../support/differential.ts"
import { connectedServer } from "../support/server.ts"

describe("LOLWUT", () => {
  const connection = connectedServer()

  it("answers the version, and draws for VERSION 5 and 6", async () => {
    const replies = await connection().pipeline([
      ["LOLWUT"],
      ["LOLWUT", "VERSION", "7"],
      ["LOLWUT", "VERSION", "6", "10", "3"],
      ["LOLWUT", "VERSION", "5", "20", "4", "10"],
      ["LOLWUT", "VERSION", "x"],
      ["LOLWUT", "VERSION", "5", "x"]
    ])
    expect(replies[0]!.value).toBe("Redis ver. 7.0.15\n")
    expect(replies[1]!.value).toBe("Redis ver. 7.0.15\n")
    const skyline = String(replies[2]!.value).split("\n")
    expect(skyline.slice(0, 3).map((line) => line.match(/\u001b\[0;\d+;\d+m \u001b\[0m/g)?.length)).toEqual([10, 10, 10])
    expect(skyline.slice(3)).toEqual(["Dedicated to the 8 bit game developers of past and present.", "Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15", ""])
    expect(String(replies[3]!.value)).toMatch(/\nGeorg Nees - schotter, plotter on paper, 1968\. Redis ver\. 7\.0\.15\n$/)
    expect((replies[4]!.value as Error).message).toBe("ERR value is not an integer or out of range")
    expect((replies[5]!.value as Error).message).toBe("ERR value is not an integer or out of range")
  })
})

describeDifferential("LOLWUT against Redis", (servers) => {
  it("the version and the deterministic drawings, RESP2 and RESP3", () =>
    checkCommands(servers(), [
      ["LOLWUT"],
      ["lolwut", "version", "4"],
      ["LOLWUT", "VERSION", "5", "20", "4", "2"],
      ["LOLWUT", "VERSION", "5", "0", "0", "0"],
      ["LOLWUT", "VERSION", "49", "7", "3", "1"],
      ["LOLWUT", "VERSION", "-1"],
      ["LOLWUT", "VERSION"],
      ["LOLWUT", "x"],
      ["HELLO", "3"],
      ["LOLWUT"],
      ["LOLWUT", "VERSION", "5", "30", "5", "2"]
    ]))
})

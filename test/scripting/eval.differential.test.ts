/**
 * EVAL and friends against a real redis-server, replies compared byte for byte in RESP2 and RESP3:
 * every error path of EVAL/EVALSHA/SCRIPT named as an example, then random scripts (a grammar of
 * redis.call/pcall sequences and every kind of return value: test/support/generators/scripts.ts).
 */
import fc from "fast-check"
import { it } from "vitest"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize } from "../support/differential.ts"
import { evalCommand, setupCommand } from "../support/generators/scripts.ts"
import { bitExamples, cjsonExamples, cmsgpackExamples, structExamples } from "./cjson-examples.ts"
import { examples, formatExamples, shebangExamples } from "./examples.ts"

describeDifferential("scripting: EVAL, EVALSHA, SCRIPT against Redis", (servers) => {
  it("examples: every error path and conversion (RESP2)", () => checkCommands(servers(), examples))

  it("examples: every error path and conversion (RESP3)", () => checkCommands(servers(), [["HELLO", "3"], ...examples]))

  it("cmsgpack: encodings of every type and size, round trips, unpack variants and errors", () =>
    checkCommands(servers(), cmsgpackExamples))

  it("struct: every option, endianness, alignment, round trips and errors", () => checkCommands(servers(), structExamples))

  it("bit: every function and its errors", () => checkCommands(servers(), bitExamples))

  it("string.format's integer conversions of 64-bit values, and its errors", () => checkCommands(servers(), formatExamples))

  it("shebang lines and flags (RESP2)", () => checkCommands(servers(), shebangExamples))

  it("cjson: encode and decode of every type, and their errors (RESP2 and RESP3)", async () => {
    await checkCommands(servers(), cjsonExamples)
    await checkCommands(servers(), [["HELLO", "3"], ...cjsonExamples])
  })

  const sequences = fc.array(fc.oneof({ weight: 4, arbitrary: evalCommand }, { weight: 1, arbitrary: setupCommand }), {
    minLength: 1,
    maxLength: 8
  })

  it("random scripts (RESP2)", () => checkSequences(servers(), sequences, { numRuns: 300 }))

  it("random scripts (RESP3)", () => checkSequences(servers(), sequences, { numRuns: 200, setup: [["HELLO", "3"]] }))
})

/** INFO errorstats and stats' total_error_replies, and the calls/rejected/failed of commandstats (durations left out). */
const errorCounts: Normalize = (command, reply) => {
  if (command[0] !== "INFO") return reply.raw
  return String(reply.value)
    .split("\r\n")
    .filter((l) => l.startsWith("errorstat_") || l.startsWith("total_error_replies:") || l.startsWith("cmdstat_"))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ""))
    .sort()
}

describeDifferential("scripting: error and command stats of scripts against Redis", (servers) => {
  const stats = ["INFO", "errorstats", "stats", "commandstats"]
  const scenario = (before: ReadonlyArray<Command>, script: Command): ReadonlyArray<Command> => [["CONFIG", "RESETSTAT"], ...before, script, stats]

  it("an error counts once, where it was made: a refused call, a failed call, the script's own, raised or caught by pcall", () =>
    checkCommands(servers(), [
      ["FLUSHALL"],
      // refused before running (OOM): counted at the refusal; raised, the EVAL failed, not counted again
      ...scenario([["CONFIG", "SET", "maxmemory", "1"]], ["EVAL", "return redis.call('set','x','y')", "1", "x"]),
      ...scenario([], ["EVAL", "local t = redis.pcall('set','x','y') return t['err']", "1", "x"]),
      ...scenario([], ["EVAL", "return redis.pcall('set','x','y')", "1", "x"]),
      ["CONFIG", "SET", "maxmemory", "0"],
      // failed while running
      ...scenario([], ["EVAL", "return redis.call('select',99)", "0"]),
      ...scenario([], ["EVAL", "local t = redis.pcall('select',99) return t['err']", "0"]),
      ...scenario([["SET", "Sicily", "1"]], ["EVAL", "return redis.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo')", "1", "x"]),
      // refused by a read-only script
      ...scenario([], ["EVAL_RO", "return redis.call('set','x','y')", "1", "x"]),
      ...scenario([], ["EVAL_RO", "local t = redis.pcall('set','x','y') return t['err']", "1", "x"]),
      // the script's own errors
      ...scenario([], ["EVAL", "return redis.error_reply('MY_ERR_CODE custom msg')", "0"]),
      ...scenario([], ["EVAL", "error('boom')", "0"]),
      ...scenario([], ["EVAL", "return {1, redis.pcall('select', 99)}", "0"])
    ], errorCounts))
})

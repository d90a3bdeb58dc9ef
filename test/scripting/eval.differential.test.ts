/**
 * EVAL and friends against a real redis-server, replies compared byte for byte in RESP2 and RESP3:
 * every error path of EVAL/EVALSHA/SCRIPT named as an example, then random scripts (a grammar of
 * redis.call/pcall sequences and every kind of return value: test/support/generators/scripts.ts).
 */
import fc from "fast-check"
import { it } from "vitest"
import { checkCommands, checkSequences, describeDifferential } from "../support/differential.ts"
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

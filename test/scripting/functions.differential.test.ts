/**
 * Functions against a real redis-server, replies compared byte for byte: every error path of FUNCTION
 * and FCALL (function-examples.ts), DUMP payloads restored across the two servers, and random
 * libraries of random function bodies (the EVAL script grammar, test/support/generators/scripts.ts).
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { type Command, checkCommands, checkSequences, describeDifferential, exact, type Normalize, unordered } from "../support/differential.ts"
import { evalCommand, setupCommand } from "../support/generators/scripts.ts"
import { dumpExamples, functionExamples, lib, randomLibraries } from "./function-examples.ts"

/** A library of the bodies of random EVAL scripts, each registered as f<i>(KEYS, ARGV). */
export const randomLibrary = (bodies: ReadonlyArray<string>, flags: ReadonlyArray<boolean>): string =>
  lib(
    "rnd",
    ...bodies.map((body, i) =>
      flags[i] === true
        ? `redis.register_function{function_name='f${i}', flags={'no-writes'}, callback=function(KEYS, ARGV)\n${body}\nend}`
        : `redis.register_function('f${i}', function(KEYS, ARGV)\n${body}\nend)`
    )
  )

describeDifferential("functions: FUNCTION and FCALL against Redis", (servers) => {
  it("examples: every error path (RESP2)", () => checkCommands(servers(), functionExamples))

  it("examples: every error path (RESP3)", () => checkCommands(servers(), [["HELLO", "3"], ...functionExamples]))

  it("DUMP payloads and RESTORE errors", () => checkCommands(servers(), dumpExamples))

  it("a DUMP from redis-server restores here and the reverse, with every policy", async () => {
    const { ours, theirs } = servers()
    const both = (...args: ReadonlyArray<string>) => Promise.all([ours.call(...args), theirs.call(...args)])
    await both("FUNCTION", "FLUSH")
    await both("FUNCTION", "LOAD", lib("x1", "redis.register_function('x1', function() return 'one' end)"))
    await both("FUNCTION", "LOAD", lib("x2", `local s = '${"xy".repeat(100)}'`, "redis.register_function{function_name='x2', callback=function() return s end, flags={'no-writes'}, description='two'}"))
    for (const [from, to] of [[theirs, ours], [ours, theirs]] as const) {
      const payload = (await from.call("FUNCTION", "DUMP")).value as string
      const list = (await from.call("FUNCTION", "LIST", "WITHCODE")).value
      await to.call("FUNCTION", "FLUSH")
      expect((await to.call("FUNCTION", "RESTORE", payload)).raw).toBe("+OK\r\n")
      expect(unordered(["FUNCTION", "LIST"], await to.call("FUNCTION", "LIST", "WITHCODE"))).toEqual(unordered(["FUNCTION", "LIST"], { raw: "", value: list }))
      expect((await to.call("FCALL", "x2", "0")).raw).toBe(`$200\r\n${"xy".repeat(100)}\r\n`)
      // policies: APPEND collides, REPLACE and FLUSH succeed
      // which colliding library the error names follows the payload's dict order in Redis
      const anyLibrary = (raw: string) => raw.replace(/^-ERR Library x[12] already exists/, "-ERR Library x? already exists")
      const [a, b] = await Promise.all([to.call("FUNCTION", "RESTORE", payload), from.call("FUNCTION", "RESTORE", payload)])
      expect(anyLibrary(a.raw)).toBe(anyLibrary(b.raw))
      expect(anyLibrary(a.raw)).toBe("-ERR Library x? already exists\r\n")
      for (const policy of ["REPLACE", "FLUSH", "append"]) {
        const [c, d] = await Promise.all([to.call("FUNCTION", "RESTORE", payload, policy), from.call("FUNCTION", "RESTORE", payload, policy)])
        expect(anyLibrary(c.raw)).toBe(anyLibrary(d.raw))
      }
    }
    // a payload whose library collides by function name only
    const payload = (await theirs.call("FUNCTION", "DUMP")).value as string
    await both("FUNCTION", "FLUSH")
    await both("FUNCTION", "LOAD", lib("other", "redis.register_function('X1', function() return 0 end)"))
    const [a, b] = await both("FUNCTION", "RESTORE", payload, "REPLACE")
    expect(a.raw).toBe(b.raw)
    const [c, d] = await both("FUNCTION", "LIST")
    expect(c.raw).toBe(d.raw)
  })

  it("random libraries: DUMP from redis-server restores here and ours restores there (property)", async () => {
    const { ours, theirs } = servers()
    const sorted = async (conn: typeof ours) => unordered(["FUNCTION", "LIST"], await conn.call("FUNCTION", "LIST", "WITHCODE"))
    await fc.assert(
      fc.asyncProperty(randomLibraries, async (libs) => {
        await Promise.all([ours.call("FUNCTION", "FLUSH"), theirs.call("FUNCTION", "FLUSH")])
        for (const code of libs) await theirs.call("FUNCTION", "LOAD", code)
        const expected = await sorted(theirs)
        const fromRedis = (await theirs.call("FUNCTION", "DUMP")).value as string
        expect((await ours.call("FUNCTION", "RESTORE", fromRedis)).raw).toBe("+OK\r\n")
        expect(await sorted(ours)).toEqual(expected)
        const fromUs = (await ours.call("FUNCTION", "DUMP")).value as string
        expect((await theirs.call("FUNCTION", "RESTORE", fromUs, "FLUSH")).raw).toBe("+OK\r\n")
        expect(await sorted(theirs)).toEqual(expected)
      }),
      { numRuns: 40 }
    )
  })

  const listUnordered: Normalize = (command, reply) =>
    command[0] === "FUNCTION" && command[1] === "LIST" ? unordered(command, reply) : exact(command, reply)

  const bodies = evalCommand.map((command) => command[1]!)

  it("random libraries: FUNCTION LOAD, FCALL of each function, DUMP, LIST (RESP2)", () =>
    checkSequences(
      servers(),
      fc
        .tuple(fc.array(bodies, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
        .chain(([list, flags]) =>
          fc.array(
            fc.oneof(
              { weight: 3, arbitrary: fc.tuple(fc.nat(list.length - 1), fc.boolean(), fc.constantFrom("v", "12", "a b")).map(([i, ro, arg]): Command => [ro ? "FCALL_RO" : "FCALL", `f${i}`, "3", "k1", "k2", "k3", arg]) },
              { weight: 1, arbitrary: setupCommand }
            ),
            { minLength: 1, maxLength: 6 }
          ).map((calls): ReadonlyArray<Command> => [
            ["FUNCTION", "FLUSH"],
            ["CONFIG", "SET", "rdbcompression", "no"],
            ["FUNCTION", "LOAD", randomLibrary(list, flags)],
            ...calls,
            ["FUNCTION", "DUMP"],
            ["FUNCTION", "LIST", "WITHCODE"],
            ["CONFIG", "SET", "rdbcompression", "yes"]
          ])
        ),
      { numRuns: 150, normalize: listUnordered }
    ))
})

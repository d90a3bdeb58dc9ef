/**
 * What string commands tell the rest of the system, compared with a real redis-server: the commands
 * they propagate (Redis's AOF, read back from its file, against our `onPropagate` stream) and the
 * keyspace events they emit (Redis's `__keyevent@*__` messages against our `onNotify`). Covers the
 * deterministic rewrites: SET/SETEX/PSETEX with a relative expire -> SET ... PXAT, SET ... GET
 * without GET, GETEX -> PEXPIREAT/PERSIST/DEL, GETDEL -> DEL, GETSET -> SET, INCRBYFLOAT -> SET
 * ... KEEPTTL, and the DEL of keys found expired on access.
 *
 * Active expiry is off on both servers so that keys set in the past disappear only when a command
 * touches them, at the same point of the sequence on both sides.
 */
import fc from "fast-check"
import { beforeAll, expect, it } from "vitest"
import { anyCase, floatArg, intArg, key, value } from "../support/arbitraries.ts"
import type { Command } from "../support/differential.ts"
import { describeEffects } from "../support/effects.ts"

/** Relative times (propagated as absolute ones computed from each server's clock) and absolute ones. */
const relative = fc.constantFrom("100", "5000", "0", "abc")
const absolute = fc.constantFrom("1", "9999999999999", "99999999999")

const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(anyCase("set"), key, value) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        anyCase("set"),
        key,
        value,
        fc.subarray([["NX"], ["xx"], ["GET"], ["get"]], { maxLength: 2 }),
        fc.oneof(
          fc.constant<ReadonlyArray<string>>([]),
          fc.constant(["KEEPTTL"]),
          fc.tuple(fc.constantFrom("EX", "px"), relative),
          fc.tuple(fc.constantFrom("EXAT", "pxat"), absolute)
        )
      )
      .map(([c, k, v, flags, expire]) => [c, k, v, ...flags.flat(), ...expire])
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("SETEX", "psetex"), key, relative, value) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SETNX"), key, value) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        anyCase("getex"),
        key,
        fc.oneof(
          fc.constant<ReadonlyArray<string>>([]),
          fc.constant(["PERSIST"]),
          fc.tuple(fc.constantFrom("EX", "px"), relative),
          fc.tuple(fc.constantFrom("exat", "PXAT"), absolute)
        )
      )
      .map(([c, k, o]) => [c, k, ...o])
  },
  { weight: 2, arbitrary: fc.tuple(anyCase("getdel"), key) },
  { weight: 2, arbitrary: fc.tuple(anyCase("getset"), key, value) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("MSET", "msetnx"), key, value, key, value) },
  { weight: 2, arbitrary: fc.tuple(anyCase("append"), key, value) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("SETRANGE"), key, fc.constantFrom("0", "3", "-1"), value) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("INCR", "DECR"), key) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("INCRBY", "DECRBY"), key, intArg) },
  { weight: 3, arbitrary: fc.tuple(fc.constant("INCRBYFLOAT"), key, floatArg) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("GET", "STRLEN"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("LCS"), key, key) }
)

/** Sequences of writes, some in MULTI/EXEC (several writes of one command or transaction go out wrapped). */
const sequences = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: write.map((c) => [c]) },
      { weight: 1, arbitrary: fc.array(write, { maxLength: 3 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
    ),
    { minLength: 1, maxLength: 20 }
  )
  .map((groups) => groups.flat())

describeEffects(
  "string commands: propagation and keyspace events",
  (servers, effects) => {
    beforeAll(async () => {
      servers().server.engine.keyspace.activeExpireEnabled = false
      await servers().theirs.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    })

    const runBoth = (commands: ReadonlyArray<Command>): Promise<void> =>
      effects.compare(async () => {
        const { ours, theirs } = servers()
        const [a, b] = await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
        expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
      })

    it("random writes propagate the same commands and emit the same events as Redis", async () => {
      let rewritten = 0
      await fc.assert(
        fc.asyncProperty(sequences, async (sequence) => {
          await runBoth([["FLUSHALL"], ...sequence])
          const rewrites = effects.propagated.filter((argv) =>
            argv[0] === "PEXPIREAT" || argv[0] === "DEL" || (argv[0] === "SET" && argv.length >= 4 && argv[3] !== "KEEPTTL")
          )
          if (rewrites.length > 0) rewritten++
        }),
        { numRuns: 300 }
      )
      // meaningful only if many sequences exercised the rewrites
      expect(rewritten).toBeGreaterThan(100)
    })

    it.each<[string, ReadonlyArray<Command>]>([
      ["SET EX", [["SET", "k", "v", "EX", "100"]]],
      ["SET PX GET KEEPTTL-less", [["SET", "k", "old"], ["SET", "k", "v", "PX", "100000", "GET"]]],
      ["SET EXAT NX", [["SET", "k", "v", "EXAT", "9999999999", "NX"]]],
      ["SET GET GET", [["SET", "k", "old"], ["SET", "k", "v", "get", "XX", "GET"], ["SET", "k", "w", "GET", "xx", "get\u0000"]]],
      ["SETEX and PSETEX", [["SETEX", "k", "100", "v"], ["PSETEX", "k", "100000", "v"]]],
      ["GETEX", [["SET", "k", "v"], ["GETEX", "k", "EX", "100"], ["GETEX", "k", "PERSIST"], ["GETEX", "k", "PERSIST"], ["GETEX", "k", "PXAT", "1"]]],
      ["GETDEL and GETSET", [["SET", "k", "v"], ["GETSET", "k", "w"], ["GETDEL", "k"], ["GETDEL", "k"]]],
      ["INCRBYFLOAT keeps the TTL", [["SET", "k", "1", "EX", "100"], ["INCRBYFLOAT", "k", "0.1"], ["INCRBYFLOAT", "k", "-1e-30"]]],
      ["a key set in the past", [["SET", "k", "v", "PXAT", "1"], ["APPEND", "k", "x"], ["SET", "j", "v", "EXAT", "1"], ["GET", "j"]]],
      ["SELECT", [["SELECT", "3"], ["SET", "k", "v", "EX", "100"], ["SELECT", "0"], ["INCR", "n"]]]
    ])("%s", async (_, commands) => {
      await runBoth([["FLUSHALL"], ...commands])
      expect(effects.propagated.length).toBeGreaterThan(1)
    })
  },
  { notify: "E$gxn" }
)

describeEffects(
  "string commands: propagation with lazyfree-lazy-user-del and lazyfree-lazy-expire",
  (servers, effects) => {
    it("GETDEL, GETEX of a past time and a key found expired propagate UNLINK", () =>
      effects.compare(async () => {
        const commands: ReadonlyArray<Command> = [
          ["FLUSHALL"],
          ["MSET", "a", "1", "b", "2"],
          ["GETDEL", "a"],
          ["GETEX", "b", "PXAT", "1"],
          ["SET", "c", "v", "PXAT", "1"],
          ["MULTI"],
          ["INCR", "c"],
          ["GETDEL", "c"],
          ["EXEC"]
        ]
        const { ours, theirs } = servers()
        const [a, b] = await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
        expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
        // a, b, c found expired by INCR, and c again deleted by GETDEL
        expect(effects.propagated.filter((argv) => argv[0] === "UNLINK")).toHaveLength(4)
      }))
  },
  {
    notify: "E$gxn",
    config: { "lazyfree-lazy-user-del": "yes", "lazyfree-lazy-expire": "yes" },
    oracleArgs: ["--lazyfree-lazy-user-del", "yes", "--lazyfree-lazy-expire", "yes"]
  }
)

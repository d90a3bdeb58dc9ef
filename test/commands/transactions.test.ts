/** MULTI/EXEC/DISCARD/WATCH/UNWATCH: replies against real Redis, WATCH across connections, propagation. */
import { assert, describe as effectDescribe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { expect, it } from "vitest"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { anyCase } from "../support/arbitraries.ts"
import { checkCommands, checkSequences, type Command, describeDifferential } from "../support/differential.ts"
import { describeEffects } from "../support/effects.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { RawConnection } from "../support/raw.ts"

const key = fc.constantFrom("a", "b")
const command = fc.oneof(
  fc.tuple(anyCase("multi")),
  fc.tuple(anyCase("exec")),
  fc.tuple(anyCase("discard")),
  fc.tuple(anyCase("watch"), key),
  fc.tuple(anyCase("unwatch")),
  fc.tuple(anyCase("set"), key, fc.constantFrom("1", "2")),
  fc.tuple(anyCase("get"), key),
  fc.tuple(anyCase("ping")),
  fc.tuple(fc.constant("nosuchcommand"), key),
  fc.tuple(anyCase("get")), // arity error: dooms a transaction
  fc.tuple(anyCase("multi"), fc.constant("x")), // arity error of MULTI itself
  fc.tuple(anyCase("watch")) // arity error of WATCH
)

/**
 * Commands that change watched keys wholesale or through expiry: FLUSHDB, FLUSHALL, SWAPDB, keys that
 * are already expired (PXAT 1, kept in the dictionary while active expiry is off), lazy expiry by a
 * read, DEL, and SELECT so that watches live in both databases.
 */
const watchKey = fc.constantFrom("a", "b")
const watchCommand = fc.oneof(
  { arbitrary: command, weight: 4 },
  { arbitrary: fc.tuple(anyCase("watch"), watchKey, watchKey), weight: 1 },
  { arbitrary: fc.tuple(anyCase("set"), watchKey, fc.constant("stale"), fc.constant("PXAT"), fc.constant("1")), weight: 2 },
  { arbitrary: fc.tuple(anyCase("set"), watchKey, fc.constant("live"), fc.constant("PX"), fc.constant("100000")), weight: 1 },
  { arbitrary: fc.tuple(anyCase("del"), watchKey), weight: 1 },
  { arbitrary: fc.tuple(anyCase("exists"), watchKey), weight: 1 },
  { arbitrary: fc.tuple(anyCase("flushdb")), weight: 1 },
  { arbitrary: fc.tuple(anyCase("flushall")), weight: 1 },
  { arbitrary: fc.tuple(anyCase("swapdb"), fc.constantFrom("0", "1"), fc.constantFrom("0", "1")), weight: 2 },
  { arbitrary: fc.tuple(anyCase("select"), fc.constantFrom("0", "1")), weight: 2 }
)
/** Mostly transaction-shaped: writes, WATCH, more writes (or flushes, swaps, expiries), MULTI ... EXEC. */
const watchRound = fc
  .tuple(
    fc.array(watchCommand, { maxLength: 4 }),
    fc.tuple(fc.constant("WATCH"), watchKey),
    fc.array(watchCommand, { maxLength: 3 }),
    fc.array(fc.constantFrom<Command>(["PING"], ["GET", "a"], ["SET", "b", "1"]), { maxLength: 2 })
  )
  .map(([before, watch, between, queued]): ReadonlyArray<Command> => [
    ...before,
    watch,
    ...between,
    ["MULTI"],
    ...queued,
    ["EXEC"]
  ])
const watchSequence = fc.array(fc.oneof(watchRound, watchCommand.map((c) => [c])), { maxLength: 6 }).map((rounds) =>
  rounds.flat()
)

/** The transaction `WATCH x`, then `between`, then MULTI PING EXEC: EXEC answers PONG or nil. */
const watchThen = (between: ReadonlyArray<Command>): ReadonlyArray<Command> => [
  ["WATCH", "x"],
  ...between,
  ["MULTI"],
  ["PING"],
  ["EXEC"]
]

/** Runs `steps` on fresh connections to one server (a number is a pause in ms); returns the replies. */
const runSteps = async (
  port: number,
  steps: ReadonlyArray<number | readonly [number, Command]>,
  clients = 2
): Promise<ReadonlyArray<string>> => {
  const connections = await Promise.all(Array.from({ length: clients }, () => RawConnection.connect(port)))
  const replies: Array<string> = []
  try {
    for (const step of steps) {
      if (typeof step === "number") await new Promise((resolve) => setTimeout(resolve, step))
      else replies.push(`${step[0]}: ${step[1].join(" ")} -> ${(await connections[step[0]]!.call(...step[1])).raw}`)
    }
  } finally {
    await Promise.all(connections.map((c) => c.close()))
  }
  return replies
}

describeDifferential("transactions", (servers) => {
  it("replies and errors match Redis", () =>
    checkCommands(servers(), [
      ["MULTI"],
      ["MULTI"],
      ["WATCH", "a"],
      ["GET", "a"],
      ["FOO"],
      ["EXEC"],
      ["EXEC"],
      ["DISCARD"],
      ["MULTI"],
      ["SET", "a", "1"],
      ["GET"],
      ["EXEC"],
      ["MULTI"],
      ["EXEC"],
      ["MULTI"],
      ["SET", "a", "1"],
      ["GET", "a"],
      ["DISCARD"],
      ["GET", "a"],
      ["WATCH", "a"],
      ["SET", "a", "2"],
      ["MULTI"],
      ["GET", "a"],
      ["EXEC"],
      ["WATCH", "a"],
      ["UNWATCH"],
      ["SET", "a", "3"],
      ["MULTI"],
      ["GET", "a"],
      ["EXEC"]
    ]))

  it("random transaction sequences behave like Redis (RESP2 and RESP3)", async () => {
    const sequences = fc.array(command, { maxLength: 25 })
    await checkSequences(servers(), sequences, { numRuns: 150 })
    await checkSequences(servers(), sequences, { numRuns: 100, setup: [["HELLO", "3"]] })
  })

  it("WATCH of keys already expired: their deletion (lazy expiry, DEL, FLUSHDB, FLUSHALL) is no change", () =>
    checkCommands(servers(), [
      ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([]), // PONG
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["EXISTS", "x"]]), // PONG: EXISTS deletes the stale key
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["DEL", "x"]]), // PONG
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["FLUSHDB"]]), // PONG
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["FLUSHALL"]]), // PONG
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["EXISTS", "x"], ["SET", "x", "new"]]), // nil: deleted, then a real change
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["SET", "x", "new"]]), // nil
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["SET", "x", "again", "PXAT", "1"]]), // nil: replaced, even by an expired value
      ["DEL", "x"],
      ...watchThen([["SET", "x", "stale", "PXAT", "1"]]), // nil: a missing key written
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["EXPIRE", "x", "100"]]), // PONG: EXPIRE finds no key
      ["SET", "x", "foo", "PXAT", "1"],
      ...watchThen([["GET", "x"], ["DEL", "x"], ["FLUSHDB"]]), // PONG
      ["DEBUG", "SET-ACTIVE-EXPIRE", "1"]
    ]))

  it("FLUSHDB and FLUSHALL change only the watched keys that exist", () =>
    checkCommands(servers(), [
      ["SET", "other", "1"],
      ...watchThen([["FLUSHALL"]]), // PONG: x does not exist
      ["SET", "other", "1"],
      ...watchThen([["FLUSHDB"]]), // PONG
      ["SET", "x", "1"],
      ...watchThen([["FLUSHDB"]]), // nil
      ["SET", "x", "1"],
      ...watchThen([["FLUSHALL"]]), // nil
      ["SET", "x", "1"],
      ...watchThen([["SELECT", "1"], ["FLUSHDB"], ["SELECT", "0"]]), // PONG: another database flushed
      ["SET", "x", "1"],
      ...watchThen([["SELECT", "1"], ["FLUSHALL"], ["SELECT", "0"]]), // nil: FLUSHALL empties db 0 too
      ["MSET", "a", "a", "b", "b"],
      ["WATCH", "b", "a"],
      ["FLUSHALL"],
      ["PING"],
      ["MULTI"],
      ["PING"],
      ["EXEC"] // nil
    ]))

  it("SWAPDB changes a watched key that exists in either database, expired keys as Redis 7.0 rules", () =>
    checkCommands(servers(), [
      ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
      ["SET", "x", "1"],
      ...watchThen([["SWAPDB", "0", "1"]]), // nil: x leaves db 0
      ["FLUSHALL"],
      ["SELECT", "1"],
      ["SET", "x", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"]]), // nil: x arrives in db 0
      ["FLUSHALL"],
      ["SET", "y", "1"],
      ...watchThen([["SWAPDB", "0", "1"]]), // PONG: x in neither
      ["FLUSHALL"],
      ["SET", "x", "1"],
      ...watchThen([["SWAPDB", "0", "0"]]), // PONG: a database swapped with itself
      ["FLUSHALL"],
      ["SET", "x", "stale", "PXAT", "1"],
      ...watchThen([["SWAPDB", "0", "1"]]), // PONG: an expired key replaced by none
      ["FLUSHALL"],
      ["SELECT", "1"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"]]), // PONG: no key replaced by an expired one
      ["FLUSHALL"],
      ["SELECT", "1"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"], ["DEL", "x"]]), // PONG: that expired key deleted
      ["FLUSHALL"],
      ["SELECT", "1"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"], ["SET", "x", "2"]]), // nil: then really written
      ["FLUSHALL"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "1"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"]]), // PONG: an expired key replaced by another
      ["FLUSHALL"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "1"],
      ["SET", "x", "live"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"]]), // nil: an expired key replaced by a live one
      ["FLUSHALL"],
      ["SET", "x", "live"],
      ["SELECT", "1"],
      ["SET", "x", "stale", "PXAT", "1"],
      ["SELECT", "0"],
      ...watchThen([["SWAPDB", "0", "1"]]), // nil: a live key replaced by an expired one
      ["FLUSHALL"],
      ["SELECT", "1"],
      ["SET", "x", "1"],
      ...watchThen([["SELECT", "0"], ["SWAPDB", "0", "2"], ["SELECT", "1"]]), // PONG: other databases
      ["DEBUG", "SET-ACTIVE-EXPIRE", "1"]
    ]))

  it("a dirty client shows flag d and stays dirty until EXEC, DISCARD or UNWATCH", async () => {
    const { server, oracle } = servers()
    const flags = async (port: number) => {
      const c = await RawConnection.connect(port)
      const out: Array<string> = []
      for (
        const argv of [
          ["FLUSHALL"],
          ["WATCH", "k"],
          ["CLIENT", "INFO"],
          ["SET", "k", "1"],
          ["CLIENT", "INFO"],
          ["WATCH", "j"], // ignored: already dirty
          ["EXEC"],
          ["MULTI"],
          ["EXEC"],
          ["CLIENT", "INFO"],
          ["WATCH", "k"],
          ["SET", "k", "2"],
          ["UNWATCH"],
          ["CLIENT", "INFO"],
          ["MULTI"],
          ["EXEC"]
        ]
      ) {
        const raw = (await c.call(...argv)).raw
        out.push(argv[0] === "CLIENT" ? raw.match(/ flags=(\S+)/)![1]! : raw)
      }
      await c.close()
      return out
    }
    const [ours, theirs] = [await flags(server.port), await flags(oracle.port)]
    expect(ours).toEqual(theirs)
    expect(ours[4]).toBe("d")
  })

  it("watched keys that expire, and expired keys watched, seen from several clients", async () => {
    const { server, oracle } = servers()
    type Step = number | readonly [number, Command]
    const execPing = (c: number): ReadonlyArray<Step> => [[c, ["MULTI"]], [c, ["PING"]], [c, ["EXEC"]]]
    // client 0 watches x while it lives; x then expires (40 ms TTL, 80 ms pause)
    const watchExpiring: ReadonlyArray<Step> = [[0, ["SET", "x", "1", "PX", "40"]], [0, ["WATCH", "x"]], 80]
    const steps: ReadonlyArray<Step> = [
      [0, ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]],
      [0, ["FLUSHALL"]],
      // a live key that expires before EXEC: a change, deleted or not
      ...watchExpiring,
      ...execPing(0),
      ...watchExpiring,
      [1, ["DEL", "x"]],
      ...execPing(0),
      ...watchExpiring,
      [1, ["FLUSHDB"]],
      ...execPing(0),
      // client 1 watches x once expired: its deletion changes it for client 0 only
      ...watchExpiring,
      [1, ["WATCH", "x"]],
      [2, ["EXISTS", "x"]],
      ...execPing(0),
      ...execPing(1),
      // an expired key watched, then written by another client
      [0, ["SET", "x", "1", "PX", "1"]],
      20,
      [0, ["WATCH", "x"]],
      [1, ["SET", "x", "2"]],
      ...execPing(0),
      [0, ["DEBUG", "SET-ACTIVE-EXPIRE", "1"]]
    ]
    const [ours, theirs] = [await runSteps(server.port, steps, 3), await runSteps(oracle.port, steps, 3)]
    expect(ours).toEqual(theirs)
  })

  it("random sequences with FLUSHDB, FLUSHALL, SWAPDB and expired keys watch like Redis", () =>
    checkSequences(servers(), watchSequence, {
      numRuns: 200,
      setup: [["DEBUG", "SET-ACTIVE-EXPIRE", "0"]]
    }))

  it("a write from another connection aborts EXEC of a watching client; an unrelated write does not", async () => {
    const { server, oracle } = servers()
    for (const port of [server.port, oracle.port]) {
      const [a, b] = [await RawConnection.connect(port), await RawConnection.connect(port)]
      await a.call("FLUSHALL")
      await a.call("WATCH", "w")
      await b.call("SET", "w", "other")
      expect((await a.pipeline([["MULTI"], ["SET", "w", "mine"], ["EXEC"]]))[2]!.raw).toBe("*-1\r\n")
      expect((await b.call("GET", "w")).raw).toBe("$5\r\nother\r\n")
      await a.call("WATCH", "w")
      await b.call("SET", "unrelated", "x")
      expect((await a.pipeline([["MULTI"], ["SET", "w", "mine"], ["EXEC"]]))[2]!.raw).toBe("*1\r\n+OK\r\n")
      await Promise.all([a.close(), b.close()])
    }
  })
}, { config: { "enable-debug-command": "yes" } })

effectDescribe("transactions in the embedded server", () => {
  layer(embeddedRedis())((it) => {
    it.effect("EXEC propagates MULTI, the writes, EXEC; read-only commands are not propagated", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        const propagated: Array<ReadonlyArray<string>> = []
        const unsubscribe = keyspace.onPropagate((_db, argv) => propagated.push(argv))
        yield* redis.command("MULTI")
        yield* redis.command("SET", "x", "1")
        yield* redis.command("GET", "x")
        yield* redis.command("SET", "y", "2")
        assert.deepStrictEqual(yield* redis.command("EXEC"), ["OK", "1", "OK"])
        yield* redis.command("MULTI")
        yield* redis.command("GET", "x")
        yield* redis.command("EXEC")
        unsubscribe()
        assert.deepStrictEqual(propagated, [["MULTI"], ["SET", "x", "1"], ["SET", "y", "2"], ["EXEC"]])
      }))

    it.effect("a watched key that expires before EXEC aborts the transaction", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* redis.command("SET", "volatile", "v")
        keyspace.dbs[0]!.setExpire("volatile", keyspace.now + 1000)
        yield* redis.command("WATCH", "volatile")
        yield* TestClock.adjust(2000)
        yield* redis.command("MULTI")
        yield* redis.command("PING")
        assert.strictEqual(yield* redis.command("EXEC"), null)
      }))

    it.effect("a key already expired when watched does not abort the transaction", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        keyspace.activeExpireEnabled = false
        yield* redis.command("SET", "stale", "v")
        keyspace.dbs[0]!.setExpire("stale", keyspace.now + 10)
        yield* TestClock.adjust(100)
        yield* redis.command("WATCH", "stale")
        yield* redis.command("MULTI")
        yield* redis.command("PING")
        assert.deepStrictEqual(yield* redis.command("EXEC"), ["PONG"])
        keyspace.activeExpireEnabled = true
      }))
  })
})

describeEffects(
  "transactions: propagation as in Redis's AOF",
  (servers, effects) => {
    const run = (commands: ReadonlyArray<Command>) =>
      effects.compare(async () => {
        const { ours, theirs } = servers()
        await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
      })

    it("one write in a transaction goes out bare, several in MULTI/EXEC, reads not at all", async () => {
      await run([["FLUSHALL"], ["MULTI"], ["SET", "a", "1"], ["EXEC"]])
      await run([["MULTI"], ["SET", "b", "1"], ["GET", "a"], ["SET", "c", "1"], ["EXEC"]])
      await run([["MULTI"], ["GET", "a"], ["EXEC"]])
      await run([["MULTI"], ["SELECT", "2"], ["SET", "a", "1"], ["SELECT", "0"], ["SET", "a", "2"], ["EXEC"]])
    })

    it("a write that finds its key expired propagates the DEL and the write as one MULTI/EXEC", async () => {
      const { ours, theirs } = servers()
      await Promise.all([ours.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), theirs.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")])
      await run([["SET", "e", "1", "PX", "1"], ["SET", "f", "1", "PX", "1"]])
      await new Promise((r) => setTimeout(r, 20))
      await run([["SET", "e", "2"], ["GET", "f"]])
      await Promise.all([ours.call("DEBUG", "SET-ACTIVE-EXPIRE", "1"), theirs.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")])
    })

    it("random transactions propagate what Redis writes to its AOF", () =>
      fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 20 }), (sequence) => run([["RESET"], ["FLUSHALL"], ...sequence])),
        { numRuns: 100 }
      ))
  },
  { notify: "KEA", config: { "enable-debug-command": "yes" } }
)

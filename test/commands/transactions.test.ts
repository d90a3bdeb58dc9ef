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
})

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

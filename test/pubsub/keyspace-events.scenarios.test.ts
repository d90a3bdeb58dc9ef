/**
 * Keyspace events of what a single command on a single connection does not show, compared with a real
 * redis-server (notify-keyspace-events KEAnm): waiters served by another client's write (the pop after
 * the push, "del" when the pop empties the key), keys of a destination that expired, commands over the
 * whole database (SCAN and RANDOMKEY expire what they meet, FLUSHDB and SWAPDB publish nothing), other
 * databases, and active expiry.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { oursBlocked, redisBlocked, served } from "../support/blocking.ts"
import { type Command, describeDifferential, type Servers } from "../support/differential.ts"
import { type EventStream, ourEvents, type PMessage, redisEvents, showMessages } from "../support/keyspaceEvents.ts"
import type { RawConnection } from "../support/raw.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A scenario: commands, waits, and waiters served by other clients, run the same way on each server. */
type Step =
  | { readonly run: ReadonlyArray<Command> }
  | { readonly sleep: number }
  | { readonly wait: Command; readonly writes: ReadonlyArray<Command> }

const run = (...commands: ReadonlyArray<Command>): Step => ({ run: commands })
const pause = (ms: number): Step => ({ sleep: ms })
const serve = (wait: Command, ...writes: ReadonlyArray<Command>): Step => ({ wait, writes })

/** Makes `key` logically expired: it stays in the keyspace (active expiry is off) until looked up. */
const expiring = (key: string): Command => ["PEXPIRE", key, "20"]

const scenarios: ReadonlyArray<readonly [string, ReadonlyArray<Step>]> = [
  // served waiters: the push, then the waiter's pop (and "del" if it emptied the list)
  ["BLPOP served by RPUSH of one element", [serve(["BLPOP", "none", "k", "0"], ["RPUSH", "k", "1"])]],
  ["BRPOP served by LPUSH of two elements", [serve(["BRPOP", "k", "0"], ["LPUSH", "k", "1", "2"])]],
  ["BLPOP served after a MULTI of two pushes", [serve(["BLPOP", "k", "0"], ["MULTI"], ["RPUSH", "k", "1"], ["RPUSH", "k", "2"], ["EXEC"])]],
  ["BLMOVE served, emptying the source into a new list", [serve(["BLMOVE", "k", "dst", "RIGHT", "LEFT", "0"], ["RPUSH", "k", "1"])]],
  ["BLMOVE served into an existing list", [run(["RPUSH", "dst", "old"]), serve(["BLMOVE", "k", "dst", "LEFT", "RIGHT", "0"], ["RPUSH", "k", "1", "2"])]],
  ["BLMOVE served into another type", [run(["SET", "dst", "s"]), serve(["BLMOVE", "k", "dst", "LEFT", "LEFT", "0"], ["RPUSH", "k", "1"])]],
  ["BRPOPLPUSH served onto its own key", [serve(["BRPOPLPUSH", "k", "k", "0"], ["RPUSH", "k", "1", "2"])]],
  ["BLMPOP served with COUNT", [serve(["BLMPOP", "0", "2", "a", "k", "LEFT", "COUNT", "5"], ["RPUSH", "k", "1", "2", "3"])]],
  ["BLPOP served by LMOVE into its key", [run(["RPUSH", "src", "x"]), serve(["BLPOP", "k", "0"], ["LMOVE", "src", "k", "LEFT", "LEFT"])]],
  ["BZPOPMIN served by ZADD", [serve(["BZPOPMIN", "z", "0"], ["ZADD", "z", "1", "a"])]],
  ["BZPOPMAX served by ZADD of two", [serve(["BZPOPMAX", "z", "0"], ["ZADD", "z", "1", "a", "2", "b"])]],
  ["BZMPOP served with COUNT", [serve(["BZMPOP", "0", "1", "z", "MIN", "COUNT", "3"], ["ZADD", "z", "1", "a", "2", "b"])]],
  ["BZPOPMIN served by ZUNIONSTORE", [run(["ZADD", "src", "1", "a"]), serve(["BZPOPMIN", "z", "0"], ["ZUNIONSTORE", "z", "1", "src"])]],
  ["XREAD BLOCK served by XADD", [serve(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], ["XADD", "s", "1-1", "f", "v"])]],
  [
    "XREADGROUP BLOCK of a new consumer served by XADD",
    [run(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), serve(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], ["XADD", "s", "1-1", "f", "v"])]
  ],
  [
    "XREADGROUP BLOCK released by the deletion of its stream",
    [run(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), serve(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], ["DEL", "s"])]
  ],
  [
    "XREADGROUP BLOCK released by XGROUP DESTROY",
    [run(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), serve(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], ["XGROUP", "DESTROY", "s", "g"])]
  ],
  ["BLPOP on a key that expired, served by a push", [run(["RPUSH", "k", "x"], expiring("k")), pause(60), serve(["BLPOP", "k", "0"], ["RPUSH", "k", "1"])]],
  // destinations that expired: looked up for writing, they go as "expired" before the command's events
  ["RENAME onto an expired key", [run(["SET", "a", "1"], ["SET", "b", "2"], expiring("b")), pause(60), run(["RENAME", "a", "b"])]],
  ["COPY onto an expired key", [run(["RPUSH", "a", "1"], ["SET", "b", "2"], expiring("b")), pause(60), run(["COPY", "a", "b"])]],
  ["COPY to another database onto an expired key", [run(["SELECT", "1"], ["SET", "a", "1"], expiring("a"), ["SELECT", "0"], ["SADD", "a", "m"]), pause(60), run(["COPY", "a", "a", "DB", "1"])]],
  ["MOVE onto an expired key of the other database", [run(["SELECT", "1"], ["SET", "k", "1"], expiring("k"), ["SELECT", "0"], ["HSET", "k", "f", "v"]), pause(60), run(["MOVE", "k", "1"])]],
  ["LMOVE into an expired list", [run(["RPUSH", "a", "1"], ["RPUSH", "b", "2"], expiring("b")), pause(60), run(["LMOVE", "a", "b", "LEFT", "LEFT"])]],
  ["SMOVE into an expired set", [run(["SADD", "a", "1", "2"], ["SADD", "b", "2"], expiring("b")), pause(60), run(["SMOVE", "a", "b", "1"])]],
  ["SINTERSTORE over an expired destination", [run(["SADD", "a", "1"], ["SADD", "d", "2"], expiring("d")), pause(60), run(["SINTERSTORE", "d", "a"])]],
  ["ZUNIONSTORE over an expired destination", [run(["ZADD", "a", "1", "x"], ["ZADD", "d", "2", "y"], expiring("d")), pause(60), run(["ZUNIONSTORE", "d", "1", "a"])]],
  ["ZRANGESTORE over an expired destination", [run(["ZADD", "a", "1", "x"], ["ZADD", "d", "2", "y"], expiring("d")), pause(60), run(["ZRANGESTORE", "d", "a", "0", "-1"])]],
  [
    "GEOSEARCHSTORE over an expired destination",
    [run(["GEOADD", "a", "13", "38", "x"], ["SET", "d", "v"], expiring("d")), pause(60), run(["GEOSEARCHSTORE", "d", "a", "FROMLONLAT", "13", "38", "BYRADIUS", "1", "km"])]
  ],
  ["SET ... GET over an expired key of another type", [run(["RPUSH", "k", "1"], expiring("k")), pause(60), run(["SET", "k", "v", "GET"])]],
  // the time moves during DEBUG SLEEP: for the commands after it, but inside EXEC only once EXEC ends
  ["a key expiring during DEBUG SLEEP, read later in the same pipeline", [run(["SET", "k", "v", "PX", "2"], ["DEBUG", "SLEEP", "0.01"], ["GET", "k"])]],
  [
    "a key expiring during DEBUG SLEEP inside EXEC",
    [run(["SET", "k", "v", "PX", "2"], ["MULTI"], ["DEBUG", "SLEEP", "0.01"], ["GET", "k"], ["EXEC"], ["GET", "k"])]
  ],
  // the whole database
  ["SCAN meets an expired key", [run(["SET", "k", "v"], expiring("k")), pause(60), run(["SCAN", "0"])]],
  ["SCAN TYPE meets an expired key", [run(["RPUSH", "k", "v"], expiring("k")), pause(60), run(["SCAN", "0", "TYPE", "list"])]],
  ["RANDOMKEY draws the one key, expired", [run(["SET", "k", "v"], expiring("k")), pause(60), run(["RANDOMKEY"])]],
  ["KEYS and DBSIZE leave an expired key alone", [run(["SET", "k", "v"], expiring("k")), pause(60), run(["KEYS", "*"], ["DBSIZE"], ["GET", "k"])]],
  ["WATCH of an expired key, then EXEC", [run(["SET", "k", "v"], expiring("k")), pause(60), run(["WATCH", "k"], ["MULTI"], ["INCR", "n"], ["EXEC"])]],
  ["FLUSHDB, FLUSHALL and SWAPDB publish nothing", [run(["SET", "a", "1"], ["RPUSH", "b", "x"], ["SWAPDB", "0", "1"], ["SELECT", "1"], ["FLUSHDB"], ["SET", "c", "1"], ["FLUSHALL"])]],
  // other databases
  ["events in database 5, lazy expiry included", [run(["SELECT", "5"], ["SET", "k", "v", "PX", "20"], ["GET", "missing"]), pause(60), run(["GET", "k"], ["LPUSH", "l", "a"], ["LPOP", "l"])]],
  // active expiry
  ["active expiry of one key", [run(["DEBUG", "SET-ACTIVE-EXPIRE", "1"], ["SET", "k", "v", "PX", "20"]), pause(400), run(["DEBUG", "SET-ACTIVE-EXPIRE", "0"])]],
  ["active expiry of a key in database 3", [run(["DEBUG", "SET-ACTIVE-EXPIRE", "1"], ["SELECT", "3"], ["HSET", "h", "f", "v"], ["PEXPIRE", "h", "20"]), pause(400), run(["DEBUG", "SET-ACTIVE-EXPIRE", "0"])]]
]

/** Runs a scenario on one server; `main` is a connection that starts it with RESET and FLUSHALL. */
const runScenario = async (
  main: RawConnection,
  port: number,
  blocked: () => Promise<number>,
  steps: ReadonlyArray<Step>
): Promise<void> => {
  await main.pipeline([["RESET"], ["FLUSHALL"], ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]])
  for (const step of steps) {
    if ("run" in step) await main.pipeline(step.run)
    else if ("sleep" in step) await sleep(step.sleep)
    else await served(port, step.wait, step.writes, blocked)
  }
}

const difference = (ours: ReadonlyArray<PMessage>, theirs: ReadonlyArray<PMessage>): string =>
  JSON.stringify(ours) === JSON.stringify(theirs) ? "" : `  ours:\n${showMessages(ours)}\n  redis:\n${showMessages(theirs)}`

describeDifferential(
  "keyspace events of served waiters, expired destinations, whole-database commands and active expiry",
  (servers: () => Servers) => {
    let ours: EventStream | undefined
    let theirs: EventStream | undefined
    beforeAll(async () => {
      const { server, oracle } = servers()
      ;[ours, theirs] = await Promise.all([ourEvents(server), redisEvents(oracle.port)])
    })
    afterAll(async () => {
      await Promise.all([ours?.close(), theirs?.close()])
    })

    it.each(scenarios)("%s", async (_, steps) => {
      const { server, oracle, ours: a, theirs: b } = servers()
      await Promise.all([
        runScenario(a, server.port, oursBlocked(server), steps),
        runScenario(b, oracle.port, redisBlocked(b), steps)
      ])
      const [got, expected] = await Promise.all([ours!.take(), theirs!.take()])
      expect(expected.length).toBeGreaterThan(0)
      expect(difference(got, expected)).toBe("")
    })
  },
  {
    config: { "notify-keyspace-events": "KEAnm", "enable-debug-command": "yes" },
    oracleArgs: ["--notify-keyspace-events", "KEAnm", "--hz", "100"]
  }
)

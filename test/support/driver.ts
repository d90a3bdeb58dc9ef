/**
 * A synchronous connection to an in-process engine whose time only moves when the test says so: the
 * model-based tests drive the engine command by command, deterministically.
 */
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { Keyspace, type KeyspaceState } from "../../src/keyspace/Keyspace.ts"
import { type Reply, ReplyError, ReplyParser } from "../../src/resp/ReplyParser.ts"
import type { Client } from "../../src/server/Client.ts"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { embeddedRedis } from "./embedded.ts"

export class SyncDriver {
  private readonly parser = new ReplyParser({ bulk: "latin1" })
  private readonly client: Client
  readonly engine: EngineState
  readonly keyspace: KeyspaceState
  /** The database SELECT chose last. */
  db = 0

  constructor(engine: EngineState, keyspace: KeyspaceState) {
    this.engine = engine
    this.keyspace = keyspace
    this.client = engine.createClient()
  }

  /** Runs one command; an error reply comes back as "ERR:<message>". */
  call(...argv: ReadonlyArray<string>): Reply {
    this.engine.processCommand(this.client, argv)
    this.parser.feed(this.client.reply.take()!)
    const reply = this.parser.next()!.value
    if (argv[0]!.toUpperCase() === "SELECT" && reply === "OK") this.db = Number(argv[1])
    return reply instanceof ReplyError ? `ERR:${reply.message}` : reply
  }

  /** An empty server at time `now`, database 0 selected. */
  reset(now: number): void {
    this.keyspace.setTime(now)
    this.call("FLUSHALL")
    this.call("SELECT", "0")
  }
}

/** Runs `f` with a driver over a fresh in-process server at `t0` (active expiry idle: TestClock stays put). */
export const withSyncDriver = <D extends SyncDriver>(
  make: (engine: EngineState, keyspace: KeyspaceState) => D,
  t0: number,
  f: (driver: D) => void
) =>
  Effect.andThen(
    TestClock.setTime(t0),
    Effect.gen(function*() {
      const driver = make(yield* Engine, yield* Keyspace)
      driver.reset(t0)
      f(driver)
    }).pipe(Effect.provide(embeddedRedis()))
  )

import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import { type Reply, ReplyError, ReplyParser } from "../resp/ReplyParser.ts"
import { Engine } from "./Engine.ts"

/** An argument: a string is sent as its UTF-8 bytes, a Uint8Array as is. */
export type Argument = string | Uint8Array

/**
 * A connection to the in-process server: commands run in the engine directly (no TCP, no encoding of
 * the request) and replies decode to typed values. Per-connection state (SELECT, MULTI, WATCH, HELLO 3,
 * blocking) behaves exactly as over a socket.
 */
export interface RedisConnection {
  readonly id: number
  /** Runs a command; error replies fail with ReplyError. Bulk strings decode as UTF-8 strings. */
  readonly command: (...args: ReadonlyArray<Argument>) => Effect.Effect<Reply, ReplyError>
  /** Same, with bulk strings as raw bytes (binary values). */
  readonly commandBytes: (...args: ReadonlyArray<Argument>) => Effect.Effect<Reply, ReplyError>
}

const toLatin1 = (arg: Argument): string =>
  typeof arg === "string"
    ? Buffer.from(arg, "utf8").latin1Slice(0, Buffer.byteLength(arg, "utf8"))
    : Buffer.from(arg.buffer, arg.byteOffset, arg.length).latin1Slice(0, arg.length)

/** Opens a connection that closes with the scope. */
export const connect: Effect.Effect<RedisConnection, never, Engine | Scope.Scope> = Effect.gen(function*() {
  const engine = yield* Engine
  const clock = yield* Clock.Clock
  const client = yield* Effect.acquireRelease(
    Effect.sync(() => engine.createClient({ addr: "in-process:0", laddr: "in-process:0" })),
    (c) => Effect.sync(() => engine.freeClient(c))
  )
  const utf8 = new ReplyParser({ bulk: "utf8" })
  const binary = new ReplyParser({ bulk: "binary" })
  // Commands of one connection run one at a time, like requests on a socket.
  const lock = yield* Semaphore.make(1)

  /**
   * The caller interrupted a command (Effect.timeout, a fiber interruption) while it waited: a blocked
   * command is dropped and whatever it replied meanwhile is discarded, so the next command's reply is
   * its own. A socket client that goes away is freed the same way.
   */
  const abandon = Effect.sync(() => {
    engine.abandonBlocked(client)
    if (client.reply.take() !== undefined) client.reply.recycle()
  })

  const run = (parser: ReplyParser, args: ReadonlyArray<Argument>) =>
    lock.withPermit(
      Effect.gen(function*() {
        engine.refreshTime()
        engine.processCommand(client, args.map(toLatin1))
        while (client.blocked !== undefined) {
          const state = client.blocked
          const timeout = state.timeoutAt === 0
            ? Effect.never
            : Effect.sleep(Math.max(0, state.timeoutAt - clock.currentTimeMillisUnsafe()))
          const outcome = yield* Effect.raceFirst(
            Deferred.await(state.done).pipe(Effect.as("done" as const)),
            timeout.pipe(Effect.as("timeout" as const))
          )
          if (outcome === "timeout") engine.timeoutBlocked(client)
        }
        const out = client.reply.take()
        if (out === undefined) return null // CLIENT REPLY OFF
        parser.feed(out)
        const parsed = parser.next()
        if (parsed === undefined) return yield* Effect.die(new Error("incomplete reply from engine"))
        // the parser copied what it returns (strings, or new byte arrays) and consumed every byte
        client.reply.recycle()
        if (parsed.value instanceof ReplyError) return yield* Effect.fail(parsed.value)
        return parsed.value
      }).pipe(Effect.onInterrupt(() => abandon))
    )

  return {
    id: client.id,
    command: (...args) => run(utf8, args),
    commandBytes: (...args) => run(binary, args)
  }
})

/** The in-process client as a service: one connection for the lifetime of the Layer. */
export class RedisClient extends Context.Service<RedisClient, RedisConnection>()("effect-redis-server/RedisClient") {
  static readonly layer: Layer.Layer<RedisClient, never, Engine> = Layer.effect(RedisClient, connect)
  /** A new, independent connection scoped to the caller (several clients, e.g. to test blocking). */
  static readonly connect = connect
}

import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import { Push, type Reply, ReplyError, ReplyParser } from "../resp/ReplyParser.ts"
import type { Client } from "./Client.ts"
import { Engine, type EngineState } from "./Engine.ts"

/** An argument: a string is sent as its UTF-8 bytes, a Uint8Array as is. */
export type Argument = string | Uint8Array

/** A message received by a subscription: from a channel, a pattern's channel, or a shard channel. */
export type PubSubMessage =
  | { readonly _tag: "message"; readonly channel: string; readonly message: string }
  | { readonly _tag: "pmessage"; readonly pattern: string; readonly channel: string; readonly message: string }
  | { readonly _tag: "smessage"; readonly channel: string; readonly message: string }

/**
 * The server closed a subscription: it fell behind by more than `client-output-buffer-limit pubsub`
 * allows (as Redis disconnects such a subscriber), or CLIENT KILL closed it.
 */
export class SubscriptionClosed extends Data.TaggedError("SubscriptionClosed")<{ readonly reason: string }> {}

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
  /**
   * SUBSCRIBE on a connection of its own, as the same user: the messages published to `channels`
   * from the moment the stream starts, in publish order; interrupting the stream unsubscribes. The
   * SUBSCRIBE's error (NOAUTH, NOPERM) fails it with ReplyError; falling behind by more than the pubsub
   * output limit fails it with SubscriptionClosed.
   */
  readonly subscribe: (...channels: ReadonlyArray<Argument>) => Stream.Stream<PubSubMessage, ReplyError | SubscriptionClosed>
  /** PSUBSCRIBE: the messages of every channel matching one of the glob `patterns`. */
  readonly psubscribe: (...patterns: ReadonlyArray<Argument>) => Stream.Stream<PubSubMessage, ReplyError | SubscriptionClosed>
  /** SSUBSCRIBE: the messages of shard channels (SPUBLISH). */
  readonly ssubscribe: (...channels: ReadonlyArray<Argument>) => Stream.Stream<PubSubMessage, ReplyError | SubscriptionClosed>
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
        // RESP3 pushes (an invalidation for CLIENT TRACKING) are not replies: this connection answers
        // one reply per command, so they are dropped (subscriptions have streams of their own)
        let parsed = parser.next()
        while (parsed !== undefined && parsed.value instanceof Push) parsed = parser.next()
        if (parsed === undefined) return yield* Effect.die(new Error("incomplete reply from engine"))
        while (parser.next() !== undefined) {
          // pushes written after the reply
        }
        // the parser copied what it returns (strings, or new byte arrays) and consumed every byte
        client.reply.recycle()
        if (parsed.value instanceof ReplyError) return yield* Effect.fail(parsed.value)
        return parsed.value
      }).pipe(Effect.onInterrupt(() => abandon))
    )

  return {
    id: client.id,
    command: (...args) => run(utf8, args),
    commandBytes: (...args) => run(binary, args),
    subscribe: (...channels) => subscription(engine, client, "SUBSCRIBE", channels),
    psubscribe: (...patterns) => subscription(engine, client, "PSUBSCRIBE", patterns),
    ssubscribe: (...channels) => subscription(engine, client, "SSUBSCRIBE", channels)
  }
})

/** A decoded push as a typed message; undefined for confirmations and anything else. */
const toMessage = (value: Reply): PubSubMessage | undefined => {
  if (!Array.isArray(value)) return undefined
  const [kind, a, b, c] = value as ReadonlyArray<Reply>
  if (kind === "message" || kind === "smessage") {
    return { _tag: kind, channel: String(a), message: String(b) }
  }
  if (kind === "pmessage") return { _tag: "pmessage", pattern: String(a), channel: String(b), message: String(c) }
  return undefined
}

/** Bytes a queued message stands for, counted against the pubsub output limit until it is taken. */
const messageSize = (m: PubSubMessage): number =>
  m.channel.length + m.message.length + (m._tag === "pmessage" ? m.pattern.length : 0) + 32

/**
 * A subscriber client whose output channel decodes into a queue: messages go through the same output
 * (the pubsub class's limit included) as a socket subscriber's, and the queue's unread messages count
 * as bytes the "socket" has not taken.
 */
const subscription = (
  engine: EngineState,
  owner: Client,
  verb: "SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE",
  names: ReadonlyArray<Argument>
): Stream.Stream<PubSubMessage, ReplyError | SubscriptionClosed> =>
  Stream.suspend(() => {
    let unread = 0
    return Stream.callback<PubSubMessage, ReplyError | SubscriptionClosed>((queue) =>
      Effect.gen(function*() {
        const parser = new ReplyParser({ bulk: "utf8" })
        let open = true
        const subscriber = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const c = engine.createClient({ addr: "in-process:0", laddr: "in-process:0" })
            c.authenticated = owner.authenticated
            c.user = owner.user
            return c
          }),
          (c) => Effect.sync(() => engine.freeClient(c))
        )
        subscriber.kill = () => {
          if (!open) return
          open = false
          Queue.failCauseUnsafe(queue, Cause.fail(new SubscriptionClosed({ reason: subscriber.closeReason ?? "killed" })))
        }
        subscriber.output.sink = {
          open: () => open,
          write: (bytes) => {
            parser.feed(bytes)
            for (let r = parser.next(); r !== undefined; r = parser.next()) {
              const message = toMessage(r.value)
              if (message === undefined) continue
              unread += messageSize(message)
              Queue.offerUnsafe(queue, message)
            }
            return true
          },
          pending: () => unread,
          full: () => false,
          whenDrained: (then) => then(),
          close: (reason) => {
            subscriber.closeReason = reason
            subscriber.kill()
          }
        }
        engine.refreshTime()
        engine.processCommand(subscriber, [verb, ...names.map(toLatin1)])
        // the confirmations (or the error) are the command's reply, read here rather than streamed
        const confirmed = subscriber.reply.take()
        subscriber.reply.recycle()
        if (confirmed !== undefined) {
          const replies = new ReplyParser({ bulk: "utf8" })
          replies.feed(confirmed)
          for (let r = replies.next(); r !== undefined; r = replies.next()) {
            if (r.value instanceof ReplyError) return yield* Effect.fail(r.value)
          }
        }
      })
    ).pipe(Stream.map((message) => {
      unread -= messageSize(message)
      return message
    }))
  })

/** The in-process client as a service: one connection for the lifetime of the Layer. */
export class RedisClient extends Context.Service<RedisClient, RedisConnection>()("effect-redis-server/RedisClient") {
  static readonly layer: Layer.Layer<RedisClient, never, Engine> = Layer.effect(RedisClient, connect)
  /** A new, independent connection scoped to the caller (several clients, e.g. to test blocking). */
  static readonly connect = connect
}

/**
 * Pub/Sub (Redis's pubsub.c): who is subscribed to which channel, pattern and shard channel, and the
 * delivery of published messages into subscribers' output channels. Synchronous, on the command path:
 * PUBLISH writes a push into each subscriber's output and asks the engine to send it once the current
 * step ends, so a subscriber gets one write however many messages a batch published.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Keyspace } from "../keyspace/Keyspace.ts"
import type { CommandSpec } from "../commands/CommandSpec.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { Client } from "../server/Client.ts"
import { ClientSlot, CommandRegistry } from "../server/CommandRegistry.ts"
import { Engine, type EngineState } from "../server/Engine.ts"
import { globMatch } from "../util/glob.ts"
import { pubsubCommands } from "./commands.ts"
import { keyspaceEventMessages } from "./keyspaceEvents.ts"

/** What a client is subscribed to, in subscription order (UNSUBSCRIBE without arguments follows it). */
export interface ClientSubscriptions {
  readonly channels: Set<string>
  readonly patterns: Set<string>
  readonly shardChannels: Set<string>
}

/** The two namespaces a channel lives in: global channels, and shard channels (SSUBSCRIBE/SPUBLISH). */
export type ChannelKind = "channel" | "shard"

/** The confirmation and message words of a namespace (Redis's pubsubtype). */
const WORDS = {
  channel: { subscribe: "subscribe", unsubscribe: "unsubscribe", message: "message" },
  shard: { subscribe: "ssubscribe", unsubscribe: "sunsubscribe", message: "smessage" }
} as const

/** A bulk string as RESP writes it; arguments are latin1 strings, one character per byte. */
const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`

export class PubSubState {
  /** Subscribers by channel, in subscription order. */
  readonly channels = new Map<string, Set<Client>>()
  readonly shardChannels = new Map<string, Set<Client>>()
  /** Subscribers by pattern, patterns in the order they were first subscribed. */
  readonly patterns = new Map<string, Set<Client>>()
  readonly slot: ClientSlot<ClientSubscriptions>
  private readonly engine: EngineState

  constructor(engine: EngineState) {
    this.engine = engine
    this.slot = new ClientSlot<ClientSubscriptions>(
      "pubsub",
      () => ({ channels: new Set(), patterns: new Set(), shardChannels: new Set() }),
      (_state, client) => this.unsubscribeEverything(client)
    )
  }

  private table(kind: ChannelKind): Map<string, Set<Client>> {
    return kind === "channel" ? this.channels : this.shardChannels
  }

  private own(subs: ClientSubscriptions, kind: ChannelKind): Set<string> {
    return kind === "channel" ? subs.channels : subs.shardChannels
  }

  /** clientSubscriptionsCount for channels and patterns, clientShardSubscriptionsCount for shards. */
  private count(subs: ClientSubscriptions, kind: ChannelKind): number {
    return kind === "channel" ? subs.channels.size + subs.patterns.size : subs.shardChannels.size
  }

  private updateCounts(client: Client, subs: ClientSubscriptions): void {
    client.setSubscriptions(subs.channels.size, subs.patterns.size, subs.shardChannels.size)
  }

  /** A `subscribe`-like confirmation: word, channel (or a null), running count. */
  private confirm(client: Client, word: string, channel: string | undefined, count: number): void {
    client.output.push(3, (w) => {
      w.bulk(word)
      if (channel === undefined) w.nullBulk()
      else w.bulk(channel)
      w.integer(count)
    }, true)
  }

  // --- subscribing -----------------------------------------------------------------------------------

  /** pubsubSubscribeChannel: subscribes (once) and confirms with the running count. */
  subscribe(client: Client, channel: string, kind: ChannelKind): void {
    const subs = this.slot.get(client)
    const own = this.own(subs, kind)
    if (!own.has(channel)) {
      own.add(channel)
      const table = this.table(kind)
      let clients = table.get(channel)
      if (clients === undefined) {
        clients = new Set()
        table.set(channel, clients)
      }
      clients.add(client)
      this.updateCounts(client, subs)
    }
    this.confirm(client, WORDS[kind].subscribe, channel, this.count(subs, kind))
  }

  /** pubsubUnsubscribeChannel: true when the client was subscribed. */
  unsubscribe(client: Client, channel: string, kind: ChannelKind, notify: boolean): boolean {
    const subs = this.slot.get(client)
    const own = this.own(subs, kind)
    const was = own.delete(channel)
    if (was) {
      const table = this.table(kind)
      const clients = table.get(channel)!
      clients.delete(client)
      // a channel nobody listens to is forgotten, so PUBSUB CHANNELS cannot be grown without bound
      if (clients.size === 0) table.delete(channel)
      this.updateCounts(client, subs)
    }
    if (notify) this.confirm(client, WORDS[kind].unsubscribe, channel, this.count(subs, kind))
    return was
  }

  /** UNSUBSCRIBE / SUNSUBSCRIBE without arguments: every channel, or a null confirmation for none. */
  unsubscribeAll(client: Client, kind: ChannelKind, notify: boolean): number {
    const subs = this.slot.peek(client)
    let count = 0
    if (subs !== undefined) {
      for (const channel of [...this.own(subs, kind)]) if (this.unsubscribe(client, channel, kind, notify)) count++
    }
    if (notify && count === 0) this.confirm(client, WORDS[kind].unsubscribe, undefined, subs === undefined ? 0 : this.count(subs, kind))
    return count
  }

  /** pubsubSubscribePattern */
  psubscribe(client: Client, pattern: string): void {
    const subs = this.slot.get(client)
    if (!subs.patterns.has(pattern)) {
      subs.patterns.add(pattern)
      let clients = this.patterns.get(pattern)
      if (clients === undefined) {
        clients = new Set()
        this.patterns.set(pattern, clients)
      }
      clients.add(client)
      this.updateCounts(client, subs)
    }
    this.confirm(client, "psubscribe", pattern, this.count(subs, "channel"))
  }

  /** pubsubUnsubscribePattern */
  punsubscribe(client: Client, pattern: string, notify: boolean): boolean {
    const subs = this.slot.get(client)
    const was = subs.patterns.delete(pattern)
    if (was) {
      const clients = this.patterns.get(pattern)!
      clients.delete(client)
      if (clients.size === 0) this.patterns.delete(pattern)
      this.updateCounts(client, subs)
    }
    if (notify) this.confirm(client, "punsubscribe", pattern, this.count(subs, "channel"))
    return was
  }

  /** PUNSUBSCRIBE without arguments. */
  punsubscribeAll(client: Client, notify: boolean): number {
    const subs = this.slot.peek(client)
    let count = 0
    if (subs !== undefined) for (const pattern of [...subs.patterns]) if (this.punsubscribe(client, pattern, notify)) count++
    if (notify && count === 0) this.confirm(client, "punsubscribe", undefined, subs === undefined ? 0 : this.count(subs, "channel"))
    return count
  }

  /** RESET and a client going away: every subscription dropped, nothing confirmed. */
  unsubscribeEverything(client: Client): void {
    this.unsubscribeAll(client, "channel", false)
    this.unsubscribeAll(client, "shard", false)
    this.punsubscribeAll(client, false)
  }

  // --- publishing ------------------------------------------------------------------------------------

  /**
   * pubsubPublishMessage: the message to every subscriber of the channel, then to every subscriber of
   * each matching pattern (shard channels have no patterns); returns the number of deliveries. The
   * message's RESP body is built once and copied into each subscriber's output.
   */
  publish(channel: string, message: string, kind: ChannelKind = "channel"): number {
    let receivers = 0
    const clients = this.table(kind).get(channel)
    if (clients !== undefined) {
      const body = bulk(WORDS[kind].message) + bulk(channel) + bulk(message)
      const fill = (w: ReplyWriter) => w.raw(body)
      const resp2 = "*3\r\n" + body
      const resp3 = ">3\r\n" + body
      for (const client of clients) {
        client.output.pushEncoded(resp2, resp3, 3, fill)
        this.engine.wakeLater(client)
        receivers++
      }
    }
    if (kind === "shard" || this.patterns.size === 0) return receivers
    let tail: string | undefined
    for (const [pattern, subscribers] of this.patterns) {
      if (!globMatch(pattern, channel)) continue
      tail ??= bulk(channel) + bulk(message)
      const body = "$8\r\npmessage\r\n" + bulk(pattern) + tail
      const fill = (w: ReplyWriter) => w.raw(body)
      const resp2 = "*4\r\n" + body
      const resp3 = ">4\r\n" + body
      for (const client of subscribers) {
        client.output.pushEncoded(resp2, resp3, 4, fill)
        this.engine.wakeLater(client)
        receivers++
      }
    }
    return receivers
  }

  /** notifyKeyspaceEvent's delivery: the messages of one event (keyspaceEventMessages), published in order. */
  publishKeyspaceEvent(type: number, event: string, key: string, dbid: number, flags: number): void {
    for (const [channel, payload] of keyspaceEventMessages(type, event, key, dbid, flags)) this.publish(channel, payload)
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS [pattern] */
  activeChannels(kind: ChannelKind, pattern: string | undefined): ReadonlyArray<string> {
    const names = [...this.table(kind).keys()]
    return pattern === undefined ? names : names.filter((name) => globMatch(pattern, name))
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (patterns not counted). */
  subscriberCount(kind: ChannelKind, channel: string): number {
    return this.table(kind).get(channel)?.size ?? 0
  }
}

/** The pub/sub commands' table entries, for what needs the names before any Layer is built. */
export const pubsubCommandTable: ReadonlyArray<CommandSpec> = pubsubCommands(() => {
  throw new Error("pub/sub commands run only as PubSub.layer contributes them")
})

/**
 * The pub/sub subsystem: its commands, the INFO fields, per-client subscriptions (dropped on RESET and
 * disconnect) and the delivery of keyspace events, for the Layer's lifetime.
 */
export class PubSub extends Context.Service<PubSub, PubSubState>()("effect-redis-server/PubSub") {
  static readonly layer: Layer.Layer<PubSub, never, Engine | Keyspace | CommandRegistry> = Layer.effect(
    PubSub,
    Effect.gen(function*() {
      const engine = yield* Engine
      const keyspace = yield* Keyspace
      const state = new PubSubState(engine)
      yield* CommandRegistry.contributeScoped((registry) => registry.addCommands(pubsubCommands(() => state)))
      yield* CommandRegistry.contributeScoped((registry) => registry.addSlot(state.slot))
      yield* CommandRegistry.contributeScoped((registry) =>
        registry.addInfo("stats", () => [
          ["pubsub_channels", state.channels.size],
          ["pubsub_patterns", state.patterns.size],
          ["pubsubshard_channels", state.shardChannels.size]
        ])
      )
      const stop = keyspace.onNotify((type, event, key, dbid) =>
        state.publishKeyspaceEvent(type, event, key, dbid, keyspace.notifyFlags)
      )
      yield* Effect.addFinalizer(() => Effect.sync(stop))
      return state
    })
  )
}

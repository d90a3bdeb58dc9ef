/**
 * Client-side caching (Redis's tracking.c): which clients may have cached which keys, and the
 * invalidation messages they get when a key changes. Part of the engine: it hooks where keys are read
 * (after a read-only command), written (signalModifiedKey) and flushed, all on the synchronous path.
 *
 * Like Redis, the tracking table is keyed by key name alone (not by database), holds client ids (a
 * client that went away is skipped when its keys are invalidated), and forgets a key once it was
 * invalidated: a client is told about a key once per read.
 */
import { commandKeys } from "../commands/CommandSpec.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { Client, RuntimeCommand } from "./Client.ts"
import type { EngineState } from "./Engine.ts"

/** A client's tracking mode (CLIENT TRACKING ON ...): Redis's CLIENT_TRACKING_* flags and fields. */
export class ClientTracking {
  bcast = false
  optin = false
  optout = false
  noloop = false
  /** CLIENT CACHING YES (optin) or NO (optout) given for the next command or transaction. */
  caching = false
  /** The client invalidations go to (0: this client). */
  redirect = 0
  /** The redirect client went away (CLIENT TRACKINGINFO's broken_redirect, flag R). */
  brokenRedirect = false
  /** BCAST prefixes ("" for every key), in byte order as Redis's radix tree lists them. */
  readonly prefixes: Array<string> = []
}

/** A BCAST prefix: the clients listening to it and the keys under it modified in this step (and by whom). */
interface PrefixState {
  readonly clients: Set<Client>
  keys: Map<string, Client | undefined>
}

const INVALIDATE_CHANNEL = "__redis__:invalidate"

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`

export class TrackingState {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0
  /** Key name -> ids of the clients that read it since it last changed. */
  readonly table = new Map<string, Set<number>>()
  /** Ids across the whole table (INFO tracking_total_items). */
  totalItems = 0
  readonly prefixes = new Map<string, PrefixState>()
  /** tracking-table-max-keys; 0 for no limit. */
  maxKeys = 1_000_000
  /** Consecutive checks that could not get under the limit (the effort grows with it). */
  private overLimitRuns = 0
  private broadcastScheduled = false
  /** Messages for the tracking client that was running a command, in the order they arose. */
  private pending: Array<{ readonly client: Client; readonly payload: string; readonly isArray: boolean }> = []

  get hasPending(): boolean {
    return this.pending.length > 0
  }

  /**
   * Redis's server.current_client: the client whose command runs, which for a script's redis.call is
   * the script's caller (NOLOOP and the deferral are about it).
   */
  private currentClient(): Client | undefined {
    const engine = this.engine
    if (engine.inCall === 0) return undefined
    const client = engine.ctx.client
    return client.scriptCaller ?? client
  }

  /** trackingHandlePendingKeyInvalidations: after the top-level command replied. */
  sendPending(): void {
    const pending = this.pending
    this.pending = []
    for (const { client, payload, isArray } of pending) {
      if (!client.freed && client.tracking !== undefined) this.send(client, payload, isArray, false)
    }
  }
  private readonly engine: EngineState

  constructor(engine: EngineState) {
    this.engine = engine
  }

  // --- CLIENT TRACKING -----------------------------------------------------------------------------

  /** enableTracking: the options were validated by CLIENT TRACKING. */
  enable(
    client: Client,
    redirect: number,
    options: { readonly bcast: boolean; readonly optin: boolean; readonly optout: boolean; readonly noloop: boolean },
    prefixes: ReadonlyArray<string>
  ): void {
    const keyspace = this.engine.keyspace
    // the keyspace tells tracking of writes and flushes from the first client that tracks on
    if (keyspace.keyModified === undefined) {
      keyspace.keyModified = (key) => this.invalidateKey(key)
      keyspace.onFlushed = () => this.invalidateAll()
    }
    let state = client.tracking
    if (state === undefined) {
      state = new ClientTracking()
      client.tracking = state
      this.clients++
    }
    state.brokenRedirect = false
    state.redirect = redirect
    state.bcast = options.bcast
    state.optin = options.optin
    state.optout = options.optout
    state.noloop = options.noloop
    if (options.bcast) {
      if (prefixes.length === 0) this.addPrefix(client, state, "")
      for (const prefix of prefixes) this.addPrefix(client, state, prefix)
    }
  }

  private addPrefix(client: Client, state: ClientTracking, prefix: string): void {
    let bs = this.prefixes.get(prefix)
    if (bs === undefined) {
      bs = { clients: new Set(), keys: new Map() }
      this.prefixes.set(prefix, bs)
    }
    if (bs.clients.has(client)) return
    bs.clients.add(client)
    state.prefixes.push(prefix)
    state.prefixes.sort(byteOrder)
  }

  /** disableTracking: CLIENT TRACKING OFF, RESET, and a client going away. */
  disable(client: Client): void {
    const state = client.tracking
    if (state === undefined) return
    for (const prefix of state.prefixes) {
      const bs = this.prefixes.get(prefix)
      if (bs === undefined) continue
      bs.clients.delete(client)
      if (bs.clients.size === 0) this.prefixes.delete(prefix)
    }
    client.tracking = undefined
    this.clients--
  }

  /** The prefix (given or already registered) that overlaps `prefix`, if any: one is a prefix of the other. */
  static overlaps(a: string, b: string): boolean {
    const n = Math.min(a.length, b.length)
    return a.slice(0, n) === b.slice(0, n)
  }

  // --- remembering keys ----------------------------------------------------------------------------

  /**
   * trackingRememberKeys, after a read-only command of a tracking client (not in BCAST mode): its keys
   * are remembered for the client, unless OPTIN without CACHING YES, or OPTOUT with CACHING NO.
   */
  rememberKeys(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): void {
    const state = client.tracking!
    if (state.bcast) return
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return
    // shard channels are "keys" for cluster routing only; pub/sub commands are never tracked
    if (command.spec.flags.includes("pubsub")) return
    let positions: ReadonlyArray<number>
    try {
      positions = commandKeys(command.spec, argv)
    } catch {
      return
    }
    for (const i of positions) {
      const key = argv[i]
      if (key === undefined) continue
      let ids = this.table.get(key)
      if (ids === undefined) {
        ids = new Set()
        this.table.set(key, ids)
      }
      if (!ids.has(client.id)) {
        ids.add(client.id)
        this.totalItems++
      }
    }
  }

  /** resetClient's rule: CACHING lasts for one command, or for a whole transaction. */
  afterCommand(client: Client, command: RuntimeCommand | undefined): void {
    const state = client.tracking
    if (state === undefined || !state.caching) return
    if (client.multi === undefined && command?.parent?.spec.name !== "client" && command?.spec.name !== "client") {
      state.caching = false
    }
  }

  // --- invalidating --------------------------------------------------------------------------------

  /**
   * trackingInvalidateKey, from signalModifiedKey: every client that read the key is told (once; the
   * key is forgotten), and BCAST prefixes covering it note it for the end of the step.
   */
  invalidateKey(key: string): void {
    const engine = this.engine
    const current = this.currentClient()
    if (this.prefixes.size > 0) this.rememberForBroadcast(key, current)
    const ids = this.table.get(key)
    if (ids === undefined) return
    this.table.delete(key)
    this.totalItems -= ids.size
    for (const id of ids) {
      const target = engine.clients.get(id)
      const state = target?.tracking
      if (target === undefined || state === undefined || state.bcast) continue
      // NOLOOP: not about keys the client changed itself
      if (state.noloop && target === current) continue
      this.send(target, bulk(key), false, target === current)
    }
  }

  private rememberForBroadcast(key: string, modifier: Client | undefined): void {
    for (const [prefix, bs] of this.prefixes) {
      if (!key.startsWith(prefix)) continue
      bs.keys.set(key, modifier)
    }
    if (this.broadcastScheduled) return
    this.broadcastScheduled = true
    // before sleeping, as Redis: once every ready socket of this loop turn has run its commands
    setImmediate(() => {
      this.broadcastScheduled = false
      this.broadcast()
    })
  }

  /**
   * trackingBroadcastInvalidationMessages, once the step that modified the keys ends (Redis: before
   * sleeping): each BCAST client gets the keys under its prefixes in one message, without the keys it
   * modified itself when NOLOOP.
   */
  broadcast(): void {
    // prefixes and keys in byte order, as Redis walks its radix trees
    for (const prefix of [...this.prefixes.keys()].sort(byteOrder)) {
      const bs = this.prefixes.get(prefix)!
      if (bs.keys.size === 0) continue
      const keys = new Map([...bs.keys].sort(([a], [b]) => byteOrder(a, b)))
      bs.keys = new Map()
      let all: string | undefined
      for (const client of bs.clients) {
        if (client.tracking?.noloop === true) {
          const own = [...keys].filter(([, by]) => by !== client).map(([k]) => k)
          if (own.length > 0) this.send(client, keysArray(own), true, false)
        } else {
          all ??= keysArray([...keys.keys()])
          this.send(client, all, true, false)
        }
      }
    }
  }

  /**
   * trackingInvalidateKeysOnFlush (FLUSHDB, FLUSHALL): every tracking client is told with a null that
   * everything it cached is stale, and the table is emptied.
   */
  invalidateAll(): void {
    if (this.clients > 0) {
      const engine = this.engine
      const current = this.currentClient()
      for (const client of engine.clients.values()) {
        if (client.tracking === undefined) continue
        // the null in the tracking client's protocol, as Redis writes shared.null[c->resp]
        this.send(client, client.resp === 2 ? "$-1\r\n" : "_\r\n", true, client === current)
      }
    }
    this.table.clear()
    this.totalItems = 0
  }

  /**
   * trackingLimitUsedSlots: past tracking-table-max-keys, keys are invalidated (their readers told) until
   * the table is under the limit again, with an effort that grows while it stays over.
   */
  limit(): void {
    if (this.maxKeys === 0 || this.table.size <= this.maxKeys) {
      this.overLimitRuns = 0
      return
    }
    let effort = 100 * (this.overLimitRuns + 1)
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break
      this.invalidateKey(key)
      if (this.table.size <= this.maxKeys) {
        this.overLimitRuns = 0
        return
      }
    }
    this.overLimitRuns++
  }

  /**
   * sendTrackingMessage: `payload` is the RESP of the invalidated keys (a bulk for one key unless
   * `isArray`, an array or null otherwise), sent to the client or its redirect: a RESP3 `invalidate`
   * push, or a `message` on __redis__:invalidate to a RESP2 redirect client in subscribed mode; nothing
   * to a RESP2 client without redirection. A message for the client running the current command
   * follows that command's reply.
   */
  private send(client: Client, payload: string, isArray: boolean, afterReply: boolean): void {
    // Redis's tracking_pending_keys: sent, redirected or not, once the top-level command has replied
    if (afterReply) {
      this.pending.push({ client, payload, isArray })
      return
    }
    const state = client.tracking!
    let target = client
    if (state.redirect !== 0) {
      const redirect = this.engine.clients.get(state.redirect)
      if (redirect === undefined) {
        state.brokenRedirect = true
        if (client.resp === 3) {
          client.output.push(2, (w) => {
            w.bulk("tracking-redir-broken")
            w.integer(state.redirect)
          })
          this.engine.wakeLater(client)
        }
        return
      }
      target = redirect
    }
    const value = isArray ? payload : `*1\r\n${payload}`
    if (target.resp === 3) {
      const fill = (w: ReplyWriter) => {
        w.raw("$10\r\ninvalidate\r\n")
        w.raw(value)
      }
      target.output.push(2, fill)
    } else if (state.redirect !== 0 && target.subscriptions > 0) {
      target.output.push(3, (w) => {
        w.raw("$7\r\nmessage\r\n")
        w.raw(bulk(INVALIDATE_CHANNEL))
        w.raw(value)
      })
    } else {
      return
    }
    this.engine.wakeLater(target)
  }
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const keysArray = (keys: ReadonlyArray<string>): string => {
  let out = `*${keys.length}\r\n`
  for (const k of keys) out += bulk(k)
  return out
}

import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { defaultUserIsNopass } from "../acl/authenticate.ts"
import { BLOCKED, type Blocked, type CommandSpec } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { allCommands } from "../commands/index.ts"
import { type ConfigStore, ServerConfig } from "../config/ServerConfig.ts"
import type { Database } from "../keyspace/Database.ts"
import { Keyspace, type KeyspaceState } from "../keyspace/Keyspace.ts"
import { ProtocolError } from "../resp/RequestParser.ts"
import { BlockingWaiters, type WaiterRegistry } from "./BlockingWaiters.ts"
import { type BlockState, Client, RuntimeCommand } from "./Client.ts"
import { type BlockRequest, CommandContext } from "./CommandContext.ts"

/** Options for a new client. */
export interface ClientOptions {
  readonly addr?: string
  readonly laddr?: string
  readonly fd?: number
}

/** Server-wide counters (INFO stats). */
export class ServerStats {
  totalCommands = 0
  totalConnections = 0
  rejectedConnections = 0
  totalErrorReplies = 0
  netInputBytes = 0
  netOutputBytes = 0
  readonly errors = new Map<string, number>()

  reset(): void {
    this.totalCommands = 0
    this.totalConnections = 0
    this.rejectedConnections = 0
    this.totalErrorReplies = 0
    this.netInputBytes = 0
    this.netOutputBytes = 0
    this.errors.clear()
  }
}

/** Commands that MULTI does not queue (processCommand's exceptions). */
const NOT_QUEUED = new Set(["exec", "discard", "multi", "watch", "quit", "reset"])

/**
 * The synchronous command executor: parses a client's bytes, runs every complete command against the
 * keyspace, and leaves the replies in the client's writer. One instance per server; the connection
 * fibers call it once per read batch. Nothing here is an Effect: atomicity comes from running each
 * command to completion on the single JS thread, as Redis does.
 */
export class EngineState {
  readonly commands = new Map<string, RuntimeCommand>()
  readonly clients = new Map<number, Client>()
  readonly stats = new ServerStats()
  readonly startedAt: number
  /** The TCP port the listener is bound to (INFO tcp_port), once RedisServer.listen has bound it. */
  listeningPort: number | undefined = undefined
  readonly ctx: CommandContext
  private nextClientId = 1
  /** Subsystems that keep per-client state (pub/sub, tracking) clear it on RESET and on disconnect. */
  readonly onClientReset: Array<(client: Client) => void> = []
  private readonly protoMaxBulkLen: { value: number }
  private readonly queryBufferLimit = { value: 1024 * 1024 * 1024 }

  readonly keyspace: KeyspaceState
  readonly config: ConfigStore
  readonly waiters: WaiterRegistry
  private readonly clock: Clock.Clock

  constructor(
    keyspace: KeyspaceState,
    config: ConfigStore,
    waiters: WaiterRegistry,
    clock: Clock.Clock,
    commands: ReadonlyArray<CommandSpec>
  ) {
    this.keyspace = keyspace
    this.config = config
    this.waiters = waiters
    this.clock = clock
    for (const spec of commands) this.register(spec)
    for (const { from, to } of config.commandRenames) this.renameCommand(from, to)
    this.ctx = new CommandContext(this, keyspace, config)
    this.startedAt = clock.currentTimeMillisUnsafe()
    const limit = { value: 0 }
    config.watch("proto-max-bulk-len", (v) => {
      limit.value = Number(v)
    })
    config.watch("client-query-buffer-limit", (v) => {
      this.queryBufferLimit.value = Number(v)
    })
    config.watch("lazyfree-lazy-expire", (v) => {
      keyspace.lazyExpire = v === "yes"
    })
    this.protoMaxBulkLen = limit
    // A key signalled outside any command (active expiry deleting a stream that XREADGROUP waits on)
    // is served as soon as the current step ends, as Redis serves ready keys in beforeSleep.
    let scheduled = false
    waiters.onSignal = () => {
      if (this.inCall !== 0 || scheduled) return
      scheduled = true
      queueMicrotask(() => {
        scheduled = false
        if (this.inCall === 0) this.serveReadyKeys()
      })
    }
  }

  private register(spec: CommandSpec): void {
    const command = new RuntimeCommand(spec, spec.name, undefined)
    this.commands.set(spec.name, command)
    this.commands.set(spec.name.toUpperCase(), command)
  }

  /** rename-command (config file): the command answers to its new name only, or to none for "". */
  private renameCommand(from: string, to: string): void {
    const command = this.lookup(from)
    if (command === undefined) return
    this.commands.delete(from.toLowerCase())
    this.commands.delete(from.toUpperCase())
    if (to === "") return
    this.commands.set(to.toLowerCase(), command)
    this.commands.set(to.toUpperCase(), command)
  }

  /** CONFIG RESETSTAT: server counters, per-command counters and keyspace hits/misses/expiry stats. */
  resetStats(): void {
    this.stats.reset()
    const reset = (command: RuntimeCommand): void => {
      command.calls = 0
      command.usec = 0
      command.rejectedCalls = 0
      command.failedCalls = 0
      for (const sub of command.subcommands?.values() ?? []) reset(sub)
    }
    for (const command of this.commands.values()) reset(command)
    const ks = this.keyspace.stats
    ks.hits = 0
    ks.misses = 0
    ks.expiredKeys = 0
    ks.expiredStalePerc = 0
    ks.expiredTimeCapReached = 0
    ks.evictedKeys = 0
  }

  /** Command by name, any case. */
  lookup(name: string): RuntimeCommand | undefined {
    return this.commands.get(name) ?? this.commands.get(name.toLowerCase())
  }

  /** Reads Effect's Clock into the keyspace: called once per batch and before timer-driven work. */
  refreshTime(): void {
    this.keyspace.setTime(this.clock.currentTimeMillisUnsafe())
    this.durationMark = performance.now()
  }

  /**
   * Where the duration of the next top-level command starts (INFO commandstats usec): the end of the
   * previous one, or the start of the batch. One clock read per command instead of two.
   */
  private durationMark = 0

  // --- clients ---------------------------------------------------------------------------------------

  createClient(options: ClientOptions = {}): Client {
    this.refreshTime()
    const limits = {
      maxBulkLength: () => this.protoMaxBulkLen.value,
      authRequired: () => !client.authenticated && !defaultUserIsNopass(this.config)
    }
    const client = new Client(
      this.nextClientId++,
      this.keyspace.dbs[0]!,
      this.keyspace.now,
      limits,
      options.addr ?? "",
      options.laddr ?? "",
      options.fd ?? -1
    )
    client.authenticated = this.config.get("requirepass") === ""
    client.reply.onError = (code) => this.countError(code)
    this.clients.set(client.id, client)
    this.stats.totalConnections++
    return client
  }

  /**
   * Forgets a client: unblocks it, releases its WATCHes. Once only: CLIENT KILL frees a client at
   * once, and its connection's finalizer frees it again when the socket closes.
   */
  freeClient(client: Client): void {
    if (this.clients.get(client.id) !== client) return
    this.abandonBlocked(client)
    this.unwatchAll(client)
    for (const hook of this.onClientReset) hook(client)
    this.clients.delete(client.id)
  }

  /**
   * Drops a client's blocking command without a reply, as Redis does for a client that goes away while
   * blocked: on free, and when an in-process caller interrupts its BLPOP.
   */
  abandonBlocked(client: Client): void {
    const state = client.blocked
    if (state === undefined) return
    this.waiters.remove(client)
    client.blocked = undefined
    Deferred.doneUnsafe(state.done, Exit.void)
  }

  /** RESET's part that belongs to other subsystems (clearClientConnectionState). */
  resetConnectionState(client: Client): void {
    for (const hook of this.onClientReset) hook(client)
  }

  private countError(code: string): void {
    this.stats.totalErrorReplies++
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1)
    const current = this.ctx.command
    if (current !== undefined && this.inCall > 0) this.failed = true
  }

  // --- the batch path --------------------------------------------------------------------------------

  /**
   * Feeds bytes read from a client and executes every complete command. Replies accumulate in
   * `client.reply`; the caller takes and writes them. Stops early when the client blocks or must close.
   */
  handleBatch(client: Client, chunks: ReadonlyArray<Uint8Array>): void {
    this.refreshTime()
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!
      this.stats.netInputBytes += chunk.length
      client.parser.feed(chunk)
    }
    this.processInput(client)
    // what is left is one incomplete command (or, after a blocking command, the commands queued
    // behind it): bigger than client-query-buffer-limit, the client is dropped
    this.checkQueryBufferLimit(client)
  }

  /**
   * client-query-buffer-limit: a client whose unexecuted bytes outgrow it is closed, with the reason
   * for the log in `closeReason`. Also checked for a blocked client, whose bytes pile up. True when
   * the client must close.
   */
  checkQueryBufferLimit(client: Client): boolean {
    if (client.parser.pending > this.queryBufferLimit.value && !client.closeAfterReply) {
      client.closeAfterReply = true
      client.closeReason = `Closing client that reached max query buffer length: id=${client.id} addr=${client.addr} ` +
        `laddr=${client.laddr} qbuf=${client.parser.pending}`
    }
    return client.closeAfterReply
  }

  /** Executes buffered commands until none is complete, the client blocks, or it must close. */
  processInput(client: Client): void {
    while (client.blocked === undefined && !client.closeAfterReply) {
      const argv = client.parser.next()
      if (argv === undefined) return
      if (argv instanceof ProtocolError) {
        client.reply.error(argv.message)
        client.closeAfterReply = true
        return
      }
      client.lastInteraction = this.keyspace.now
      this.processCommand(client, argv)
    }
  }

  /** Runs one command as processCommand does: lookup, arity, auth, MULTI queueing, then call. */
  processCommand(client: Client, argv: ReadonlyArray<string>): void {
    const reply = client.reply
    reply.resp = client.resp
    const mark = reply.mark()
    // CLIENT REPLY SKIP asked to skip this command's reply: the skip lasts until it has run
    if (client.replyMode === "skip") client.replyMode = "skipping"
    const skip = client.replyMode !== "on"
    let command = this.lookup(argv[0]!)
    if (command === undefined) {
      this.rejectCommand(client, Errors.unknownCommand(argv))
    } else {
      if (command.subcommands !== undefined && argv.length >= 2) {
        const sub = command.subcommands.get(argv[1]!.toLowerCase())
        if (sub === undefined) {
          this.rejectCommand(client, Errors.unknownSubcommand(argv[1]!, argv[0]!))
          command = undefined
        } else {
          command = sub
        }
      }
      if (command !== undefined) this.checkAndCall(client, command, argv)
    }
    // CLIENT REPLY OFF/SKIP: the command ran, its reply is dropped, unless the command turned replies
    // back on (CLIENT REPLY ON, RESET): Redis clears the flag before that command replies.
    if (skip && client.blocked === undefined && client.replyMode !== "on") reply.truncate(mark)
    if (client.replyMode === "skipping") client.replyMode = "on"
  }

  private checkAndCall(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): void {
    const spec = command.spec
    const arity = spec.arity
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      command.rejectedCalls++
      this.rejectCommand(client, Errors.wrongArity(command.fullName), command)
      return
    }
    if (!client.authenticated && !spec.flags.includes("no_auth")) {
      command.rejectedCalls++
      this.rejectCommand(client, Errors.NOAUTH, command)
      return
    }
    if (client.multi !== undefined) {
      if (spec.flags.includes("no_multi")) {
        command.rejectedCalls++
        this.rejectCommand(client, "ERR Command not allowed inside a transaction")
        return
      }
      if (!NOT_QUEUED.has(command.parent?.spec.name ?? spec.name)) {
        client.multi.push({ command, argv })
        client.reply.raw("+QUEUED\r\n")
        return
      }
    }
    this.call(client, command, argv)
    if (this.waiters.hasReady && this.inCall === 0) this.serveReadyKeys()
  }

  /**
   * An error before execution: inside MULTI it also dooms the transaction (flagTransaction). A rejected
   * EXEC discards the transaction and says why (execCommandAbort), in or out of MULTI.
   */
  private rejectCommand(client: Client, message: string, command?: RuntimeCommand): void {
    if (client.multi !== undefined) client.multiDirty = true
    if (command !== undefined && command.parent === undefined && command.spec.name === "exec") {
      this.discard(client)
      client.reply.error(`EXECABORT Transaction discarded because of: ${message.replace(/^ERR /, "")}`)
      return
    }
    client.reply.error(message)
  }

  private inCall = 0
  private failed = false

  /**
   * call(): executes a command with stats and propagation. Re-entrant (EXEC calls it for each queued
   * command): the context is saved and restored around the nested call.
   */
  call(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): void | Blocked {
    const ctx = this.ctx
    const nested = this.inCall > 0
    // a top-level call has no outer context to restore: saving it would only allocate
    const saved = nested ? ctx.save() : undefined
    ctx.client = client
    ctx.reply = client.reply
    ctx.db = client.db
    ctx.command = command
    ctx.argv = argv
    ctx.rewritten = undefined
    ctx.propagationPrevented = false
    ctx.propagationForced = false
    const dirtyBefore = this.keyspace.dirty
    const failedBefore = this.failed
    this.failed = false
    // a top-level command is one propagation unit: what it propagates goes out together at its end
    const unit = !nested && this.keyspace.beginPropagation()
    this.inCall++
    try {
      const started = nested ? performance.now() : this.durationMark
      const result = command.spec.handler!(ctx, argv)
      client.lastCommand = command.fullName
      const ended = performance.now()
      if (!nested) this.durationMark = ended
      if (result !== BLOCKED) {
        command.calls++
        command.usec += Math.round((ended - started) * 1000)
        if (this.failed) command.failedCalls++
        this.stats.totalCommands++
      }
      const wrote = this.keyspace.dirty !== dirtyBefore && !command.isReadonly
      if ((wrote || ctx.propagationForced) && !ctx.propagationPrevented) {
        this.propagate(ctx.db.id, ctx.rewritten ?? argv)
      }
      return result
    } finally {
      this.inCall--
      if (unit) this.keyspace.endPropagation()
      this.failed = failedBefore
      if (saved !== undefined) ctx.restore(saved)
    }
  }

  /** Sends a write in its deterministic form to the propagation listeners (AOF, replicas). */
  propagate(dbid: number, argv: ReadonlyArray<string>): void {
    this.keyspace.propagate(dbid, argv)
  }

  // --- transactions ----------------------------------------------------------------------------------

  /** WATCH key...: records each key's version. */
  watch(client: Client, keys: ReadonlyArray<string>): void {
    const db = client.db
    for (const key of keys) {
      if (client.watched.some((w) => w.db === db && w.key === key)) continue
      client.watched.push({ db, key, version: db.watch(key), expired: db.isLogicallyExpired(key) })
    }
  }

  unwatchAll(client: Client): void {
    for (const w of client.watched) w.db.unwatch(w.key)
    client.watched = []
  }

  /** EXEC: validates the watched versions, then runs the queue as one synchronous step. */
  exec(client: Client): void {
    const reply = client.reply
    const queue = client.multi
    if (queue === undefined) {
      reply.error(Errors.EXEC_WITHOUT_MULTI)
      return
    }
    client.multi = undefined
    if (client.multiDirty) {
      client.multiDirty = false
      this.unwatchAll(client)
      reply.error(Errors.EXECABORT)
      return
    }
    const changed = client.watched.some((w) =>
      w.db.version(w.key) !== w.version || (!w.expired && w.db.isLogicallyExpired(w.key))
    )
    this.unwatchAll(client)
    if (changed) {
      reply.nullArray()
      return
    }
    reply.arrayHeader(queue.length)
    const ctx = this.ctx
    const denyBefore = ctx.denyBlocking
    ctx.denyBlocking = true
    try {
      for (const { argv, command } of queue) this.call(client, command, argv)
    } finally {
      ctx.denyBlocking = denyBefore
    }
    // EXEC itself is not propagated: the queued writes are, in EXEC's propagation unit, which wraps
    // them in MULTI/EXEC when there are several
    ctx.preventPropagation()
  }

  discard(client: Client): void {
    client.multi = undefined
    client.multiDirty = false
    this.unwatchAll(client)
  }

  // --- blocking --------------------------------------------------------------------------------------

  /** Called by ctx.block: registers the client as waiting on keys. */
  blockClient(client: Client, db: Database, request: BlockRequest): void {
    const state: BlockState = {
      db,
      keys: request.keys,
      timeoutAt: request.timeoutAt,
      serve: request.serve,
      onTimeout: request.onTimeout,
      command: this.ctx.command,
      done: Deferred.makeUnsafe<void>()
    }
    client.blocked = state
    this.waiters.add(client)
  }

  private unblock(client: Client): void {
    const state = client.blocked
    if (state === undefined) return
    this.waiters.remove(client)
    client.blocked = undefined
    state.command.calls++
    this.stats.totalCommands++
    Deferred.doneUnsafe(state.done, Exit.void)
    client.wake()
  }

  /** Runs `f` with the context pointing at a blocked client, as call() would. */
  private asBlockedClient<A>(client: Client, f: (state: BlockState) => A): A | undefined {
    const state = client.blocked
    if (state === undefined) return undefined
    const ctx = this.ctx
    const saved = ctx.save()
    ctx.client = client
    ctx.reply = client.reply
    ctx.reply.resp = client.resp
    ctx.db = state.db
    ctx.command = state.command
    ctx.argv = []
    ctx.rewritten = undefined
    ctx.propagationPrevented = false
    const dirtyBefore = this.keyspace.dirty
    const unit = this.inCall === 0 && this.keyspace.beginPropagation()
    this.inCall++
    try {
      const result = f(state)
      if (this.keyspace.dirty !== dirtyBefore && ctx.rewritten !== undefined && !ctx.propagationPrevented) {
        this.propagate(state.db.id, ctx.rewritten)
      }
      return result
    } finally {
      this.inCall--
      if (unit) this.keyspace.endPropagation()
      ctx.restore(saved)
    }
  }

  /** handleClientsBlockedOnKeys: serves waiters of ready keys, FIFO, until no key is ready. */
  serveReadyKeys(): void {
    while (this.waiters.hasReady) {
      for (const [db, key] of this.waiters.takeReady()) {
        for (const client of this.waiters.waiters(db, key)) {
          const served = this.asBlockedClient(client, (state) => state.serve(key))
          if (served === true) this.unblock(client)
        }
      }
    }
  }

  /** The timeout of a blocked client elapsed (called by its connection fiber). */
  timeoutBlocked(client: Client): void {
    this.refreshTime()
    const state = client.blocked
    if (state === undefined) return
    if (state.timeoutAt !== 0 && state.timeoutAt > this.keyspace.now) return
    this.asBlockedClient(client, (s) => s.onTimeout())
    this.unblock(client)
  }

  /** CLIENT UNBLOCK: true if the client was blocked. */
  unblockClient(client: Client, withError: boolean): boolean {
    if (client.blocked === undefined) return false
    this.asBlockedClient(client, (s) => {
      if (withError) client.reply.error(Errors.UNBLOCKED)
      else s.onTimeout()
    })
    this.unblock(client)
    return true
  }
}

/** The engine as a service, built on the keyspace, the configuration and the waiter registry. */
export class Engine extends Context.Service<Engine, EngineState>()("effect-redis-server/Engine") {
  static readonly layer = Layer.effect(
    Engine,
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const config = yield* ServerConfig
      const waiters = yield* BlockingWaiters
      const clock = yield* Clock.Clock
      return new EngineState(keyspace, config, waiters, clock, allCommands)
    })
  )
}

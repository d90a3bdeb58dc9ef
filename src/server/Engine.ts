import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { BLOCKED, type Blocked, type CommandSpec } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { type ConfigStore, ServerConfig } from "../config/ServerConfig.ts"
import { type Database, unwatchAllKeys, type WatchedKey } from "../keyspace/Database.ts"
import { Keyspace, type KeyspaceState } from "../keyspace/Keyspace.ts"
import { ProtocolError } from "../resp/RequestParser.ts"
import { BlockingWaiters, type WaiterRegistry } from "./BlockingWaiters.ts"
import { type BlockState, Client, type ClientKind, type QueuedCommand, type RuntimeCommand } from "./Client.ts"
import { clientInfoString } from "./clientInfo.ts"
import { DISCARD, limitFloor, outputLimitReason, type OutputClass, type OutputHost, type OutputLimit, parseOutputLimits } from "./ClientOutput.ts"
import { type BlockRequest, CommandContext } from "./CommandContext.ts"
import { CommandRegistry, type Registry } from "./CommandRegistry.ts"
import { type InfoState, newInfoState } from "./info.ts"
import { TrackingState } from "./Tracking.ts"
import { LatencyHistogram } from "./LatencyHistogram.ts"

/** Options for a new client. */
export interface ClientOptions {
  readonly addr?: string
  readonly laddr?: string
  readonly fd?: number
  /** Connected through the unix socket (CLIENT LIST flag U). */
  readonly unixSocket?: boolean
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

/**
 * Who runs a command through the pipeline, and so which rules of the check stage apply and what the
 * execute stage does (Redis's processCommand for a client, execCommand for queued commands, scriptCall,
 * the AOF loader, and processCommand again for the master's link with CLIENT_MASTER).
 */
export interface Caller {
  readonly name: "client" | "exec" | "script" | "aof" | "master"
  readonly checkArity: boolean
  readonly checkAuth: boolean
  readonly checkAcl: boolean
  /** maxmemory (deny-oom commands; in MULTI, anything queued). */
  readonly checkOom: boolean
  /** The read-only replica rule (the master's own link is exempt). */
  readonly checkReadonly: boolean
  /** RESP2 subscribed mode, and loading: processCommand's, not scriptCall's. */
  readonly checkContext: boolean
  readonly checkPause: boolean
  /** MULTI queues the command instead of running it. */
  readonly queueInMulti: boolean
  /** Scripts: noscript commands are refused, errors are worded for scripts, READONLY before OOM. */
  readonly script: boolean
  /** Blocking commands may block (else they answer as if timed out, as in MULTI and scripts). */
  readonly mayBlock: boolean
  /** A script it runs may be suspended past busy-reply-threshold (a connection's command or EXEC's). */
  readonly maySuspend: boolean
  /** Writes reach the propagation stream (AOF, replicas). */
  readonly propagate: boolean
  /** INFO commandstats count the call. */
  readonly stats: boolean
}

export const Callers = {
  client: {
    name: "client", checkArity: true, checkAuth: true, checkAcl: true, checkOom: true, checkReadonly: true,
    checkContext: true, checkPause: true, queueInMulti: true, script: false, mayBlock: true, maySuspend: true, propagate: true,
    stats: true
  },
  /** EXEC's queue from a client: ACL rules again, as they may have changed since queueing. */
  exec: {
    name: "exec", checkArity: false, checkAuth: false, checkAcl: true, checkOom: false, checkReadonly: false,
    checkContext: false, checkPause: false, queueInMulti: false, script: false, mayBlock: false, maySuspend: true, propagate: true,
    stats: true
  },
  /** EXEC's queue from the master's link: no user, so no ACL (Redis's master is a superuser). */
  masterExec: {
    name: "exec", checkArity: false, checkAuth: false, checkAcl: false, checkOom: false, checkReadonly: false,
    checkContext: false, checkPause: false, queueInMulti: false, script: false, mayBlock: false, maySuspend: false, propagate: true,
    stats: true
  },
  script: {
    name: "script", checkArity: true, checkAuth: false, checkAcl: true, checkOom: true, checkReadonly: true,
    checkContext: false, checkPause: false, queueInMulti: false, script: true, mayBlock: false, maySuspend: false, propagate: true,
    stats: true
  },
  aof: {
    name: "aof", checkArity: true, checkAuth: false, checkAcl: false, checkOom: false, checkReadonly: false,
    checkContext: false, checkPause: false, queueInMulti: true, script: false, mayBlock: false, maySuspend: false, propagate: false,
    stats: false
  },
  master: {
    name: "master", checkArity: true, checkAuth: false, checkAcl: false, checkOom: true, checkReadonly: false,
    checkContext: true, checkPause: true, queueInMulti: true, script: false, mayBlock: false, maySuspend: false, propagate: true,
    stats: true
  }
} as const satisfies Record<string, Caller>

/** The check stage's verdicts other than an error text. */
export const QUEUED: unique symbol = Symbol("QUEUED")
export const POSTPONED: unique symbol = Symbol("POSTPONED")
export type CheckResult = undefined | string | typeof QUEUED | typeof POSTPONED

/**
 * The MONITOR seam: called after every call() of a command, and for an EXEC the check stage refused
 * (execCommandAbort), with the command line as logs show it (arguments the handler redacted replaced).
 * The MONITOR Layer sets it only while some client monitors, so without monitors it costs call() one
 * comparison; which commands are shown, and how, is the Layer's business. `explicit` is a command's own
 * feed, shown although it is skip_monitor (EVAL shows itself before its script's commands).
 */
export type MonitorFeed = (client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, explicit?: boolean) => void

/** INFO memory's scripting fields (used_memory_lua / _vm_eval, used_memory_scripts_eval, number_of_cached_scripts). */
export interface ScriptingMemory {
  readonly vm: number
  readonly scripts: number
  readonly cachedScripts: number
  /** The functions' Lua state, their libraries' overhead (code and names), and their counts. */
  readonly functionsVm: number
  readonly functionsMemory: number
  readonly functions: number
  readonly libraries: number
}

/**
 * The function libraries as persistence sees them (set by the scripting Layer): each library's code
 * (FUNCTION LOAD's payload) for an RDB or an AOF rewrite, and loading a file's libraries.
 */
export interface FunctionLibraries {
  /** Every library's code, in the order FUNCTION LIST shows them. */
  codes(): ReadonlyArray<string>
  /** FUNCTION FLUSH's effect (a file is about to be loaded in place of everything). */
  flush(): void
  /** Loads one library's code (replacing a library of its name if `replace`); the error, ERR-less, if it fails. */
  load(code: string, replace: boolean): string | undefined
}

/**
 * A script past busy-reply-threshold, suspended between slices of its run (set by the scripting Layer):
 * other clients' commands without allow_busy are refused with BUSY meanwhile.
 */
export interface BusyScript {
  /** EVAL (SCRIPT KILL kills it) or a function (FUNCTION KILL). */
  readonly eval: boolean
  /** The sha or the function's name. */
  readonly name: string
  /** The caller's command (FUNCTION STATS). */
  readonly argv: ReadonlyArray<string>
  /** performance.now() when the script started. */
  readonly startedAt: number
  /** scriptKill: the error that refuses it (UNKILLABLE, or BUSY for the other kind), or undefined once marked killed. */
  kill(byEval: boolean): string | undefined
}

/** Sees a command that took at least `slowCommandMinUsec` (SLOWLOG, LATENCY): its logged argv and duration. */
export type SlowCommandFeed = (client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, usec: number) => void

/** The condition clients postponed by CLIENT PAUSE wait on. */
export const PAUSE_LIFTED = "pause-lifted"
/** The condition WAIT waits on: replicas acknowledged more of the replication stream. */
export const REPLICA_ACKS = "replica-acks"

/** CLIENT PAUSE: what is held back and until when (unix ms). */
/** Why clients are paused: CLIENT PAUSE, or a FAILOVER in progress. */
export type PausePurpose = "client" | "failover"

export interface ClientPause {
  readonly type: "write" | "all"
  readonly until: number
}

/**
 * The synchronous command executor: parses a client's bytes, runs every complete command against the
 * keyspace, and leaves the replies in the client's writer. One instance per server; the connection
 * fibers call it once per read batch. Nothing here is an Effect: atomicity comes from running each
 * command to completion on the single JS thread, as Redis does.
 *
 * Every command, whoever sends it, goes through one pipeline: `resolve` (name, subcommand,
 * rename-command), `check` (every rule of processCommand, as its `Caller` selects them) and `execute`
 * (the call, its stats, its propagation).
 */
export class EngineState {
  readonly registry: Registry
  /** Every command by name (the registry's table). */
  readonly commands: Map<string, RuntimeCommand>
  /** Connected clients by id (and the master's link): CLIENT LIST, INFO connected_clients. */
  readonly clients = new Map<number, Client>()
  readonly stats = new ServerStats()
  readonly startedAt: number
  /** The TCP port the listener is bound to (INFO tcp_port), once RedisServer.listen has bound it. */
  listeningPort: number | undefined = undefined
  readonly ctx: CommandContext
  /** INFO's own state: run id, replication ids, metric samples, peak memory. */
  readonly info: InfoState
  /** Set by persistence while a file loads: commands without the "loading" flag answer LOADING. */
  loading = false
  /**
   * Set by replication on a replica whose link is down with replica-serve-stale-data no: commands
   * without the "stale" flag answer MASTERDOWN.
   */
  masterDown = false
  /** Client-side caching: who read which key, and their invalidations. */
  readonly tracking: TrackingState
  /** CLIENT PAUSE in force, if any. */
  pause: ClientPause | undefined = undefined
  /** How many replicas acknowledged `offset` (replication provides it; without replicas, none). */
  replicaAcks: (offset: number) => number = () => 0
  /** The replication offset writes have reached (replication maintains it). */
  replicationOffset = 0
  /** Asks replicas to acknowledge their offset now (REPLCONF GETACK; WAIT calls it when it blocks). */
  requestReplicaAcks: () => void = () => {}
  /**
   * Called at the end of every client's batch, before its replies leave. True holds them
   * (`output.holdUntilDurable`) until the hook's owner releases them: the AOF with appendfsync always
   * writes and fsyncs once for every batch of the event-loop turn, then lets their replies go.
   */
  afterBatch: ((client: Client) => boolean) | undefined = undefined
  /** Set while clients MONITOR (the MONITOR Layer): sees every executed command. */
  monitorFeed: MonitorFeed | undefined = undefined
  /**
   * Set by the SLOWLOG Layer: called after every call() counted in the stats (and every blocked command
   * when it is unblocked) whose duration in microseconds reaches `slowCommandMinUsec`, Infinity when
   * nothing is interested (then the seam costs call() one comparison).
   */
  slowCommandFeed: SlowCommandFeed | undefined = undefined
  slowCommandMinUsec = Infinity
  /** latency-tracking: every command's duration goes into its histogram (LATENCY HISTOGRAM, INFO latencystats). */
  latencyTracking = false
  /** Set by the scripting Layer: what INFO memory reports of the Lua VM and the script cache. */
  scriptingMemory: (() => ScriptingMemory) | undefined = undefined
  /** Set by the scripting Layer while a script past busy-reply-threshold is suspended. */
  busyScript: BusyScript | undefined = undefined
  /** Set by the scripting Layer: the function libraries, for RDB and AOF files. */
  functionLibraries: FunctionLibraries | undefined = undefined
  private nextClientId = 1
  private readonly protoMaxBulkLen: { value: number }
  private readonly queryBufferLimit = { value: 1024 * 1024 * 1024 }
  private outputLimits: Record<OutputClass, OutputLimit> = parseOutputLimits("")
  /** The lowest limit in force: below it no client can be over its limit, so none is checked. */
  private outputLimitFloor = Infinity
  private replicaReadOnly = true
  private readonly outputHost: OutputHost

  readonly keyspace: KeyspaceState
  readonly config: ConfigStore
  readonly waiters: WaiterRegistry
  private readonly clock: Clock.Clock

  constructor(
    keyspace: KeyspaceState,
    config: ConfigStore,
    waiters: WaiterRegistry,
    clock: Clock.Clock,
    registry: Registry
  ) {
    this.keyspace = keyspace
    this.config = config
    this.waiters = waiters
    this.clock = clock
    this.registry = registry
    this.commands = registry.commands
    this.ctx = new CommandContext(this, keyspace, config)
    this.startedAt = clock.currentTimeMillisUnsafe()
    this.info = newInfoState()
    this.tracking = new TrackingState(this)
    registry.onClientReset((client) => this.tracking.disable(client))
    this.outputHost = {
      countOutput: (n) => {
        this.stats.netOutputBytes += n
      },
      limitOf: (cls) => this.outputLimits[cls],
      now: () => this.keyspace.now
    }
    const limit = { value: 0 }
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

  /** The configuration the executor follows; returns what stops following it (the Layer's finalizer). */
  watchConfig(): () => void {
    const config = this.config
    return combine([
      config.watch("proto-max-bulk-len", (v) => {
        this.protoMaxBulkLen.value = Number(v)
      }),
      config.watch("client-query-buffer-limit", (v) => {
        this.queryBufferLimit.value = Number(v)
      }),
      config.watch("client-output-buffer-limit", (v) => {
        this.outputLimits = parseOutputLimits(v)
        this.outputLimitFloor = limitFloor(this.outputLimits)
      }),
      config.watch("replica-read-only", (v) => {
        this.replicaReadOnly = v === "yes"
      }),
      config.watch("timeout", (v) => {
        this.idleTimeout = Number(v)
      }),
      config.watch("tracking-table-max-keys", (v) => {
        this.tracking.maxKeys = Number(v)
      }),
      config.watch("lazyfree-lazy-expire", (v) => {
        this.keyspace.lazyExpire = v === "yes"
      })
    ])
  }

  /** CONFIG RESETSTAT: server counters, per-command counters and keyspace hits/misses/expiry stats. */
  resetStats(): void {
    this.stats.reset()
    const reset = (command: RuntimeCommand): void => {
      command.calls = 0
      command.usec = 0
      command.rejectedCalls = 0
      command.failedCalls = 0
      command.latency = undefined
      for (const sub of command.subcommands?.values() ?? []) reset(sub)
    }
    for (const command of this.commands.values()) reset(command)
    const ks = this.keyspace.stats
    ks.hits = 0
    ks.misses = 0
    ks.expiredKeys = 0
    ks.expiredStalePerc = 0
    ks.expiredTimeCapReached = 0
    ks.expireCycleMs = 0
    ks.evictedKeys = 0
  }

  /** Command by name, any case. */
  lookup(name: string): RuntimeCommand | undefined {
    return this.registry.lookup(name)
  }

  /** Reads Effect's Clock into the keyspace: called once per batch and before timer-driven work. */
  refreshTime(): void {
    this.keyspace.setTime(this.clock.currentTimeMillisUnsafe())
    this.durationMark = performance.now()
  }

  /**
   * The thread stood still for a while inside a command (DEBUG SLEEP): the commands after it in the
   * batch see the time it is now, as Redis reads the time before each top-level call. Inside EXEC the
   * time stays the transaction's until it ends, as Redis keeps it fixed during a call.
   */
  timeMoved(): void {
    if (this.inCall === 1) this.keyspace.setTime(this.clock.currentTimeMillisUnsafe())
    else this.timeStale = true
  }

  /** Set by `timeMoved` inside a nested call: the time is read again when the top-level call ends. */
  private timeStale = false

  /**
   * Where the duration of the next top-level command starts (INFO commandstats usec): the end of the
   * previous one, or the start of the batch. One clock read per command instead of two.
   */
  private durationMark = 0

  // --- clients ---------------------------------------------------------------------------------------

  /** A connection's client: listed, counted in connected_clients, replies to its socket. */
  createClient(options: ClientOptions = {}): Client {
    const client = this.newClient("normal", options)
    client.authenticated = !this.registry.acl.authRequired
    this.clients.set(client.id, client)
    this.stats.totalConnections++
    return client
  }

  /**
   * An internal client (Redis's fake clients): authenticated, without a socket. The master's link is
   * listed (flags=M) and its replies go nowhere; script and AOF clients are not listed, a script's
   * replies are read back by the script, an AOF's are dropped.
   */
  createInternalClient(kind: "script" | "aof" | "master", options: ClientOptions = {}): Client {
    const client = this.newClient(kind, { addr: "", laddr: "", fd: -1, ...options })
    if (kind !== "script") client.output.sink = DISCARD
    if (kind === "master") this.clients.set(client.id, client)
    return client
  }

  private newClient(kind: ClientKind, options: ClientOptions): Client {
    // read the clock without moving the batch's time: an internal client may be made during a command
    const now = this.clock.currentTimeMillisUnsafe()
    const limits = {
      maxBulkLength: () => this.protoMaxBulkLen.value,
      // Redis's authRequired: asked only past the unauthenticated limits, so never on the hot path
      authRequired: () => !client.authenticated && this.registry.acl.authRequired
    }
    const client = new Client(
      this.nextClientId++,
      this.keyspace.dbs[0]!,
      now,
      limits,
      options.addr ?? "",
      options.laddr ?? "",
      options.fd ?? -1,
      kind,
      this.outputHost
    )
    client.user = this.registry.acl.defaultUser
    client.reply.onError = (code) => this.countError(code)
    client.reply.onCountedError = this.markFailed
    if (options.unixSocket === true) client.unixSocket = true
    return client
  }

  /**
   * Forgets a client: unblocks it, releases its WATCHes and every subsystem's state. Once only: CLIENT
   * KILL frees a client at once, and its connection's finalizer frees it again when the socket closes.
   */
  freeClient(client: Client): void {
    if (client.freed) return
    client.freed = true
    this.abandonBlocked(client)
    this.unwatchAll(client)
    this.registry.resetClient(client)
    this.clients.delete(client.id)
  }

  /**
   * Sends what was written for a client outside its own batch (a published message, an invalidation)
   * once the event loop has run every socket that was ready (setImmediate: Node's check phase), one
   * write per client however many publishers reached it meanwhile: Redis's handleClientsWithPendingWrites
   * in beforeSleep. A microtask would write after every publisher's batch: with 50 subscribers at
   * redis-benchmark -P 1 that was 50 writes per PUBLISH, 14x slower than Redis.
   */
  wakeLater(client: Client): void {
    // a flag on the client rather than a Set: PUBLISH to 50 subscribers calls this 50 times a command
    if (client.wakePending || client.output.sink === undefined) return
    client.wakePending = true
    this.pendingWakes.push(client)
    if (this.wakeScheduled) return
    this.wakeScheduled = true
    setImmediate(this.wakePending)
  }

  private pendingWakes: Array<Client> = []
  private wakeScheduled = false
  private readonly wakePending = (): void => {
    this.wakeScheduled = false
    const clients = this.pendingWakes
    this.pendingWakes = []
    for (const client of clients) {
      client.wakePending = false
      if (!client.freed) client.wake()
    }
  }

  /**
   * Drops a client's blocking command (or a command CLIENT PAUSE holds) without a reply, as Redis does
   * for a client that goes away while blocked: on free, and when an in-process caller interrupts it.
   */
  abandonBlocked(client: Client): void {
    const state = client.blocked
    if (state === undefined) return
    this.waiters.remove(client)
    client.blocked = undefined
    client.postponed = undefined
    Deferred.doneUnsafe(state.done, Exit.void)
  }

  /**
   * A command's end as INFO commandstats, latency-tracking and SLOWLOG/LATENCY see it: from call(), and
   * for a blocked command or a script that suspended EXEC when it ends. `argv` as logged (redacted).
   */
  private commandEnded(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, usec: number, failed: boolean): void {
    command.calls++
    command.usec += usec
    if (this.latencyTracking) (command.latency ??= new LatencyHistogram()).record(usec)
    if (failed) command.failedCalls++
    this.stats.totalCommands++
    if (usec >= this.slowCommandMinUsec) this.slowCommandFeed!(client, command, argv, usec)
  }

  private countError(code: string): void {
    this.countErrorStats(code)
    this.markFailed()
  }

  /** afterErrorReply's counts for an error (its first word), also one no client sees (a command a script's pcall had refused). */
  countErrorStats(code: string): void {
    this.stats.totalErrorReplies++
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1)
  }

  /** The command running (if any) failed: its failed_calls count once it ends. */
  private readonly markFailed = (): void => {
    if (this.ctx.command !== undefined && this.inCall > 0) this.failed = true
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
    if (this.afterBatch !== undefined && this.afterBatch(client)) client.output.holdUntilDurable()
    // what is left is one incomplete command (or, after a blocking command, the commands queued
    // behind it): bigger than client-query-buffer-limit, the client is dropped
    this.checkQueryBufferLimit(client)
    this.checkOutputLimit(client)
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

  /**
   * client-output-buffer-limit for what a batch left to send: a client over its class's limit is
   * closed without its replies, as Redis frees it asynchronously, and logged as Redis logs it.
   */
  checkOutputLimit(client: Client): void {
    const output = client.output
    if (client.closeAfterReply || !output.overLimit()) return
    client.closeReason = outputLimitReason(clientInfoString(client, this.keyspace.now, undefined))
    output.writer.take()
    client.closeAfterReply = true
  }

  /**
   * Executes buffered commands until none is complete, the client blocks, or it must close. A client
   * whose output goes over its client-output-buffer-limit stops at that command, as Redis's CLOSE_ASAP.
   */
  processInput(client: Client): void {
    // the output limit is checked only past the lowest limit in force, less what the socket holds
    const checkFrom = this.outputLimitFloor - (client.output.sink?.pending() ?? 0)
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
      if (client.reply.length >= checkFrom) this.checkOutputLimit(client)
    }
  }

  /** A command from a client's connection: the pipeline with every rule, under its CLIENT REPLY mode. */
  processCommand(client: Client, argv: ReadonlyArray<string>): void {
    if (this.tracking.clients > 0) this.tracking.limit()
    const output = client.output
    if (output.mode === "on") {
      this.runPipeline(client, argv, Callers.client)
    } else {
      const mark = output.beginReply()
      const skipped = output.suppressed
      this.runPipeline(client, argv, Callers.client)
      // a blocked client's reply comes later: SKIP holds until then (Redis resets the client only then)
      if (client.blocked === undefined) output.endReply(mark, skipped)
    }
    if (client.tracking?.caching === true) this.tracking.afterCommand(client, this.registry.lookup(argv[0]!))
  }

  /**
   * Runs one command through resolve, check and execute as `caller`: the internal clients' way in (a
   * script's redis.call, AOF loading, the master's link). Returns the error the command was refused
   * with, if it was; it was also written to the client's output unless the caller is a script, which
   * raises it instead. A command may leave the client blocked (postponed by CLIENT PAUSE): the caller
   * then waits, as a connection does, on `client.blocked.done` and its `timeoutAt`
   * (`engine.timeoutBlocked`) before dispatching more.
   */
  dispatch(client: Client, argv: ReadonlyArray<string>, caller: Caller): string | undefined {
    if (client.blocked !== undefined) throw new ClientBlockedError({ client: client.id })
    const refused = this.runPipeline(client, argv, caller)
    if (client.kind !== "normal") client.output.dropIfDiscarded()
    return refused
  }

  private runPipeline(client: Client, argv: ReadonlyArray<string>, caller: Caller): string | undefined {
    // memory accounting: the aggregates the previous command changed in place
    if (this.keyspace.hasUnreconciled) this.keyspace.reconcile()
    const command = this.resolve(argv)
    if (typeof command === "string") {
      const error = caller.script ? Errors.SCRIPT_UNKNOWN_COMMAND : command
      if (!caller.script) this.rejectCommand(client, error)
      return error
    }
    const verdict = this.check(client, command, argv, caller)
    if (verdict === undefined) {
      this.call(client, command, argv, caller)
      if (this.inCall === 0) {
        // invalidations for the client that ran the command follow its reply (afterCommand)
        if (this.tracking.hasPending) this.tracking.sendPending()
        if (this.waiters.hasReady) this.serveReadyKeys()
        if (this.tracking.hasPending) this.tracking.sendPending()
      }
      return undefined
    }
    if (verdict === QUEUED) {
      client.multi!.push({ command, argv })
      client.reply.raw("+QUEUED\r\n")
      return undefined
    }
    if (verdict === POSTPONED) {
      this.postpone(client, command, argv, caller)
      return undefined
    }
    command.rejectedCalls++
    if (!caller.script) this.rejectCommand(client, verdict, command, argv)
    return verdict
  }

  /** Stage 1, resolve: the command an argv names (rename-command applied), or the error. */
  resolve(argv: ReadonlyArray<string>): RuntimeCommand | string {
    const command = this.registry.lookup(argv[0]!)
    if (command === undefined) return Errors.unknownCommand(argv)
    if (command.subcommands === undefined || argv.length < 2) return command
    const sub = command.subcommands.get(argv[1]!.toLowerCase())
    return sub ?? Errors.unknownSubcommand(argv[1]!, argv[0]!)
  }

  /**
   * Stage 2, check: every rule of processCommand in its order, each decided here only, as `caller`
   * selects them. Undefined runs the command; otherwise the error text, QUEUED (MULTI) or POSTPONED
   * (CLIENT PAUSE). EXEC is judged by what it queued (c->mstate.cmd_flags and cmd_inv_flags).
   */
  check(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, caller: Caller): CheckResult {
    const arity = command.spec.arity
    if (caller.checkArity && ((arity > 0 && argv.length !== arity) || argv.length < -arity)) {
      return caller.script ? Errors.SCRIPT_WRONG_ARITY : Errors.wrongArity(command.fullName)
    }
    if (caller.checkAuth && !client.authenticated && !command.noAuth) return Errors.NOAUTH
    if (caller.queueInMulti && client.multi !== undefined && command.noMulti) return Errors.NOT_ALLOWED_IN_MULTI
    if (caller.script && command.noScript && !this.scriptDenyDisabled) return Errors.SCRIPT_NOSCRIPT
    const hooks = this.registry.checks
    if (caller.checkAcl && hooks.acl !== undefined) {
      const denied = hooks.acl(client, command, argv, caller.name as "client" | "exec" | "script")
      if (denied !== undefined) {
        if (caller.script) return Errors.scriptAclDenied(denied)
        return caller.name === "exec" ? Errors.execAclDenied(denied) : Errors.aclDenied(denied, command.fullName)
      }
    }
    // scriptCall checks the read-only replica before memory; processCommand the other way round
    if (caller.script && caller.checkReadonly && this.refusesWrites(client, command, argv)) return Errors.READONLY_REPLICA
    // scriptVerifyWriteCommandAllow: a script's first write, while min-replicas-to-write is not met
    if (caller.script && command.isWrite && !client.scriptDirty && hooks.noReplicas !== undefined && hooks.noReplicas()) {
      return Errors.NOREPLICAS
    }
    // performEvictions runs before every command; only deny-oom ones (and MULTI's queueing) are refused
    if (
      caller.checkOom && hooks.outOfMemory !== undefined && !(caller.script && client.scriptOomExempt) &&
      hooks.outOfMemory(caller.script) && this.deniedByOom(client, command, argv)
    ) {
      return Errors.OOM
    }
    // stop-writes-on-bgsave-error: writes (or EXEC of one) and PING, except from the master or the AOF
    if (hooks.diskError !== undefined && caller.name === "client" && (this.isWriteCall(client, command, argv) || command.spec.name === "ping")) {
      const misconf = hooks.diskError()
      if (misconf !== undefined) return misconf
    }
    // min-replicas-to-write: writes (or EXEC of them) while too few replicas acknowledged in time
    if (hooks.noReplicas !== undefined && caller.name === "client" && this.isWriteCall(client, command, argv) && hooks.noReplicas()) {
      return Errors.NOREPLICAS
    }
    if (!caller.script && caller.checkReadonly && this.refusesWrites(client, command, argv)) return Errors.READONLY_REPLICA
    if (caller.checkContext) {
      if (client.subscriptions > 0 && client.resp === 2 && !command.allowedSubscribed) {
        return Errors.subscribedContext(command.fullName)
      }
      if (this.masterDown && !this.allowedWhileStale(client, command)) return Errors.MASTERDOWN
      if (this.loading && !this.allowedWhileLoading(client, command)) return Errors.LOADING
      // a busy script: only allow_busy commands (EXEC is judged by its own flags, as Redis does)
      const busy = this.busyScript
      if (busy !== undefined && !command.allowBusy) return busy.eval ? Errors.BUSY_EVAL : Errors.BUSY_FUNCTION
      // a replica's link or a MONITOR client may not touch the keyspace
      if (client.replicaMode !== undefined && this.touchesKeyspace(client, command)) return Errors.REPLICA_KEYSPACE
    }
    // replicas (and monitors) are never paused
    if (caller.checkPause && this.pause !== undefined && client.replicaMode === undefined && this.holdsBack(client, command, argv)) {
      // a pause ended by time is lifted (the clients it held run after this command); another may remain
      if (this.pauseExpired()) this.liftExpiredPauses()
      if (this.pause !== undefined && this.holdsBack(client, command, argv)) return POSTPONED
    }
    if (caller.queueInMulti && client.multi !== undefined && !command.runsInMulti) return QUEUED
    return undefined
  }

  /** EXEC of a transaction: its flags are those of what it queued. */
  private isExec(client: Client, command: RuntimeCommand): boolean {
    return command.runsInMulti && client.multi !== undefined && command.spec.name === "exec"
  }

  /** Whether this call writes: the command's flag, or what its arguments make it (EVAL of a flagged script). */
  private writes(command: RuntimeCommand, argv: ReadonlyArray<string>): boolean {
    const decide = command.spec.writeCall
    return decide === undefined ? command.isWrite : decide(argv)
  }

  /** A write, or EXEC of one (processCommand's is_write_command). */
  private isWriteCall(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): boolean {
    return this.isExec(client, command) ? client.multi!.some((q) => this.writes(q.command, q.argv)) : this.writes(command, argv)
  }

  /** The read-only replica rule: a write (or EXEC of one) on a replica with replica-read-only. */
  private refusesWrites(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): boolean {
    if (!this.keyspace.isReplica || !this.replicaReadOnly) return false
    return this.isWriteCall(client, command, argv)
  }

  /** reject_cmd_on_oom: deny-oom commands, EXEC of one, and in MULTI everything but EXEC/DISCARD/QUIT/RESET. */
  private deniedByOom(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): boolean {
    const denyOom = (c: RuntimeCommand, a: ReadonlyArray<string>) => c.spec.denyOomCall?.(a) ?? c.denyOom
    if (this.isExec(client, command)) return client.multi!.some((q) => denyOom(q.command, q.argv))
    return denyOom(command, argv) || (client.multi !== undefined && !command.oomExemptInMulti)
  }

  /** is_denystale_command: EXEC counts as its queue does. */
  private allowedWhileStale(client: Client, command: RuntimeCommand): boolean {
    if (this.isExec(client, command)) return client.multi!.every((q) => q.command.allowedWhileStale)
    return command.allowedWhileStale
  }

  /** is_denyloading_command: EXEC counts as its queue does. */
  private allowedWhileLoading(client: Client, command: RuntimeCommand): boolean {
    if (this.isExec(client, command)) return client.multi!.every((q) => q.command.allowedWhileLoading)
    return command.allowedWhileLoading
  }

  /** Reads, writes or may replicate (or EXEC of such a command): what a replica-like client may not run. */
  private touchesKeyspace(client: Client, command: RuntimeCommand): boolean {
    const touches = (c: RuntimeCommand) => c.mayReplicate || c.isReadonly
    return this.isExec(client, command) ? client.multi!.some((q) => touches(q.command)) : touches(command)
  }

  /** CLIENT PAUSE ALL holds back everything; WRITE holds writes and may-replicate commands (or EXEC of one). */
  private holdsBack(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>): boolean {
    if (this.pause!.type === "all") return true
    const mayReplicate = (c: RuntimeCommand, a: ReadonlyArray<string>) => c.spec.mayReplicateCall?.(a) ?? c.mayReplicate
    return this.isExec(client, command) ? client.multi!.some((q) => mayReplicate(q.command, q.argv)) : mayReplicate(command, argv)
  }

  /**
   * An error before execution: inside MULTI it also dooms the transaction (flagTransaction). A rejected
   * EXEC discards the transaction and says why (execCommandAbort), in or out of MULTI, and monitors see
   * the EXEC, which closes the MULTI they saw.
   */
  private rejectCommand(client: Client, message: string, command?: RuntimeCommand, argv?: ReadonlyArray<string>): void {
    if (client.multi !== undefined) client.multiDirty = true
    if (command !== undefined && command.parent === undefined && command.spec.name === "exec") {
      this.discard(client)
      client.reply.error(`EXECABORT Transaction discarded because of: ${message.replace(/^ERR /, "")}`)
      if (this.monitorFeed !== undefined && argv !== undefined) this.monitorFeed(client, command, argv)
      return
    }
    client.reply.error(message)
  }

  /**
   * What serverCron does for the engine between commands: keeps the client-side caching table within
   * tracking-table-max-keys even when no command comes (Redis also checks before each command).
   */
  cron(): number {
    this.refreshTime()
    if (this.tracking.clients > 0) this.tracking.limit()
    return this.closeIdleClients()
  }

  /**
   * `timeout`: clients idle for longer are closed (clientsCronHandleTimeout), except replicas and
   * monitors, the master's link, blocked clients and subscribers. Returns how many were closed.
   */
  private closeIdleClients(): number {
    const seconds = this.idleTimeout
    if (seconds === 0) return 0
    const now = this.keyspace.now
    let closed = 0
    for (const client of this.clients.values()) {
      if (client.kind !== "normal" || client.replicaMode !== undefined || client.blocked !== undefined) continue
      if (client.subscriptions > 0 || client.output.sink === undefined || client.closeAfterReply) continue
      // whole seconds, as Redis compares its unixtime
      if (Math.floor(now / 1000) - Math.floor(client.lastInteraction / 1000) <= seconds) continue
      client.kill()
      closed++
    }
    return closed
  }

  /** `timeout` in seconds; 0 never closes idle clients. */
  private idleTimeout = 0

  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call noscript commands (Redis's tests use it). */
  scriptDenyDisabled = false

  /** Nesting depth of `call`: above 0 while a command runs (ctx.client is the client running it). */
  inCall = 0
  private failed = false

  /**
   * Stage 3, execute (call()): runs the handler with stats and propagation. Re-entrant (EXEC and
   * scripts call it for each of their commands): the context is saved and restored around the nested
   * call, and a nested call joins the outer propagation unit.
   */
  call(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, caller: Caller = Callers.client): void | Blocked {
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
    ctx.propagationPrevented = !caller.propagate
    ctx.propagationForced = false
    const denyBefore = ctx.denyBlocking
    if (!caller.mayBlock) ctx.denyBlocking = true
    const suspendBefore = ctx.maySuspend
    ctx.maySuspend = caller.maySuspend
    // what the command propagates itself (alsoPropagate, a lazily expired key's DEL) is muted too
    if (!caller.propagate) this.keyspace.propagationMuted++
    const dirtyBefore = this.keyspace.dirty
    const failedBefore = this.failed
    this.failed = false
    // a top-level command is one propagation unit: what it propagates goes out together at its end
    const unit = !nested && this.keyspace.beginPropagation()
    this.inCall++
    try {
      const started = nested ? performance.now() : this.durationMark
      const result = command.spec.handler!(ctx, argv)
      // client-side caching remembers what a tracking client read; a script that reads makes its
      // caller remember the keys the script declared (trackingRememberKeys on the caller's EVAL)
      if (command.isReadonly) {
        const caller = client.scriptCaller
        if (caller === undefined) {
          // EVAL_RO and friends are read-only, yet their keys count only once the script reads
          if (client.tracking !== undefined && !SCRIPTS_READ_LATER.has(command.fullName)) this.tracking.rememberKeys(client, command, argv)
        } else if (caller.tracking !== undefined && saved !== undefined) {
          this.tracking.rememberKeys(caller, saved.command, saved.argv)
        }
      }
      client.lastCommand = command.fullName
      const ended = performance.now()
      if (!nested) {
        this.durationMark = ended
        if (this.timeStale) {
          this.timeStale = false
          this.keyspace.setTime(this.clock.currentTimeMillisUnsafe())
        }
      }
      if (result !== BLOCKED && caller.stats) {
        this.commandEnded(client, command, ctx.loggedArgv(argv), Math.round((ended - started) * 1000), this.failed)
      }
      // MONITOR: the one cost of the seam when nobody monitors is this comparison. Feeding counts in
      // neither this command's duration nor the next one's.
      if (this.monitorFeed !== undefined) {
        this.monitorFeed(client, command, ctx.loggedArgv(argv))
        if (!nested) this.durationMark = performance.now()
      }
      this.propagateCall(command, argv, dirtyBefore)
      return result
    } finally {
      this.inCall--
      ctx.denyBlocking = denyBefore
      ctx.maySuspend = suspendBefore
      if (!caller.propagate) this.keyspace.propagationMuted--
      if (unit) this.keyspace.endPropagation()
      // the offset this client's writes reached, once its unit went out (WAIT waits for it)
      if (!nested) client.woff = this.replicationOffset
      this.failed = failedBefore
      if (saved !== undefined) ctx.restore(saved)
    }
  }

  /**
   * The one propagation decision, for a call and for a blocked client being served: a command that
   * changed the keyspace (or forced it) goes out in the form the handler chose, unless prevented.
   */
  private propagateCall(command: RuntimeCommand, argv: ReadonlyArray<string>, dirtyBefore: number): void {
    const ctx = this.ctx
    // dirty only grows with writes: SAVE, DEBUG RELOAD and DEBUG LOADAOF set it back to 0, and are
    // not propagated for it (call() clamps a negative difference to 0)
    const wrote = this.keyspace.dirty > dirtyBefore && !command.isReadonly
    if ((wrote || ctx.propagationForced) && !ctx.propagationPrevented) {
      this.propagate(ctx.db.id, ctx.rewritten ?? argv)
    }
  }

  /** Sends a write in its deterministic form to the propagation listeners (AOF, replicas). */
  propagate(dbid: number, argv: ReadonlyArray<string>): void {
    this.keyspace.propagate(dbid, argv)
  }

  // --- transactions ----------------------------------------------------------------------------------

  /** WATCH key...: registers the client with each key (watchForKey), noting keys already expired. */
  watch(client: Client, keys: ReadonlyArray<string>): void {
    // no point in watching more once a watched key changed
    if (client.dirtyCas) return
    const db = client.db
    for (const key of keys) {
      if (client.watched.some((w) => w.db === db && w.key === key)) continue
      const watched: WatchedKey = { db, key, client, expired: db.isLogicallyExpired(key) }
      client.watched.push(watched)
      db.watch(watched)
    }
  }

  /** UNWATCH, and the end of a transaction: no key watched, the dirty flag cleared. */
  unwatchAll(client: Client): void {
    unwatchAllKeys(client)
    client.dirtyCas = false
  }

  /**
   * isWatchedKeyExpired: a watched key that was live at WATCH time and has expired since (even if not
   * deleted yet) changed.
   */
  private watchedKeyExpired(client: Client): boolean {
    for (const w of client.watched) if (!w.expired && w.db.isLogicallyExpired(w.key)) return true
    return false
  }

  /**
   * EXEC: checks the watched keys, then runs the queue. A script among its commands that is suspended
   * past busy-reply-threshold (it blocks the client) suspends EXEC too: the client stays blocked with
   * EXEC as its command, `client.execResume` keeps the rest of the queue, and `resumeExec` runs it when
   * the script ends (or is killed), in the same propagation unit and reply, so the reply and what
   * propagates are those of one uninterrupted EXEC. Nothing else runs meanwhile (other clients get BUSY),
   * so the transaction stays atomic.
   */
  exec(client: Client): void | Blocked {
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
    const changed = client.dirtyCas || this.watchedKeyExpired(client)
    this.unwatchAll(client)
    if (changed) {
      reply.nullArray()
      return
    }
    reply.arrayHeader(queue.length)
    const caller = client.kind === "aof" ? Callers.aof : client.kind === "master" ? Callers.masterExec : Callers.exec
    client.output.holdPushes()
    return this.runExecQueue(client, queue, 0, caller)
  }

  /**
   * EXEC's queue from `from`; BLOCKED when a command suspended (a busy script), else the end of EXEC:
   * pushes released, EXEC itself not propagated (its queued writes are, in its propagation unit, which
   * wraps them in MULTI/EXEC when there are several).
   */
  private runExecQueue(client: Client, queue: ReadonlyArray<QueuedCommand>, from: number, caller: Caller): void | Blocked {
    const reply = client.reply
    let suspended = false
    try {
      for (let i = from; i < queue.length; i++) {
        const { argv, command } = queue[i]!
        // ACL rules are checked again: they may have changed since the command was queued
        const refused = this.check(client, command, argv, caller)
        if (typeof refused === "string") {
          reply.error(refused)
          continue
        }
        const outer = client.blocked
        const started = performance.now()
        if (this.call(client, command, argv, caller) === BLOCKED) {
          // a busy script: the client waits with EXEC as its blocked command; when EXEC was resumed
          // (already blocked), on the state its connection already waits on
          if (outer !== undefined) {
            this.waiters.remove(client)
            client.blocked = outer
          } else {
            client.blocked = { ...client.blocked!, command: this.ctx.command, argv: this.ctx.argv }
          }
          client.execResume = { queue, index: i, caller, startedAt: started }
          suspended = true
          this.ctx.preventPropagation()
          return BLOCKED
        }
      }
    } finally {
      if (!suspended) client.output.releasePushes()
    }
    this.ctx.preventPropagation()
  }

  /**
   * After a step of a blocked client's command (`continueBlocked`): an EXEC suspended on a busy script
   * that has now ended runs the rest of its queue. True when the client's command is over.
   */
  private resumeExec(client: Client): boolean {
    const resume = client.execResume
    if (resume === undefined) return true
    client.execResume = undefined
    // the command that suspended is over: counted now, as call() counts a command that did not block
    const { command, argv } = resume.queue[resume.index]!
    if (resume.caller.stats) {
      // its whole run, as Redis's call() times a script that processed events meanwhile
      this.commandEnded(client, command, argv, Math.round((performance.now() - resume.startedAt) * 1000), this.failed)
    }
    // its error reply (a killed script) is the command's, not EXEC's
    this.failed = false
    return this.runExecQueue(client, resume.queue, resume.index + 1, resume.caller) !== BLOCKED
  }

  discard(client: Client): void {
    client.multi = undefined
    client.multiDirty = false
    this.unwatchAll(client)
  }

  // --- blocking --------------------------------------------------------------------------------------

  /** Called by ctx.block: registers the client as waiting on keys, or on a condition. */
  blockClient(client: Client, db: Database, request: BlockRequest): void {
    const state: BlockState = {
      db,
      keys: request.keys,
      condition: request.condition,
      argv: this.ctx.argv,
      clientUnblockable: true,
      timeoutAt: request.timeoutAt,
      serve: request.serve,
      onTimeout: request.onTimeout,
      command: this.ctx.command,
      done: Deferred.makeUnsafe<void>(),
      failed: false,
      replyUsec: 0
    }
    client.blocked = state
    this.waiters.add(client)
  }

  /**
   * A condition clients may wait on changed (a pause was lifted, replicas acknowledged an offset): its
   * waiters are served, FIFO, once the current command ends, as keys signalled ready are.
   */
  signalCondition(condition: string): void {
    this.waiters.conditionReady(condition)
  }

  private unblock(client: Client): void {
    const state = client.blocked
    if (state === undefined) return
    this.waiters.remove(client)
    client.blocked = undefined
    const postponed = client.postponed
    if (postponed !== undefined) {
      // a command held back by CLIENT PAUSE runs now, through the whole pipeline again as its caller
      // sent it (it may be postponed again); its reply is written before the waiting fiber resumes
      client.postponed = undefined
      if (postponed.caller === Callers.client) this.processCommand(client, postponed.argv)
      else this.dispatch(client, postponed.argv, postponed.caller)
    } else {
      // counted and logged when it ends, as Redis's updateStatsOnUnblock (its time blocked does not count)
      this.commandEnded(client, state.command, state.argv, state.replyUsec, state.failed)
      this.keyspace.latencySample("command-unblocking", Math.floor(state.replyUsec / 1000))
      // the blocked command has replied: CLIENT REPLY SKIP has now skipped it
      if (client.output.mode === "skipping") client.output.mode = "on"
    }
    Deferred.doneUnsafe(state.done, Exit.void)
    client.wake()
  }

  /** Runs `f` with the context pointing at a blocked client, as call() would, with the same propagation. */
  private asBlockedClient<A>(client: Client, f: (state: BlockState) => A): A | undefined {
    const state = client.blocked
    if (state === undefined) return undefined
    const ctx = this.ctx
    const saved = ctx.save()
    const output = client.output
    // CLIENT REPLY OFF/SKIP holds for a reply produced outside the client's batch too
    const mark = output.beginBlockedReply()
    ctx.client = client
    ctx.reply = client.reply
    ctx.db = state.db
    ctx.command = state.command
    ctx.argv = state.argv
    ctx.rewritten = undefined
    ctx.propagationPrevented = false
    ctx.propagationForced = false
    const dirtyBefore = this.keyspace.dirty
    const unit = this.inCall === 0 && this.keyspace.beginPropagation()
    const failedBefore = this.failed
    this.failed = false
    const started = performance.now()
    this.inCall++
    try {
      const result = f(state)
      this.propagateCall(state.command, state.argv, dirtyBefore)
      return result
    } finally {
      state.replyUsec += Math.round((performance.now() - started) * 1000)
      if (this.failed) state.failed = true
      this.failed = failedBefore
      this.inCall--
      if (unit) this.keyspace.endPropagation()
      output.endBlockedReply(mark)
      ctx.restore(saved)
    }
  }

  /**
   * handleClientsBlockedOnKeys and the unblocked-clients queue: serves the waiters of ready keys and
   * of signalled conditions, FIFO, until none is ready; clients a pause held run their commands.
   */
  serveReadyKeys(): void {
    while (this.waiters.hasReady) {
      for (const [db, key] of this.waiters.takeReady()) {
        for (const client of this.waiters.waiters(db, key)) {
          const served = this.asBlockedClient(client, (state) => state.serve(key))
          if (served === true) this.unblock(client)
        }
      }
      for (const condition of this.waiters.takeReadyConditions()) {
        for (const client of this.waiters.conditionWaiters(condition)) {
          const served = client.postponed !== undefined || this.asBlockedClient(client, (state) => state.serve(condition))
          if (served === true) this.unblock(client)
        }
      }
    }
  }

  /**
   * Continues a blocked client's command outside any batch (a script suspended past
   * busy-reply-threshold): `step` runs with the context pointing at the client, in a propagation unit,
   * as a served blocked client's `serve` does; when it returns true the client is unblocked and its
   * reply goes out. A client no longer blocked (it disconnected) gets `step` run without a context.
   */
  continueBlocked(client: Client, step: () => boolean): void {
    if (client.blocked === undefined) {
      const unit = this.keyspace.beginPropagation()
      try {
        // a suspended EXEC runs to its end for a client gone meanwhile (Redis protects the client)
        if (step()) this.resumeExec(client)
      } finally {
        if (unit) this.keyspace.endPropagation()
      }
      return
    }
    const served = this.asBlockedClient(client, () => step() && this.resumeExec(client))
    if (served === true) {
      this.unblock(client)
      if (this.tracking.hasPending) this.tracking.sendPending()
      if (this.waiters.hasReady) this.serveReadyKeys()
      if (this.tracking.hasPending) this.tracking.sendPending()
    }
  }

  /** The timeout of a blocked client elapsed (called by the fiber that waits for it). */
  timeoutBlocked(client: Client): void {
    this.refreshTime()
    const state = client.blocked
    if (state === undefined) return
    if (state.timeoutAt !== 0 && state.timeoutAt > this.keyspace.now) return
    if (client.postponed !== undefined) {
      // a postponed client's "timeout" is the end of the pause, which a later CLIENT PAUSE may move
      if (this.pause !== undefined && !this.pauseExpired()) {
        client.blocked = { ...state, timeoutAt: this.pause.until }
        return
      }
      this.liftExpiredPauses()
      this.serveReadyKeys()
      return
    }
    this.asBlockedClient(client, (s) => s.onTimeout())
    this.unblock(client)
  }

  /** CLIENT UNBLOCK: true if the client was blocked (a client postponed by CLIENT PAUSE is not). */
  unblockClient(client: Client, withError: boolean): boolean {
    if (client.blocked === undefined || !client.blocked.clientUnblockable) return false
    this.asBlockedClient(client, (s) => {
      if (withError) client.reply.error(Errors.UNBLOCKED)
      else s.onTimeout()
    })
    this.unblock(client)
    return true
  }

  // --- CLIENT PAUSE ----------------------------------------------------------------------------------

  /** Pauses by purpose (Redis's PAUSE_BY_CLIENT_COMMAND, PAUSE_DURING_FAILOVER); `pause` is their union. */
  private readonly pauses = new Map<PausePurpose, ClientPause>()

  /**
   * pauseClients: for one purpose, the stricter type and the later end of its pause and the new one.
   * The pause in force is the strictest type of all purposes, until the first of them ends.
   */
  pauseClients(type: "write" | "all", until: number, purpose: PausePurpose = "client"): void {
    const current = this.pauses.get(purpose)
    this.pauses.set(purpose, current === undefined
      ? { type, until }
      : { type: current.type === "all" || type === "all" ? "all" : "write", until: Math.max(current.until, until) })
    this.updatePause()
  }

  private updatePause(): void {
    let pause: ClientPause | undefined = undefined
    let last = 0
    for (const p of this.pauses.values()) {
      pause = pause === undefined ? p : { type: pause.type === "all" || p.type === "all" ? "all" : "write", until: Math.min(pause.until, p.until) }
      last = Math.max(last, p.until)
    }
    this.pause = pause
    this.keyspace.expiryHeldUntil = last
  }

  /**
   * unpauseClients: one purpose's pause ends (CLIENT UNPAUSE: the command's). The clients held are
   * signalled, and run their commands again in the order they were held once the current command
   * ends (Redis's unblocked_clients, in beforeSleep); those another pause still holds wait again.
   */
  unpause(purpose: PausePurpose = "client"): void {
    if (!this.pauses.delete(purpose)) return
    this.updatePause()
    this.signalCondition(PAUSE_LIFTED)
  }

  /** The pauses whose end has come are lifted. */
  private liftExpiredPauses(): void {
    let lifted = false
    for (const [purpose, p] of this.pauses) {
      if (p.until <= this.keyspace.now) {
        this.pauses.delete(purpose)
        lifted = true
      }
    }
    if (!lifted) return
    this.updatePause()
    this.signalCondition(PAUSE_LIFTED)
  }

  /** Whether the pause has ended by time (at the batch's time, as every rule of the batch sees it). */
  private pauseExpired(): boolean {
    return this.pause !== undefined && this.pause.until <= this.keyspace.now
  }

  /** blockPostponeClient: the client waits, without a reply, until the pause ends. */
  private postpone(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, caller: Caller): void {
    client.postponed = { command, argv, caller }
    // CLIENT LIST shows the held command as the client's current one, as Redis sets lastcmd first
    client.lastCommand = command.fullName
    client.blocked = {
      db: client.db,
      keys: [],
      condition: PAUSE_LIFTED,
      argv,
      clientUnblockable: false,
      timeoutAt: this.pause!.until,
      serve: () => true,
      onTimeout: () => {},
      command,
      done: Deferred.makeUnsafe<void>(),
      failed: false,
      replyUsec: 0
    }
    this.waiters.add(client)
  }
}

/** `dispatch` was called for a client that waits (a postponed command): its caller must wait first. */
/** Read-only commands whose keys client-side caching remembers only when their script reads (call()). */
const SCRIPTS_READ_LATER = new Set(["eval_ro", "evalsha_ro", "fcall_ro"])

export class ClientBlockedError extends Data.TaggedError("ClientBlockedError")<{ readonly client: number }> {
  override get message(): string {
    return `client ${this.client} is blocked: wait for it before dispatching more`
  }
}

/** Runs every function of a list: the undo of several registrations. */
const combine = (undo: ReadonlyArray<() => void>) => () => {
  for (const f of undo) f()
}

/** The engine as a service, built on the keyspace, the configuration and the waiter registry. */
export class Engine extends Context.Service<Engine, EngineState>()("effect-redis-server/Engine") {
  static readonly layer = Layer.effect(
    Engine,
    Effect.gen(function*() {
      const keyspace = yield* Keyspace
      const config = yield* ServerConfig
      const waiters = yield* BlockingWaiters
      const registry = yield* CommandRegistry
      const clock = yield* Clock.Clock
      const engine = new EngineState(keyspace, config, waiters, clock, registry)
      const unwatch = engine.watchConfig()
      yield* Effect.addFinalizer(() => Effect.sync(unwatch))
      // serverCron's share of the engine: every 1000/hz ms (hz read on each tick)
      const tick = Effect.gen(function*() {
        yield* Effect.sleep(Math.floor(1000 / Math.min(500, Math.max(1, config.getNumber("hz")))))
        const closed = engine.cron()
        for (let i = 0; i < closed; i++) yield* Effect.logDebug("Closing idle client")
      })
      yield* Effect.forkScoped(Effect.forever(tick))
      return engine
    })
  )
}

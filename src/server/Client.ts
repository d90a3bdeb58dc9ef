import type * as Deferred from "effect/Deferred"
import { categoryMask, commandId } from "../acl/categories.ts"
import type { AclUser } from "../acl/User.ts"
import { type CommandSpec, commandKeys } from "../commands/CommandSpec.ts"
import type { Database, WatchedKey, WatchingClient } from "../keyspace/Database.ts"
import { type ParserLimits, RequestParser } from "../resp/RequestParser.ts"
import type { Protocol, ReplyWriter } from "../resp/ReplyWriter.ts"
import { clientInfoString } from "./clientInfo.ts"
import type { Caller } from "./Engine.ts"
import { ClientOutput, type OutputHost, type ReplyMode } from "./ClientOutput.ts"
import type { ClientTracking } from "./Tracking.ts"
import type { LatencyHistogram } from "./LatencyHistogram.ts"

/** A command queued by MULTI. */
/** An EXEC suspended on one of its commands (a busy script): the queue, the next index, its caller. */
export interface ExecResume {
  readonly queue: ReadonlyArray<QueuedCommand>
  /** The command that suspended (counted in the stats when it ends). */
  readonly index: number
  readonly caller: Caller
  /** When that command started (performance.now()), for its commandstats usec. */
  readonly startedAt: number
}

export interface QueuedCommand {
  readonly command: RuntimeCommand
  readonly argv: ReadonlyArray<string>
}

/** Commands that MULTI does not queue (processCommand's exceptions). */
const NOT_QUEUED = new Set(["exec", "discard", "multi", "watch", "quit", "reset"])

/** What a RESP2 client may run while subscribed (processCommand's pubsub context check). */
const SUBSCRIBED_MODE = new Set(["ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset"])

/** A command table entry plus this server's counters for it (INFO commandstats). */
export class RuntimeCommand {
  calls = 0
  usec = 0
  rejectedCalls = 0
  failedCalls = 0
  /** latency-tracking's histogram, made by the command's first call (as Redis's) */
  latency: LatencyHistogram | undefined = undefined
  readonly subcommands: Map<string, RuntimeCommand> | undefined
  readonly spec: CommandSpec
  /** "get", or "config|get" for a subcommand. */
  readonly fullName: string
  readonly parent: RuntimeCommand | undefined
  /** Flags the check and execute stages test on every command, looked up once. */
  readonly isReadonly: boolean
  readonly isWrite: boolean
  readonly noAuth: boolean
  readonly noMulti: boolean
  readonly noScript: boolean
  readonly denyOom: boolean
  readonly allowedWhileLoading: boolean
  /** Served while a script is busy (allow_busy): SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN... */
  readonly allowBusy: boolean
  /** Flag "stale": runs on a replica whose link is down with replica-serve-stale-data no. */
  readonly allowedWhileStale: boolean
  /** Writes, or may replicate (PUBLISH, EVAL...): what CLIENT PAUSE WRITE holds back. */
  readonly mayReplicate: boolean
  /** Not queued by MULTI (processCommand's exceptions): EXEC, DISCARD, MULTI, WATCH, QUIT, RESET. */
  readonly runsInMulti: boolean
  /** Not refused for memory inside MULTI (reject_cmd_on_oom's exceptions): EXEC, DISCARD, QUIT, RESET. */
  readonly oomExemptInMulti: boolean
  /** Allowed to a RESP2 client in subscribed mode. */
  readonly allowedSubscribed: boolean
  /** The command's bit in ACL command bitmaps, and its ACL categories as a bitmask. */
  readonly aclId: number
  readonly aclCategories: number

  constructor(spec: CommandSpec, fullName: string, parent: RuntimeCommand | undefined) {
    this.spec = spec
    this.fullName = fullName
    this.parent = parent
    const flags = spec.flags
    const base = parent?.spec.name ?? spec.name
    this.isReadonly = flags.includes("readonly")
    this.isWrite = flags.includes("write")
    this.noAuth = flags.includes("no_auth")
    this.noMulti = flags.includes("no_multi")
    this.noScript = flags.includes("noscript")
    this.denyOom = flags.includes("denyoom")
    this.allowedWhileLoading = flags.includes("loading")
    this.allowBusy = flags.includes("allow_busy")
    this.allowedWhileStale = flags.includes("stale")
    this.mayReplicate = this.isWrite || flags.includes("may_replicate")
    this.runsInMulti = NOT_QUEUED.has(base)
    this.oomExemptInMulti = base === "exec" || base === "discard" || base === "quit" || base === "reset"
    this.allowedSubscribed = SUBSCRIBED_MODE.has(base)
    this.aclId = commandId(fullName)
    this.aclCategories = categoryMask(spec.acl)
    this.subcommands = spec.subcommands === undefined
      ? undefined
      : new Map(spec.subcommands.map((sub) => [sub.name, new RuntimeCommand(sub, `${fullName}|${sub.name}`, this)]))
  }

  get arity(): number {
    return this.spec.arity
  }

  /** Key positions of a call (COMMAND GETKEYS), for the ACL check of commands whose key specs cannot say. */
  keyPositions(argv: ReadonlyArray<string>): ReadonlyArray<number> {
    return commandKeys(this.spec, argv)
  }
}

/** What a blocked client waits for. Built by a blocking command through `ctx.block`. */
export interface BlockState {
  readonly db: Database
  /** Keys to wait on; empty for a wait on a condition. */
  readonly keys: ReadonlyArray<string>
  /** The condition waited on (WAIT's acknowledgements, a pause being lifted), or undefined for keys. */
  readonly condition: string | undefined
  /** The command line that blocked (re-run after a pause; its propagated form if it never rewrote). */
  readonly argv: ReadonlyArray<string>
  /** Whether CLIENT UNBLOCK may end the wait (not a client postponed by CLIENT PAUSE). */
  readonly clientUnblockable: boolean
  /** Absolute unix ms when the wait times out; 0 waits forever. */
  readonly timeoutAt: number
  /**
   * Tries to serve the client now that one of its keys may have data; `ctx` is set up for the blocked
   * client (its db, its reply writer). Returns true when it replied, which unblocks the client.
   */
  readonly serve: (key: string) => boolean
  /** Writes the reply for a timeout (or CLIENT UNBLOCK TIMEOUT). */
  readonly onTimeout: () => void
  /** The command that blocked, for stats and CLIENT LIST's cmd=. */
  readonly command: RuntimeCommand
  /** Completed when the client is unblocked (served, timed out, unblocked, or killed). */
  readonly done: Deferred.Deferred<void>
  /** Whether serving it replied with an error (failed_calls, as updateStatsOnUnblock's had_errors). */
  failed: boolean
  /** Time spent serving it, not waiting (its commandstats usec, as updateStatsOnUnblock's reply_us). */
  replyUsec: number
}

/**
 * Who a client is: a connection, or an internal client without a socket (Redis's fake clients): the
 * Lua client of scripts, the client that loads an AOF, and the link from a master, whose replies go
 * nowhere. Script and AOF clients are not listed nor counted; the master's is, with flags=M.
 */
export type ClientKind = "normal" | "script" | "aof" | "master"

/** Per-connection state; the engine is the only code that mutates it. */
export class Client implements WatchingClient {
  name = ""
  libName = ""
  libVer = ""
  readonly kind: ClientKind
  /** The output channel: RESP version, reply mode, pushes, limits. */
  readonly output: ClientOutput
  /** The output's writer, where commands write their replies. */
  readonly reply: ReplyWriter
  /** Per-client state of subsystems (ClientSlot). */
  readonly slots = new Map<object, unknown>()
  /** Channels, patterns and shard channels subscribed to (CLIENT LIST sub/psub/ssub), kept by pub/sub. */
  subscribedChannels = 0
  subscribedPatterns = 0
  subscribedShardChannels = 0
  /** Set when the engine has freed the client (its hooks ran): freeing again does nothing. */
  freed = false
  readonly parser: RequestParser
  readonly createdAt: number
  lastInteraction: number
  /** Last command executed (CLIENT LIST cmd=). */
  lastCommand = "NULL"
  /** Close once the pending reply is written (QUIT, protocol error, CLIENT KILL). */
  closeAfterReply = false
  /** Why the server closed this client on its own, for the log (query buffer limit, ...). */
  closeReason: string | undefined = undefined
  /** CLIENT TRACKING's mode while tracking is on (client-side caching), undefined when off. */
  tracking: ClientTracking | undefined = undefined
  /** Queued for `engine.wakeLater` (its outside writes go out at the end of the loop turn). */
  wakePending = false
  /** Connected through the unix socket (flag U). */
  unixSocket = false
  /** CLIENT NO-EVICT */
  noEvict = false
  /**
   * CLIENT_SLAVE: a replica's link, or a MONITOR client, which Redis marks as a replica too (flag O in
   * CLIENT LIST instead of S, but of type normal). Such a client may not run commands that touch the
   * keyspace and is never paused; RESET takes a monitor out of monitor mode and refuses a replica.
   */
  replicaMode: "replica" | "monitor" | undefined = undefined
  /** Queued commands while in MULTI, undefined otherwise. */
  multi: QueuedCommand[] | undefined = undefined
  /**
   * An EXEC suspended by a busy script among its commands: what is left of its queue, resumed by
   * `Engine.resumeExec` when that script ends (see Engine.exec).
   */
  execResume: ExecResume | undefined = undefined
  /** An error while queueing: EXEC will answer EXECABORT. */
  multiDirty = false
  /** The keys this client WATCHes (also listed in their databases' `watched`). */
  watched: WatchedKey[] = []
  /** CLIENT_DIRTY_CAS: a watched key changed, so EXEC will fail; cleared by EXEC, DISCARD, UNWATCH. */
  dirtyCas = false
  blocked: BlockState | undefined = undefined
  authenticated = true
  /** For the script client while a script runs: the client that ran it (Redis's script_caller). */
  scriptCaller: Client | undefined = undefined
  /** The ACL user the client is authenticated as (internal clients: the default user; a script's client: its caller's). */
  user!: AclUser
  /**
   * A script client whose commands memory does not refuse (scriptVerifyOOM): the script declared
   * allow-oom, or has already written (it cannot be stopped half way).
   */
  scriptOomExempt = false
  /** A script client whose script has written already (SCRIPT_WRITE_DIRTY before the current command). */
  scriptDirty = false
  /** Set by the connection: closes the socket (CLIENT KILL, shutdown). */
  kill: () => void = () => {}
  /** The replication offset after this client's last command (WAIT waits for replicas to reach it). */
  woff = 0
  /** A command held back by CLIENT PAUSE, run again when the pause ends. */
  postponed:
    | { readonly command: RuntimeCommand; readonly argv: ReadonlyArray<string>; readonly caller: Caller }
    | undefined = undefined

  readonly id: number
  db: Database
  /** "ip:port" of the peer and of the local side, for CLIENT LIST. */
  readonly addr: string
  readonly laddr: string
  readonly fd: number

  constructor(
    id: number,
    db: Database,
    now: number,
    limits: ParserLimits,
    addr: string,
    laddr: string,
    fd: number,
    kind: ClientKind,
    output: OutputHost
  ) {
    this.id = id
    this.kind = kind
    this.db = db
    this.addr = addr
    this.laddr = laddr
    this.fd = fd
    this.createdAt = now
    this.lastInteraction = now
    this.output = new ClientOutput(output)
    this.reply = this.output.writer
    this.parser = new RequestParser(limits)
  }

  get resp(): Protocol {
    return this.output.writer.resp
  }

  set resp(version: Protocol) {
    this.output.writer.resp = version
  }

  /** CLIENT REPLY mode (the output channel owns it). */
  get replyMode(): ReplyMode {
    return this.output.mode
  }

  set replyMode(mode: ReplyMode) {
    this.output.mode = mode
  }

  /** Sends replies written outside this client's own batch (a served waiter, a push). */
  wake(): void {
    this.output.flush(() => clientInfoString(this, this.output.now, undefined))
  }

  /**
   * Every subscription (Redis's clientTotalPubSubSubscriptionCount): a client with any has the CLIENT_PUBSUB
   * flag, is in subscribed mode when it speaks RESP2, and is of class pubsub.
   */
  get subscriptions(): number {
    return this.subscribedChannels + this.subscribedPatterns + this.subscribedShardChannels
  }

  /** Pub/sub sets the counts after each change; the output class follows. */
  setSubscriptions(channels: number, patterns: number, shardChannels: number): void {
    this.subscribedChannels = channels
    this.subscribedPatterns = patterns
    this.subscribedShardChannels = shardChannels
    if (this.output.cls !== "replica") this.output.cls = this.subscriptions > 0 ? "pubsub" : "normal"
  }
}

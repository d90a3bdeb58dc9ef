import type * as Deferred from "effect/Deferred"
import type { CommandSpec } from "../commands/CommandSpec.ts"
import type { Database } from "../keyspace/Database.ts"
import { type ParserLimits, RequestParser } from "../resp/RequestParser.ts"
import { type Protocol, ReplyWriter } from "../resp/ReplyWriter.ts"

/** A command queued by MULTI. */
export interface QueuedCommand {
  readonly command: RuntimeCommand
  readonly argv: ReadonlyArray<string>
}

/** A command table entry plus this server's counters for it (INFO commandstats). */
export class RuntimeCommand {
  calls = 0
  usec = 0
  rejectedCalls = 0
  failedCalls = 0
  readonly subcommands: Map<string, RuntimeCommand> | undefined
  readonly spec: CommandSpec
  /** "get", or "config|get" for a subcommand. */
  readonly fullName: string
  readonly parent: RuntimeCommand | undefined
  /** The "readonly" flag, looked up once: call() checks it for every command. */
  readonly isReadonly: boolean

  constructor(spec: CommandSpec, fullName: string, parent: RuntimeCommand | undefined) {
    this.spec = spec
    this.fullName = fullName
    this.parent = parent
    this.isReadonly = spec.flags.includes("readonly")
    this.subcommands = spec.subcommands === undefined
      ? undefined
      : new Map(spec.subcommands.map((sub) => [sub.name, new RuntimeCommand(sub, `${fullName}|${sub.name}`, this)]))
  }
}

/** A key watched by WATCH: the version it had then, and whether it was already logically expired. */
export interface WatchedKey {
  readonly db: Database
  readonly key: string
  readonly version: number
  readonly expired: boolean
}

/** What a blocked client waits for. Built by a blocking command through `ctx.block`. */
export interface BlockState {
  readonly db: Database
  readonly keys: ReadonlyArray<string>
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
}

/** Per-connection state; the engine is the only code that mutates it. */
export class Client {
  name = ""
  libName = ""
  libVer = ""
  resp: Protocol = 2
  readonly reply: ReplyWriter
  readonly parser: RequestParser
  readonly createdAt: number
  lastInteraction: number
  /** Last command executed (CLIENT LIST cmd=). */
  lastCommand = "NULL"
  /** Close once the pending reply is written (QUIT, protocol error, CLIENT KILL). */
  closeAfterReply = false
  /** Why the server closed this client on its own, for the log (query buffer limit, ...). */
  closeReason: string | undefined = undefined
  /** CLIENT REPLY ON|OFF|SKIP; "skipping" while the command after SKIP runs. */
  replyMode: "on" | "off" | "skip" | "skipping" = "on"
  /** CLIENT NO-EVICT */
  noEvict = false
  /** Queued commands while in MULTI, undefined otherwise. */
  multi: QueuedCommand[] | undefined = undefined
  /** An error while queueing: EXEC will answer EXECABORT. */
  multiDirty = false
  watched: WatchedKey[] = []
  blocked: BlockState | undefined = undefined
  authenticated = true
  user = "default"
  /** Set by the connection: closes the socket (CLIENT KILL, shutdown). */
  kill: () => void = () => {}
  /** Set by the connection: sends replies written outside this client's own batch (served waiters). */
  wake: () => void = () => {}

  readonly id: number
  db: Database
  /** "ip:port" of the peer and of the local side, for CLIENT LIST. */
  readonly addr: string
  readonly laddr: string
  readonly fd: number

  constructor(id: number, db: Database, now: number, limits: ParserLimits, addr: string, laddr: string, fd: number) {
    this.id = id
    this.db = db
    this.addr = addr
    this.laddr = laddr
    this.fd = fd
    this.createdAt = now
    this.lastInteraction = now
    this.reply = new ReplyWriter(16 * 1024)
    this.parser = new RequestParser(limits)
  }
}

import { BLOCKED, type Blocked } from "../commands/CommandSpec.ts"
import type { ConfigStore } from "../config/ServerConfig.ts"
import type { Database } from "../keyspace/Database.ts"
import type { KeyspaceState } from "../keyspace/Keyspace.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { Client, RuntimeCommand } from "./Client.ts"
import type { EngineState } from "./Engine.ts"

/** What a blocking command asks for when its keys have nothing to serve. */
export interface BlockRequest {
  /** Keys in the client's current database; the client waits until one of them is signalled ready. */
  readonly keys: ReadonlyArray<string>
  /**
   * Instead of keys, a condition (`engine.signalCondition(name)` says it may hold): WAIT's acknowledged
   * offset, a pause lifted. `serve` is then called with the condition's name.
   */
  readonly condition?: string
  /** Absolute unix ms of the timeout; 0 waits forever. */
  readonly timeoutAt: number
  /**
   * Called when `key` may have data, with the context pointing at the blocked client (its db, reply
   * writer). Serves the client and returns true, or returns false to keep waiting. A write made here
   * must describe itself with `ctx.rewriteArgv` (e.g. ["LPOP", key]) so it propagates correctly.
   */
  readonly serve: (key: string) => boolean
  /** Writes the timeout reply (e.g. a null array). */
  readonly onTimeout: () => void
}

/** Fields of the context saved around a nested call. */
export interface SavedContext {
  readonly client: Client
  readonly db: Database
  readonly command: RuntimeCommand
  readonly argv: ReadonlyArray<string>
  readonly rewritten: ReadonlyArray<string> | undefined
  readonly propagationPrevented: boolean
  readonly propagationForced: boolean
}

/**
 * The state a command handler works with. There is one context per engine, re-pointed at each
 * command: handlers must not keep it beyond their synchronous execution, except through the
 * callbacks of `block`, which the engine calls with the context set up again.
 */
export class CommandContext {
  client!: Client
  /** The current client's reply writer, in its protocol. */
  reply!: ReplyWriter
  /** The current client's selected database. */
  db!: Database
  command!: RuntimeCommand
  argv!: ReadonlyArray<string>
  /** True while executing queued commands of EXEC: blocking commands reply as if timed out. */
  denyBlocking = false
  /**
   * A script run by this command may be suspended past busy-reply-threshold (blocking its caller): a
   * connection's command, or a command EXEC runs for it (EXEC then suspends too, see Engine.exec).
   */
  maySuspend = false
  /** Set by a handler: propagate this argv instead of the original (deterministic form). */
  rewritten: ReadonlyArray<string> | undefined = undefined
  /** Set by a handler: do not propagate this call even if it wrote. */
  propagationPrevented = false
  /** Set by a handler: propagate this call even if it changed nothing (FLUSHALL on an empty server). */
  propagationForced = false
  /**
   * The command line as logs show it (MONITOR), with the arguments a handler redacted, and the argv it
   * stands for: tied to that argv by identity, so nothing has to clear it before the next command.
   */
  private redacted: Array<string> | undefined = undefined
  private redactedFor: ReadonlyArray<string> | undefined = undefined

  readonly engine: EngineState
  readonly keyspace: KeyspaceState
  readonly config: ConfigStore

  /**
   * mustObeyClient: the master's link and the AOF loader, whose commands were already accepted once,
   * so limits meant for users (proto-max-bulk-len for SETBIT offsets, XADD's LIMIT) do not apply.
   */
  get mustObeyClient(): boolean {
    const kind = this.client.kind
    return kind === "master" || kind === "aof"
  }

  constructor(engine: EngineState, keyspace: KeyspaceState, config: ConfigStore) {
    this.engine = engine
    this.keyspace = keyspace
    this.config = config
  }

  /** The fields a nested call (EXEC, serving a waiter) overwrites; see `restore`. */
  save(): SavedContext {
    return {
      client: this.client,
      db: this.db,
      command: this.command,
      argv: this.argv,
      rewritten: this.rewritten,
      propagationPrevented: this.propagationPrevented,
      propagationForced: this.propagationForced
    }
  }

  restore(saved: SavedContext): void {
    this.client = saved.client
    this.reply = saved.client?.reply
    this.db = saved.db
    this.command = saved.command
    this.argv = saved.argv
    this.rewritten = saved.rewritten
    this.propagationPrevented = saved.propagationPrevented
    this.propagationForced = saved.propagationForced
  }

  /** Time of the current batch in unix ms (from Effect's Clock). */
  get now(): number {
    return this.keyspace.now
  }

  /**
   * Every write to a key calls this: bumps the key's WATCH version (signalModifiedKey), emits the
   * keyspace event (`type` is a NotifyClass bit, `event` the event name, e.g. "set", "lpush"), and
   * counts a change for persistence and propagation (server.dirty++).
   */
  signalWrite(type: number, event: string, key: string, db: Database = this.db): void {
    db.touch(key)
    this.keyspace.notify(type, event, key, db.id)
    this.keyspace.dirty++
  }

  /** signalModifiedKey alone (a write with no keyspace event, or several events for one change). */
  touch(key: string, db: Database = this.db): void {
    db.touch(key)
  }

  /** notifyKeyspaceEvent alone. */
  notify(type: number, event: string, key: string, db: Database = this.db): void {
    this.keyspace.notify(type, event, key, db.id)
  }

  /** Counts changes without a key (FLUSHALL) or extra changes of one command (server.dirty += n). */
  addDirty(n = 1): void {
    this.keyspace.dirty += n
  }

  /** Propagate `argv` in place of the command as received (e.g. SET ... EX 10 -> SET ... PXAT t). */
  rewriteArgv(argv: ReadonlyArray<string>): void {
    this.rewritten = argv
  }

  /** Propagate an extra command now, before the command's own (alsoPropagate). */
  alsoPropagate(argv: ReadonlyArray<string>, db: Database = this.db): void {
    this.engine.propagate(db.id, argv)
  }

  /** Propagate this call even without changes (forceCommandPropagation). */
  forcePropagation(): void {
    this.propagationForced = true
  }

  /** Do not propagate this call (preventCommandPropagation). */
  preventPropagation(): void {
    this.propagationPrevented = true
  }

  /**
   * redactClientCommandArgument: argument `index` of the current command is shown as "(redacted)"
   * wherever the command is logged (MONITOR), e.g. AUTH's password. The command itself sees its argv.
   */
  redact(index: number): void {
    if (this.redactedFor !== this.argv) {
      this.redacted = [...this.argv]
      this.redactedFor = this.argv
    }
    this.redacted![index] = "(redacted)"
  }

  /** `argv` as logs show it: with what its handler redacted, if it redacted anything. */
  loggedArgv(argv: ReadonlyArray<string>): ReadonlyArray<string> {
    return this.redactedFor === argv ? this.redacted! : argv
  }

  /**
   * Blocks the current client on keys. Inside MULTI/EXEC (and scripts) a blocking command behaves as
   * its non-blocking form: the timeout reply is written at once and the command returns normally.
   * Handlers `return ctx.block(...)`.
   */
  block(request: BlockRequest): void | Blocked {
    if (this.denyBlocking) {
      request.onTimeout()
      return
    }
    this.engine.blockClient(this.client, this.db, request)
    return BLOCKED
  }

  /**
   * Blocks the current client even where blocking commands may not block (EXEC's queue): a script
   * suspended past busy-reply-threshold, when `maySuspend` allows it.
   */
  suspend(request: BlockRequest): void | Blocked {
    this.engine.blockClient(this.client, this.db, request)
    return BLOCKED
  }
}

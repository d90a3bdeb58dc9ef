import type { CommandContext } from "../server/CommandContext.ts"

/** Command flags, as Redis 7.0's COMMAND INFO names them. */
export type CommandFlag =
  | "write"
  | "readonly"
  | "denyoom"
  | "module"
  | "admin"
  | "pubsub"
  | "noscript"
  | "blocking"
  | "loading"
  | "stale"
  | "skip_monitor"
  | "skip_slowlog"
  | "asking"
  | "fast"
  | "no_auth"
  | "may_replicate"
  | "sentinel"
  | "only_sentinel"
  | "no_mandatory_keys"
  | "no_async_loading"
  | "no_multi"
  | "movablekeys"
  | "allow_busy"

/** A handler returns BLOCKED when it called `ctx.block(...)` and the client now waits. */
export const BLOCKED: unique symbol = Symbol.for("effect-redis-server/BLOCKED")
export type Blocked = typeof BLOCKED

/**
 * Executes a command against the keyspace, synchronously, writing its reply to `ctx.reply`.
 * `argv` holds the command name and arguments as latin1 strings; arity is already checked.
 */
export type CommandHandler = (ctx: CommandContext, argv: ReadonlyArray<string>) => void | Blocked

/** COMMAND DOCS fields. */
export interface CommandDocs {
  readonly summary: string
  readonly since: string
  readonly group: string
  readonly complexity?: string
}

/**
 * One command table entry: everything the server knows about a command as data. The engine derives
 * arity errors, COMMAND INFO/DOCS/GETKEYS, key extraction (WATCH, ACL, blocking), and write
 * propagation from it. Metadata equals Redis 7.0's COMMAND INFO (a test checks it against the real
 * server).
 */
export interface CommandSpec {
  /** Lower-case name; for a subcommand, its own name ("get" under "config"). */
  readonly name: string
  /** Redis arity: exact count when positive, minimum count when negative (includes the name). */
  readonly arity: number
  readonly flags: ReadonlyArray<CommandFlag>
  readonly firstKey: number
  readonly lastKey: number
  readonly step: number
  /** ACL categories as COMMAND INFO lists them, e.g. ["@write", "@string", "@slow"]. */
  readonly acl: ReadonlyArray<string>
  /** Command tips (COMMAND INFO element 8), e.g. ["nondeterministic_output"]. */
  readonly tips?: ReadonlyArray<string>
  readonly docs: CommandDocs
  /**
   * The key positions name something that is not a key (SSUBSCRIBE's shard channels: Redis's NOT_KEY key
   * spec flag, there for cluster routing): not watched, tracked nor checked against key permissions.
   */
  readonly notKey?: boolean
  /** Key positions for commands whose keys are not a fixed range (flag "movablekeys"). */
  readonly getKeys?: (argv: ReadonlyArray<string>) => ReadonlyArray<number>
  /**
   * Whether this call may replicate, decided from its arguments (Redis's getCommandFlags: EVAL from
   * its script's shebang flags), for the rules that hold such commands back (CLIENT PAUSE WRITE).
   */
  readonly mayReplicateCall?: (argv: ReadonlyArray<string>) => boolean
  /** Whether this call is deny-oom, decided from its arguments (EVAL of a script declaring flags). */
  readonly denyOomCall?: (argv: ReadonlyArray<string>) => boolean
  /**
   * Whether this call is a write, decided from its arguments (getCommandFlags: EVAL of a script
   * declaring flags without no-writes, FCALL of a function without it), for the rules on writes
   * (READONLY replica, MISCONF, NOREPLICAS).
   */
  readonly writeCall?: (argv: ReadonlyArray<string>) => boolean
  /** Container commands (CONFIG, CLIENT, ...) dispatch on their subcommands and have no handler. */
  readonly subcommands?: ReadonlyArray<CommandSpec>
  readonly handler?: CommandHandler
}

/** A command table entry as written in a command module: flags and categories as words. */
export interface CommandDefinition {
  readonly name: string
  readonly arity: number
  /** Space-separated flags, e.g. "write denyoom". */
  readonly flags: string
  /** [firstKey, lastKey, step]; [0, 0, 0] for commands without keys. */
  readonly keys: readonly [number, number, number]
  /** Space-separated ACL categories, e.g. "@write @string @slow". */
  readonly acl: string
  readonly docs: CommandDocs
  readonly tips?: string
  readonly notKey?: boolean
  readonly getKeys?: (argv: ReadonlyArray<string>) => ReadonlyArray<number>
  readonly mayReplicateCall?: (argv: ReadonlyArray<string>) => boolean
  readonly denyOomCall?: (argv: ReadonlyArray<string>) => boolean
  readonly writeCall?: (argv: ReadonlyArray<string>) => boolean
  readonly subcommands?: ReadonlyArray<CommandSpec>
  readonly handler?: CommandHandler
}

const words = (s: string | undefined): ReadonlyArray<string> =>
  s === undefined ? [] : s.split(" ").filter((w) => w.length > 0)

/** Builds a command table entry from its compact definition. */
export const defineCommand = (def: CommandDefinition): CommandSpec => ({
  name: def.name,
  arity: def.arity,
  flags: words(def.flags) as ReadonlyArray<CommandFlag>,
  firstKey: def.keys[0],
  lastKey: def.keys[1],
  step: def.keys[2],
  acl: words(def.acl),
  tips: words(def.tips),
  docs: def.docs,
  ...(def.notKey === true ? { notKey: true } : {}),
  ...(def.getKeys === undefined ? {} : { getKeys: def.getKeys }),
  ...(def.mayReplicateCall === undefined ? {} : { mayReplicateCall: def.mayReplicateCall }),
  ...(def.denyOomCall === undefined ? {} : { denyOomCall: def.denyOomCall }),
  ...(def.writeCall === undefined ? {} : { writeCall: def.writeCall }),
  ...(def.subcommands === undefined ? {} : { subcommands: def.subcommands }),
  ...(def.handler === undefined ? {} : { handler: def.handler })
})

/** Key argument positions of a command invocation (COMMAND GETKEYS, WATCH, ACL, blocking). */
export const commandKeys = (spec: CommandSpec, argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  if (spec.notKey === true) return []
  if (spec.getKeys !== undefined) return spec.getKeys(argv)
  if (spec.firstKey === 0) return []
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey
  const out: number[] = []
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) out.push(i)
  return out
}

/**
 * COMMAND and its subcommands (server.c commandCommand & co): the command table as data, for clients
 * that route by key (cluster clients), generate bindings, or check what the server supports.
 *
 * Two parts of Redis's table are not modelled here and are derived or left out:
 * - key specs: COMMAND INFO and GETKEYSANDFLAGS derive one spec per command from first/last/step
 *   (an "index" begin-search with a "range" find-keys), plus an "unknown" spec for commands whose keys
 *   a function finds. Their flags say only RW (write commands) or RO, without Redis's finer flags
 *   (OW/RM, access, insert, ...).
 * - COMMAND DOCS gives summary, since, group, complexity and subcommands; not arguments, history,
 *   doc flags or deprecation.
 */
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { RuntimeCommand } from "../server/Client.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import type { EngineState } from "../server/Engine.ts"
import { runtimeCommands, uniqueCommands } from "../server/info.ts"
import { globMatch } from "../util/glob.ts"
import { isOption } from "./args.ts"
import { keyFlags } from "./keyFlags.ts"
import { REDIS_KEY_SPECS, type RedisKeySpec } from "./redisKeySpecs.ts"
import { type CommandFlag, type CommandSpec, commandKeys, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand } from "./help.ts"

const group = "server"

/** The order in which Redis lists command flags (addReplyFlagsForCommand). */
const FLAG_ORDER: ReadonlyArray<CommandFlag> = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  // may_replicate is hidden from COMMAND INFO on purpose, as Redis hides it
  "sentinel",
  "only_sentinel",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy"
]

/** The order of Redis's ACL category table, in which COMMAND INFO lists a command's categories. */
export const ACL_CATEGORY_ORDER: ReadonlyArray<string> = [
  "@keyspace",
  "@read",
  "@write",
  "@set",
  "@sortedset",
  "@list",
  "@hash",
  "@string",
  "@bitmap",
  "@hyperloglog",
  "@geo",
  "@stream",
  "@pubsub",
  "@admin",
  "@fast",
  "@slow",
  "@blocking",
  "@dangerous",
  "@connection",
  "@transaction",
  "@scripting"
]

const byOrder = <A>(order: ReadonlyArray<A>, values: ReadonlyArray<A>): ReadonlyArray<A> => {
  const rank = (v: A) => {
    const i = order.indexOf(v)
    return i === -1 ? order.length : i
  }
  return [...values].sort((a, b) => rank(a) - rank(b))
}

/** lookupCommandBySds: "get", or "config|get" for a subcommand; any case. */
export const lookupCommandByName = (engine: EngineState, name: string): RuntimeCommand | undefined => {
  const parts = name.split("|")
  if (parts.length > 2) return undefined
  const base = engine.lookup(parts[0]!)
  if (parts.length === 1 || base === undefined) return base
  return base.subcommands?.get(parts[1]!.toLowerCase())
}

/** The flags of a derived key spec: Redis's spec flags need per-command knowledge this table lacks. */
const keySpecFlags = (spec: CommandSpec): ReadonlyArray<string> =>
  spec.notKey === true ? ["not_key"] : spec.flags.includes("write") ? ["RW"] : ["RO"]

/** Redis's own key specs (addReplyCommandKeySpecs), from the data of `redisKeySpecs.ts`. */
const replyRedisKeySpecs = (reply: ReplyWriter, specs: ReadonlyArray<RedisKeySpec>): void => {
  reply.setHeader(specs.length)
  for (const spec of specs) {
    const notes = spec[3]
    reply.mapHeader(notes === undefined ? 3 : 4)
    if (notes !== undefined) {
      reply.bulk("notes")
      reply.bulk(notes)
    }
    reply.bulk("flags")
    const flags = spec[0].split(" ")
    reply.setHeader(flags.length)
    for (const flag of flags) reply.simple(flag)
    const begin = spec[1]
    reply.bulk("begin_search")
    if (begin[0] === "i") replySpecPart(reply, "index", [["index", begin[1]]])
    else if (begin[0] === "k") replySpecPart(reply, "keyword", [["keyword", begin[1]], ["startfrom", begin[2]]])
    else replySpecPart(reply, "unknown", [])
    const find = spec[2]
    reply.bulk("find_keys")
    if (find[0] === "r") replySpecPart(reply, "range", [["lastkey", find[1]], ["keystep", find[2]], ["limit", find[3]]])
    else if (find[0] === "n") replySpecPart(reply, "keynum", [["keynumidx", find[1]], ["firstkey", find[2]], ["keystep", find[3]]])
    else replySpecPart(reply, "unknown", [])
  }
}

/** A key spec's begin_search or find_keys: its type, and its fields as a map. */
const replySpecPart = (reply: ReplyWriter, type: string, fields: ReadonlyArray<readonly [string, number | string]>): void => {
  reply.mapHeader(2)
  reply.bulk("type")
  reply.bulk(type)
  reply.bulk("spec")
  reply.mapHeader(fields.length)
  for (const [name, value] of fields) {
    reply.bulk(name)
    if (typeof value === "number") reply.integer(value)
    else reply.bulk(value)
  }
}

/**
 * COMMAND INFO's key specs: Redis 7.0's own for its commands; for a command it lacks, derived from
 * first/last/step (an index begin-search and a range find-keys, RO/RW from the command's flags).
 */
const replyKeySpecs = (reply: ReplyWriter, spec: CommandSpec, fullName: string): void => {
  const redis = REDIS_KEY_SPECS[fullName]
  if (redis !== undefined) return replyRedisKeySpecs(reply, redis)
  if (spec.firstKey === 0 && spec.getKeys === undefined) return reply.setHeader(0)
  const range = spec.firstKey > 0
  const movable = spec.getKeys !== undefined
  reply.setHeader((range ? 1 : 0) + (movable ? 1 : 0))
  const flags = keySpecFlags(spec)
  const header = () => {
    reply.mapHeader(3)
    reply.bulk("flags")
    reply.setHeader(flags.length)
    for (const flag of flags) reply.simple(flag)
  }
  if (range) {
    header()
    reply.bulk("begin_search")
    reply.mapHeader(2)
    reply.bulk("type")
    reply.bulk("index")
    reply.bulk("spec")
    reply.mapHeader(1)
    reply.bulk("index")
    reply.integer(spec.firstKey)
    reply.bulk("find_keys")
    reply.mapHeader(2)
    reply.bulk("type")
    reply.bulk("range")
    reply.bulk("spec")
    reply.mapHeader(3)
    reply.bulk("lastkey")
    reply.integer(spec.lastKey >= 0 ? spec.lastKey - spec.firstKey : spec.lastKey)
    reply.bulk("keystep")
    reply.integer(spec.step)
    reply.bulk("limit")
    reply.integer(0)
  }
  if (movable) {
    header()
    for (const part of ["begin_search", "find_keys"]) {
      reply.bulk(part)
      reply.mapHeader(2)
      reply.bulk("type")
      reply.bulk("unknown")
      reply.bulk("spec")
      reply.mapHeader(0)
    }
  }
}

/** One COMMAND INFO entry (addReplyCommandInfo): the 10 elements of Redis 7.0. */
export const replyCommandInfo = (reply: ReplyWriter, command: RuntimeCommand): void => {
  const spec = command.spec
  reply.arrayHeader(10)
  reply.bulk(command.fullName)
  reply.integer(spec.arity)
  const flags = byOrder(FLAG_ORDER, spec.flags.filter((f) => f !== "may_replicate"))
  reply.setHeader(flags.length)
  for (const flag of flags) reply.simple(flag)
  reply.integer(spec.firstKey)
  reply.integer(spec.lastKey)
  reply.integer(spec.step)
  const acl = byOrder(ACL_CATEGORY_ORDER, spec.acl)
  reply.setHeader(acl.length)
  for (const category of acl) reply.simple(category)
  const tips = spec.tips ?? []
  reply.setHeader(tips.length)
  for (const tip of tips) reply.bulk(tip)
  replyKeySpecs(reply, spec, command.fullName)
  const subcommands = command.subcommands
  if (subcommands === undefined || subcommands.size === 0) {
    reply.setHeader(0)
    return
  }
  reply.arrayHeader(subcommands.size)
  for (const sub of subcommands.values()) replyCommandInfo(reply, sub)
}

/** One COMMAND DOCS entry (addReplyCommandDocs), without arguments and history (not in the table). */
export const replyCommandDocs = (reply: ReplyWriter, command: RuntimeCommand): void => {
  const docs = command.spec.docs
  const subcommands = command.subcommands !== undefined && command.subcommands.size > 0 ? command.subcommands : undefined
  reply.mapHeader(3 + (docs.complexity === undefined ? 0 : 1) + (subcommands === undefined ? 0 : 1))
  reply.bulk("summary")
  reply.bulk(docs.summary)
  reply.bulk("since")
  reply.bulk(docs.since)
  reply.bulk("group")
  reply.bulk(docs.group)
  if (docs.complexity !== undefined) {
    reply.bulk("complexity")
    reply.bulk(docs.complexity)
  }
  if (subcommands !== undefined) {
    reply.bulk("subcommands")
    reply.mapHeader(subcommands.size)
    for (const sub of subcommands.values()) {
      reply.bulk(sub.fullName)
      replyCommandDocs(reply, sub)
    }
  }
}

const replyAllInfo = (ctx: CommandContext): void => {
  const commands = uniqueCommands(ctx.engine)
  ctx.reply.arrayHeader(commands.length)
  for (const command of commands) replyCommandInfo(ctx.reply, command)
}

/** COMMAND LIST's filters (commandListWithFilter); an unknown ACL category or any module matches nothing. */
const listFilter = (type: string, arg: string): ((command: RuntimeCommand) => boolean) | undefined => {
  if (isOption(type, "module")) return () => false
  if (isOption(type, "aclcat")) {
    const category = `@${arg.toLowerCase()}`
    if (!ACL_CATEGORY_ORDER.includes(category)) return () => false
    return (command) => command.spec.acl.some((c) => c.toLowerCase() === category)
  }
  if (isOption(type, "pattern")) return (command) => globMatch(arg, command.fullName, true)
  return undefined
}

/**
 * The command COMMAND GETKEYS names (lookupCommand): the command, or its subcommand when it is a
 * container. Undefined when there is no such command.
 */
const lookupTarget = (engine: EngineState, target: ReadonlyArray<string>): RuntimeCommand | undefined => {
  const base = engine.lookup(target[0]!)
  if (base === undefined || base.subcommands === undefined || target.length === 1) return base
  return base.subcommands.get(target[1]!.toLowerCase())
}

/** getKeysSubcommandImpl: the key positions of a full command line, or undefined after an error reply. */
const keysOf = (
  ctx: CommandContext,
  target: ReadonlyArray<string>
): { spec: CommandSpec; fullName: string; keys: ReadonlyArray<number> } | undefined => {
  const command = lookupTarget(ctx.engine, target)
  if (command === undefined) {
    ctx.reply.error(Errors.INVALID_COMMAND)
    return undefined
  }
  const spec = command.spec
  if ((spec.firstKey === 0 && spec.getKeys === undefined) || spec.notKey === true) {
    ctx.reply.error(Errors.COMMAND_HAS_NO_KEYS)
    return undefined
  }
  if ((spec.arity > 0 && spec.arity !== target.length) || target.length < -spec.arity) {
    ctx.reply.error(Errors.INVALID_COMMAND_ARITY)
    return undefined
  }
  let keys: ReadonlyArray<number>
  try {
    keys = commandKeys(spec, target)
  } catch {
    keys = []
  }
  const valid = keys.length > 0 && keys.every((k) => Number.isInteger(k) && k > 0 && k < target.length)
  if (!valid) {
    if (keys.length === 0 && spec.flags.includes("no_mandatory_keys")) return { spec, fullName: command.fullName, keys: [] }
    ctx.reply.error(Errors.INVALID_COMMAND_ARGUMENTS)
    return undefined
  }
  return { spec, fullName: command.fullName, keys }
}

const HELP = [
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command."
]

const subcommands = [
  defineCommand({
    name: "count",
    arity: 2,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Get total number of Redis commands", since: "2.8.13", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.integer(uniqueCommands(ctx.engine).length)
  }),
  defineCommand({
    name: "info",
    arity: -2,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Get array of specific Redis command details, or all when no argument is given.",
      since: "2.8.13",
      group,
      complexity: "O(N) where N is the number of commands to look up"
    },
    handler: (ctx, argv) => {
      if (argv.length === 2) return replyAllInfo(ctx)
      ctx.reply.arrayHeader(argv.length - 2)
      for (let i = 2; i < argv.length; i++) {
        const command = lookupCommandByName(ctx.engine, argv[i]!)
        if (command === undefined) ctx.reply.nullBulk()
        else replyCommandInfo(ctx.reply, command)
      }
    }
  }),
  defineCommand({
    name: "docs",
    arity: -2,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Get array of specific Redis command documentation",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the number of commands to look up"
    },
    handler: (ctx, argv) => {
      const found: Array<RuntimeCommand> = []
      if (argv.length === 2) found.push(...uniqueCommands(ctx.engine))
      for (let i = 2; i < argv.length; i++) {
        const command = lookupCommandByName(ctx.engine, argv[i]!)
        if (command !== undefined) found.push(command)
      }
      ctx.reply.mapHeader(found.length)
      for (const command of found) {
        ctx.reply.bulk(command.fullName)
        replyCommandDocs(ctx.reply, command)
      }
    }
  }),
  defineCommand({
    name: "list",
    arity: -2,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Get an array of Redis command names",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the total number of Redis commands"
    },
    handler: (ctx, argv) => {
      let filter: (command: RuntimeCommand) => boolean = () => true
      if (argv.length === 5 && isOption(argv[2]!, "filterby")) {
        const chosen = listFilter(argv[3]!, argv[4]!)
        if (chosen === undefined) return ctx.reply.error(Errors.SYNTAX)
        filter = chosen
      } else if (argv.length !== 2) {
        return ctx.reply.error(Errors.SYNTAX)
      }
      ctx.reply.bulkArray(runtimeCommands(ctx.engine).filter(filter).map((c) => c.fullName))
    }
  }),
  defineCommand({
    name: "getkeys",
    arity: -4,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: {
      summary: "Extract keys given a full Redis command",
      since: "2.8.13",
      group,
      complexity: "O(N) where N is the number of arguments to the command"
    },
    handler: (ctx, argv) => {
      const target = argv.slice(2)
      const found = keysOf(ctx, target)
      if (found === undefined) return
      ctx.reply.bulkArray(found.keys.map((k) => target[k]!))
    }
  }),
  defineCommand({
    name: "getkeysandflags",
    arity: -4,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: {
      summary: "Extract keys and access flags given a full Redis command",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the number of arguments to the command"
    },
    handler: (ctx, argv) => {
      const target = argv.slice(2)
      const found = keysOf(ctx, target)
      if (found === undefined) return
      // Redis's flags from its key specs (or its key function); derived ones for a command it lacks
      const redis = keyFlags(found.fullName, target, found.keys)
      const derived = keySpecFlags(found.spec)
      ctx.reply.arrayHeader(found.keys.length)
      for (let i = 0; i < found.keys.length; i++) {
        const flags = redis === undefined ? derived : redis[i]!.split(" ")
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(target[found.keys[i]!]!)
        ctx.reply.setHeader(flags.length)
        for (const flag of flags) ctx.reply.simple(flag)
      }
    }
  }),
  helpSubcommand({ since: "5.0.0", group }, HELP, "@slow @connection")
]

export const introspectionCommands = [
  defineCommand({
    name: "command",
    arity: -1,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "nondeterministic_output_order",
    docs: {
      summary: "Get array of Redis command details",
      since: "2.8.13",
      group,
      complexity: "O(N) where N is the total number of Redis commands"
    },
    subcommands,
    handler: replyAllInfo
  })
]

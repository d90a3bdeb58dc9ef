/**
 * The ACL subsystem's Layer: the ACL command, the check stage's ACL rule (`registry.checks.acl`) and
 * the ACL log of denied commands. Users live in the registry's `AclStore` (acl/Acl.ts), which AUTH and
 * HELLO use with or without this Layer.
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AclStore } from "../acl/Acl.ts"
import { describeUsers, loadAclFile, loadConfiguredUsers, saveAclFile, USERS_AND_ACLFILE } from "../acl/aclFile.ts"
import { CATEGORIES, categoryFlag } from "../acl/categories.ts"
import { ACL_OK, checkCommand, type CheckResult, channelAllowed, DENIED_CMD, DENIED_KEY } from "../acl/check.ts"
import {
  type AclCommand,
  type AclCommandTable,
  type AclUser,
  describeCommandRules,
  describeKeyPattern,
  type Selector,
  SELECTOR_ALLCHANNELS,
  SELECTOR_ALLKEYS,
  USER_FLAG_NAMES
} from "../acl/User.ts"
import { type CommandHandler, type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { helpSubcommand } from "../commands/help.ts"
import { type ConfigStore, ServerConfig } from "../config/ServerConfig.ts"
import { PubSub, type PubSubState } from "../pubsub/PubSub.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import { parseLongLong } from "../util/numbers.ts"
import type { Client, RuntimeCommand } from "./Client.ts"
import { clientInfoString, clientType } from "./clientInfo.ts"
import type { CommandContext } from "./CommandContext.ts"
import { CommandRegistry, type Registry } from "./CommandRegistry.ts"
import { Engine, type EngineState } from "./Engine.ts"

const group = "server"

export const ACL_HELP: ReadonlyArray<string> = [
  "CAT [<category>]",
  "    List all commands that belong to <category>, or all command categories",
  "    when no category is specified.",
  "DELUSER <username> [<username> ...]",
  "    Delete a list of users.",
  "DRYRUN <username> <command> [<arg> ...]",
  "    Returns whether the user can execute the given command without executing the command.",
  "GETUSER <username>",
  "    Get the user's details.",
  "GENPASS [<bits>]",
  "    Generate a secure 256-bit user password. The optional `bits` argument can",
  "    be used to specify a different size.",
  "LIST",
  "    Show users details in config file format.",
  "LOAD",
  "    Reload users from the ACL file.",
  "LOG [<count> | RESET]",
  "    Show the ACL log entries.",
  "SAVE",
  "    Save the current config to the ACL file.",
  "SETUSER <username> <attribute> [<attribute> ...]",
  "    Create or modify a user with the specified attributes.",
  "USERS",
  "    List all the registered usernames.",
  "WHOAMI",
  "    Return the current connection username."
]

export const ACL_NO_FILE =
  "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

/** What the ACL command's handlers work with; absent when the table is built without the Layer. */
export interface AclService {
  readonly store: AclStore
  readonly engine: EngineState
  readonly registry: Registry
  readonly pubsub: PubSubState | undefined
  /** The client running the current ACL command (spared until its reply is sent). */
  current: Client | undefined
  /** Logs a warning (serverLog LL_WARNING). */
  readonly warn: (line: string) => void
}

/**
 * ACLLoadUsersAtStartup: the config's `user` lines, or the ACL file, never both. Returns the lines
 * redis-server logs before exiting with status 1, or undefined; notices about disabled users go to
 * `notices`.
 */
export const loadUsersAtStartup = (store: AclStore, config: ConfigStore, notices: Array<string>): ReadonlyArray<string> | undefined => {
  const file = config.get("aclfile") ?? ""
  if (file !== "" && config.users.length > 0) return [USERS_AND_ACLFILE]
  const failed = loadConfiguredUsers(store, config.users, notices)
  if (failed !== undefined) return failed
  if (file === "") return undefined
  const result = loadAclFile(store, file)
  return "error" in result ? [`Aborting Redis startup because of ACL errors: ${result.error}`] : undefined
}

/** ACLFreeUserAndKillClients: the user's clients go back to the default user, unauthenticated, and close. */
export const disconnectUserClients = (acl: AclService, user: AclUser): void => {
  for (const client of [...acl.engine.clients.values()]) {
    if (client.user !== user) continue
    client.user = acl.store.defaultUser
    client.authenticated = false
    closeClient(acl, client)
  }
}

const closeClient = (acl: AclService, client: Client): void => {
  client.closeAfterReply = true
  if (client === acl.current) return
  client.kill()
  acl.engine.freeClient(client)
}

/**
 * ACLKillPubsubClientsIfNeeded: when `updated` no longer allows every channel `user` allowed, the
 * user's subscribers with a channel or pattern the new rules refuse are disconnected.
 */
const killPubsubClientsIfNeeded = (acl: AclService, user: AclUser, updated: AclUser): void => {
  if (updated.selectors.some((s) => (s.flags & SELECTOR_ALLCHANNELS) !== 0)) return
  const upcoming: Array<string> = []
  for (const s of updated.selectors) upcoming.push(...s.channels)
  let match = true
  for (const s of user.selectors) {
    if ((s.flags & SELECTOR_ALLCHANNELS) !== 0 || s.channels.some((c) => !upcoming.includes(c))) {
      match = false
      break
    }
  }
  if (match || acl.pubsub === undefined) return
  for (const client of [...acl.engine.clients.values()]) {
    if (client.user !== user || clientType(client) !== "pubsub") continue
    const subs = acl.pubsub.slot.peek(client)
    if (subs === undefined) continue
    let kill = false
    for (const p of subs.patterns) if (!channelAllowed(upcoming, p, true)) kill = true
    if (!kill) for (const c of subs.channels) if (!channelAllowed(upcoming, c, false)) kill = true
    if (!kill) for (const c of subs.shardChannels) if (!channelAllowed(upcoming, c, false)) kill = true
    if (kill) closeClient(acl, client)
  }
}

/** The `commands`, `keys` and `channels` fields of ACL GETUSER (aclAddReplySelectorDescription). */
const replySelector = (reply: ReplyWriter, s: Selector, table: AclCommandTable): void => {
  reply.bulk("commands")
  reply.bulk(describeCommandRules(s, table))
  reply.bulk("keys")
  reply.bulk((s.flags & SELECTOR_ALLKEYS) !== 0 ? "~*" : s.patterns.map(describeKeyPattern).join(" "))
  reply.bulk("channels")
  reply.bulk((s.flags & SELECTOR_ALLCHANNELS) !== 0 ? "&*" : s.channels.map((c) => `&${c}`).join(" "))
}

const getuser = (acl: AclService, ctx: CommandContext, name: string): void => {
  const u = acl.store.getUser(name)
  const r = ctx.reply
  if (u === undefined) return r.nullBulk()
  r.mapHeader(6)
  r.bulk("flags")
  const flags = USER_FLAG_NAMES.filter(([, f]) => (u.flags & f) !== 0)
  r.setHeader(flags.length)
  for (const [n] of flags) r.bulk(n)
  r.bulk("passwords")
  r.arrayHeader(u.passwords.length)
  for (const p of u.passwords) r.bulk(p)
  replySelector(r, u.root, acl.store.table)
  r.bulk("selectors")
  r.arrayHeader(u.selectors.length - 1)
  for (const s of u.selectors.slice(1)) {
    r.mapHeader(3)
    replySelector(r, s, acl.store.table)
  }
}

/** aclCatWithFlags: the commands (and subcommands) of a category, in table order. */
const categoryCommands = (table: AclCommandTable, flag: number): Array<string> => {
  const out: Array<string> = []
  const walk = (cmds: Iterable<AclCommand>) => {
    for (const cmd of cmds) {
      if ((cmd.aclCategories & flag) !== 0) out.push(cmd.fullName)
      if (cmd.subcommands !== undefined) walk(cmd.subcommands.values())
    }
  }
  walk(table.commands())
  return out
}

const replyLog = (acl: AclService, ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const store = acl.store
  let count = 10
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === "reset") {
      store.log.length = 0
      return ctx.reply.ok()
    }
    const n = parseLongLong(argv[2]!)
    if (n === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
    count = n < 0 ? 0 : Number(n)
  }
  count = Math.min(count, store.log.length)
  const r = ctx.reply
  r.arrayHeader(count)
  const now = ctx.now
  for (let i = 0; i < count; i++) {
    const e = store.log[i]!
    r.mapHeader(7)
    r.bulk("count")
    r.integer(e.count)
    r.bulk("reason")
    r.bulk(e.reason)
    r.bulk("context")
    r.bulk(e.context)
    r.bulk("object")
    r.bulk(e.object)
    r.bulk("username")
    r.bulk(e.username)
    r.bulk("age-seconds")
    r.double((now - e.ctime) / 1000)
    r.bulk("client-info")
    r.bulk(e.cinfo)
  }
}

/** ACL DRYRUN: the command as the current table names it (lookupCommand), checked for the user. */
const dryrun = (acl: AclService, ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const u = acl.store.getUser(argv[2]!)
  if (u === undefined) return ctx.reply.error(Errors.sanitizeErrorText(`ERR User '${argv[2]!}' not found`))
  const target = argv.slice(3)
  let cmd = acl.registry.lookup(target[0]!)
  if (cmd !== undefined && cmd.subcommands !== undefined && target.length >= 2) cmd = cmd.subcommands.get(target[1]!.toLowerCase())
  if (cmd === undefined) return ctx.reply.error(Errors.sanitizeErrorText(`ERR Command '${target[0]!}' not found`))
  const arity = cmd.spec.arity
  if ((arity > 0 && arity !== target.length) || target.length < -arity) {
    return ctx.reply.error(`ERR wrong number of arguments for '${cmd.fullName}' command`)
  }
  const out: CheckResult = { result: 0, pos: 0 }
  const result = checkCommand(u, cmd, target, out)
  if (result === ACL_OK) return ctx.reply.ok()
  ctx.reply.bulk(
    result === DENIED_CMD
      ? `This user has no permissions to run the '${cmd.fullName}' command`
      : result === DENIED_KEY
      ? `This user has no permissions to access the '${target[out.pos]!}' key`
      : `This user has no permissions to access the '${target[out.pos]!}' channel`
  )
}

const handlers = (acl: AclService | undefined): Record<string, CommandHandler> => {
  if (acl === undefined) return {}
  const store = acl.store
  const table = () => store.table
  return {
    setuser: (ctx, argv) => {
      for (let j = 2; j < argv.length; j++) ctx.redact(j)
      const name = argv[2]!
      if (/[ \t\n\v\f\r\0]/.test(name)) return ctx.reply.error("ERR Usernames can't contain spaces or null characters")
      acl.current = ctx.client
      try {
        const error = store.setUser(name, argv.slice(3))
        if (error !== undefined) return ctx.reply.error(Errors.sanitizeErrorText(`ERR ${error}`))
      } finally {
        acl.current = undefined
      }
      ctx.reply.ok()
    },
    deluser: (ctx, argv) => {
      for (let j = 2; j < argv.length; j++) {
        if (argv[j] === "default") return ctx.reply.error("ERR The 'default' user cannot be removed")
      }
      let deleted = 0
      acl.current = ctx.client
      try {
        for (let j = 2; j < argv.length; j++) {
          const u = store.getUser(argv[j]!)
          if (u !== undefined && store.deleteUser(argv[j]!)) {
            disconnectUserClients(acl, u)
            deleted++
          }
        }
      } finally {
        acl.current = undefined
      }
      ctx.reply.integer(deleted)
    },
    getuser: (ctx, argv) => getuser(acl, ctx, argv[2]!),
    list: (ctx) => {
      const users = store.sortedUsers()
      ctx.reply.arrayHeader(users.length)
      for (const u of users) ctx.reply.bulk(`user ${u.name} ${u.describe(table())}`)
    },
    users: (ctx) => {
      const users = store.sortedUsers()
      ctx.reply.arrayHeader(users.length)
      for (const u of users) ctx.reply.bulk(u.name)
    },
    whoami: (ctx) => ctx.reply.bulk(ctx.client.user.name),
    cat: (ctx, argv) => {
      if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
      if (argv.length === 2) {
        ctx.reply.arrayHeader(CATEGORIES.length)
        for (const c of CATEGORIES) ctx.reply.bulk(c)
        return
      }
      const flag = categoryFlag(argv[2]!)
      if (flag === 0) return ctx.reply.error(Errors.sanitizeErrorText(`ERR Unknown category '${argv[2]!.slice(0, 128)}'`))
      ctx.reply.bulkArray(categoryCommands(table(), flag))
    },
    genpass: (ctx, argv) => {
      if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
      let bits = 256
      if (argv.length === 3) {
        const n = parseLongLong(argv[2]!)
        if (n === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
        if (n <= 0 || n > 4096) {
          return ctx.reply.error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
        }
        bits = Number(n)
      }
      const chars = Math.floor((bits + 3) / 4)
      ctx.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars))
    },
    log: (ctx, argv) => {
      if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
      replyLog(acl, ctx, argv)
    },
    dryrun: (ctx, argv) => dryrun(acl, ctx, argv),
    load: (ctx) => {
      const file = ctx.config.get("aclfile") ?? ""
      if (file === "") return ctx.reply.error(ACL_NO_FILE)
      const result = loadAclFile(store, file)
      if ("error" in result) return ctx.reply.error(Errors.sanitizeErrorText(`ERR ${result.error}`))
      acl.current = ctx.client
      try {
        for (const u of result.replaced) disconnectUserClients(acl, u)
      } finally {
        acl.current = undefined
      }
      ctx.reply.ok()
    },
    save: (ctx) => {
      const file = ctx.config.get("aclfile") ?? ""
      if (file === "") return ctx.reply.error(ACL_NO_FILE)
      const failure = saveAclFile(store, file, process.pid, ctx.now)
      if (failure !== undefined) {
        acl.warn(failure)
        return ctx.reply.error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
      }
      ctx.reply.ok()
    }
  }
}

const ADMIN = "admin noscript loading stale"
const ADMIN_ACL = "@admin @slow @dangerous"

/** The ACL command table entry; without `acl` (no Layer) its subcommands have no handlers. */
export const aclEntry = (acl?: AclService): CommandSpec => {
  const h = handlers(acl)
  const sub = (
    name: string,
    arity: number,
    flags: string,
    cats: string,
    summary: string,
    complexity: string,
    since = "6.0.0"
  ): CommandSpec =>
    defineCommand({
      name,
      arity,
      flags,
      keys: [0, 0, 0],
      acl: cats,
      docs: { summary, since, group, complexity },
      ...(h[name] === undefined ? {} : { handler: h[name] })
    })
  return defineCommand({
    name: "acl",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for Access List Control commands ", since: "6.0.0", group, complexity: "Depends on subcommand." },
    subcommands: [
      sub("cat", -2, "noscript loading stale", "@slow", "List the ACL categories or the commands inside a category", "O(1) since the categories and commands are a fixed set."),
      sub("deluser", -3, ADMIN, ADMIN_ACL, "Remove the specified ACL users and the associated rules", "O(1) amortized time considering the typical user."),
      sub("dryrun", -4, ADMIN, ADMIN_ACL, "Returns whether the user can execute the given command without executing the command.", "O(1).", "7.0.0"),
      sub("genpass", -2, "noscript loading stale", "@slow", "Generate a pseudorandom secure password to use for ACL users", "O(1)"),
      sub("getuser", 3, ADMIN, ADMIN_ACL, "Get the rules for a specific ACL user", "O(N). Where N is the number of password, command and pattern rules that the user has."),
      sub("list", 2, ADMIN, ADMIN_ACL, "List the current ACL rules in ACL config file format", "O(N). Where N is the number of configured users."),
      sub("load", 2, ADMIN, ADMIN_ACL, "Reload the ACLs from the configured ACL file", "O(N). Where N is the number of configured users."),
      sub("log", -2, ADMIN, ADMIN_ACL, "List latest events denied because of ACLs in place", "O(N) with N being the number of entries shown."),
      sub("save", 2, ADMIN, ADMIN_ACL, "Save the current ACL rules in the configured ACL file", "O(N). Where N is the number of configured users."),
      sub("setuser", -3, ADMIN, ADMIN_ACL, "Modify or create the rules for a specific ACL user", "O(N). Where N is the number of rules provided."),
      sub("users", 2, ADMIN, ADMIN_ACL, "List the username of all the configured ACL rules", "O(N). Where N is the number of configured users."),
      sub("whoami", 2, "noscript loading stale", "@slow", "Return the name of the user associated to the current connection", "O(1)"),
      helpSubcommand({ since: "6.0.0", group }, ACL_HELP)
    ]
  })
}

/** The commands this module's Layer adds (for what needs the names before any Layer is built). */
export const aclCommands: ReadonlyArray<CommandSpec> = [aclEntry()]

/**
 * The check stage's ACL rule: a user allowed everything costs one flag test; otherwise every selector
 * is tried (checkCommand). A denial is logged (ACL LOG) with its context.
 */
const aclCheck = (store: AclStore, engine: EngineState) => {
  const out: CheckResult = { result: 0, pos: 0 }
  return (client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, caller: "client" | "exec" | "script") => {
    const user = client.user
    if (user.unrestricted) return undefined
    const result = checkCommand(user, command, argv, out)
    if (result === ACL_OK) return undefined
    const real = client.kind === "script" ? client.scriptCaller ?? client : client
    const now = engine.keyspace.now
    store.addLogEntry({
      reason: result === DENIED_CMD ? "command" : result === DENIED_KEY ? "key" : "channel",
      context: caller === "script" ? "lua" : caller === "exec" || client.multi !== undefined ? "multi" : "toplevel",
      object: result === DENIED_CMD ? command.fullName : argv[out.pos]!,
      username: user.name,
      ctime: now,
      cinfo: clientInfoString(real, now, real === client ? { command, argv } : undefined)
    })
    return result === DENIED_CMD ? "command" : result === DENIED_KEY ? "key" : "channel"
  }
}

/** ACL commands and the ACL check, for the Layer's lifetime. */
export const AclLive: Layer.Layer<never, never, Engine | CommandRegistry | PubSub | ServerConfig> = Layer.effectDiscard(
  Effect.gen(function*() {
    const engine = yield* Engine
    const registry = yield* CommandRegistry
    const pubsub = yield* PubSub
    const config = yield* ServerConfig
    const store = registry.acl
    const services = yield* Effect.context<never>()
    const warn = (line: string): void => Effect.runSyncWith(services)(Effect.logWarning(line))
    const service: AclService = { store, engine, registry, pubsub, current: undefined, warn }
    const notices: Array<string> = []
    store.startupErrors = loadUsersAtStartup(store, config, notices)
    for (const notice of notices) yield* Effect.log(notice)
    // CONFIG REWRITE writes the users as ACL LIST describes them (none with an ACL file)
    config.userLines = () => describeUsers(store)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        config.userLines = undefined
      })
    )
    yield* CommandRegistry.contributeScoped((r) => {
      const remove = r.addCommands([aclEntry(service)])
      const previous = r.checks.acl
      r.checks.acl = aclCheck(store, engine)
      store.hooks = { channelsChanging: (user, updated) => killPubsubClientsIfNeeded(service, user, updated) }
      return () => {
        remove()
        r.checks.acl = previous
        store.hooks = {}
      }
    })
  })
)

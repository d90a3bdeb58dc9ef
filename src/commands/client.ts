/**
 * CLIENT and its subcommands (networking.c clientCommand): identity, naming, listing and killing
 * connections, reply control, unblocking; the client-side caching subcommands (TRACKING, CACHING,
 * GETREDIR, TRACKINGINFO) come from tracking.ts.
 */
import type { Client } from "../server/Client.ts"
import { type ClientType, clientInfoString, clientType } from "../server/clientInfo.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption, rangeIntArg, timeoutMsArg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import { setClientName } from "./connection.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand } from "./help.ts"
import { trackingSubcommands } from "./tracking.ts"

const group = "connection"


const clientTypeByName = (name: string): ClientType | undefined => {
  switch (name.toLowerCase()) {
    case "normal":
      return "normal"
    case "slave":
    case "replica":
      return "replica"
    case "pubsub":
      return "pubsub"
    case "master":
      return "master"
    default:
      return undefined
  }
}

/** One line of CLIENT LIST / CLIENT INFO; the client running the command reports it as current. */
export const clientInfoLine = (ctx: CommandContext, client: Client): string =>
  clientInfoString(client, ctx.now, client === ctx.client ? { command: ctx.command, argv: ctx.argv } : undefined)


const list = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const clients = ctx.engine.clients
  let text = ""
  if (argv.length === 2) {
    for (const client of clients.values()) text += `${clientInfoLine(ctx, client)}\n`
  } else if (argv.length === 4 && isOption(argv[2]!, "type")) {
    const type = clientTypeByName(argv[3]!)
    if (type === undefined) return ctx.reply.error(Errors.unknownClientType(argv[3]!))
    for (const client of clients.values()) {
      if (clientType(client) === type) text += `${clientInfoLine(ctx, client)}\n`
    }
  } else if (argv.length > 3 && isOption(argv[2]!, "id")) {
    const ids: Array<number> = []
    for (let i = 3; i < argv.length; i++) {
      const id = intArg(ctx.reply, argv[i]!, Errors.INVALID_CLIENT_ID)
      if (id === undefined) return
      ids.push(id)
    }
    for (const id of ids) {
      const client = clients.get(id)
      if (client !== undefined) text += `${clientInfoLine(ctx, client)}\n`
    }
  } else {
    return ctx.reply.error(Errors.SYNTAX)
  }
  ctx.reply.verbatim(text)
}

interface KillFilter {
  id: number
  type: ClientType | undefined
  addr: string | undefined
  laddr: string | undefined
  user: string | undefined
  skipMe: boolean
}

/** Parses the filters of the new CLIENT KILL form; replies with the error and returns undefined when invalid. */
const killFilter = (ctx: CommandContext, argv: ReadonlyArray<string>): KillFilter | undefined => {
  const filter: KillFilter = { id: 0, type: undefined, addr: undefined, laddr: undefined, user: undefined, skipMe: true }
  for (let i = 2; i < argv.length; i += 2) {
    const option = argv[i]!.toLowerCase()
    const value = argv[i + 1]
    if (value === undefined) {
      ctx.reply.error(Errors.SYNTAX)
      return undefined
    }
    if (option === "id") {
      const id = rangeIntArg(ctx.reply, value, 1, Infinity, Errors.CLIENT_ID_NOT_POSITIVE)
      if (id === undefined) return undefined
      filter.id = id
    } else if (option === "type") {
      const type = clientTypeByName(value)
      if (type === undefined) {
        ctx.reply.error(Errors.unknownClientType(value))
        return undefined
      }
      filter.type = type
    } else if (option === "addr") {
      filter.addr = value
    } else if (option === "laddr") {
      filter.laddr = value
    } else if (option === "user") {
      if (ctx.engine.registry.acl.getUser(value) === undefined) {
        ctx.reply.error(Errors.noSuchUser(value))
        return undefined
      }
      filter.user = value
    } else if (option === "skipme") {
      if (isOption(value, "yes")) filter.skipMe = true
      else if (isOption(value, "no")) filter.skipMe = false
      else {
        ctx.reply.error(Errors.SYNTAX)
        return undefined
      }
    } else {
      ctx.reply.error(Errors.SYNTAX)
      return undefined
    }
  }
  return filter
}

/**
 * CLIENT KILL ip:port (replies OK or "No such client", and may kill the caller itself) or CLIENT KILL
 * filter value ... (replies the number killed; SKIPME yes by default). Another client is closed and
 * removed at once, as freeClient does; the caller is closed after this reply.
 */
const kill = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const oldForm = argv.length === 3
  const filter: KillFilter | undefined = oldForm
    ? { id: 0, type: undefined, addr: argv[2]!, laddr: undefined, user: undefined, skipMe: false }
    : killFilter(ctx, argv)
  if (filter === undefined) return
  const self = ctx.client
  let killed = 0
  for (const client of [...ctx.engine.clients.values()]) {
    if (filter.addr !== undefined && client.addr !== filter.addr) continue
    if (filter.laddr !== undefined && client.laddr !== filter.laddr) continue
    if (filter.type !== undefined && clientType(client) !== filter.type) continue
    if (filter.id !== 0 && client.id !== filter.id) continue
    if (filter.user !== undefined && client.user.name !== filter.user) continue
    if (client === self && filter.skipMe) continue
    if (client === self) {
      self.closeAfterReply = true
    } else {
      client.closeAfterReply = true
      client.kill()
      ctx.engine.freeClient(client)
    }
    killed++
  }
  if (!oldForm) ctx.reply.integer(killed)
  else if (killed === 0) ctx.reply.error(Errors.NO_SUCH_CLIENT)
  else ctx.reply.ok()
}

const HELP = [
  "CACHING (YES|NO)",
  "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "UNPAUSE",
  "    Stop the current client pause, resuming traffic.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Suspend all, or just write, clients for <timeout> milliseconds.",
  "REPLY (ON|OFF|SKIP)",
  "    Control the replies sent to the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are:",
  "    * LIB-NAME: the client lib name.",
  "    * LIB-VER: the client lib version.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
  "         [OPTIN] [OPTOUT] [NOLOOP]",
  "    Control server assisted client side caching.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction."
]

/** The characters CLIENT SETNAME and SETINFO accept: printable ASCII without space (validateClientAttr). */
const isValidAttribute = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 33 || c > 126) return false
  }
  return true
}

export const clientSubcommands = [
  defineCommand({
    name: "id",
    arity: 2,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Returns the client ID for the current connection", since: "5.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.integer(ctx.client.id)
  }),
  defineCommand({
    name: "setname",
    arity: 3,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Set the current connection name", since: "2.6.9", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      if (setClientName(ctx, argv[2]!)) ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "getname",
    arity: 2,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Get the current connection name", since: "2.6.9", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.bulkOrNull(ctx.client.name === "" ? undefined : ctx.client.name)
  }),
  defineCommand({
    name: "list",
    arity: -2,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    tips: "nondeterministic_output",
    docs: {
      summary: "Get the list of client connections",
      since: "2.4.0",
      group,
      complexity: "O(N) where N is the number of client connections"
    },
    handler: list
  }),
  defineCommand({
    name: "info",
    arity: 2,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "nondeterministic_output",
    docs: {
      summary: "Returns information about the current client connection.",
      since: "6.2.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx) => ctx.reply.verbatim(`${clientInfoLine(ctx, ctx.client)}\n`)
  }),
  defineCommand({
    name: "kill",
    arity: -3,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    docs: {
      summary: "Kill the connection of a client",
      since: "2.4.0",
      group,
      complexity: "O(N) where N is the number of client connections"
    },
    handler: kill
  }),
  // CLIENT SETINFO is Redis 7.2's (node-redis sends it on connect); it is implemented as 7.2 does it.
  // Redis 7.0 does not have it, so the tests that compare with a real 7.0 leave it out.
  defineCommand({
    name: "setinfo",
    arity: 4,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Set client or connection specific info", since: "7.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const attribute = argv[2]!
      const value = argv[3]!
      const isName = isOption(attribute, "lib-name")
      if (!isName && !isOption(attribute, "lib-ver")) return ctx.reply.error(Errors.unrecognizedOption(attribute))
      if (!isValidAttribute(value)) return ctx.reply.error(Errors.invalidClientAttribute(attribute))
      if (isName) ctx.client.libName = value
      else ctx.client.libVer = value
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "no-evict",
    arity: 3,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    docs: { summary: "Set client eviction mode for the current connection", since: "7.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const mode = argv[2]!
      if (isOption(mode, "on")) ctx.client.noEvict = true
      else if (isOption(mode, "off")) ctx.client.noEvict = false
      else return ctx.reply.error(Errors.SYNTAX)
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "reply",
    arity: 3,
    flags: "noscript loading stale",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    docs: { summary: "Instruct the server whether to reply to commands", since: "3.2.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const client = ctx.client
      const mode = argv[2]!
      if (isOption(mode, "on")) {
        client.replyMode = "on"
        ctx.reply.ok()
      } else if (isOption(mode, "off")) {
        client.replyMode = "off"
      } else if (isOption(mode, "skip")) {
        // SKIP while OFF changes nothing: replies stay off
        if (client.replyMode !== "off") client.replyMode = "skip"
      } else {
        ctx.reply.error(Errors.SYNTAX)
      }
    }
  }),
  defineCommand({
    name: "unblock",
    arity: -3,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    docs: {
      summary: "Unblock a client blocked in a blocking command from a different connection",
      since: "5.0.0",
      group,
      complexity: "O(log N) where N is the number of client connections"
    },
    handler: (ctx, argv) => {
      if (argv.length > 4) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
      let withError = false
      if (argv.length === 4) {
        if (isOption(argv[3]!, "error")) withError = true
        else if (!isOption(argv[3]!, "timeout")) return ctx.reply.error(Errors.UNBLOCK_REASON)
      }
      const id = intArg(ctx.reply, argv[2]!)
      if (id === undefined) return
      const target = ctx.engine.clients.get(id)
      ctx.reply.integer(target !== undefined && ctx.engine.unblockClient(target, withError) ? 1 : 0)
    }
  }),
  defineCommand({
    name: "pause",
    arity: -3,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    docs: { summary: "Stop processing commands from clients for some time", since: "2.9.50", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      if (argv.length > 4) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
      let type: "write" | "all" = "all"
      if (argv.length === 4) {
        if (isOption(argv[3]!, "write")) type = "write"
        else if (!isOption(argv[3]!, "all")) return ctx.reply.error(Errors.PAUSE_MODE)
      }
      const until = timeoutMsArg(ctx.reply, argv[2]!, ctx.now)
      if (until === undefined) return
      ctx.engine.pauseClients(type, until)
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "unpause",
    arity: 2,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous @connection",
    docs: {
      summary: "Resume processing of clients that were paused",
      since: "6.2.0",
      group,
      complexity: "O(N) Where N is the number of paused clients"
    },
    handler: (ctx) => {
      ctx.engine.unpause()
      ctx.reply.ok()
    }
  }),
  helpSubcommand({ since: "5.0.0", group }, HELP, "@slow @connection"),
  ...trackingSubcommands
]

export const clientCommands = [
  defineCommand({
    name: "client",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: {
      summary: "A container for client connection commands",
      since: "2.4.0",
      group,
      complexity: "Depends on subcommand."
    },
    subcommands: clientSubcommands
  })
]

/** Connection commands: PING, ECHO, SELECT, QUIT, RESET, HELLO, AUTH. */
import type { CommandContext } from "../server/CommandContext.ts"
import { clientInfoString } from "../server/clientInfo.ts"
import { parseLongLong } from "../util/numbers.ts"
import { REDIS_VERSION } from "../version.ts"
import { int32Arg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "connection"

/** clientSetDefaultAuth: back to the default user, authenticated only if it needs no password. */
const resetAuth = (ctx: CommandContext): void => {
  const acl = ctx.engine.registry.acl
  ctx.client.user = acl.defaultUser
  ctx.client.authenticated = !acl.authRequired
}

/**
 * ACLAuthenticateUser: on success the client becomes the user; a failure is logged (reason auth) and
 * does not say whether the user exists, is off, or the password is wrong.
 */
const authenticate = (ctx: CommandContext, username: string, password: string): boolean => {
  const acl = ctx.engine.registry.acl
  const user = acl.checkCredentials(username, password)
  if (user !== undefined) {
    ctx.client.authenticated = true
    ctx.client.user = user
    return true
  }
  acl.addLogEntry({
    reason: "auth",
    context: ctx.client.multi !== undefined ? "multi" : "toplevel",
    object: ctx.argv[0]!,
    username,
    ctime: ctx.now,
    cinfo: clientInfoString(ctx.client, ctx.now, { command: ctx.command, argv: ctx.argv })
  })
  return false
}

/** clientSetNameOrReply: names cannot contain spaces, newlines or special characters. */
export const setClientName = (ctx: CommandContext, name: string): boolean => {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 33 || c > 126) {
      ctx.reply.error("ERR Client names cannot contain spaces, newlines or special characters.")
      return false
    }
  }
  ctx.client.name = name
  return true
}

/**
 * helloCommand: the options act in their order (AUTH authenticates and SETNAME names the client at
 * once, the first bad one ends the command), and AUTH's user and password are redacted as they are met.
 */
const hello = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let version = 0
  let next = 1
  if (argv.length >= 2) {
    const v = parseLongLong(argv[next++]!)
    if (v === undefined) return ctx.reply.error("ERR Protocol version is not an integer or out of range")
    if (v < 2 || v > 3) return ctx.reply.error(Errors.NOPROTO)
    version = v
  }
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const opt = argv[j]!.toLowerCase()
    if (opt === "auth" && more >= 2) {
      ctx.redact(j + 1)
      ctx.redact(j + 2)
      if (!authenticate(ctx, argv[j + 1]!, argv[j + 2]!)) return ctx.reply.error(Errors.WRONGPASS)
      j += 2
    } else if (opt === "setname" && more >= 1) {
      if (!setClientName(ctx, argv[j + 1]!)) return
      j++
    } else {
      return ctx.reply.error(Errors.sanitizeErrorText(`ERR Syntax error in HELLO option '${argv[j]!}'`))
    }
  }
  if (!ctx.client.authenticated) {
    return ctx.reply.error(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
    )
  }
  if (version !== 0) {
    ctx.client.resp = version as 2 | 3
    ctx.reply.resp = ctx.client.resp
  }
  const r = ctx.reply
  r.mapHeader(7)
  r.bulk("server")
  r.bulk("redis")
  r.bulk("version")
  r.bulk(REDIS_VERSION)
  r.bulk("proto")
  r.integer(ctx.client.resp)
  r.bulk("id")
  r.integer(ctx.client.id)
  r.bulk("mode")
  r.bulk("standalone")
  r.bulk("role")
  r.bulk(ctx.keyspace.isReplica ? "replica" : "master")
  r.bulk("modules")
  r.emptyArray()
}

export const connectionCommands = [
  defineCommand({
    name: "ping",
    arity: -1,
    flags: "fast",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    tips: "request_policy:all_shards response_policy:all_succeeded",
    docs: { summary: "Ping the server", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      if (argv.length > 2) return ctx.reply.error(Errors.wrongArity("ping"))
      // a RESP2 subscriber reads arrays only: the pong comes as one (pingCommand)
      if (ctx.client.subscriptions > 0 && ctx.reply.resp === 2) {
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk("pong")
        ctx.reply.bulk(argv.length === 1 ? "" : argv[1]!)
      } else if (argv.length === 1) ctx.reply.raw("+PONG\r\n")
      else ctx.reply.bulk(argv[1]!)
    }
  }),
  defineCommand({
    name: "echo",
    arity: 2,
    flags: "loading stale fast",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: { summary: "Echo the given string", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => ctx.reply.bulk(argv[1]!)
  }),
  defineCommand({
    name: "select",
    arity: 2,
    flags: "loading stale fast",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: {
      summary: "Change the selected database for the current connection",
      since: "1.0.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const id = int32Arg(ctx.reply, argv[1]!)
      if (id === undefined) return
      const db = ctx.keyspace.dbs[id]
      if (db === undefined) return ctx.reply.error(Errors.DB_INDEX_OUT_OF_RANGE)
      ctx.client.db = db
      ctx.db = db
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "quit",
    arity: -1,
    flags: "noscript loading stale fast no_auth allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: { summary: "Close the connection", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx) => {
      ctx.reply.ok()
      ctx.client.closeAfterReply = true
    }
  }),
  defineCommand({
    name: "reset",
    arity: 1,
    flags: "noscript loading stale fast no_auth allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: { summary: "Reset the connection", since: "6.2.0", group, complexity: "O(1)" },
    handler: (ctx) => {
      const client = ctx.client
      // a MONITOR client may reset (it leaves monitor mode); a replica's or master's link may not
      if (client.kind === "master" || client.replicaMode === "replica") return ctx.reply.error(Errors.RESET_NOT_NORMAL)
      ctx.engine.discard(client)
      client.db = ctx.keyspace.dbs[0]!
      ctx.db = client.db
      client.resp = 2
      ctx.reply.resp = 2
      client.name = ""
      client.replyMode = "on"
      // CLIENT NO-EVICT survives RESET in Redis 7.0 (7.2 started clearing it)
      resetAuth(ctx)
      ctx.engine.registry.resetClient(client)
      ctx.reply.raw("+RESET\r\n")
    }
  }),
  defineCommand({
    name: "hello",
    arity: -1,
    flags: "noscript loading stale fast no_auth allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: { summary: "Handshake with Redis", since: "6.0.0", group, complexity: "O(1)" },
    handler: hello
  }),
  defineCommand({
    name: "auth",
    arity: -2,
    flags: "noscript loading stale fast no_auth allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @connection",
    docs: {
      summary: "Authenticate to the server",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of passwords defined for the user"
    },
    handler: (ctx, argv) => {
      if (argv.length > 3) return ctx.reply.error(Errors.SYNTAX)
      // the password (and the user) never show in MONITOR
      ctx.redact(1)
      if (argv.length === 3) ctx.redact(2)
      let user = "default"
      let password: string
      if (argv.length === 2) {
        if (ctx.engine.registry.acl.defaultUser.nopass) {
          return ctx.reply.error(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
          )
        }
        password = argv[1]!
      } else {
        user = argv[1]!
        password = argv[2]!
      }
      if (!authenticate(ctx, user, password)) return ctx.reply.error(Errors.WRONGPASS)
      ctx.reply.ok()
    }
  })
]

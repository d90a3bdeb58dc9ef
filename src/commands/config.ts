/** CONFIG GET/SET/RESETSTAT/REWRITE/HELP (config.c). */
import { HIDDEN } from "../config/directives.ts"
import { rewriteConfig } from "../config/rewrite.ts"
import { type ConfigEntry, configSet } from "../config/ServerConfig.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { globMatch } from "../util/glob.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand } from "./help.ts"

const group = "server"

const HELP = [
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file."
]

/**
 * configGetCommand: a name without glob characters is looked up as typed (and replied as typed,
 * hidden directives included); a pattern matches every visible name, aliases too, ignoring case.
 * Each directive appears once. Redis replies in its dictionary's order, which changes from process
 * to process; this server replies in table order.
 */
const configGet = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const store = ctx.config
  const matches = new Map<string, readonly [string, ConfigEntry]>()
  for (let i = 2; i < argv.length; i++) {
    const pattern = argv[i]!
    if (!/[[*?]/.test(pattern)) {
      const entry = store.entry(pattern)
      if (entry !== undefined && !matches.has(entry.name)) matches.set(entry.name, [pattern, entry])
      continue
    }
    for (const entry of store.configEntries()) {
      if ((entry.directive.flags & HIDDEN) !== 0 || matches.has(entry.name)) continue
      if (globMatch(pattern, entry.name, true)) matches.set(entry.name, [entry.name, entry])
    }
  }
  ctx.reply.mapHeader(matches.size)
  for (const [name, entry] of matches.values()) {
    ctx.reply.bulk(name)
    ctx.reply.bulk(store.display(entry.directive.name)!)
  }
}

/** islocalClient: a unix socket (the in-process client counts as one) or a loopback peer. */
const isLocalClient = (addr: string): boolean => {
  if (addr.startsWith("in-process")) return true
  const colon = addr.lastIndexOf(":")
  const ip = (colon === -1 ? addr : addr.slice(0, colon)).replace(/^\[|\]$/g, "")
  return ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1"
}

/** allowProtectedAction(enable-protected-configs, client) */
const allowsProtected = (ctx: CommandContext): boolean => {
  const setting = ctx.config.get("enable-protected-configs")
  return setting === "yes" || (setting === "local" && isLocalClient(ctx.client.addr))
}

/** Redis's SENSITIVE_CONFIG directives. */
const SENSITIVE_CONFIGS = new Set(["masteruser", "masterauth", "requirepass"])

const configSetHandler = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  if (argv.length % 2 === 1) return ctx.reply.error(Errors.SYNTAX)
  const pairs: Array<readonly [string, string]> = []
  for (let i = 2; i < argv.length; i += 2) {
    pairs.push([argv[i]!, argv[i + 1]!])
    // SENSITIVE_CONFIG values never show in SLOWLOG or MONITOR, whatever the command's outcome
    if (SENSITIVE_CONFIGS.has(argv[i]!.toLowerCase())) ctx.redact(i + 1)
  }
  const failure = configSet(ctx.config, pairs, allowsProtected(ctx))
  if (failure === undefined) return ctx.reply.ok()
  ctx.reply.error(Errors.sanitizeErrorText(
    failure._tag === "Unknown"
      ? `ERR Unknown option or number of arguments for CONFIG SET - '${failure.name}'`
      : `ERR CONFIG SET failed (possibly related to argument '${failure.name}') - ${failure.reason}`
  ))
}

const adminFlags = "admin noscript loading stale"
const adminAcl = "@admin @slow @dangerous"

export const configCommands: ReadonlyArray<CommandSpec> = [
  defineCommand({
    name: "config",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for server configuration commands", since: "2.0.0", group, complexity: "Depends on subcommand." },
    subcommands: [
      defineCommand({
        name: "get",
        arity: -3,
        flags: adminFlags,
        keys: [0, 0, 0],
        acl: adminAcl,
        docs: {
          summary: "Get the values of configuration parameters",
          since: "2.0.0",
          group,
          complexity: "O(N) when N is the number of configuration parameters provided"
        },
        handler: configGet
      }),
      defineCommand({
        name: "set",
        arity: -4,
        flags: adminFlags,
        keys: [0, 0, 0],
        acl: adminAcl,
        tips: "request_policy:all_nodes response_policy:all_succeeded",
        docs: {
          summary: "Set configuration parameters to the given values",
          since: "2.0.0",
          group,
          complexity: "O(N) when N is the number of configuration parameters provided"
        },
        handler: configSetHandler
      }),
      defineCommand({
        name: "resetstat",
        arity: 2,
        flags: adminFlags,
        keys: [0, 0, 0],
        acl: adminAcl,
        docs: { summary: "Reset the stats returned by INFO", since: "2.0.0", group, complexity: "O(1)" },
        handler: (ctx) => {
          ctx.engine.resetStats()
          ctx.reply.ok()
        }
      }),
      defineCommand({
        name: "rewrite",
        arity: 2,
        flags: adminFlags,
        keys: [0, 0, 0],
        acl: adminAcl,
        docs: {
          summary: "Rewrite the configuration file with the in memory configuration",
          since: "2.8.0",
          group,
          complexity: "O(1)"
        },
        handler: (ctx) => {
          const path = ctx.config.configFile
          if (path === undefined) return ctx.reply.error("ERR The server is running without a config file")
          const failure = rewriteConfig(ctx.config, path)
          if (failure === undefined) return ctx.reply.ok()
          ctx.reply.error(Errors.sanitizeErrorText(`ERR Rewriting config file: ${failure}`))
        }
      }),
      helpSubcommand({ since: "5.0.0", group }, HELP)
    ]
  })
]

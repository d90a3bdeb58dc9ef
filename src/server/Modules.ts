/**
 * MODULE (module.c's moduleCommand) on a server that loads no modules: LIST is empty, LOAD and LOADEX
 * fail as Redis's do when dlopen fails (the same log lines, LOADEX's argument errors included, and
 * "Error loading the extension"), UNLOAD finds no such module. LOAD, LOADEX and UNLOAD are
 * protected by enable-module-command (default "no"), as in Redis. The `loadmodule` directive is
 * refused at start-up (config/load.ts) with the same log line.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { isOption } from "../commands/args.ts"
import { type CommandHandler, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { helpSubcommand } from "../commands/help.ts"
import { protectedActionAllowed } from "../commands/server.ts"
import { moduleLoadFailure } from "../config/load.ts"
import { CommandRegistry } from "./CommandRegistry.ts"

const group = "server"

/** A handler of a protected subcommand: enable-module-command first. */
const guarded = (handler: CommandHandler): CommandHandler => (ctx, argv) =>
  protectedActionAllowed(ctx, "enable-module-command") ? handler(ctx, argv) : ctx.reply.error(Errors.MODULE_NOT_ALLOWED)

/** parseLoadexArguments: undefined when the arguments are fine, else the notice Redis logs. */
export const loadexArgumentsError = (args: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (isOption(arg, "config")) {
      if (i + 2 >= args.length) return "CONFIG specified without name value pair"
      i += 2
    } else if (isOption(arg, "args")) {
      return undefined
    } else {
      return `Syntax Error from arguments to loadex around ${arg}.`
    }
  }
  return undefined
}

export const moduleCommandSpec = (log: { readonly warning: (line: string) => void; readonly notice: (line: string) => void }) =>
  defineCommand({
    name: "module",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for module commands", since: "4.0.0", group, complexity: "Depends on subcommand." },
    subcommands: [
      helpSubcommand({ since: "5.0.0", group }, [
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and optional arguments.",
        "UNLOAD <name>",
        "    Unload a module."
      ]),
      defineCommand({
        name: "list",
        arity: 2,
        flags: "admin noscript",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        tips: "nondeterministic_output_order",
        docs: { summary: "List all modules loaded by the server", since: "4.0.0", group, complexity: "O(N) where N is the number of loaded modules." },
        handler: (ctx) => ctx.reply.arrayHeader(0)
      }),
      defineCommand({
        name: "load",
        arity: -3,
        flags: "admin noscript no_async_loading",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        docs: { summary: "Load a module", since: "4.0.0", group, complexity: "O(1)" },
        handler: guarded((ctx, argv) => {
          log.warning(moduleLoadFailure(argv[2]!))
          ctx.reply.error(Errors.MODULE_LOAD_FAILED)
        })
      }),
      defineCommand({
        name: "loadex",
        arity: -3,
        flags: "admin noscript no_async_loading",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        docs: { summary: "Load a module with extended parameters", since: "7.0.0", group, complexity: "O(1)" },
        handler: guarded((ctx, argv) => {
          const error = loadexArgumentsError(argv.slice(3))
          if (error !== undefined) log.notice(error)
          else log.warning(moduleLoadFailure(argv[2]!))
          ctx.reply.error(Errors.MODULE_LOAD_FAILED)
        })
      }),
      defineCommand({
        name: "unload",
        arity: 3,
        flags: "admin noscript no_async_loading",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        docs: { summary: "Unload a module", since: "4.0.0", group, complexity: "O(1)" },
        handler: guarded((ctx) => ctx.reply.error(Errors.MODULE_UNLOAD_NO_SUCH))
      })
    ]
  })

/** MODULE's entry for what needs the table before the Layers. */
export const moduleCommands = [moduleCommandSpec({ warning: () => {}, notice: () => {} })]

/** The MODULE command, logging through the server's logger. */
export const ModulesLive: Layer.Layer<never, never, CommandRegistry> = Layer.effectDiscard(
  Effect.gen(function*() {
    const services = yield* Effect.context<never>()
    const log = {
      warning: (line: string): void => Effect.runSyncWith(services)(Effect.logWarning(line)),
      notice: (line: string): void => Effect.runSyncWith(services)(Effect.logInfo(line))
    }
    yield* CommandRegistry.contributeScoped((registry) => registry.addCommands([moduleCommandSpec(log)]))
  })
)

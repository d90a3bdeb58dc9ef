/** The HELP subcommand's reply, shared by every command that has one (addReplyHelp). */
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import { type CommandSpec, defineCommand } from "./CommandSpec.ts"

/**
 * An array of status lines: `<COMMAND> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
 * the command's own lines, then the HELP entry Redis appends to every help text. `command` is the
 * name as the client typed it (argv[0]); it is shown upper-cased.
 */
export const replyHelp = (reply: ReplyWriter, command: string, lines: ReadonlyArray<string>): void => {
  reply.arrayHeader(lines.length + 3)
  reply.simple(`${command.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)
  for (const line of lines) reply.simple(line)
  reply.simple("HELP")
  reply.simple("    Prints this help.")
}

/** The HELP subcommand of a container command: the same spec everywhere but for its docs and lines. */
export const helpSubcommand = (
  docs: { readonly since: string; readonly group: string; readonly summary?: string },
  lines: ReadonlyArray<string>,
  acl = "@slow"
): CommandSpec =>
  defineCommand({
    name: "help",
    arity: 2,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl,
    docs: { summary: docs.summary ?? "Show helpful text about the different subcommands", since: docs.since, group: docs.group, complexity: "O(1)" },
    handler: (ctx, argv) => replyHelp(ctx.reply, argv[0]!, lines)
  })

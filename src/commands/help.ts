/** The HELP subcommand's reply, shared by every command that has one (addReplyHelp). */
import type { ReplyWriter } from "../resp/ReplyWriter.ts"

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

/** String commands (t_string.c). */
import type { CommandContext } from "../server/CommandContext.ts"
import { NotifyClass } from "../keyspace/Keyspace.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "string"

/** The string value of a key for reading; replies WRONGTYPE and returns null for other types. */
export const readString = (ctx: CommandContext, key: string): string | undefined | null => {
  const value = ctx.db.lookupRead(key)
  if (value === undefined || typeof value === "string") return value
  ctx.reply.error(Errors.WRONGTYPE)
  return null
}

export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: "readonly fast",
    keys: [1, 1, 1],
    acl: "@read @string @fast",
    docs: { summary: "Get the value of a key", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => {
      const value = readString(ctx, argv[1]!)
      if (value !== null) ctx.reply.bulkOrNull(value)
    }
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: "write denyoom",
    keys: [1, 1, 1],
    acl: "@write @string @slow",
    docs: {
      summary: "Set the string value of a key",
      since: "1.0.0",
      group,
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      const key = argv[1]!
      ctx.db.set(key, argv[2]!)
      ctx.signalWrite(NotifyClass.string, "set", key)
      ctx.reply.ok()
    }
  })
]

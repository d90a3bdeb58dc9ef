/** MULTI, EXEC, DISCARD, WATCH, UNWATCH: optimistic transactions over per-key versions (see Engine). */
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "transactions"

export const transactionCommands = [
  defineCommand({
    name: "multi",
    arity: 1,
    flags: "noscript loading stale fast allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @transaction",
    docs: { summary: "Mark the start of a transaction block", since: "1.2.0", group, complexity: "O(1)" },
    handler: (ctx) => {
      if (ctx.client.multi !== undefined) return ctx.reply.error(Errors.MULTI_NESTED)
      ctx.client.multi = []
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "exec",
    arity: 1,
    flags: "noscript loading stale skip_slowlog",
    keys: [0, 0, 0],
    acl: "@slow @transaction",
    docs: {
      summary: "Execute all commands issued after MULTI",
      since: "1.2.0",
      group,
      complexity: "Depends on commands in the transaction"
    },
    handler: (ctx) => ctx.engine.exec(ctx.client)
  }),
  defineCommand({
    name: "discard",
    arity: 1,
    flags: "noscript loading stale fast allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @transaction",
    docs: {
      summary: "Discard all commands issued after MULTI",
      since: "2.0.0",
      group,
      complexity: "O(N), when N is the number of queued commands"
    },
    handler: (ctx) => {
      if (ctx.client.multi === undefined) return ctx.reply.error(Errors.DISCARD_WITHOUT_MULTI)
      ctx.engine.discard(ctx.client)
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "watch",
    arity: -2,
    flags: "noscript loading stale fast allow_busy",
    keys: [1, -1, 1],
    acl: "@fast @transaction",
    docs: {
      summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
      since: "2.2.0",
      group,
      complexity: "O(1) for every key."
    },
    handler: (ctx, argv) => {
      if (ctx.client.multi !== undefined) return ctx.reply.error(Errors.WATCH_IN_MULTI)
      ctx.engine.watch(ctx.client, argv.slice(1))
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "unwatch",
    arity: 1,
    flags: "noscript loading stale fast allow_busy",
    keys: [0, 0, 0],
    acl: "@fast @transaction",
    docs: { summary: "Forget about all watched keys", since: "2.2.0", group, complexity: "O(1)" },
    handler: (ctx) => {
      ctx.engine.unwatchAll(ctx.client)
      ctx.reply.ok()
    }
  })
]

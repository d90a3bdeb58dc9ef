/** Whole-database commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB (db.c). */
import type { CommandContext } from "../server/CommandContext.ts"
import { rangeIntArg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

const group = "server"

/** getFlushCommandFlags: no argument, SYNC or ASYNC (both flush at once here: there is no lazyfree thread). */
const flushArgsValid = (ctx: CommandContext, argv: ReadonlyArray<string>): boolean => {
  if (argv.length === 1) return true
  if (argv.length === 2) {
    const mode = argv[1]!.toLowerCase()
    if (mode === "sync" || mode === "async") return true
  }
  ctx.reply.error(Errors.SYNTAX)
  return false
}

export const databaseCommands = [
  defineCommand({
    name: "dbsize",
    arity: 1,
    flags: "readonly fast",
    keys: [0, 0, 0],
    acl: "@keyspace @read @fast",
    tips: "request_policy:all_shards response_policy:agg_sum",
    docs: { summary: "Return the number of keys in the selected database", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.integer(ctx.db.size)
  }),
  defineCommand({
    name: "flushdb",
    arity: -1,
    flags: "write",
    keys: [0, 0, 0],
    acl: "@keyspace @write @slow @dangerous",
    tips: "request_policy:all_shards response_policy:all_succeeded",
    docs: {
      summary: "Remove all keys from the current database",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the number of keys in the selected database"
    },
    handler: (ctx, argv) => {
      if (!flushArgsValid(ctx, argv)) return
      ctx.db.touchAll()
      ctx.keyspace.flushed()
      ctx.addDirty(ctx.db.clear())
      ctx.forcePropagation()
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "flushall",
    arity: -1,
    flags: "write",
    keys: [0, 0, 0],
    acl: "@keyspace @write @slow @dangerous",
    tips: "request_policy:all_shards response_policy:all_succeeded",
    docs: {
      summary: "Remove all keys from all databases",
      since: "1.0.0",
      group,
      complexity: "O(N) where N is the total number of keys in all databases"
    },
    handler: (ctx, argv) => {
      if (!flushArgsValid(ctx, argv)) return
      ctx.addDirty(ctx.keyspace.flushAll() + 1)
      ctx.forcePropagation()
      ctx.reply.ok()
    }
  }),
  defineCommand({
    name: "swapdb",
    arity: 3,
    flags: "write fast",
    keys: [0, 0, 0],
    acl: "@keyspace @write @fast @dangerous",
    docs: {
      summary: "Swaps two Redis databases",
      since: "4.0.0",
      group,
      complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases."
    },
    handler: (ctx, argv) => {
      const a = rangeIntArg(ctx.reply, argv[1]!, -2147483648, 2147483647, "ERR invalid first DB index")
      if (a === undefined) return
      const b = rangeIntArg(ctx.reply, argv[2]!, -2147483648, 2147483647, "ERR invalid second DB index")
      if (b === undefined) return
      const dbs = ctx.keyspace.dbs
      if (a < 0 || a >= dbs.length || b < 0 || b >= dbs.length) return ctx.reply.error(Errors.DB_INDEX_OUT_OF_RANGE)
      ctx.keyspace.swap(a, b)
      // Clients blocked on keys of either database may now find data (scanDatabaseForReadyKeys).
      for (const db of [dbs[a]!, dbs[b]!]) {
        for (const key of ctx.engine.waiters.blockedKeys(db)) if (db.exists(key)) ctx.keyspace.keyReady(db, key)
      }
      ctx.addDirty()
      ctx.reply.ok()
    }
  })
]

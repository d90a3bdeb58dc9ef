/**
 * Replication's commands that exist without replicas (replication.c): WAIT. The replication subsystem
 * gives the engine the count of replicas that acknowledged an offset (`engine.replicaAcks`) and signals
 * REPLICA_ACKS when acknowledgements arrive; until then no replica ever acknowledges.
 */
import { REPLICA_ACKS } from "../server/Engine.ts"
import { intArg, timeoutMsArg } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"

export const replicationCommands = [
  defineCommand({
    name: "wait",
    arity: 3,
    flags: "noscript",
    keys: [0, 0, 0],
    acl: "@slow @connection",
    tips: "request_policy:all_shards response_policy:agg_min",
    docs: {
      summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
      since: "3.0.0",
      group: "generic",
      complexity: "O(1)"
    },
    handler: (ctx, argv) => {
      if (ctx.keyspace.isReplica) return ctx.reply.error(Errors.WAIT_ON_REPLICA)
      const wanted = intArg(ctx.reply, argv[1]!)
      if (wanted === undefined) return
      const timeoutAt = timeoutMsArg(ctx.reply, argv[2]!, ctx.now)
      if (timeoutAt === undefined) return
      const engine = ctx.engine
      // the offset this client's writes reached: its last command before WAIT
      const offset = ctx.client.woff
      const acks = engine.replicaAcks(offset)
      if (acks >= wanted) return ctx.reply.integer(acks)
      // in a transaction the wait cannot happen: block() answers with onTimeout at once
      if (!ctx.denyBlocking) engine.requestReplicaAcks()
      return ctx.block({
        keys: [],
        condition: REPLICA_ACKS,
        timeoutAt,
        serve: () => {
          const now = engine.replicaAcks(offset)
          if (now < wanted) return false
          ctx.reply.integer(now)
          return true
        },
        onTimeout: () => ctx.reply.integer(engine.replicaAcks(offset))
      })
    }
  })
]

/** Pub/Sub commands (Redis's pubsub.c): SUBSCRIBE and friends, PUBLISH, SPUBLISH, PUBSUB. */
import { type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { helpSubcommand } from "../commands/help.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import type { PubSubState } from "./PubSub.ts"

const group = "pubsub"

const pubsubHelp = [
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)"
]

/** The commands, reaching the pub/sub state of the server they run on through `of`. */
export const pubsubCommands = (of: (ctx: CommandContext) => PubSubState): ReadonlyArray<CommandSpec> => [
  defineCommand({
    name: "subscribe",
    arity: -2,
    flags: "pubsub noscript loading stale",
    keys: [0, 0, 0],
    acl: "@pubsub @slow",
    docs: {
      summary: "Listen for messages published to the given channels",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of channels to subscribe to."
    },
    // Redis refuses SUBSCRIBE to a client that expects one reply per command (the in-process
    // connection, without a socket to stream to), MULTI excepted; scripts may not call it at all
    handler: (ctx, argv) => {
      if (ctx.client.output.sink === undefined) return ctx.reply.error(Errors.denyBlocking("SUBSCRIBE"))
      for (let i = 1; i < argv.length; i++) of(ctx).subscribe(ctx.client, argv[i]!, "channel")
    }
  }),
  defineCommand({
    name: "unsubscribe",
    arity: -1,
    flags: "pubsub noscript loading stale",
    keys: [0, 0, 0],
    acl: "@pubsub @slow",
    docs: {
      summary: "Stop listening for messages posted to the given channels",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of clients already subscribed to a channel."
    },
    handler: (ctx, argv) => {
      if (argv.length === 1) of(ctx).unsubscribeAll(ctx.client, "channel", true)
      else for (let i = 1; i < argv.length; i++) of(ctx).unsubscribe(ctx.client, argv[i]!, "channel", true)
    }
  }),
  defineCommand({
    name: "psubscribe",
    arity: -2,
    flags: "pubsub noscript loading stale",
    keys: [0, 0, 0],
    acl: "@pubsub @slow",
    docs: {
      summary: "Listen for messages published to channels matching the given patterns",
      since: "2.0.0",
      group,
      complexity: "O(N) where N is the number of patterns the client is already subscribed to."
    },
    handler: (ctx, argv) => {
      if (ctx.client.output.sink === undefined) return ctx.reply.error(Errors.denyBlocking("PSUBSCRIBE"))
      for (let i = 1; i < argv.length; i++) of(ctx).psubscribe(ctx.client, argv[i]!)
    }
  }),
  defineCommand({
    name: "punsubscribe",
    arity: -1,
    flags: "pubsub noscript loading stale",
    keys: [0, 0, 0],
    acl: "@pubsub @slow",
    docs: {
      summary: "Stop listening for messages posted to channels matching the given patterns",
      since: "2.0.0",
      group,
      complexity:
        "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."
    },
    handler: (ctx, argv) => {
      if (argv.length === 1) of(ctx).punsubscribeAll(ctx.client, true)
      else for (let i = 1; i < argv.length; i++) of(ctx).punsubscribe(ctx.client, argv[i]!, true)
    }
  }),
  defineCommand({
    name: "publish",
    arity: 3,
    flags: "pubsub loading stale fast may_replicate",
    keys: [0, 0, 0],
    acl: "@pubsub @fast",
    docs: {
      summary: "Post a message to a channel",
      since: "2.0.0",
      group,
      complexity:
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."
    },
    handler: (ctx, argv) => {
      const receivers = of(ctx).publish(argv[1]!, argv[2]!, "channel")
      // replicas deliver the message to their own subscribers (forceCommandPropagation PROPAGATE_REPL)
      ctx.forcePropagation()
      ctx.reply.integer(receivers)
    }
  }),
  defineCommand({
    name: "ssubscribe",
    arity: -2,
    flags: "pubsub noscript loading stale",
    keys: [1, -1, 1],
    notKey: true,
    acl: "@pubsub @slow",
    docs: {
      summary: "Listen for messages published to the given shard channels",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the number of shard channels to subscribe to."
    },
    handler: (ctx, argv) => {
      // unlike SUBSCRIBE, no exception for MULTI (Redis 7.0)
      if (ctx.denyBlocking || ctx.client.output.sink === undefined) return ctx.reply.error(Errors.denyBlocking("SSUBSCRIBE"))
      for (let i = 1; i < argv.length; i++) of(ctx).subscribe(ctx.client, argv[i]!, "shard")
    }
  }),
  defineCommand({
    name: "sunsubscribe",
    arity: -1,
    flags: "pubsub noscript loading stale",
    keys: [1, -1, 1],
    notKey: true,
    acl: "@pubsub @slow",
    docs: {
      summary: "Stop listening for messages posted to the given shard channels",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the number of clients already subscribed to a shard channel."
    },
    handler: (ctx, argv) => {
      if (argv.length === 1) of(ctx).unsubscribeAll(ctx.client, "shard", true)
      else for (let i = 1; i < argv.length; i++) of(ctx).unsubscribe(ctx.client, argv[i]!, "shard", true)
    }
  }),
  defineCommand({
    name: "spublish",
    arity: 3,
    flags: "pubsub loading stale fast may_replicate",
    keys: [1, 1, 1],
    notKey: true,
    acl: "@pubsub @fast",
    docs: {
      summary: "Post a message to a shard channel",
      since: "7.0.0",
      group,
      complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel."
    },
    handler: (ctx, argv) => {
      const receivers = of(ctx).publish(argv[1]!, argv[2]!, "shard")
      ctx.forcePropagation()
      ctx.reply.integer(receivers)
    }
  }),
  defineCommand({
    name: "pubsub",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for Pub/Sub commands", since: "2.8.0", group, complexity: "Depends on subcommand." },
    subcommands: [
      defineCommand({
        name: "channels",
        arity: -2,
        flags: "pubsub loading stale",
        keys: [0, 0, 0],
        acl: "@pubsub @slow",
        docs: {
          summary: "List active channels",
          since: "2.8.0",
          group,
          complexity:
            "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"
        },
        handler: (ctx, argv) => {
          if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
          ctx.reply.bulkArray(of(ctx).activeChannels("channel", argv[2]))
        }
      }),
      defineCommand({
        name: "numsub",
        arity: -2,
        flags: "pubsub loading stale",
        keys: [0, 0, 0],
        acl: "@pubsub @slow",
        docs: {
          summary: "Get the count of subscribers for channels",
          since: "2.8.0",
          group,
          complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels"
        },
        handler: (ctx, argv) => {
          ctx.reply.arrayHeader((argv.length - 2) * 2)
          for (let i = 2; i < argv.length; i++) {
            ctx.reply.bulk(argv[i]!)
            ctx.reply.integer(of(ctx).subscriberCount("channel", argv[i]!))
          }
        }
      }),
      defineCommand({
        name: "numpat",
        arity: 2,
        flags: "pubsub loading stale",
        keys: [0, 0, 0],
        acl: "@pubsub @slow",
        docs: { summary: "Get the count of unique patterns pattern subscriptions", since: "2.8.0", group, complexity: "O(1)" },
        handler: (ctx) => ctx.reply.integer(of(ctx).patterns.size)
      }),
      defineCommand({
        name: "shardchannels",
        arity: -2,
        flags: "pubsub loading stale",
        keys: [0, 0, 0],
        acl: "@pubsub @slow",
        docs: {
          summary: "List active shard channels",
          since: "7.0.0",
          group,
          complexity:
            "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."
        },
        handler: (ctx, argv) => {
          if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
          ctx.reply.bulkArray(of(ctx).activeChannels("shard", argv[2]))
        }
      }),
      defineCommand({
        name: "shardnumsub",
        arity: -2,
        flags: "pubsub loading stale",
        keys: [0, 0, 0],
        acl: "@pubsub @slow",
        docs: {
          summary: "Get the count of subscribers for shard channels",
          since: "7.0.0",
          group,
          complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"
        },
        handler: (ctx, argv) => {
          ctx.reply.arrayHeader((argv.length - 2) * 2)
          for (let i = 2; i < argv.length; i++) {
            ctx.reply.bulk(argv[i]!)
            ctx.reply.integer(of(ctx).subscriberCount("shard", argv[i]!))
          }
        }
      }),
      helpSubcommand({ since: "6.2.0", group }, pubsubHelp)
    ]
  })
]

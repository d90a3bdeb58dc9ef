/** XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS with Redis 7.0's fields. */
import {
  type ConsumerGroup,
  formatId,
  type IdMap,
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  type PendingEntry,
  type StreamId,
  type StreamValue
} from "../keyspace/StreamValue.ts"
import type { ReplyWriter } from "../resp/ReplyWriter.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { intArg, isOption } from "./args.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand } from "./help.ts"
import { cString, readStream, replyCounter, replyEntries, replyEntry } from "./streams-shared.ts"

const group = "stream"

/** The stream at argv[2] (lookupKeyReadOrReply with "no such key"), or undefined after an error reply. */
const infoStream = (ctx: CommandContext, argv: ReadonlyArray<string>): StreamValue | undefined => {
  const stream = readStream(ctx, argv[2]!)
  if (stream === null) return undefined
  if (stream === undefined) {
    ctx.reply.error(Errors.NO_SUCH_KEY)
    return undefined
  }
  return stream
}

/** The first `count` pending entries (all for 0), as XINFO STREAM FULL lists them. */
const pelHead = (pel: IdMap<PendingEntry>, count: number): Array<readonly [StreamId, PendingEntry]> => {
  const out: Array<readonly [StreamId, PendingEntry]> = []
  pel.forEachFrom(MIN_ID, (id, nack) => {
    if (count !== 0 && out.length >= count) return false
    out.push([id, nack])
  })
  return out
}

/** Groups in name order, as Redis's rax lists them. */
const sortedGroups = (stream: StreamValue): Array<ConsumerGroup> =>
  [...(stream.groups?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

/** last-delivered-id, entries-read and lag: where a group is, for XINFO GROUPS and STREAM FULL. */
const replyGroupProgress = (reply: ReplyWriter, stream: StreamValue, g: ConsumerGroup): void => {
  reply.bulk("last-delivered-id")
  reply.bulk(formatId(g.lastId))
  reply.bulk("entries-read")
  if (g.entriesRead === INVALID_ENTRIES_READ) reply.nullBulk()
  else reply.integer(g.entriesRead)
  reply.bulk("lag")
  const lag = stream.groupLag(g)
  if (lag === undefined) reply.nullBulk()
  else reply.integer(lag)
}

/** The fields XINFO STREAM and XINFO STREAM FULL share, in Redis's order. */
const replyStreamHeader = (reply: ReplyWriter, stream: StreamValue): void => {
  reply.bulk("length")
  reply.integer(stream.length)
  reply.bulk("radix-tree-keys")
  reply.integer(stream.nodeCount)
  reply.bulk("radix-tree-nodes")
  reply.integer(stream.raxNodeCount())
  reply.bulk("last-generated-id")
  reply.bulk(formatId(stream.lastId))
  reply.bulk("max-deleted-entry-id")
  reply.bulk(formatId(stream.maxDeletedId))
  reply.bulk("entries-added")
  replyCounter(reply, stream.entriesAdded)
  reply.bulk("recorded-first-entry-id")
  reply.bulk(formatId(stream.firstId))
}

const xinfoStream = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const stream = infoStream(ctx, argv)
  if (stream === undefined) return
  const reply = ctx.reply
  const options = argv.length - 3
  if (options === 0) {
    reply.mapHeader(10)
    replyStreamHeader(reply, stream)
    reply.bulk("groups")
    reply.integer(stream.groups?.size ?? 0)
    for (const [name, rev] of [["first-entry", false], ["last-entry", true]] as const) {
      reply.bulk(name)
      const edge = stream.range(MIN_ID, MAX_ID, 1, rev)[0]
      if (edge === undefined) reply.nullBulk()
      else replyEntry(reply, edge)
    }
    return
  }
  const syntaxError = () => reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
  if (options !== 1 && options !== 3) return syntaxError()
  if (!isOption(cString(argv[3]!), "full")) return syntaxError()
  // a negative COUNT means the default; 0 means everything
  let count = 10
  if (options === 3) {
    if (!isOption(cString(argv[4]!), "count")) return syntaxError()
    const n = intArg(reply, argv[5]!)
    if (n === undefined) return
    count = n < 0 ? 10 : n
  }
  reply.mapHeader(9)
  replyStreamHeader(reply, stream)
  reply.bulk("entries")
  replyEntries(reply, stream.range(MIN_ID, MAX_ID, count))
  reply.bulk("groups")
  const groups = sortedGroups(stream)
  reply.arrayHeader(groups.length)
  for (const g of groups) {
    reply.mapHeader(7)
    reply.bulk("name")
    reply.bulk(g.name)
    replyGroupProgress(reply, stream, g)
    reply.bulk("pel-count")
    reply.integer(g.pel.size)
    reply.bulk("pending")
    const pending = pelHead(g.pel, count)
    reply.arrayHeader(pending.length)
    for (const [id, nack] of pending) {
      reply.arrayHeader(4)
      reply.bulk(formatId(id))
      reply.bulk(nack.consumer!.name)
      reply.integer(nack.deliveryTime)
      replyCounter(reply, nack.deliveryCount)
    }
    reply.bulk("consumers")
    const consumers = g.sortedConsumers()
    reply.arrayHeader(consumers.length)
    for (const c of consumers) {
      reply.mapHeader(4)
      reply.bulk("name")
      reply.bulk(c.name)
      reply.bulk("seen-time")
      reply.integer(c.seenTime)
      reply.bulk("pel-count")
      reply.integer(c.pel.size)
      reply.bulk("pending")
      const own = pelHead(c.pel, count)
      reply.arrayHeader(own.length)
      for (const [id, nack] of own) {
        reply.arrayHeader(3)
        reply.bulk(formatId(id))
        reply.integer(nack.deliveryTime)
        replyCounter(reply, nack.deliveryCount)
      }
    }
  }
}

const xinfoGroups = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const stream = infoStream(ctx, argv)
  if (stream === undefined) return
  const reply = ctx.reply
  const groups = sortedGroups(stream)
  reply.arrayHeader(groups.length)
  for (const g of groups) {
    reply.mapHeader(6)
    reply.bulk("name")
    reply.bulk(g.name)
    reply.bulk("consumers")
    reply.integer(g.consumers.size)
    reply.bulk("pending")
    reply.integer(g.pel.size)
    replyGroupProgress(reply, stream, g)
  }
}

const xinfoConsumers = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  const stream = infoStream(ctx, argv)
  if (stream === undefined) return
  const reply = ctx.reply
  const found = stream.groups?.get(argv[3]!)
  if (found === undefined) return reply.error(Errors.noSuchGroupForKey(cString(argv[3]!), cString(argv[2]!)))
  const consumers = found.sortedConsumers()
  reply.arrayHeader(consumers.length)
  for (const c of consumers) {
    reply.mapHeader(3)
    reply.bulk("name")
    reply.bulk(c.name)
    reply.bulk("pending")
    reply.integer(c.pel.size)
    reply.bulk("idle")
    reply.integer(Math.max(0, ctx.now - c.seenTime))
  }
}

const XINFO_HELP = [
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream."
]

const info = (
  name: string,
  arity: number,
  summary: string,
  handler: (ctx: CommandContext, argv: ReadonlyArray<string>) => void,
  tips?: string
) =>
  defineCommand({
    name,
    arity,
    flags: "readonly",
    keys: [2, 2, 1],
    acl: "@read @stream @slow",
    ...(tips === undefined ? {} : { tips }),
    docs: { summary, since: "5.0.0", group, complexity: "O(1)" },
    handler
  })

export const xinfoCommand = defineCommand({
  name: "xinfo",
  arity: -2,
  flags: "",
  keys: [0, 0, 0],
  acl: "@slow",
  docs: { summary: "A container for stream introspection commands", since: "5.0.0", group, complexity: "Depends on subcommand." },
  subcommands: [
    info("stream", -3, "Get information about a stream", xinfoStream),
    info("groups", 3, "List the consumer groups of a stream", xinfoGroups),
    info("consumers", 4, "List the consumers in a consumer group", xinfoConsumers, "nondeterministic_output"),
    helpSubcommand({ since: "5.0.0", group }, XINFO_HELP, "@stream @slow")
  ]
})

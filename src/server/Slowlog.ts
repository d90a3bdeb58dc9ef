/**
 * SLOWLOG (slowlog.c): the commands whose execution took at least slowlog-log-slower-than microseconds
 * (negative: none, 0: all), newest first, at most slowlog-max-len of them. Each entry has an id (from
 * 0, never reused until restart), the unix time in seconds, the duration in microseconds, the command
 * line (at most 32 arguments, the last saying how many more there were; each argument cut at 128 bytes
 * with how many more there were; what a handler redacted shown as "(redacted)"), the client's address
 * and name. Durations are the engine's own per-command timing (INFO commandstats usec).
 *
 * A Layer: it contributes the SLOWLOG command and sets the engine's `slowCommandFeed` seam, which the
 * engine calls after each call() (and when a blocked command ends) once its duration reaches the
 * threshold; without interest the seam costs one comparison.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { rangeIntArg } from "../commands/args.ts"
import { type CommandHandler, type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { helpSubcommand } from "../commands/help.ts"
import { ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import type { Client, RuntimeCommand } from "./Client.ts"
import { CommandRegistry } from "./CommandRegistry.ts"
import { Engine, type EngineState } from "./Engine.ts"
import { LatencyMonitor, latencyEntry } from "./Latency.ts"

const MAX_ARGC = 32
const MAX_STRING = 128

export interface SlowlogEntry {
  readonly id: number
  readonly time: number
  readonly duration: number
  readonly argv: ReadonlyArray<string>
  readonly peer: string
  readonly name: string
}

/** slowlogCreateEntry's copy of the command line: argument count and lengths bounded. */
const loggedArguments = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const argc = Math.min(argv.length, MAX_ARGC)
  const out: Array<string> = new Array(argc)
  for (let j = 0; j < argc; j++) {
    if (argc !== argv.length && j === argc - 1) {
      out[j] = `... (${argv.length - argc + 1} more arguments)`
    } else {
      const arg = argv[j]!
      out[j] = arg.length > MAX_STRING ? `${arg.slice(0, MAX_STRING)}... (${arg.length - MAX_STRING} more bytes)` : arg
    }
  }
  return out
}

/** The slow log and its settings. */
export class Slowlog {
  /** Newest first. */
  readonly entries: Array<SlowlogEntry> = []
  private nextId = 0
  slowerThan = 10000
  maxLength = 128
  private readonly engine: EngineState

  constructor(engine: EngineState) {
    this.engine = engine
  }

  /** slowlogPushEntryIfNeeded (the engine has checked the duration against the lowest threshold). */
  push(client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, usec: number): void {
    if (this.slowerThan < 0 || usec < this.slowerThan) return
    if (command.spec.flags.includes("skip_slowlog") || command.parent?.spec.flags.includes("skip_slowlog") === true) return
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(this.engine.keyspace.now / 1000),
      duration: usec,
      argv: loggedArguments(argv),
      peer: client.kind === "script" ? "lua" : client.addr,
      name: client.name
    })
    this.trim()
  }

  trim(): void {
    if (this.entries.length > this.maxLength) this.entries.length = Math.max(0, this.maxLength)
  }

  readonly get: CommandHandler = (ctx, argv) => {
    if (argv.length > 3) return ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
    let count = 10
    if (argv.length === 3) {
      const n = rangeIntArg(ctx.reply, argv[2]!, -1, Number.MAX_SAFE_INTEGER, Errors.SLOWLOG_COUNT)
      if (n === undefined) return
      count = n === -1 ? this.entries.length : n
    }
    const sent = Math.min(count, this.entries.length)
    const reply = ctx.reply
    reply.arrayHeader(sent)
    for (let i = 0; i < sent; i++) {
      const e = this.entries[i]!
      reply.arrayHeader(6)
      reply.integer(e.id)
      reply.integer(e.time)
      reply.integer(e.duration)
      reply.bulkArray(e.argv)
      reply.bulk(e.peer)
      reply.bulk(e.name)
    }
  }
}

const slowlogTips = {
  len: "request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
  reset: "request_policy:all_nodes response_policy:all_succeeded",
  get: "request_policy:all_nodes nondeterministic_output"
}

/** SLOWLOG's table entry (COMMAND INFO as Redis 7.0's); handlers are the Layer's. */
const slowlogEntry = (log?: Slowlog): CommandSpec =>
  defineCommand({
    name: "slowlog",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for slow log commands", since: "2.2.12", group: "server", complexity: "Depends on subcommand." },
    subcommands: [
      defineCommand({
        name: "get",
        arity: -2,
        flags: "admin loading stale",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        tips: slowlogTips.get,
        docs: { summary: "Get the slow log's entries", since: "2.2.12", group: "server", complexity: "O(N) where N is the number of entries returned" },
        ...(log === undefined ? {} : { handler: log.get })
      }),
      defineCommand({
        name: "len",
        arity: 2,
        flags: "admin loading stale",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        tips: slowlogTips.len,
        docs: { summary: "Get the slow log's length", since: "2.2.12", group: "server", complexity: "O(1)" },
        ...(log === undefined ? {} : { handler: (ctx) => ctx.reply.integer(log.entries.length) })
      }),
      defineCommand({
        name: "reset",
        arity: 2,
        flags: "admin loading stale",
        keys: [0, 0, 0],
        acl: "@admin @slow @dangerous",
        tips: slowlogTips.reset,
        docs: { summary: "Clear all entries from the slow log", since: "2.2.12", group: "server", complexity: "O(N) where N is the number of entries in the slowlog" },
        ...(log === undefined ? {} : {
          handler: (ctx) => {
            log.entries.length = 0
            ctx.reply.ok()
          }
        })
      }),
      helpSubcommand({ since: "6.2.0", group: "server" }, [
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog."
      ])
    ]
  })

/** The commands this module's Layer adds (for those that need the names before any Layer is built). */
export const slowlogCommands: ReadonlyArray<CommandSpec> = [slowlogEntry(), latencyEntry()]

/**
 * SLOWLOG and LATENCY, contributed to the registry for the Layer's lifetime, with the engine's slow
 * command seam set to the lower of their thresholds.
 */
export const SlowlogLive: Layer.Layer<never, never, Engine | CommandRegistry | ServerConfig> = Layer.effectDiscard(
  Effect.gen(function*() {
    const engine = yield* Engine
    const config = yield* ServerConfig
    const log = new Slowlog(engine)
    const latency = new LatencyMonitor(engine)
    const update = (): void => {
      const slowlog = log.slowerThan < 0 ? Infinity : log.slowerThan
      const monitor = latency.thresholdMs > 0 ? latency.thresholdMs * 1000 : Infinity
      engine.slowCommandMinUsec = Math.min(slowlog, monitor)
      engine.slowCommandFeed = engine.slowCommandMinUsec === Infinity ? undefined : feed
    }
    const feed = (client: Client, command: RuntimeCommand, argv: ReadonlyArray<string>, usec: number): void => {
      latency.commandSample(command, usec)
      log.push(client, command, argv, usec)
    }
    yield* watchScoped(config, "slowlog-log-slower-than", (v) => {
      log.slowerThan = Number(v)
      update()
    })
    yield* watchScoped(config, "slowlog-max-len", (v) => {
      log.maxLength = Number(v)
      log.trim()
    })
    engine.keyspace.latencySample = (event, ms) => {
      if (latency.thresholdMs > 0 && ms >= latency.thresholdMs) latency.add(event, ms)
    }
    yield* watchScoped(config, "latency-tracking", (v) => {
      engine.latencyTracking = v === "yes"
    })
    engine.latencyTracking = config.getBool("latency-tracking")
    yield* watchScoped(config, "latency-monitor-threshold", (v) => {
      latency.thresholdMs = Number(v)
      update()
    })
    log.slowerThan = config.getNumber("slowlog-log-slower-than")
    log.maxLength = config.getNumber("slowlog-max-len")
    latency.thresholdMs = config.getNumber("latency-monitor-threshold")
    update()
    yield* CommandRegistry.contributeScoped((registry) => {
      const remove = registry.addCommands([slowlogEntry(log), latencyEntry(latency)])
      return () => {
        remove()
        engine.slowCommandFeed = undefined
        engine.slowCommandMinUsec = Infinity
        engine.latencyTracking = false
        engine.keyspace.latencySample = () => {}
      }
    })
  })
)

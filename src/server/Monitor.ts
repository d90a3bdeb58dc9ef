/**
 * MONITOR (server.c monitorCommand, replication.c replicationFeedMonitors): a client that sends it
 * receives, from then on, every command the server executes as a status line
 *
 *     +<unix seconds>.<micros> [<db> <addr>] "arg" "arg" ...
 *
 * with the arguments quoted as sdscatrepr does and the address of the client that ran it ("lua" for a
 * script's commands). What is shown is decided as Redis's call() decides it: commands are shown once
 * executed (a blocking command when it blocks, not when it is served; EXEC's queued commands when EXEC
 * runs them, then EXEC), never admin or skip_monitor commands, nothing while a file loads, and
 * arguments a handler redacted (AUTH's password) as "(redacted)".
 *
 * A monitor is a replica-like client (Redis's CLIENT_SLAVE|CLIENT_MONITOR): flag O in CLIENT LIST, of
 * type and output class normal, refused commands that touch the keyspace, never paused; MONITOR again
 * is ignored without a reply, and RESET leaves monitor mode.
 *
 * The feature is a Layer: it contributes the command and a client-reset hook to the registry, and sets
 * the engine's `monitorFeed` only while some client monitors.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type CommandHandler, type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { quoteRepr } from "../util/repr.ts"
import type { Client, RuntimeCommand } from "./Client.ts"
import { CommandRegistry } from "./CommandRegistry.ts"
import { Engine, type EngineState, type MonitorFeed } from "./Engine.ts"

/** MONITOR's table entry (COMMAND INFO as Redis 7.0's); the handler is the Layer's. */
const monitorEntry = (handler?: CommandHandler): CommandSpec =>
  defineCommand({
    name: "monitor",
    arity: 1,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Listen for all requests received by the server in real time", since: "1.0.0", group: "server" },
    ...(handler === undefined ? {} : { handler })
  })

/** The commands the MONITOR Layer adds (for those that need the names before any Layer is built). */
export const monitorCommands: ReadonlyArray<CommandSpec> = [monitorEntry()]

/** The clients in monitor mode, and the feed the engine calls while there are any. */
export class Monitors {
  /** In the order they sent MONITOR (Redis's server.monitors list), each fed in turn. */
  readonly clients: Array<Client> = []
  private readonly engine: EngineState
  private readonly clock: Clock.Clock

  constructor(engine: EngineState, clock: Clock.Clock) {
    this.engine = engine
    this.clock = clock
  }

  /** monitorCommand. */
  readonly command: CommandHandler = (ctx) => {
    const client = ctx.client
    // a client that expects one reply per command cannot take a stream: EXEC's queue and scripts (Redis's
    // CLIENT_DENY_BLOCKING), and the in-process RedisConnection, which has no socket to stream to
    if (ctx.denyBlocking || client.output.sink === undefined) return ctx.reply.error(Errors.MONITOR_DENY_BLOCKING)
    // already a replica or a monitor: ignored, without a reply
    if (client.replicaMode !== undefined) return
    client.replicaMode = "monitor"
    this.clients.push(client)
    this.engine.monitorFeed = this.feed
    ctx.reply.ok()
  }

  /** RESET, or the client is gone: out of monitor mode (clearClientConnectionState, unlinkClient). */
  readonly onReset = (client: Client): void => {
    if (client.replicaMode !== "monitor") return
    client.replicaMode = undefined
    const i = this.clients.indexOf(client)
    if (i !== -1) this.clients.splice(i, 1)
    if (this.clients.length === 0) this.engine.monitorFeed = undefined
  }

  /** The Layer is released: nobody monitors any more. */
  close(): void {
    for (const client of this.clients) client.replicaMode = undefined
    this.clients.length = 0
    this.engine.monitorFeed = undefined
  }

  /** call()'s rule (admin and skip_monitor commands are too dangerous to show), then replicationFeedMonitors. */
  private readonly feed: MonitorFeed = (client, command, argv, explicit) => {
    if ((explicit !== true && !shown(command)) || this.engine.loading) return
    let line = `+${formatMicros(this.micros())} [${client.db.id} ${this.address(client)}]`
    for (let i = 0; i < argv.length; i++) line += " " + quoteRepr(argv[i]!)
    line += "\r\n"
    for (const monitor of this.clients) {
      // CLIENT REPLY OFF drops the lines, and so does SKIP from the command after CLIENT REPLY SKIP (a
      // monitor's own CLIENT REPLY SKIP is still shown to it) to the end of its next command
      const mode = monitor.output.mode
      if (mode === "off" || mode === "skipping" || (mode === "skip" && monitor !== client)) continue
      monitor.reply.raw(line)
      // sent with every other outside write once the loop turn ends, through the monitor's output
      // channel: over its client-output-buffer-limit (class normal, as Redis's getClientType makes
      // monitors) it is closed with Redis's log line; a full socket keeps the lines, counted, until it drains
      this.engine.wakeLater(monitor)
    }
  }

  /**
   * The line's time in unix microseconds. Redis reads gettimeofday for each line; here the time is the
   * batch's (`keyspace.now`, unix ms read once per batch from Effect's Clock), and only the digits below
   * the millisecond come from the same Clock's nanosecond time (`currentTimeNanosUnsafe`: wall time at
   * sub-millisecond resolution under the live Clock, exactly ms * 1e6 under TestClock), clamped into
   * the batch's millisecond. So a line agrees to the millisecond with every other time the batch
   * reports, lines stay in order, and under TestClock the time is exact (microseconds 000).
   */
  private micros(): number {
    const base = this.engine.keyspace.now * 1000
    const us = Number(this.clock.currentTimeNanosUnsafe() / 1000n)
    return us < base ? base : us > base + 999 ? base + 999 : us
  }

  /** "lua" for a script's commands, "unix:<unixsocket>" for a Unix socket peer, else ip:port. */
  private address(client: Client): string {
    if (client.kind === "script") return "lua"
    // Redis names a Unix socket peer "/unixsocket:0" (anetFdToString), never an ip:port; the listener
    // has no Unix socket yet, so this applies once it does
    if (client.addr.startsWith("/")) return `unix:${this.engine.config.get("unixsocket") ?? ""}`
    return client.addr
  }
}

/** Not admin, not skip_monitor (EVAL's family: a script's commands are shown instead). */
const shown = (command: RuntimeCommand): boolean => {
  const flags = command.spec.flags
  return !flags.includes("admin") && !flags.includes("skip_monitor")
}

/** "%ld.%06ld" of seconds and microseconds. */
export const formatMicros = (us: number): string => {
  const seconds = Math.floor(us / 1_000_000)
  const micros = us - seconds * 1_000_000
  return `${seconds}.${String(micros).padStart(6, "0")}`
}

/** MONITOR, contributed to the registry for the Layer's lifetime. */
export const MonitorLive: Layer.Layer<never, never, Engine | CommandRegistry> = Layer.effectDiscard(
  Effect.gen(function*() {
    const engine = yield* Engine
    const clock = yield* Clock.Clock
    const monitors = new Monitors(engine, clock)
    yield* CommandRegistry.contributeScoped((registry) => {
      const removeCommand = registry.addCommands([monitorEntry(monitors.command)])
      const removeHook = registry.onClientReset(monitors.onReset)
      return () => {
        removeCommand()
        removeHook()
        monitors.close()
      }
    })
  })
)

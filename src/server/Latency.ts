/**
 * LATENCY (latency.c, sparkline.c): with latency-monitor-threshold set (milliseconds, 0 = off), every
 * command that ran at least that long adds a sample to the "command" event ("fast-command" for
 * commands flagged fast). Each event keeps its 160 latest samples, one per second (the highest of a
 * second wins), and its all-time maximum. LATEST, HISTORY, RESET, GRAPH (the sparkline), DOCTOR (the
 * report and its advice) and HELP answer as Redis's. HISTOGRAM answers from the per-command
 * histograms latency-tracking keeps (LatencyHistogram.ts).
 */
import { defineCommand, type CommandSpec } from "../commands/CommandSpec.ts"
import * as Errors from "../commands/errors.ts"
import { helpSubcommand } from "../commands/help.ts"
import { optionName } from "../commands/args.ts"
import { lookupCommandByName } from "../commands/introspection.ts"
import { runtimeCommands } from "./info.ts"
import type { RuntimeCommand } from "./Client.ts"
import type { EngineState } from "./Engine.ts"

const SAMPLES = 160

interface TimeSeries {
  idx: number
  max: number
  readonly time: Float64Array
  readonly latency: Float64Array
}

/** The latency events, in the order they first happened. */
export class LatencyMonitor {
  readonly events = new Map<string, TimeSeries>()
  thresholdMs = 0
  private readonly engine: EngineState

  constructor(engine: EngineState) {
    this.engine = engine
  }

  private now(): number {
    return Math.floor(this.engine.keyspace.now / 1000)
  }

  /** call()'s latencyAddSampleIfNeeded for a command that ran `usec` microseconds. */
  commandSample(command: RuntimeCommand, usec: number): void {
    const ms = Math.floor(usec / 1000)
    if (this.thresholdMs === 0 || ms < this.thresholdMs) return
    const fast = command.spec.flags.includes("fast")
    this.add(fast ? "fast-command" : "command", ms)
  }

  /** latencyAddSample. */
  add(event: string, ms: number): void {
    let ts = this.events.get(event)
    if (ts === undefined) {
      ts = { idx: 0, max: 0, time: new Float64Array(SAMPLES), latency: new Float64Array(SAMPLES) }
      this.events.set(event, ts)
    }
    if (ms > ts.max) ts.max = ms
    const now = this.now()
    const prev = (ts.idx + SAMPLES - 1) % SAMPLES
    if (ts.time[prev] === now) {
      if (ms > ts.latency[prev]!) ts.latency[prev] = ms
      return
    }
    ts.time[ts.idx] = now
    ts.latency[ts.idx] = ms
    ts.idx = (ts.idx + 1) % SAMPLES
  }

  /** latencyResetEvent: every event, or those named (case-insensitive); how many were removed. */
  reset(event: string | undefined): number {
    let resets = 0
    for (const name of [...this.events.keys()]) {
      if (event === undefined || name.toLowerCase() === optionName(event)) {
        this.events.delete(name)
        resets++
      }
    }
    return resets
  }

  /** The samples of an event, oldest first. */
  samples(ts: TimeSeries): Array<readonly [number, number]> {
    const out: Array<readonly [number, number]> = []
    for (let j = 0; j < SAMPLES; j++) {
      const i = (ts.idx + j) % SAMPLES
      if (ts.time[i] !== 0) out.push([ts.time[i]!, ts.latency[i]!])
    }
    return out
  }

  /** latencyCommandGenSparkeline. */
  graph(event: string, ts: TimeSeries): string {
    const samples = this.samples(ts)
    let min = 0
    let max = 0
    const labels: Array<string> = []
    const values: Array<number> = []
    const now = this.now()
    for (const [time, latency] of samples) {
      if (values.length === 0) min = max = latency
      else {
        if (latency > max) max = latency
        if (latency < min) min = latency
      }
      const elapsed = now - time
      labels.push(
        elapsed < 60 ? `${elapsed}s` : elapsed < 3600 ? `${Math.floor(elapsed / 60)}m` : elapsed < 86400 ? `${Math.floor(elapsed / 3600)}h` : `${Math.floor(elapsed / 86400)}d`
      )
      values.push(latency)
    }
    let out = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${"-".repeat(80)}\n`
    out += sparkline(values, labels, 80, 4)
    return out
  }

  /** createLatencyReport. */
  doctor(): string {
    if (this.events.size === 0 && this.thresholdMs === 0) {
      return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
    }
    let report = ""
    let advices = 0
    const advise = { slowlogEnabled: false, slowlogTuning: false, slowlogInspect: false, scheduler: false, hz: false, largeObjects: false, massEviction: false }
    const slowerThan = this.engine.config.getNumber("slowlog-log-slower-than")
    let eventnum = 0
    const now = this.now()
    for (const [event, ts] of this.events) {
      eventnum++
      if (eventnum === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
      // analyzeLatencyForEvent
      let samples = 0
      let sum = 0
      let period = 0
      for (let j = 0; j < SAMPLES; j++) {
        if (ts.time[j] === 0) continue
        samples++
        sum += ts.latency[j]!
        if (period === 0 || ts.time[j]! < period) period = ts.time[j]!
      }
      let avg = 0
      if (samples > 0) {
        avg = Math.floor(sum / samples)
        period = now - period
        if (period === 0) period = 1
      }
      let deviation = 0
      for (let j = 0; j < SAMPLES; j++) if (ts.time[j] !== 0) deviation += Math.abs(avg - ts.latency[j]!)
      const mad = samples > 0 ? Math.floor(deviation / samples) : 0
      report += `${eventnum}. ${event}: ${samples} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / samples).toFixed(2)} sec). Worst all time event ${ts.max}ms.`
      const name = event.toLowerCase()
      if (name === "command") {
        if (slowerThan < 0) {
          advise.slowlogEnabled = true
          advices++
        } else if (Math.trunc(slowerThan / 1000) > this.thresholdMs) {
          advise.slowlogTuning = true
          advices++
        }
        advise.slowlogInspect = true
        advise.largeObjects = true
        advices += 2
      }
      if (name === "fast-command") {
        advise.scheduler = true
        advices++
      }
      if (name === "expire-cycle") {
        advise.hz = true
        advise.largeObjects = true
        advices += 2
      }
      if (name === "eviction-del") {
        advise.largeObjects = true
        advices++
      }
      if (name === "eviction-cycle") {
        advise.massEviction = true
        advices++
      }
      report += "\n"
    }
    if (eventnum === 0 && advices === 0) {
      return report + "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
    }
    if (eventnum > 0 && advices === 0) {
      return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
    }
    report += "\nI have a few advices for you:\n\n"
    if (advise.slowlogEnabled) {
      report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${this.thresholdMs * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`
    }
    if (advise.slowlogTuning) {
      report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${this.thresholdMs * 1000}'.\n`
    }
    if (advise.slowlogInspect) {
      report += "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"
    }
    if (advise.scheduler) {
      report += "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
        "  1) Lower the system load.\n" +
        "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
        "  3) Check if you have a \"noisy neighbour\" problem.\n" +
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
        "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n"
    }
    if (advise.hz && this.engine.config.getNumber("hz") < 100) {
      report += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"
    }
    if (advise.largeObjects) {
      report += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"
    }
    if (advise.massEviction) {
      report += "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n"
    }
    return report
  }
}

const CHARSET = "_-`"
const CHARSET_FILL = "_o#"

/** sparklineRender with SPARKLINE_FILL: `rows` rows of bars per `columns` samples, labels below. */
const sparkline = (values: ReadonlyArray<number>, labels: ReadonlyArray<string>, columns: number, rows: number): string => {
  let out = ""
  if (values.length === 0) return out
  let min = values[0]!
  let max = values[0]!
  for (const v of values) {
    if (v < min) min = v
    else if (v > max) max = v
  }
  const relmax = max - min === 0 ? 1 : max - min
  const steps = CHARSET.length * rows
  for (let offset = 0; offset < values.length; offset += columns) {
    const len = Math.min(columns, values.length - offset)
    if (offset !== 0) out += "\n"
    for (let row = 0;; row++) {
      let loop = false
      const chars = new Array<string>(len).fill(" ")
      for (let j = 0; j < len; j++) {
        let step = Math.trunc(Math.trunc((values[offset + j]! - min) * steps) / relmax)
        if (step < 0) step = 0
        if (step >= steps) step = steps - 1
        if (row < rows) {
          const charidx = step - (rows - row - 1) * CHARSET.length
          loop = true
          if (charidx >= 0 && charidx < CHARSET.length) chars[j] = CHARSET_FILL[charidx]!
          else if (charidx >= CHARSET.length) chars[j] = "|"
        } else {
          // a blank line between the bars and the labels
          if (row - rows < 1) {
            loop = true
            break
          }
          const label = labels[offset + j]!
          const at = row - rows - 1
          if (label.length > at) {
            loop = true
            chars[j] = label[at]!
          }
        }
      }
      if (!loop) break
      out += chars.join("") + "\n"
    }
  }
  return out
}

const tips = "nondeterministic_output request_policy:all_nodes response_policy:special"

/** LATENCY's table entry (COMMAND INFO as Redis 7.0's); handlers need the monitor of the Layer. */
export const latencyEntry = (monitor?: LatencyMonitor): CommandSpec => {
  const sub = (
    name: string,
    arity: number,
    summary: string,
    handler: Parameters<typeof defineCommand>[0]["handler"],
    options: { readonly tips?: string; readonly complexity?: string; readonly since?: string } = {}
  ) =>
    defineCommand({
      name,
      arity,
      flags: "admin noscript loading stale",
      keys: [0, 0, 0],
      acl: "@admin @slow @dangerous",
      tips: options.tips ?? tips,
      docs: { summary, since: options.since ?? "2.8.13", group: "server", complexity: options.complexity ?? "O(1)" },
      ...(monitor === undefined || handler === undefined ? {} : { handler })
    })
  const m = monitor!
  return defineCommand({
    name: "latency",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: { summary: "A container for latency diagnostics commands", since: "2.8.13", group: "server", complexity: "Depends on subcommand." },
    subcommands: [
      sub("latest", 2, "Return the latest latency samples for all events.", (ctx) => {
        ctx.reply.arrayHeader(m.events.size)
        for (const [event, ts] of m.events) {
          const last = (ts.idx + SAMPLES - 1) % SAMPLES
          ctx.reply.arrayHeader(4)
          ctx.reply.bulk(event)
          ctx.reply.integer(ts.time[last]!)
          ctx.reply.integer(ts.latency[last]!)
          ctx.reply.integer(ts.max)
        }
      }),
      sub("history", 3, "Return timestamp-latency samples for the event.", (ctx, argv) => {
        const ts = m.events.get(argv[2]!)
        const samples = ts === undefined ? [] : m.samples(ts)
        ctx.reply.arrayHeader(samples.length)
        for (const [time, latency] of samples) {
          ctx.reply.arrayHeader(2)
          ctx.reply.integer(time)
          ctx.reply.integer(latency)
        }
      }),
      sub("reset", -2, "Reset latency data for one or more events.", (ctx, argv) => {
        if (argv.length === 2) return ctx.reply.integer(m.reset(undefined))
        let resets = 0
        for (let j = 2; j < argv.length; j++) resets += m.reset(argv[j]!)
        ctx.reply.integer(resets)
      }, { tips: "request_policy:all_nodes response_policy:all_succeeded" }),
      sub("doctor", 2, "Return a human readable latency analysis report.", (ctx) => ctx.reply.verbatim(m.doctor())),
      sub("graph", 3, "Return a latency graph for the event.", (ctx, argv) => {
        const ts = m.events.get(argv[2]!)
        if (ts === undefined) return ctx.reply.error(Errors.latencyNoSamples(argv[2]!))
        ctx.reply.verbatim(m.graph(argv[2]!, ts))
      }),
      sub("histogram", -2, "Return the cumulative distribution of latencies of a subset of commands or all.", (ctx, argv) => {
        // every command (and subcommand) with data, or those named: a name that is a container
        // command also brings its subcommands; unknown names are skipped
        const named: Array<RuntimeCommand> = []
        if (argv.length === 2) named.push(...runtimeCommands(ctx.engine))
        else {
          for (let j = 2; j < argv.length; j++) {
            const command = lookupCommandByName(ctx.engine, argv[j]!)
            if (command === undefined) continue
            named.push(command)
            if (command.subcommands !== undefined) named.push(...command.subcommands.values())
          }
        }
        const withData = named.filter((c) => c.latency !== undefined)
        ctx.reply.mapHeader(withData.length)
        for (const command of withData) {
          const histogram = command.latency!
          ctx.reply.bulk(command.fullName)
          ctx.reply.mapHeader(2)
          ctx.reply.bulk("calls")
          ctx.reply.integer(histogram.total)
          ctx.reply.bulk("histogram_usec")
          const buckets = histogram.cumulative()
          ctx.reply.mapHeader(buckets.length)
          for (const [usec, count] of buckets) {
            ctx.reply.integer(usec)
            ctx.reply.integer(count)
          }
        }
      }, { since: "7.0.0", complexity: "O(N) where N is the number of commands with latency information being retrieved." }),
      helpSubcommand({ since: "2.8.13", group: "server", summary: "Show helpful text about the different subcommands." }, [
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied."
      ])
    ]
  })
}

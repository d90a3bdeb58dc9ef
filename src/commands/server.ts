/**
 * Server commands: INFO, TIME, MEMORY, DEBUG (server.c, object.c, debug.c), plus CLIENT (client.ts)
 * and COMMAND (introspection.ts), which the table gets through `serverCommands`.
 */
import { ByteString, StoredString } from "../keyspace/StoredString.ts"
import type { Value } from "../keyspace/Value.ts"
import { stringEncoding } from "../keyspace/Value.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { memoryOverhead, renderInfo, selectSections } from "../server/info.ts"
import { writeLogLine } from "../server/log.ts"
import { intArg, isOption } from "./args.ts"
import { clientCommands } from "./client.ts"
import { datasetDigest, valueDigest } from "./digest.ts"
import { debugObject } from "./keys.ts"
import { defineCommand } from "./CommandSpec.ts"
import * as Errors from "./errors.ts"
import { helpSubcommand, replyHelp } from "./help.ts"
import { introspectionCommands } from "./introspection.ts"

const group = "server"

// --- MEMORY --------------------------------------------------------------------------------------------

/** jemalloc's size class for an allocation of `n` bytes (16-byte quantum, four classes per doubling). */
export const jemallocSize = (n: number): number => {
  if (n <= 8) return 8
  if (n <= 128) return Math.ceil(n / 16) * 16
  const delta = 2 ** (Math.ceil(Math.log2(n)) - 3)
  return Math.ceil(n / delta) * delta
}

/** Header size of the sds type sdsnewlen picks for a string of `len` bytes. */
const sdsHeader = (len: number): number => {
  if (len < 32) return len === 0 ? 3 : 1
  if (len < 256) return 3
  if (len < 65536) return 5
  if (len < 2 ** 32) return 9
  return 17
}

/** sdsZmallocSize of a freshly created sds string. */
const sdsAllocSize = (len: number): number => jemallocSize(sdsHeader(len) + len + 1)

const ROBJ_SIZE = 16
const DICT_ENTRY_SIZE = 24

/**
 * Bytes Redis 7.0 accounts for a string value (objectComputeSize): an integer lives in the object
 * itself, an embstr shares one allocation with it, a raw string has its own sds.
 */
const stringValueSize = (value: string): number => {
  switch (stringEncoding(value)) {
    case "int":
      return ROBJ_SIZE
    case "embstr":
      return jemallocSize(ROBJ_SIZE + 3 + value.length + 1)
    default:
      return sdsAllocSize(value.length) + ROBJ_SIZE
  }
}

/**
 * MEMORY USAGE's figure for a key: the value, the key's sds and the dict entry. Strings follow Redis's
 * allocation sizes exactly; aggregates report their module's estimate (`memoryUsage()`), which does
 * not sample, so SAMPLES is validated but does not change the result.
 */
export const keyMemoryUsage = (key: string, value: Value | ByteString): number =>
  (typeof value === "string"
    ? stringValueSize(value)
    : value instanceof ByteString
    ? value.raw ? sdsAllocSize(value.length) + ROBJ_SIZE : stringValueSize(value.toString())
    : value.memoryUsage()) + sdsAllocSize(key.length) + DICT_ENTRY_SIZE

const memoryUsage = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  for (let j = 3; j < argv.length; j++) {
    if (isOption(argv[j]!, "samples") && j + 1 < argv.length) {
      const samples = intArg(ctx.reply, argv[j + 1]!)
      if (samples === undefined) return
      if (samples < 0) return ctx.reply.error(Errors.SYNTAX)
      j++
    } else {
      return ctx.reply.error(Errors.SYNTAX)
    }
  }
  // dictFind, as Redis does: no lazy expiry, no keyspace hit or miss
  const stored = ctx.db.entries.get(argv[2]!)
  if (stored === undefined) return ctx.reply.nullBulk()
  // a string changed in place (raw) has an sds of its own; its form here is not turned into a string
  ctx.reply.integer(keyMemoryUsage(argv[2]!, stored instanceof StoredString ? stored.value : stored))
}

/** Redis's stats come out as C floats printed with %.17g; round through a float32 the same way. */
const floatStat = (ctx: CommandContext, x: number): void => ctx.reply.double(Math.fround(x))

const memoryStats = (ctx: CommandContext): void => {
  const mh = memoryOverhead(ctx.engine)
  const r = ctx.reply
  const allocated = mh.heapUsed
  const active = Math.max(mh.heapTotal, allocated)
  const resident = Math.max(mh.rss, active)
  r.mapHeader(27 + mh.dbs.length)
  const int = (name: string, n: number) => {
    r.bulk(name)
    r.integer(n)
  }
  int("peak.allocated", mh.peak)
  int("total.allocated", mh.used)
  int("startup.allocated", mh.startup)
  int("replication.backlog", 0)
  int("clients.slaves", 0)
  int("clients.normal", mh.clientsNormal)
  int("cluster.links", 0)
  int("aof.buffer", 0)
  int("lua.caches", 0)
  int("functions.caches", 0)
  for (const db of mh.dbs) {
    r.bulk(`db.${db.id}`)
    r.mapHeader(3)
    int("overhead.hashtable.main", db.main)
    int("overhead.hashtable.expires", db.expires)
    int("overhead.hashtable.slot-to-keys", 0)
  }
  int("overhead.total", mh.overheadTotal)
  int("keys.count", mh.totalKeys)
  int("keys.bytes-per-key", mh.bytesPerKey)
  int("dataset.bytes", mh.dataset)
  r.bulk("dataset.percentage")
  floatStat(ctx, mh.datasetPerc)
  r.bulk("peak.percentage")
  floatStat(ctx, mh.peakPerc)
  int("allocator.allocated", allocated)
  int("allocator.active", active)
  int("allocator.resident", resident)
  r.bulk("allocator-fragmentation.ratio")
  floatStat(ctx, active / allocated)
  int("allocator-fragmentation.bytes", active - allocated)
  r.bulk("allocator-rss.ratio")
  floatStat(ctx, resident / active)
  int("allocator-rss.bytes", resident - active)
  r.bulk("rss-overhead.ratio")
  floatStat(ctx, mh.rss / resident)
  int("rss-overhead.bytes", mh.rss - resident)
  r.bulk("fragmentation")
  floatStat(ctx, mh.rss / Math.max(1, mh.used))
  int("fragmentation.bytes", mh.rss - mh.used)
}

/**
 * MEMORY DOCTOR (getMemoryDoctorReport) on this server's figures. Only the checks that mean something
 * for a Node process are made: an almost empty instance, a past peak, big client buffers. Redis's
 * fragmentation and RSS checks would always fire (the RSS of a JS runtime dwarfs its heap) and are left out.
 */
const memoryDoctor = (ctx: CommandContext): string => {
  const mh = memoryOverhead(ctx.engine)
  if (mh.used < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
  }
  const reports: Array<string> = []
  if (mh.peak / mh.used > 1.5) {
    reports.push(
      " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
    )
  }
  const clients = Math.max(1, ctx.engine.clients.size)
  if (mh.clientsNormal / clients > 1024 * 200) {
    reports.push(
      " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n"
    )
  }
  if (reports.length === 0) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
  }
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${reports.join("")}I'm here to keep you safe, Sam. I want to help you.\n`
}

const MEMORY_HELP = [
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all)."
]

const memoryTips = "nondeterministic_output request_policy:all_shards response_policy:special"

const memorySubcommands = [
  defineCommand({
    name: "doctor",
    arity: 2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    tips: memoryTips,
    docs: { summary: "Outputs memory problems report", since: "4.0.0", group, complexity: "O(1)" },
    handler: (ctx) => ctx.reply.verbatim(memoryDoctor(ctx))
  }),
  defineCommand({
    name: "malloc-stats",
    arity: 2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    tips: memoryTips,
    docs: {
      summary: "Show allocator internal stats",
      since: "4.0.0",
      group,
      complexity: "Depends on how much memory is allocated, could be slow"
    },
    // What Redis answers when its allocator has no statistics to print (libc malloc).
    handler: (ctx) => ctx.reply.verbatim("Stats not supported for the current allocator")
  }),
  defineCommand({
    name: "purge",
    arity: 2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    tips: "request_policy:all_shards response_policy:all_succeeded",
    docs: {
      summary: "Ask the allocator to release memory",
      since: "4.0.0",
      group,
      complexity: "Depends on how much memory is allocated, could be slow"
    },
    // V8's garbage collector decides when memory goes back to the system; there is nothing to ask.
    handler: (ctx) => ctx.reply.ok()
  }),
  defineCommand({
    name: "stats",
    arity: 2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    tips: memoryTips,
    docs: { summary: "Show memory usage details", since: "4.0.0", group, complexity: "O(1)" },
    handler: memoryStats
  }),
  defineCommand({
    name: "usage",
    arity: -3,
    flags: "readonly",
    keys: [2, 2, 1],
    acl: "@read @slow",
    docs: {
      summary: "Estimate the memory usage of a key",
      since: "4.0.0",
      group,
      complexity: "O(N) where N is the number of samples."
    },
    handler: memoryUsage
  }),
  helpSubcommand({ since: "4.0.0", group }, MEMORY_HELP)
]

// --- DEBUG ---------------------------------------------------------------------------------------------

/** C's strtod on a prefix: the longest leading number, 0 when there is none (DEBUG SLEEP's parsing). */
export const strtodPrefix = (s: string): number => {
  const m = /^[\t\n\v\f\r ]*([+-]?)(?:(0x[0-9a-f]+)|(inf(?:inity)?|nan)|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))/i.exec(s)
  if (m === null) return 0
  const sign = m[1] === "-" ? -1 : 1
  if (m[2] !== undefined) return sign * parseInt(m[2], 16)
  if (m[3] !== undefined) return m[3].toLowerCase() === "nan" ? NaN : sign * Infinity
  return sign * Number(m[4])
}

/** C's atoi: leading blanks, an optional sign, then digits (DEBUG SET-ACTIVE-EXPIRE's parsing). */
const atoi = (s: string): number => {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s)
  return m === null ? 0 : Number.parseInt(m[1]!, 10)
}

/** One Int32 slot to wait on: Atomics.wait on it blocks the whole thread, as DEBUG SLEEP blocks Redis. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4))

/**
 * allowProtectedAction for `directive` (enable-debug-command, enable-module-command): "yes", or "local"
 * for connections from the loopback interface (or in-process).
 */
export const protectedActionAllowed = (ctx: CommandContext, directive: string): boolean => {
  const setting = ctx.config.get(directive)
  if (setting === "yes") return true
  if (setting !== "local") return false
  const addr = ctx.client.addr
  const host = addr.slice(0, addr.lastIndexOf(":"))
  return host === "127.0.0.1" || host === "::1" || host === "[::1]" || host === "in-process" || host === ""
}

/** DEBUG PROTOCOL <type>: a sample reply of each RESP type. */
const debugProtocol = (ctx: CommandContext, type: string): void => {
  const r = ctx.reply
  switch (type.toLowerCase()) {
    case "string":
      return r.bulk("Hello World")
    case "integer":
      return r.integer(12345)
    case "double":
      return r.doubleText("3.141")
    case "bignum":
      return r.bigNumber("1234567999999999999999999999999999999")
    case "null":
      return r.nullBulk()
    case "array":
    case "set":
    case "map": {
      const kind = type.toLowerCase()
      if (kind === "array") r.arrayHeader(3)
      else if (kind === "set") r.setHeader(3)
      else r.mapHeader(3)
      for (let j = 0; j < 3; j++) {
        r.integer(j)
        if (kind === "map") r.bool(j === 1)
      }
      return
    }
    case "attrib":
      if (r.resp === 3) {
        r.raw("|1\r\n")
        r.bulk("key-popularity")
        r.arrayHeader(2)
        r.bulk("key:123")
        r.integer(90)
      }
      return r.bulk("Some real reply following the attribute")
    case "push":
      if (r.resp === 2) return r.error(Errors.RESP2_NOT_SUPPORTED)
      r.pushHeader(2)
      r.bulk("server-cpu-usage")
      r.integer(42)
      return r.bulk("Some real reply following the push reply")
    case "verbatim":
      return r.verbatim("This is a verbatim\nstring")
    case "true":
      return r.bool(true)
    case "false":
      return r.bool(false)
    default:
      return r.error(Errors.DEBUG_PROTOCOL_TYPE)
  }
}

const DEBUG_HELP = [
  "DIGEST",
  "    Output a hex signature representing the current DB content.",
  "DIGEST-VALUE <key> [<key> ...]",
  "    Output a hex signature of the values of all the specified keys.",
  "ERROR <string>",
  "    Return a Redis protocol error with <string> as message. Useful for clients",
  "    unit tests to simulate Redis errors.",
  "LOG <message>",
  "    Write <message> to the server log.",
  "OBJECT <key>",
  "    Show low level info about `key` and associated value.",
  "PROTOCOL <type>",
  "    Reply with a test value of the specified type. <type> can be: string,",
  "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
  "    true, false.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Setting it to 0 disables expiring keys in background when they are not",
  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
  "    default.",
  "SLEEP <seconds>",
  "    Stop the server for <seconds>. Decimals allowed."
]

const debug = (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  // Redis refuses DEBUG before running it (processCommand); here the command checks it first thing.
  if (!protectedActionAllowed(ctx, "enable-debug-command")) return ctx.reply.error(Errors.DEBUG_NOT_ALLOWED)
  const sub = argv[1]!.toLowerCase()
  if (sub === "help" && argv.length === 2) return replyHelp(ctx.reply, argv[0]!, DEBUG_HELP)
  // subcommands a subsystem serves (DEBUG RELOAD: persistence)
  const contributed = ctx.engine.registry.debugSubcommands.get(sub)
  if (contributed !== undefined) return contributed(ctx, argv)
  if (sub === "digest" && argv.length === 2) return ctx.reply.simple(datasetDigest(ctx.keyspace.dbs))
  if (sub === "digest-value") {
    ctx.reply.arrayHeader(argv.length - 2)
    for (let i = 2; i < argv.length; i++) ctx.reply.simple(valueDigest(ctx.db, argv[i]!))
    return
  }
  if (argv.length === 3) {
    const arg = argv[2]!
    switch (sub) {
      case "log":
        writeLogLine(ctx.config.get("logfile") ?? "", "Warn", `DEBUG LOG: ${arg}`)
        return ctx.reply.ok()
      case "sleep": {
        // Redis converts to whole microseconds (a long long) and nanosleeps: a negative time, or one
        // beyond 64 bits (LLONG_MIN after the conversion on x86), does not sleep.
        const micros = Math.trunc(strtodPrefix(arg) * 1e6)
        if (micros > 0 && micros < 2 ** 63) {
          Atomics.wait(sleepCell, 0, 0, micros / 1000)
          ctx.engine.timeMoved()
        }
        return ctx.reply.ok()
      }
      case "set-active-expire":
        ctx.keyspace.activeExpireEnabled = atoi(arg) !== 0
        return ctx.reply.ok()
      case "object":
        return debugObject(ctx, arg)
      case "set-disable-deny-scripts":
        ctx.engine.scriptDenyDisabled = atoi(arg) !== 0
        return ctx.reply.ok()
      case "protocol":
        return debugProtocol(ctx, arg)
      case "error":
        // written as raw protocol, like Redis's addReplySds: not counted in errorstats
        return ctx.reply.raw(`-${Errors.sanitizeErrorText(arg)}\r\n`)
    }
  }
  ctx.reply.error(Errors.subcommandSyntaxError(argv[1]!, argv[0]!))
}

export const serverCommands = [
  defineCommand({
    name: "info",
    arity: -1,
    flags: "loading stale",
    keys: [0, 0, 0],
    acl: "@slow @dangerous",
    tips: "nondeterministic_output request_policy:all_shards response_policy:special",
    docs: { summary: "Get information and statistics about the server", since: "1.0.0", group, complexity: "O(1)" },
    handler: (ctx, argv) => ctx.reply.verbatim(renderInfo(ctx.engine, selectSections(argv.slice(1))))
  }),
  defineCommand({
    name: "time",
    arity: 1,
    flags: "loading stale fast",
    keys: [0, 0, 0],
    acl: "@fast",
    tips: "nondeterministic_output",
    docs: { summary: "Return the current server time", since: "2.6.0", group, complexity: "O(1)" },
    // The batch time from Effect's Clock has millisecond resolution: the microseconds are its
    // milliseconds times 1000.
    handler: (ctx) => {
      const now = ctx.now
      ctx.reply.arrayHeader(2)
      ctx.reply.bulk(String(Math.floor(now / 1000)))
      ctx.reply.bulk(String((now % 1000) * 1000))
    }
  }),
  defineCommand({
    name: "memory",
    arity: -2,
    flags: "",
    keys: [0, 0, 0],
    acl: "@slow",
    docs: {
      summary: "A container for memory diagnostics commands",
      since: "4.0.0",
      group,
      complexity: "Depends on subcommand."
    },
    subcommands: memorySubcommands
  }),
  defineCommand({
    name: "debug",
    arity: -2,
    flags: "admin noscript loading stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "A container for debugging commands", since: "1.0.0", group, complexity: "Depends on subcommand." },
    handler: debug
  }),
  ...clientCommands,
  ...introspectionCommands
]

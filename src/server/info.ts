/**
 * INFO rendering (Redis 7.0's genRedisInfoString): the sections, their field names in Redis's order,
 * and the values this server has. Fields whose subsystem does not exist here (Lua, forks, cluster)
 * show the values of a Redis without it; other subsystems replace or add fields of a section with
 * `extendInfo` (persistence, replication, pub/sub) instead of editing this module.
 */
import { createHash, randomBytes } from "node:crypto"
import * as Os from "node:os"
import * as Path from "node:path"
import { EXPIRE_OVERHEAD, KEY_OVERHEAD, STARTUP_MEMORY } from "../keyspace/memory.ts"
import { REDIS_VERSION, SERVER_VERSION } from "../version.ts"
import type { RuntimeCommand } from "./Client.ts"
import type { EngineState } from "./Engine.ts"

import type { InfoField, InfoProvider } from "./CommandRegistry.ts"

export type { InfoField, InfoProvider }

/** Section names as `INFO <section>` selects them, in the order Redis prints them, with their titles. */
const SECTIONS: ReadonlyArray<readonly [name: string, title: string]> = [
  ["server", "Server"],
  ["clients", "Clients"],
  ["memory", "Memory"],
  ["persistence", "Persistence"],
  ["stats", "Stats"],
  ["replication", "Replication"],
  ["cpu", "CPU"],
  ["modules", "Modules"],
  ["commandstats", "Commandstats"],
  ["errorstats", "Errorstats"],
  ["latencystats", "Latencystats"],
  ["cluster", "Cluster"],
  ["keyspace", "Keyspace"]
]

/** What plain `INFO` (and `INFO default`) prints: everything but the per-command sections. */
const DEFAULT_SECTIONS = new Set(SECTIONS.map(([name]) => name).filter((n) => n !== "commandstats" && n !== "latencystats"))

/** Redis's instantaneous metrics average the rate over the last 16 samples taken at least 100 ms apart. */
const METRIC_SAMPLES = 16
const METRIC_PERIOD_MS = 100

interface MetricSample {
  readonly at: number
  readonly commands: number
  readonly netInput: number
  readonly netOutput: number
}

/** Per-server state INFO keeps beyond the engine's counters (owned by the engine: `engine.info`). */
export interface InfoState {
  readonly runId: string
  readonly replId: string
  readonly buildId: string
  peakMemory: number
  readonly samples: Array<MetricSample>
}

const hex40 = (): string => randomBytes(20).toString("hex")

export const newInfoState = (): InfoState => ({
  runId: hex40(),
  replId: hex40(),
  // Redis prints a hash of its build (%llx of 64 bits); here, of this implementation's version.
  buildId: BigInt(`0x${createHash("sha1").update(`effect-redis-server ${SERVER_VERSION}`).digest("hex").slice(0, 16)}`)
    .toString(16),
  peakMemory: 0,
  samples: []
})

const stateOf = (engine: EngineState): InfoState => engine.info

/** The server's run_id (40 hex chars, random per server), as INFO server reports it. */
export const runId = (engine: EngineState): string => engine.info.runId

/**
 * Lets a subsystem report its own fields in a section: each field replaces the one of the same name
 * (keeping Redis's order) or is appended. The provider is called on every INFO. Returns its removal
 * (a subsystem's Layer contributes through `CommandRegistry` and removes it when released).
 */
export const extendInfo = (engine: EngineState, section: string, provider: InfoProvider): () => void =>
  engine.registry.addInfo(section, provider)

// --- numbers as Redis prints them ----------------------------------------------------------------------

/** `%.Nf` */
const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : n > 0 ? "inf" : "-nan")

/** bytesToHuman: "0B", "1.06M", ... */
export const bytesToHuman = (n: number): string => {
  const units = ["K", "M", "G", "T", "P"]
  if (n < 1024) return `${n}B`
  let value = n / 1024
  for (const unit of units) {
    if (value < 1024 || unit === "P") return `${fixed(value, 2)}${unit}`
    value /= 1024
  }
  return `${n}B`
}

// --- memory --------------------------------------------------------------------------------------------

/**
 * used_memory is the figure maxmemory limits: a fixed startup baseline the size of Redis 7.0's
 * (used_memory_startup, keyspace/memory.ts STARTUP_MEMORY) plus the keyspace's own accounting of
 * what it stores (keys, values, expiry entries, as V8 heap estimates). The dictionaries' share of it
 * is the per-key part of that accounting.
 */
const startupMemory = STARTUP_MEMORY

const dictOverhead = (size: number, perKey: number): number => size * perKey

/** The numbers INFO memory and MEMORY STATS share (getMemoryOverheadData). */
export interface MemoryOverhead {
  readonly used: number
  readonly peak: number
  readonly startup: number
  readonly rss: number
  readonly heapTotal: number
  readonly clientsNormal: number
  readonly overheadTotal: number
  readonly dataset: number
  readonly datasetPerc: number
  readonly peakPerc: number
  /** The JS heap in use plus Buffers outside it: what Node's allocator holds (allocator_allocated). */
  readonly heapUsed: number
  readonly totalKeys: number
  readonly bytesPerKey: number
  readonly dbs: ReadonlyArray<{ readonly id: number; readonly main: number; readonly expires: number }>
}

export const memoryOverhead = (engine: EngineState): MemoryOverhead => {
  const m = process.memoryUsage()
  const used = engine.keyspace.usedMemory
  const state = stateOf(engine)
  state.peakMemory = Math.max(state.peakMemory, used)
  let clientsNormal = 0
  for (const client of engine.clients.values()) clientsNormal += client.reply.length + client.parser.pending
  const dbs: Array<{ id: number; main: number; expires: number }> = []
  let dictTotal = 0
  let totalKeys = 0
  for (const db of engine.keyspace.dbs) {
    if (db.size === 0) continue
    const main = dictOverhead(db.size, KEY_OVERHEAD)
    const expires = dictOverhead(db.expires.size, EXPIRE_OVERHEAD)
    dbs.push({ id: db.id, main, expires })
    dictTotal += main + expires
    totalKeys += db.size
  }
  const overheadTotal = startupMemory + dictTotal
  const dataset = Math.max(0, used - overheadTotal)
  const netUsage = used > startupMemory ? used - startupMemory : 1
  return {
    used,
    peak: state.peakMemory,
    startup: startupMemory,
    rss: m.rss,
    heapTotal: m.heapTotal + m.external,
    clientsNormal,
    overheadTotal,
    dataset,
    datasetPerc: (dataset * 100) / netUsage,
    peakPerc: state.peakMemory === 0 ? 100 : (used * 100) / state.peakMemory,
    heapUsed: m.heapUsed + m.external,
    totalKeys,
    bytesPerKey: totalKeys === 0 ? 0 : Math.floor(netUsage / totalKeys),
    dbs
  }
}

// --- sections ------------------------------------------------------------------------------------------

const multiplexingApi = (): string => {
  switch (process.platform) {
    case "linux":
      return "epoll"
    case "darwin":
    case "freebsd":
    case "openbsd":
      return "kqueue"
    case "sunos":
      return "evport"
    default:
      return "select"
  }
}

const serverSection = (engine: EngineState): Array<InfoField> => {
  const now = engine.keyspace.now
  const uptime = Math.floor((now - engine.startedAt) / 1000)
  const state = stateOf(engine)
  const hz = engine.config.get("hz") ?? "10"
  return [
    ["redis_version", REDIS_VERSION],
    ["redis_git_sha1", "00000000"],
    ["redis_git_dirty", 0],
    ["redis_build_id", state.buildId],
    ["redis_mode", "standalone"],
    ["os", `${Os.type()} ${Os.release()} ${Os.machine()}`],
    ["arch_bits", process.arch.includes("64") ? 64 : 32],
    ["monotonic_clock", "POSIX clock_gettime"],
    ["multiplexing_api", multiplexingApi()],
    ["atomicvar_api", "c11-builtin"],
    ["gcc_version", "0.0.0"],
    ["process_id", process.pid],
    ["process_supervised", "no"],
    ["run_id", state.runId],
    ["tcp_port", String(engine.listeningPort ?? engine.config.get("port") ?? "6379")],
    ["server_time_usec", now * 1000],
    ["uptime_in_seconds", uptime],
    ["uptime_in_days", Math.floor(uptime / 86400)],
    ["hz", hz],
    ["configured_hz", hz],
    ["lru_clock", engine.keyspace.lruClock],
    ["executable", process.argv[1] === undefined ? process.execPath : Path.resolve(process.argv[1])],
    ["config_file", engine.config.configFile ?? ""],
    ["io_threads_active", 0]
  ]
}

const clientsSection = (engine: EngineState): Array<InfoField> => {
  let maxInput = 0
  let maxOutput = 0
  let inTimeoutTable = 0
  for (const client of engine.clients.values()) {
    maxInput = Math.max(maxInput, client.parser.pending)
    maxOutput = Math.max(maxOutput, client.reply.length)
    if (client.blocked !== undefined && client.blocked.timeoutAt !== 0) inTimeoutTable++
  }
  return [
    ["connected_clients", engine.clients.size],
    ["cluster_connections", 0],
    ["maxclients", engine.config.get("maxclients") ?? "10000"],
    ["client_recent_max_input_buffer", maxInput],
    ["client_recent_max_output_buffer", maxOutput],
    ["blocked_clients", engine.waiters.blockedClients],
    ["tracking_clients", engine.tracking.clients],
    ["clients_in_timeout_table", inTimeoutTable]
  ]
}

const NO_SCRIPTING = { vm: 0, scripts: 0, cachedScripts: 0, functionsVm: 0, functionsMemory: 0, functions: 0, libraries: 0 }

const memorySection = (engine: EngineState): Array<InfoField> => {
  const lua = engine.scriptingMemory?.() ?? NO_SCRIPTING
  const mh = memoryOverhead(engine)
  const maxmemory = Number(engine.config.get("maxmemory") ?? "0")
  const allocated = mh.heapUsed
  const active = Math.max(mh.heapTotal, allocated)
  const resident = Math.max(mh.rss, active)
  return [
    ["used_memory", mh.used],
    ["used_memory_human", bytesToHuman(mh.used)],
    ["used_memory_rss", mh.rss],
    ["used_memory_rss_human", bytesToHuman(mh.rss)],
    ["used_memory_peak", mh.peak],
    ["used_memory_peak_human", bytesToHuman(mh.peak)],
    ["used_memory_peak_perc", `${fixed(mh.peakPerc, 2)}%`],
    ["used_memory_overhead", mh.overheadTotal],
    ["used_memory_startup", mh.startup],
    ["used_memory_dataset", mh.dataset],
    ["used_memory_dataset_perc", `${fixed(mh.datasetPerc, 2)}%`],
    ["allocator_allocated", allocated],
    ["allocator_active", active],
    ["allocator_resident", resident],
    ["total_system_memory", Os.totalmem()],
    ["total_system_memory_human", bytesToHuman(Os.totalmem())],
    // the Lua VMs (their own allocator's count), the script cache and the function libraries, from
    // the scripting Layer
    ["used_memory_lua", lua.vm],
    ["used_memory_vm_eval", lua.vm],
    ["used_memory_lua_human", bytesToHuman(lua.vm)],
    ["used_memory_scripts_eval", lua.scripts],
    ["number_of_cached_scripts", lua.cachedScripts],
    ["number_of_functions", lua.functions],
    ["number_of_libraries", lua.libraries],
    ["used_memory_vm_functions", lua.functionsVm],
    ["used_memory_vm_total", lua.vm + lua.functionsVm],
    ["used_memory_vm_total_human", bytesToHuman(lua.vm + lua.functionsVm)],
    ["used_memory_functions", lua.functionsMemory],
    ["used_memory_scripts", lua.scripts + lua.functionsMemory],
    ["used_memory_scripts_human", bytesToHuman(lua.scripts + lua.functionsMemory)],
    ["maxmemory", maxmemory],
    ["maxmemory_human", bytesToHuman(maxmemory)],
    ["maxmemory_policy", engine.config.get("maxmemory-policy") ?? "noeviction"],
    ["allocator_frag_ratio", fixed(active / allocated, 2)],
    ["allocator_frag_bytes", active - allocated],
    ["allocator_rss_ratio", fixed(resident / active, 2)],
    ["allocator_rss_bytes", resident - active],
    ["rss_overhead_ratio", fixed(mh.rss / resident, 2)],
    ["rss_overhead_bytes", mh.rss - resident],
    // rss over what is stored, as Redis computes it: large here, where the runtime itself is most of rss
    ["mem_fragmentation_ratio", fixed(mh.rss / Math.max(1, mh.used), 2)],
    ["mem_fragmentation_bytes", mh.rss - mh.used],
    ["mem_not_counted_for_evict", 0],
    ["mem_replication_backlog", 0],
    ["mem_total_replication_buffers", 0],
    ["mem_clients_slaves", 0],
    ["mem_clients_normal", mh.clientsNormal],
    ["mem_cluster_links", 0],
    ["mem_aof_buffer", 0],
    ["mem_allocator", `v8-${process.versions.v8}`],
    ["active_defrag_running", 0],
    ["lazyfree_pending_objects", 0],
    ["lazyfreed_objects", 0]
  ]
}

/** The values of a server that has never saved or loaded (persistence replaces them with extendInfo). */
const persistenceSection = (engine: EngineState): Array<InfoField> => [
  ["loading", 0],
  ["async_loading", 0],
  ["current_cow_peak", 0],
  ["current_cow_size", 0],
  ["current_cow_size_age", 0],
  ["current_fork_perc", "0.00"],
  ["current_save_keys_processed", 0],
  ["current_save_keys_total", 0],
  ["rdb_changes_since_last_save", engine.keyspace.dirty],
  ["rdb_bgsave_in_progress", 0],
  ["rdb_last_save_time", Math.floor(engine.startedAt / 1000)],
  ["rdb_last_bgsave_status", "ok"],
  ["rdb_last_bgsave_time_sec", -1],
  ["rdb_current_bgsave_time_sec", -1],
  ["rdb_saves", 0],
  ["rdb_last_cow_size", 0],
  ["rdb_last_load_keys_expired", 0],
  ["rdb_last_load_keys_loaded", 0],
  ["aof_enabled", engine.config.get("appendonly") === "yes" ? 1 : 0],
  ["aof_rewrite_in_progress", 0],
  ["aof_rewrite_scheduled", 0],
  ["aof_last_rewrite_time_sec", -1],
  ["aof_current_rewrite_time_sec", -1],
  ["aof_last_bgrewrite_status", "ok"],
  ["aof_rewrites", 0],
  ["aof_rewrites_consecutive_failures", 0],
  ["aof_last_write_status", "ok"],
  ["aof_last_cow_size", 0],
  ["module_fork_in_progress", 0],
  ["module_fork_last_cow_size", 0]
]

/**
 * Takes a sample of the counters behind the instantaneous metrics (Redis samples them in serverCron;
 * here INFO samples when it is called) and returns the rates per second over the samples kept.
 */
const instantaneous = (engine: EngineState): { ops: number; inputKbps: number; outputKbps: number } => {
  const samples = stateOf(engine).samples
  const now = engine.keyspace.now
  const stats = engine.stats
  const last = samples[samples.length - 1]
  if (last === undefined || now - last.at >= METRIC_PERIOD_MS) {
    samples.push({ at: now, commands: stats.totalCommands, netInput: stats.netInputBytes, netOutput: stats.netOutputBytes })
    if (samples.length > METRIC_SAMPLES) samples.shift()
  }
  const first = samples[0]!
  const newest = samples[samples.length - 1]!
  const seconds = (newest.at - first.at) / 1000
  if (seconds <= 0) return { ops: 0, inputKbps: 0, outputKbps: 0 }
  return {
    ops: Math.max(0, Math.round((newest.commands - first.commands) / seconds)),
    inputKbps: Math.max(0, (newest.netInput - first.netInput) / seconds / 1024),
    outputKbps: Math.max(0, (newest.netOutput - first.netOutput) / seconds / 1024)
  }
}

const statsSection = (engine: EngineState): Array<InfoField> => {
  const stats = engine.stats
  const ks = engine.keyspace.stats
  const rates = instantaneous(engine)
  return [
    ["total_connections_received", stats.totalConnections],
    ["total_commands_processed", stats.totalCommands],
    ["instantaneous_ops_per_sec", rates.ops],
    ["total_net_input_bytes", stats.netInputBytes],
    ["total_net_output_bytes", stats.netOutputBytes],
    ["total_net_repl_input_bytes", 0],
    ["total_net_repl_output_bytes", 0],
    ["instantaneous_input_kbps", fixed(rates.inputKbps, 2)],
    ["instantaneous_output_kbps", fixed(rates.outputKbps, 2)],
    ["instantaneous_input_repl_kbps", "0.00"],
    ["instantaneous_output_repl_kbps", "0.00"],
    ["rejected_connections", stats.rejectedConnections],
    ["sync_full", 0],
    ["sync_partial_ok", 0],
    ["sync_partial_err", 0],
    ["expired_keys", ks.expiredKeys],
    ["expired_stale_perc", fixed(ks.expiredStalePerc, 2)],
    ["expired_time_cap_reached_count", ks.expiredTimeCapReached],
    ["expire_cycle_cpu_milliseconds", Math.floor(ks.expireCycleMs)],
    ["evicted_keys", ks.evictedKeys],
    ["evicted_clients", 0],
    ["total_eviction_exceeded_time", 0],
    ["current_eviction_exceeded_time", 0],
    ["keyspace_hits", ks.hits],
    ["keyspace_misses", ks.misses],
    ["pubsub_channels", 0],
    ["pubsub_patterns", 0],
    ["pubsubshard_channels", 0],
    ["latest_fork_usec", 0],
    ["total_forks", 0],
    ["migrate_cached_sockets", 0],
    ["slave_expires_tracked_keys", 0],
    ["active_defrag_hits", 0],
    ["active_defrag_misses", 0],
    ["active_defrag_key_hits", 0],
    ["active_defrag_key_misses", 0],
    ["total_active_defrag_time", 0],
    ["current_active_defrag_time", 0],
    ["tracking_total_keys", engine.tracking.table.size],
    ["tracking_total_items", engine.tracking.totalItems],
    ["tracking_total_prefixes", engine.tracking.prefixes.size],
    ["unexpected_error_replies", 0],
    ["total_error_replies", stats.totalErrorReplies],
    ["dump_payload_sanitizations", 0],
    ["total_reads_processed", 0],
    ["total_writes_processed", 0],
    ["io_threaded_reads_processed", 0],
    ["io_threaded_writes_processed", 0],
    ["reply_buffer_shrinks", 0],
    ["reply_buffer_expands", 0]
  ]
}

/** A master without replicas (replication replaces these with extendInfo). */
const replicationSection = (engine: EngineState): Array<InfoField> => [
  ["role", engine.keyspace.isReplica ? "slave" : "master"],
  ["connected_slaves", 0],
  ["master_failover_state", "no-failover"],
  ["master_replid", stateOf(engine).replId],
  ["master_replid2", "0000000000000000000000000000000000000000"],
  ["master_repl_offset", 0],
  ["second_repl_offset", -1],
  ["repl_backlog_active", 0],
  ["repl_backlog_size", engine.config.get("repl-backlog-size") ?? 1048576],
  ["repl_backlog_first_byte_offset", 0],
  ["repl_backlog_histlen", 0]
]

const cpuSection = (): Array<InfoField> => {
  const usage = process.cpuUsage()
  const sys = fixed(usage.system / 1e6, 6)
  const user = fixed(usage.user / 1e6, 6)
  // Node runs JS on one thread; the process figures stand for the main thread's too.
  return [
    ["used_cpu_sys", sys],
    ["used_cpu_user", user],
    ["used_cpu_sys_children", "0.000000"],
    ["used_cpu_user_children", "0.000000"],
    ["used_cpu_sys_main_thread", sys],
    ["used_cpu_user_main_thread", user]
  ]
}

/** Every command and subcommand of the table, containers first (the order of the command dict walk). */
export const runtimeCommands = (engine: EngineState): ReadonlyArray<RuntimeCommand> => {
  const out: Array<RuntimeCommand> = []
  for (const command of uniqueCommands(engine)) {
    out.push(command)
    if (command.subcommands !== undefined) for (const sub of command.subcommands.values()) out.push(sub)
  }
  return out
}

/** The top-level commands, once each (the engine registers every name in two cases). */
export const uniqueCommands = (engine: EngineState): ReadonlyArray<RuntimeCommand> => {
  const seen = new Set<RuntimeCommand>()
  for (const command of engine.commands.values()) seen.add(command)
  return [...seen]
}

const commandStatsSection = (engine: EngineState): Array<InfoField> => {
  const out: Array<InfoField> = []
  for (const c of runtimeCommands(engine)) {
    if (c.calls === 0 && c.failedCalls === 0 && c.rejectedCalls === 0) continue
    const perCall = c.calls === 0 ? 0 : c.usec / c.calls
    out.push([
      `cmdstat_${c.fullName}`,
      `calls=${c.calls},usec=${c.usec},usec_per_call=${fixed(perCall, 2)},rejected_calls=${c.rejectedCalls},failed_calls=${c.failedCalls}`
    ])
  }
  return out
}

/** fillPercentileDistributionLatencies: each configured percentile of each command's histogram, in microseconds. */
const latencyStatsSection = (engine: EngineState): Array<InfoField> => {
  if (!engine.latencyTracking) return []
  const percentiles = (engine.config.get("latency-tracking-info-percentiles") ?? "").split(" ").filter((p) => p !== "")
  const out: Array<InfoField> = []
  for (const c of runtimeCommands(engine)) {
    if (c.latency === undefined) continue
    const histogram = c.latency
    out.push([`latency_percentiles_usec_${c.fullName}`, percentiles.map((p) => `p${p}=${(histogram.valueAtPercentile(Number(p)) / 1000).toFixed(3)}`).join(",")])
  }
  return out
}

/** Redis keeps error codes in a radix tree, so they come out in byte order. */
const errorStatsSection = (engine: EngineState): Array<InfoField> =>
  [...engine.stats.errors]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]): InfoField => [`errorstat_${code}`, `count=${count}`])

const keyspaceSection = (engine: EngineState): Array<InfoField> => {
  const out: Array<InfoField> = []
  for (const db of engine.keyspace.dbs) {
    if (db.size === 0) continue
    out.push([`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.round(db.avgTtl)}`])
  }
  return out
}

const SECTION_FIELDS: Readonly<Record<string, (engine: EngineState) => Array<InfoField>>> = {
  server: serverSection,
  clients: clientsSection,
  memory: memorySection,
  persistence: persistenceSection,
  stats: statsSection,
  replication: replicationSection,
  cpu: cpuSection,
  modules: () => [],
  commandstats: commandStatsSection,
  errorstats: errorStatsSection,
  latencystats: (engine) => latencyStatsSection(engine),
  cluster: () => [["cluster_enabled", 0]],
  keyspace: keyspaceSection
}

/** The fields of one section, with the contributions of other subsystems merged in. */
export const infoFields = (engine: EngineState, section: string): ReadonlyArray<InfoField> => {
  const whole = engine.registry.infoSections.get(section)
  const base = whole !== undefined ? [...whole(engine)] : SECTION_FIELDS[section]?.(engine) ?? []
  const providers = engine.registry.infoProviders.get(section)
  if (providers === undefined) return base
  for (const provider of providers) {
    for (const field of provider(engine)) {
      const i = base.findIndex(([name]) => name === field[0])
      if (i === -1) base.push(field)
      else base[i] = field
    }
  }
  return base
}

/**
 * Which sections `INFO arg...` asks for (genInfoSectionDict): none means "default"; "all" and
 * "everything" mean every section (there are no module sections); "module_list" is another name of
 * "modules"; names are case-insensitive and unknown ones select nothing.
 */
export const selectSections = (args: ReadonlyArray<string>): ReadonlySet<string> => {
  if (args.length === 0) return DEFAULT_SECTIONS
  const selected = new Set<string>()
  for (const arg of args) {
    const name = arg.toLowerCase()
    if (name === "all" || name === "everything") for (const [s] of SECTIONS) selected.add(s)
    else if (name === "default") for (const s of DEFAULT_SECTIONS) selected.add(s)
    else if (name === "module_list") selected.add("modules")
    else selected.add(name)
  }
  return selected
}

/** The INFO text for the selected sections: `# Title` then `name:value` lines, CRLF, a blank line between. */
export const renderInfo = (engine: EngineState, selected: ReadonlySet<string>): string => {
  const parts: Array<string> = []
  for (const [name, title] of SECTIONS) {
    if (!selected.has(name)) continue
    let text = `# ${title}\r\n`
    for (const [field, value] of infoFields(engine, name)) text += `${field}:${value}\r\n`
    parts.push(text)
  }
  return parts.join("\r\n")
}

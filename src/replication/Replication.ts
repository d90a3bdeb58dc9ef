/**
 * Replication (replication.c), both sides, as one service:
 *
 * - master side: SYNC/PSYNC turn a connection into a replica. A full sync answers +FULLRESYNC with the
 *   offset at which a copy-on-write snapshot of the keyspace is taken, then sends that snapshot as an
 *   RDB payload (`$<len>` disk style, or `$EOF:<mark>` when the replica has capa eof and
 *   repl-diskless-sync is on) from a fiber of its own, while the stream accumulates for it; a partial
 *   one answers +CONTINUE and sends the backlog from the replica's offset. The stream is the keyspace's
 *   propagation stream (the one the AOF consumes) in Redis's bytes: SELECT when the database changes,
 *   then each command. Feeding it is synchronous: an append to the backlog and to each online
 *   replica's output, which the engine writes once per event-loop turn (`wakeLater`).
 * - replica side: `replicaof` (config or REPLICAOF) starts a link fiber: handshake, PSYNC, the RDB
 *   loaded into fresh databases swapped in at the end, then the master's commands run through an
 *   internal `master` client and the engine's pipeline (`Callers.master`). The bytes applied are fed
 *   unchanged to this server's own backlog and replicas (chained replicas see the master's replid and
 *   offsets). REPLCONF ACK every second and on GETACK; after a broken link, PSYNC from the cached
 *   master's offset.
 *
 * A replica's link failing ends its fiber only: the server goes on.
 */
import { randomBytes } from "node:crypto"
import * as Net from "node:net"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import { type CommandSpec, defineCommand } from "../commands/CommandSpec.ts"
import { intArg } from "../commands/args.ts"
import * as Errors from "../commands/errors.ts"
import { type ConfigStore, ServerConfig, watchScoped } from "../config/ServerConfig.ts"
import { Keyspace, type KeyspaceState } from "../keyspace/Keyspace.ts"
import { encodeCommand, selectCommand } from "../persistence/aof/format.ts"
import { KeyspaceLoad, SnapshotEncoder } from "../persistence/rdb/keyspace.ts"
import { ProtocolError } from "../resp/RequestParser.ts"
import type { Client } from "../server/Client.ts"
import { clientInfoString } from "../server/clientInfo.ts"
import type { CommandContext } from "../server/CommandContext.ts"
import { CommandRegistry, type InfoField, type Registry } from "../server/CommandRegistry.ts"
import { Callers, Engine, type EngineState, REPLICA_ACKS } from "../server/Engine.ts"
import { REDIS_VERSION } from "../version.ts"
import { Backlog } from "./Backlog.ts"

type Level = "warning" | "notice" | "verbose"

const hex40 = (): string => randomBytes(20).toString("hex")
const ZERO_ID = "0000000000000000000000000000000000000000"
/** NET_HOST_STR_LEN: REPLCONF ip-address must be shorter. */
const NET_HOST_STR_LEN = 256
const PING = "*1\r\n$4\r\nPING\r\n"
const GETACK = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
const ackCommand = (offset: number): string => encodeCommand(["REPLCONF", "ACK", String(offset)])

/** A replica of this server (a connection that sent SYNC or PSYNC). */
interface ReplicaLink {
  readonly client: Client
  state: "wait_bgsave" | "send_bulk" | "online"
  /** The stream held back until the RDB is sent (or, after an EOF-marked one, until its first ACK). */
  pending: Array<string> | undefined
  startOnAck: boolean
  ackOffset: number
  /** Unix ms of the last ACK. */
  ackTime: number
  /** Came with SYNC: no +FULLRESYNC, no ACKs expected. */
  readonly prePsync: boolean
  fiber: Fiber.Fiber<void> | undefined
}

/** What a connection told with REPLCONF before it became a replica. */
interface ReplicaConf {
  listeningPort: number
  ipAddress: string | undefined
  eof: boolean
  psync2: boolean
}

/** server.failover_state, as INFO's master_failover_state words it. */
export type FailoverState = "no-failover" | "waiting-for-sync" | "failover-in-progress"

/** Redis's repl_state, as ROLE words it. */
type LinkState = "none" | "connect" | "connecting" | "handshake" | "sync" | "connected"

/** The master link's connection: handshake, transfer, then the stream. */
interface MasterConnection {
  readonly socket: Net.Socket
  phase: "ping" | "replies" | "psync" | "bulk-header" | "bulk" | "loading" | "stream" | "closed"
  buf: Buffer
  /** Replies still expected to the pipelined AUTH / REPLCONF commands, by what was sent. */
  expected: Array<string>
  /** The RDB transfer: its declared length, or the EOF mark. */
  bulkLen: number
  eofMark: string | undefined
  bulkParts: Array<Buffer>
  bulkRead: number
  fullSync: { readonly replid: string; readonly offset: number } | undefined
  readonly done: () => void
}

/** The cached master: where a PSYNC after a broken link continues from. */
interface CachedMaster {
  readonly replid: string
  readonly reploff: number
  readonly db: number
}

export class ReplicationState {
  replid = hex40()
  replid2 = ZERO_ID
  secondReplOffset = -1
  /** master_repl_offset */
  offset = 0
  backlog: Backlog | undefined = undefined
  /** server.slaveseldb: the database the stream last selected (-1: SELECT before the next command). */
  selectedDb = -1
  readonly replicas = new Map<Client, ReplicaLink>()
  private readonly confs = new WeakMap<Client, ReplicaConf>()
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 }
  private unsubscribe: (() => void) | undefined = undefined
  private getAckScheduled = false
  private cronLoops = 0
  /** repl_no_slaves_since (unix ms): when the last replica went away. */
  private noReplicasSince = 0

  // FAILOVER (the master side of a coordinated failover)
  failoverState: FailoverState = "no-failover"
  private failoverTarget: { readonly host: string; readonly port: number } | undefined = undefined
  /** Unix ms the failover gives up (or, forced, goes ahead) at; 0: no timeout. */
  private failoverEnd = 0
  private forceFailover = false
  /** replicationCron runs every 100 ms during a failover: here, a timer of its own. */
  private failoverTimer: ReturnType<typeof setInterval> | undefined = undefined

  // replica side
  masterHost: string | undefined = undefined
  masterPort = 0
  private link: LinkState = "none"
  masterClient: Client | undefined = undefined

  /** Redis's repl_state; MASTERDOWN follows it (replica-serve-stale-data no and a link not up). */
  get linkState(): LinkState {
    return this.link
  }

  set linkState(state: LinkState) {
    this.link = state
    this.updateStale()
  }

  updateStale(): void {
    this.engine.masterDown = this.masterHost !== undefined && this.link !== "connected" && !this.config.getBool("replica-serve-stale-data")
  }

  cached: CachedMaster | undefined = undefined
  /** slave_read_repl_offset: bytes of the stream read, applied or not. */
  readOffset = 0
  lastIo = 0
  downSince = 0
  private conn: MasterConnection | undefined = undefined
  private linkFiber: Fiber.Fiber<void> | undefined = undefined
  /** Stream bytes received and not applied yet (kept to feed sub-replicas exactly what was applied). */
  private unapplied: Buffer = Buffer.alloc(0)

  readonly engine: EngineState
  readonly keyspace: KeyspaceState
  readonly config: ConfigStore
  /** min-replicas-to-write and min-replicas-max-lag (kept current by the Layer's config watches). */
  readonly minReplicas = { toWrite: 0, maxLag: 10 }
  private readonly log: (level: Level, line: string) => void
  private readonly run: (effect: Effect.Effect<void>) => Fiber.Fiber<void>

  constructor(
    engine: EngineState,
    keyspace: KeyspaceState,
    config: ConfigStore,
    log: (level: Level, line: string) => void,
    run: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
  ) {
    this.engine = engine
    this.keyspace = keyspace
    this.config = config
    this.log = log
    this.run = run
  }

  private get now(): number {
    return this.engine.keyspace.now
  }

  // --- the stream (master side) ----------------------------------------------------------------------

  /** The propagation stream is fed to replicas while there is a backlog and this server is a master. */
  private updateSubscription(): void {
    const want = this.backlog !== undefined && this.masterHost === undefined
    if (want && this.unsubscribe === undefined) {
      this.unsubscribe = this.keyspace.onPropagate((dbid, argv) => this.feedCommand(dbid, argv))
    } else if (!want && this.unsubscribe !== undefined) {
      this.unsubscribe()
      this.unsubscribe = undefined
    }
  }

  /** replicationFeedSlaves */
  feedCommand(dbid: number, argv: ReadonlyArray<string>): void {
    let out = ""
    if (dbid !== this.selectedDb) {
      out = selectCommand(dbid)
      this.selectedDb = dbid
    }
    this.feed(out + encodeCommand(argv))
  }

  /** feedReplicationBuffer: the backlog and every replica's output (or its held stream). */
  feed(bytes: string): void {
    const backlog = this.backlog
    if (backlog === undefined || bytes.length === 0) return
    backlog.append(bytes)
    this.offset += bytes.length
    this.engine.replicationOffset = this.offset
    for (const link of this.replicas.values()) {
      if (link.pending !== undefined) link.pending.push(bytes)
      else {
        link.client.reply.raw(bytes)
        this.engine.wakeLater(link.client)
      }
    }
  }

  private createBacklog(): void {
    this.backlog = new Backlog(this.config.getNumber("repl-backlog-size"), this.offset)
    this.updateSubscription()
  }

  resizeBacklog(size: number): void {
    this.backlog?.resize(size)
  }

  /** replicationCountAcksByOffset */
  /** refreshGoodSlavesCount: online replicas whose last ACK is at most min-replicas-max-lag seconds old. */
  goodReplicas(): number {
    const now = Math.floor(this.now / 1000)
    let good = 0
    for (const link of this.replicas.values()) {
      if (link.state === "online" && now - Math.floor(link.ackTime / 1000) <= this.minReplicas.maxLag) good++
    }
    return good
  }

  /** !checkGoodReplicasStatus: a master with min-replicas-to-write and -max-lag set and too few good replicas. */
  noReplicas(): boolean {
    const { toWrite, maxLag } = this.minReplicas
    if (toWrite === 0 || maxLag === 0 || this.masterHost !== undefined) return false
    return this.goodReplicas() < toWrite
  }

  countAcks(offset: number): number {
    let n = 0
    for (const link of this.replicas.values()) if (link.state === "online" && link.ackOffset >= offset) n++
    return n
  }

  /** WAIT blocks: REPLCONF GETACK * goes to the replicas before the event loop sleeps. */
  requestAcks(): void {
    if (this.getAckScheduled) return
    this.getAckScheduled = true
    setImmediate(() => {
      this.getAckScheduled = false
      if (this.masterHost === undefined && this.engine.pause === undefined) this.feed(GETACK)
    })
  }

  private replicaName(client: Client): string {
    const conf = this.confs.get(client)
    const addr = conf?.ipAddress ?? peerIp(client)
    return conf !== undefined && conf.listeningPort !== 0 ? `${addr}:${conf.listeningPort}` : `${addr}:<unknown-replica-port>`
  }

  // --- commands (master side) ------------------------------------------------------------------------

  replconf(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    const client = ctx.client
    const reply = ctx.reply
    if (argv.length % 2 === 0) return reply.error(Errors.SYNTAX)
    const conf = this.confs.get(client) ?? { listeningPort: 0, ipAddress: undefined, eof: false, psync2: false }
    for (let j = 1; j < argv.length; j += 2) {
      const option = argv[j]!.toLowerCase()
      const value = argv[j + 1]!
      if (option === "listening-port") {
        if (!/^-?\d+$/.test(value)) return reply.error(Errors.NOT_INTEGER)
        conf.listeningPort = Number(value)
      } else if (option === "ip-address") {
        if (value.length >= NET_HOST_STR_LEN) {
          return reply.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`)
        }
        conf.ipAddress = value
      } else if (option === "capa") {
        if (value.toLowerCase() === "eof") conf.eof = true
        else if (value.toLowerCase() === "psync2") conf.psync2 = true
      } else if (option === "ack") {
        const link = this.replicas.get(client)
        if (link === undefined || !/^-?\d+$/.test(value)) return
        const offset = Number(value)
        if (offset > link.ackOffset) link.ackOffset = offset
        link.ackTime = this.now
        if (link.startOnAck && link.state === "online") this.startStream(link)
        this.engine.signalCondition(REPLICA_ACKS)
        // beforeSleep's updateFailoverStatus: not here, as failing over drops clients
        if (this.failoverState === "waiting-for-sync") {
          setImmediate(() => {
            this.engine.refreshTime()
            this.updateFailoverStatus()
          })
        }
        return
      } else if (option === "getack") {
        if (this.masterHost !== undefined && client === this.masterClient) this.sendAck()
        return
      } else if (option === "rdb-only") {
        if (!/^-?\d+$/.test(value)) return reply.error(Errors.NOT_INTEGER)
        if (value !== "0" && value !== "1") return reply.error("ERR value is out of range, value must between 0 and 1")
      } else if (option === "rdb-filter-only") {
        // accepted; only full RDBs are produced
      } else {
        return reply.error(`ERR Unrecognized REPLCONF option: ${argv[j]!}`)
      }
    }
    this.confs.set(client, conf)
    reply.ok()
  }

  /** SYNC and PSYNC (syncCommand). */
  sync(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    const client = ctx.client
    if (client.replicaMode !== undefined) return
    // PSYNC <replid> <offset> FAILOVER: the old master asks this replica to take over
    if (argv.length > 3 && argv[0]!.toLowerCase() === "psync" && argv[3]!.toLowerCase() === "failover") {
      this.log("warning", `Failover request received for replid ${argv[1]!}.`)
      if (this.masterHost === undefined) return ctx.reply.error("ERR PSYNC FAILOVER can't be sent to a master.")
      if (argv[1]!.toLowerCase() !== this.replid.toLowerCase()) return ctx.reply.error("ERR PSYNC FAILOVER replid must match my replid.")
      this.unsetMaster()
      this.log("notice", `MASTER MODE enabled (failover request from '${clientInfoString(client, this.now, undefined)}')`)
    }
    if (this.failoverState !== "no-failover") return ctx.reply.error("NOMASTERLINK Can't SYNC while failing over")
    if (this.masterHost !== undefined && this.linkState !== "connected") {
      return ctx.reply.error("NOMASTERLINK Can't SYNC while not connected with my master")
    }
    if (client.reply.length > 0) return ctx.reply.error("ERR SYNC and PSYNC are invalid with pending output")
    const name = (): string => this.replicaName(client)
    this.log("notice", `Replica ${name()} asks for synchronization`)
    const psync = argv[0]!.toLowerCase() === "psync"
    if (psync) {
      const requested = argv[2]!
      if (!/^-?\d+$/.test(requested)) {
        ctx.reply.error(Errors.NOT_INTEGER)
        this.log("warning", `Replica ${name()} asks for synchronization but with a wrong offset`)
        return
      }
      if (this.tryPartial(client, argv[1]!, Number(requested))) {
        this.stats.syncPartialOk++
        return
      }
      if (argv[1] !== "?") this.stats.syncPartialErr++
    }
    this.stats.syncFull++
    const conf = this.confs.get(client)
    const link: ReplicaLink = {
      client,
      state: "wait_bgsave",
      pending: [],
      startOnAck: false,
      ackOffset: 0,
      ackTime: this.now,
      prePsync: !psync,
      fiber: undefined
    }
    this.makeReplica(client, link)
    if (this.backlog === undefined) {
      this.replid = hex40()
      this.clearReplid2()
      this.createBacklog()
      this.log("notice", `Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`)
    }
    const diskless = conf?.eof === true && this.config.getBool("repl-diskless-sync")
    const delay = diskless ? this.config.getNumber("repl-diskless-sync-delay") : 0
    if (delay > 0) this.log("notice", "Delay next BGSAVE for diskless SYNC")
    const start = (): boolean => {
      if (client.freed || this.replicas.get(client) !== link) return false
      this.log("notice", `Starting BGSAVE for SYNC with target: ${diskless ? "replicas sockets" : "disk"}`)
      // the snapshot and the offset of the same instant: the stream from here on is held for the replica
      // repl-stream-db: where the stream after this offset starts (a replica's: its master's)
      const streamDb = this.masterClient !== undefined ? this.masterClient.db.id : this.selectedDb === -1 ? 0 : this.selectedDb
      const encoder = new SnapshotEncoder(this.keyspace, this.config, {
        version: REDIS_VERSION,
        usedMemory: process.memoryUsage().heapUsed,
        replication: { streamDb, replid: this.replid, offset: this.offset },
        // the function libraries go with the data, as in an RDB file
        functions: this.engine.functionLibraries?.codes() ?? []
      })
      link.pending = []
      this.selectedDb = -1
      if (!link.prePsync) client.reply.raw(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`)
      link.fiber = this.run(this.sendRdb(link, encoder, diskless))
      return true
    }
    if (delay === 0) start()
    else {
      link.fiber = this.run(Effect.sleep(delay * 1000).pipe(Effect.andThen(Effect.sync(() => {
        if (start()) client.wake()
      }))))
    }
  }

  private makeReplica(client: Client, link: ReplicaLink): void {
    client.replicaMode = "replica"
    client.output.cls = "replica"
    this.replicas.set(client, link)
  }

  /** masterTryPartialResynchronization */
  private tryPartial(client: Client, replid: string, from: number): boolean {
    const name = this.replicaName(client)
    if (replid !== this.replid && (replid !== this.replid2 || from > this.secondReplOffset)) {
      if (replid !== "?") {
        if (replid !== this.replid && replid !== this.replid2) {
          this.log(
            "notice",
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`
          )
        } else {
          this.log("notice", `Partial resynchronization not accepted: Requested offset for second ID was ${from}, but I can reply up to ${this.secondReplOffset}`)
        }
      } else {
        this.log("notice", `Full resync requested by replica ${name}`)
      }
      return false
    }
    const backlog = this.backlog
    if (backlog === undefined || !backlog.holds(from)) {
      this.log("notice", `Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${from}).`)
      if (from > this.offset) {
        this.log("warning", `Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`)
      }
      return false
    }
    const link: ReplicaLink = {
      client,
      state: "online",
      pending: undefined,
      startOnAck: false,
      ackOffset: 0,
      ackTime: this.now,
      prePsync: false,
      fiber: undefined
    }
    this.makeReplica(client, link)
    const conf = this.confs.get(client)
    client.reply.raw(conf?.psync2 === true ? `+CONTINUE ${this.replid}\r\n` : "+CONTINUE\r\n")
    const bytes = backlog.readFrom(from)
    client.reply.rawBytes(bytes)
    this.log("notice", `Partial resynchronization request from ${name} accepted. Sending ${bytes.length} bytes of backlog starting from offset ${from}.`)
    return true
  }

  /** The RDB payload for a full sync, a slice per event-loop turn, straight to the replica's socket. */
  private sendRdb(link: ReplicaLink, encoder: SnapshotEncoder, eof: boolean): Effect.Effect<void> {
    const self = this
    const client = link.client
    return Effect.gen(function*() {
      // +FULLRESYNC first
      client.wake()
      const send = (bytes: Buffer) =>
        Effect.callback<boolean>((resume) => {
          const sink = client.output.sink
          if (sink === undefined || !sink.open() || client.freed) return resume(Effect.succeed(false))
          if (client.output.send(bytes)) return resume(Effect.succeed(true))
          sink.whenDrained(() => resume(Effect.succeed(!client.freed)))
        })
      link.state = "send_bulk"
      if (eof) {
        const mark = hex40()
        if (!(yield* send(Buffer.from(`$EOF:${mark}\r\n`, "latin1")))) return
        while (!encoder.done) {
          const piece = encoder.step(1000)
          if (piece.length > 0 && !(yield* send(piece))) return
          yield* Effect.yieldNow
        }
        if (!(yield* send(Buffer.from(mark, "latin1")))) return
        self.log("notice", `Streamed RDB transfer with replica ${self.replicaName(client)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`)
        link.startOnAck = true
        link.state = "online"
        self.putOnline(link)
      } else {
        const parts: Array<Buffer> = []
        while (!encoder.done) {
          parts.push(encoder.step(1000))
          if (client.freed) return
          yield* Effect.yieldNow
        }
        const payload = Buffer.concat(parts)
        self.log("notice", "Background saving terminated with success")
        if (!(yield* send(Buffer.concat([Buffer.from(`$${payload.length}\r\n`, "latin1"), payload])))) return
        link.state = "online"
        self.putOnline(link)
        self.startStream(link)
      }
    }).pipe(Effect.ensuring(Effect.sync(() => encoder.release())))
  }

  /** replicaPutOnline */
  private putOnline(link: ReplicaLink): void {
    link.ackTime = this.now
    this.log("notice", `Synchronization with replica ${this.replicaName(link.client)} succeeded`)
  }

  /** replicaStartCommandStream: what was held goes out, and the stream from now on directly. */
  private startStream(link: ReplicaLink): void {
    link.startOnAck = false
    const held = link.pending
    link.pending = undefined
    if (held === undefined || link.client.freed) return
    for (const bytes of held) link.client.reply.raw(bytes)
    this.engine.wakeLater(link.client)
  }

  /** A replica's connection went away (freeClient). */
  clientGone(client: Client): void {
    const link = this.replicas.get(client)
    if (link === undefined) return
    this.replicas.delete(client)
    if (this.replicas.size === 0) this.noReplicasSince = this.now
    if (link.fiber !== undefined) Effect.runFork(Fiber.interrupt(link.fiber))
    this.log("notice", `Connection with replica ${this.replicaName(client)} lost.`)
  }

  private disconnectReplicas(): void {
    for (const link of [...this.replicas.values()]) link.client.kill()
  }

  private clearReplid2(): void {
    this.replid2 = ZERO_ID
    this.secondReplOffset = -1
  }

  /** shiftReplicationId: a promoted replica keeps its history as replid2. */
  private shiftReplid(): void {
    this.replid2 = this.replid
    this.secondReplOffset = this.offset + 1
    this.replid = hex40()
    this.log("warning", `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`)
  }

  // --- REPLICAOF, ROLE ---------------------------------------------------------------------------------

  replicaof(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    if (this.failoverState !== "no-failover") return ctx.reply.error("ERR REPLICAOF not allowed while failing over.")
    const host = argv[1]!
    const portArg = argv[2]!
    if (host.toLowerCase() === "no" && portArg.toLowerCase() === "one") {
      if (this.masterHost !== undefined) {
        this.unsetMaster()
        this.log("notice", `MASTER MODE enabled (user request from '${clientInfoString(ctx.client, this.now, undefined)}')`)
      }
      return ctx.reply.ok()
    }
    if (ctx.client.replicaMode === "replica") return ctx.reply.error("ERR Command is not valid when client is a replica.")
    if (!/^-?\d+$/.test(portArg) || Number(portArg) < 0 || Number(portArg) > 65535) return ctx.reply.error("ERR Invalid master port")
    const port = Number(portArg)
    if (this.masterHost !== undefined && this.masterHost.toLowerCase() === host.toLowerCase() && this.masterPort === port) {
      this.log("notice", "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
      return ctx.reply.raw("+OK Already connected to specified master\r\n")
    }
    this.setMaster(host, port)
    this.log("notice", `REPLICAOF ${host}:${port} enabled (user request from '${clientInfoString(ctx.client, this.now, undefined)}')`)
    ctx.reply.ok()
  }

  /** replicationSetMaster */
  setMaster(host: string, port: number, startup = false): void {
    const wasMaster = this.masterHost === undefined && !startup
    this.dropLink()
    this.masterHost = host
    this.masterPort = port
    this.keyspace.isReplica = true
    this.config.set("replicaof", [host, String(port)], true)
    if (wasMaster) {
      // replicationCacheMasterUsingMyself: PSYNC may continue our own history
      this.cached = { replid: this.replid, reploff: this.offset, db: 0 }
    }
    this.updateSubscription()
    this.linkState = "connect"
    this.log("notice", `Connecting to MASTER ${host}:${port}`)
    this.startLinkFiber()
  }

  /** replicationUnsetMaster */
  unsetMaster(): void {
    if (this.masterHost === undefined) return
    this.masterHost = undefined
    this.dropLink()
    this.cached = undefined
    if (this.linkFiber !== undefined) {
      Effect.runFork(Fiber.interrupt(this.linkFiber))
      this.linkFiber = undefined
    }
    this.shiftReplid()
    this.disconnectReplicas()
    this.linkState = "none"
    this.selectedDb = -1
    this.downSince = 0
    this.noReplicasSince = this.now
    this.keyspace.isReplica = false
    this.config.set("replicaof", ["no", "one"], true)
    this.updateSubscription()
  }

  // --- FAILOVER --------------------------------------------------------------------------------------

  /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (failoverCommand) */
  failover(ctx: CommandContext, argv: ReadonlyArray<string>): void {
    const reply = ctx.reply
    if (argv.length === 2 && argv[1]!.toLowerCase() === "abort") {
      if (this.failoverState === "no-failover") return reply.error("ERR No failover in progress.")
      this.abortFailover("Failover manually aborted")
      return reply.ok()
    }
    let timeout = 0
    let force = false
    let port = 0
    let host: string | undefined = undefined
    for (let j = 1; j < argv.length; j++) {
      const arg = argv[j]!.toLowerCase()
      if (arg === "timeout" && j + 1 < argv.length && timeout === 0) {
        const n = intArg(reply, argv[j + 1]!)
        if (n === undefined) return
        if (n <= 0) return reply.error("ERR FAILOVER timeout must be greater than 0")
        timeout = n
        j++
      } else if (arg === "to" && j + 2 < argv.length && host === undefined) {
        const n = intArg(reply, argv[j + 2]!)
        if (n === undefined) return
        host = argv[j + 1]!
        port = n
        j += 2
      } else if (arg === "force" && !force) {
        force = true
      } else {
        return reply.error(Errors.SYNTAX)
      }
    }
    if (this.failoverState !== "no-failover") return reply.error("ERR FAILOVER already in progress.")
    if (this.masterHost !== undefined) return reply.error("ERR FAILOVER is not valid when server is a replica.")
    if (this.replicas.size === 0) return reply.error("ERR FAILOVER requires connected replicas.")
    if (force && (timeout === 0 || host === undefined)) {
      return reply.error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
    }
    if (host !== undefined) {
      const link = this.findReplica(host, port)
      if (link === undefined) return reply.error("ERR FAILOVER target HOST and PORT is not a replica.")
      if (link.state !== "online") return reply.error("ERR FAILOVER target replica is not online.")
      this.failoverTarget = { host, port }
      this.log("notice", `FAILOVER requested to ${host}:${port}.`)
    } else {
      this.log("notice", "FAILOVER requested to any replica.")
    }
    if (timeout > 0) this.failoverEnd = this.now + timeout
    this.forceFailover = force
    this.failoverState = "waiting-for-sync"
    // PAUSE_DURING_FAILOVER: writes wait (the stream stops growing) until the failover ends
    this.engine.pauseClients("write", Number.POSITIVE_INFINITY, "failover")
    this.failoverTimer ??= setInterval(() => {
      this.engine.refreshTime()
      this.updateFailoverStatus()
    }, 100)
    reply.ok()
  }

  /** findReplica: by the address it announced (or its peer address) and its listening port. */
  private findReplica(host: string, port: number): ReplicaLink | undefined {
    for (const link of this.replicas.values()) {
      const conf = this.confs.get(link.client)
      const addr = conf?.ipAddress ?? peerIp(link.client)
      if (addr.toLowerCase() === host.toLowerCase() && port === (conf?.listeningPort ?? 0)) return link
    }
    return undefined
  }

  /** updateFailoverStatus: the timeout, or a caught-up replica to hand over to. */
  updateFailoverStatus(): void {
    if (this.failoverState !== "waiting-for-sync") return
    const now = this.now
    if (this.failoverEnd !== 0 && this.failoverEnd <= now) {
      if (this.forceFailover) {
        const target = this.failoverTarget!
        this.log("notice", `FAILOVER to ${target.host}:${target.port} time out exceeded, failing over.`)
        this.failoverState = "failover-in-progress"
        this.setMaster(target.host, target.port)
      } else {
        this.abortFailover("Replica never caught up before timeout")
      }
      return
    }
    let link: ReplicaLink | undefined
    if (this.failoverTarget !== undefined) link = this.findReplica(this.failoverTarget.host, this.failoverTarget.port)
    else {
      for (const candidate of this.replicas.values()) {
        if (candidate.ackOffset !== this.offset) continue
        const conf = this.confs.get(candidate.client)
        this.failoverTarget = { host: conf?.ipAddress ?? peerIp(candidate.client), port: conf?.listeningPort ?? 0 }
        link = candidate
        break
      }
    }
    if (link !== undefined && link.ackOffset === this.offset) {
      const target = this.failoverTarget!
      this.failoverState = "failover-in-progress"
      this.log("notice", `Failover target ${target.host}:${target.port} is synced, failing over.`)
      this.setMaster(target.host, target.port)
    }
  }

  /** clearFailoverState: the failover pause is lifted. */
  private clearFailoverState(): void {
    this.failoverEnd = 0
    this.forceFailover = false
    this.failoverTarget = undefined
    this.failoverState = "no-failover"
    if (this.failoverTimer !== undefined) {
      clearInterval(this.failoverTimer)
      this.failoverTimer = undefined
    }
    this.engine.unpause("failover")
  }

  /** abortFailover: a failover already handing over goes back to being a master. */
  abortFailover(why: string): void {
    if (this.failoverState === "no-failover") return
    const target = this.failoverTarget
    this.log("notice", target !== undefined ? `FAILOVER to ${target.host}:${target.port} aborted: ${why}` : `FAILOVER to any replica aborted: ${why}`)
    if (this.failoverState === "failover-in-progress") this.unsetMaster()
    this.clearFailoverState()
  }

  role(ctx: CommandContext): void {
    const r = ctx.reply
    if (this.masterHost === undefined) {
      r.arrayHeader(3)
      r.bulk("master")
      r.integer(this.offset)
      const online = [...this.replicas.values()].filter((l) => l.state === "online")
      r.arrayHeader(online.length)
      for (const link of online) {
        const conf = this.confs.get(link.client)
        r.arrayHeader(3)
        r.bulk(conf?.ipAddress ?? peerIp(link.client))
        r.bulk(String(conf?.listeningPort ?? 0))
        r.bulk(String(link.ackOffset))
      }
      return
    }
    r.arrayHeader(5)
    r.bulk("slave")
    r.bulk(this.masterHost)
    r.integer(this.masterPort)
    r.bulk(this.linkState)
    r.integer(this.masterClient !== undefined ? this.offset : -1)
  }

  // --- INFO ------------------------------------------------------------------------------------------

  info(): ReadonlyArray<InfoField> {
    const now = this.now
    const fields: Array<InfoField> = [["role", this.masterHost === undefined ? "master" : "slave"]]
    if (this.masterHost !== undefined) {
      const connected = this.linkState === "connected"
      const reploff = this.masterClient !== undefined ? this.offset : this.cached?.reploff ?? 1
      const readOff = this.masterClient !== undefined ? this.readOffset : this.cached?.reploff ?? 1
      fields.push(
        ["master_host", this.masterHost],
        ["master_port", this.masterPort],
        ["master_link_status", connected ? "up" : "down"],
        ["master_last_io_seconds_ago", this.masterClient !== undefined ? Math.floor((now - this.lastIo) / 1000) : -1],
        ["master_sync_in_progress", this.linkState === "sync" ? 1 : 0],
        ["slave_read_repl_offset", readOff],
        ["slave_repl_offset", reploff]
      )
      if (this.linkState === "sync" && this.conn !== undefined) {
        const total = this.conn.eofMark === undefined ? this.conn.bulkLen : 0
        const read = this.conn.bulkRead
        fields.push(
          ["master_sync_total_bytes", total],
          ["master_sync_read_bytes", read],
          ["master_sync_left_bytes", total - read],
          ["master_sync_perc", (total === 0 ? 0 : (read / total) * 100).toFixed(2)],
          ["master_sync_last_io_seconds_ago", Math.floor((now - this.lastIo) / 1000)]
        )
      }
      if (!connected) {
        fields.push(["master_link_down_since_seconds", this.downSince !== 0 ? Math.floor((now - this.downSince) / 1000) : -1])
      }
      fields.push(
        ["slave_priority", this.config.getNumber("replica-priority")],
        ["slave_read_only", this.config.getBool("replica-read-only") ? 1 : 0],
        ["replica_announced", this.config.getBool("replica-announced") ? 1 : 0]
      )
    }
    fields.push(["connected_slaves", this.replicas.size])
    if (this.minReplicas.toWrite > 0 && this.minReplicas.maxLag > 0) fields.push(["min_slaves_good_slaves", this.goodReplicas()])
    let id = 0
    for (const link of this.replicas.values()) {
      const conf = this.confs.get(link.client)
      const lag = link.state === "online" ? Math.floor(now / 1000) - Math.floor(link.ackTime / 1000) : 0
      fields.push([
        `slave${id++}`,
        `ip=${conf?.ipAddress ?? peerIp(link.client)},port=${conf?.listeningPort ?? 0},state=${link.state},offset=${link.ackOffset},lag=${lag}`
      ])
    }
    const backlog = this.backlog
    fields.push(
      ["master_failover_state", this.failoverState],
      ["master_replid", this.replid],
      ["master_replid2", this.replid2],
      ["master_repl_offset", this.offset],
      ["second_repl_offset", this.secondReplOffset],
      ["repl_backlog_active", backlog !== undefined ? 1 : 0],
      ["repl_backlog_size", this.config.getNumber("repl-backlog-size")],
      ["repl_backlog_first_byte_offset", backlog?.offset ?? 0],
      ["repl_backlog_histlen", backlog?.histlen ?? 0]
    )
    return fields
  }

  // --- cron ------------------------------------------------------------------------------------------

  /** replicationCron, once a second. */
  cron(): void {
    this.engine.refreshTime()
    const now = this.now
    const timeout = this.config.getNumber("repl-timeout") * 1000
    if (this.masterHost !== undefined) {
      if (this.linkState === "connected" && this.conn !== undefined) {
        if (now - this.lastIo > timeout) {
          this.log("warning", "MASTER timeout: no data nor PING received...")
          this.conn.socket.destroy()
        } else {
          this.sendAck()
        }
      } else if (this.conn !== undefined && now - this.lastIo > timeout) {
        this.log("warning", this.linkState === "sync"
          ? "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
          : "Timeout connecting to the MASTER...")
        this.conn.socket.destroy()
      }
    }
    const period = this.config.getNumber("repl-ping-replica-period")
    if (this.cronLoops % period === 0 && this.replicas.size > 0 && this.masterHost === undefined && this.engine.pause === undefined) {
      this.feed(PING)
    }
    this.cronLoops++
    // repl-backlog-ttl: a master without replicas for that long forgets its history
    const ttl = this.config.getNumber("repl-backlog-ttl")
    if (this.replicas.size > 0) this.noReplicasSince = now
    else if (ttl > 0 && this.backlog !== undefined && this.masterHost === undefined) {
      const idle = Math.floor(now / 1000) - Math.floor(this.noReplicasSince / 1000)
      if (idle > ttl) {
        this.replid = hex40()
        this.clearReplid2()
        this.backlog = undefined
        this.updateSubscription()
        this.log("notice", `Replication backlog freed after ${ttl} seconds without connected replicas.`)
      }
    }
    for (const link of [...this.replicas.values()]) {
      if (link.state === "online" && !link.prePsync && now - link.ackTime > timeout) {
        this.log("warning", `Disconnecting timedout replica (streaming sync): ${this.replicaName(link.client)}`)
        link.client.kill()
      }
    }
  }

  // --- the replica side: the link to the master -----------------------------------------------------

  private startLinkFiber(): void {
    if (this.linkFiber !== undefined) return
    const self = this
    this.linkFiber = this.run(Effect.gen(function*() {
      let attempt = 0
      while (self.masterHost !== undefined) {
        // the data on disk loads first (a start-up load must not overwrite what the master sends)
        while (self.engine.loading && self.conn === undefined) yield* Effect.sleep(50)
        const host = self.masterHost
        if (host === undefined) return
        const port = self.masterPort
        const established = yield* Effect.callback<boolean>((resume) => {
          self.connect(host, port, (wasUp) => resume(Effect.succeed(wasUp)))
          return Effect.sync(() => self.dropLink())
        })
        if (self.masterHost === undefined) return
        // a link that was up reconnects at once (replicationHandleMasterDisconnection); a failed attempt
        // waits, up to a second as replicationCron's retries
        attempt = established ? 0 : attempt + 1
        if (attempt > 0) yield* Effect.sleep(Math.min(1000, 100 * 2 ** (attempt - 1)))
        if (self.masterHost === undefined) return
        self.log("notice", `${established ? "Reconnecting" : "Connecting"} to MASTER ${self.masterHost}:${self.masterPort}`)
      }
    }).pipe(Effect.ensuring(Effect.sync(() => {
      self.linkFiber = undefined
    }))))
  }

  /** connectWithMaster and the handshake of syncWithMaster, driven by the socket's events. */
  private connect(host: string, port: number, done: (wasUp: boolean) => void): void {
    this.linkState = "connecting"
    this.lastIo = this.engine.keyspace.now
    const socket = Net.connect({ host, port })
    socket.setNoDelay(true)
    let finished = false
    const conn: MasterConnection = {
      socket,
      phase: "ping",
      buf: Buffer.alloc(0),
      expected: [],
      bulkLen: 0,
      eofMark: undefined,
      bulkParts: [],
      bulkRead: 0,
      fullSync: undefined,
      done: () => {
        if (finished) return
        finished = true
        const wasUp = conn.phase === "stream"
        this.linkLost(conn)
        done(wasUp)
      }
    }
    this.conn = conn
    socket.on("connect", () => {
      this.log("notice", "MASTER <-> REPLICA sync started")
      this.log("notice", "Non blocking connect for SYNC fired the event.")
      this.linkState = "handshake"
      socket.write(encodeCommand(["PING"]), "latin1")
    })
    socket.on("data", (chunk: Buffer) => {
      if (this.conn !== conn) return
      this.engine.refreshTime()
      this.lastIo = this.engine.keyspace.now
      try {
        this.onData(conn, chunk)
      } catch (e) {
        this.log("warning", `Error in the replication link: ${(e as Error).message}`)
        socket.destroy()
      }
    })
    socket.on("error", (e) => {
      if (conn.phase === "ping" && this.linkState === "connecting") {
        this.log("warning", `Error condition on socket for SYNC: ${describeError(e)}`)
      }
    })
    socket.on("close", () => conn.done())
  }

  /** Closes the current master connection, if any (REPLICAOF elsewhere, NO ONE, the Layer's end). */
  private dropLink(): void {
    const conn = this.conn
    if (conn === undefined) return
    conn.socket.destroy()
    conn.done()
  }

  private linkLost(conn: MasterConnection): void {
    if (this.conn !== conn) return
    this.conn = undefined
    const wasUp = conn.phase === "stream"
    conn.phase = "closed"
    const master = this.masterClient
    if (wasUp && master !== undefined) {
      this.log("notice", "Connection with master lost.")
      this.log("notice", "Caching the disconnected master state.")
      this.cached = { replid: this.replid, reploff: this.offset, db: master.db.id }
      this.downSince = this.now
    }
    if (master !== undefined) {
      this.masterClient = undefined
      this.engine.freeClient(master)
    }
    this.unapplied = Buffer.alloc(0)
    if (this.masterHost !== undefined) this.linkState = "connect"
  }

  /** One line of a reply ("\r\n"-terminated) from the connection's buffer, or undefined. */
  private line(conn: MasterConnection): string | undefined {
    const i = conn.buf.indexOf("\r\n")
    if (i === -1) return undefined
    const line = conn.buf.latin1Slice(0, i)
    conn.buf = conn.buf.subarray(i + 2)
    return line
  }

  private onData(conn: MasterConnection, chunk: Buffer): void {
    if (conn.phase === "stream") return this.applyStream(conn, chunk)
    conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk])
    for (;;) {
      switch (conn.phase) {
        case "ping": {
          const reply = this.line(conn)
          if (reply === undefined) return
          if (reply.startsWith("-") && !reply.startsWith("-NOAUTH") && !reply.startsWith("-NOPERM") && !reply.startsWith("-ERR operation not permitted")) {
            this.log("warning", `Error reply to PING from master: '${reply}'`)
            conn.socket.destroy()
            return
          }
          this.log("notice", "Master replied to PING, replication can continue...")
          const out: Array<string> = []
          const auth = this.config.get("masterauth") ?? ""
          if (auth !== "") {
            const user = this.config.get("masteruser") ?? ""
            out.push(encodeCommand(user !== "" ? ["AUTH", user, auth] : ["AUTH", auth]))
            conn.expected.push("auth")
          }
          const announced = this.config.getNumber("replica-announce-port")
          const port = announced !== 0 ? announced : this.engine.listeningPort ?? this.config.getNumber("port")
          out.push(encodeCommand(["REPLCONF", "listening-port", String(port)]))
          conn.expected.push("listening-port")
          const ip = this.config.get("replica-announce-ip") ?? ""
          if (ip !== "") {
            out.push(encodeCommand(["REPLCONF", "ip-address", ip]))
            conn.expected.push("ip-address")
          }
          out.push(encodeCommand(["REPLCONF", "capa", "eof", "capa", "psync2"]))
          conn.expected.push("capa")
          conn.socket.write(out.join(""), "latin1")
          conn.phase = "replies"
          break
        }
        case "replies": {
          const reply = this.line(conn)
          if (reply === undefined) return
          const what = conn.expected.shift()!
          if (reply.startsWith("-")) {
            if (what === "auth") {
              this.log("warning", `Unable to AUTH to MASTER: ${reply}`)
              conn.socket.destroy()
              return
            }
            this.log("notice", `(Non critical) Master does not understand REPLCONF ${what}: ${reply}`)
          }
          if (conn.expected.length > 0) break
          const cached = this.cached
          let replid = "?"
          let offset = "-1"
          if (cached !== undefined) {
            replid = cached.replid
            offset = String(cached.reploff + 1)
            this.log("notice", `Trying a partial resynchronization (request ${replid}:${offset}).`)
          } else {
            this.log("notice", "Partial resynchronization not possible (no cached master)")
          }
          // a master failing over tells its target to take over
          const psync = this.failoverState === "failover-in-progress" ? ["PSYNC", replid, offset, "FAILOVER"] : ["PSYNC", replid, offset]
          conn.socket.write(encodeCommand(psync), "latin1")
          conn.phase = "psync"
          break
        }
        case "psync": {
          // newlines a master sends while the replica waits for its BGSAVE to start
          while (conn.buf.length > 0 && conn.buf[0] === 0x0a) conn.buf = conn.buf.subarray(1)
          const reply = this.line(conn)
          if (reply === undefined) return
          if (reply.length === 0) break
          // the planned failover: the target accepted (a full resync is fine too) or refused
          if (this.failoverState === "failover-in-progress") {
            if (reply.startsWith("+FULLRESYNC") || reply.startsWith("+CONTINUE")) this.clearFailoverState()
            else {
              this.abortFailover("Failover target rejected psync request")
              return
            }
          }
          if (reply.startsWith("+FULLRESYNC")) {
            const [, replid, offset] = reply.split(" ")
            if (replid === undefined || offset === undefined || replid.length !== 40) {
              this.log("warning", "Master replied with wrong +FULLRESYNC syntax.")
              conn.socket.destroy()
              return
            }
            this.log("notice", `Full resync from master: ${replid}:${offset}`)
            this.cached = undefined
            conn.fullSync = { replid, offset: Number(offset) }
            conn.phase = "bulk-header"
            this.linkState = "sync"
            break
          }
          if (reply.startsWith("+CONTINUE")) {
            this.log("notice", "Successful partial resynchronization with master.")
            const newId = reply.slice(10).trim()
            const cached = this.cached!
            if (newId.length === 40 && newId !== cached.replid) {
              this.replid2 = cached.replid
              this.secondReplOffset = this.offset + 1
              this.replid = newId
              this.log("warning", `Master replication ID changed to ${newId}`)
              this.disconnectReplicas()
            }
            this.log("notice", "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            this.offset = cached.reploff
            this.readOffset = cached.reploff
            this.engine.replicationOffset = this.offset
            if (this.backlog === undefined) this.createBacklog()
            this.attachMasterClient(cached.db)
            this.cached = undefined
            conn.phase = "stream"
            this.linkState = "connected"
            const rest = conn.buf
            conn.buf = Buffer.alloc(0)
            if (rest.length > 0) this.applyStream(conn, rest)
            return
          }
          if (reply.startsWith("-NOMASTERLINK") || reply.startsWith("-LOADING")) {
            this.log("notice", `Master is currently unable to PSYNC but should be in the future: ${reply}`)
          } else if (!reply.startsWith("-ERR")) {
            this.log("warning", `Unexpected reply to PSYNC from master: ${reply}`)
          } else {
            this.log("notice", `Master does not support PSYNC or is in error state (reply: ${reply})`)
          }
          conn.socket.destroy()
          return
        }
        case "bulk-header": {
          // newlines the master sends while it prepares the RDB keep the link alive
          while (conn.buf.length > 0 && conn.buf[0] === 0x0a) conn.buf = conn.buf.subarray(1)
          const header = this.line(conn)
          if (header === undefined) return
          if (header.startsWith("-")) {
            this.log("warning", `MASTER aborted replication with an error: ${header.slice(1)}`)
            conn.socket.destroy()
            return
          }
          if (!header.startsWith("$")) {
            this.log("warning", `Bad protocol from MASTER, the first byte is not '$' (we received '${header}'), are you sure the host and port are right?`)
            conn.socket.destroy()
            return
          }
          if (header.startsWith("$EOF:") && header.length >= 45) {
            conn.eofMark = header.slice(5, 45)
            this.log("notice", "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
          } else {
            conn.bulkLen = Number(header.slice(1))
            this.log("notice", `MASTER <-> REPLICA sync: receiving ${conn.bulkLen} bytes from master to disk`)
          }
          conn.phase = "bulk"
          break
        }
        case "bulk": {
          if (conn.eofMark === undefined) {
            const take = Math.min(conn.buf.length, conn.bulkLen - conn.bulkRead)
            conn.bulkParts.push(conn.buf.subarray(0, take))
            conn.bulkRead += take
            conn.buf = conn.buf.subarray(take)
            if (conn.bulkRead < conn.bulkLen) return
            this.loadRdb(conn, Buffer.concat(conn.bulkParts))
          } else {
            conn.bulkParts.push(conn.buf)
            conn.bulkRead += conn.buf.length
            conn.buf = Buffer.alloc(0)
            const all = conn.bulkParts.length === 1 ? conn.bulkParts[0]! : Buffer.concat(conn.bulkParts)
            conn.bulkParts = [all]
            if (all.length < 40 || all.latin1Slice(all.length - 40, all.length) !== conn.eofMark) return
            this.loadRdb(conn, all.subarray(0, all.length - 40))
          }
          return
        }
        default:
          return
      }
    }
  }

  /**
   * readSyncBulkPayload's end: the RDB is loaded into fresh databases a slice per event-loop turn
   * (clients get LOADING meanwhile, and stream bytes wait), then swapped in and the master client made.
   */
  private loadRdb(conn: MasterConnection, payload: Buffer): void {
    const full = conn.fullSync!
    // replicationAttachToNewMaster: a new history, so sub-replicas resync and the backlog starts over
    this.disconnectReplicas()
    this.backlog = undefined
    this.log("notice", "MASTER <-> REPLICA sync: Flushing old data")
    this.log("notice", "MASTER <-> REPLICA sync: Loading DB in memory")
    this.engine.refreshTime()
    const engine = this.engine
    const fail = (e: unknown): void => {
      engine.loading = false
      this.log("warning", `Failed trying to load the MASTER synchronization DB from disk: ${(e as Error).message}`)
      conn.socket.destroy()
    }
    let load: KeyspaceLoad
    // the master's function libraries, read from the payload's FUNCTION2 opcodes
    const functions: Array<string> = []
    try {
      load = new KeyspaceLoad(this.keyspace, this.config, payload, (level, line) => this.log(level === "debug" ? "verbose" : level, line), {
        expireOnLoad: false,
        functions
      })
    } catch (e) {
      return fail(e)
    }
    conn.phase = "loading"
    engine.loading = true
    const step = (): void => {
      // the link broke meanwhile: what was loaded is dropped, the keyspace stays as it was
      if (this.conn !== conn) {
        engine.loading = false
        return
      }
      try {
        if (!load.step(1000)) return void setImmediate(step)
        load.commit()
        // emptyData drops the replica's libraries; the master's replace them
        const libraries = engine.functionLibraries
        if (libraries !== undefined) {
          libraries.flush()
          for (const code of functions) {
            const error = libraries.load(code, false)
            if (error !== undefined) this.log("warning", `Failed loading library, ${error}`)
          }
        }
      } catch (e) {
        return fail(e)
      }
      engine.loading = false
      this.keyspace.dirty++
      // restartAOFAfterSYNC: an AOF written before the sync knows nothing of the new dataset
      if (this.config.get("appendonly") === "yes" && engine.lookup("bgrewriteaof") !== undefined) {
        const aof = engine.createInternalClient("aof")
        engine.dispatch(aof, ["BGREWRITEAOF"], Callers.aof)
      }
      this.replid = full.replid
      this.offset = full.offset
      this.readOffset = full.offset
      engine.replicationOffset = full.offset
      this.clearReplid2()
      this.createBacklog()
      this.attachMasterClient(load.loader.replStreamDb)
      this.log("notice", "MASTER <-> REPLICA sync: Finished with success")
      conn.phase = "stream"
      this.linkState = "connected"
      if (conn.eofMark !== undefined) this.sendAck()
      const rest = conn.buf
      conn.buf = Buffer.alloc(0)
      if (rest.length > 0) this.applyStream(conn, rest)
    }
    step()
  }

  /** replicationCreateMasterClient */
  private attachMasterClient(db: number): void {
    const client = this.engine.createInternalClient("master", { addr: `${this.masterHost}:${this.masterPort}` })
    if (db >= 0 && db < this.keyspace.dbs.length) client.db = this.keyspace.dbs[db]!
    // CLIENT KILL TYPE master closes the link (the replica reconnects and continues)
    const conn = this.conn
    client.kill = () => conn?.socket.destroy()
    this.masterClient = client
    this.unapplied = Buffer.alloc(0)
  }

  /**
   * The master's stream: every complete command runs through the pipeline as the master's; the bytes
   * of the commands applied go on, unchanged, to this server's backlog and replicas.
   */
  private applyStream(conn: MasterConnection, chunk: Buffer): void {
    const client = this.masterClient
    if (client === undefined) return
    this.readOffset += chunk.length
    this.unapplied = this.unapplied.length === 0 ? chunk : Buffer.concat([this.unapplied, chunk])
    client.parser.feed(chunk)
    this.processMasterInput(conn, client)
  }

  private processMasterInput(conn: MasterConnection, client: Client): void {
    const engine = this.engine
    while (client.blocked === undefined) {
      const argv = client.parser.next()
      if (argv === undefined) break
      if (argv instanceof ProtocolError) {
        this.log("warning", `Protocol error from the MASTER: ${argv.message}`)
        conn.socket.destroy()
        return
      }
      client.lastInteraction = engine.keyspace.now
      engine.dispatch(client, argv, Callers.master)
      // inside a transaction nothing counts as applied until its EXEC (commandProcessed): a link
      // broken mid-transaction continues from the MULTI, whose queue died with the old master client
      if (client.multi !== undefined) continue
      // the bytes of this command are applied: reploff moves, and they go on to sub-replicas
      const applied = this.unapplied.length - client.parser.pending
      if (applied > 0) {
        const bytes = this.unapplied.latin1Slice(0, applied)
        this.unapplied = this.unapplied.subarray(applied)
        this.feed(bytes)
      }
    }
    client.parser.detach()
    if (client.blocked !== undefined) {
      // held by CLIENT PAUSE: go on once it is lifted
      const blocked = client.blocked
      const retry = (): void => {
        if (this.masterClient !== client || this.conn !== conn) return
        if (client.blocked === blocked) {
          engine.timeoutBlocked(client)
          if (client.blocked !== undefined) return void setTimeout(retry, 10)
        }
        engine.refreshTime()
        this.processMasterInput(conn, client)
      }
      setTimeout(retry, 10)
    }
  }

  /** replicationSendAck: the offset applied so far. */
  sendAck(): void {
    const conn = this.conn
    if (conn === undefined || conn.phase !== "stream" || this.masterClient === undefined) return
    conn.socket.write(ackCommand(this.offset), "latin1")
  }

  /** Connects to the configured `replicaof` master, if any (once, at start-up). */
  start(): void {
    if (this.started) return
    this.started = true
    const replicaof = this.config.get("replicaof") ?? ""
    if (replicaof === "") return
    const [host, port] = replicaof.split(" ") as [string, string]
    this.setMaster(host, Number(port), true)
  }

  private started = false

  /** The Layer's end: the link and the replicas' transfers stop. */
  close(): void {
    if (this.failoverTimer !== undefined) clearInterval(this.failoverTimer)
    this.failoverTimer = undefined
    const host = this.masterHost
    this.masterHost = undefined
    this.dropLink()
    this.masterHost = host
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}

const peerIp = (client: Client): string => {
  const addr = client.addr
  const i = addr.lastIndexOf(":")
  return i === -1 ? addr : addr.slice(0, i)
}

const describeError = (e: Error & { code?: string }): string =>
  e.code === "ECONNREFUSED" ? "Connection refused" : e.message

// --- the command table -------------------------------------------------------------------------------

const replicationCommandSpecs = (state: ReplicationState | undefined): ReadonlyArray<CommandSpec> => [
  defineCommand({
    name: "sync",
    arity: 1,
    flags: "admin noscript no_async_loading no_multi",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Internal command used for replication", since: "1.0.0", group: "server" },
    handler: (ctx, argv) => state!.sync(ctx, argv)
  }),
  defineCommand({
    name: "psync",
    arity: -3,
    flags: "admin noscript no_async_loading no_multi",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Internal command used for replication", since: "2.8.0", group: "server" },
    handler: (ctx, argv) => state!.sync(ctx, argv)
  }),
  defineCommand({
    name: "replconf",
    arity: -1,
    flags: "admin noscript loading stale allow_busy",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "An internal command for configuring the replication stream", since: "3.0.0", group: "server", complexity: "O(1)" },
    handler: (ctx, argv) => state!.replconf(ctx, argv)
  }),
  defineCommand({
    name: "replicaof",
    arity: 3,
    flags: "admin noscript stale no_async_loading",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Make the server a replica of another instance, or promote it as master.", since: "5.0.0", group: "server", complexity: "O(1)" },
    handler: (ctx, argv) => state!.replicaof(ctx, argv)
  }),
  defineCommand({
    name: "slaveof",
    arity: 3,
    flags: "admin noscript stale no_async_loading",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Make the server a replica of another instance, or promote it as master.", since: "1.0.0", group: "server", complexity: "O(1)" },
    handler: (ctx, argv) => state!.replicaof(ctx, argv)
  }),
  defineCommand({
    name: "failover",
    arity: -1,
    flags: "admin noscript stale",
    keys: [0, 0, 0],
    acl: "@admin @slow @dangerous",
    docs: { summary: "Start a coordinated failover between this server and one of its replicas.", since: "6.2.0", group: "server", complexity: "O(1)" },
    handler: (ctx, argv) => state!.failover(ctx, argv)
  }),
  defineCommand({
    name: "role",
    arity: 1,
    flags: "noscript loading stale fast",
    keys: [0, 0, 0],
    acl: "@admin @fast @dangerous",
    docs: { summary: "Return the role of the instance in the context of replication", since: "2.8.12", group: "server", complexity: "O(1)" },
    handler: (ctx) => state!.role(ctx)
  })
]

/** The commands the replication Layer contributes (for rename-command checks before Layers exist). */
export const replicationCommandTable = replicationCommandSpecs(undefined)

/**
 * Whether the Layer connects to the `replicaof` master as soon as it is built (the default: an embedded
 * server has no data to load first). The server program sets it to false and calls `start()` once the
 * data on disk is loaded, as redis-server connects only after loading.
 */
export const ReplicationStartsAtBuild = Context.Reference<boolean>("effect-redis-server/ReplicationStartsAtBuild", {
  defaultValue: () => true
})

export class Replication extends Context.Service<Replication, ReplicationState>()("effect-redis-server/Replication") {
  static readonly layer: Layer.Layer<Replication, never, Engine | Keyspace | CommandRegistry | ServerConfig> = Layer.effect(
    Replication,
    Effect.gen(function*() {
      const engine = yield* Engine
      const keyspace = yield* Keyspace
      const config = yield* ServerConfig
      const context = yield* Effect.context<never>()
      const log = (level: Level, line: string): void => {
        const effect = level === "warning" ? Effect.logWarning(line) : level === "notice" ? Effect.logInfo(line) : Effect.logDebug(line)
        Effect.runSyncWith(context)(effect)
      }
      const fibers = yield* FiberSet.make()
      const runFork = yield* FiberSet.runtime(fibers)()
      const run = (effect: Effect.Effect<void>): Fiber.Fiber<void> =>
        runFork(effect.pipe(Effect.catchCause((cause) => Effect.logWarning("replication fiber failed", cause))))
      const state = new ReplicationState(engine, keyspace, config, log, run)
      yield* CommandRegistry.contributeScoped((r: Registry) => {
        const undo = [
          r.addCommands(replicationCommandSpecs(state)),
          r.addInfoSection("replication", () => state.info()),
          r.addInfo("stats", () => [
            ["sync_full", state.stats.syncFull],
            ["sync_partial_ok", state.stats.syncPartialOk],
            ["sync_partial_err", state.stats.syncPartialErr]
          ]),
          r.onClientReset((client) => {
            if (client.freed) state.clientGone(client)
          })
        ]
        return () => {
          for (const f of undo) f()
        }
      })
      yield* watchScoped(config, "min-replicas-to-write", (v) => void (state.minReplicas.toWrite = Number(v)))
      yield* watchScoped(config, "min-replicas-max-lag", (v) => void (state.minReplicas.maxLag = Number(v)))
      yield* CommandRegistry.contributeScoped((r: Registry) => {
        const previous = r.checks.noReplicas
        r.checks.noReplicas = () => state.noReplicas()
        return () => {
          r.checks.noReplicas = previous
        }
      })
      engine.replicaAcks = (offset) => state.countAcks(offset)
      engine.requestReplicaAcks = () => state.requestAcks()
      yield* watchScoped(config, "repl-backlog-size", (v) => state.resizeBacklog(Number(v)))
      yield* watchScoped(config, "replica-serve-stale-data", () => state.updateStale())
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          engine.replicaAcks = () => 0
          engine.masterDown = false
          engine.requestReplicaAcks = () => {}
          state.close()
        })
      )
      yield* Effect.forkScoped(
        Effect.sleep(1000).pipe(Effect.andThen(Effect.sync(() => state.cron())), Effect.forever)
      )
      if (yield* ReplicationStartsAtBuild) state.start()
      return state
    })
  )
}

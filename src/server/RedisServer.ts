import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as NetAddress from "effect/net/NetAddress"
import * as Socket from "effect/socket/Socket"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as Net from "node:net"
import { ServerConfig } from "../config/ServerConfig.ts"
import type { Client } from "./Client.ts"
import type { Keyspace } from "../keyspace/Keyspace.ts"
import { RedisCore } from "../layers.ts"
import type { BlockingWaiters } from "./BlockingWaiters.ts"
import { Engine, type EngineState } from "./Engine.ts"

export interface ListenOptions {
  /** TCP port; 0 picks a free port (read it from `RedisServer.port`). Defaults to the `port` config. */
  readonly port?: number
  /** Address to listen on. Defaults to the first address of the `bind` config. */
  readonly host?: string
}

export interface RedisServerOptions extends ListenOptions {
  /** Config directives (as in redis.conf) overriding the defaults, e.g. `{ databases: "4" }`. */
  readonly config?: Readonly<Record<string, string | ReadonlyArray<string>>>
}

/** A listening server: the address it is bound to. */
export interface ListeningServer {
  readonly host: string
  readonly port: number
}

/** Maps Redis's `bind` list to one Node listen host ("*" and "::*" mean every interface). */
export const bindHost = (bind: string): string | undefined => {
  const first = bind.trim().split(/\s+/)[0] ?? "*"
  const address = first.startsWith("-") ? first.slice(1) : first
  if (address === "*" || address === "::*" || address === "") return undefined // all interfaces, v4 and v6
  return address
}

const peerAddress = (raw: Net.Socket | undefined): { addr: string; laddr: string; fd: number } => {
  if (raw === undefined) return { addr: "", laddr: "", fd: -1 }
  // Redis writes IPv6 peers in brackets ([::1]:port); IPv4-mapped addresses as plain IPv4
  const fmt = (host: string | undefined, port: number | undefined) => {
    const address = (host ?? "").replace(/^::ffff:(?=\d+\.)/, "")
    return `${address.includes(":") ? `[${address}]` : address}:${port ?? 0}`
  }
  const handle = (raw as unknown as { _handle?: { fd?: number } })._handle
  return {
    addr: fmt(raw.remoteAddress, raw.remotePort),
    laddr: fmt(raw.localAddress, raw.localPort),
    fd: handle?.fd ?? -1
  }
}

/** Bytes a connection may have read ahead of the engine before the socket stops reading. */
const READ_AHEAD_LIMIT = 1024 * 1024

/** A connection's byte streams: batches in, one write per batch out. */
interface Io {
  readonly pull: Effect.Effect<ReadonlyArray<Uint8Array>, Socket.SocketError>
  /** Writes; undefined when the bytes are taken synchronously, else the wait for the socket to drain. */
  readonly write: (bytes: Uint8Array | string) => Effect.Effect<void, Socket.SocketError> | undefined
}

/**
 * Writes straight to the net.Socket, waiting for 'drain' when the kernel buffer is full: the
 * backpressure of Effect's socket writer, which only starts writing once its own reader is in use.
 */
const rawWrite = (raw: Net.Socket) => (bytes: Uint8Array | string): Effect.Effect<void, Socket.SocketError> | undefined => {
  if (raw.destroyed) return Effect.fail(new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("socket closed") }) }))
  if (raw.write(bytes)) return undefined
  return Effect.callback<void, Socket.SocketError>((resume) => {
    const done = () => {
      cleanup()
      resume(Effect.void)
    }
    const closed = () => {
      cleanup()
      resume(Effect.fail(new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("socket closed") }) })))
    }
    const cleanup = () => {
      raw.off("drain", done)
      raw.off("close", closed)
    }
    raw.on("drain", done)
    raw.on("close", closed)
    return Effect.sync(cleanup)
  })
}

/**
 * The connection's pull: the batches of bytes received since the last pull, as Effect's
 * `Socket.readerBytes` gives them, but read in flowing mode ('data' events). Its paused-mode reader
 * waits for a 'readable' event that Node emits a tick later and then calls read(): measured with
 * redis-benchmark -P 1, that hop cost MSET about 20% of its throughput (70k vs 89k req/s on the same
 * engine). Bytes queue while the fiber is busy, up to READ_AHEAD_LIMIT, where reading pauses until
 * the next pull (TCP backpressure then holds the client). EOF and errors fail the pull with the same
 * SocketError reasons as Effect's reader, after the bytes that came before them.
 */
const flowingPull = (raw: Net.Socket) =>
  Effect.gen(function*() {
    let queued: Array<Buffer> = []
    let queuedBytes = 0
    let failure: Socket.SocketError | undefined
    let waiting: ((effect: Effect.Effect<ReadonlyArray<Buffer>, Socket.SocketError>) => void) | undefined
    const deliver = () => {
      if (waiting === undefined) return
      const resume = waiting
      if (queued.length > 0) {
        waiting = undefined
        const out = queued
        queued = []
        queuedBytes = 0
        if (raw.isPaused()) raw.resume()
        resume(Effect.succeed(out))
      } else if (failure !== undefined) {
        waiting = undefined
        resume(Effect.fail(failure))
      }
    }
    const onData = (chunk: Buffer) => {
      queued.push(chunk)
      queuedBytes += chunk.length
      if (queuedBytes > READ_AHEAD_LIMIT) raw.pause()
      deliver()
    }
    const fail = (reason: Socket.SocketError["reason"]) => {
      failure ??= new Socket.SocketError({ reason })
      deliver()
    }
    const onEnd = () => fail(new Socket.SocketCloseError({ code: 1000 }))
    const onError = (cause: Error) => fail(new Socket.SocketReadError({ cause }))
    const onClose = (hadError: boolean) => fail(new Socket.SocketCloseError({ code: hadError ? 1006 : 1000 }))
    raw.on("data", onData)
    raw.on("end", onEnd)
    raw.on("error", onError)
    raw.on("close", onClose)
    raw.resume()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        raw.off("data", onData)
        raw.off("end", onEnd)
        raw.off("error", onError)
        raw.off("close", onClose)
        // the connection is over (QUIT, protocol error, EOF, shutdown): close after the last write
        raw.destroySoon()
      })
    )
    return Effect.callback<ReadonlyArray<Buffer>, Socket.SocketError>((resume) => {
      waiting = resume
      deliver()
      if (waiting !== resume) return
      return Effect.sync(() => {
        if (waiting === resume) waiting = undefined
      })
    })
  })

/**
 * One connection: a fiber that pulls a batch of bytes, makes one synchronous engine call that parses
 * and executes every complete command, then writes all replies at once. A blocked client waits on its
 * Deferred, its timeout (Effect's Clock) or more bytes/EOF from the socket, whichever comes first.
 */
const connection = (engine: EngineState, maxClients: () => number) => (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const raw = Option.getOrUndefined(yield* Effect.serviceOption(NodeSocket.NetSocket))
    const io: Io = raw === undefined
      ? { pull: yield* Socket.readerBytes(socket), write: (yield* socket.writer).write }
      : { pull: yield* flowingPull(raw), write: rawWrite(raw) }
    const pull = io.pull
    if (engine.clients.size >= maxClients()) {
      engine.stats.rejectedConnections++
      const drained = io.write("-ERR max number of clients reached\r\n")
      if (drained !== undefined) yield* drained
      return
    }
    const client = engine.createClient(peerAddress(raw))
    yield* Effect.addFinalizer(() => Effect.sync(() => engine.freeClient(client)))
    /** The replies of the batch in one write; an Effect only when the socket must drain first. */
    const flush = (): Effect.Effect<void, Socket.SocketError> | undefined => {
      const out = client.reply.take()
      if (out === undefined) return undefined
      engine.stats.netOutputBytes += out.length
      return io.write(out)
    }
    client.kill = () => {
      client.closeAfterReply = true
      raw?.destroy()
    }
    client.wake = () => {
      // replies produced by another client's command (a served waiter): write them now, in order
      const out = client.reply.take()
      if (out !== undefined && raw !== undefined && !raw.destroyed) {
        engine.stats.netOutputBytes += out.length
        raw.write(out)
      }
    }
    const clock = yield* Clock.Clock
    const waitWhileBlocked = (blocked: Client["blocked"] & {}) =>
      Effect.gen(function*() {
        let state: Client["blocked"] = blocked
        while (state !== undefined) {
          const timeout = state.timeoutAt === 0
            ? Effect.never
            : Effect.sleep(Math.max(0, state.timeoutAt - clock.currentTimeMillisUnsafe()))
          // raceAllFirst, not raceAll: raceAll ignores a failure while the others still run, so EOF
          // (a failed pull) would leave a disconnected client blocked, and served, forever.
          const outcome = yield* Effect.raceAllFirst([
            Deferred.await(state.done).pipe(Effect.as("done" as const)),
            timeout.pipe(Effect.as("timeout" as const)),
            pull
          ])
          if (outcome === "timeout") engine.timeoutBlocked(client)
          else if (outcome !== "done") {
            // bytes sent while blocked wait in the query buffer, as in Redis
            for (const chunk of outcome) {
              engine.stats.netInputBytes += chunk.length
              client.parser.feed(chunk)
            }
          }
          state = client.blocked
        }
      })
    while (!client.closeAfterReply) {
      const chunks = yield* pull
      engine.handleBatch(client, chunks)
      const drained = flush()
      if (drained !== undefined) yield* drained
      if (client.closeReason !== undefined) yield* Effect.logWarning(client.closeReason)
      while (client.blocked !== undefined && !client.closeAfterReply) {
        yield* waitWhileBlocked(client.blocked)
        engine.refreshTime()
        engine.processInput(client)
        const resumed = flush()
        if (resumed !== undefined) yield* resumed
      }
    }
  }).pipe(
    Effect.scoped,
    Effect.catchTag("SocketError", () => Effect.void)
  )

/** The listening TCP server as a service. */
export class RedisServer extends Context.Service<RedisServer, ListeningServer>()("effect-redis-server/RedisServer") {
  /**
   * A complete server: configuration (defaults plus `options.config`), keyspace, engine, active
   * expiry, and a TCP listener. Everything is released with the Layer.
   */
  static readonly layer = (
    options: RedisServerOptions = {}
  ): Layer.Layer<RedisServer | Engine | Keyspace | BlockingWaiters | ServerConfig, SocketServer.SocketServerError> =>
    RedisServer.listen(options).pipe(Layer.provideMerge(RedisCore(options.config)))

  /**
   * Only the listener: serves clients with the Engine until the Layer is released. Port and host come
   * from `options`, else from the `port`/`bind` config.
   */
  static readonly listen = (
    options: ListenOptions = {}
  ): Layer.Layer<RedisServer, SocketServer.SocketServerError, Engine | ServerConfig> =>
    Layer.effect(
      RedisServer,
      Effect.gen(function*() {
        const engine = yield* Engine
        const config = yield* ServerConfig
        const port = options.port ?? config.getNumber("port")
        const host = options.host ?? bindHost(config.get("bind") ?? "*")
        const server = yield* NodeSocketServer.make({
          port,
          ...(host === undefined ? {} : { host }),
          noDelay: true,
          backlog: config.getNumber("tcp-backlog"),
          keepAlive: config.getNumber("tcp-keepalive") > 0,
          keepAliveInitialDelay: config.getNumber("tcp-keepalive") * 1000
        })
        const address = server.address
        const bound = address._tag === "UnixPathAddress"
          ? { host: address.path, port: 0 }
          : { host: NetAddress.formatIp(address.address), port: address.port }
        engine.listeningPort = bound.port
        yield* Effect.forkScoped(server.run(connection(engine, () => config.getNumber("maxclients"))))
        return bound
      })
    )
}

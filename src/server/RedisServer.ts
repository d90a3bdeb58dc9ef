import { NodeSocket, NodeSocketServer } from "@effect/platform-node"
import { Clock, Context, Deferred, Effect, Layer, Option } from "effect"
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

/**
 * One connection: a fiber that pulls a batch of bytes, makes one synchronous engine call that parses
 * and executes every complete command, then writes all replies at once. A blocked client waits on its
 * Deferred, its timeout (Effect's Clock) or more bytes/EOF from the socket, whichever comes first.
 */
const connection = (engine: EngineState, maxClients: () => number) => (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const raw = Option.getOrUndefined(yield* Effect.serviceOption(NodeSocket.NetSocket))
    const pull = yield* Socket.readerBytes(socket)
    const writer = yield* socket.writer
    if (engine.clients.size >= maxClients()) {
      engine.stats.rejectedConnections++
      yield* writer.write("-ERR max number of clients reached\r\n")
      return
    }
    const client = engine.createClient(peerAddress(raw))
    yield* Effect.addFinalizer(() => Effect.sync(() => engine.freeClient(client)))
    const send = (out: Buffer) => {
      engine.stats.netOutputBytes += out.length
      return writer.write(out)
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
    const flush = Effect.suspend(() => {
      const out = client.reply.take()
      return out === undefined ? Effect.void : send(out)
    })
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
      yield* flush
      if (client.closeReason !== undefined) yield* Effect.logWarning(client.closeReason)
      while (client.blocked !== undefined && !client.closeAfterReply) {
        yield* waitWhileBlocked(client.blocked)
        engine.refreshTime()
        engine.processInput(client)
        yield* flush
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

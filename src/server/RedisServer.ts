import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as FS from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { MAX_CLIENTS_REACHED, PROTECTED_MODE_DENIED } from "../commands/errors.ts"
import { TLS_CONFIGURE_HOOK, TLS_PORT_HOOK } from "../config/directives.ts"
import { type ConfigError, type ConfigStore, ServerConfig } from "../config/ServerConfig.ts"
import type { Keyspace } from "../keyspace/Keyspace.ts"
import { RedisCore } from "../layers.ts"
import { protectedModeRefuses } from "./admission.ts"
import type { BlockingWaiters } from "./BlockingWaiters.ts"
import type { Client } from "./Client.ts"
import { Engine, type EngineState } from "./Engine.ts"
import {
  CERTIFICATE_VERIFY_FAILED,
  hasPeerCertificate,
  NO_PEER_CERTIFICATE,
  opensslErrorText,
  peerVerifyError,
  type TlsAuthClients,
  tlsConfigure,
  type TlsSetup
} from "./Tls.ts"

export interface ListenOptions {
  /** TCP port; 0 picks a free port (read it from `RedisServer.port`). Defaults to the `port` config. */
  readonly port?: number
  /** Address to listen on. Defaults to the first address of the `bind` config. */
  readonly host?: string
  /**
   * TLS port; 0 picks a free port (read it from `RedisServer.tlsPort`). Defaults to the `tls-port`
   * config, where 0 means no TLS listener.
   */
  readonly tlsPort?: number
}

export interface RedisServerOptions extends ListenOptions {
  /** Config directives (as in redis.conf) overriding the defaults, e.g. `{ databases: "4" }`. */
  readonly config?: Readonly<Record<string, string | ReadonlyArray<string>>>
}

/**
 * A listening server: the address it is bound to (port 0 when TCP is off), its TLS port (0 when TLS is
 * off; as bound at start-up, CONFIG SET tls-port moves it later), and its unix socket if any.
 */
export interface ListeningServer {
  readonly host: string
  readonly port: number
  readonly tlsPort: number
  readonly unixSocket?: string
}

/** The listener could not be opened; `lines` are what redis-server logs before aborting. */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly lines: ReadonlyArray<string>
  readonly cause: unknown
}> {}

/** Maps Redis's `bind` list to one Node listen host ("*" and "::*" mean every interface). */
export const bindHost = (bind: string): string | undefined => {
  const first = bind.trim().split(/\s+/)[0] ?? "*"
  const address = first.startsWith("-") ? first.slice(1) : first
  if (address === "*" || address === "::*" || address === "") return undefined // all interfaces, v4 and v6
  return address
}

const peerAddress = (raw: Net.Socket, unixSocket: string | undefined): { addr: string; laddr: string; fd: number; unixSocket?: boolean } => {
  const handle = (raw as unknown as { _handle?: { fd?: number } })._handle
  // a unix socket client is named by the socket's path, as Redis's "<path>:0"
  if (unixSocket !== undefined) return { addr: `${unixSocket}:0`, laddr: `${unixSocket}:0`, fd: handle?.fd ?? -1, unixSocket: true }
  // Redis writes IPv6 peers in brackets ([::1]:port); IPv4-mapped addresses as plain IPv4
  const fmt = (host: string | undefined, port: number | undefined) => {
    const address = (host ?? "").replace(/^::ffff:(?=\d+\.)/, "")
    return `${address.includes(":") ? `[${address}]` : address}:${port ?? 0}`
  }
  return {
    addr: fmt(raw.remoteAddress, raw.remotePort),
    laddr: fmt(raw.localAddress, raw.localPort),
    fd: handle?.fd ?? -1
  }
}

/** The socket closed, or failed, under a connection: its fiber ends. */
class ConnectionClosed extends Data.TaggedError("ConnectionClosed")<{ readonly cause?: unknown }> {}

/** Bytes a connection may have read ahead of the engine before the socket stops reading. */
const READ_AHEAD_LIMIT = 1024 * 1024

/**
 * One read buffer for every connection: reads happen one at a time on the event loop, and `onData`
 * either executes the bytes at once (the parser copies out what is left of an incomplete command) or
 * copies them into the connection's queue, so no two connections use it at once.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024)

/**
 * The accepted socket re-created with Node's `onread` option (reads land in `readBuffer` and go to a
 * callback): no stream machinery per read. Measured against a bare Node server answering every read,
 * this takes the CPU per request at redis-benchmark -P 1 from 10.6-12.1 us to 9.3-10.1 us (redis-server:
 * ~8 us), and -P 1 is where the CPU per request decides the throughput on a busy machine. Node offers
 * `onread` only to sockets it constructs, so the accepted socket hands its handle over (`_handle`,
 * Node 24's net.js) and the emptied shell is destroyed, which also settles the server's connection count.
 */
const adopt = (accepted: Net.Socket, onread: (bytes: Buffer) => boolean): Net.Socket => {
  const shell = accepted as unknown as { _handle: unknown }
  const handle = shell._handle
  shell._handle = null
  accepted.destroy()
  return new Net.Socket({
    handle,
    onread: {
      buffer: readBuffer,
      callback: (n: number) => onread(readBuffer.subarray(0, n))
    }
  } as Net.SocketConstructorOpts)
}

/**
 * Serves a batch inline, from the read callback, while the connection fiber waits in its main loop:
 * undefined when it was served completely (the replies are written, nothing else to do), else how to
 * resume the fiber, which then finishes the batch (drain, a blocked command, closing, a defect). The
 * chunk is a view of the shared read buffer: it must not be kept.
 */
type InlineServe = (chunk: Buffer) => Effect.Effect<ReadonlyArray<Buffer>> | undefined

/** Resumes a fiber after `serve` ran its batch: nothing is left to execute, only to finish. */
const SERVED: Effect.Effect<ReadonlyArray<Buffer>> = Effect.succeed([])

/**
 * The connection's pulls: the batches of bytes received since the last pull, delivered by `onread` as
 * they arrive (a paused reader waiting for 'readable', as Effect's socket reader does, gets them a tick
 * later: measured with redis-benchmark -P 1, that hop cost MSET about 20% of its throughput). Bytes queue
 * while the fiber is busy, up to READ_AHEAD_LIMIT, where reading stops until the next pull (TCP
 * backpressure then holds the client). EOF and errors fail the pull, after the bytes that came before
 * them. `serving(serve)` is the pull of the fiber's main loop: a batch that arrives while it waits there
 * goes to `serve` first, and an empty batch resumes the fiber when `serve` has already handled the bytes.
 */
const connectionPull = (accepted: Net.Socket, secured?: Tls.TLSSocket) =>
  Effect.gen(function*() {
    let queued: Array<Buffer> = []
    let queuedBytes = 0
    let closed: ConnectionClosed | undefined
    let waiting: ((effect: Effect.Effect<ReadonlyArray<Buffer>, ConnectionClosed>) => void) | undefined
    let serve: InlineServe | undefined
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
      } else if (closed !== undefined) {
        waiting = undefined
        resume(Effect.fail(closed))
      }
    }
    const onData = (chunk: Buffer): boolean => {
      if (serve !== undefined && waiting !== undefined && queued.length === 0) {
        const resume = serve(chunk)
        if (resume === undefined) return true
        const fiber = waiting
        waiting = undefined
        fiber(resume)
        return true
      }
      // a copy: `chunk` is the shared read buffer
      queued.push(Buffer.from(chunk))
      queuedBytes += chunk.length
      deliver()
      // false pauses the socket (reading stops) until a pull takes the queue
      return queuedBytes <= READ_AHEAD_LIMIT
    }
    const onClose = (cause?: unknown) => {
      closed ??= new ConnectionClosed({ cause })
      deliver()
    }
    // a TLS socket delivers decrypted chunks of its own (no shared buffer) through 'data'
    const raw = secured === undefined ? adopt(accepted, onData) : secured
    if (secured !== undefined) {
      secured.on("data", (chunk: Buffer) => {
        if (!onData(chunk)) secured.pause()
      })
    }
    raw.on("end", onClose)
    raw.on("error", onClose)
    raw.on("close", onClose)
    raw.resume()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        raw.off("end", onClose)
        raw.off("error", onClose)
        raw.off("close", onClose)
        // the connection is over (QUIT, protocol error, EOF, shutdown): close after the last write
        raw.destroySoon()
      })
    )
    const pullWith = (inline: InlineServe | undefined) =>
      Effect.callback<ReadonlyArray<Buffer>, ConnectionClosed>((resume) => {
        waiting = resume
        serve = undefined
        deliver()
        if (waiting !== resume) return
        serve = inline
        return Effect.sync(() => {
          if (waiting === resume) {
            waiting = undefined
            serve = undefined
          }
        })
      })
    return { raw, pull: pullWith(undefined), serving: pullWith }
  })

/** Waits for 'drain' after a write the socket could not take at once: the output backpressure. */
const drain = (raw: Net.Socket): Effect.Effect<void, ConnectionClosed> =>
  Effect.callback<void, ConnectionClosed>((resume) => {
    if (raw.destroyed) return resume(Effect.fail(new ConnectionClosed({})))
    const drained = () => {
      cleanup()
      resume(Effect.void)
    }
    const closed = () => {
      cleanup()
      resume(Effect.fail(new ConnectionClosed({})))
    }
    const cleanup = () => {
      raw.off("drain", drained)
      raw.off("close", closed)
    }
    raw.on("drain", drained)
    raw.on("close", closed)
    return Effect.sync(cleanup)
  })

/**
 * Writes to a socket that has no client yet (the refusal when maxclients is reached); undefined when
 * the bytes were taken at once, else the wait for 'drain'.
 */
const write = (raw: Net.Socket, bytes: Uint8Array | string): Effect.Effect<void, ConnectionClosed> | undefined => {
  if (raw.destroyed) return Effect.fail(new ConnectionClosed({}))
  if (raw.write(bytes)) return undefined
  return drain(raw)
}

/** What a listener's connections are besides TCP: unix socket clients, or TLS ones. */
interface Transport {
  readonly unixSocket?: string
  readonly tls?: TlsAccept
}

/**
 * Connections in their TLS handshake, shared by a server's listeners: Redis makes the client before
 * the handshake, so they count against maxclients.
 */
interface Handshakes {
  pending: number
}

/** The TLS context of the moment (CONFIG SET replaces it) and `tls-auth-clients`. */
interface TlsAccept {
  readonly setup: () => TlsSetup
  readonly authClients: () => TlsAuthClients
  readonly log: (line: string) => void
  /** `timeout`: a connection idle in its handshake for longer is closed, as Redis's idle client would be. */
  readonly idleSeconds: () => number
}

/**
 * The TLS handshake of an accepted connection, with Redis's client certificate rules (SSL_set_verify
 * per tls-auth-clients): "yes" requires a certificate that verifies, "optional" verifies one if sent,
 * "no" asks for none. OpenSSL itself refuses a missing certificate; Node leaves the verification of a
 * sent one to its caller, so a bad one is refused once the handshake is done. A failure is logged as
 * Redis logs it and ends the connection.
 */
const handshake = (accepted: Net.Socket, tls: TlsAccept): Effect.Effect<Tls.TLSSocket, ConnectionClosed> =>
  Effect.callback<Tls.TLSSocket, ConnectionClosed>((resume) => {
    const auth = tls.authClients()
    const socket = new Tls.TLSSocket(accepted, {
      isServer: true,
      secureContext: tls.setup().context,
      requestCert: auth !== "no",
      rejectUnauthorized: auth === "yes"
    })
    const idle = tls.idleSeconds()
    const timer = idle > 0 ? setTimeout(() => fail(undefined), idle * 1000) : undefined
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer)
      socket.off("secure", onSecure)
      socket.off("error", onError)
      socket.off("close", onClose)
    }
    const fail = (reason: string | undefined) => {
      cleanup()
      if (reason !== undefined) tls.log(`Error accepting a client connection: ${reason}`)
      socket.destroy()
      resume(Effect.fail(new ConnectionClosed({ cause: reason })))
    }
    const onSecure = () => {
      if (auth !== "no" && hasPeerCertificate(socket) && peerVerifyError(socket) !== undefined) return fail(CERTIFICATE_VERIFY_FAILED)
      if (auth === "yes" && !hasPeerCertificate(socket)) return fail(NO_PEER_CERTIFICATE)
      cleanup()
      resume(Effect.succeed(socket))
    }
    const onError = (e: unknown) => fail(opensslErrorText(e))
    const onClose = () => fail(undefined)
    socket.on("secure", onSecure)
    socket.on("error", onError)
    socket.on("close", onClose)
    return Effect.sync(() => {
      cleanup()
      socket.destroy()
    })
  })

/**
 * One connection: a fiber that pulls a batch of bytes, makes one synchronous engine call that parses
 * and executes every complete command, then writes all replies at once (while it waits for a batch,
 * `serve` does the same from the read callback). A blocked client waits on its Deferred, its timeout
 * (Effect's Clock) or more bytes/EOF from the socket, whichever comes first.
 */
const connection = (engine: EngineState, config: ConfigStore, handshakes: Handshakes, transport: Transport = {}) => (accepted: Net.Socket) =>
  Effect.gen(function*() {
    const { unixSocket, tls } = transport
    // Redis's admission control, before the transport's own negotiation (acceptCommonHandler)
    const full = engine.clients.size + handshakes.pending >= config.getNumber("maxclients")
    let secured: Tls.TLSSocket | undefined
    if (tls !== undefined) {
      if (full) {
        // no handshake yet, so the error cannot be written: the connection just drops, as in Redis
        engine.stats.rejectedConnections++
        accepted.destroy()
        return
      }
      handshakes.pending++
      secured = yield* handshake(accepted, tls).pipe(Effect.ensuring(Effect.sync(() => handshakes.pending--)))
    }
    const peer = peerAddress(accepted, unixSocket)
    const remoteAddress = accepted.remoteAddress
    const { raw, pull, serving } = yield* connectionPull(accepted, secured)
    if (full) {
      engine.stats.rejectedConnections++
      const drained = write(raw, `-${MAX_CLIENTS_REACHED}\r\n`)
      if (drained !== undefined) yield* drained
      return
    }
    // clientAcceptHandler: once the transport is up (after the TLS handshake), protected mode
    if (protectedModeRefuses(config, engine.registry.acl, remoteAddress, unixSocket !== undefined)) {
      engine.stats.rejectedConnections++
      const drained = write(raw, `-${PROTECTED_MODE_DENIED}\r\n`)
      if (drained !== undefined) yield* drained
      return
    }
    const client = engine.createClient(peer)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        engine.freeClient(client)
        // why the server closed the client on its own (query or output buffer limit), as Redis logs it
        return client.closeReason === undefined ? Effect.void : Effect.logWarning(client.closeReason)
      })
    )
    const output = client.output
    output.sink = {
      open: () => !raw.destroyed,
      write: (bytes) => raw.write(bytes),
      pending: () => raw.writableLength,
      full: () => raw.writableNeedDrain,
      whenDrained: (then) => void raw.once("drain", then),
      close: (reason) => {
        client.closeReason = reason
        client.kill()
      }
    }
    /**
     * The replies of the batch in one write; an Effect only when the socket must drain first (also
     * when an inline batch's write left it full).
     */
    const flush = (): Effect.Effect<void, ConnectionClosed> | undefined => {
      // replies waiting for their writes to reach the disk (appendfsync always) go with the fsync
      if (output.durableHold) return undefined
      const out = client.reply.take()
      if (out === undefined) return raw.writableNeedDrain ? drain(raw) : undefined
      if (raw.destroyed) return Effect.fail(new ConnectionClosed({}))
      return output.send(out) ? undefined : drain(raw)
    }
    /**
     * The batch path without the fiber: the same engine call and write the main loop makes, run from
     * the read callback while the fiber waits in that loop. Resuming the fiber for every batch costs
     * more than the batch itself at redis-benchmark -P 1 (see ARCHITECTURE, "Decisions"). Whatever
     * is not a plain request/reply (a blocked command, closing, a full socket, a defect) resumes the
     * fiber, which finishes the batch as if it had run it.
     */
    const serve: InlineServe = (chunk) => {
      try {
        engine.handleBatch(client, [chunk])
      } catch (cause) {
        return Effect.die(cause)
      } finally {
        // the chunk is the shared read buffer: unexecuted bytes (an incomplete command, commands after
        // one that blocked) are copied out, the executed ones were never copied at all
        client.parser.detach()
      }
      if (client.blocked !== undefined || client.closeAfterReply) return SERVED
      if (output.durableHold) return undefined
      const out = client.reply.take()
      if (out === undefined) return undefined
      return output.send(out) ? undefined : SERVED
    }
    const pullServing = serving(serve)
    client.kill = () => {
      client.closeAfterReply = true
      raw.destroy()
    }
    const clock = yield* Clock.Clock
    const waitWhileBlocked = (blocked: Client["blocked"] & {}) =>
      Effect.gen(function*() {
        let state: Client["blocked"] = blocked
        while (state !== undefined && !client.closeAfterReply) {
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
            // ... within client-query-buffer-limit, as for any client (the blocked client is freed)
            if (engine.checkQueryBufferLimit(client)) return
          }
          state = client.blocked
        }
      })
    while (!client.closeAfterReply) {
      const chunks = yield* pullServing
      // an empty batch: `serve` has run it already and left the rest to the fiber
      if (chunks.length > 0) engine.handleBatch(client, chunks)
      const drained = flush()
      if (drained !== undefined) yield* drained
      while (client.blocked !== undefined && !client.closeAfterReply) {
        yield* waitWhileBlocked(client.blocked)
        if (client.closeReason !== undefined) yield* Effect.logWarning(client.closeReason)
        engine.refreshTime()
        engine.processInput(client)
        const resumed = flush()
        if (resumed !== undefined) yield* resumed
      }
    }
  }).pipe(
    Effect.scoped,
    Effect.catchTag("ConnectionClosed", () => Effect.void)
  )

/**
 * A TCP listener owned by the current scope: connections get a fiber each (in a FiberSet, so closing
 * the scope interrupts them, which closes their sockets) and the listener closes after them. A plain
 * net.Server rather than Effect's socket server: the connections use the net.Socket directly anyway,
 * and not loading effect/socket (with Schema, Stream and Channel behind it) saves about 20 MB of RSS.
 */
const listenOn = Effect.fnUntraced(function*(
  options: Net.ListenOptions,
  serverOptions: Net.ServerOpts,
  handle: (socket: Net.Socket) => Effect.Effect<void>,
  failure: (cause: Error & { code?: string }) => ReadonlyArray<string>,
  /**
   * Where connections run when they outlive this listener (the TLS one, which CONFIG SET tls-port
   * closes while its clients stay, as in Redis): then closing does not wait for them.
   */
  runElsewhere?: (effect: Effect.Effect<void>) => unknown
) {
  const server = yield* Effect.acquireRelease(
    Effect.callback<Net.Server, ListenError>((resume) => {
      const server = Net.createServer({ ...serverOptions, pauseOnConnect: true })
      const onError = (cause: Error & { code?: string }) => {
        resume(Effect.fail(new ListenError({ lines: failure(cause), cause })))
      }
      server.once("error", onError)
      server.listen(options, () => {
        server.off("error", onError)
        resume(Effect.succeed(server))
      })
    }),
    (server) =>
      runElsewhere === undefined
        ? Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
        : Effect.sync(() => void server.close())
  )
  // released before the listener above: connections are interrupted first, so close() can finish
  const run = runElsewhere ?? (yield* FiberSet.runtime(yield* FiberSet.make())())
  server.on("connection", (socket) => {
    run(handle(socket))
  })
  return server
})

/**
 * The unix socket listener (`unixsocket`, `unixsocketperm`): a stale socket file is removed first, the
 * file gets the configured permissions, and it is removed again when the listener closes, as
 * redis-server does ("Removing the unix socket file.").
 */
const listenUnix = Effect.fnUntraced(function*(
  path: string,
  perm: number,
  backlog: number,
  handle: (socket: Net.Socket) => Effect.Effect<void>
) {
  yield* Effect.sync(() => FS.rmSync(path, { force: true }))
  yield* Effect.addFinalizer(() =>
    Effect.log("Removing the unix socket file.").pipe(Effect.andThen(Effect.sync(() => FS.rmSync(path, { force: true }))))
  )
  yield* listenOn({ path, backlog }, {}, handle, (cause) => [`Failed opening Unix socket: ${cause.message}`])
  if (perm !== 0) yield* Effect.sync(() => FS.chmodSync(path, perm))
})

/** The listening TCP server as a service. */
export class RedisServer extends Context.Service<RedisServer, ListeningServer>()("effect-redis-server/RedisServer") {
  /**
   * A complete server: configuration (defaults plus `options.config`), keyspace, engine, active
   * expiry, and a TCP listener. Everything is released with the Layer.
   */
  static readonly layer = (
    options: RedisServerOptions = {}
  ): Layer.Layer<RedisServer | Engine | Keyspace | BlockingWaiters | ServerConfig, ListenError | ConfigError> =>
    RedisServer.listen(options).pipe(Layer.provideMerge(RedisCore(options.config)))

  /**
   * Only the listener: serves clients with the Engine until the Layer is released. Port and host come
   * from `options`, else from the `port`/`bind` config.
   */
  static readonly listen = (
    options: ListenOptions = {}
  ): Layer.Layer<RedisServer, ListenError, Engine | ServerConfig> =>
    Layer.effect(
      RedisServer,
      Effect.gen(function*() {
        const engine = yield* Engine
        const config = yield* ServerConfig
        const layerScope = yield* Effect.scope
        const context = yield* Effect.context<never>()
        const logWarning = (line: string) => Effect.runSyncWith(context)(Effect.logWarning(line))
        const backlog = config.getNumber("tcp-backlog")
        const handshakes: Handshakes = { pending: 0 }
        const serve = connection(engine, config, handshakes)
        const path = config.get("unixsocket") ?? ""
        // `port 0` in the configuration means no TCP listener, as in redis-server; `options.port: 0`
        // (embedding) asks for a free port. The same for `tls-port` and `options.tlsPort`.
        const port = options.port ?? config.getNumber("port")
        const tlsPort = options.tlsPort ?? config.getNumber("tls-port")
        const wantsTls = tlsPort !== 0 || options.tlsPort === 0
        const host = options.host ?? bindHost(config.get("bind") ?? "*")
        const keepAlive = config.getNumber("tcp-keepalive")
        const tcpOptions: Net.ServerOpts = { noDelay: true, keepAlive: keepAlive > 0, keepAliveInitialDelay: keepAlive * 1000 }
        const listenFailure = (port: number, kind: "TCP" | "TLS") => (cause: Error & { code?: string }) => [
          `Warning: Could not create server TCP listening socket ${host ?? "*"}:${port}: ${
            cause.code === "EADDRINUSE" ? "bind: Address already in use" : cause.message
          }`,
          `Failed listening on port ${port} (${kind}), aborting.`
        ]

        // TLS: the context is made before any listener opens, and a failure stops the start-up
        let tlsSetup: TlsSetup | undefined
        const configureTls = (get: (name: string) => string): ReadonlyArray<string> | undefined => {
          const result = tlsConfigure(get)
          if ("lines" in result) return result.lines
          tlsSetup = result.setup
          return undefined
        }
        const get = (name: string) => config.get(name) ?? ""
        if (wantsTls || get("tls-replication") === "yes" || get("tls-cluster") === "yes") {
          const failed = configureTls(get)
          if (failed !== undefined) {
            return yield* Effect.fail(
              new ListenError({ lines: [...failed, "Failed to configure TLS. Check logs for more info."], cause: undefined })
            )
          }
        }
        const serveTls = connection(engine, config, handshakes, {
          tls: {
            setup: () => tlsSetup!,
            authClients: () => get("tls-auth-clients") as TlsAuthClients,
            log: logWarning,
            idleSeconds: () => config.getNumber("timeout")
          }
        })
        // TLS connections belong to the Layer, not to the listener: moving the port keeps them
        const runTls = yield* FiberSet.runtime(yield* FiberSet.make())()
        /** The TLS listener in a scope of its own, which CONFIG SET tls-port closes to move it. */
        let tlsListener: { readonly scope: Scope.Closeable; readonly port: number } | undefined
        const openTls = (port: number) =>
          Effect.gen(function*() {
            const scope = yield* Scope.fork(layerScope)
            const server = yield* listenOn(
              { port, ...(host === undefined ? {} : { host }), backlog },
              tcpOptions,
              serveTls,
              listenFailure(port, "TLS"),
              runTls
            ).pipe(Scope.provide(scope), Effect.onError(() => Scope.close(scope, Exit.void)))
            tlsListener = { scope, port: (server.address() as Net.AddressInfo).port }
            return tlsListener.port
          })
        const closeTls = Effect.suspend(() => {
          const current = tlsListener
          tlsListener = undefined
          return current === undefined ? Effect.void : Scope.close(current.scope, Exit.void)
        })
        const unsetConfigure = config.setApplyHook(TLS_CONFIGURE_HOOK, (get) => {
          // applyTlsCfg: only while TLS is in use
          const inUse = tlsListener !== undefined || get("tls-port") !== "0" || get("tls-cluster") === "yes" || get("tls-replication") === "yes"
          if (!inUse) return undefined
          const failed = configureTls(get)
          if (failed === undefined) return undefined
          for (const line of failed) logWarning(line)
          return "Unable to update TLS configuration. Check server logs."
        })
        // applyTLSPort: the context first if there is none, then the listener moves (asynchronously
        // here: Node binds after the command has replied, and a failure to bind is only logged)
        const unsetPort = config.setApplyHook(TLS_PORT_HOOK, (get) => {
          if (tlsSetup === undefined) {
            const failed = configureTls(get)
            if (failed !== undefined) {
              for (const line of failed) logWarning(line)
              return "Unable to update TLS configuration. Check server logs."
            }
          }
          const next = Number(get("tls-port"))
          Effect.runForkWith(context)(
            closeTls.pipe(
              Effect.andThen(next === 0 ? Effect.void : openTls(next)),
              Effect.catchTag("ListenError", (e) => Effect.forEach(e.lines.slice(0, 1), (line) => Effect.logWarning(line)))
            )
          )
          return undefined
        })
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            unsetConfigure()
            unsetPort()
          })
        )

        let listening: ListeningServer = { host: "", port: 0, tlsPort: 0 }
        if (port !== 0 || options.port === 0) {
          const server = yield* listenOn(
            { port, ...(host === undefined ? {} : { host }), backlog },
            tcpOptions,
            serve,
            listenFailure(port, "TCP")
          )
          const address = server.address() as Net.AddressInfo
          engine.listeningPort = address.port
          listening = { ...listening, host: address.address, port: address.port }
        }
        if (wantsTls) {
          const bound = yield* openTls(tlsPort)
          listening = { ...listening, tlsPort: bound }
        }
        if (path !== "") {
          yield* listenUnix(path, parseInt(config.get("unixsocketperm") ?? "0", 8), backlog, connection(engine, config, handshakes, { unixSocket: path }))
          listening = { ...listening, unixSocket: path }
        }
        if (listening.port === 0 && listening.tlsPort === 0 && listening.unixSocket === undefined) {
          return yield* Effect.fail(new ListenError({ lines: ["Configured to not listen anywhere, exiting."], cause: undefined }))
        }
        return listening
      })
    )
}

/**
 * redis-server's command line: `effect-redis-server [/path/to/redis.conf] [--name value ...]`.
 * Only composes Layers (the core, persistence, the listener) and runs them until SHUTDOWN or a signal's
 * shutdown sequence (which saves first when save points are configured, as redis-server does).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"
import { validateUserLine } from "./acl/aclFile.ts"
import { ConfigLoadError, loadConfig, moduleLoadFailure } from "./config/load.ts"
import { ServerConfig } from "./config/ServerConfig.ts"
import { CoreLive, coreCommandTable } from "./layers.ts"
import { Persistence, persistenceCommandTable, SHUTDOWN_FORCE, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_SAVE } from "./persistence/Persistence.ts"
import { minimumLevelFor, RedisLoggerLive, redisLogo, showLogo, writeLogLine, writeLogRaw } from "./server/log.ts"
import { CommandRegistry } from "./server/CommandRegistry.ts"
import { Replication, ReplicationStartsAtBuild } from "./replication/Replication.ts"
import { RedisServer } from "./server/RedisServer.ts"
import { REDIS_VERSION, SERVER_VERSION } from "./version.ts"

const argv = process.argv.slice(2)

if (argv[0] === "-v" || argv[0] === "--version") {
  process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=effect-redis-server-${SERVER_VERSION}\n`)
  process.exit(0)
}
if (argv[0] === "-h" || argv[0] === "--help") {
  process.stdout.write(
    `Usage: effect-redis-server [/path/to/redis.conf] [options] [-]
       effect-redis-server - (read config from stdin)
       effect-redis-server -v or --version
       effect-redis-server -h or --help

Examples:
       effect-redis-server (run the server with default conf)
       effect-redis-server /etc/redis/6379.conf
       effect-redis-server --port 7777
       effect-redis-server --port 7777 --replicaof 127.0.0.1 8888
       effect-redis-server /etc/myredis.conf --loglevel verbose -
       effect-redis-server /etc/myredis.conf --loglevel verbose
`
  )
  process.exit(0)
}

/** shutdown-on-sigint / shutdown-on-sigterm as SHUTDOWN flags ("default" is none). */
const shutdownFlags = (value: string): number => {
  let flags = 0
  for (const word of value.split(" ")) {
    if (word === "save") flags |= SHUTDOWN_SAVE
    else if (word === "nosave") flags |= SHUTDOWN_NOSAVE
    else if (word === "now") flags |= SHUTDOWN_NOW
    else if (word === "force") flags |= SHUTDOWN_FORCE
  }
  return flags
}

/**
 * Listens, loads the RDB file (clients connecting meanwhile get LOADING), then logs the lines
 * redis-server logs once it is ready. SIGINT/SIGTERM run Redis's shutdown sequence (saving first when
 * save points are configured); when it succeeds, `stop` ends the program and the Layers are released.
 */
const Announce = (stop: Deferred.Deferred<void>) => Layer.effectDiscard(
  Effect.gen(function*() {
    const server = yield* RedisServer
    const config = yield* ServerConfig
    const persistence = yield* Persistence
    const replication = yield* Replication
    const logfile = config.get("logfile") ?? ""
    const logo = showLogo({
      alwaysShowLogo: config.get("always-show-logo") === "yes",
      logfile,
      syslog: config.get("syslog-enabled") === "yes",
      stdoutIsTty: process.stdout.isTTY === true
    })
    // the TLS port when there is no TCP one, as Redis shows it
    const shownPort = server.port !== 0 ? server.port : server.tlsPort
    if (!logo) yield* Effect.log(`Running mode=standalone, port=${shownPort}.`)
    else if (config.get("loglevel") !== "warning") {
      // a raw notice: no log line prefix, and only at loglevel notice or below
      writeLogRaw(logfile, redisLogo({ version: REDIS_VERSION, mode: "standalone", port: shownPort, pid: process.pid }))
    }
    yield* Effect.logWarning("Server initialized")
    // moduleLoadFromQueue: no module can be loaded here; the first `loadmodule` fails as Redis's would
    const module = config.modules[0]
    if (module !== undefined) {
      writeLogLine(logfile, "Warn", moduleLoadFailure(module))
      writeLogLine(logfile, "Warn", `Can't load module from ${module}: server aborting`)
      process.exit(1)
    }
    // ACLLoadUsersAtStartup: bad `user` lines or ACL file stop the server
    const aclErrors = (yield* CommandRegistry).acl.startupErrors
    if (aclErrors !== undefined) {
      for (const line of aclErrors) writeLogLine(logfile, "Warn", line)
      process.exit(1)
    }
    const onSignal = (signal: "SIGINT" | "SIGTERM"): void => {
      if (persistence.shutdownAsap && signal === "SIGINT") {
        writeLogLine(logfile, "Warn", "You insist... exiting now.")
        process.exit(1)
      }
      const loading = persistence.loading !== undefined
      writeLogLine(logfile, "Warn", loading ? "Received shutdown signal during loading, scheduling shutdown." : `Received ${signal} scheduling shutdown...`)
      persistence.shutdownAsap = true
      // Redis acts on it in its next cron: here on the next turn of the event loop
      setImmediate(() => {
        if (!persistence.shutdownAsap) return
        const flags = loading ? SHUTDOWN_NOSAVE : shutdownFlags(config.get(signal === "SIGINT" ? "shutdown-on-sigint" : "shutdown-on-sigterm") ?? "")
        if (persistence.prepareShutdown(flags)) Deferred.doneUnsafe(stop, Exit.void)
        else if (loading) writeLogLine(logfile, "Warn", "SIGTERM received but errors trying to shut down the server, check the logs for more information")
      })
    }
    const onInt = () => onSignal("SIGINT")
    const onTerm = () => onSignal("SIGTERM")
    process.on("SIGINT", onInt)
    process.on("SIGTERM", onTerm)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        process.removeListener("SIGINT", onInt)
        process.removeListener("SIGTERM", onTerm)
      })
    )
    // a shutdown signal while loading ends the load (and the program) without saving
    const stopped = yield* Effect.raceFirst(
      persistence.loadDataFromDisk().pipe(
        Effect.as(false),
        Effect.catchTag("LoadError", (e) =>
          Effect.sync(() => {
            for (const line of e.lines) writeLogLine(logfile, "Warn", line)
            process.exit(1)
          }))
      ),
      Deferred.await(stop).pipe(Effect.as(true))
    )
    if (!stopped) {
      if (server.port !== 0) yield* Effect.log("Ready to accept connections tcp")
      if (server.tlsPort !== 0) yield* Effect.log("Ready to accept connections tls")
      if (server.unixSocket !== undefined) yield* Effect.log(`The server is now ready to accept connections at ${server.unixSocket}`)
      // a replica connects to its master once its own data is loaded (replicationCron, after start-up)
      replication.start()
    }
  })
)

const program = Effect.gen(function*() {
  const { store, commandLine } = yield* loadConfig(argv, {
    commandNames: [...coreCommandTable, ...persistenceCommandTable].map((c) => c.name),
    validateUser: validateUserLine
  })
  const logfile = store.get("logfile") ?? ""
  const level = minimumLevelFor(store.get("loglevel") ?? "notice")
  const stop = yield* Deferred.make<void>()
  const App = Announce(stop).pipe(
    Layer.provideMerge(RedisServer.listen()),
    Layer.provideMerge(Persistence.layer({ loadAtStart: false, exit: () => Deferred.doneUnsafe(stop, Exit.void) })),
    Layer.provideMerge(CoreLive.pipe(Layer.provide(Layer.succeed(ReplicationStartsAtBuild, false)))),
    Layer.provideMerge(ServerConfig.layerFrom(store)),
    Layer.provide(RedisLoggerLive(logfile))
  )
  yield* Effect.gen(function*() {
    yield* Effect.logWarning("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
    yield* Effect.logWarning(
      `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started ` +
        `(effect-redis-server ${SERVER_VERSION}, Node ${process.version})`
    )
    yield* Effect.logWarning(
      commandLine.configFile === undefined
        ? "Warning: no config file specified, using the default config. In order to specify a config file use effect-redis-server /path/to/redis.conf"
        : "Configuration loaded"
    )
  }).pipe(Effect.provide(RedisLoggerLive(logfile)))
  // runs until SHUTDOWN or a signal's shutdown sequence completes `stop`; then the Layers are released
  return yield* Layer.build(App).pipe(
    Effect.andThen(Deferred.await(stop)),
    Effect.scoped,
    Effect.provideService(References.MinimumLogLevel, level),
    Effect.catchTag("ListenError", (e) =>
      Effect.sync(() => {
        // as redis-server: the reason, then "aborting", and exit status 1
        for (const line of e.lines) writeLogLine(logfile, "Warn", line)
        process.exit(1)
      }))
  )
}).pipe(
  Effect.provide(NodeFileSystem.layer),
  Effect.catchTag("ConfigLoadError", (e: ConfigLoadError) =>
    Effect.sync(() => {
      ;(e.logged === true ? process.stdout : process.stderr).write(e.message + "\n")
      process.exit(1)
    }))
)

/** A shutdown is a clean exit (status 0), as for redis-server. */
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

/** Like NodeRuntime.runMain, without its signal handlers: SIGINT/SIGTERM run Redis's shutdown sequence. */
const runMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  fiber.addObserver((exit) => teardown(exit, (code) => process.exit(code)))
})

runMain(program, { teardown })

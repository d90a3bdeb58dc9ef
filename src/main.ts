/**
 * redis-server's command line: `effect-redis-server [/path/to/redis.conf] [--name value ...]`.
 * Only composes Layers and hands them to NodeRuntime.runMain; SIGINT/SIGTERM release them.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"
import { ConfigLoadError, loadConfig } from "./config/load.ts"
import { ServerConfig } from "./config/ServerConfig.ts"
import { CoreLive, coreCommandTable } from "./layers.ts"
import { minimumLevelFor, RedisLoggerLive, redisLogo, showLogo, writeLogLine, writeLogRaw } from "./server/log.ts"
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

/** Listens, then logs the lines redis-server logs once it is ready. */
const Announce = Layer.effectDiscard(
  Effect.gen(function*() {
    const server = yield* RedisServer
    const config = yield* ServerConfig
    const logfile = config.get("logfile") ?? ""
    const logo = showLogo({
      alwaysShowLogo: config.get("always-show-logo") === "yes",
      logfile,
      syslog: config.get("syslog-enabled") === "yes",
      stdoutIsTty: process.stdout.isTTY === true
    })
    if (!logo) yield* Effect.log(`Running mode=standalone, port=${server.port}.`)
    else if (config.get("loglevel") !== "warning") {
      // a raw notice: no log line prefix, and only at loglevel notice or below
      writeLogRaw(logfile, redisLogo({ version: REDIS_VERSION, mode: "standalone", port: server.port, pid: process.pid }))
    }
    yield* Effect.log("Server initialized")
    if (server.port !== 0) yield* Effect.log("Ready to accept connections tcp")
    if (server.unixSocket !== undefined) yield* Effect.log(`The server is now ready to accept connections at ${server.unixSocket}`)
    yield* Effect.addFinalizer(() =>
      Effect.logWarning("User requested shutdown...").pipe(Effect.andThen(Effect.logWarning("Redis is now ready to exit, bye bye...")))
    )
  })
)

const program = Effect.gen(function*() {
  const { store, commandLine } = yield* loadConfig(argv, { commandNames: coreCommandTable.map((c) => c.name) })
  const logfile = store.get("logfile") ?? ""
  const level = minimumLevelFor(store.get("loglevel") ?? "notice")
  const App = Announce.pipe(
    Layer.provideMerge(RedisServer.listen()),
    Layer.provideMerge(CoreLive),
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
  // NodeRuntime interrupts the program on these signals (finalizers run); say so like redis-server
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.prependOnceListener(signal, () => writeLogLine(logfile, "Warn", `Received ${signal} scheduling shutdown...`))
  }
  return yield* Layer.launch(App).pipe(
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
      process.stderr.write(e.message + "\n")
      process.exit(1)
    }))
)

/** A shutdown requested by a signal is a clean exit (status 0), as for redis-server. */
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

NodeRuntime.runMain(program, { teardown })

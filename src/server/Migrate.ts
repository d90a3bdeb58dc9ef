/**
 * MIGRATE (cluster.c's migrateCommand and its socket cache), as Redis 7.0 without cluster mode: the
 * keys found here are sent to the target as RESTORE commands (AUTH and SELECT first when needed) with
 * DUMP payloads and their remaining TTL, over a connection kept per host:port (at most 64; one unused
 * for more than 10 seconds is closed by a once-a-second cron); each key the target acknowledged is
 * deleted unless COPY, and the command propagates as DEL of those keys.
 *
 * Redis does the exchange with blocking socket calls: the whole server waits for the target (or the
 * timeout), so no other command can touch the keys between their DUMP and their deletion, and MIGRATE
 * works the same in MULTI and in scripts. This server does too: `MigrateLink` does the I/O on a worker
 * thread while the command waits for it synchronously (see docs/ARCHITECTURE.md, "MIGRATE").
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { isOption } from "../commands/args.ts"
import { defineCommand } from "../commands/CommandSpec.ts"
import { dumpPayload } from "../commands/dump.ts"
import * as Errors from "../commands/errors.ts"
import { NotifyClass } from "../keyspace/notify.ts"
import type { Value } from "../keyspace/Value.ts"
import { parseLongLong } from "../util/numbers.ts"
import type { CommandContext } from "./CommandContext.ts"
import { CommandRegistry } from "./CommandRegistry.ts"
import { MigrateLink } from "./MigrateLink.ts"

/** MIGRATE_SOCKET_CACHE_ITEMS, MIGRATE_SOCKET_CACHE_TTL (seconds) */
const CACHE_ITEMS = 64
const CACHE_TTL = 10

export const MIGRATE_KEYS_NOT_EMPTY = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
export const MIGRATE_CONNECT_ERROR = "IOERR error or timeout connecting to the client"
export const migrateIoError = (writing: boolean): string =>
  `IOERR error or timeout ${writing ? "writing" : "reading"} to target instance`

interface CachedSocket {
  lastDbid: number
  lastUse: number
}

/** The sockets MIGRATE keeps (server.migrate_cached_sockets): the table here, the sockets in the link. */
export class MigrateSockets {
  readonly cache = new Map<string, CachedSocket>()
  readonly link = new MigrateLink()

  /** migrateGetSocket: a cached socket, or a new one; undefined when it cannot connect. */
  get(host: string, port: string, timeout: number, unixtime: number): CachedSocket | undefined {
    const name = `${host}:${port}`
    const cached = this.cache.get(name)
    if (cached !== undefined) {
      cached.lastUse = unixtime
      return cached
    }
    if (this.cache.size === CACHE_ITEMS) {
      const names = [...this.cache.keys()]
      this.close(names[Math.floor(Math.random() * names.length)]!)
    }
    // getaddrinfo refuses an empty host name (Node would take it for localhost)
    if (host === "" || !this.link.connect(name, host, atoi(port), timeout)) {
      this.link.close(name)
      return undefined
    }
    const socket = { lastDbid: -1, lastUse: unixtime }
    this.cache.set(name, socket)
    return socket
  }

  close(name: string): void {
    if (!this.cache.delete(name)) return
    this.link.close(name)
  }

  /** migrateCloseTimedoutSockets */
  closeTimedOut(unixtime: number): void {
    for (const [name, socket] of this.cache) if (unixtime - socket.lastUse > CACHE_TTL) this.close(name)
  }
}

/** C's atoi, as migrateGetSocket reads the port. */
const atoi = (s: string): number => {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s)
  return m === null ? 0 : Number.parseInt(m[1]!, 10)
}

/** A RESP command line as latin1 text (rioWriteBulkCount + rioWriteBulkString). */
const resp = (args: ReadonlyArray<string>): string => {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${a.length}\r\n${a}\r\n`
  return out
}

/** migrateGetKeys: the KEYS form's keys, or the key argument (none when KEYS follows a non-empty key). */
export const migrateKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  let first = 3
  let num = 1
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i]!
    if (isOption(a, "keys")) {
      if (argv[3]!.length > 0) num = 0
      else {
        first = i + 1
        num = argv.length - first
      }
      break
    }
    if (isOption(a, "auth")) i += 1
    else if (isOption(a, "auth2")) i += 2
  }
  const out: Array<number> = []
  for (let i = 0; i < num; i++) out.push(first + i)
  return out
}

/**
 * COMMAND GETKEYS's (and ACL's) view, getKeysFromCommandWithSpecs: MIGRATE's key specs are the key
 * argument and, after a KEYS keyword searched from the second-to-last argument backwards, the rest;
 * that second spec is incomplete, so when the keyword is found Redis falls back to migrateGetKeys.
 */
export const migrateSpecKeys = (argv: ReadonlyArray<string>): ReadonlyArray<number> => {
  for (let i = argv.length - 2; i > 1; i--) if (isOption(argv[i]!, "keys")) return migrateKeys(argv)
  return [3]
}

const migrateCommand = (sockets: MigrateSockets) => (ctx: CommandContext, argv: ReadonlyArray<string>): void => {
  let copy = false
  let replace = false
  let username: string | undefined
  let password: string | undefined
  let firstKey = 3
  let numKeys = 1
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const a = argv[j]!
    if (isOption(a, "copy")) copy = true
    else if (isOption(a, "replace")) replace = true
    else if (isOption(a, "auth")) {
      if (more === 0) return ctx.reply.error(Errors.SYNTAX)
      password = argv[++j]!
      ctx.redact(j)
    } else if (isOption(a, "auth2")) {
      if (more < 2) return ctx.reply.error(Errors.SYNTAX)
      username = argv[++j]!
      ctx.redact(j)
      password = argv[++j]!
      ctx.redact(j)
    } else if (isOption(a, "keys")) {
      if (argv[3]!.length !== 0) return ctx.reply.error(MIGRATE_KEYS_NOT_EMPTY)
      firstKey = j + 1
      numKeys = argv.length - j - 1
      break
    } else return ctx.reply.error(Errors.SYNTAX)
  }
  let timeout = parseLongLong(argv[5]!)
  if (timeout === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
  const dbid = parseLongLong(argv[4]!)
  if (dbid === undefined) return ctx.reply.error(Errors.NOT_INTEGER)
  if (timeout <= 0) timeout = 1000

  // the keys that are here; when none is, NOKEY (not an error: they may just have expired)
  const db = ctx.db
  let keys: Array<string> = []
  let values: Array<Value> = []
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j]!
    const value = db.lookupRead(key)
    if (value !== undefined) {
      keys.push(key)
      values.push(value)
    }
  }
  if (keys.length === 0) return ctx.reply.simple("NOKEY")

  const host = argv[1]!
  const port = argv[2]!
  const name = `${host}:${port}`
  const unixtime = Math.floor(ctx.now / 1000)
  let mayRetry = true
  let argvRewritten = false
  for (;;) {
    const socket = sockets.get(host, port, timeout, unixtime)
    if (socket === undefined) return ctx.reply.error(MIGRATE_CONNECT_ERROR)

    let cmd = ""
    if (password !== undefined) cmd += resp(username !== undefined ? ["AUTH", username, password] : ["AUTH", password])
    const select = socket.lastDbid !== dbid
    if (select) cmd += resp(["SELECT", String(dbid)])
    // the payloads, leaving out keys that have expired since they were looked up
    const liveKeys: Array<string> = []
    const liveValues: Array<Value> = []
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j]!
      const expireAt = db.getExpire(key)
      if (expireAt === undefined) continue
      let ttl = 0
      if (expireAt !== -1) {
        ttl = expireAt - ctx.now
        if (ttl < 0) continue
        if (ttl < 1) ttl = 1
      }
      liveKeys.push(key)
      liveValues.push(values[j]!)
      const restore = ["RESTORE", key, String(ttl), dumpPayload(ctx, values[j]!)]
      if (replace) restore.push("REPLACE")
      cmd += resp(restore)
    }
    keys = liveKeys
    values = liveValues

    const before = (password !== undefined ? 1 : 0) + (select ? 1 : 0)
    const answer = sockets.link.exchange(name, Buffer.from(cmd, "latin1"), before + keys.length, timeout)
    const lines = answer.lines ?? []
    // a write error, or a read error before the AUTH/SELECT replies: straight to socket_err
    let writeError = answer.error === "write"
    let socketFailure = writeError || (answer.error !== undefined && lines.length < before)
    if (!socketFailure) {
      const authReply = password !== undefined ? lines[0]! : undefined
      const selectReply = select ? lines[before - 1]! : undefined
      let errorFromTarget = false
      let socketError = false
      const deleted: Array<string> = []
      let j = 0
      for (; j < keys.length; j++) {
        const line = lines[before + j]
        if (line === undefined) {
          socketError = true
          break
        }
        if (authReply?.startsWith("-") === true || selectReply?.startsWith("-") === true || line.startsWith("-")) {
          if (!errorFromTarget) {
            // on an error the target's database is no longer known
            socket.lastDbid = -1
            const reply = authReply?.startsWith("-") === true ? authReply : selectReply?.startsWith("-") === true ? selectReply : line
            errorFromTarget = true
            ctx.reply.error(`ERR Target instance replied with error: ${reply.slice(1)}`)
          }
        } else if (!copy) {
          // acknowledged: the local key goes
          db.delete(keys[j]!)
          ctx.signalWrite(NotifyClass.generic, "del", keys[j]!)
          deleted.push(keys[j]!)
        }
      }
      if (!errorFromTarget && socketError && j === 0 && mayRetry && answer.timedOut !== true) {
        socketFailure = true
        writeError = false
      } else {
        if (socketError) sockets.close(name)
        if (deleted.length > 0) {
          // MIGRATE propagates as the DEL of the keys the target took
          ctx.rewriteArgv(["DEL", ...deleted])
          argvRewritten = true
        }
        if (!errorFromTarget && socketError) {
          mayRetry = false
          socketFailure = true
          writeError = false
        } else {
          if (!errorFromTarget) {
            socket.lastDbid = dbid
            ctx.reply.ok()
          }
          return
        }
      }
    }
    // socket_err: the cached socket goes, and one retry unless it was a timeout
    if (!argvRewritten) sockets.close(name)
    if (answer.timedOut !== true && mayRetry) {
      mayRetry = false
      continue
    }
    return ctx.reply.error(migrateIoError(writeError))
  }
}

export const migrateCommandSpec = (sockets: MigrateSockets) =>
  defineCommand({
    name: "migrate",
    arity: -6,
    flags: "write movablekeys",
    keys: [3, 3, 1],
    acl: "@keyspace @write @slow @dangerous",
    tips: "nondeterministic_output",
    docs: {
      summary: "Atomically transfer a key from a Redis instance to another one.",
      since: "2.6.0",
      group: "generic",
      complexity:
        "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed."
    },
    getKeys: migrateSpecKeys,
    handler: migrateCommand(sockets)
  })

/** MIGRATE's entry without a socket cache behind it (for what needs the table before the Layers). */
export const migrateCommands = [migrateCommandSpec(new MigrateSockets())]

/**
 * The MIGRATE command, its socket cache (INFO stats migrate_cached_sockets) and the cron that closes
 * idle sockets; releasing the Layer stops the worker and closes them all.
 */
export const MigrateLive: Layer.Layer<never, never, CommandRegistry> = Layer.effectDiscard(
  Effect.gen(function*() {
    const sockets = new MigrateSockets()
    yield* Effect.addFinalizer(() => Effect.sync(() => sockets.link.terminate()))
    yield* CommandRegistry.contributeScoped((registry) => {
      const removeCommand = registry.addCommands([migrateCommandSpec(sockets)])
      const removeInfo = registry.addInfo("stats", () => [["migrate_cached_sockets", sockets.cache.size]])
      return () => {
        removeCommand()
        removeInfo()
      }
    })
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* Effect.sleep("1 second")
      if (sockets.cache.size === 0) return
      sockets.closeTimedOut(Math.floor((yield* Clock.currentTimeMillis) / 1000))
    })))
  })
)

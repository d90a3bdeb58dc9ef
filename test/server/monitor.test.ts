/**
 * MONITOR: the lines a monitor receives (time from the batch's Clock, db, address, sdscatrepr quoting,
 * redaction), which commands are shown and when (MULTI/EXEC, blocking, admin commands, loading), the
 * monitor as a replica-like client (flag O, keyspace refused, never paused, RESET, MULTI), the output
 * channel (CLIENT REPLY, client-output-buffer-limit), and the engine seam's cost when nobody monitors.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, expect, it as vit } from "vitest"
import { RedisCore } from "../../src/layers.ts"
import type { Client } from "../../src/server/Client.ts"
import type { OutputSink } from "../../src/server/ClientOutput.ts"
import { Callers, Engine, type EngineState } from "../../src/server/Engine.ts"
import { formatMicros } from "../../src/server/Monitor.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { quoteRepr } from "../../src/util/repr.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { hasOracle, type Oracle, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

/** 2023-11-14T22:13:20.123Z: the batch time every test starts at. */
const T0 = 1_700_000_000_123

interface Connection {
  readonly client: Client
  /** Runs one command as a connection's batch would; returns everything the client was sent since. */
  readonly send: (...argv: ReadonlyArray<string>) => string
  /** What the client was sent and not read yet (written to its socket, or still in its output). */
  readonly read: () => string
  /** The log line of a close over client-output-buffer-limit, if it was closed. */
  readonly closed: () => string | undefined
}

/** A whole core on TestClock (set to T0), with connections whose sockets are stand-ins. */
const monitorCore = (config: Readonly<Record<string, string | ReadonlyArray<string>>> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(T0)
    const context = yield* Layer.build(RedisCore(config))
    const engine = Context.get(context, Engine)
    let port = 50000
    const connect = (): Connection => {
      const client = engine.createClient({ addr: `127.0.0.1:${++port}`, laddr: "127.0.0.1:6379", fd: 8 })
      const sent: Array<string> = []
      let closed: string | undefined
      const sink: OutputSink = {
        open: () => closed === undefined,
        write: (bytes) => {
          sent.push(bytes.toString("latin1"))
          return true
        },
        pending: () => 0,
        full: () => false,
        whenDrained: (then) => then(),
        close: (reason) => {
          closed = reason
        }
      }
      client.output.sink = sink
      const read = () => {
        const out = sent.join("") + (client.reply.take()?.toString("latin1") ?? "")
        sent.length = 0
        client.reply.recycle()
        return out
      }
      return {
        client,
        read,
        closed: () => closed,
        send: (...argv) => {
          engine.refreshTime()
          engine.processCommand(client, argv)
          return read()
        }
      }
    }
    return { engine, connect }
  })

/** A monitor line as Redis writes it. */
const line = (time: string, db: number, addr: string, ...argv: ReadonlyArray<string>) =>
  `+${time} [${db} ${addr}] ${argv.map(quoteRepr).join(" ")}\r\n`

const at = (ms: number) => formatMicros(ms * 1000)

describe("MONITOR lines", () => {
  it.effect("time, db, address and sdscatrepr quoting of binary arguments", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      assert.strictEqual(m.send("MONITOR"), "+OK\r\n")
      c.send("SET", "k", "v")
      c.send("SET", "a b", "x\"y\\z\x01\xff\n\r\t\x07\b\x7f ~")
      yield* TestClock.adjust(1_001)
      c.send("GET", "")
      assert.strictEqual(
        m.read(),
        `+1700000000.123000 [0 ${c.client.addr}] "SET" "k" "v"\r\n` +
          `+1700000000.123000 [0 ${c.client.addr}] "SET" "a b" "x\\"y\\\\z\\x01\\xff\\n\\r\\t\\a\\b\\x7f ~"\r\n` +
          `+1700000001.124000 [0 ${c.client.addr}] "GET" ""\r\n`
      )
    }))

  it.effect("the db is the client's after the command: SELECT shows its new db", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      m.send("MONITOR")
      c.send("SELECT", "5")
      c.send("SET", "k", "v")
      c.send("SELECT", "0")
      assert.strictEqual(
        m.read(),
        line(at(T0), 5, c.client.addr, "SELECT", "5") + line(at(T0), 5, c.client.addr, "SET", "k", "v") +
          line(at(T0), 0, c.client.addr, "SELECT", "0")
      )
    }))

  it.effect("MULTI when it runs, the queued commands and then EXEC when EXEC runs them; DISCARD; an aborted EXEC", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      const a = c.client.addr
      m.send("MONITOR")
      c.send("MULTI")
      c.send("SET", "x", "1")
      c.send("SELECT", "2")
      assert.strictEqual(m.read(), line(at(T0), 0, a, "MULTI"))
      c.send("EXEC")
      assert.strictEqual(
        m.read(),
        line(at(T0), 0, a, "SET", "x", "1") + line(at(T0), 2, a, "SELECT", "2") + line(at(T0), 2, a, "EXEC")
      )
      c.send("MULTI")
      c.send("GET", "x")
      c.send("DISCARD")
      // a command refused while queueing is not shown; EXEC is, though it aborts
      c.send("MULTI")
      c.send("GET")
      assert.strictEqual(c.send("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n")
      // an EXEC the check stage refuses is shown too (execCommandAbort), in MULTI or not
      c.send("MULTI")
      assert.include(c.send("EXEC", "x"), "-EXECABORT")
      assert.include(c.send("EXEC", "y"), "-EXECABORT")
      assert.strictEqual(
        m.read(),
        line(at(T0), 2, a, "MULTI") + line(at(T0), 2, a, "DISCARD") + line(at(T0), 2, a, "MULTI") +
          line(at(T0), 2, a, "EXEC") + line(at(T0), 2, a, "MULTI") + line(at(T0), 2, a, "EXEC", "x") +
          line(at(T0), 2, a, "EXEC", "y")
      )
    }))

  it.effect("AUTH's and HELLO AUTH's credentials are redacted, as Redis redacts them", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore({ requirepass: "secret" })
      const m = connect()
      const c = connect()
      const a = c.client.addr
      assert.strictEqual(m.send("AUTH", "secret"), "+OK\r\n")
      m.send("MONITOR")
      assert.strictEqual(c.send("AUTH", "wrong"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
      c.send("AUTH", "default", "secret")
      // syntax error before any redaction
      c.send("AUTH", "a", "b", "c")
      c.send("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "n")
      // HELLO redacts as its options are met: an option that fails first leaves a later AUTH shown
      c.send("HELLO", "2", "SETNAME", "a b", "AUTH", "default", "secret")
      c.send("HELLO", "2", "BOGUS", "AUTH", "default", "secret")
      c.send("HELLO", "2", "AUTH", "default", "wrong", "AUTH", "default", "secret")
      assert.strictEqual(
        m.read(),
        line(at(T0), 0, a, "AUTH", "(redacted)") + line(at(T0), 0, a, "AUTH", "(redacted)", "(redacted)") +
          line(at(T0), 0, a, "AUTH", "a", "b", "c") +
          line(at(T0), 0, a, "HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n") +
          line(at(T0), 0, a, "HELLO", "2", "SETNAME", "a b", "AUTH", "default", "secret") +
          line(at(T0), 0, a, "HELLO", "2", "BOGUS", "AUTH", "default", "secret") +
          line(at(T0), 0, a, "HELLO", "2", "AUTH", "(redacted)", "(redacted)", "AUTH", "default", "secret")
      )
    }))

  it.effect("admin commands, refused commands and what runs while loading are not shown", () =>
    Effect.gen(function*() {
      const { connect, engine } = yield* monitorCore()
      const m = connect()
      const c = connect()
      const d = connect()
      m.send("MONITOR")
      c.send("CONFIG", "GET", "port")
      c.send("CLIENT", "LIST")
      c.send("CLIENT", "PAUSE", "1", "WRITE")
      d.send("MONITOR")
      c.send("NOSUCH", "x")
      c.send("GET")
      engine.loading = true
      c.send("ECHO", "during loading")
      engine.loading = false
      c.send("CLIENT", "ID")
      assert.strictEqual(m.read(), line(at(T0), 0, c.client.addr, "CLIENT", "ID"))
      // the other monitor saw it too
      assert.strictEqual(d.read(), line(at(T0), 0, c.client.addr, "CLIENT", "ID"))
    }))

  it.effect("a blocking command is shown when it blocks, not when it is served", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      const d = connect()
      m.send("MONITOR")
      assert.strictEqual(c.send("BLPOP", "l", "0"), "")
      yield* TestClock.adjust(5)
      d.send("LPUSH", "l", "a")
      assert.strictEqual(c.read(), "*2\r\n$1\r\nl\r\n$1\r\na\r\n")
      assert.strictEqual(
        m.read(),
        line(at(T0), 0, c.client.addr, "BLPOP", "l", "0") + line(at(T0 + 5), 0, d.client.addr, "LPUSH", "l", "a")
      )
    }))

  it.effect("a script's commands show the address lua", () =>
    Effect.gen(function*() {
      const { connect, engine } = yield* monitorCore()
      const m = connect()
      m.send("MONITOR")
      const script = engine.createInternalClient("script")
      engine.refreshTime()
      assert.isUndefined(engine.dispatch(script, ["SET", "k", "v"], Callers.script))
      assert.strictEqual(m.read(), line(at(T0), 0, "lua", "SET", "k", "v"))
    }))

  it.effect("lines go out once the batch is done, in the monitor's output channel", () =>
    Effect.gen(function*() {
      const { connect, engine } = yield* monitorCore()
      const m = connect()
      const c = connect()
      m.send("MONITOR")
      engine.refreshTime()
      engine.processCommand(c.client, ["PING"])
      engine.processCommand(c.client, ["ECHO", "x"])
      // both lines wait in the monitor's output until the event loop turn ends
      const lines = line(at(T0), 0, c.client.addr, "PING") + line(at(T0), 0, c.client.addr, "ECHO", "x")
      assert.strictEqual(m.client.reply.length, lines.length)
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      assert.strictEqual(m.client.reply.length, 0)
      assert.strictEqual(m.read(), lines)
    }))
})

describe("the MONITOR client", () => {
  it.effect("is listed with flag O and type normal, may run commands that do not touch the keyspace, and sees its own", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      m.send("MONITOR")
      const list = c.send("CLIENT", "LIST")
      assert.match(list, new RegExp(`id=${m.client.id} [^\\n]* flags=O db=0 [^\\n]* cmd=monitor `))
      assert.include(c.send("CLIENT", "LIST", "TYPE", "normal"), `id=${m.client.id} `)
      assert.notInclude(c.send("CLIENT", "LIST", "TYPE", "replica"), `id=${m.client.id} `)
      const a = m.client.addr
      assert.strictEqual(m.send("PING"), "+PONG\r\n" + line(at(T0), 0, a, "PING"))
      assert.strictEqual(m.send("GET", "x"), "-ERR Replica can't interact with the keyspace\r\n")
      assert.strictEqual(m.send("SET", "x", "1"), "-ERR Replica can't interact with the keyspace\r\n")
      // MONITOR again: ignored, without a reply
      assert.strictEqual(m.send("MONITOR"), "")
      // in MULTI, a refused command dooms the transaction; EXEC is shown
      m.send("MULTI")
      assert.strictEqual(m.send("GET", "x"), "-ERR Replica can't interact with the keyspace\r\n")
      assert.strictEqual(
        m.send("EXEC"),
        "-EXECABORT Transaction discarded because of previous errors.\r\n" + line(at(T0), 0, a, "EXEC")
      )
    }))

  it.effect("is never paused by CLIENT PAUSE", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      m.send("MONITOR")
      c.send("CLIENT", "PAUSE", "1000", "ALL")
      assert.strictEqual(m.send("ECHO", "hi"), "$2\r\nhi\r\n" + line(at(T0), 0, m.client.addr, "ECHO", "hi"))
      assert.strictEqual(c.send("ECHO", "held"), "")
    }))

  it.effect("RESET leaves monitor mode (and is shown to the other monitors)", () =>
    Effect.gen(function*() {
      const { connect, engine } = yield* monitorCore()
      const m = connect()
      const m2 = connect()
      const c = connect()
      m.send("MONITOR")
      m2.send("MONITOR")
      assert.strictEqual(m.send("RESET"), "+RESET\r\n")
      c.send("PING")
      assert.strictEqual(m.send("GET", "x"), "$-1\r\n")
      assert.match(c.send("CLIENT", "INFO"), /flags=N /)
      assert.match(c.send("CLIENT", "LIST", "ID", String(m.client.id)), / flags=N /)
      assert.strictEqual(
        m2.read(),
        line(at(T0), 0, m.client.addr, "RESET") + line(at(T0), 0, c.client.addr, "PING") +
          line(at(T0), 0, m.client.addr, "GET", "x") + line(at(T0), 0, c.client.addr, "CLIENT", "INFO")
      )
      // the last monitor gone (freed), the engine's seam is off again
      assert.isDefined(engine.monitorFeed)
      engine.freeClient(m2.client)
      assert.isUndefined(engine.monitorFeed)
    }))

  it.effect("MONITOR inside MULTI is queued, and EXEC refuses it as Redis refuses a DENY BLOCKING client", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const c = connect()
      c.send("MULTI")
      assert.strictEqual(c.send("MONITOR"), "+QUEUED\r\n")
      assert.strictEqual(c.send("EXEC"), "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n")
      assert.strictEqual(c.send("SET", "k", "v"), "+OK\r\n")
    }))

  it.effect("CLIENT REPLY OFF drops the lines; SKIP drops them until the monitor's next command has run", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore()
      const m = connect()
      const c = connect()
      const [a, b] = [m.client.addr, c.client.addr]
      // each send returns what the monitor was sent until then: together, its whole stream
      let got = m.send("MONITOR")
      got += m.send("CLIENT", "REPLY", "OFF")
      c.send("SET", "a", "1")
      got += m.send("CLIENT", "REPLY", "ON")
      c.send("SET", "a", "2")
      got += m.send("CLIENT", "REPLY", "SKIP")
      c.send("SET", "a", "3")
      got += m.send("PING")
      c.send("SET", "a", "4")
      got += m.read()
      assert.strictEqual(
        got,
        "+OK\r\n" + "+OK\r\n" + line(at(T0), 0, a, "CLIENT", "REPLY", "ON") + line(at(T0), 0, b, "SET", "a", "2") +
          line(at(T0), 0, a, "CLIENT", "REPLY", "SKIP") + line(at(T0), 0, b, "SET", "a", "4")
      )
    }))

  it.effect("a monitor over client-output-buffer-limit normal is closed with Redis's log line", () =>
    Effect.gen(function*() {
      const { connect } = yield* monitorCore({ "client-output-buffer-limit": ["normal", "2000", "0", "0"] })
      const m = connect()
      const c = connect()
      m.send("MONITOR")
      c.send("SET", "k", "v".repeat(3000))
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      assert.match(m.closed() ?? "", /^Client id=\d+ addr=\S+ .* flags=O .* scheduled to be closed ASAP for overcoming of output buffer limits\.$/)
    }))

  it.effect("the engine's seam is unset until a client monitors", () =>
    Effect.gen(function*() {
      const { connect, engine } = yield* monitorCore()
      assert.isUndefined(engine.monitorFeed)
      const m = connect()
      m.send("MONITOR")
      assert.isDefined(engine.monitorFeed)
    }))
})

describe("MONITOR in process", () => {
  layer(embeddedRedis())((it) => {
    it.effect("the in-process connection expects one reply per command: MONITOR is refused", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const error = yield* Effect.flip(redis.command("MONITOR"))
        assert.strictEqual(error.message, "ERR MONITOR isn't allowed for DENY BLOCKING client")
        assert.strictEqual(yield* redis.command("PING"), "PONG")
        const engine: EngineState = yield* Engine
        assert.isUndefined(engine.monitorFeed)
      }))
  })
})

describe("MONITOR over TCP, against Redis", () => {
  let server: TestServer
  let oracle: Oracle | undefined
  const logged: Array<string> = []
  beforeAll(async () => {
    server = await startServer({ "client-output-buffer-limit": ["normal", "20000", "0", "0"] }, { log: (m) => logged.push(m) })
    if (hasOracle) oracle = await startOracle(["--client-output-buffer-limit", "normal 20000 0 0"])
  })
  afterAll(async () => {
    await server.close()
    await oracle?.stop()
  })

  /** A monitor that receives a 40 KB line: closed (Redis counts past its 16 KB buffer, so 40 KB is over 20000 for both). */
  const overflow = async (port: number): Promise<{ closed: boolean; other: string }> => {
    const monitor = await RawConnection.connect(port)
    const client = await RawConnection.connect(port)
    await monitor.call("MONITOR")
    await client.call("SET", "k", "v".repeat(40_000))
    await monitor.readUntilClose(3000).catch(() => undefined)
    const other = (await client.call("STRLEN", "k")).raw
    await client.close()
    return { closed: monitor.isClosed, other }
  }

  vit("a monitor over the normal class's limit is closed; the client it watched is not", async () => {
    const ours = await overflow(server.port)
    expect(ours).toEqual({ closed: true, other: ":40000\r\n" })
    expect(logged.some((l) => / flags=O .*cmd=monitor .*scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l))).toBe(true)
    if (oracle !== undefined) expect(await overflow(oracle.port)).toEqual(ours)
  })
})

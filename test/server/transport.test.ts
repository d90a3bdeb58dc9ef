/**
 * How clients reach the server besides TCP, and how long they may stay: the unix socket (`unixsocket`,
 * `unixsocketperm`, `port 0` for no TCP at all) with real clients, and `timeout` closing idle clients
 * (not subscribers nor blocked clients).
 */
import { execFile, execFileSync } from "node:child_process"
import * as FS from "node:fs"
import * as Net from "node:net"
import * as OS from "node:os"
import * as Path from "node:path"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RedisServer } from "../../src/server/RedisServer.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

/** A raw connection over a unix socket (RawConnection speaks TCP; this wraps the same protocol). */
const unixCall = (path: string, ...args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(path, () => socket.write(encode(args)))
    let out = ""
    socket.on("data", (d) => {
      out += d.toString("latin1")
      if (out.endsWith("\r\n")) {
        socket.destroy()
        resolve(out)
      }
    })
    socket.on("error", reject)
  })

const hasRedisCli = (() => {
  try {
    execFileSync("redis-cli", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

describe("unix socket", () => {
  const dir = FS.mkdtempSync(Path.join(OS.tmpdir(), "ers-unix-"))
  const path = Path.join(dir, "redis.sock")
  let scope: Scope.Closeable
  let port = -1

  beforeAll(async () => {
    // a stale file where the socket goes is replaced, as redis-server unlinks it first
    FS.writeFileSync(path, "stale")
    scope = Effect.runSync(Scope.make())
    // `port 0` in the configuration: no TCP listener at all, as redis-server
    const layer = RedisServer.layer({ config: { port: "0", unixsocket: path, unixsocketperm: "700" } })
    const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
    port = Context.get(context, RedisServer).port
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    FS.rmSync(dir, { recursive: true, force: true })
  })

  it("serves on the socket with the configured permissions, and not on TCP", async () => {
    expect(port).toBe(0)
    expect(FS.statSync(path).isSocket()).toBe(true)
    expect(FS.statSync(path).mode & 0o777).toBe(0o700)
    expect(await unixCall(path, "PING")).toBe("+PONG\r\n")
    expect(await unixCall(path, "CONFIG", "GET", "unixsocketperm")).toBe("*2\r\n$14\r\nunixsocketperm\r\n$3\r\n700\r\n")
    expect(await unixCall(path, "INFO", "server")).toMatch(/tcp_port:0\r\n/)
  })

  it("lists its clients by the socket's path, with flag U", async () => {
    const info = await unixCall(path, "CLIENT", "INFO")
    expect(info).toContain(`addr=${path}:0 laddr=${path}:0 `)
    expect(info).toMatch(/ flags=U db=0 /)
  })

  it("ioredis and node-redis connect through the socket", async () => {
    const io = new Redis({ path, lazyConnect: true })
    await io.connect()
    expect(await io.set("unix:k", "v")).toBe("OK")
    const nr = createClient({ socket: { path, tls: false } })
    await nr.connect()
    expect(await nr.get("unix:k")).toBe("v")
    await Promise.all([io.quit(), nr.close()])
  })

  it.skipIf(!hasRedisCli)("redis-cli -s connects", async () => {
    // asynchronously: the server runs in this process
    const out = await new Promise<string>((resolve, reject) =>
      execFile("redis-cli", ["-s", path, "ECHO", "hi"], { encoding: "utf8" }, (error, stdout) => (error === null ? resolve(stdout) : reject(error)))
    )
    expect(out).toBe("hi\n")
  })

  it("the socket file is removed when the server stops", async () => {
    const other = Path.join(dir, "second.sock")
    const s = Effect.runSync(Scope.make())
    await Effect.runPromise(Layer.buildWithScope(RedisServer.layer({ port: 0, host: "127.0.0.1", config: { unixsocket: other } }), s))
    expect(FS.existsSync(other)).toBe(true)
    await Effect.runPromise(Scope.close(s, Exit.void))
    expect(FS.existsSync(other)).toBe(false)
  })
})

describe("timeout", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ timeout: "1" })
  })
  afterAll(() => server.close())

  it("closes a client idle for longer, but not a subscriber nor a blocked client", async () => {
    const [idle, subscriber, blocked, busy] = await Promise.all(
      Array.from({ length: 4 }, () => RawConnection.connect(server.port))
    )
    await idle.call("PING")
    await subscriber.call("SUBSCRIBE", "ch")
    blocked.write(encode(["BLPOP", "nothing", "0"]))
    // a client that keeps talking stays
    let talking = true
    const chatter = (async () => {
      while (talking) {
        expect((await busy.call("PING")).raw).toBe("+PONG\r\n")
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    })()
    const started = Date.now()
    await idle.readUntilClose(5000)
    // idle for more than one whole second, checked by the cron
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    talking = false
    await chatter
    expect(idle.isClosed).toBe(true)
    expect(subscriber.isClosed).toBe(false)
    expect(blocked.isClosed).toBe(false)
    expect(busy.isClosed).toBe(false)
    await Promise.all([subscriber.close(), busy.close()])
    blocked.socket.destroy()
  })
})

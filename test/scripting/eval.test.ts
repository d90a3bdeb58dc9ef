/**
 * What scripts do to the calling client and to others, on this server: pushes to the caller follow the
 * script's reply (as EXEC's do), client-side caching remembers a script's reads for its caller, MONITOR
 * shows EVAL and then its commands from "lua", INFO commandstats count the script's commands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const connect = () => RawConnection.connect(server.port)

describe("scripts and the calling client", () => {
  it("a message a RESP3 client publishes to itself from a script follows the script's reply", async () => {
    const c = await connect()
    await c.call("HELLO", "3")
    await c.call("SUBSCRIBE", "ch")
    c.write(encode(["EVAL", "redis.call('publish', 'ch', 'hi') return 'done'", "0"]))
    const [reply, push] = await c.read(2)
    expect(reply!.raw).toBe("$4\r\ndone\r\n")
    expect(push!.raw).toBe(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")
    await c.close()
  })

  it("client-side caching remembers a script's reads for the caller", async () => {
    const c = await connect()
    const other = await connect()
    await c.call("HELLO", "3")
    await c.call("CLIENT", "TRACKING", "on")
    expect((await c.call("EVAL", "return redis.call('get', KEYS[1])", "1", "tracked")).raw).toBe("_\r\n")
    await other.call("SET", "tracked", "1")
    const [invalidation] = await c.read(1)
    expect(invalidation!.raw).toBe(">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\ntracked\r\n")
    await c.close()
    await other.close()
  })

  it("MONITOR shows EVAL, then the script's commands from lua", async () => {
    const monitor = await connect()
    await monitor.call("MONITOR")
    const c = await connect()
    await c.call("EVAL", "return redis.call('set', 'mk', 'mv')", "0")
    const lines = (await monitor.read(2)).map((r) => String(r.value))
    expect(lines[0]).toMatch(/^\d+\.\d+ \[0 127\.0\.0\.1:\d+\] "EVAL" "return redis\.call\('set', 'mk', 'mv'\)" "0"$/)
    expect(lines[1]).toMatch(/^\d+\.\d+ \[0 lua\] "set" "mk" "mv"$/)
    await monitor.close()
    await c.close()
  })

  it("the script client starts each script in the caller's database and RESP2", async () => {
    const c = await connect()
    await c.call("SELECT", "3")
    await c.call("EVAL", "redis.setresp(3) redis.call('select', 5) return 1", "0")
    expect((await c.call("EVAL", "return redis.call('set', 'where', 'x')", "0")).raw).toBe("+OK\r\n")
    expect((await c.call("EXISTS", "where")).raw).toBe(":1\r\n")
    expect((await c.call("EVAL", "return redis.call('hgetall', 'nohash')", "0")).raw).toBe("*0\r\n")
    await c.close()
  })
})

describe("scripts that go too deep", () => {
  it("a reply nested past the limit ends in 'reached lua stack limit' and the connection lives on", async () => {
    const c = await connect()
    const reply = await c.call("EVAL", "local t = {} t[1] = t return t", "0")
    expect(reply.raw.startsWith("*1\r\n*1\r\n")).toBe(true)
    expect(reply.raw.endsWith("-ERR reached lua stack limit\r\n")).toBe(true)
    expect((await c.call("PING")).raw).toBe("+PONG\r\n")
    await c.close()
  })

  it("a JS stack overflow inside a library call is a Lua error, not a broken VM", async () => {
    const c = await connect()
    const reply = await c.call("EVAL", "return cmsgpack.unpack(string.rep('\\145', 200000) .. '\\1')", "0")
    expect(reply.raw).toMatch(/^-ERR Maximum call stack size exceeded script: /)
    const caught = await c.call("EVAL", "return {pcall(cmsgpack.unpack, string.rep('\\145', 200000) .. '\\1')}", "0")
    expect(caught.raw).toBe("*2\r\n$-1\r\n$32\r\nMaximum call stack size exceeded\r\n")
    expect((await c.call("EVAL", "return redis.call('ping')", "0")).raw).toBe("+PONG\r\n")
    await c.close()
  })
})

describe("CLIENT PAUSE WRITE and scripts", () => {
  it("holds EVAL of a script without flags and of one that may write, not no-writes scripts nor EVAL_RO", async () => {
    const admin = await connect()
    const c = await connect()
    await admin.call("CLIENT", "PAUSE", "10000", "WRITE")
    expect((await c.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0")).raw).toBe(":1\r\n")
    expect((await c.call("EVAL_RO", "return 2", "0")).raw).toBe(":2\r\n")
    for (const script of ["return 3", "#!lua\nreturn 3"]) {
      c.write(encode(["EVAL", script, "0"]))
      await expect(c.read(1, 150)).rejects.toThrow(/timeout/)
      await admin.call("CLIENT", "UNPAUSE")
      expect((await c.read(1))[0]!.raw).toBe(":3\r\n")
      await admin.call("CLIENT", "PAUSE", "10000", "WRITE")
    }
    await admin.call("CLIENT", "UNPAUSE")
    await admin.close()
    await c.close()
  })
})

describe("INFO memory", () => {
  it("counts cached scripts and the VM's memory", async () => {
    const c = await connect()
    const field = async (name: string): Promise<number> => {
      const info = String((await c.call("INFO", "memory")).value)
      return Number(new RegExp(`${name}:(\\d+)`).exec(info)![1])
    }
    await c.call("SCRIPT", "FLUSH")
    expect(await field("number_of_cached_scripts")).toBe(0)
    await c.call("SCRIPT", "LOAD", "return 'counted'")
    await c.call("EVAL", "return 'also counted'", "0")
    expect(await field("number_of_cached_scripts")).toBe(2)
    expect(await field("used_memory_scripts_eval")).toBeGreaterThan(0)
    expect(await field("used_memory_lua")).toBeGreaterThan(10_000)
    await c.call("SCRIPT", "FLUSH")
    expect(await field("number_of_cached_scripts")).toBe(0)
    await c.close()
  })
})

describe("redis.log", () => {
  it("writes Redis's log line to the logfile when the level passes loglevel", async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs")
    const dir = mkdtempSync("/tmp/effect-redis-lua-log-")
    const logfile = `${dir}/server.log`
    const logging = await startServer({ logfile, loglevel: "notice" })
    const c = await RawConnection.connect(logging.port)
    await c.call("EVAL", "redis.log(redis.LOG_WARNING, 'from', 'lua', 42, {}) redis.log(redis.LOG_DEBUG, 'hidden') return 1", "0")
    const lines = readFileSync(logfile, "utf8").split("\n").filter((l) => l.includes("lua") || l.includes("hidden"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ # from lua 42$/)
    await c.close()
    await logging.close()
    rmSync(dir, { recursive: true, force: true })
  })
})

describe("DEBUG SET-DISABLE-DENY-SCRIPTS (Redis's tests use it)", () => {
  it("lets scripts call commands flagged noscript while on, and refuses them again once off", async () => {
    const debugServer = await startServer({ "enable-debug-command": "yes" })
    const c = await RawConnection.connect(debugServer.port)
    try {
      // PING is not noscript: a control that runs either way
      expect((await c.call("EVAL", "return redis.call('ping')", "0")).raw).toBe("+PONG\r\n")
      const noscript = ["EVAL", "return redis.call('client', 'id')", "0"] as const
      const refused = "-ERR This Redis command is not allowed from script script: "
      expect((await c.call(...noscript)).raw.startsWith(refused)).toBe(true)
      expect((await c.call("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")).raw).toBe("+OK\r\n")
      expect((await c.call(...noscript)).raw).toMatch(/^:\d+\r\n$/)
      expect((await c.call("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")).raw).toBe("+OK\r\n")
      expect((await c.call(...noscript)).raw.startsWith(refused)).toBe(true)
    } finally {
      await c.close()
      await debugServer.close()
    }
  })
})

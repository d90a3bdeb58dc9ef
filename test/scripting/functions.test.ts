/**
 * Functions on this server: FCALL of a function runs its body as EVAL runs the same body (a property
 * over random bodies), MONITOR shows FCALL before its commands, CLIENT PAUSE WRITE holds FCALL of a
 * function that may write, INFO memory counts the libraries, and the two Lua states stay apart.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { evalCommand } from "../support/generators/scripts.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"
import { lib, randomLibraries } from "./function-examples.ts"

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const connect = () => RawConnection.connect(server.port)

/** An error's position names the script or function and its chunk: the rest must be the same. */
const positionless = (raw: string): string =>
  raw
    .replace(/ script: \w+, on @user_(script|function):\d+\./g, " script: _.")
    .replace(/user_(script|function):\d+:/g, "user:_:")

describe("FCALL and EVAL", () => {
  it("a function registered from a script's body replies as EVAL of that body does (property)", async () => {
    const c = await connect()
    await fc.assert(
      fc.asyncProperty(evalCommand, async (command) => {
        const [, body, ...args] = command
        await c.call("FUNCTION", "FLUSH")
        const loaded = await c.call("FUNCTION", "LOAD", lib("prop", `redis.register_function('body', function(KEYS, ARGV)\n${body}\nend)`))
        expect(loaded.raw).toBe("$4\r\nprop\r\n")
        const seed = [["FLUSHALL"], ["SET", "k1", "5"], ["RPUSH", "k3", "x", "y"], ["HSET", "h", "f", "1"]]
        await c.pipeline(seed)
        const evalReply = await c.call("EVAL", body!, ...args)
        const evalKeys = (await c.call("EVAL", "return redis.call('keys', '*')", "0")).value
        await c.pipeline(seed)
        const fcallReply = await c.call("FCALL", "body", ...args)
        const fcallKeys = (await c.call("EVAL", "return redis.call('keys', '*')", "0")).value
        // math.random draws from one generator for both (as in Redis), so compare replies without it
        if (!body!.includes("math.random")) expect(positionless(fcallReply.raw)).toBe(positionless(evalReply.raw))
        expect(new Set(fcallKeys as Array<string>)).toEqual(new Set(evalKeys as Array<string>))
      }),
      { numRuns: 100 }
    )
    await c.close()
  })

  it("the two Lua states are apart: a function's globals are not EVAL's", async () => {
    const c = await connect()
    await c.call("FUNCTION", "FLUSH")
    await c.call("FUNCTION", "LOAD", lib("sep", "redis.register_function('g', function() return type(__redis__err__handler) end)"))
    expect((await c.call("FCALL", "g", "0")).raw).toMatch(/nonexistent global variable '__redis__err__handler'/)
    expect((await c.call("EVAL", "return type(__redis__err__handler)", "0")).raw).toBe("$8\r\nfunction\r\n")
    await c.close()
  })
})

describe("FUNCTION DUMP and RESTORE", () => {
  it("a DUMP restores the same libraries, with and without LZF, with FLUSH and into an empty server (property)", async () => {
    const c = await connect()
    await fc.assert(
      fc.asyncProperty(randomLibraries, fc.boolean(), async (libs, compression) => {
        await c.call("CONFIG", "SET", "rdbcompression", compression ? "yes" : "no")
        await c.call("FUNCTION", "FLUSH")
        for (const code of libs) expect((await c.call("FUNCTION", "LOAD", code)).raw).toMatch(/^\$/)
        const before = (await c.call("FUNCTION", "LIST", "WITHCODE")).raw
        const payload = (await c.call("FUNCTION", "DUMP")).value as string
        await c.call("FUNCTION", "FLUSH")
        expect((await c.call("FUNCTION", "RESTORE", payload)).raw).toBe("+OK\r\n")
        expect((await c.call("FUNCTION", "LIST", "WITHCODE")).raw).toBe(before)
        expect((await c.call("FUNCTION", "RESTORE", payload, "FLUSH")).raw).toBe("+OK\r\n")
        expect((await c.call("FUNCTION", "LIST", "WITHCODE")).raw).toBe(before)
        // the restored libraries run
        for (const code of libs) {
          const fn = /function_name='(\w+)'/.exec(code)![1]!
          expect((await c.call("FCALL", fn, "0")).raw).toMatch(new RegExp(`^\\$\\d+\r\n${fn}\\d+\r\n$`))
        }
        // a second DUMP is the same payload
        expect((await c.call("FUNCTION", "DUMP")).value).toBe(payload)
      }),
      { numRuns: 60 }
    )
    await c.call("CONFIG", "SET", "rdbcompression", "yes")
    await c.close()
  })
})

describe("FCALL and the server", () => {
  it("MONITOR shows FCALL, then the function's commands from lua", async () => {
    const c = await connect()
    const monitor = await connect()
    await c.call("FUNCTION", "LOAD", "REPLACE", lib("mon", "redis.register_function('mon', function(k, a) return redis.call('set', k[1], a[1]) end)"))
    expect((await monitor.call("MONITOR")).raw).toBe("+OK\r\n")
    await c.call("FCALL", "mon", "1", "mk", "mv")
    const [first, second] = await monitor.read(2)
    expect(first!.raw).toMatch(/^\+\d+\.\d+ \[0 127\.0\.0\.1:\d+\] "FCALL" "mon" "1" "mk" "mv"\r\n$/)
    expect(second!.raw).toMatch(/^\+\d+\.\d+ \[0 lua\] "set" "mk" "mv"\r\n$/)
    await monitor.close()
    await c.close()
  })

  it("CLIENT PAUSE WRITE holds FCALL of a function that may write, not of a no-writes one nor FCALL_RO", async () => {
    const c = await connect()
    const admin = await connect()
    await c.call("FUNCTION", "LOAD", "REPLACE", lib("pause",
      "redis.register_function('w', function() return 'w' end)",
      "redis.register_function{function_name='r', callback=function() return 'r' end, flags={'no-writes'}}"))
    await admin.call("CLIENT", "PAUSE", "500", "WRITE")
    const started = Date.now()
    expect((await c.call("FCALL", "r", "0")).raw).toBe("$1\r\nr\r\n")
    expect((await c.call("FCALL_RO", "r", "0")).raw).toBe("$1\r\nr\r\n")
    expect(Date.now() - started).toBeLessThan(400)
    c.write(encode(["FCALL", "w", "0"]))
    const [held] = await c.read(1)
    expect(held!.raw).toBe("$1\r\nw\r\n")
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    await admin.close()
    await c.close()
  })

  it("INFO memory counts the functions and libraries", async () => {
    const c = await connect()
    await c.call("FUNCTION", "FLUSH")
    await c.call("FUNCTION", "LOAD", lib("m1", "redis.register_function('m1a', function() end)", "redis.register_function('m1b', function() end)"))
    await c.call("FUNCTION", "LOAD", lib("m2", "redis.register_function('m2a', function() end)"))
    const info = (await c.call("INFO", "memory")).value as string
    expect(info).toContain("number_of_functions:3\r\n")
    expect(info).toContain("number_of_libraries:2\r\n")
    expect(Number(/used_memory_vm_functions:(\d+)/.exec(info)![1])).toBeGreaterThan(0)
    expect(Number(/used_memory_functions:(\d+)/.exec(info)![1])).toBeGreaterThan(0)
    await c.call("FUNCTION", "FLUSH")
    expect((await c.call("INFO", "memory")).value as string).toContain("number_of_functions:0\r\n")
    await c.close()
  })
})

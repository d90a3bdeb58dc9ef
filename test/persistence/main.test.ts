/**
 * Persistence in the server as users run it (`node src/main.ts`): the RDB file is loaded at start-up
 * while clients already connect (they get LOADING), SIGTERM saves first when save points exist,
 * SHUTDOWN exits (after saving) and the next start has the data, a damaged file stops the start-up
 * with Redis's lines, and `save "3600 1 300 100"` is accepted as one argument as Redis 7.0 does.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { encodeKeyspace } from "../../src/persistence/rdb/keyspace.ts"
import { freePort } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
const base = mkdtempSync(join(tmpdir(), "persistence-main-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
let dirs = 0
const freshDir = (): string => mkdtempSync(join(base, `d${dirs++}-`))

const running: Array<ChildProcess> = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

const start = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [join(root, "src/main.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const waitFor = (text: string, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs
      const timer = setInterval(() => {
        if (output.includes(text)) {
          clearInterval(timer)
          resolve(output)
        } else if (child.exitCode !== null || Date.now() > deadline) {
          clearInterval(timer)
          reject(new Error(`no "${text}" in output:\n${output}`))
        }
      }, 10)
    })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, waitFor, exited, output: () => output }
}

/** An RDB file of `keys` string keys written by this server's encoder. */
const bigFile = async (file: string, keys: number): Promise<void> => {
  const server = await startServer()
  const conn = await RawConnection.connect(server.port)
  try {
    for (let i = 0; i < keys; i += 5000) {
      await conn.call("MSET", ...Array.from({ length: Math.min(5000, keys - i) }, (_, j) => [`key:${i + j}`, `value:${i + j}`]).flat())
    }
    writeFileSync(file, encodeKeyspace(server.engine.keyspace, server.engine.config, { version: "7.0.15", usedMemory: 0 }))
  } finally {
    await conn.close()
    await server.close()
  }
}

describe("the server process", () => {
  it("answers LOADING while it loads the file, then serves the data", async () => {
    const dir = freshDir()
    await bigFile(join(dir, "dump.rdb"), 400_000)
    const port = await freePort()
    const server = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""])
    let conn: RawConnection | undefined
    while (conn === undefined) {
      conn = await RawConnection.connect(port).catch(() => undefined)
      if (conn === undefined) await new Promise((r) => setTimeout(r, 2))
    }
    const seen = new Set<string>()
    let loadingInfo = ""
    for (;;) {
      const [get, inf] = await conn.pipeline([["GET", "key:7"], ["INFO", "persistence"]])
      seen.add(get!.raw)
      if (get!.raw.startsWith("-LOADING")) loadingInfo = inf!.value as string
      if (get!.raw === "$7\r\nvalue:7\r\n") break
    }
    expect(seen).toContain("-LOADING Redis is loading the dataset in memory\r\n")
    expect(loadingInfo).toMatch(/^loading:1\r$/m)
    expect(loadingInfo).toMatch(/^loading_total_bytes:\d+\r$/m)
    expect(loadingInfo).toMatch(/^loading_loaded_perc:\d+\.\d\d\r$/m)
    const output = await server.waitFor("Ready to accept connections tcp")
    expect(output).toContain("Done loading RDB, keys loaded: 400000, keys expired: 0.")
    expect(output.indexOf("DB loaded from disk")).toBeLessThan(output.indexOf("Ready to accept connections tcp"))
    expect((await conn.call("DBSIZE")).value).toBe(400000)
    await conn.close()
    server.child.kill("SIGTERM")
    expect(await server.exited).toBe(0)
  })

  it("stops loading and exits without saving on SIGTERM during the load", async () => {
    const dir = freshDir()
    await bigFile(join(dir, "dump.rdb"), 400_000)
    const port = await freePort()
    const server = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    await server.waitFor("Loading RDB produced by version")
    server.child.kill("SIGTERM")
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain("Received shutdown signal during loading, scheduling shutdown.")
    expect(server.output()).not.toContain("Saving the final RDB snapshot")
    expect(server.output()).not.toContain("Ready to accept connections")
  })

  it("saves on SIGTERM when save points exist, exits 0, and the next start loads it", async () => {
    const dir = freshDir()
    const port = await freePort()
    const first = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    await first.waitFor("Ready to accept connections tcp")
    const conn = await RawConnection.connect(port)
    await conn.call("SET", "survives", "yes")
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)
    const out = first.output()
    const order = ["Received SIGTERM scheduling shutdown...", "User requested shutdown...", "Saving the final RDB snapshot before exiting.", "DB saved on disk", "Redis is now ready to exit, bye bye..."]
    for (let i = 1; i < order.length; i++) expect(out.indexOf(order[i]!)).toBeGreaterThan(out.indexOf(order[i - 1]!))
    const second = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""])
    await second.waitFor("Ready to accept connections tcp")
    const again = await RawConnection.connect(port)
    expect((await again.call("GET", "survives")).value).toBe("yes")
    // SHUTDOWN with no save points and no SAVE flag: exits without saving
    await again.call("SET", "lost", "1")
    again.write("*1\r\n$8\r\nSHUTDOWN\r\n")
    expect(await again.readUntilClose()).toEqual([])
    expect(await second.exited).toBe(0)
    const third = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""])
    await third.waitFor("Ready to accept connections tcp")
    const last = await RawConnection.connect(port)
    expect((await last.call("EXISTS", "lost")).value).toBe(0)
    expect((await last.call("CONFIG", "GET", "save")).value).toEqual(["save", ""])
    third.child.kill("SIGINT")
    expect(await third.exited).toBe(0)
  })

  it("accepts save points as one quoted argument, on the command line and in a config file", async () => {
    const dir = freshDir()
    const port = await freePort()
    const conf = join(dir, "redis.conf")
    writeFileSync(conf, `save "900 1 300 10"\nport ${port}\nbind 127.0.0.1\ndir ${dir}\n`)
    const fromFile = start([conf])
    await fromFile.waitFor("Ready to accept connections tcp")
    const c1 = await RawConnection.connect(port)
    expect((await c1.call("CONFIG", "GET", "save")).value).toEqual(["save", "900 1 300 10"])
    c1.write("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    expect(await fromFile.exited).toBe(0)
    const fromArgs = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "3600 1 300 100"])
    await fromArgs.waitFor("Ready to accept connections tcp")
    const c2 = await RawConnection.connect(port)
    expect((await c2.call("CONFIG", "GET", "save")).value).toEqual(["save", "3600 1 300 100"])
    c2.write("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    expect(await fromArgs.exited).toBe(0)
    expect(existsSync(join(dir, "dump.rdb"))).toBe(false)
  })

  it("stops the start-up on a damaged file with Redis's lines and status 1", async () => {
    const dir = freshDir()
    await bigFile(join(dir, "dump.rdb"), 10)
    const bytes = await import("node:fs").then((fs) => fs.readFileSync(join(dir, "dump.rdb")))
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff
    writeFileSync(join(dir, "dump.rdb"), bytes)
    const port = await freePort()
    const server = start(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    expect(await server.exited).toBe(1)
    expect(server.output()).toMatch(/Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\./)
    expect(server.output()).toMatch(/Internal error in RDB reading offset \d+ -> RDB CRC error/)
    expect(server.output()).toContain("Terminating server after rdb file reading failure.")
    expect(server.output()).not.toContain("Ready to accept connections")
  })
})

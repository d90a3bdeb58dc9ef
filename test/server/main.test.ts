/**
 * The command line as users run it: `node src/main.ts` and the `effect-redis-server` bin start like
 * redis-server (banner with version, port and pid, "Ready to accept connections tcp"), serve clients,
 * and shut down cleanly on SIGINT/SIGTERM (finalizers run, status 0).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { REDIS_VERSION } from "../../src/version.ts"
import { freePort } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
// the servers' working directory: a shutdown saves dump.rdb there (default save points)
const dir = mkdtempSync(join(tmpdir(), "main-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const running: ChildProcess[] = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

const start = (entry: string, args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [entry, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const waitFor = (text: string, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes(text)) {
          clearInterval(timer)
          resolve(output)
        } else if (child.exitCode !== null || Date.now() > deadline) {
          clearInterval(timer)
          reject(new Error(`no "${text}" in output:\n${output}`))
        }
      }, 20)
      const deadline = Date.now() + timeoutMs
    })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, waitFor, exited, output: () => output }
}

describe.each([
  ["src/main.ts"],
  ["bin/effect-redis-server.js"]
])("%s", (entry) => {
  it.each(["SIGTERM", "SIGINT"] as const)("starts, serves, and exits cleanly on %s", async (signal) => {
    const port = await freePort()
    const server = start(entry, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    const banner = await server.waitFor("Ready to accept connections tcp")
    expect(banner).toContain(`Redis version=${REDIS_VERSION}`)
    expect(banner).toContain(`pid=${server.child.pid}`)
    expect(banner).toContain(`port=${port}`)
    // Redis's log line format: pid:role day month year time level message
    expect(banner).toMatch(new RegExp(`^${server.child.pid}:M \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* Ready to accept connections tcp$`, "m"))

    const client = await RawConnection.connect(port)
    expect((await client.call("PING")).raw).toBe("+PONG\r\n")

    server.child.kill(signal)
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain(`Received ${signal} scheduling shutdown...`)
    expect(server.output()).toContain("Redis is now ready to exit, bye bye...")
    await client.readUntilClose()
  })
})

describe("command line", () => {
  it("prints the version like redis-server -v", async () => {
    const run = start("src/main.ts", ["--version"])
    expect(await run.exited).toBe(0)
    expect(run.output()).toMatch(new RegExp(`^Redis server v=${REDIS_VERSION.replace(/\./g, "\\.")} `))
  })

  it("refuses an unknown directive before listening, naming it", async () => {
    const run = start("src/main.ts", ["--no-such-directive", "1"])
    expect(await run.exited).toBe(1)
    expect(run.output()).toContain("FATAL CONFIG FILE ERROR")
    expect(run.output()).toContain("no-such-directive")
    expect(run.output()).not.toContain("Ready to accept")
  })
})

describe("listening", () => {
  it("a port already in use is reported like redis-server and exits with status 1", async () => {
    const port = await freePort()
    const first = start("src/main.ts", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    await first.waitFor("Ready to accept connections tcp")
    const second = start("src/main.ts", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir])
    expect(await second.exited).toBe(1)
    expect(second.output()).toContain(`Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`)
    expect(second.output()).toContain(`Failed listening on port ${port} (TCP), aborting.`)
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)
  })
})

describe("V8 flags", () => {
  it("the bin and the Nix package run the server with package.json's config.v8Flags, as npm start does", () => {
    const read = (file: string) => readFileSync(`${root}${file}`, "utf8")
    const flags = JSON.parse(read("package.json")).config.v8Flags as string
    expect(JSON.parse(read("package.json")).scripts.start).toContain("$npm_package_config_v8Flags")
    expect(read("bin/effect-redis-server.js").split("\n")[0]).toBe(`#!/usr/bin/env -S node ${flags}`)
    expect(read("flake.nix")).toContain(`--add-flags "${flags}"`)
  })
})

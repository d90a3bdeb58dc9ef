/**
 * Crashes (kill -9) of the server process: with `appendfsync always` every acknowledged write is there
 * after the restart; a crash during BGSAVE or BGREWRITEAOF leaves the previous files usable.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { freePort } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
const base = mkdtempSync(join(tmpdir(), "crash-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
let dirs = 0
const freshDir = (): string => mkdtempSync(join(base, `d${dirs++}-`))

const running: Array<ChildProcess> = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

const start = async (args: ReadonlyArray<string>) => {
  const port = await freePort()
  const child = spawn(process.execPath, [join(root, "src/main.ts"), "--port", String(port), "--bind", "127.0.0.1", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"]
  })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const deadline = Date.now() + 30_000
  while (!output.includes("Ready to accept connections tcp")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`)
    await new Promise((r) => setTimeout(r, 10))
  }
  const conn = await RawConnection.connect(port)
  return { child, conn, exited, output: () => output }
}

const info = async (conn: RawConnection, field: string): Promise<string | undefined> => {
  const text = (await conn.call("INFO", "persistence")).value as string
  return new RegExp(`^${field}:(.*)\\r$`, "m").exec(text)?.[1]
}

describe("kill -9", () => {
  it("with appendfsync always, every acknowledged write survives", async () => {
    const dir = freshDir()
    const args = ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    const first = await start(args)
    let acked = 0
    let stop = false
    // writers: pipelines of INCRs; a reply means the write was fsynced before it was sent
    const writer = (async () => {
      while (!stop) {
        const replies = await first.conn.pipeline(Array.from({ length: 20 }, () => ["INCR", "counter"])).catch(() => [])
        if (replies.length < 20) return
        acked = Math.max(acked, replies[replies.length - 1]!.value as number)
      }
    })()
    await new Promise((r) => setTimeout(r, 400))
    first.child.kill("SIGKILL")
    stop = true
    await writer
    await first.exited
    expect(acked).toBeGreaterThan(100)
    const second = await start(args)
    const counter = Number((await second.conn.call("GET", "counter")).value)
    expect(counter).toBeGreaterThanOrEqual(acked)
    expect(counter).toBeLessThanOrEqual(acked + 20)
    await second.conn.close()
    second.child.kill("SIGKILL")
  })

  it("during BGSAVE leaves the previous dump.rdb usable", async () => {
    const dir = freshDir()
    const args = ["--dir", dir, "--save", ""]
    const first = await start(args)
    for (let i = 0; i < 400_000; i += 10_000) {
      await first.conn.call("MSET", ...Array.from({ length: 10_000 }, (_, j) => [`k${i + j}`, `v${i + j}`]).flat())
    }
    expect((await first.conn.call("SAVE")).raw).toBe("+OK\r\n")
    await first.conn.call("SET", "after-save", "1")
    expect((await first.conn.call("BGSAVE")).raw).toBe("+Background saving started\r\n")
    expect(await info(first.conn, "rdb_bgsave_in_progress")).toBe("1")
    first.child.kill("SIGKILL")
    await first.exited
    const second = await start(args)
    expect((await second.conn.call("DBSIZE")).value).toBe(400_000)
    expect((await second.conn.call("EXISTS", "after-save")).value).toBe(0)
    second.child.kill("SIGKILL")
  })

  it("during BGREWRITEAOF leaves the previous AOF files usable", async () => {
    const dir = freshDir()
    const args = ["--dir", dir, "--appendonly", "yes", "--save", ""]
    const first = await start(args)
    for (let i = 0; i < 300_000; i += 10_000) {
      await first.conn.call("MSET", ...Array.from({ length: 10_000 }, (_, j) => [`k${i + j}`, `v${i + j}`]).flat())
    }
    expect((await first.conn.call("BGREWRITEAOF")).raw).toBe("+Background append only file rewriting started\r\n")
    await first.conn.call("SET", "during", "rewrite")
    expect(await info(first.conn, "aof_rewrite_in_progress")).toBe("1")
    first.child.kill("SIGKILL")
    await first.exited
    const second = await start(args)
    expect((await second.conn.call("DBSIZE")).value).toBe(300_001)
    expect((await second.conn.call("GET", "during")).value).toBe("rewrite")
    second.child.kill("SIGKILL")
  })
})

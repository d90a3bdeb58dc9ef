/**
 * appendfsync always as a group commit whose fsync runs on the thread pool: a reply leaves only once an
 * fsync that started after its write was written has completed. `fs.fsync` is replaced by one whose
 * completions the test releases by hand, so the order of writes, fsyncs and replies is observed, not
 * timed.
 */
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { syncBuiltinESMExports } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { encodeCommand } from "../../src/resp/ReplyParser.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { RawConnection } from "../support/raw.ts"

const root = mkdtempSync(join(tmpdir(), "aof-group-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const realFsync = fs.fsync
/** fsyncs started and not yet completed, oldest first */
let pending: Array<() => void> = []

beforeEach(() => {
  pending = []
  ;(fs as { fsync: typeof fs.fsync }).fsync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    pending.push(() => realFsync(fd, cb))
  }) as typeof fs.fsync
  syncBuiltinESMExports()
})
afterEach(() => {
  ;(fs as { fsync: typeof fs.fsync }).fsync = realFsync
  syncBuiltinESMExports()
})

const settle = () => new Promise((r) => setTimeout(r, 30))
const noReply = async (conn: RawConnection) => {
  await expect(conn.read(1, 60)).rejects.toThrow(/timeout/)
}
/** Completes the oldest pending fsync and lets its callback run. */
const completeOne = async () => {
  expect(pending.length).toBeGreaterThan(0)
  pending.shift()!()
  await settle()
}

describe("appendfsync always", () => {
  it("holds a reply until the fsync covering its write completes, and a write made during that fsync until the next", async () => {
    const dir = join(root, "a")
    fs.mkdirSync(dir)
    const server = await startPersistentServer({ dir, appendonly: "yes", appendfsync: "always", save: "" })
    const [a, b] = [await RawConnection.connect(server.port), await RawConnection.connect(server.port)]
    try {
      pending = []
      a.write(encodeCommand(["SET", "a", "1"]))
      await settle()
      // written to the incr file, fsync started, reply held
      const incr = () => readFileSync(join(dir, "appendonlydir", readdirSync(join(dir, "appendonlydir")).find((f) => f.endsWith(".incr.aof"))!), "latin1")
      expect(incr()).toContain(encodeCommand(["SET", "a", "1"]))
      expect(pending.length).toBe(1)
      await noReply(a)

      // B writes while A's fsync runs: written now, but only the next fsync covers it
      b.write(encodeCommand(["SET", "b", "2"]))
      await settle()
      expect(incr()).toContain(encodeCommand(["SET", "b", "2"]))
      expect(pending.length).toBe(1)
      await noReply(b)

      await completeOne()
      expect((await a.read(1))[0]!.raw).toBe("+OK\r\n")
      await noReply(b)
      // the second group's fsync started when the first completed
      expect(pending.length).toBe(1)
      await completeOne()
      expect((await b.read(1))[0]!.raw).toBe("+OK\r\n")
      expect(pending.length).toBe(0)

      // a read-only batch waits for nothing
      a.write(encodeCommand(["GET", "a"]))
      expect((await a.read(1))[0]!.raw).toBe("$1\r\n1\r\n")
    } finally {
      while (pending.length > 0) pending.shift()!()
      await a.close()
      await b.close()
      await server.close()
    }
  })

  it("keeps a client's replies in order: earlier replies wait with a later write still being synced", async () => {
    const dir = join(root, "b")
    fs.mkdirSync(dir)
    const server = await startPersistentServer({ dir, appendonly: "yes", appendfsync: "always", save: "" })
    const c = await RawConnection.connect(server.port)
    try {
      pending = []
      c.write(encodeCommand(["INCR", "n"]))
      await settle()
      expect(pending.length).toBe(1)
      // the same client writes again while its first write's fsync runs
      c.write(encodeCommand(["INCR", "n"]))
      await settle()
      await completeOne()
      // the first fsync covered only the first INCR: neither reply may leave before the second is on disk
      await noReply(c)
      await completeOne()
      expect((await c.read(2)).map((r) => r.raw)).toEqual([":1\r\n", ":2\r\n"])
    } finally {
      while (pending.length > 0) pending.shift()!()
      await c.close()
      await server.close()
    }
  })

  it("releases every held reply when a synchronous fsync covers them (BGREWRITEAOF rotating the incr file)", async () => {
    const dir = join(root, "c")
    fs.mkdirSync(dir)
    const server = await startPersistentServer({ dir, appendonly: "yes", appendfsync: "always", save: "" })
    const [a, b] = [await RawConnection.connect(server.port), await RawConnection.connect(server.port)]
    try {
      pending = []
      a.write(encodeCommand(["SET", "a", "1"]))
      await settle()
      await noReply(a)
      b.write(encodeCommand(["BGREWRITEAOF"]))
      expect((await b.read(1))[0]!.raw).toBe("+Background append only file rewriting started\r\n")
      // the rewrite's flush fsynced the old incr file before rotating it: A's write is on disk
      expect((await a.read(1))[0]!.raw).toBe("+OK\r\n")
      // the stale thread-pool fsync completing later changes nothing
      while (pending.length > 0) pending.shift()!()
      await settle()
      a.write(encodeCommand(["GET", "a"]))
      expect((await a.read(1))[0]!.raw).toBe("$1\r\n1\r\n")
    } finally {
      while (pending.length > 0) pending.shift()!()
      await a.close()
      await b.close()
      await server.close()
    }
  })
})

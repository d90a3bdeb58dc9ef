/**
 * appendfsync always as a group commit whose fsync runs on the thread pool: a reply leaves only once an
 * fsync that started after its write was written has completed. `fs.fsync` is replaced by one whose
 * completions the test releases by hand, so the order of writes, fsyncs and replies is observed, not
 * timed.
 */
import fs, { readdirSync, readFileSync } from "node:fs"
import { syncBuiltinESMExports } from "node:module"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { encodeCommand } from "../../src/resp/ReplyParser.ts"
import type { RawConnection } from "../support/raw.ts"
import { freshDirs, withServer } from "./support.ts"

const freshDir = freshDirs("aof-group-")

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
  // a test that failed half way leaves fsyncs to complete
  while (pending.length > 0) pending.shift()!()
  ;(fs as { fsync: typeof fs.fsync }).fsync = realFsync
  syncBuiltinESMExports()
})

/** A server with the AOF on and appendfsync always in a fresh directory; the fsyncs of its start-up are done. */
const withAlways = (body: (dir: string, ...conns: Array<RawConnection>) => Promise<void>, connections: number) => {
  const dir = freshDir()
  return withServer({ save: "", dir, appendonly: "yes", appendfsync: "always" }, async (_server, ...conns) => {
    while (pending.length > 0) pending.shift()!()
    await body(dir, ...conns)
  }, connections)
}

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
    await withAlways(async (dir, a, b) => {
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
    }, 2)
  })

  it("keeps a client's replies in order: earlier replies wait with a later write still being synced", async () => {
    await withAlways(async (_dir, c) => {
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
    }, 1)
  })

  it("releases every held reply when a synchronous fsync covers them (BGREWRITEAOF rotating the incr file)", async () => {
    await withAlways(async (_dir, a, b) => {
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
    }, 2)
  })
})

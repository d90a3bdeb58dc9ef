/**
 * Replication between instances of this server: chains, WAIT, promotion, REPLICAOF errors, and a
 * property: after any write history on the master, a replica's keyspace and offset are the master's.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { randomDataset } from "../support/generators/persistence.ts"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { RawConnection } from "../support/raw.ts"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startPersistentServer } from "../support/persistentServer.ts"
import { startServer, type TestServer } from "../support/server.ts"
import { fast, info, quiet, run, serverFleet, waitFor, waitInSync } from "./support.ts"


describe("replication between servers", () => {
  const fleet = serverFleet()
  const start = fleet.start

  it("a chain of three: the sub-replica gets the master's stream unchanged (same replid and offsets)", async () => {
    const [a, ca] = await start()
    await ca.call("SET", "before", "1")
    const [b, cb] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    const [, cc] = await start({ replicaof: ["127.0.0.1", String(b.port)] })
    await waitInSync(ca, cb)
    await waitInSync(cb, cc)
    await run(ca, [["SET", "x", "1", "EX", "100"], ["SELECT", "3"], ["LPUSH", "l", "a", "b"], ["SELECT", "0"], ["INCR", "n"]])
    await waitInSync(ca, cb)
    await waitInSync(cb, cc)
    const [ia, ib, ic] = [await info(ca), await info(cb), await info(cc)]
    expect(ib.master_replid).toBe(ia.master_replid)
    expect(ic.master_replid).toBe(ia.master_replid)
    expect(ic.master_repl_offset).toBe(ia.master_repl_offset)
    expect(ib.connected_slaves).toBe("1")
    expect(await dumpKeyspace(cc)).toEqual(await dumpKeyspace(ca))
    expect((await cc.call("GET", "before")).value).toBe("1")
  }, 30_000)

  it("a sub-replica synced while the master's stream has a database selected applies to that database (repl-stream-db)", async () => {
    const [a, ca] = await start()
    await run(ca, [["SELECT", "3"], ["SET", "x", "1"]])
    const [b, cb] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cb)
    await run(ca, [["SELECT", "3"], ["SET", "y", "1"]])
    await waitInSync(ca, cb)
    const [, cc] = await start({ replicaof: ["127.0.0.1", String(b.port)] })
    await waitInSync(cb, cc)
    // no SELECT in the stream now: database 3 is still the stream's
    await run(ca, [["SELECT", "3"], ["SET", "z", "1"]])
    await waitInSync(ca, cb)
    await waitInSync(cb, cc)
    await cc.call("SELECT", "3")
    expect((await cc.call("MGET", "x", "y", "z")).value).toEqual(["1", "1", "1"])
    await cc.call("SELECT", "0")
    expect((await cc.call("DBSIZE")).value).toBe(0)
  }, 30_000)

  it("function libraries reach a replica with its full sync, and by the stream afterwards; the replica's own are dropped", async () => {
    // no-writes: a replica runs only those (a function that may write gets READONLY there, as in Redis)
    const lib = (name: string, reply: string) =>
      `#!lua name=${name}\nredis.register_function{function_name='${name}_f', callback=function() return '${reply}' end, flags={'no-writes'}}`
    const [a, ca] = await start()
    await ca.call("FUNCTION", "LOAD", lib("before", "from the sync"))
    const [, cb] = await start()
    await cb.call("FUNCTION", "LOAD", lib("own", "replica's own"))
    await cb.call("REPLICAOF", "127.0.0.1", String(a.port))
    await waitInSync(ca, cb)
    expect((await cb.call("FCALL", "before_f", "0")).value).toBe("from the sync")
    expect((await cb.call("FCALL", "own_f", "0")).raw).toBe("-ERR Function not found\r\n")
    await ca.call("FUNCTION", "LOAD", lib("after", "from the stream"))
    await waitInSync(ca, cb)
    expect((await cb.call("FCALL", "after_f", "0")).value).toBe("from the stream")
  }, 30_000)

  it("min-replicas-to-write: writes get NOREPLICAS (in MULTI too) until enough replicas acknowledge; reads always run", async () => {
    const [a, ca] = await start({ "min-replicas-to-write": "1", "min-replicas-max-lag": "10" })
    const refused = "-NOREPLICAS Not enough good replicas to write.\r\n"
    expect((await ca.call("SET", "k", "v")).raw).toBe(refused)
    expect((await ca.call("GET", "k")).raw).toBe("$-1\r\n")
    const tx = await ca.pipeline([["MULTI"], ["SET", "k", "v"], ["EXEC"]])
    expect(tx.map((r) => r.raw)).toEqual(["+OK\r\n", refused, "-EXECABORT Transaction discarded because of previous errors.\r\n"])
    expect((await info(ca)).min_slaves_good_slaves).toBe("0")
    const [, cb] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cb)
    await waitFor("a good replica", async () => (await info(ca)).min_slaves_good_slaves === "1")
    expect((await ca.call("SET", "k", "v")).raw).toBe("+OK\r\n")
    // off again: no limit
    await ca.call("CONFIG", "SET", "min-replicas-to-write", "3")
    expect((await ca.call("SET", "k", "w")).raw).toBe(refused)
    await ca.call("CONFIG", "SET", "min-replicas-to-write", "0")
    expect((await ca.call("SET", "k", "w")).raw).toBe("+OK\r\n")
    expect((await info(ca)).min_slaves_good_slaves).toBeUndefined()
  }, 30_000)

  it("WAIT counts acknowledging replicas: 0 without any, 1 and 2 with them, and times out short of its target", async () => {
    const [a, ca] = await start()
    await ca.call("SET", "k", "v")
    const t0 = Date.now()
    expect((await ca.call("WAIT", "1", "200")).value).toBe(0)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
    expect((await ca.call("WAIT", "0", "0")).value).toBe(0)
    const [, c1] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, c1)
    await ca.call("SET", "k", "v2")
    expect((await ca.call("WAIT", "1", "5000")).value).toBe(1)
    const [, c2] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, c2)
    await ca.call("SET", "k", "v3")
    expect((await ca.call("WAIT", "2", "5000")).value).toBe(2)
    // asking for more replicas than there are: the timeout answers with the count that acknowledged
    await ca.call("SET", "k", "v4")
    const t1 = Date.now()
    expect((await ca.call("WAIT", "3", "300")).value).toBe(2)
    expect(Date.now() - t1).toBeGreaterThanOrEqual(250)
    expect((await c1.call("WAIT", "1", "10")).raw).toBe("-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n")
    const role = (await ca.call("ROLE")).value as Array<unknown>
    expect(role[0]).toBe("master")
    expect((role[2] as Array<unknown>).length).toBe(2)
  }, 30_000)

  it("REPLICAOF NO ONE promotes: data kept, a new replid with the old one as replid2; another replica continues partially", async () => {
    const [a, ca] = await start()
    const [b, cb] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await run(ca, [["SET", "a", "1"], ["HSET", "h", "f", "v"]])
    await waitInSync(ca, cb)
    const before = await info(cb)
    expect((await cb.call("SET", "w", "1")).raw).toBe("-READONLY You can't write against a read only replica.\r\n")
    expect((await cb.call("REPLICAOF", "NO", "ONE")).raw).toBe("+OK\r\n")
    const after = await info(cb)
    expect(after.role).toBe("master")
    expect(after.master_replid2).toBe(before.master_replid)
    expect(after.master_replid).not.toBe(before.master_replid)
    expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1))
    expect((await cb.call("GET", "a")).value).toBe("1")
    expect((await cb.call("SET", "w", "1")).raw).toBe("+OK\r\n")
    // the old master follows the promoted one: its history up to the promotion is shared
    expect((await ca.call("REPLICAOF", "127.0.0.1", String(b.port))).raw).toBe("+OK\r\n")
    await waitInSync(cb, ca)
    expect((await ca.call("GET", "w")).value).toBe("1")
    expect((await info(cb, "stats")).sync_partial_ok).toBe("1")
    expect((await ca.call("REPLICAOF", "127.0.0.1", String(b.port))).raw).toBe("+OK Already connected to specified master\r\n")
    expect((await ca.call("REPLICAOF", "127.0.0.1", "70000")).raw).toBe("-ERR Invalid master port\r\n")
    expect((await ca.call("CONFIG", "GET", "replicaof")).value).toEqual(["replicaof", `127.0.0.1 ${b.port}`])
  }, 30_000)

  it("a link killed while the RDB is on its way: the replica reconnects, syncs again and converges", async () => {
    const [a, ca] = await start()
    // enough data that the payload takes a while to send and load
    for (let i = 0; i < 40; i++) {
      await ca.call("MSET", ...Array.from({ length: 2000 }, (_, j) => [`k:${i}:${j}`, "v".repeat(100)]).flat())
    }
    const [, cb] = await start()
    await cb.call("REPLICAOF", "127.0.0.1", String(a.port))
    await waitFor("the sync to start", async () => /slave0:.*state=(wait_bgsave|send_bulk)/.test((await ca.call("INFO", "replication")).value as string))
    const killed = (await ca.call("CLIENT", "KILL", "TYPE", "replica")).value as number
    await ca.call("SET", "after-kill", "1")
    await waitInSync(ca, cb)
    expect(await dumpKeyspace(cb)).toEqual(await dumpKeyspace(ca))
    // the kill landed during the transfer (not after it was done)
    expect(killed).toBe(1)
    expect(Number((await info(ca, "stats")).sync_full)).toBeGreaterThanOrEqual(2)
  }, 60_000)

  it("a replica that stops reading is disconnected once its output passes client-output-buffer-limit replica", async () => {
    const [a, ca] = await start({ "client-output-buffer-limit": ["replica", "1mb", "0", "0"] })
    const raw = await RawConnection.connect(a.port)
    fleet.track(raw)
    raw.socket.removeAllListeners("data")
    let closed = false
    raw.socket.on("close", () => void (closed = true))
    raw.write("*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    await waitFor("the replica to be online", async () => /slave0:.*state=online/.test((await ca.call("INFO", "replication")).value as string))
    // it reads nothing from now on: the stream piles up in the socket, then in the master's buffer
    raw.socket.pause()
    const value = "x".repeat(64 * 1024)
    for (let i = 0; i < 200 && (await info(ca)).connected_slaves !== "0"; i++) await ca.call("SET", `big:${i % 10}`, value)
    expect((await info(ca)).connected_slaves).toBe("0")
    raw.socket.resume()
    await waitFor("the connection to close", async () => closed)
  }, 30_000)

  it("PSYNC ? -1 and SYNC on a raw connection: +FULLRESYNC with the offset, then the RDB payload; keys the master expires leave the replica as DEL", async () => {
    const [a, ca] = await start({ "repl-diskless-sync": "no", "enable-debug-command": "yes" })
    await ca.call("SET", "k", "v")
    const raw = await RawConnection.connect(a.port)
    fleet.track(raw)
    const received: Array<Buffer> = []
    raw.socket.removeAllListeners("data")
    raw.socket.on("data", (chunk: Buffer) => received.push(chunk))
    raw.write("*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    await waitFor("the payload", async () => /REDIS0010/.test(Buffer.concat(received).toString("latin1")))
    const text = Buffer.concat(received).toString("latin1")
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) 0\r\n\$(\d+)\r\nREDIS0010/.exec(text)
    expect(m).not.toBeNull()
    expect(m![1]).toBe((await info(ca)).master_replid)
    await waitFor("the whole payload", async () => Buffer.concat(received).length >= m![0].length - 9 + Number(m![2]))
    // the stream follows: SELECT 0 then the write, as Redis writes it
    await ca.call("SET", "after", "1")
    await waitFor("the stream", async () => Buffer.concat(received).toString("latin1").endsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n"))
    const list = (await ca.call("CLIENT", "LIST", "TYPE", "replica")).value as string
    expect(list).toMatch(/flags=S /)
    // expiry: the replica keeps an expired key until the master's DEL arrives
    const [, cr] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await ca.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    await ca.call("SET", "gone", "1", "PX", "50")
    await waitInSync(ca, cr)
    await new Promise((r) => setTimeout(r, 80))
    expect((await cr.call("EXISTS", "gone")).value).toBe(0)
    const size = (await cr.call("DBSIZE")).value as number
    expect((await ca.call("GET", "gone")).value).toBe(null)
    await waitInSync(ca, cr)
    expect((await cr.call("DBSIZE")).value).toBe(size - 1)
  }, 30_000)

  it("a replica that fell behind by more than repl-backlog-size resyncs fully; pings are stream bytes", async () => {
    const [a, ca] = await start({ "repl-backlog-size": "16384", "repl-ping-replica-period": "1" })
    const [, cr] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cr)
    // killed and written past the backlog in one batch, before the replica can reconnect
    await ca.pipeline([["CLIENT", "KILL", "TYPE", "replica"], ["SET", "big", "x".repeat(20_000)]])
    await waitInSync(ca, cr)
    expect((await cr.call("STRLEN", "big")).value).toBe(20_000)
    const stats = await info(ca, "stats")
    expect(stats.sync_full).toBe("2")
    expect(stats.sync_partial_err).toBe("1")
    const m = await info(ca)
    expect(m.repl_backlog_histlen).toBe("16384")
    expect(Number(m.repl_backlog_first_byte_offset)).toBe(Number(m.master_repl_offset) - 16384 + 1)
    // with nothing written, the master pings every second: 14 bytes each, which the replica applies
    const before = Number(m.master_repl_offset)
    await new Promise((r) => setTimeout(r, 2200))
    await waitInSync(ca, cr)
    const grown = Number((await info(ca)).master_repl_offset) - before
    expect(grown).toBeGreaterThanOrEqual(14)
    expect(grown % 14).toBe(0)
  }, 30_000)

  it("a replica with appendonly yes rewrites its AOF after a full sync: restarted alone, it has the master's data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "replica-aof-"))
    try {
      const [a, ca] = await start()
      await run(ca, [["SET", "before", "1"], ["RPUSH", "l", "a", "b"]])
      const replica = await startPersistentServer({ dir, appendonly: "yes", save: "", replicaof: ["127.0.0.1", String(a.port)] })
      const cr = await RawConnection.connect(replica.port)
      await waitInSync(ca, cr)
      await ca.call("SET", "after", "2")
      await waitInSync(ca, cr)
      await waitFor("the rewrite", async () => (await info(cr, "persistence")).aof_rewrite_in_progress === "0" &&
        replica.lines.some((l) => l.includes("Background AOF rewrite finished successfully")))
      await cr.close()
      await replica.close()
      const again = await startPersistentServer({ dir, appendonly: "yes", save: "" })
      const c2 = await RawConnection.connect(again.port)
      expect((await c2.call("MGET", "before", "after")).value).toEqual(["1", "2"])
      expect((await c2.call("LRANGE", "l", "0", "-1")).value).toEqual(["a", "b"])
      await c2.close()
      await again.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it("a replica that dies during its full sync is forgotten; the master serves on and syncs the next one", async () => {
    const [a, ca] = await start({ "repl-diskless-sync": "no" })
    await run(ca, Array.from({ length: 50 }, (_, i) => ["RPUSH", `l${i}`, ...Array.from({ length: 200 }, (_, j) => `e${j}`)]))
    for (const form of ["*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n", "SYNC\r\n"]) {
      const raw = await RawConnection.connect(a.port)
      const got: Array<Buffer> = []
      raw.socket.removeAllListeners("data")
      raw.socket.on("data", (chunk: Buffer) => got.push(chunk))
      raw.write(form)
      await waitFor("the sync to start", async () => Buffer.concat(got).length > 0 || (await info(ca)).connected_slaves === "1")
      raw.socket.destroy()
      await waitFor("the replica to be forgotten", async () => (await info(ca)).connected_slaves === "0")
    }
    expect((await ca.call("PING")).raw).toBe("+PONG\r\n")
    const [, cr] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cr)
    expect((await cr.call("LLEN", "l49")).value).toBe(200)
    expect((await info(ca, "stats")).sync_full).toBe("3")
  }, 30_000)

  it("repl-backlog-ttl: a master without replicas for that long frees its backlog and takes a new replid", async () => {
    const [a, ca] = await start({ "repl-backlog-ttl": "1" })
    const [, cr] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cr)
    const before = await info(ca)
    expect(before.repl_backlog_active).toBe("1")
    await cr.call("REPLICAOF", "NO", "ONE")
    await waitFor("the backlog to be freed", async () => (await info(ca)).repl_backlog_active === "0", 10_000)
    const after = await info(ca)
    expect(after.master_replid).not.toBe(before.master_replid)
    expect(after.master_replid2).toBe("0000000000000000000000000000000000000000")
    expect(after.repl_backlog_histlen).toBe("0")
    // writes no longer count: there is no backlog
    await ca.call("SET", "k", "v")
    expect((await info(ca)).master_repl_offset).toBe(after.master_repl_offset)
  }, 30_000)

  it("CLIENT PAUSE WRITE on a replica holds the master's stream until the pause ends", async () => {
    const [a, ca] = await start()
    const [, cr] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cr)
    expect((await cr.call("CLIENT", "PAUSE", "400", "WRITE")).raw).toBe("+OK\r\n")
    await run(ca, [["SET", "k", "1"], ["INCR", "n"], ["SET", "k", "2"]])
    await new Promise((r) => setTimeout(r, 150))
    expect((await cr.call("GET", "k")).value).toBe(null)
    await waitInSync(ca, cr)
    expect((await cr.call("MGET", "k", "n")).value).toEqual(["2", "1"])
  }, 30_000)

  it("a replica whose master is down reports the link down, and syncs once the master is there", async () => {
    const [, cr] = await start({ replicaof: ["127.0.0.1", "1"] })
    await waitFor("a connection attempt", async () => (await info(cr)).master_link_status === "down")
    const i = await info(cr)
    expect(i.master_host).toBe("127.0.0.1")
    expect(i.master_port).toBe("1")
    expect(i.slave_repl_offset).toBe("1")
    expect(i.master_link_down_since_seconds).toBe("-1")
    const role = (await cr.call("ROLE")).value as Array<unknown>
    expect(role[0]).toBe("slave")
    expect(role[4]).toBe(-1)
    expect((await cr.call("PSYNC", "?", "-1")).raw).toBe("-NOMASTERLINK Can't SYNC while not connected with my master\r\n")
    expect((await cr.call("REPLCONF", "listening-port")).raw).toBe("-ERR syntax error\r\n")
    expect((await cr.call("REPLCONF", "foo", "bar")).raw).toBe("-ERR Unrecognized REPLCONF option: foo\r\n")
  }, 30_000)
})

describe("replica keyspace and offset equal the master's after any write history", () => {
  let master: TestServer | undefined
  let replica: TestServer | undefined
  let cm: RawConnection | undefined
  let cr: RawConnection | undefined
  beforeAll(async () => {
    master = await startServer(fast, quiet)
    replica = await startServer({ replicaof: ["127.0.0.1", String(master.port)] }, quiet)
    cm = await RawConnection.connect(master.port)
    cr = await RawConnection.connect(replica.port)
    await waitInSync(cm, cr)
  })
  afterAll(async () => {
    await cm?.close()
    await cr?.close()
    await replica?.close()
    await master?.close()
  })

  it("holds for random histories of every type", async () => {
    await fc.assert(
      fc.asyncProperty(randomDataset, async (commands) => {
        await cm!.call("FLUSHALL")
        await run(cm!, commands)
        await waitInSync(cm!, cr!)
        const [im, ir] = [await info(cm!), await info(cr!)]
        expect(ir.master_repl_offset).toBe(im.master_repl_offset)
        expect(await dumpKeyspace(cr!)).toEqual(await dumpKeyspace(cm!))
      }),
      { numRuns: 15 }
    )
  }, 120_000)
})

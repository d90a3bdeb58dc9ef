/**
 * FAILOVER (coordinated failover, Redis 7.0): a master with two replicas hands over to one of them;
 * the old master becomes its replica with the data kept; TIMEOUT and ABORT; argument errors compared
 * byte for byte with redis-server; this server failing over to a redis-server replica.
 */
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { hasOracle, type Oracle, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"
import { fast, info, oracleReplicaArgs, quiet, run, serverFleet, waitFor, waitInSync } from "./support.ts"


describe("FAILOVER between servers", () => {
  const fleet = serverFleet()
  const start = fleet.start

  /** A master with two replicas, in sync, some data written. */
  const trio = async () => {
    const [a, ca] = await start()
    await run(ca, [["SET", "k", "v"], ["RPUSH", "l", "1", "2"], ["SELECT", "2"], ["SET", "in2", "x"], ["SELECT", "0"]])
    const [b, cb] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    const [c, cc] = await start({ replicaof: ["127.0.0.1", String(a.port)] })
    await waitInSync(ca, cb)
    await waitInSync(ca, cc)
    await waitFor("both replicas online", async () => {
      const i = await info(ca)
      return i.connected_slaves === "2" && [i.slave0, i.slave1].every((line) => line?.includes("state=online") === true)
    })
    return { a, ca, b, cb, c, cc }
  }

  const isMaster = async (conn: RawConnection) => (await info(conn)).role === "master"

  it("FAILOVER TO a replica: it becomes the master, the old master its replica with the data kept; the other replica is not reconfigured", async () => {
    const { a, ca, b, cb, cc } = await trio()
    const before = await dumpKeyspace(ca)
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", String(b.port))).raw).toBe("+OK\r\n")
    await waitFor("the target to be master", () => isMaster(cb))
    await waitFor("the old master to be a replica, in sync", async () => {
      const i = await info(ca)
      return i.role === "slave" && i.master_link_status === "up" && i.master_failover_state === "no-failover"
    })
    const ia = await info(ca)
    expect(ia.master_port).toBe(String(b.port))
    expect(ia.master_host).toBe("127.0.0.1")
    expect((await info(cb)).master_failover_state).toBe("no-failover")
    // the old master's history continues: a partial resync, the old id kept as replid2
    const ib = await info(cb)
    expect(ib.master_replid2).toBe(ia.master_replid2)
    expect(ia.master_replid).toBe(ib.master_replid)
    expect(await dumpKeyspace(cb)).toEqual(before)
    // writes on the new master reach the old one
    await cb.call("SET", "after", "1")
    await waitInSync(cb, ca)
    expect((await ca.call("GET", "after")).value).toBe("1")
    expect((await ca.call("SET", "x", "1")).raw).toBe("-READONLY You can't write against a read only replica.\r\n")
    // the other replica still names the old master (which now replicates the new one): it follows through it
    const ic = await info(cc)
    expect(ic.master_port).toBe(String(a.port))
    await waitFor("the other replica to get the new write", async () => (await cc.call("GET", "after")).value === "1")
  }, 40_000)

  it("FAILOVER with no arguments picks a caught-up replica; INFO shows the states", async () => {
    const { ca, cb, cc } = await trio()
    expect((await ca.call("FAILOVER")).raw).toBe("+OK\r\n")
    await waitFor("some replica to be master", async () => (await isMaster(cb)) || (await isMaster(cc)))
    await waitFor("the old master to be a replica", async () => {
      const i = await info(ca)
      return i.role === "slave" && i.master_link_status === "up" && i.master_failover_state === "no-failover"
    })
    const newMaster = (await isMaster(cb)) ? cb : cc
    expect((await newMaster.call("GET", "k")).value).toBe("v")
    expect((await ca.call("FAILOVER")).raw).toBe("-ERR FAILOVER is not valid when server is a replica.\r\n")
  }, 40_000)

  it("writes wait during the failover; TIMEOUT without FORCE aborts and they go on; ABORT ends it at once", async () => {
    const { ca, b, cb } = await trio()
    // the target cannot catch up: CLIENT PAUSE ALL on the replica holds its master client for a while
    await cb.call("CLIENT", "PAUSE", "1500", "ALL")
    await ca.call("SET", "lagging", "1")
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", String(b.port), "TIMEOUT", "300")).raw).toBe("+OK\r\n")
    expect((await info(ca)).master_failover_state).toBe("waiting-for-sync")
    expect((await ca.call("FAILOVER")).raw).toBe("-ERR FAILOVER already in progress.\r\n")
    expect((await ca.call("REPLICAOF", "NO", "ONE")).raw).toBe("-ERR REPLICAOF not allowed while failing over.\r\n")
    // a write is held until the failover aborts by its timeout
    const held = await RawConnection.connect(fleet.servers[0]!.port)
    fleet.track(held)
    const t0 = Date.now()
    expect((await held.call("SET", "w", "1")).raw).toBe("+OK\r\n")
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
    expect((await info(ca)).master_failover_state).toBe("no-failover")
    expect((await info(ca)).role).toBe("master")
    // ABORT; meanwhile CLIENT UNPAUSE, or a CLIENT PAUSE ending, does not lift the failover's pause
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", String(b.port))).raw).toBe("+OK\r\n")
    await ca.call("CLIENT", "PAUSE", "50", "WRITE")
    held.write("*3\r\n$3\r\nSET\r\n$2\r\nw1\r\n$1\r\n1\r\n")
    await expect(held.read(1, 300)).rejects.toThrow()
    expect((await ca.call("CLIENT", "UNPAUSE")).raw).toBe("+OK\r\n")
    await expect(held.read(1, 200)).rejects.toThrow()
    expect((await ca.call("FAILOVER", "ABORT")).raw).toBe("+OK\r\n")
    expect((await held.read(1))[0]!.raw).toBe("+OK\r\n")
    expect((await info(ca)).master_failover_state).toBe("no-failover")
    expect((await ca.call("SET", "w2", "1")).raw).toBe("+OK\r\n")
    expect((await ca.call("FAILOVER", "ABORT")).raw).toBe("-ERR No failover in progress.\r\n")
  }, 40_000)

  it("FORCE with a timeout hands over to the target even if it has not caught up", async () => {
    const { ca, b, cb } = await trio()
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", String(b.port), "FORCE", "TIMEOUT", "200")).raw).toBe("+OK\r\n")
    await waitFor("the target to be master", () => isMaster(cb))
    await waitFor("the old master to follow it", async () => (await info(ca)).master_link_status === "up")
    expect((await info(ca)).master_port).toBe(String(b.port))
  }, 40_000)

  it("argument and state errors on a master with a replica", async () => {
    const { ca, cb } = await trio()
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", "1")).raw).toBe("-ERR FAILOVER target HOST and PORT is not a replica.\r\n")
    expect((await ca.call("FAILOVER", "TO", "127.0.0.1", "1", "FORCE")).raw).toBe("-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n")
    expect((await cb.call("FAILOVER")).raw).toBe("-ERR FAILOVER is not valid when server is a replica.\r\n")
    // PSYNC FAILOVER with a wrong replid, and to a master
    expect((await cb.call("PSYNC", "0123456789012345678901234567890123456789", "1", "FAILOVER")).raw).toBe("-ERR PSYNC FAILOVER replid must match my replid.\r\n")
    expect((await ca.call("PSYNC", "0123456789012345678901234567890123456789", "1", "FAILOVER")).raw).toBe("-ERR PSYNC FAILOVER can't be sent to a master.\r\n")
  }, 40_000)
})

/** Argument errors a master without replicas gives, checked in Redis's order. */
const ARGUMENT_CASES: ReadonlyArray<ReadonlyArray<string>> = [
  ["FAILOVER"],
  ["FAILOVER", "ABORT"],
  ["FAILOVER", "abort", "x"],
  ["FAILOVER", "TIMEOUT"],
  ["FAILOVER", "TIMEOUT", "x"],
  ["FAILOVER", "TIMEOUT", "0"],
  ["FAILOVER", "TIMEOUT", "-5"],
  ["FAILOVER", "TIMEOUT", "100", "TIMEOUT", "100"],
  ["FAILOVER", "TIMEOUT", "99999999999999999999"],
  ["FAILOVER", "TO", "h"],
  ["FAILOVER", "TO", "h", "x"],
  ["FAILOVER", "TO", "h", "1", "TO", "h", "2"],
  ["FAILOVER", "FORCE"],
  ["FAILOVER", "FORCE", "FORCE"],
  ["FAILOVER", "TO", "h", "1", "FORCE"],
  ["FAILOVER", "TO", "h", "1", "FORCE", "TIMEOUT", "10"],
  ["FAILOVER", "bogus"],
  ["FAILOVER", "TIMEOUT", "10", "ABORT"],
  ["FAILOVER", "to", "h", "01"]
]

describe.skipIf(!hasOracle)("FAILOVER errors against redis-server", () => {
  let server: TestServer | undefined
  let oracle: Oracle | undefined
  const conns: Array<RawConnection> = []
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close()
    await server?.close()
    await oracle?.stop()
    server = undefined
    oracle = undefined
  })

  it("replies byte for byte, listed cases and random word sequences", async () => {
    server = await startServer({}, quiet)
    oracle = await startOracle()
    const ours = await RawConnection.connect(server.port)
    const theirs = await RawConnection.connect(oracle.port)
    conns.push(ours, theirs)
    for (const argv of ARGUMENT_CASES) {
      expect((await ours.call(...argv)).raw, argv.join(" ")).toBe((await theirs.call(...argv)).raw)
    }
    // a master without replicas never starts a failover, so any word sequence is safe to send
    const word = fc.constantFrom("TO", "to", "FORCE", "TIMEOUT", "ABORT", "127.0.0.1", "1", "0", "-1", "x", "6379")
    await fc.assert(fc.asyncProperty(fc.array(word, { maxLength: 7 }), async (words) => {
      const argv = ["FAILOVER", ...words]
      expect((await ours.call(...argv)).raw, argv.join(" ")).toBe((await theirs.call(...argv)).raw)
    }), { numRuns: 150 })
  }, 60_000)

  it("this server fails over to a redis-server replica", async () => {
    server = await startServer(fast, quiet)
    const ours = await RawConnection.connect(server.port)
    conns.push(ours)
    await run(ours, [["SET", "k", "v"], ["HSET", "h", "f", "1"]])
    oracle = await startOracle(["--replicaof", "127.0.0.1", String(server.port), ...oracleReplicaArgs()])
    const theirs = await RawConnection.connect(oracle.port)
    conns.push(theirs)
    await waitInSync(ours, theirs)
    expect((await ours.call("FAILOVER", "TO", "127.0.0.1", String(oracle.port), "TIMEOUT", "5000")).raw).toBe("+OK\r\n")
    await waitFor("redis-server to be master", async () => (await info(theirs)).role === "master")
    await waitFor("this server to follow it", async () => {
      const i = await info(ours)
      return i.role === "slave" && i.master_link_status === "up" && i.master_failover_state === "no-failover"
    })
    expect((await theirs.call("GET", "k")).value).toBe("v")
    await theirs.call("SET", "after", "1")
    await waitFor("the write to arrive", async () => (await ours.call("GET", "after")).value === "1")
    // a partial resync: no full sync was served by redis-server
    expect((await info(theirs, "stats")).sync_full).toBe("0")
  }, 60_000)

  it("a redis-server master fails over to this server as its replica (PSYNC FAILOVER received here)", async () => {
    oracle = await startOracle(["--repl-diskless-sync-delay", "0"])
    const theirs = await RawConnection.connect(oracle.port)
    conns.push(theirs)
    await run(theirs, [["SET", "k", "v"], ["SELECT", "4"], ["RPUSH", "l", "a", "b"]])
    server = await startServer({ ...fast, replicaof: ["127.0.0.1", String(oracle.port)] }, quiet)
    const ours = await RawConnection.connect(server.port)
    conns.push(ours)
    await waitInSync(theirs, ours)
    await waitFor("redis-server to count the replica online", async () => ((await info(theirs)).slave0 ?? "").includes("state=online"))
    expect((await theirs.call("FAILOVER", "TO", "127.0.0.1", String(server.port), "TIMEOUT", "5000")).raw).toBe("+OK\r\n")
    await waitFor("this server to be master", async () => (await info(ours)).role === "master")
    await waitFor("redis-server to follow it", async () => {
      const i = await info(theirs)
      return i.role === "slave" && i.master_link_status === "up" && i.master_failover_state === "no-failover"
    })
    const [io, it] = [await info(ours), await info(theirs)]
    expect(it.master_replid).toBe(io.master_replid)
    expect(it.master_replid2).toBe(io.master_replid2)
    // a partial resync: this server served no full sync
    expect((await info(ours, "stats")).sync_full).toBe("0")
    await ours.call("SET", "after", "1")
    await theirs.call("SELECT", "0")
    await waitFor("the write to arrive", async () => (await theirs.call("GET", "after")).value === "1")
    await theirs.call("SELECT", "4")
    expect((await theirs.call("LRANGE", "l", "0", "-1")).value).toEqual(["a", "b"])
  }, 60_000)
})

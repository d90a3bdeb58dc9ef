/**
 * Replication across restarts of whole processes: a replica restarted while its master takes writes,
 * and a master restarted from its dump.rdb, each converging to the master's keyspace; writes after the
 * restart reach the replica too. (A restarted master starts a new replication history, in Redis 7.0
 * as here, so its replica resyncs in full; a replica restarted from its own dump.rdb resyncs in full
 * here, where Redis could continue partially from the replication ID it saved: see Known differences.)
 */
import { describe, expect, it } from "vitest"
import { randomDataset } from "../support/generators/persistence.ts"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { freePort } from "../support/oracle.ts"
import { call, processServers, role, until } from "../support/processServer.ts"
import { RawConnection } from "../support/raw.ts"
import fc from "fast-check"

const servers = processServers("restarts")

/** The master's and the replica's keyspaces, once the replica's offset reached the master's. */
const converged = async (master: number, replica: number) => {
  await until("the replica to catch up", async () => {
    const r = await role(replica)
    const m = await role(master)
    return r[0] === "slave" && r[3] === "connected" && r[4] === m[1]
  })
  const [cm, cr] = [await RawConnection.connect(master), await RawConnection.connect(replica)]
  try {
    return [await dumpKeyspace(cm), await dumpKeyspace(cr)] as const
  } finally {
    await cm.close()
    await cr.close()
  }
}

const write = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>) => {
  const c = await RawConnection.connect(port)
  try {
    for (let i = 0; i < commands.length; i += 200) await c.pipeline(commands.slice(i, i + 200))
  } finally {
    await c.close()
  }
}

const history = (seed: number) => fc.sample(randomDataset, { seed, numRuns: 1 })[0]!

describe("replication across process restarts", () => {
  it("a replica killed with -9 and restarted converges to the master, which took writes meanwhile", async () => {
    const [m, r] = [await freePort(), await freePort()]
    await servers.start(m)
    const replica = await servers.start(r, ["--replicaof", "127.0.0.1", String(m)])
    await write(m, history(1))
    await converged(m, r)
    replica.kill("SIGKILL")
    await write(m, history(2))
    await servers.start(r, ["--replicaof", "127.0.0.1", String(m)])
    const [ours, theirs] = await converged(m, r)
    expect(theirs).toEqual(ours)
    await write(m, [["SET", "after-restart", "1"]])
    const [again, replicated] = await converged(m, r)
    expect(replicated).toEqual(again)
  }, 90_000)

  it("a master restarted from its dump.rdb is followed again by its replica, which converges to it", async () => {
    const [m, r] = [await freePort(), await freePort()]
    await servers.start(m)
    await servers.start(r, ["--replicaof", "127.0.0.1", String(m)])
    await write(m, history(3))
    await converged(m, r)
    // SHUTDOWN SAVE writes dump.rdb; the restarted master loads it with a replication ID of its own
    await call(m, "SHUTDOWN", "SAVE").catch(() => {})
    await until("the master to stop", async () => (await role(r))[3] !== "connected")
    await write(r, [["SET", "refused", "1"]]).catch(() => {})
    await servers.start(m, [], { fresh: false })
    await write(m, [["SET", "after-restart", "1"], ["LPUSH", "list-after", "a", "b"]])
    const [ours, theirs] = await converged(m, r)
    expect(theirs).toEqual(ours)
    expect(ours.some((k) => (k as { key: string }).key === "after-restart")).toBe(true)
  }, 90_000)
})

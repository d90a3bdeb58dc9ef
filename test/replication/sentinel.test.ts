/**
 * High availability under the real `redis-sentinel` 7.0: three sentinels monitor a master and two
 * replicas that are this server (separate processes). Killed with -9, the master is replaced by a
 * promoted replica and the other replica follows it; an ioredis client in sentinel mode writing in a
 * loop carries on against the new master; every write that WAIT saw on both replicas is there; the old
 * master, restarted, is turned into a replica of the new one.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { freePort } from "../support/oracle.ts"
import { call, processServers, role, until } from "../support/processServer.ts"

const sentinelPath = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v redis-sentinel"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
})()
const describeSentinel = sentinelPath === undefined && process.env["CI"] !== "true" ? describe.skip : describe

const servers = processServers("sentinel")
const server = (port: number, args: ReadonlyArray<string> = []) => servers.start(port, args)

describeSentinel("Redis Sentinel over this server", () => {
  it("fails over when the master is killed: a replica is promoted, the other follows, the client carries on, no WAIT-confirmed write is lost, the old master rejoins as a replica", async () => {
    const [m, r1, r2] = [await freePort(), await freePort(), await freePort()]
    const master = await server(m)
    await server(r1, ["--replicaof", "127.0.0.1", String(m)])
    await server(r2, ["--replicaof", "127.0.0.1", String(m)])
    await until("replicas in sync", async () => ((await role(m))[2] as Array<unknown>).length === 2)

    const sentinels: Array<number> = []
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const dir = mkdtempSync(join(servers.base, "st-"))
      const conf = join(dir, "sentinel.conf")
      writeFileSync(conf, [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${m} 2`,
        "sentinel down-after-milliseconds mymaster 1000",
        "sentinel failover-timeout mymaster 5000",
        "sentinel parallel-syncs mymaster 1",
        ""
      ].join("\n"))
      servers.track(spawn(sentinelPath ?? "redis-sentinel", [conf], { cwd: dir, stdio: "ignore" }))
      sentinels.push(port)
    }
    // the sentinels find the replicas (INFO) and each other (__sentinel__:hello)
    await until("sentinels to know the replicas and each other", async () => {
      const replicas = (await call(sentinels[0]!, "SENTINEL", "REPLICAS", "mymaster")) as Array<unknown>
      const others = (await call(sentinels[0]!, "SENTINEL", "SENTINELS", "mymaster")) as Array<unknown>
      return replicas.length === 2 && others.length === 2
    })

    const client = new Redis({ sentinels: sentinels.map((port) => ({ host: "127.0.0.1", port })), name: "mymaster", maxRetriesPerRequest: 100 })
    // connection errors while the master is down are expected: the writer retries
    client.on("error", () => {})
    const confirmed: Array<number> = []
    let written = 0
    let stop = false
    let afterFailover = 0
    let failedOver = false
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await client.set(`w:${i}`, String(i))
          written++
          if (failedOver) afterFailover++
          // confirmed: both replicas have it
          if ((await client.wait(2, 200)) === 2) confirmed.push(i)
        } catch {
          await new Promise((r) => setTimeout(r, 50))
        }
      }
    })()
    await until("writes confirmed by WAIT", async () => confirmed.length >= 20)

    master.kill("SIGKILL")
    let promoted = 0
    await until("a replica promoted", async () => {
      for (const port of [r1, r2]) {
        if ((await role(port))[0] === "master") promoted = port
      }
      return promoted !== 0
    }, 45_000)
    failedOver = true
    const other = promoted === r1 ? r2 : r1
    await until("the other replica to follow the new master", async () => {
      const r = await role(other)
      return r[0] === "slave" && r[2] === promoted && r[3] === "connected"
    }, 45_000)
    await until("the client to write to the new master", async () => afterFailover >= 20, 45_000)
    stop = true
    await writer
    client.disconnect()

    // every confirmed write survived, on the new master and the other replica
    const check = async (port: number) => {
      const values = (await call(port, "MGET", ...confirmed.map((i) => `w:${i}`))) as Array<string | null>
      return values.filter((v, k) => v !== String(confirmed[k]))
    }
    expect(await check(promoted)).toEqual([])
    await until("the other replica to catch up", async () => (await check(other)).length === 0)
    expect(written).toBeGreaterThan(confirmed.length - 1)
    expect(await call(sentinels[1]!, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")).toEqual(["127.0.0.1", String(promoted)])

    // the old master comes back as itself, and the sentinels turn it into a replica of the new one
    await server(m)
    await until("the old master to rejoin as a replica", async () => {
      const r = await role(m)
      return r[0] === "slave" && r[2] === promoted && r[3] === "connected"
    }, 45_000)
    expect(await check(m)).toEqual([])
  }, 180_000)
})

/** Helpers for replication tests: INFO fields, waiting for a link and for offsets to meet. */
import { afterEach } from "vitest"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

export const info = async (conn: RawConnection, section = "replication"): Promise<Record<string, string>> => {
  const text = (await conn.call("INFO", section)).value as string
  const out: Record<string, string> = {}
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":")
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1)
  }
  return out
}

export const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The replica's link is up and it has applied everything the master's stream holds. */
export const waitInSync = async (master: RawConnection, replica: RawConnection, timeoutMs = 20_000): Promise<void> => {
  await waitFor("the replica to catch up", async () => {
    const r = await info(replica)
    if (r.master_link_status !== "up") return false
    const m = await info(master)
    return r.slave_repl_offset === m.master_repl_offset
  }, timeoutMs)
}

/** Sends commands in order, in pipelines of 100. */
export const run = async (conn: RawConnection, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<void> => {
  for (let i = 0; i < commands.length; i += 100) await conn.pipeline(commands.slice(i, i + 100))
}

/**
 * Arguments for a redis-server replica: a Redis replica stores the RDB its master sends as
 * dir/dbfilename (the oracles share /tmp), which every oracle started later would load. A name of its
 * own, removed once loaded (persistence is off in the oracles).
 */
export const oracleReplicaArgs = (): Array<string> => [
  "--dbfilename", `replica-${process.pid}-${Math.random().toString(36).slice(2)}.rdb`,
  "--rdb-del-sync-files", "yes"
]

export const quiet = { log: () => {} }
/** Replicas sync at once (no diskless delay). */
export const fast = { "repl-diskless-sync-delay": "0" }

/**
 * For a describe block: `start` makes a server (with `fast`) and a connection to it; both, and any
 * connection given to `track`, are closed after each test, servers in reverse order (replicas before
 * their masters).
 */
export const serverFleet = () => {
  const servers: Array<TestServer> = []
  const conns: Array<RawConnection> = []
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close()
    for (const s of servers.splice(0).reverse()) await s.close()
  })
  const start = async (config: Record<string, string | ReadonlyArray<string>> = {}) => {
    const s = await startServer({ ...fast, ...config }, quiet)
    servers.push(s)
    const c = await RawConnection.connect(s.port)
    conns.push(c)
    return [s, c] as const
  }
  return { start, servers: servers as ReadonlyArray<TestServer>, track: (...c: Array<RawConnection>) => void conns.push(...c) }
}

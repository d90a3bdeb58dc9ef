/** Helpers for replication tests: INFO fields, waiting for a link and for offsets to meet. */
import type { RawConnection } from "../support/raw.ts"

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

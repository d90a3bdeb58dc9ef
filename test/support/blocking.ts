/**
 * Helpers for blocking commands run over several real connections: waiting for a condition, counting
 * the clients a server has blocked, and serving one waiter on each server.
 */
import type { Command, Servers } from "./differential.ts"
import { encode, RawConnection } from "./raw.ts"
import type { TestServer } from "./server.ts"

/** Polls `check` every 5 ms until it holds; fails after 5 s, naming `what` it waited for. */
export const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 5_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** How many clients our server has blocked right now. */
export const oursBlocked = (server: TestServer) => async (): Promise<number> => server.engine.waiters.blockedClients

/** How many clients Redis has blocked right now, from INFO clients on `control` (a connection to it). */
export const redisBlocked = (control: RawConnection) => async (): Promise<number> => {
  const info = String((await control.call("INFO", "clients")).value)
  const match = /blocked_clients:(\d+)/.exec(info)
  if (match === null) throw new Error(`no blocked_clients in INFO clients: ${info}`)
  return Number(match[1])
}

/**
 * A waiter on one connection to `port`, served by `writes` from another: sends `wait`, waits until
 * `blocked` counts one more blocked client, pipelines `writes`, and returns the waiter's reply.
 */
export const served = async (
  port: number,
  wait: Command,
  writes: ReadonlyArray<Command>,
  blocked: () => Promise<number>
): Promise<string> => {
  const [waiter, writer] = [await RawConnection.connect(port), await RawConnection.connect(port)]
  const before = await blocked()
  waiter.write(encode(wait))
  await until(`${wait.join(" ")} to block`, async () => (await blocked()) === before + 1)
  await writer.pipeline(writes)
  const [reply] = await waiter.read(1)
  await Promise.all([waiter.close(), writer.close()])
  return reply!.raw
}

/** `served` on our server, then on Redis: the waiter's replies, ours first. */
export const servedOnBoth = async (
  servers: Servers,
  wait: Command,
  writes: ReadonlyArray<Command>
): Promise<readonly [string, string]> => {
  const ours = await served(servers.server.port, wait, writes, oursBlocked(servers.server))
  const theirs = await served(servers.oracle.port, wait, writes, redisBlocked(servers.theirs))
  return [ours, theirs]
}

/** Driving a busy script from two connections, for the busy-script suites. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "vitest"
import type { Command } from "../support/differential.ts"
import { startOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { encode, RawConnection } from "../support/raw.ts"

/** PINGs on `b` until the server answers BUSY. */
export const waitBusy = async (b: RawConnection): Promise<void> => {
  for (let i = 0; ; i++) {
    const pong = await b.call("PING")
    if (pong.raw.startsWith("-BUSY")) return
    if (i > 500) throw new Error(`no BUSY, got ${pong.raw}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * Runs `setup`, sends `script`, waits for BUSY on a second connection and sends it `during`: their
 * replies (FUNCTION STATS durations masked), the script's, then PING's once the server serves again.
 */
export const busyRun = async (port: number, setup: ReadonlyArray<Command>, script: Command, during: ReadonlyArray<Command>): Promise<Array<string>> => {
  const a = await RawConnection.connect(port)
  const b = await RawConnection.connect(port)
  try {
    for (const command of setup) await a.call(...command)
    a.write(encode(script))
    await waitBusy(b)
    const replies: Array<string> = []
    for (const command of during) replies.push((await b.call(...command)).raw.replace(/duration_ms\r\n:\d+/, "duration_ms\r\n:N"))
    replies.push((await a.read(1, 20_000))[0]!.raw)
    replies.push((await b.call("PING")).raw)
    return replies
  } finally {
    await a.close()
    await b.close()
  }
}

/** SHUTDOWN NOSAVE on `b` while a script is busy; resolves once the server asked to exit (or after 2 s). */
export const shutdownNosave = async (b: RawConnection, exits: { readonly count: number }): Promise<void> => {
  b.write(encode(["SHUTDOWN", "NOSAVE"]))
  for (let i = 0; i < 200 && exits.count === 0; i++) await new Promise((r) => setTimeout(r, 10))
}

/** Sends `command` on `b` again while the server answers BUSY, `tries` times at most, 10 ms apart; the last reply. */
export const callWhileBusy = async (b: RawConnection, command: Command, tries: number): Promise<string> => {
  let reply = await b.call(...command)
  for (let i = 0; i < tries && reply.raw.startsWith("-BUSY"); i++) {
    await new Promise((r) => setTimeout(r, 10))
    reply = await b.call(...command)
  }
  return reply.raw
}

/**
 * `drive` against this server and a redis-server, both with the AOF on and the given
 * busy-reply-threshold, at once: what it returns must be equal; then the incr AOF file each wrote.
 */
export const busyAofFiles = async (threshold: string, drive: (port: number) => Promise<unknown>): Promise<{ readonly ours: string; readonly theirs: string }> => {
  const ours = mkdtempSync(join(tmpdir(), "busy-aof-"))
  const theirs = mkdtempSync(join(tmpdir(), "busy-aof-"))
  try {
    const server = await startPersistentServer({ dir: ours, appendonly: "yes", "busy-reply-threshold": threshold, save: "" })
    const oracle = await startOracle(["--dir", theirs, "--appendonly", "yes", "--busy-reply-threshold", threshold])
    try {
      const [a, b] = await Promise.all([drive(server.port), drive(oracle.port)])
      expect(a).toEqual(b)
    } finally {
      await server.close()
      await oracle.stop()
    }
    const incr = (dir: string) => readFileSync(join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"), "latin1")
    return { ours: incr(ours), theirs: incr(theirs) }
  } finally {
    rmSync(ours, { recursive: true, force: true })
    rmSync(theirs, { recursive: true, force: true })
  }
}

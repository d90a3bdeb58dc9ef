/** Driving a busy script from two connections, for the busy-script suites. */
import type { Command } from "../support/differential.ts"
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

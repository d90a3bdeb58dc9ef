/**
 * Several connections to one server, for tests where what one client does reaches others (pub/sub,
 * invalidations, MONITOR). Each step runs a command on one connection and then a PING with a unique
 * marker on it: everything the connection received up to the marker's reply is its transcript for the
 * step (its own replies, and whatever other clients' earlier steps pushed to it). Comparing the
 * transcripts of two servers compares every reply and every pushed message, in order.
 */
import { afterAll, beforeAll, describe } from "vitest"
import { hasOracle, type Oracle, skipMessage, startOracle } from "./oracle.ts"
import { RawConnection, type RawReply } from "./raw.ts"
import { startServer, type TestServer } from "./server.ts"

export type Command = ReadonlyArray<string>

let markerSeq = 0

/** Whether a reply is the answer to `PING <marker>`: a bulk, or a subscriber's RESP2 `pong` array. */
const isMarker = (reply: RawReply, marker: string): boolean =>
  reply.value === marker ||
  (Array.isArray(reply.value) && reply.value.length === 2 && reply.value[0] === "pong" && reply.value[1] === marker)

export class Session {
  readonly connections: ReadonlyArray<RawConnection>

  constructor(connections: ReadonlyArray<RawConnection>) {
    this.connections = connections
  }

  static async open(port: number, n: number): Promise<Session> {
    return new Session(await Promise.all(Array.from({ length: n }, () => RawConnection.connect(port))))
  }

  /** Runs `command` on connection `i`; returns what that connection received (its raw replies) up to the marker. */
  async step(i: number, command: Command): Promise<ReadonlyArray<RawReply>> {
    const conn = this.connections[i]!
    const marker = `marker-${++markerSeq}`
    conn.socket.write(encodeAll([command, ["PING", marker]]))
    return this.until(conn, marker)
  }

  /** Collects what connection `i` received since its last step (messages pushed by others). */
  async drain(i: number): Promise<ReadonlyArray<RawReply>> {
    const conn = this.connections[i]!
    const marker = `marker-${++markerSeq}`
    conn.socket.write(encodeAll([["PING", marker]]))
    return this.until(conn, marker)
  }

  private async until(conn: RawConnection, marker: string): Promise<ReadonlyArray<RawReply>> {
    const got: Array<RawReply> = []
    for (;;) {
      const [reply] = await conn.read(1)
      if (isMarker(reply!, marker)) return got
      got.push(reply!)
    }
  }

  close(): Promise<unknown> {
    return Promise.all(this.connections.map((c) => c.close()))
  }
}

const encodeAll = (commands: ReadonlyArray<Command>): Buffer => {
  let out = ""
  for (const args of commands) {
    out += `*${args.length}\r\n`
    for (const a of args) out += `$${a.length}\r\n${a}\r\n`
  }
  return Buffer.from(out, "latin1")
}

export interface SessionServers {
  readonly server: TestServer
  readonly oracle: Oracle
}

/**
 * A describe block with this server and a real redis-server (skipped with a message when none is
 * installed); `servers()` gives both inside tests, to open sessions of several connections on each.
 */
export const describeSessions = (
  name: string,
  body: (servers: () => SessionServers) => void,
  options: { readonly config?: Readonly<Record<string, string>>; readonly oracleArgs?: ReadonlyArray<string> } = {}
): void => {
  if (!hasOracle) {
    describe.skip(`${name} (${skipMessage})`, () => body(() => {
      throw new Error(skipMessage)
    }))
    return
  }
  describe(name, () => {
    let current: SessionServers | undefined
    beforeAll(async () => {
      const [server, oracle] = await Promise.all([startServer(options.config), startOracle(options.oracleArgs)])
      current = { server, oracle }
    })
    afterAll(async () => {
      if (current === undefined) return
      await Promise.all([current.server.close(), current.oracle.stop()])
    })
    body(() => {
      if (current === undefined) throw new Error("servers not started")
      return current
    })
  })
}

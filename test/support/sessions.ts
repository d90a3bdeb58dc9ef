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
  /** CLIENT ID of each connection: `{i}` in a step's arguments stands for connection i's id. */
  readonly ids: ReadonlyArray<number>

  constructor(connections: ReadonlyArray<RawConnection>, ids: ReadonlyArray<number>) {
    this.connections = connections
    this.ids = ids
  }

  static async open(port: number, n: number): Promise<Session> {
    const connections = await Promise.all(Array.from({ length: n }, () => RawConnection.connect(port)))
    const ids = await Promise.all(connections.map(async (c) => Number((await c.call("CLIENT", "ID")).value)))
    return new Session(connections, ids)
  }

  /** Runs `command` on connection `i`; returns what that connection received (its raw replies) up to the marker. */
  async step(i: number, command: Command): Promise<ReadonlyArray<RawReply>> {
    return this.steps(i, [command])
  }

  /** Several commands at once (a whole MULTI ... EXEC: a PING in between would be queued). */
  async steps(i: number, commands: ReadonlyArray<Command>): Promise<ReadonlyArray<RawReply>> {
    const conn = this.connections[i]!
    const marker = `marker-${++markerSeq}`
    const withIds = commands.map((command) => command.map((a) => a.replace(/^\{(\d+)\}$/, (_, k: string) => String(this.ids[Number(k)]))))
    conn.socket.write(encodeAll([...withIds, ["PING", marker]]))
    return this.until(conn, marker)
  }

  /**
   * A raw reply with this session's client ids written as `{i}` (they differ between two servers):
   * HELLO's id, TRACKINGINFO's redirect, tracking-redir-broken's id, CLIENT LIST's id=, and the whole
   * reply when `wholeIsId` (CLIENT ID, CLIENT GETREDIR).
   */
  maskIds(raw: string, wholeIsId = false): string {
    const name = (id: string) => {
      const i = this.ids.indexOf(Number(id))
      return i === -1 ? id : `{${i}}`
    }
    if (wholeIsId) return raw.replace(/^:(\d+)\r\n$/, (_, id: string) => `:${name(id)}\r\n`)
    return raw
      .replace(/(\$2\r\nid\r\n|\$8\r\nredirect\r\n|\$21\r\ntracking-redir-broken\r\n):(\d+)\r\n/g, (_, field: string, id: string) => `${field}:${name(id)}\r\n`)
      .replace(/\bid=(\d+) /g, (_, id: string) => `id=${name(id)} `)
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
      const [reply] = await conn.read(1).catch((e: Error) => {
        throw new Error(`${e.message}: no reply to PING ${marker} on port ${conn.socket.remotePort} after ${JSON.stringify(got.map((r) => r.raw))}`)
      })
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

/**
 * This server as a replica of a scripted master: the handshake's exact bytes, and a link broken in the
 * middle of a transaction (nothing of it counts as applied, so PSYNC continues from its MULTI).
 */
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"
import { info, waitFor } from "./support.ts"

const REPLID = "a".repeat(40)
/** An empty RDB: header, EOF, a zero checksum (checksums off). */
const EMPTY_RDB = Buffer.concat([Buffer.from("REDIS0010", "latin1"), Buffer.from([0xff]), Buffer.alloc(8)])
const cmd = (...args: Array<string>): string => encode(args).toString("latin1")

interface Link {
  readonly socket: Net.Socket
  received: string
}

describe("replica of a scripted master", () => {
  let master: Net.Server | undefined
  let server: TestServer | undefined
  let conn: RawConnection | undefined
  afterEach(async () => {
    await conn?.close()
    await server?.close()
    await new Promise<void>((r) => (master === undefined ? r() : master.close(() => r())))
  })

  it("sends Redis's handshake, and after a link broken mid-transaction continues from the MULTI", async () => {
    const links: Array<Link> = []
    master = Net.createServer((socket) => {
      const link: Link = { socket, received: "" }
      links.push(link)
      socket.on("data", (d) => {
        link.received += d.toString("latin1")
      })
      socket.on("error", () => {})
    })
    await new Promise<void>((r) => master!.listen(0, "127.0.0.1", () => r()))
    const port = (master.address() as Net.AddressInfo).port
    server = await startServer({ replicaof: ["127.0.0.1", String(port)] }, { log: () => {} })
    conn = await RawConnection.connect(server.port)
    await waitFor("a connection", async () => links.length === 1)
    const first = links[0]!
    await waitFor("PING", async () => first.received === cmd("PING"))
    first.socket.write("+PONG\r\n")
    const replconf = cmd("REPLCONF", "listening-port", String(server.port)) + cmd("REPLCONF", "capa", "eof", "capa", "psync2")
    await waitFor("REPLCONF", async () => first.received === cmd("PING") + replconf)
    first.socket.write("+OK\r\n+OK\r\n")
    await waitFor("PSYNC", async () => first.received.endsWith(cmd("PSYNC", "?", "-1")))
    first.socket.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${REPLID} 100\r\n$${EMPTY_RDB.length}\r\n`, "latin1"), EMPTY_RDB]))
    const setX = cmd("SET", "x", "1")
    const tx = cmd("MULTI") + cmd("SET", "a", "1") + cmd("SET", "b", "2") + cmd("EXEC")
    first.socket.write(setX + tx.slice(0, tx.indexOf(cmd("SET", "b", "2"))))
    await waitFor("the replica to apply SET x", async () => (await conn!.call("GET", "x")).value === "1")
    // in the transaction: read, not applied
    await waitFor("the bytes read", async () => Number((await info(conn!)).slave_read_repl_offset) > 100 + setX.length)
    const mid = await info(conn!)
    expect(mid.slave_repl_offset).toBe(String(100 + setX.length))
    expect(mid.master_repl_offset).toBe(String(100 + setX.length))
    first.socket.destroy()
    await waitFor("a reconnection", async () => links.length === 2)
    const second = links[1]!
    await waitFor("PING", async () => second.received === cmd("PING"))
    second.socket.write("+PONG\r\n")
    await waitFor("REPLCONF", async () => second.received === cmd("PING") + replconf)
    second.socket.write("+OK\r\n+OK\r\n")
    // PSYNC asks for the first byte not applied: the transaction's MULTI
    await waitFor("PSYNC", async () => second.received.endsWith(cmd("PSYNC", REPLID, String(100 + setX.length + 1))))
    second.socket.write("+CONTINUE\r\n" + tx)
    await waitFor("the transaction", async () => (await conn!.call("MGET", "a", "b")).raw === "*2\r\n$1\r\n1\r\n$1\r\n2\r\n")
    const after = await info(conn!)
    expect(after.slave_repl_offset).toBe(String(100 + setX.length + tx.length))
    expect(after.master_replid).toBe(REPLID)
    expect(after.master_link_status).toBe("up")
    // GETACK is answered with the offset before it
    second.socket.write(cmd("REPLCONF", "GETACK", "*"))
    await waitFor("the ACK", async () => second.received.includes(cmd("REPLCONF", "ACK", String(100 + setX.length + tx.length))))
  }, 30_000)
})

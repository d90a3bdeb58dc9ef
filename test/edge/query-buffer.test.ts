/**
 * client-query-buffer-limit holds for a blocked client too (Redis checks it after every read, whatever
 * the client is doing), and the query buffer grows in amortized linear time: what a blocked client
 * sends piles up unexecuted, and re-concatenating it on every read would copy it quadratically.
 */
import { expect, it } from "vitest"
import { RequestParser } from "../../src/resp/RequestParser.ts"
import { describeDifferential } from "../support/differential.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

const LIMIT = { "client-query-buffer-limit": "1mb" }

describeDifferential("query buffer limit of a blocked client", (servers) => {
  it("a blocked BLPOP client that sends more than the limit is closed without a reply, like Redis", async () => {
    const { server, oracle } = servers()
    const [ours, theirs] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
    const input = "BLPOP nokey 0\r\n" + "PING\r\n".repeat(250_000) // 1.5 MB waiting behind the BLPOP
    ours.write(input)
    theirs.write(input)
    const [a, b] = await Promise.all([ours.readUntilClose(3000), theirs.readUntilClose(3000)])
    expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
    expect(a).toEqual([])
    const again = await RawConnection.connect(server.port)
    expect((await again.call("LPUSH", "nokey", "v")).raw).toBe(":1\r\n") // nobody waits any more
    expect((await again.call("LLEN", "nokey")).raw).toBe(":1\r\n")
    await again.close()
  })
}, { config: LIMIT, oracleArgs: ["--client-query-buffer-limit", "1mb"] })

it("the server logs why it closed the blocked client", async () => {
  const logs: Array<string> = []
  const server = await startServer(LIMIT, { log: (m) => logs.push(m) })
  try {
    const conn = await RawConnection.connect(server.port)
    conn.write("BLPOP nokey 0\r\n")
    await new Promise((r) => setTimeout(r, 50))
    conn.write("x".repeat(1_200_000))
    await conn.readUntilClose(3000)
    for (let i = 0; i < 50 && logs.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(logs.some((l) => l.startsWith("Closing client that reached max query buffer length: id="))).toBe(true)
    for (let i = 0; i < 50 && server.engine.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(server.engine.clients.size).toBe(0)
  } finally {
    await server.close()
  }
})

it("the query buffer grows in amortized linear time: bytes copied O(n), allocations O(log n)", () => {
  const parser = new RequestParser({ maxBulkLength: () => 512 * 1024 * 1024 })
  // A blocked client: chunks keep arriving and nothing is consumed until it is served.
  const command = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
  const chunk = Buffer.from(command.repeat(Math.ceil(4096 / command.length)))
  const chunks = 1000
  for (let i = 0; i < chunks; i++) parser.feed(chunk)
  const total = chunk.length * chunks
  expect(parser.pending).toBe(total)
  expect(parser.copiedBytes).toBeLessThanOrEqual(3 * total)
  expect(parser.allocations).toBeLessThanOrEqual(Math.ceil(Math.log2(total)) + 2)
  // and every command is still there, in order
  let n = 0
  let wrong = 0
  for (let argv = parser.next(); argv !== undefined; argv = parser.next()) {
    if (!Array.isArray(argv) || argv.join(" ") !== "SET k hello") wrong++
    n++
  }
  expect(wrong).toBe(0)
  expect(n).toBe(total / command.length)
  expect(parser.pending).toBe(0)
})

it("a query buffer fed in small pieces while commands are consumed still grows linearly", () => {
  const parser = new RequestParser({ maxBulkLength: () => 512 * 1024 * 1024 })
  // one long inline request arriving byte by byte (under the 64 KB inline limit)
  const line = "ECHO " + "y".repeat(60_000) + "\r\n"
  for (let i = 0; i < line.length; i += 7) {
    parser.feed(Buffer.from(line.slice(i, i + 7), "latin1"))
    const out = parser.next()
    if (i + 7 < line.length) expect(out).toBeUndefined()
    else expect(out).toEqual(["ECHO", "y".repeat(60_000)])
  }
  expect(parser.copiedBytes).toBeLessThanOrEqual(3 * line.length)
})

it("an inline request with a NUL before its newline never ends, however it is chunked, until it is too big", () => {
  const parser = new RequestParser({ maxBulkLength: () => 512 * 1024 * 1024 })
  parser.feed(Buffer.from("PING\r\nPI\0", "latin1"))
  expect(parser.next()).toEqual(["PING"])
  expect(parser.next()).toBeUndefined()
  parser.feed(Buffer.from("NG\r\nPING\r\n", "latin1")) // the newlines come after the NUL
  expect(parser.next()).toBeUndefined()
  for (let i = 0; i < 70; i++) parser.feed(Buffer.from("x".repeat(1000) + "\n", "latin1"))
  const error = parser.next()
  expect(error).toHaveProperty("message", "ERR Protocol error: too big inline request")
})

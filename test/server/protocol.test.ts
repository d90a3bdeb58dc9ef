/**
 * The wire protocol against real Redis: malformed requests get the same error and close only that
 * client; inline commands split like Redis's; pipelined replies come back in order.
 */
import { expect, it } from "vitest"
import { describeDifferential } from "../support/differential.ts"
import { RawConnection } from "../support/raw.ts"

const malformed: ReadonlyArray<string> = [
  "*2147483648\r\n",
  "*abc\r\n",
  "*-\r\n",
  "*1\r\n$abc\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$536870913\r\n",
  "*1\r\n+foo\r\n",
  "*1\r\n:1\r\n",
  "set \"a b\r\n",
  "foo bar 'baz\r\n",
  "echo \"a\"b\r\n",
  "echo 'a'b\r\n",
  "x".repeat(70_000),
  "*1\r\n$" + "1".repeat(70_000),
  "*" + "1".repeat(70_000),
  // a valid command before the error is answered first
  "*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n"
]

const valid: ReadonlyArray<string> = [
  "*0\r\n*-5\r\nPING\r\n",
  "\r\n\r\nping\r\n",
  "echo \"\\x41\\x4a\\n\\t\\\\\"\r\n",
  "echo 'it\\'s'\r\n",
  "echo \"\"\r\n",
  "\"\"\r\n",
  "  echo   a  \r\n",
  "ECHO\tab\r\n",
  "echo a\nPING\n",
  "*2\r\n$4\r\nECHO\r\n$3\r\na\u0000b\r\n",
  "*2\r\n$4\r\nECHO\r\n$2\r\n\r\n\r\n",
  "*1\r\n$4\r\nPINGxx",
  "FOO a b\r\n",
  "foo " + "y".repeat(200) + " z\r\n",
  "GET\r\n",
  "ping a b\r\n",
  "PiNg\r\n",
  "PING\r\n*1\r\n$4\r\nPING\r\n$\r\n"
]

const label = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...(${s.length} bytes)` : s)

/** Sends bytes in small slices to exercise arbitrary chunk boundaries. */
const sendSliced = async (conn: RawConnection, bytes: string, slice: number) => {
  for (let i = 0; i < bytes.length; i += slice) {
    conn.write(bytes.slice(i, i + slice))
    if (slice < 64) await new Promise((r) => setImmediate(r))
  }
}

describeDifferential("protocol", (servers) => {
  it.each(malformed.map((m) => [label(m), m]))("malformed %s: same reply, connection closed", async (_, input) => {
    const { server, oracle } = servers()
    // sent whole: both servers reply the same and close
    const [ours, theirs] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
    ours.write(input)
    theirs.write(input)
    const [a, b] = await Promise.all([ours.readUntilClose(), theirs.readUntilClose()])
    const expected = b.map((r) => r.raw)
    expect(a.map((r) => r.raw)).toEqual(expected)
    expect(a.length).toBeGreaterThan(0)
    // sent in slices (arbitrary chunk boundaries): this server still closes the client. A client that
    // is still sending when the server closes gets a reset, which may discard the reply on its way
    // (with Redis as well), so what arrived must only be the start of the same replies.
    const sliced = await RawConnection.connect(server.port)
    await sendSliced(sliced, input, input.length > 1000 ? 1000 : 7)
    const replies = (await sliced.readUntilClose()).map((r) => r.raw)
    expect(expected.slice(0, replies.length)).toEqual(replies)
  })

  it.each(valid.map((v) => [label(v), v]))("valid %s: same replies, connection stays open", async (_, input) => {
    const { server, oracle } = servers()
    const [ours, theirs] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
    const marker = "*2\r\n$4\r\nECHO\r\n$3\r\nEND\r\n"
    await Promise.all([sendSliced(ours, input + marker, 3), sendSliced(theirs, input + marker, 3)])
    const collect = async (c: RawConnection) => {
      const out: string[] = []
      for (;;) {
        const [r] = await c.read(1)
        if (r!.raw === "$3\r\nEND\r\n") return out
        out.push(r!.raw)
      }
    }
    const [a, b] = await Promise.all([collect(ours), collect(theirs)])
    expect(a).toEqual(b)
    expect(ours.isClosed).toBe(false)
    await Promise.all([ours.close(), theirs.close()])
  })

  it("a protocol error closes only the offending client", async () => {
    const { server } = servers()
    const [bad, good] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(server.port)])
    bad.write("*1\r\n$-5\r\n")
    await bad.readUntilClose()
    expect((await good.call("PING")).raw).toBe("+PONG\r\n")
    await good.close()
  })
})

describeDifferential(
  "query buffer limit",
  (servers) => {
    it("a client whose pending command outgrows client-query-buffer-limit is closed without a reply", async () => {
      const { server, oracle } = servers()
      const [ours, theirs] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
      const input = "PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n" + "x".repeat(1_500_000)
      ours.write(input)
      theirs.write(input)
      const [a, b] = await Promise.all([ours.readUntilClose(), theirs.readUntilClose()])
      expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
      expect(a.map((r) => r.raw)).toEqual(["+PONG\r\n"])
      // the server itself is fine
      const again = await RawConnection.connect(server.port)
      expect((await again.call("PING")).raw).toBe("+PONG\r\n")
      await again.close()
    })
  },
  { config: { "client-query-buffer-limit": "1mb" }, oracleArgs: ["--client-query-buffer-limit", "1mb"] }
)

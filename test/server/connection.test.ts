/**
 * A connection's life outside plain request/reply: a client that does not read its replies (output
 * backpressure), a command that throws (a defect closes that client only), and the bytes a client
 * leaves unexecuted while other clients' reads reuse the shared read buffer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RuntimeCommand } from "../../src/server/Client.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

describe("connections", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  it("a client that stops reading gets every reply, in order, once it reads again; others are served meanwhile", async () => {
    const slow = await RawConnection.connect(server.port)
    const other = await RawConnection.connect(server.port)
    const value = "v".repeat(256 * 1024)
    expect((await slow.call("SET", "big", value)).raw).toBe("+OK\r\n")
    slow.socket.pause()
    // two batches of 64 x 256 KB of replies each, far more than the kernel's socket buffers hold: the
    // first is executed and its replies wait for 'drain'; the second waits unexecuted until they drain
    const commands: Array<Array<string>> = []
    for (let i = 0; i < 128; i++) commands.push(["GET", "big"], ["INCR", "served"])
    const pause = () => new Promise((resolve) => setTimeout(resolve, 200))
    slow.write(Buffer.concat(commands.slice(0, 128).map(encode)))
    await pause()
    slow.write(Buffer.concat(commands.slice(128).map(encode)))
    await pause()
    expect((await other.call("PING")).raw).toBe("+PONG\r\n")
    expect((await other.call("GET", "served")).value).toBe("64")
    slow.socket.resume()
    const replies = await slow.read(commands.length, 20_000)
    for (let i = 0; i < 128; i++) {
      expect(replies[2 * i]!.value).toBe(value)
      expect(replies[2 * i + 1]!.value).toBe(i + 1)
    }
    // and the connection goes on as usual
    expect((await slow.call("PING")).raw).toBe("+PONG\r\n")
    await Promise.all([slow.close(), other.close()])
  })

  it("replies sent while earlier ones still wait in the socket arrive intact", async () => {
    // A write the kernel takes only in part keeps a view of the reply buffer until it completes, and
    // when less than 16 KB is left the next batch is written at once: reusing the buffer for it (as
    // it is reused once the socket has sent everything) would overwrite the bytes still waiting.
    const slow = await RawConnection.connect(server.port)
    const values = Array.from({ length: 16 }, (_, i) => String.fromCharCode(97 + i).repeat(8000))
    await slow.pipeline(values.map((v, i) => ["SET", `part:${i}`, v]))
    slow.socket.pause()
    const gets = 2000
    for (let i = 0; i < gets; i++) {
      slow.write(encode(["GET", `part:${i % 16}`]))
      // one command per read, so one write per reply
      await new Promise((resolve) => setImmediate(resolve))
    }
    slow.socket.resume()
    const replies = await slow.read(gets, 20_000)
    for (let i = 0; i < gets; i++) if (replies[i]!.value !== values[i % 16]) expect.fail(`reply ${i} differs`)
    await slow.close()
  })

  it("bytes left unexecuted (half a command, commands after a blocking one) survive other clients' reads", async () => {
    const half = await RawConnection.connect(server.port)
    const blocked = await RawConnection.connect(server.port)
    const other = await RawConnection.connect(server.port)
    const pause = () => new Promise((resolve) => setTimeout(resolve, 50))
    const value = "a".repeat(300)
    const set = encode(["SET", "split", value])
    half.write(set.subarray(0, 200))
    // the commands after BLPOP in the same read wait in the query buffer while it blocks
    blocked.write(Buffer.concat([encode(["BLPOP", "wake", "0"]), encode(["SET", "after", "b".repeat(300)])]))
    await pause()
    // and so do the bytes it sends while blocked
    blocked.write(encode(["SET", "during", "c".repeat(300)]))
    await pause()
    // other reads overwrite the read buffer meanwhile
    for (let i = 0; i < 20; i++) expect((await other.call("SET", `noise:${i}`, "z".repeat(400))).raw).toBe("+OK\r\n")
    half.write(set.subarray(200))
    expect((await half.read(1))[0]!.raw).toBe("+OK\r\n")
    expect((await other.call("GET", "split")).value).toBe(value)
    expect((await other.call("RPUSH", "wake", "x")).value).toBe(1)
    const woken = await blocked.read(3)
    expect(woken.map((r) => r.value)).toEqual([["wake", "x"], "OK", "OK"])
    expect((await other.call("GET", "after")).value).toBe("b".repeat(300))
    expect((await other.call("GET", "during")).value).toBe("c".repeat(300))
    await Promise.all([half.close(), blocked.close(), other.close()])
  })

  it("a command that throws closes its client only", async () => {
    const echo = server.engine.commands.get("echo")!
    const boom = new RuntimeCommand({
      ...echo.spec,
      name: "boom",
      handler: () => {
        throw new Error("a bug in a command")
      }
    }, "boom", undefined)
    server.engine.commands.set("boom", boom)
    try {
      const victim = await RawConnection.connect(server.port)
      const bystander = await RawConnection.connect(server.port)
      const victimId = (await victim.call("CLIENT", "ID")).value
      // in a batch of its own, and last in a batch: the replies before it in its batch are lost with
      // the client, those of earlier batches were sent
      for (const input of [["PING"], ["ECHO", "a"], ["BOOM", "x"]]) victim.write(encode(input))
      const before = await victim.readUntilClose()
      expect(before.map((r) => r.raw)).toEqual(["+PONG\r\n", "$1\r\na\r\n"].slice(0, before.length))
      const single = await RawConnection.connect(server.port)
      single.write(encode(["BOOM", "x"]))
      expect(await single.readUntilClose()).toEqual([])
      // its client is gone from the server's list
      expect(String((await bystander.call("CLIENT", "LIST")).value)).not.toMatch(new RegExp(`^id=${victimId} `, "m"))
      expect((await bystander.call("PING")).raw).toBe("+PONG\r\n")
      await bystander.close()
    } finally {
      server.engine.commands.delete("boom")
    }
  })
})

/**
 * The per-client output channel: pushes in each protocol, CLIENT REPLY OFF, byte accounting, the
 * client-output-buffer-limit of a client's class (hard, and soft over seconds), and backpressure for
 * bytes produced outside the client's own batch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClientOutput, type OutputHost, type OutputLimit, type OutputSink, parseOutputLimits } from "../../src/server/ClientOutput.ts"
import { hasOracle, type Oracle, startOracle } from "../support/oracle.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

const host = (limit: OutputLimit, clock: { now: number }, counted: { bytes: number }): OutputHost => ({
  countOutput: (n) => {
    counted.bytes += n
  },
  limitOf: () => limit,
  now: () => clock.now
})

/** A socket stand-in: holds `held` bytes unsent until drained. */
const fakeSink = () => {
  const state = { written: [] as Array<string>, held: 0, full: false, drain: [] as Array<() => void>, closed: undefined as string | undefined }
  const sink: OutputSink = {
    open: () => state.closed === undefined,
    write: (bytes) => {
      state.written.push(bytes.toString("latin1"))
      return !state.full
    },
    pending: () => state.held,
    full: () => state.full,
    whenDrained: (then) => void state.drain.push(then),
    close: (reason) => {
      state.closed = reason
    }
  }
  return { sink, state }
}

describe("ClientOutput", () => {
  it("pushes are > in RESP3 and plain arrays in RESP2, and are sent under CLIENT REPLY OFF", () => {
    const output = new ClientOutput(host({ hard: 0, soft: 0, softSeconds: 0 }, { now: 0 }, { bytes: 0 }))
    output.push(2, (w) => {
      w.bulk("message")
      w.bulk("hi")
    })
    expect(output.writer.take()?.toString("latin1")).toBe("*2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n")
    output.resp = 3
    output.mode = "off"
    const mark = output.beginReply()
    output.writer.ok()
    output.endReply(mark, output.suppressed)
    output.push(1, (w) => w.bulk("x"))
    expect(output.writer.take()?.toString("latin1")).toBe(">1\r\n$1\r\nx\r\n")
  })

  it("a push written while a dropped reply is written is kept", () => {
    const output = new ClientOutput(host({ hard: 0, soft: 0, softSeconds: 0 }, { now: 0 }, { bytes: 0 }))
    output.resp = 3
    output.mode = "off"
    const mark = output.beginReply()
    output.writer.simple("dropped")
    output.push(2, (w) => {
      w.bulk("invalidate")
      w.bulk("k")
    })
    output.writer.simple("dropped too")
    output.endReply(mark, output.suppressed)
    expect(output.writer.take()?.toString("latin1")).toBe(">2\r\n$10\r\ninvalidate\r\n$1\r\nk\r\n")
  })

  it("SKIP drops the next reply only", () => {
    const output = new ClientOutput(host({ hard: 0, soft: 0, softSeconds: 0 }, { now: 0 }, { bytes: 0 }))
    output.mode = "skip"
    for (const text of ["first", "second"]) {
      const mark = output.beginReply()
      const skipped = output.suppressed
      output.writer.simple(text)
      output.endReply(mark, skipped)
    }
    expect(output.writer.take()?.toString("latin1")).toBe("+second\r\n")
  })

  it("the hard limit counts unsent bytes and bytes the socket still holds", () => {
    const counted = { bytes: 0 }
    const output = new ClientOutput(host({ hard: 100, soft: 0, softSeconds: 0 }, { now: 0 }, counted))
    const { sink, state } = fakeSink()
    output.sink = sink
    output.writer.bulk("x".repeat(50))
    expect(output.overLimit()).toBe(false)
    state.held = 60
    expect(output.used).toBe(57 + 60)
    expect(output.overLimit()).toBe(true)
    output.flush(() => "id=7 addr=?")
    expect(state.closed).toBe("Client id=7 addr=? scheduled to be closed ASAP for overcoming of output buffer limits.")
    expect(state.written).toEqual([])
    expect(counted.bytes).toBe(0)
  })

  it("the soft limit closes only after being exceeded for longer than its seconds, and resets below it", () => {
    const clock = { now: 1_000_000 }
    const output = new ClientOutput(host({ hard: 0, soft: 10, softSeconds: 2 }, clock, { bytes: 0 }))
    output.writer.bulk("x".repeat(20))
    expect(output.overLimit()).toBe(false) // starts the clock
    clock.now += 2000
    expect(output.overLimit()).toBe(false) // exactly the allowed seconds: still fine, as Redis
    clock.now += 1000
    expect(output.overLimit()).toBe(true)
    output.writer.take()
    expect(output.overLimit()).toBe(false) // under the limit: the clock stops
    output.writer.bulk("x".repeat(20))
    clock.now += 10_000
    expect(output.overLimit()).toBe(false) // a new period starts
  })

  it("bytes produced outside the batch wait while the socket is full and go once it drains, counted", () => {
    const counted = { bytes: 0 }
    const output = new ClientOutput(host({ hard: 0, soft: 0, softSeconds: 0 }, { now: 0 }, counted))
    const { sink, state } = fakeSink()
    output.sink = sink
    state.full = true
    output.writer.simple("one")
    output.flush(() => "")
    output.writer.simple("two")
    output.flush(() => "")
    expect(state.written).toEqual([])
    expect(state.drain).toHaveLength(1)
    state.full = false
    state.drain.shift()!()
    expect(state.written).toEqual(["+one\r\n+two\r\n"])
    expect(counted.bytes).toBe(12)
    expect(output.bytesOut).toBe(12)
  })

  it("parses the directive's value per class", () => {
    expect(parseOutputLimits("normal 0 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60")).toEqual({
      normal: { hard: 0, soft: 0, softSeconds: 0 },
      replica: { hard: 268435456, soft: 67108864, softSeconds: 60 },
      pubsub: { hard: 33554432, soft: 8388608, softSeconds: 60 }
    })
  })
})

describe("client-output-buffer-limit over TCP, against Redis", () => {
  const config = { "client-output-buffer-limit": ["normal", "1mb", "0", "0"] }
  let server: TestServer
  let oracle: Oracle | undefined
  beforeAll(async () => {
    server = await startServer(config)
    if (hasOracle) oracle = await startOracle(["--client-output-buffer-limit", "normal 1mb 0 0"])
  })
  afterAll(async () => {
    await server.close()
    await oracle?.stop()
  })

  const overflow = async (port: number): Promise<{ closed: boolean; received: number; otherServed: boolean; after: string }> => {
    const setup = await RawConnection.connect(port)
    await setup.call("SET", "big", "v".repeat(200 * 1024))
    const slow = await RawConnection.connect(port)
    // 40 x 200 KB of replies from one batch: 8 MB, far past 1 MB before any of it is written
    const commands = [...Array.from({ length: 40 }, () => ["GET", "big"]), ...Array.from({ length: 5 }, () => ["INCR", "after"])]
    slow.write(Buffer.concat(commands.map(encode)))
    const replies = await slow.read(commands.length, 5000).then((r) => r.length, () => -1)
    const otherServed = (await setup.call("GET", "big")).raw.length > 200 * 1024
    // the client stopped at the command that went over: nothing after it ran
    const after = (await setup.call("GET", "after")).raw
    await setup.close()
    return { closed: slow.isClosed, received: replies, otherServed, after }
  }

  it("a client over the hard limit is closed without the rest of its replies; others are served", async () => {
    const ours = await overflow(server.port)
    expect(ours).toEqual({ closed: true, received: -1, otherServed: true, after: "$-1\r\n" })
    if (oracle !== undefined) expect(await overflow(oracle.port)).toEqual(ours)
  })
})

describe("CLIENT REPLY SKIP with a client that waits, against Redis", () => {
  let server: TestServer
  let oracle: Oracle | undefined
  beforeAll(async () => {
    server = await startServer()
    if (hasOracle) oracle = await startOracle()
  })
  afterAll(async () => {
    await server.close()
    await oracle?.stop()
  })

  /** What a client that sent `commands` receives in 300 ms, as one string. */
  const received = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<string> => {
    const conn = await RawConnection.connect(port)
    const control = await RawConnection.connect(port)
    let bytes = ""
    conn.socket.on("data", (chunk: Buffer) => {
      bytes += chunk.toString("latin1")
    })
    for (const command of commands) {
      if (command[0] === "@control") await control.call(...command.slice(1))
      else conn.write(encode(command))
      await new Promise((r) => setTimeout(r, 60))
    }
    await new Promise((r) => setTimeout(r, 100))
    await Promise.all([conn.close(), control.close()])
    return bytes
  }

  const cases: ReadonlyArray<readonly [string, ReadonlyArray<ReadonlyArray<string>>]> = [
    ["a BLPOP that times out", [["CLIENT", "REPLY", "SKIP"], ["BLPOP", "skip:a", "0.05"], ["PING"]]],
    ["a BLPOP that is served", [["CLIENT", "REPLY", "SKIP"], ["BLPOP", "skip:b", "0"], ["@control", "RPUSH", "skip:b", "x"], ["PING"]]],
    ["a write held by CLIENT PAUSE", [["@control", "CLIENT", "PAUSE", "100", "WRITE"], ["CLIENT", "REPLY", "SKIP"], ["SET", "skip:c", "v"], ["PING"]]]
  ]
  for (const [name, commands] of cases) {
    it(`skips the reply of ${name}, and only that one`, async () => {
      const ours = await received(server.port, commands)
      expect(ours).toBe("+PONG\r\n")
      if (oracle !== undefined) expect(await received(oracle.port, commands)).toBe(ours)
    })
  }
})

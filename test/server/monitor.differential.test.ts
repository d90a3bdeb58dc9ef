/**
 * MONITOR against real Redis: the same commands go to both servers from the same kinds of
 * connections, and the streams the monitors receive must match once each line's time is masked and
 * each client's address is replaced by its name (our time is checked on its own: in order, and the
 * batch's). Scripted scenarios (blocking, MULTI/EXEC, RESET, the monitor's own commands, inline
 * commands), then random sequences of commands with binary arguments from two clients.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"

/** One step: who sends what; "m" is the monitor. `inline` sends the text as is; `nowait` reads the reply later. */
interface Step {
  readonly who: string
  readonly argv: Command
  readonly inline?: string
  readonly nowait?: boolean
  readonly sleep?: number
}

const step = (who: string, ...argv: Command): Step => ({ who, argv })

const TIME = /^\+(\d+)\.(\d{6}) /

interface Outcome {
  /** The monitor's stream, one reply or line per entry, times masked, addresses named. */
  readonly monitor: ReadonlyArray<string>
  /** Every other connection's replies, by name. */
  readonly replies: Record<string, ReadonlyArray<string>>
  /** The unmasked times of the lines, in microseconds. */
  readonly times: ReadonlyArray<number>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs `steps` on the server at `port` with a fresh monitor and fresh clients, until `marker` is shown. */
const run = async (port: number, steps: ReadonlyArray<Step>, marker: string): Promise<Outcome> => {
  const monitor = await RawConnection.connect(port)
  const conns = new Map<string, RawConnection>([["m", monitor]])
  const pending = new Map<string, number>()
  const replies: Record<string, Array<string>> = {}
  const names = new Map<number, string>([[monitor.socket.localPort!, "m"]])
  const get = async (who: string): Promise<RawConnection> => {
    let conn = conns.get(who)
    if (conn === undefined) {
      conn = await RawConnection.connect(port)
      conns.set(who, conn)
      names.set(conn.socket.localPort!, who)
      replies[who] = []
    }
    return conn
  }
  expect((await monitor.call("MONITOR")).raw).toBe("+OK\r\n")
  for (const s of [...steps, step("end", "ECHO", marker)]) {
    const conn = await get(s.who)
    conn.write(s.inline ?? encode(s.argv))
    if (s.who === "m" || s.nowait === true) {
      // the monitor's replies are part of its stream; let the command arrive before the next step's
      if (s.who !== "m") pending.set(s.who, (pending.get(s.who) ?? 0) + 1)
      // generous: under a loaded machine (the whole suite in parallel) 60 ms was not always enough
      await sleep(s.sleep ?? 120)
    } else {
      replies[s.who]!.push((await conn.read(1))[0]!.raw)
    }
  }
  for (const [who, n] of pending) for (const r of await conns.get(who)!.read(n)) replies[who]!.push(r.raw)
  const stream: Array<string> = []
  const times: Array<number> = []
  for (;;) {
    const [reply] = await monitor.read(1)
    const time = TIME.exec(reply!.raw)
    if (time !== null) times.push(Number(time[1]) * 1e6 + Number(time[2]))
    const shown = reply!.raw
      .replace(TIME, "+<time> ")
      .replace(/(\[\d+ )127\.0\.0\.1:(\d+)\]/, (_, db: string, p: string) => `${db}${names.get(Number(p)) ?? "?"}]`)
    stream.push(shown)
    if (shown.includes(marker)) break
  }
  await Promise.all([...conns.values()].map((c) => c.close()))
  return { monitor: stream, replies, times }
}

/**
 * HELLO's reply carries the connection id, which differs between the servers; of CLIENT LIST, the
 * flags, db and command of each client are compared.
 */
const maskIds = (replies: Outcome["replies"]): Outcome["replies"] =>
  Object.fromEntries(
    Object.entries(replies).map(([who, rs]) => [
      who,
      rs.map((r) =>
        r.startsWith("$") && r.includes("\nid=")
          ? [...r.matchAll(/ (flags=\S+ db=\d+) .* (cmd=\S+) /g)].map((m) => `${m[1]} ${m[2]}`).join("\n")
          : r.replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:<id>\r\n")
      )
    ])
  )

let runs = 0

describeDifferential("MONITOR against Redis", (servers) => {
  const compare = async (steps: ReadonlyArray<Step>, setup: ReadonlyArray<Command> = [["FLUSHALL"]]): Promise<Outcome> => {
    const { ours, theirs, server, oracle } = servers()
    for (const command of setup) {
      expect((await ours.call(...command)).raw).toBe((await theirs.call(...command)).raw)
    }
    const marker = `end of run ${++runs}`
    const started = Date.now()
    const a = await run(server.port, steps, marker)
    const b = await run(oracle.port, steps, marker)
    expect(a.monitor).toEqual(b.monitor)
    expect(maskIds(a.replies)).toEqual(maskIds(b.replies))
    // our times: in order, and wall-clock times of this run
    for (let i = 1; i < a.times.length; i++) expect(a.times[i]!).toBeGreaterThanOrEqual(a.times[i - 1]!)
    expect(a.times[0]! / 1000).toBeGreaterThanOrEqual(started - 5)
    expect(a.times.at(-1)! / 1000).toBeLessThanOrEqual(Date.now() + 5)
    return a
  }

  it("quoting of binary arguments, db numbers after SELECT, admin and refused commands, inline commands", async () => {
    const binary = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")
    const a = await compare([
      step("c", "SET", "k", "v"),
      step("c", "SET", "a b", "x\"y\\z\x01\xff\n\r\t\x07\b"),
      step("c", "SET", binary, ""),
      step("c", "GET", "123"),
      step("c", "SELECT", "3"),
      step("c", "INCRBY", "n", "-12"),
      step("c", "CONFIG", "GET", "maxmemory"),
      step("c", "CLIENT", "LIST"),
      step("c", "CLIENT", "SETNAME", "x"),
      step("c", "NOSUCH", "a"),
      step("c", "GET"),
      { who: "c", argv: ["PING", "inline"], inline: "PING \"in line\" 'x'\r\n" },
      step("c", "SELECT", "0")
    ])
    expect(a.monitor).toContain("+<time> [3 c] \"INCRBY\" \"n\" \"-12\"\r\n")
  })

  it("MULTI/EXEC, DISCARD, aborted transactions, MONITOR inside MULTI", () =>
    compare([
      step("c", "MULTI"),
      step("c", "SET", "x", "1"),
      step("c", "SELECT", "4"),
      step("c", "INCR", "x"),
      step("c", "EXEC"),
      step("c", "MULTI"),
      step("c", "GET", "x"),
      step("c", "DISCARD"),
      step("c", "MULTI"),
      step("c", "NOSUCH"),
      step("c", "EXEC"),
      step("c", "EXEC", "x"),
      step("c", "MULTI"),
      step("c", "EXEC", "y"),
      step("c", "MULTI"),
      step("c", "MONITOR"),
      step("c", "EXEC"),
      step("c", "WATCH", "w"),
      step("d", "SET", "w", "1"),
      step("c", "MULTI"),
      step("c", "GET", "w"),
      step("c", "EXEC")
    ]))

  it("AUTH and HELLO AUTH are redacted", () =>
    compare([
      step("c", "AUTH", "x"),
      step("c", "AUTH", "a", "b"),
      step("c", "AUTH", "a", "b", "c"),
      step("c", "HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n"),
      step("c", "HELLO", "2", "SETNAME", "a b", "AUTH", "u", "p"),
      step("c", "HELLO", "2", "BOGUS", "AUTH", "u", "p"),
      step("c", "HELLO", "4", "AUTH", "u", "p"),
      step("c", "HELLO", "2", "AUTH", "u"),
      step("c", "HELLO", "2", "AUTH", "nobody", "p", "AUTH", "default", "p")
    ]))

  it("a blocked command shows when it blocks; a postponed one when the pause ends", () =>
    compare([
      { who: "c", argv: ["BLPOP", "l", "0"], nowait: true },
      step("d", "LPUSH", "l", "a"),
      { who: "c", argv: ["BLPOP", "l2", "0.05"], nowait: true, sleep: 300 },
      step("d", "CLIENT", "PAUSE", "700", "WRITE"),
      { who: "c", argv: ["SET", "p", "1"], nowait: true },
      step("e", "GET", "p"),
      { who: "e", argv: ["PING"], nowait: true, sleep: 900 }
    ]))

  it("the monitor's own commands, a second monitor, MONITOR twice, RESET, CLIENT REPLY", () =>
    compare([
      step("m", "PING"),
      step("m", "GET", "x"),
      step("m", "SET", "x", "1"),
      step("m", "DBSIZE"),
      step("m", "ECHO", "hi"),
      step("m", "MONITOR"),
      step("m", "MULTI"),
      step("m", "PING"),
      step("m", "EXEC"),
      step("m", "CLIENT", "REPLY", "OFF"),
      step("c", "SET", "a", "1"),
      step("m", "CLIENT", "REPLY", "ON"),
      step("c", "SET", "a", "2"),
      step("m", "CLIENT", "REPLY", "SKIP"),
      step("c", "SET", "a", "3"),
      step("m", "PING"),
      step("c", "SET", "a", "4"),
      step("m2", "MONITOR"),
      step("m2", "RESET"),
      step("m2", "GET", "a")
    ]))

  it("random commands with binary arguments from two clients", async () => {
    const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c))
    const text = fc.oneof(
      fc.constantFrom("k", "a b", "x", "\"", "\\", "", "(redacted)", "123", "-1", "default"),
      fc.array(byte, { maxLength: 12 }).map((cs) => cs.join(""))
    )
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.tuple(text, text).map(([k, v]) => ["SET", k, v]),
      text.map((k) => ["GET", k]),
      fc.tuple(text, text).map(([k, v]) => ["RPUSH", k, v]),
      text.map((k) => ["DEL", k]),
      fc.integer({ min: 0, max: 3 }).map((db) => ["SELECT", String(db)]),
      fc.constantFrom<Command>(["MULTI"], ["EXEC"], ["DISCARD"], ["PING"], ["EXEC", "x"], ["CLIENT", "GETNAME"], ["CONFIG", "GET", "maxmemory"], ["NOSUCH"], ["GET"]),
      text.map((a) => ["ECHO", a]),
      text.map((p) => ["AUTH", p]),
      fc.tuple(text, text).map(([u, p]) => ["AUTH", u, p]),
      fc.tuple(fc.constantFrom("2", "3"), text, text).map(([v, u, p]) => ["HELLO", v, "AUTH", u, p]),
      fc.tuple(text, text).map(([a, b]) => ["HELLO", "2", "SETNAME", a, "AUTH", "default", b])
    )
    const sequence = fc.array(fc.tuple(fc.constantFrom("c", "d"), command), { minLength: 1, maxLength: 12 })
    await fc.assert(
      fc.asyncProperty(sequence, async (commands) => {
        await compare(commands.map(([who, argv]) => step(who, ...argv)))
      }),
      { numRuns: 30 }
    )
  })
})

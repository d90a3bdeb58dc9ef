/**
 * SLOWLOG and LATENCY: which commands are logged (the threshold, skip_slowlog commands such as EXEC,
 * EXEC's queued commands, a blocked command when it ends), the entry fields (id, time, duration, argv
 * trimmed to 32 arguments and 128 bytes, redactions, client address and name), slowlog-max-len, GET's
 * count, RESET, HELP and the errors; LATENCY's events from slow commands, LATEST, HISTORY, RESET, GRAPH,
 * DOCTOR, HISTOGRAM, HELP. Then the same command lines against a real redis-server, with what is
 * nondeterministic (ids, times, durations, ports) masked.
 */
import { describe, expect, it } from "vitest"
import { checkCommands, describeDifferential, type Normalize } from "../support/differential.ts"
import { RawConnection } from "../support/raw.ts"
import { connectedServer } from "../support/server.ts"

type Entry = readonly [number, number, number, ReadonlyArray<string>, string, string]

const entries = (value: unknown): ReadonlyArray<Entry> => value as ReadonlyArray<Entry>
const argvs = (value: unknown): ReadonlyArray<string> => entries(value).map((e) => e[3].join(" "))

describe("SLOWLOG", () => {
  const connection = connectedServer({ "enable-debug-command": "yes" })

  it("starts empty, logs only commands at or over the threshold, and counts ids from 0", async () => {
    const c = connection()
    const replies = await c.pipeline([
      ["SLOWLOG", "LEN"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "100000"],
      ["PING"],
      ["SLOWLOG", "LEN"],
      ["DEBUG", "SLEEP", "0.15"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET"]
    ])
    expect(replies.slice(0, 6).map((r) => r.value)).toEqual([0, "OK", "PONG", 0, "OK", 1])
    const [entry] = entries(replies[6]!.value)
    expect(entry![0]).toBe(0)
    expect(entry![2]).toBeGreaterThanOrEqual(150000)
    expect(entry![3]).toEqual(["DEBUG", "SLEEP", "0.15"])
    expect(entry![4]).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(entry![5]).toBe("")
    expect(Math.abs(entry![1] - Date.now() / 1000)).toBeLessThan(5)
  })

  it("slowlog-max-len keeps the newest entries; GET's count; RESET; the client name", async () => {
    const c = connection()
    await c.pipeline([["CONFIG", "SET", "slowlog-log-slower-than", "0"], ["CONFIG", "SET", "slowlog-max-len", "10"]])
    await c.pipeline(Array.from({ length: 100 }, (_, i) => ["ECHO", String(i)]))
    const replies = await c.pipeline([
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET", "5"],
      ["SLOWLOG", "GET", "-1"],
      ["SLOWLOG", "GET", "0"],
      ["SLOWLOG", "GET", "-2"],
      ["SLOWLOG", "GET", "x"],
      ["SLOWLOG", "GET", "1", "2"],
      ["SLOWLOG", "NOPE"],
      ["CLIENT", "SETNAME", "foobar"],
      ["CONFIG", "SET", "slowlog-max-len", "3"],
      ["SLOWLOG", "RESET"],
      ["SLOWLOG", "GET"],
      ["CONFIG", "SET", "slowlog-max-len", "0"],
      ["PING"],
      ["SLOWLOG", "LEN"]
    ])
    expect(replies[0]!.value).toBe(10)
    // each command is logged once it ran: SLOWLOG LEN before SLOWLOG GET
    expect(argvs(replies[1]!.value)).toEqual(["SLOWLOG LEN", "ECHO 99", "ECHO 98", "ECHO 97", "ECHO 96"])
    expect(argvs(replies[2]!.value)).toEqual(["SLOWLOG GET 5", "SLOWLOG LEN", ...Array.from({ length: 8 }, (_, i) => `ECHO ${99 - i}`)])
    expect(replies[3]!.value).toEqual([])
    expect((replies[4]!.value as Error).message).toBe("ERR count should be greater than or equal to -1")
    expect((replies[5]!.value as Error).message).toBe("ERR count should be greater than or equal to -1")
    expect((replies[6]!.value as Error).message).toBe("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    expect((replies[7]!.value as Error).message).toMatch(/^ERR unknown subcommand 'NOPE'/)
    const afterReset = entries(replies[11]!.value)
    expect(afterReset.map((e) => e[3].join(" "))).toEqual(["SLOWLOG RESET"])
    expect(afterReset[0]![5]).toBe("foobar")
    expect(replies[14]!.value).toBe(0)
    await c.pipeline([["CONFIG", "SET", "slowlog-max-len", "128"], ["CLIENT", "SETNAME", ""], ["CONFIG", "SET", "slowlog-log-slower-than", "10000"]])
  })

  it("trims long command lines, logs the original argv and redactions, not EXEC but its commands, a blocked command when it ends", async () => {
    const c = connection()
    const other = await RawConnection.connect(c.socket.remotePort!)
    const many = Array.from({ length: 31 }, (_, i) => String(i + 3))
    const replies = await c.pipeline([
      ["CONFIG", "SET", "slowlog-log-slower-than", "0"],
      ["SLOWLOG", "RESET"],
      ["SADD", "set", ...many],
      ["SADD", "set", "foo", "A".repeat(129)],
      ["SET", "k", "v", "EX", "100"],
      ["AUTH", "nobody", "secret"],
      ["MULTI"],
      ["INCR", "n"],
      ["EXEC"],
      ["SLOWLOG", "GET", "-1"]
    ])
    const logged = entries(replies[9]!.value).map((e) => e[3])
    expect(logged).toEqual([
      ["INCR", "n"],
      ["MULTI"],
      ["AUTH", "(redacted)", "(redacted)"],
      ["SET", "k", "v", "EX", "100"],
      ["SADD", "set", "foo", `${"A".repeat(128)}... (1 more bytes)`],
      ["SADD", "set", ...many.slice(0, 29), "... (2 more arguments)"],
      ["SLOWLOG", "RESET"]
    ])
    other.write("*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    await new Promise((resolve) => setTimeout(resolve, 50))
    await c.pipeline([["SLOWLOG", "RESET"], ["LPUSH", "l", "x"]])
    await other.read(1)
    const after = entries((await c.call("SLOWLOG", "GET")).value).map((e) => e[3].join(" "))
    expect(after).toEqual(["BLPOP l 0", "LPUSH l x", "SLOWLOG RESET"])
    await other.close()
    await c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
  })

  it("HELP", async () => {
    const help = (await connection().call("SLOWLOG", "HELP")).value as ReadonlyArray<string>
    expect(help[0]).toBe("SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    expect(help).toContain("    Return top <count> entries from the slowlog (default: 10, -1 mean all).")
  })
})

describe("LATENCY", () => {
  const connection = connectedServer({ "enable-debug-command": "yes" })

  it("is off by default: DOCTOR says so, nothing is recorded", async () => {
    const replies = await connection().pipeline([["DEBUG", "SLEEP", "0.02"], ["LATENCY", "LATEST"], ["LATENCY", "DOCTOR"], ["LATENCY", "HISTORY", "command"]])
    expect(replies[1]!.value).toEqual([])
    expect(String(replies[2]!.value)).toContain("Latency monitoring is disabled in this Redis instance")
    expect(replies[3]!.value).toEqual([])
  })

  it("records commands over latency-monitor-threshold: LATEST, HISTORY, GRAPH, DOCTOR, RESET", async () => {
    const c = connection()
    const replies = await c.pipeline([
      ["CONFIG", "SET", "latency-monitor-threshold", "10"],
      ["DEBUG", "SLEEP", "0.03"],
      ["PING"],
      ["LATENCY", "LATEST"],
      ["LATENCY", "HISTORY", "command"],
      ["LATENCY", "GRAPH", "command"],
      ["LATENCY", "DOCTOR"],
      ["LATENCY", "GRAPH", "nothing"],
      ["LATENCY", "HISTOGRAM"],
      ["LATENCY", "RESET", "COMMAND", "nope"],
      ["LATENCY", "LATEST"],
      ["CONFIG", "SET", "latency-monitor-threshold", "0"],
      ["LATENCY", "RESET"]
    ])
    const [latest] = replies[3]!.value as ReadonlyArray<readonly [string, number, number, number]>
    expect(latest![0]).toBe("command")
    expect(latest![2]).toBeGreaterThanOrEqual(30)
    expect(latest![3]).toBe(latest![2])
    const history = replies[4]!.value as ReadonlyArray<readonly [number, number]>
    expect(history.length).toBe(1)
    expect(history[0]![1]).toBe(latest![2])
    const graph = String(replies[5]!.value)
    expect(graph).toMatch(new RegExp(`^command - high ${latest![2]} ms, low ${latest![2]} ms \\(all time high ${latest![2]} ms\\)\\n-{80}\\n \\n \\n \\n_\\n \\n[01]\\ns\\n$`))
    const doctor = String(replies[6]!.value)
    expect(doctor).toContain("Dave, I have observed latency spikes in this Redis instance.")
    expect(doctor).toMatch(/1\. command: 1 latency spikes \(average \d+ms, mean deviation 0ms, period 1\.00 sec\)\. Worst all time event \d+ms\./)
    expect(doctor).toContain("- Check your Slow Log to understand what are the commands you are running which are too slow to execute.")
    expect((replies[7]!.value as Error).message).toBe("ERR No samples available for event 'nothing'")
    // latency-tracking keeps a histogram for every command that ran (latency-histogram.test.ts)
    expect((replies[8]!.value as ReadonlyArray<unknown>).filter((_, i) => i % 2 === 0)).toEqual(expect.arrayContaining(["debug", "ping", "config|set"]))
    expect(replies[9]!.value).toBe(1)
    expect(replies[10]!.value).toEqual([])
  })
})

/** SLOWLOG GET entries with ids, times, durations and ports masked. */
const maskEntries: Normalize = (command, reply) => {
  if (command[0]?.toUpperCase() !== "SLOWLOG" || command[1]?.toUpperCase() !== "GET" || !Array.isArray(reply.value)) return reply.raw
  return entries(reply.value).map((e) => [e[3], e[4].replace(/:\d+$/, ":<port>"), e[5]])
}

describeDifferential("SLOWLOG and LATENCY against Redis", (servers) => {
  it("the same entries, errors and help", () =>
    checkCommands(servers(), [
      ["CONFIG", "SET", "slowlog-log-slower-than", "0"],
      ["SLOWLOG", "RESET"],
      ["SET", "k", "v"],
      ["CLIENT", "SETNAME", "tester"],
      ["SADD", "s", ...Array.from({ length: 40 }, (_, i) => String(i))],
      ["APPEND", "k", "x".repeat(300)],
      ["MULTI"],
      ["GET", "k"],
      ["EXEC"],
      // rewritten for propagation, logged as sent; secrets redacted
      ["SADD", "p", "a"],
      ["SPOP", "p", "10"],
      ["GEOADD", "g", "-122.33207", "47.60621", "Seattle"],
      ["GETSET", "k", "5"],
      ["INCRBYFLOAT", "k", "1.0"],
      ["CONFIG", "SET", "masterauth", ""],
      ["AUTH", "x"],
      ["SLOWLOG", "GET", "-1"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET", "2"],
      ["SLOWLOG", "GET", "-2"],
      ["SLOWLOG", "GET", "x"],
      ["SLOWLOG", "GET", "1", "2"],
      ["SLOWLOG", "LEN", "x"],
      ["SLOWLOG"],
      ["SLOWLOG", "NOPE"],
      ["SLOWLOG", "HELP"],
      ["slowlog", "help"],
      ["CONFIG", "SET", "slowlog-max-len", "2"],
      ["SLOWLOG", "GET"],
      ["CONFIG", "SET", "slowlog-max-len", "128"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "10000"],
      ["CLIENT", "SETNAME", ""],
      ["LATENCY", "HELP"],
      ["LATENCY", "NOPE"],
      ["LATENCY", "LATEST", "x"],
      ["LATENCY", "HISTORY"],
      ["LATENCY", "GRAPH", "command"],
      ["LATENCY", "RESET", "a", "b"],
      ["LATENCY", "DOCTOR"],
      ["LATENCY", "HISTOGRAM", "nosuch"]
    ], maskEntries))
})

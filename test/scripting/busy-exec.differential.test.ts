/**
 * A busy script inside MULTI/EXEC (EVAL, EVALSHA, FCALL queued in a transaction), against a real
 * redis-server (busy-reply-threshold 100 ms on both): EXEC is suspended with the script, other clients
 * get BUSY meanwhile, SCRIPT KILL / FUNCTION KILL end a read-only script (EXEC then runs the rest of its
 * queue), a script that wrote is UNKILLABLE, SHUTDOWN NOSAVE is served; the EXEC reply is complete and
 * byte-identical, and its writes reach the AOF as one MULTI/EXEC, as Redis writes them.
 */
import { describe, expect, it } from "vitest"
import { hasOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { startServer } from "../support/server.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { busyAofFiles, callWhileBusy, shutdownNosave, waitBusy } from "./busy-support.ts"
import { lib } from "./function-examples.ts"

const THRESHOLD = "100"
const LOOP = "local i = 0 while true do i = i + 1 end"
const LONG = "local i = 0 while i < 2e7 do i = i + 1 end"

/**
 * Queues `queued` in MULTI on one connection and sends EXEC (and `after`, pipelined behind it); once
 * a second connection sees BUSY, sends it `during`. The replies of `during`, EXEC's, those of `after`,
 * then what `check` reads once the server serves everyone again.
 */
const busyExec = async (
  port: number,
  setup: ReadonlyArray<Command>,
  queued: ReadonlyArray<Command>,
  during: ReadonlyArray<Command>,
  after: ReadonlyArray<Command> = [],
  check: ReadonlyArray<Command> = []
): Promise<Array<string>> => {
  const a = await RawConnection.connect(port)
  const b = await RawConnection.connect(port)
  try {
    for (const command of setup) await b.call(...command)
    expect((await a.call("MULTI")).raw).toBe("+OK\r\n")
    for (const command of queued) expect((await a.call(...command)).raw).toBe("+QUEUED\r\n")
    a.write(Buffer.concat([encode(["EXEC"]), ...after.map(encode)]))
    await waitBusy(b)
    const replies: Array<string> = []
    for (const command of during) replies.push((await b.call(...command)).raw.replace(/duration_ms\r\n:\d+/, "duration_ms\r\n:N"))
    for (const reply of await a.read(1 + after.length, 20_000)) replies.push(reply.raw)
    for (const command of check) replies.push((await b.call(...command)).raw)
    return replies
  } finally {
    await a.close()
    await b.close()
  }
}

const KILLED = /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w+, on @user_script:1\.\r\n$/
const UNKILLABLE = "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"

describeDifferential(
  "a busy script inside MULTI/EXEC, against Redis",
  (servers) => {
    const compare = async (...args: Parameters<typeof busyExec> extends [number, ...infer R] ? R : never) => {
      const { server, oracle } = servers()
      const [ours, theirs] = await Promise.all([busyExec(server.port, ...args), busyExec(oracle.port, ...args)])
      expect(ours).toEqual(theirs)
      return ours
    }

    it("EXEC waits for the script: others get BUSY, SCRIPT KILL ends it, EXEC runs the rest of its queue", async () => {
      const replies = await compare(
        [["DEL", "x", "y"]],
        [["SET", "x", "1"], ["EVAL", LOOP, "0"], ["INCR", "x"], ["SET", "y", "after"]],
        [["GET", "x"], ["MULTI"], ["DISCARD"], ["FUNCTION", "KILL"], ["SCRIPT", "KILL"]],
        [["GET", "x"]],
        [["MGET", "x", "y"]]
      )
      const exec = replies[5]!
      expect(exec.startsWith("*4\r\n+OK\r\n-ERR Script killed by user with SCRIPT KILL...")).toBe(true)
      expect(exec.endsWith(":2\r\n+OK\r\n")).toBe(true)
      expect(replies.at(-1)).toBe("*2\r\n$1\r\n2\r\n$5\r\nafter\r\n")
    })

    it("a script in EXEC that wrote is UNKILLABLE and runs to its end; EXEC's reply is complete", async () => {
      const replies = await compare(
        [["SET", "n", "1"]],
        [["INCR", "n"], ["EVAL", `redis.call('incr', KEYS[1]) ${LONG} return redis.call('incr', KEYS[1])`, "1", "n"], ["INCR", "n"]],
        [["SCRIPT", "KILL"], ["FUNCTION", "KILL"], ["INCR", "n"]],
        [],
        [["GET", "n"]]
      )
      expect(replies[0]).toBe(UNKILLABLE)
      expect(replies[3]).toBe("*3\r\n:2\r\n:4\r\n:5\r\n")
      expect(replies[4]).toBe("$1\r\n5\r\n")
    })

    it("several busy scripts in one EXEC (EVAL, EVALSHA, a read-only one): one reply, in order, then the pipelined command", async () => {
      const sha = (await servers().ours.call("SCRIPT", "LOAD", `${LONG} return redis.call('incr', KEYS[1])`)).raw.slice(5, 45)
      await servers().theirs.call("SCRIPT", "LOAD", `${LONG} return redis.call('incr', KEYS[1])`)
      const replies = await compare(
        [["DEL", "c"]],
        [["EVAL", `${LONG} return redis.call('incr', KEYS[1])`, "1", "c"], ["EVALSHA", sha, "1", "c"], ["GET", "c"], ["EVAL", `${LONG} return 'read'`, "0"]],
        [["PING"], ["GET", "c"]],
        [["PING", "behind"]],
        [["GET", "c"]]
      )
      expect(replies[2]).toBe("*4\r\n:1\r\n:2\r\n$1\r\n2\r\n$4\r\nread\r\n")
      expect(replies[3]).toBe("$6\r\nbehind\r\n")
    })

    it("a killed read-only script in EXEC after a write: EXEC keeps what it did before and after", async () => {
      const replies = await compare(
        [["DEL", "k"]],
        [["RPUSH", "k", "a"], ["EVAL", `local n = 0 while true do n = n + #redis.call('lrange', KEYS[1], 0, -1) end`, "1", "k"], ["RPUSH", "k", "b"]],
        [["SCRIPT", "KILL"]],
        [],
        [["LRANGE", "k", "0", "-1"]]
      )
      expect(replies[0]).toBe("+OK\r\n")
      expect(replies[1]).toMatch(/^\*3\r\n:1\r\n-ERR Script killed by user with SCRIPT KILL\.\.\. .*\r\n:2\r\n$/)
    })

    it("FCALL in EXEC: the function wording, FUNCTION STATS shows it, FUNCTION KILL ends it", () =>
      compare(
        [["FUNCTION", "FLUSH"], ["FUNCTION", "LOAD", lib("busyexec", `redis.register_function('spin', function(keys, args) ${LOOP} end)`)]],
        [["PING"], ["FCALL", "spin", "1", "k", "arg"], ["PING", "end"]],
        [["GET", "k"], ["FUNCTION", "STATS"], ["SCRIPT", "KILL"], ["FUNCTION", "KILL"]]
      ))

    it("INFO commandstats and errorstats count the transaction's commands as Redis does (a killed script failed, EXEC not)", async () => {
      const { server, oracle, ours, theirs } = servers()
      const stats = async (conn: RawConnection) => {
        const text = (await conn.call("INFO", "commandstats")).raw + (await conn.call("INFO", "errorstats")).raw
        return text.split("\r\n").filter((l) => /^cmdstat_(eval|exec|set|incr)|^errorstat/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, "")).sort()
      }
      await Promise.all([ours.call("CONFIG", "RESETSTAT"), theirs.call("CONFIG", "RESETSTAT")])
      await Promise.all([
        busyExec(server.port, [], [["SET", "s", "1"], ["EVAL", LOOP, "0"], ["INCR", "s"]], [["SCRIPT", "KILL"]]),
        busyExec(oracle.port, [], [["SET", "s", "1"], ["EVAL", LOOP, "0"], ["INCR", "s"]], [["SCRIPT", "KILL"]])
      ])
      const [a, b] = await Promise.all([stats(ours), stats(theirs)])
      expect(a).toEqual(b)
      expect(a).toContain("cmdstat_eval:calls=1,rejected_calls=0,failed_calls=1")
    })

    it("a transaction whose script does not reach the threshold answers as before", async () => {
      const { ours, theirs } = servers()
      for (const conn of [ours, theirs]) {
        expect((await conn.pipeline([["MULTI"], ["EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "q"], ["GET", "q"], ["EXEC"]])).map((r) => r.raw))
          .toEqual(["+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n$1\r\nv\r\n"])
      }
    })

    it("the Redis transaction-vs-busy-script cases (tests/unit/multi.tcl): MULTI/EXEC sent while a script is busy", async () => {
      const { server, oracle } = servers()
      const run = async (port: number) => {
        const a = await RawConnection.connect(port)
        const b = await RawConnection.connect(port)
        const r = await RawConnection.connect(port)
        try {
          await r.call("SET", "xx", "1")
          await b.call("MULTI")
          await b.call("INCR", "xx")
          a.write(encode(["EVAL", LOOP, "0"]))
          await waitBusy(r)
          const out = [(await b.call("INCR", "xx")).raw, (await b.call("EXEC")).raw]
          out.push((await r.call("SCRIPT", "KILL")).raw)
          out.push((await a.read(1))[0]!.raw.replace(/script: \w+/, "script: S"))
          out.push((await r.call("GET", "xx")).raw, (await b.call("PING", "asdf")).raw)
          return out
        } finally {
          await Promise.all([a.close(), b.close(), r.close()])
        }
      }
      const [x, y] = await Promise.all([run(server.port), run(oracle.port)])
      expect(x).toEqual(y)
      expect(x[1]).toMatch(/^-EXECABORT .*BUSY/)
    })
  },
  { config: { "busy-reply-threshold": THRESHOLD }, oracleArgs: ["--busy-reply-threshold", THRESHOLD] }
)

describe("SHUTDOWN NOSAVE during a busy script in EXEC", () => {
  it("an UNKILLABLE script in EXEC: SHUTDOWN is refused with BUSY, SHUTDOWN NOSAVE shuts down", async () => {
    const server = await startPersistentServer({ "busy-reply-threshold": THRESHOLD, save: "" })
    const a = await RawConnection.connect(server.port)
    const b = await RawConnection.connect(server.port)
    try {
      await a.call("MULTI")
      await a.call("SET", "s", "1")
      await a.call("EVAL", `redis.call('set', KEYS[1], 'w') ${LOOP}`, "1", "s")
      a.write(encode(["EXEC"]))
      await waitBusy(b)
      expect((await b.call("SCRIPT", "KILL")).raw).toBe(UNKILLABLE)
      expect((await b.call("SHUTDOWN")).raw).toBe("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
      expect(server.exits.count).toBe(0)
      await shutdownNosave(b, server.exits)
      expect(server.exits.count).toBe(1)
    } finally {
      await a.close()
      await b.close()
      await server.close()
    }
  })
})

describe.skipIf(!hasOracle)("a busy script's transaction in the AOF", () => {
  it("goes out as one MULTI/EXEC with the commands around the script, as Redis writes it", async () => {
    const queued = [
      ["SET", "before", "1"],
      ["EVAL", `redis.call('set', KEYS[1], 'a') ${LONG} redis.call('set', KEYS[2], 'b') return 1`, "2", "x", "y"],
      ["EVAL", `${LONG} return redis.call('incr', KEYS[1])`, "1", "before"],
      ["SET", "after", "2"]
    ]
    const { ours, theirs } = await busyAofFiles(THRESHOLD, (port) => busyExec(port, [], queued, [["SET", "z", "1"]], [["SET", "next", "3"]]))
    expect(ours).toBe(theirs)
    expect(ours.match(/MULTI/g)?.length).toBe(1)
  })
})

describe("a busy script in EXEC whose client goes away", () => {
  it("EXEC runs to its end (the script and the commands queued after it), then everyone is served again", async () => {
    const server = await startServer({ "busy-reply-threshold": THRESHOLD })
    const a = await RawConnection.connect(server.port)
    const b = await RawConnection.connect(server.port)
    try {
      await a.call("MULTI")
      await a.call("EVAL", `${LONG} return redis.call('set', KEYS[1], 'script')`, "1", "gone1")
      await a.call("EVAL", `${LONG} return redis.call('set', KEYS[1], 'second')`, "1", "gone2")
      await a.call("SET", "gone3", "after")
      a.write(encode(["EXEC"]))
      await waitBusy(b)
      await a.close()
      expect(await callWhileBusy(b, ["MGET", "gone1", "gone2", "gone3"], 1000)).toBe("*3\r\n$6\r\nscript\r\n$6\r\nsecond\r\n$5\r\nafter\r\n")
      expect((await b.call("PING")).raw).toBe("+PONG\r\n")
    } finally {
      await b.close()
      await server.close()
    }
  })
})

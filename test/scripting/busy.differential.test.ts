/**
 * Busy scripts against a real redis-server (busy-reply-threshold 100 ms on both): while a script runs
 * past the threshold other clients get BUSY (the EVAL and the function wording), allow_busy commands
 * are served (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS with the running function, SHUTDOWN's
 * refusal without NOSAVE), a script that wrote is UNKILLABLE and runs to its end, a killed script's
 * caller gets Redis's error; replies compared byte for byte (FUNCTION STATS' duration masked).
 */
import { describe, expect, it } from "vitest"
import { hasOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { startServer } from "../support/server.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { busyAofFiles, busyRun, callWhileBusy, shutdownNosave, waitBusy } from "./busy-support.ts"
import { lib } from "./function-examples.ts"

const THRESHOLD = "100"

const LOOP = "local i = 0 while true do i = i + 1 end"
const LONG = "local i = 0 while i < 2e7 do i = i + 1 end"

describeDifferential(
  "busy scripts against Redis",
  (servers) => {
    const compare = async (setup: ReadonlyArray<Command>, script: Command, during: ReadonlyArray<Command>) => {
      const { server, oracle } = servers()
      const [ours, theirs] = await Promise.all([busyRun(server.port, setup, script, during), busyRun(oracle.port, setup, script, during)])
      expect(ours).toEqual(theirs)
      return ours
    }

    it("EVAL past the threshold: BUSY for others, allow_busy commands served, SCRIPT KILL ends it", async () => {
      const replies = await compare([["FUNCTION", "FLUSH"]], ["EVAL", LOOP, "0"], [
        ["GET", "x"],
        ["EVAL", "return 1", "0"],
        // MULTI and DISCARD are allow_busy; what MULTI would queue is refused first
        ["MULTI"],
        ["PING"],
        ["DISCARD"],
        ["FUNCTION", "STATS"],
        ["FUNCTION", "KILL"],
        ["SCRIPT", "KILL"]
      ])
      expect(replies.at(-2)).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w{40}, on @user_script:1\.\r\n$/)
    })

    it("a script looping under pcall or xpcall (nested or not) is suspended and killed as Redis kills it (a line hook everywhere)", async () => {
      const killed = /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: \w{40}, on @user_script:1\.\r\n$/
      for (const [body, reply] of [
        ["local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", killed],
        // the kill is raised on each new line: `return 1`, on the line pcall(g) returned to, runs (as in Redis)
        ["local function g() local f = function() while 1 do end end while 1 do pcall(f) end end pcall(g) return 1", /^:1\r\n$/],
        ["while 1 do local ok, err = pcall(function() local i = 0 while i < 1e5 do i = i + 1 end error('x') end) end", killed],
        ["local f = function() while 1 do end end while 1 do xpcall(f, function(e) return e end) end", killed]
      ] as const) {
        const replies = await compare([], ["EVAL", body, "0"], [["PING"], ["SCRIPT", "KILL"]])
        expect(replies.at(-2)).toMatch(reply)
      }
    })

    it("pcall keeps its results and errors while the script is suspended", () =>
      compare([], ["EVAL", `local ok, v = pcall(function() ${LONG} return 'done' end) local bad, e = pcall(function() ${LONG} error({err='mine'}) end) local c, m = pcall(redis.call, 'nosuch') return {tostring(ok), v, tostring(bad), e, tostring(c), m}`, "0"], [["PING"]]))

    it("FCALL past the threshold: the function wording, FUNCTION STATS shows it, FUNCTION KILL ends it", () =>
      compare(
        [["FUNCTION", "FLUSH"], ["FUNCTION", "LOAD", lib("busy", `redis.register_function('spin', function(keys, args) ${LOOP} end)`)]],
        ["FCALL", "spin", "1", "k", "arg"],
        [["PING"], ["FUNCTION", "STATS"], ["SCRIPT", "KILL"], ["FUNCTION", "KILL"]]
      ))

    it("a script that wrote is UNKILLABLE and runs to its end; its commands after the pause run too", () =>
      compare([["SET", "n", "1"]], ["EVAL", `redis.call('incr', KEYS[1]) ${LONG} return redis.call('incr', KEYS[1])`, "1", "n"], [
        ["SCRIPT", "KILL"],
        ["FUNCTION", "KILL"],
        ["INCR", "n"]
      ]))

    it("keys expire by the script's start time for the whole run, suspended or not (scriptTimeSnapshot)", () =>
      compare([["SET", "e", "v", "PX", "250"]], ["EVAL", `${LONG} return redis.call('get', KEYS[1])`, "1", "e"], [["PING"]]))

    it("the caller's pipelined commands after a busy script run after it, in order", async () => {
      const { server, oracle } = servers()
      const pipelined = async (port: number) => {
        const c = await RawConnection.connect(port)
        try {
          const replies = await c.pipeline([["SET", "p", "0"], ["EVAL", `${LONG} return redis.call('incr', KEYS[1])`, "1", "p"], ["INCR", "p"], ["GET", "p"]], 20_000)
          return replies.map((r) => r.raw)
        } finally {
          await c.close()
        }
      }
      const [ours, theirs] = await Promise.all([pipelined(server.port), pipelined(oracle.port)])
      expect(ours).toEqual(theirs)
      expect(ours).toEqual(["+OK\r\n", ":1\r\n", ":2\r\n", "$1\r\n2\r\n"])
    })

    it("a read-only script past the threshold ends normally with its reply", () =>
      compare([["SET", "r", "v"]], ["EVAL", `${LONG} return {redis.call('get', KEYS[1]), i}`, "1", "r"], [["GET", "r"]]))

    it("NOTBUSY when nothing runs, a script's own yield is the error Redis gives, FUNCTION LOAD stops after 500 ms", async () => {
      const { ours, theirs } = servers()
      for (const command of [
        ["FUNCTION", "LOAD", lib("slow", LOOP)],
        ["FUNCTION", "LOAD", lib("slow", "local t = {} for i = 1, 3 do t[i] = i end", "redis.register_function('quick', function() return #t end)")],
        ["FCALL", "quick", "0"],
        ["FUNCTION", "DELETE", "slow"],
        ["SCRIPT", "KILL"],
        ["FUNCTION", "KILL"],
        ["EVAL", "coroutine.yield()", "0"],
        ["EVAL", "\n\ncoroutine.yield(1, 2)", "0"],
        ["EVAL", "local co = coroutine.wrap(function() coroutine.yield(1) return 2 end) return {co(), co()}", "0"],
        ["EVAL", "return {pcall(coroutine.yield)}", "0"],
        ["EVAL", "return 'after'", "0"]
      ]) {
        const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)])
        expect(a.raw).toBe(b.raw)
      }
    })
  },
  { config: { "busy-reply-threshold": THRESHOLD }, oracleArgs: ["--busy-reply-threshold", THRESHOLD] }
)

describe("SHUTDOWN during a busy script", () => {
  it("is refused without NOSAVE (BUSY), and SHUTDOWN NOSAVE shuts down", async () => {
    const server = await startPersistentServer({ "busy-reply-threshold": THRESHOLD, save: "" })
    const a = await RawConnection.connect(server.port)
    const b = await RawConnection.connect(server.port)
    try {
      a.write(encode(["EVAL", LOOP, "0"]))
      await waitBusy(b)
      expect((await b.call("SHUTDOWN")).raw).toBe("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
      expect((await b.call("SHUTDOWN", "SAVE")).raw).toBe("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
      expect(server.exits.count).toBe(0)
      await shutdownNosave(b, server.exits)
      expect(server.exits.count).toBe(1)
      // this harness does not end the process: kill the script to let the server close
      expect((await b.call("SCRIPT", "KILL")).raw).toBe("+OK\r\n")
      expect((await a.read(1))[0]!.raw).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./)
    } finally {
      await a.close()
      await b.close()
      await server.close()
    }
  })
})

describe.skipIf(!hasOracle)("a busy script's writes in the AOF", () => {
  it("go out as one unit (MULTI/EXEC) although the script was suspended between them, as Redis writes them", async () => {
    const script = ["EVAL", `redis.call('set', KEYS[1], 'a') ${LONG} redis.call('set', KEYS[2], 'b') return 1`, "2", "x", "y"]
    const { ours, theirs } = await busyAofFiles(THRESHOLD, (port) => busyRun(port, [], script, [["SET", "z", "1"]]))
    expect(ours).toBe(theirs)
    expect(ours).toContain("MULTI")
  })
})

describe("a busy script whose caller goes away", () => {
  it("runs to its end (its writes happen), then the server serves everyone again", async () => {
    const server = await startServer({ "busy-reply-threshold": THRESHOLD })
    const a = await RawConnection.connect(server.port)
    const b = await RawConnection.connect(server.port)
    try {
      a.write(encode(["EVAL", `${LONG} return redis.call('set', KEYS[1], 'done')`, "1", "gone"]))
      await waitBusy(b)
      await a.close()
      expect(await callWhileBusy(b, ["GET", "gone"], 500)).toBe("$4\r\ndone\r\n")
      expect((await b.call("FUNCTION", "STATS")).raw).toContain("running_script\r\n$-1\r\n")
    } finally {
      await b.close()
      await server.close()
    }
  })
})

/**
 * MODULE against Redis 7.0: replies with enable-module-command "no" (the default: the protected
 * subcommands refused) and "yes" (LIST empty, LOAD/LOADEX failing as dlopen fails, UNLOAD finding
 * nothing), the lines both servers log for a failed load, and `--loadmodule` refused at start-up with
 * Redis's log lines and exit status.
 */
import { execFile } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { moduleLoadFailure } from "../../src/config/load.ts"
import { loadexArgumentsError } from "../../src/server/Modules.ts"
import { anyCase } from "../support/arbitraries.ts"
import { checkCommands, checkSequences, type Command, describeDifferential } from "../support/differential.ts"
import { freePort, hasOracle, type Oracle, redisServerPath, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

const run = promisify(execFile)

const dir = mkdtempSync(join(tmpdir(), "module-test-"))
const notExecutable = join(dir, "plain.so")
writeFileSync(notExecutable, "not a module")
chmodSync(notExecutable, 0o644)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const paths = ["/nonexistent.so", dir, notExecutable, "relative-missing.so"]

const lines: ReadonlyArray<Command> = [
  ["MODULE"],
  ["MODULE", "foo"],
  ["MODULE", "HELP"],
  ["module", "help", "x"],
  ["MODULE", "LIST"],
  ["MODULE", "LIST", "x"],
  ["MODULE", "LOAD"],
  ...paths.map((p) => ["MODULE", "LOAD", p, "a", "b"]),
  ["MODULE", "LOADEX", "/nonexistent.so"],
  ["MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a", "b", "ARGS", "x"],
  ["MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a"],
  ["MODULE", "LOADEX", "/nonexistent.so", "foo"],
  ["MODULE", "LOADEX", "/nonexistent.so", "args"],
  ["MODULE", "UNLOAD", "foo"],
  ["MODULE", "UNLOAD"],
  ["MODULE", "UNLOAD", "a", "b"]
]

/** Random MODULE lines: subcommands in any case, paths, LOADEX arguments. */
const randomLine: fc.Arbitrary<Command> = fc
  .tuple(
    fc.oneof(anyCase("load"), anyCase("loadex"), anyCase("unload"), anyCase("list"), anyCase("help"), fc.constant("nope")),
    fc.array(fc.constantFrom("/nonexistent.so", "CONFIG", "config", "ARGS", "a", "b", "x.y"), { maxLength: 6 })
  )
  .map(([sub, args]) => ["MODULE", sub, ...args])

describeDifferential("MODULE with enable-module-command no (the default)", (servers) => {
  it("the protected subcommands are refused, HELP and the argument errors answered as Redis", () => checkCommands(servers(), lines))
})

describeDifferential(
  "MODULE with enable-module-command yes",
  (servers) => {
    it("LIST is empty, LOAD/LOADEX fail, UNLOAD finds no module: Redis's replies", () => checkCommands(servers(), lines))
    it("random MODULE lines answer as Redis", () =>
      checkSequences(servers(), fc.array(randomLine, { minLength: 1, maxLength: 4 }), { numRuns: 60 }))
  },
  { config: { "enable-module-command": "yes" }, oracleArgs: ["--enable-module-command", "yes"] }
)

describe("a module that fails to load is logged as Redis logs it", () => {
  it("moduleLoadFailure: dlopen's errors for a missing file, a directory; stat's for a file without execute permission", () => {
    expect(moduleLoadFailure("/nonexistent.so")).toBe(
      "Module /nonexistent.so failed to load: /nonexistent.so: cannot open shared object file: No such file or directory"
    )
    expect(moduleLoadFailure(dir)).toBe(`Module ${dir} failed to load: ${dir}: cannot read file data: Is a directory`)
    expect(moduleLoadFailure(notExecutable)).toBe(`Module ${notExecutable} failed to load: It does not have execute permissions.`)
  })

  it("LOADEX's argument errors (parseLoadexArguments)", () => {
    expect(loadexArgumentsError([])).toBeUndefined()
    expect(loadexArgumentsError(["CONFIG", "a", "b", "config", "c", "d"])).toBeUndefined()
    expect(loadexArgumentsError(["ARGS", "anything", "goes"])).toBeUndefined()
    expect(loadexArgumentsError(["CONFIG", "a"])).toBe("CONFIG specified without name value pair")
    expect(loadexArgumentsError(["CONFIG", "a", "b", "x"])).toBe("Syntax Error from arguments to loadex around x.")
  })

  it("property: any argument list either parses or is refused at the first word that is neither CONFIG nor ARGS", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("CONFIG", "args", "a", "b"), { maxLength: 8 }), (args) => {
        const error = loadexArgumentsError(args)
        // walk it again independently: CONFIG takes two, ARGS ends it
        let expected: string | undefined
        for (let i = 0; i < args.length; i++) {
          const a = args[i]!.toUpperCase()
          if (a === "ARGS") break
          if (a !== "CONFIG") {
            expected = `Syntax Error from arguments to loadex around ${args[i]}.`
            break
          }
          if (i + 2 >= args.length) {
            expected = "CONFIG specified without name value pair"
            break
          }
          i += 2
        }
        expect(error).toBe(expected)
      })
    )
  })
})

/** The messages of a log, without pid, role, time and the level char: "<level> <text>". */
const messages = (log: string): Array<string> =>
  log.split("\n").map((l) => /^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ ([#*.-] .*)$/.exec(l)?.[1]).filter((m): m is string => m !== undefined)

describe.skipIf(!hasOracle)("--loadmodule at start-up", () => {
  let logs: { ours: string; theirs: string; oursCode: number; theirsCode: number }
  beforeAll(async () => {
    const start = async (command: string, args: ReadonlyArray<string>): Promise<[string, number]> => {
      try {
        const r = await run(command, [...args], { timeout: 20_000 })
        return [r.stdout, 0]
      } catch (e) {
        const err = e as { stdout: string; code: number }
        return [err.stdout, err.code]
      }
    }
    // a port to listen on: Redis with port 0 and no unix socket exits before loading modules
    const common = ["--save", "", "--loadmodule", "/nonexistent.so"]
    const [p1, p2] = [await freePort(), await freePort()]
    const [[ours, oursCode], [theirs, theirsCode]] = await Promise.all([
      start(process.execPath, [join(import.meta.dirname, "../../src/main.ts"), "--port", String(p1), ...common]),
      start(redisServerPath!, ["--port", String(p2), ...common])
    ])
    logs = { ours, theirs, oursCode, theirsCode }
  })

  it("both exit with status 1 after the same two lines", () => {
    expect(logs.oursCode).toBe(1)
    expect(logs.theirsCode).toBe(1)
    const tail = (log: string) => messages(log).slice(-2)
    expect(tail(logs.ours)).toEqual([
      "# Module /nonexistent.so failed to load: /nonexistent.so: cannot open shared object file: No such file or directory",
      "# Can't load module from /nonexistent.so: server aborting"
    ])
    expect(tail(logs.ours)).toEqual(tail(logs.theirs))
    // after "Server initialized", by the running server (role M), as Redis's moduleLoadFromQueue
    for (const log of [logs.ours, logs.theirs]) {
      const lines = log.trim().split("\n")
      expect(lines.slice(-2).every((l) => /^\d+:M /.test(l))).toBe(true)
      expect(lines.findIndex((l) => l.endsWith("# Server initialized"))).toBeGreaterThan(-1)
    }
  })
})

describe.skipIf(!hasOracle)("MODULE LOAD failures are logged", () => {
  const captured: Array<string> = []
  let server: TestServer
  let oracle: Oracle
  let ours: RawConnection
  let theirs: RawConnection
  const logfile = join(dir, "redis.log")
  beforeAll(async () => {
    ;[server, oracle] = await Promise.all([
      startServer({ "enable-module-command": "yes" }, { log: (m) => captured.push(m) }),
      startOracle(["--enable-module-command", "yes", "--logfile", logfile])
    ])
    ours = await RawConnection.connect(server.port)
    theirs = await RawConnection.connect(oracle.port)
  })
  afterAll(async () => {
    await Promise.all([ours?.close(), theirs?.close()])
    await Promise.all([server?.close(), oracle?.stop()])
  })

  it("the same lines in Redis's log and ours", async () => {
    const failing: ReadonlyArray<Command> = [
      ["MODULE", "LOAD", "/nonexistent.so"],
      ["MODULE", "LOAD", dir],
      ["MODULE", "LOAD", notExecutable],
      ["MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a"],
      ["MODULE", "LOADEX", "/nonexistent.so", "zz"]
    ]
    captured.length = 0
    for (const line of failing) {
      expect((await ours.call(...line)).raw).toBe((await theirs.call(...line)).raw)
    }
    const theirLog = messages(readFileSync(logfile, "latin1")).map((m) => m.slice(2))
    expect(captured).toEqual(theirLog.slice(-failing.length))
  })
})

/**
 * The whole command table against Redis 7.0, as a client sees it from the server `main.ts` runs (every
 * Layer, persistence included): COMMAND COUNT, COMMAND LIST and the whole COMMAND INFO reply of every
 * command, byte for byte in RESP2 and RESP3, Redis's cluster commands included (group "cluster" in its
 * COMMAND DOCS: a single node has them and answers them with "cluster support disabled"). The
 * exceptions that remain are listed here, each with its reason; anything else that differs fails.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { freePort, hasOracle, type Oracle, skipMessage, startOracle } from "../support/oracle.ts"
import { processServers } from "../support/processServer.ts"
import { RawConnection } from "../support/raw.ts"

/** Commands this server has that Redis 7.0 lacks: CLIENT SETINFO, as Redis 7.2 has it (node-redis and ioredis send it on connect). */
const NOT_IN_REDIS_7_0 = new Set(["client|setinfo"])
/** Redis 7.0 commands this server does not have: SCRIPT DEBUG (the Lua debugger, LDB, is not implemented). */
const NOT_IMPLEMENTED = new Set(["script|debug"])

const strings = (r: Reply): Array<string> => (r as ReadonlyArray<Reply>).map(String)

describe.skipIf(!hasOracle)(`the command table equals Redis 7.0's${hasOracle ? "" : ` (${skipMessage})`}`, () => {
  const fleet = processServers("command-table")
  let oracle: Oracle
  let ours: RawConnection
  let theirs: RawConnection
  /** Redis's cluster commands, top-level and subcommands, from its COMMAND DOCS. */
  const cluster = new Set<string>()
  let theirNames: Array<string> = []

  beforeAll(async () => {
    const port = await freePort()
    ;[oracle] = await Promise.all([startOracle(), fleet.start(port)])
    ours = await RawConnection.connect(port)
    theirs = await RawConnection.connect(oracle.port)
    await theirs.call("HELLO", "3")
    const docs = (await theirs.call("COMMAND", "DOCS")).value as ReadonlyMap<Reply, Reply>
    for (const [name, doc] of docs) {
      const fields = doc as ReadonlyMap<Reply, Reply>
      if (fields.get("group") !== "cluster") continue
      cluster.add(String(name))
      const subs = fields.get("subcommands") as ReadonlyMap<Reply, Reply> | undefined
      for (const sub of subs?.keys() ?? []) cluster.add(String(sub))
    }
    await theirs.call("HELLO", "2")
    theirNames = strings((await theirs.call("COMMAND", "LIST")).value).sort()
  }, 60_000)
  afterAll(async () => {
    await Promise.all([ours?.close(), theirs?.close()])
    await oracle?.stop()
  })

  it("Redis's cluster commands are the ones its docs say (asking, cluster, readonly, readwrite)", () => {
    expect([...cluster].filter((n) => !n.includes("|")).sort()).toEqual(["asking", "cluster", "readonly", "readwrite"])
  })

  it("COMMAND COUNT is Redis's", async () => {
    const [a, b] = [(await ours.call("COMMAND", "COUNT")).value, (await theirs.call("COMMAND", "COUNT")).value]
    expect(a).toBe(b)
  })

  it("the cluster commands answer as a single node's: cluster support disabled, after arity and subcommand checks, also from scripts", async () => {
    const names = [...cluster].map((n) => n.split("|"))
    const arg = fc.constantFrom("a", "0", "1", "x", "")
    const line = fc.tuple(fc.constantFrom(...names, ["cluster", "nosuch"]), fc.array(arg, { maxLength: 3 })).map(([name, args]) => [...name, ...args])
    const script = line.map((l) => ["EVAL", `return redis.pcall(${l.map((w) => JSON.stringify(w)).join(", ")})`, "0"])
    await fc.assert(
      fc.asyncProperty(fc.oneof(line, script), async (l) => {
        const [a, b] = [await ours.call(...l), await theirs.call(...l)]
        expect(a.raw.replace(/script: \w+/, "script"), l.join(" ")).toBe(b.raw.replace(/script: \w+/, "script"))
      }),
      { numRuns: 300 }
    )
  })

  it("COMMAND LIST names Redis's commands and subcommands, with the listed exceptions", async () => {
    const ourNames = strings((await ours.call("COMMAND", "LIST")).value).sort()
    expect(ourNames.filter((n) => !NOT_IN_REDIS_7_0.has(n))).toEqual(theirNames.filter((n) => !NOT_IMPLEMENTED.has(n)))
    for (const n of NOT_IN_REDIS_7_0) expect(ourNames).toContain(n)
  })

  it("COMMAND GETKEYSANDFLAGS gives Redis's keys and flags (from its key specs or key functions) for random lines of every command with keys", async () => {
    const info = (await theirs.call("COMMAND", "INFO")).value as ReadonlyArray<ReadonlyArray<Reply>>
    const keyed = info.filter((e) => (e[8] as ReadonlyArray<Reply>).length > 0).map((e) => String(e[0]))
    expect(keyed.length).toBeGreaterThan(150)
    const arg = fc.constantFrom("a", "b", "1", "2", "0", "-1", "GET", "SET", "STORE", "KEYS", "STREAMS", "BY", "x", "COUNT", "EX")
    const line = fc.tuple(fc.constantFrom(...keyed), fc.array(arg, { maxLength: 7 })).map(([name, args]) => ["COMMAND", "GETKEYSANDFLAGS", name, ...args])
    await fc.assert(
      fc.asyncProperty(line, async (l) => {
        const [a, b] = [await ours.call(...l), await theirs.call(...l)]
        expect(a.raw, l.join(" ")).toBe(b.raw)
      }),
      { numRuns: 400 }
    )
  })

  it("COMMAND GETKEYSANDFLAGS of the commands whose flags depend on their arguments, or whose specs are incomplete", async () => {
    const lines: ReadonlyArray<ReadonlyArray<string>> = [
      ["set", "k", "v"], ["set", "k", "v", "GET"], ["set", "k", "v", "EX", "10", "get"],
      ["bitfield", "k", "GET", "u8", "0"], ["bitfield", "k", "SET", "u8", "0", "1"], ["bitfield", "k", "OVERFLOW", "SAT", "GET", "u8", "0"], ["bitfield", "k", "bogus"],
      ["sort", "k"], ["sort", "k", "BY", "w*", "GET", "o*", "STORE", "d"], ["sort_ro", "k", "BY", "w*"],
      ["migrate", "h", "1", "k", "0", "1"], ["migrate", "h", "1", "", "0", "1", "KEYS", "a", "b"], ["migrate", "h", "1", "", "0", "1", "KEYS"],
      ["eval", "s", "2", "a", "b", "c"], ["fcall", "f", "1", "a"], ["xread", "STREAMS", "a", "b", "0", "0"],
      ["georadius", "k", "0", "0", "1", "km", "STORE", "d", "STOREDIST", "e"], ["lmpop", "2", "a", "b", "LEFT"], ["zunionstore", "d", "2", "a", "b"],
      ["lmove", "a", "b", "LEFT", "RIGHT"], ["getdel", "k"], ["getex", "k"], ["object", "encoding", "k"], ["memory", "usage", "k"], ["xgroup", "create", "k", "g", "$"]
    ]
    for (const l of lines) {
      const command = ["COMMAND", "GETKEYSANDFLAGS", ...l]
      const [a, b] = [await ours.call(...command), await theirs.call(...command)]
      expect(a.raw, l.join(" ")).toBe(b.raw)
    }
  })

  it("COMMAND INFO of every command and subcommand is byte-identical in RESP2 and RESP3 (a container's subcommands in any order)", async () => {
    // Redis lists a container's subcommands in its dict's order, which its random hash seed changes
    // from one run to the next: a container is compared without them, and each subcommand on its own
    const problems: Array<string> = []
    const containers = new Set(theirNames.filter((n) => n.includes("|")).map((n) => n.split("|")[0]!))
    const exact = theirNames.filter((n) => !containers.has(n) && !NOT_IMPLEMENTED.has(n))
    for (const protocol of ["2", "3"]) {
      await Promise.all([ours.call("HELLO", protocol), theirs.call("HELLO", protocol)])
      const [a, b] = await Promise.all([ours.call("COMMAND", "INFO", ...exact), theirs.call("COMMAND", "INFO", ...exact)])
      if (a.raw !== b.raw) {
        for (const name of exact) {
          const [x, y] = await Promise.all([ours.call("COMMAND", "INFO", name), theirs.call("COMMAND", "INFO", name)])
          if (x.raw !== y.raw) problems.push(`RESP${protocol} ${name}:\n  ours  ${JSON.stringify(x.raw)}\n  redis ${JSON.stringify(y.raw)}`)
        }
      }
      for (const container of containers) {
        const [x, y] = await Promise.all([ours.call("COMMAND", "INFO", container), theirs.call("COMMAND", "INFO", container)])
        const [mine, redis] = [(x.value as ReadonlyArray<ReadonlyArray<Reply>>)[0]!, (y.value as ReadonlyArray<ReadonlyArray<Reply>>)[0]!]
        if (JSON.stringify(mine.slice(0, 9), replacer) !== JSON.stringify(redis.slice(0, 9), replacer)) problems.push(`RESP${protocol} ${container}: entry differs`)
        const subNames = (entry: ReadonlyArray<Reply>) => (entry[9] as ReadonlyArray<ReadonlyArray<Reply>>).map((sub) => String(sub[0])).sort()
        const ourSubs = subNames(mine).filter((n) => !NOT_IN_REDIS_7_0.has(n))
        const theirSubs = subNames(redis).filter((n) => !NOT_IMPLEMENTED.has(n))
        if (JSON.stringify(ourSubs) !== JSON.stringify(theirSubs)) problems.push(`RESP${protocol} ${container}: subcommands ${ourSubs} / ${theirSubs}`)
      }
    }
    await Promise.all([ours.call("HELLO", "2"), theirs.call("HELLO", "2")])
    expect(problems).toEqual([])
  })
})

/** Maps and sets as arrays for JSON (RESP3). */
const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Map ? [...value] : value instanceof Set ? [...value] : value

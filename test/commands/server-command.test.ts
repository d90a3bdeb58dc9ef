/**
 * COMMAND and its subcommands: errors and deterministic replies against real Redis (RESP2 and RESP3),
 * GETKEYS on random command lines, LIST filters on random patterns, and examples of what is this
 * server's own (its table's size, derived key specs, DOCS without arguments).
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { coreCommandTable } from "../../src/layers.ts"
import type { Reply } from "../../src/resp/ReplyParser.ts"
import { anyCase } from "../support/arbitraries.ts"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize } from "../support/differential.ts"

/** Every full command name of the table ("get", "client|list", ...), lower case. */
const tableNames = coreCommandTable.flatMap((c) => [c.name, ...(c.subcommands ?? []).map((s) => `${c.name}|${s.name}`)])

/** Redis 7.2's CLIENT SETINFO is implemented here; real 7.0 does not have it. */
const NOT_IN_REDIS_7_0 = new Set(["client|setinfo"])

/** The names real Redis 7.0 must know too. */
const ourNames = new Set(tableNames.filter((n) => !NOT_IN_REDIS_7_0.has(n)))

const errorsAndDeterministicReplies: ReadonlyArray<Command> = [
  ["COMMAND", "GETKEYS"],
  ["COMMAND", "GETKEYS", "get"],
  ["COMMAND", "GETKEYS", "nosuch", "a"],
  ["COMMAND", "GETKEYS", "get", "a", "b"],
  ["COMMAND", "GETKEYS", "ping", "x"],
  ["COMMAND", "GETKEYS", "echo", "x"],
  ["COMMAND", "GETKEYS", "get", "a"],
  ["COMMAND", "GETKEYS", "GET", "a"],
  ["COMMAND", "GETKEYS", "set", "k", "v", "EX", "10"],
  ["COMMAND", "GETKEYS", "del", "a", "b", "c"],
  ["COMMAND", "GETKEYS", "DEL", "a"],
  ["COMMAND", "GETKEYS", "set", "k"],
  ["COMMAND", "GETKEYS", "memory", "usage", "k"],
  ["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k", "SAMPLES", "5"],
  ["COMMAND", "GETKEYS", "memory", "nosuch", "k"],
  ["COMMAND", "GETKEYS", "memory|usage", "k"],
  ["COMMAND", "GETKEYS", "client", "list"],
  ["COMMAND", "GETKEYS", "client", "kill", "1.2.3.4:5"],
  ["COMMAND", "GETKEYSANDFLAGS"],
  ["COMMAND", "GETKEYSANDFLAGS", "nosuch", "a"],
  ["COMMAND", "GETKEYSANDFLAGS", "info", "all"],
  ["COMMAND", "GETKEYSANDFLAGS", "get", "a", "b"],
  ["COMMAND", "COUNT", "x"],
  ["COMMAND", "HELP"],
  ["command", "help"],
  ["COMMAND", "HELP", "x"],
  ["COMMAND", "NOSUCH"],
  ["COMMAND", "INFO", "nosuch"],
  ["COMMAND", "INFO", ""],
  ["COMMAND", "INFO", "get|x"],
  ["COMMAND", "INFO", "client|nosuch"],
  ["COMMAND", "INFO", "client|list|x"],
  ["COMMAND", "INFO", "|"],
  ["COMMAND", "INFO", "time", "nosuch", "TIME", "Client|Id"],
  ["COMMAND", "DOCS", "nosuch"],
  ["COMMAND", "DOCS", "nosuch", "client|nosuch", "x|y|z"],
  ["COMMAND", "LIST", "x"],
  ["COMMAND", "LIST", "FILTERBY"],
  ["COMMAND", "LIST", "FILTERBY", "pattern"],
  ["COMMAND", "LIST", "FILTERBY", "bad", "x"],
  ["COMMAND", "LIST", "FILTERBY", "pattern", "x", "y"],
  ["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
  ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
  ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "@read"],
  ["COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*"],
  ["COMMAND", "LIST", "filterby", "pattern", "time"],
  ["COMMAND", "LIST", "FILTERBY", "PATTERN", "TIM?"],
  ["COMMAND", "LIST", "FILTERBY", "PATTERN", "client|i[d]"]
]

const names = (r: Reply): ReadonlyArray<string> => (r as ReadonlyArray<string>).map(String).sort()

describeDifferential("COMMAND", (servers) => {
  it("errors and deterministic replies match Redis in RESP2", () => checkCommands(servers(), errorsAndDeterministicReplies))

  it("errors and deterministic replies match Redis in RESP3", () =>
    checkCommands(servers(), [["HELLO", "3"], ...errorsAndDeterministicReplies]))

  it("COMMAND LIST FILTERBY PATTERN and ACLCAT give Redis's names, restricted to the commands of this table", async () => {
    const { ours, theirs } = servers()
    const pattern = fc.oneof(
      fc.constantFrom("*", "*|*", "client*", "c*", "*e*", "[a-m]*", "*get*", "?et", "s??", "*|help", "CLIENT|*"),
      fc.stringMatching(/^[a-z*?|[\]^-]{1,6}$/)
    )
    const filter = fc.oneof(
      pattern.map((p) => ["PATTERN", p] as const),
      fc.constantFrom("keyspace", "read", "write", "string", "list", "hash", "set", "sortedset", "stream", "geo", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "pubsub", "bitmap", "Read", "SLOW").map((c) => ["ACLCAT", c] as const)
    )
    await fc.assert(
      fc.asyncProperty(filter, async ([type, arg]) => {
        const command = ["COMMAND", "LIST", "FILTERBY", type, arg]
        const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)])
        expect(names(a.value).filter((n) => !NOT_IN_REDIS_7_0.has(n))).toEqual(names(b.value).filter((n) => ourNames.has(n)))
      }),
      { numRuns: 150 }
    )
  })

  it("COMMAND GETKEYS finds the same keys (or the same error) as Redis for random command lines", async () => {
    // Commands whose keys sit at fixed positions (first/last/step): their key positions come from the
    // table, so they must be exactly Redis's for any argument count.
    const ranged = coreCommandTable.filter((c) => c.firstKey > 0 && c.getKeys === undefined && c.subcommands === undefined)
    const line = fc.tuple(
      fc.constantFrom(...ranged.map((c) => c.name)),
      fc.array(fc.constantFrom("a", "b", "c", "1", "EX", "STORE", "10"), { maxLength: 7 })
    ).map(([name, args]) => ["COMMAND", "GETKEYS", name, ...args])
    await checkSequences(servers(), fc.array(line, { minLength: 1, maxLength: 5 }), { numRuns: 150 })
  })

  it("COMMAND GETKEYS of XREAD/XREADGROUP: the key spec, and Redis's own parser where the spec is out of bounds", () =>
    checkCommands(servers(), [
      ["COMMAND", "GETKEYS", "xreadgroup", "STREAMS", "a", "a", "a", "a", "STREAMS", "a"],
      ["COMMAND", "GETKEYS", "xreadgroup", "STREAMS", "a", "a", "a", "a", "b", "c"],
      ["COMMAND", "GETKEYS", "xreadgroup", "GROUP", "g", "c", "STREAMS", "a", "b", "1", "2"],
      ["COMMAND", "GETKEYS", "xreadgroup", "x", "y", "z", "w", "STREAMS", "a"],
      ["COMMAND", "GETKEYS", "xreadgroup", "STREAMS", "a", "b", "c", "STREAMS", "d", "e"],
      ["COMMAND", "GETKEYS", "xreadgroup", "GROUP", "g", "c", "noack", "block", "1", "STREAMS", "x", "y", "z", "STREAMS", "q"],
      ["COMMAND", "GETKEYS", "xreadgroup", "GROUP", "g", "c", "x", "STREAMS", "x", "y", "z", "STREAMS", "q"],
      ["COMMAND", "GETKEYS", "xread", "count", "1", "STREAMS", "streams", "a", "1", "STREAMS", "b"],
      ["COMMAND", "GETKEYS", "xread", "STREAMS", "a", "b", "STREAMS", "c"]
    ]))

  it("COMMAND GETKEYS of commands whose keys a function finds matches Redis", async () => {
    const movable = coreCommandTable.filter((c) => c.getKeys !== undefined)
    if (movable.length === 0) return
    const arg = fc.constantFrom("a", "b", "0", "1", "2", "3", "-1", "STORE", "BY", "GET", "STREAMS", "COUNT", "KEYS", "x")
    const line = fc.tuple(fc.constantFrom(...movable.map((c) => c.name)), fc.array(arg, { maxLength: 8 }))
      .map(([name, args]) => ["COMMAND", "GETKEYS", name, ...args])
    await checkSequences(servers(), fc.array(line, { minLength: 1, maxLength: 5 }), { numRuns: 150 })
  })

  /** COMMAND INFO without element 9 (key specs are derived here) and with subcommands as a set of names. */
  const infoWithoutKeySpecs: Normalize = (command, reply) => {
    if (command[0] !== "COMMAND") return reply.raw
    const strip = (entry: Reply): unknown => {
      if (entry === null || !Array.isArray(entry)) return entry
      const [name, arity, flags, first, last, step, acl, tips, _specs, subs] = entry as ReadonlyArray<Reply>
      const subNames = [...(subs as ReadonlyArray<ReadonlyArray<Reply>>)].map((s) => String(s[0]))
      return [name, arity, [...(flags as Iterable<Reply>)], first, last, step, [...(acl as Iterable<Reply>)], [...(tips as Iterable<Reply>)], subNames.filter((n) => ourNames.has(n)).sort()]
    }
    return (reply.value as ReadonlyArray<Reply>).map(strip)
  }

  it("COMMAND INFO of every command of the table matches Redis except the key specs, in RESP2 and RESP3", async () => {
    const every = [...ourNames]
    for (const protocol of ["2", "3"]) {
      await checkSequences(servers(), fc.constant([["COMMAND", "INFO", ...every]]), {
        numRuns: 1,
        setup: [["HELLO", protocol]],
        normalize: infoWithoutKeySpecs
      })
    }
  })
})

describeDifferential("COMMAND: what is this server's own", (servers) => {
  const topLevel = coreCommandTable.length

  it("COMMAND, COMMAND INFO and COMMAND COUNT cover the whole table once; COMMAND LIST adds the subcommands", async () => {
    const { ours } = servers()
    const [all, info, count, list] = await ours.pipeline([["COMMAND"], ["COMMAND", "INFO"], ["COMMAND", "COUNT"], ["COMMAND", "LIST"]])
    expect(count!.value).toBe(topLevel)
    const allNames = (all!.value as ReadonlyArray<ReadonlyArray<Reply>>).map((e) => String(e[0]))
    expect(allNames.sort()).toEqual(coreCommandTable.map((c) => c.name).sort())
    expect(info!.raw).toBe(all!.raw)
    expect(names(list!.value)).toEqual([...tableNames].sort())
    // containers come first, their subcommands right after them
    const listed = list!.value as ReadonlyArray<string>
    expect(listed.indexOf("client") + 1).toBe(listed.findIndex((n) => n.startsWith("client|")))
  })

  it("key specs are Redis 7.0's own (flags, begin search, find keys, notes), from the table's data", async () => {
    const { ours } = servers()
    const [get, del, time] = (await ours.call("COMMAND", "INFO", "get", "del", "time")).value as ReadonlyArray<ReadonlyArray<Reply>>
    expect(get![8]).toEqual([["flags", ["RO", "access"], "begin_search", ["type", "index", "spec", ["index", 1]], "find_keys", ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]]]])
    expect(del![8]).toEqual([["flags", ["RM", "delete"], "begin_search", ["type", "index", "spec", ["index", 1]], "find_keys", ["type", "range", "spec", ["lastkey", -1, "keystep", 1, "limit", 0]]]])
    expect(time![8]).toEqual([])
    const memory = ((await ours.call("COMMAND", "INFO", "memory|usage")).value as ReadonlyArray<ReadonlyArray<Reply>>)[0]!
    expect(memory[8]).toEqual([["flags", ["RO"], "begin_search", ["type", "index", "spec", ["index", 2]], "find_keys", ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]]]])
    const sort = ((await ours.call("COMMAND", "INFO", "sort")).value as ReadonlyArray<ReadonlyArray<Reply>>)[0]!
    expect((sort[8] as ReadonlyArray<ReadonlyArray<Reply>>)[1]!.slice(0, 2)).toEqual([
      "notes",
      "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"
    ])
  })

  it("COMMAND GETKEYSANDFLAGS gives each key with Redis's flags (its key specs, or its key function's)", async () => {
    const { ours } = servers()
    expect((await ours.call("COMMAND", "GETKEYSANDFLAGS", "del", "a", "b")).value).toEqual([["a", ["RM", "delete"]], ["b", ["RM", "delete"]]])
    expect((await ours.call("COMMAND", "GETKEYSANDFLAGS", "get", "k")).value).toEqual([["k", ["RO", "access"]]])
    expect((await ours.call("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "GET")).value).toEqual([["k", ["RW", "access", "update"]]])
    const [, resp3] = await ours.pipeline([["HELLO", "3"], ["COMMAND", "GETKEYSANDFLAGS", "get", "k"]])
    expect(resp3!.raw).toBe("*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n")
    await ours.call("HELLO", "2")
  })

  it("COMMAND DOCS gives summary, since, group, complexity and subcommands, in RESP2 and RESP3", async () => {
    const { ours, theirs } = servers()
    const docsOf = async (conn: typeof ours, name: string) => {
      const value = (await conn.call("COMMAND", "DOCS", name)).value as ReadonlyArray<Reply>
      const fields = value[1] as ReadonlyArray<Reply>
      const out = new Map<string, Reply>()
      for (let i = 0; i < fields.length; i += 2) out.set(String(fields[i]), fields[i + 1]!)
      return out
    }
    for (const name of ["time", "memory|usage", "client|list"]) {
      const [a, b] = await Promise.all([docsOf(ours, name), docsOf(theirs, name)])
      expect([...a.keys()]).toEqual(["summary", "since", "group", "complexity"])
      for (const [k, v] of a) expect(v, `${name} ${k}`).toEqual(b.get(k))
    }
    const memory = await docsOf(ours, "memory")
    const subs = memory.get("subcommands") as ReadonlyArray<Reply>
    expect(subs.filter((_, i) => i % 2 === 0).map(String).sort()).toEqual(
      ["memory|doctor", "memory|help", "memory|malloc-stats", "memory|purge", "memory|stats", "memory|usage"]
    )
    const [, resp3] = await ours.pipeline([["HELLO", "3"], ["COMMAND", "DOCS", "time", "nosuch", "time"]])
    expect(resp3!.raw).toBe(
      "%2\r\n$4\r\ntime\r\n%4\r\n$7\r\nsummary\r\n$30\r\nReturn the current server time\r\n$5\r\nsince\r\n$5\r\n2.6.0\r\n" +
        "$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n" +
        "$4\r\ntime\r\n%4\r\n$7\r\nsummary\r\n$30\r\nReturn the current server time\r\n$5\r\nsince\r\n$5\r\n2.6.0\r\n" +
        "$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
    )
    await ours.call("HELLO", "2")
  })

  it("COMMAND DOCS without names documents every command once", async () => {
    const { ours } = servers()
    const value = (await ours.call("COMMAND", "DOCS")).value as ReadonlyArray<Reply>
    expect(value.filter((_, i) => i % 2 === 0).map(String).sort()).toEqual(coreCommandTable.map((c) => c.name).sort())
  })

  it("subcommand names, command names and options are case-insensitive", async () => {
    const { ours } = servers()
    for (const count of fc.sample(anyCase("count"), 3)) {
      expect((await ours.call("COMMAND", count)).value).toBe(topLevel)
    }
    const reference = (await ours.call("COMMAND", "INFO", "time")).raw
    expect((await ours.call("command", "iNfO", "TiMe")).raw).toBe(reference)
    expect((await ours.call("Command", "List", "FilterBy", "Pattern", "TIME")).value).toEqual(["time"])
  })
})

/**
 * CLIENT: errors and deterministic replies against real Redis (RESP2 and RESP3), CLIENT LIST/INFO
 * field names and order, KILL/REPLY/NO-EVICT/UNBLOCK with several real connections on both servers,
 * and a model-based property test of the per-connection state CLIENT reports (name, database, flags).
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { ReplyError } from "../../src/resp/ReplyParser.ts"
import { anyCase } from "../support/arbitraries.ts"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize } from "../support/differential.ts"
import { embeddedRedis } from "../support/embedded.ts"
import { encode, RawConnection } from "../support/raw.ts"

/** CLIENT LIST / CLIENT INFO lines as ordered [field, value] pairs. */
const parseClientLines = (text: string): ReadonlyArray<ReadonlyArray<readonly [string, string]>> =>
  text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) =>
      line.split(" ").map((pair) => {
        const eq = pair.indexOf("=")
        return [pair.slice(0, eq), pair.slice(eq + 1)] as const
      })
    )

const fieldsOf = (text: string): Map<string, string> => new Map(parseClientLines(text)[0])

const errorsAndDeterministicReplies: ReadonlyArray<Command> = [
  ["CLIENT"],
  ["CLIENT", "NOSUCH"],
  ["CLIENT", "HELP", "x"],
  ["CLIENT", "ID", "x"],
  ["CLIENT", "INFO", "x"],
  ["CLIENT", "GETNAME"],
  ["CLIENT", "GETNAME", "x"],
  ["CLIENT", "SETNAME"],
  ["CLIENT", "SETNAME", "a", "b"],
  ["CLIENT", "SETNAME", "a b"],
  ["CLIENT", "SETNAME", "a\nb"],
  ["CLIENT", "SETNAME", "caf\u00e9"],
  ["CLIENT", "SETNAME", "\u007f"],
  ["CLIENT", "SETNAME", "ok-name_1!~"],
  ["CLIENT", "GETNAME"],
  ["client", "setname", ""],
  ["CLIENT", "GETNAME"],
  ["CLIENT", "LIST", "TYPE", "bad"],
  ["CLIENT", "LIST", "TYPE"],
  ["CLIENT", "LIST", "TYPE", "normal", "x"],
  ["CLIENT", "LIST", "TYPE", "pubsub"],
  ["CLIENT", "LIST", "TYPE", "master"],
  ["CLIENT", "LIST", "TYPE", "REPLICA"],
  ["CLIENT", "LIST", "type", "slave"],
  ["CLIENT", "LIST", "ID"],
  ["CLIENT", "LIST", "ID", "x"],
  ["CLIENT", "LIST", "ID", "99999", "x"],
  ["CLIENT", "LIST", "ID", "99999", "100000"],
  ["CLIENT", "LIST", "ID", "-1", "0"],
  ["CLIENT", "LIST", "x"],
  ["CLIENT", "LIST", "x", "y"],
  ["CLIENT", "KILL"],
  ["CLIENT", "KILL", "1.2.3.4:5"],
  ["CLIENT", "KILL", "ID"],
  ["CLIENT", "KILL", "ID", "x"],
  ["CLIENT", "KILL", "ID", "0"],
  ["CLIENT", "KILL", "ID", "-5"],
  ["CLIENT", "KILL", "ID", "99999"],
  ["CLIENT", "KILL", "ID", "99999", "TYPE"],
  ["CLIENT", "KILL", "TYPE", "bad"],
  ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "maybe"],
  ["CLIENT", "KILL", "USER", "nosuch"],
  ["CLIENT", "KILL", "USER", "default", "ID", "99999"],
  ["CLIENT", "KILL", "ADDR", "1.2.3.4:5"],
  ["CLIENT", "KILL", "LADDR", "1.2.3.4:5"],
  ["CLIENT", "KILL", "MAXAGE", "5"],
  ["CLIENT", "KILL", "bogus", "5"],
  ["CLIENT", "KILL", "a", "b", "c"],
  ["CLIENT", "KILL", "TYPE", "pubsub"],
  ["CLIENT", "KILL", "TYPE", "master"],
  ["CLIENT", "KILL", "TYPE", "replica", "SKIPME", "no"],
  ["CLIENT", "NO-EVICT"],
  ["CLIENT", "NO-EVICT", "maybe"],
  ["CLIENT", "NO-EVICT", "on"],
  ["CLIENT", "NO-EVICT", "OFF"],
  ["CLIENT", "NO-EVICT", "on", "x"],
  ["CLIENT", "REPLY"],
  ["CLIENT", "REPLY", "maybe"],
  ["CLIENT", "REPLY", "on"],
  ["CLIENT", "REPLY", "ON", "x"],
  ["CLIENT", "UNBLOCK"],
  ["CLIENT", "UNBLOCK", "x"],
  ["CLIENT", "UNBLOCK", "99999"],
  ["CLIENT", "UNBLOCK", "1", "bad"],
  ["CLIENT", "UNBLOCK", "1", "timeout", "x"],
  ["CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"],
  ["CLIENT", "UNBLOCK", "-1"],
  ["CLIENT", "UNBLOCK", "0", "Error"],
  ["CLIENT", "UNBLOCK", "x", "bad"],
  ["CLIENT", "UNBLOCK", "x", "timeout"]
]

/** The CLIENT INFO fields whose values are deterministic for a connection (no sizes, times, ids). */
const STATE_FIELDS = ["name", "db", "flags", "sub", "psub", "ssub", "multi", "cmd", "user", "redir", "resp"]

/** CLIENT INFO compared on its deterministic fields; HELLO on everything but the connection id. */
const clientState: Normalize = (command, reply) => {
  const name = command[0]!.toLowerCase()
  if (name === "hello" && reply.value instanceof Map) return [...reply.value].filter(([k]) => k !== "id")
  if (name === "hello" && Array.isArray(reply.value)) return reply.value.filter((_, i, all) => all[i - 1] !== "id" && all[i] !== "id")
  if (name === "client" && command[1]?.toLowerCase() === "info" && typeof reply.value === "string") {
    const fields = fieldsOf(reply.value)
    return STATE_FIELDS.map((f) => [f, fields.get(f)])
  }
  return reply.raw
}

/** Sends `commands` then an ECHO marker and collects every reply up to the marker (CLIENT REPLY OFF/SKIP). */
const repliesUntilMarker = async (conn: RawConnection, commands: ReadonlyArray<Command>): Promise<ReadonlyArray<string>> => {
  const marker = `end-${Math.random().toString(36).slice(2)}`
  conn.write(Buffer.concat([...commands, ["CLIENT", "REPLY", "ON"], ["ECHO", marker]].map(encode)))
  const out: Array<string> = []
  for (;;) {
    const [reply] = await conn.read(1)
    if (reply!.value === marker) return out
    out.push(reply!.raw)
  }
}

const idOf = async (conn: RawConnection): Promise<number> => (await conn.call("CLIENT", "ID")).value as number

describeDifferential("CLIENT", (servers) => {
  it("errors and deterministic replies match Redis in RESP2", () => checkCommands(servers(), errorsAndDeterministicReplies))

  it("errors and deterministic replies match Redis in RESP3", () =>
    checkCommands(servers(), [["HELLO", "3"], ...errorsAndDeterministicReplies], clientState))

  it("CLIENT LIST and CLIENT INFO have Redis 7.0's fields in Redis's order, one line per client ending in \\n", async () => {
    const { ours, theirs } = servers()
    for (const command of [["CLIENT", "INFO"], ["CLIENT", "LIST"], ["CLIENT", "LIST", "TYPE", "normal"]]) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)])
      const [textA, textB] = [a.value as string, b.value as string]
      expect(textA.endsWith("\n")).toBe(true)
      expect(textB.endsWith("\n")).toBe(true)
      const namesA = parseClientLines(textA).map((line) => line.map(([k]) => k))
      const namesB = parseClientLines(textB).map((line) => line.map(([k]) => k))
      expect(namesA).toEqual(namesB)
    }
    // RESP3: a verbatim string
    const [, a3] = await ours.pipeline([["HELLO", "3"], ["CLIENT", "INFO"]])
    expect(a3!.raw.startsWith("=")).toBe(true)
    expect(a3!.raw.slice(a3!.raw.indexOf("\r\n") + 2, a3!.raw.indexOf("\r\n") + 6)).toBe("txt:")
    await ours.call("HELLO", "2")
  })

  it("random SETNAME/GETNAME/NO-EVICT/SELECT/WATCH sequences leave the same CLIENT INFO state, RESP2 and RESP3", async () => {
    const name = fc.constantFrom("", "a", "conn-1", "x y", "caf\u00e9", "UPPER", "!~")
    const op: fc.Arbitrary<Command> = fc.oneof(
      fc.tuple(anyCase("setname"), name).map(([s, n]) => ["CLIENT", s, n]),
      fc.constant(["CLIENT", "GETNAME"]),
      fc.tuple(anyCase("no-evict"), fc.constantFrom("on", "off", "ON", "x")).map(([s, m]) => ["CLIENT", s, m]),
      fc.constantFrom("0", "1", "15", "16").map((db) => ["SELECT", db]),
      fc.constantFrom("k1", "k2").map((k) => ["WATCH", k]),
      fc.constant(["UNWATCH"]),
      fc.constantFrom("k1", "k2").map((k) => ["SET", k, "v"]),
      fc.constant(["CLIENT", "INFO"]),
      fc.constant(["RESET"])
    )
    const sequence = fc.array(op, { maxLength: 15 }).map((ops) => [...ops, ["CLIENT", "INFO"]])
    // each run starts with RESET, which does not clear NO-EVICT in Redis 7.0: clear it explicitly
    for (const setup of [[["CLIENT", "NO-EVICT", "off"]], [["CLIENT", "NO-EVICT", "off"], ["HELLO", "3"]]] as ReadonlyArray<ReadonlyArray<Command>>) {
      await checkSequences(servers(), sequence, { numRuns: 100, setup, normalize: clientState })
    }
  })

  // Redis 7.0's RESET keeps CLIENT NO-EVICT (7.2 clears it).
  it("RESET keeps CLIENT NO-EVICT, as in Redis 7.0", () =>
    checkCommands(servers(), [["CLIENT", "NO-EVICT", "on"], ["RESET"], ["CLIENT", "INFO"], ["CLIENT", "NO-EVICT", "off"]], clientState))

  it("CLIENT REPLY ON/OFF/SKIP drop the same replies as Redis", async () => {
    const { server, oracle } = servers()
    const [a, b] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
    const op: fc.Arbitrary<Command> = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(anyCase("reply"), fc.constantFrom("on", "off", "skip", "OFF", "Skip", "bad")).map(([r, m]) => ["CLIENT", r, m]) },
      fc.constant(["PING"]),
      fc.constantFrom("a", "b").map((m) => ["ECHO", m]),
      fc.constant(["SET", "k", "v"]),
      fc.constant(["GET", "k"]),
      fc.constant(["GET"]),
      fc.constant(["NOSUCH"]),
      fc.constant(["CLIENT", "GETNAME"])
    )
    try {
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.array(op, { maxLength: 12 }), async (resp3, ops) => {
          const commands: ReadonlyArray<Command> = [["HELLO", resp3 ? "3" : "2"], ...ops]
          const [ra, rb] = await Promise.all([repliesUntilMarker(a, commands), repliesUntilMarker(b, commands)])
          expect(ra.slice(1)).toEqual(rb.slice(1))
        }),
        { numRuns: 150 }
      )
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it("CLIENT KILL ID and ADDR close that connection at once; the old ip:port form answers OK or No such client", async () => {
    for (const which of ["id", "addr", "old"] as const) {
      const s = servers()
      const results: Array<ReadonlyArray<string>> = []
      for (const [killer, port] of [[s.ours, s.server.port], [s.theirs, s.oracle.port]] as const) {
        const victim = await RawConnection.connect(port)
        const id = await idOf(victim)
        const addr = fieldsOf((await victim.call("CLIENT", "INFO")).value as string).get("addr")!
        const kill = which === "id" ? ["CLIENT", "KILL", "ID", String(id)] : which === "addr" ? ["CLIENT", "KILL", "ADDR", addr] : ["CLIENT", "KILL", addr]
        const replies = await killer.pipeline([kill, ["CLIENT", "LIST", "ID", String(id)], kill])
        await victim.readUntilClose()
        results.push(replies.map((r) => r.raw))
      }
      expect(results[0]).toEqual(results[1])
      expect(results[0]![1]).toBe("$0\r\n\r\n")
    }
  })

  it("CLIENT NO-EVICT shows as flag e; CLIENT SETNAME as name=; MULTI as flag x and multi=<queued>", async () => {
    const port = servers().server.port
    const [conn, observer] = await Promise.all([RawConnection.connect(port), RawConnection.connect(port)])
    try {
      await conn.call("CLIENT", "NO-EVICT", "on")
      await conn.call("CLIENT", "SETNAME", "worker")
      let fields = fieldsOf((await conn.call("CLIENT", "INFO")).value as string)
      expect(fields.get("flags")).toBe("e")
      expect(fields.get("name")).toBe("worker")
      await conn.call("CLIENT", "NO-EVICT", "off")
      await conn.pipeline([["MULTI"], ["PING"], ["CLIENT", "ID"]])
      const worker = parseClientLines((await observer.call("CLIENT", "LIST")).value as string)
        .map((line) => new Map(line))
        .find((f) => f.get("name") === "worker")!
      expect(worker.get("flags")).toBe("x")
      expect(worker.get("multi")).toBe("2")
      expect(worker.get("cmd")).toBe("multi")
      await conn.call("DISCARD")
      fields = fieldsOf((await conn.call("CLIENT", "INFO")).value as string)
      expect(fields.get("flags")).toBe("N")
      expect(fields.get("multi")).toBe("-1")
    } finally {
      await Promise.all([conn.close(), observer.close()])
    }
  })

  it("CLIENT UNBLOCK answers a blocked BLPOP with its timeout reply or the UNBLOCKED error, like Redis", async () => {
    const s = servers()
    for (const reason of [[], ["TIMEOUT"], ["ERROR"], ["error"]]) {
      const results: Array<ReadonlyArray<unknown>> = []
      for (const [admin, port] of [[s.ours, s.server.port], [s.theirs, s.oracle.port]] as const) {
        const blocked = await RawConnection.connect(port)
        const id = String(await idOf(blocked))
        blocked.write(encode(["BLPOP", "unblock-list", "0"]))
        // wait until the server has it blocked
        let info = ""
        for (let i = 0; i < 100 && !info.includes("flags=b"); i++) {
          info = (await admin.call("CLIENT", "LIST", "ID", id)).value as string
        }
        const fields = fieldsOf(info)
        const before = await admin.call("INFO", "clients")
        const first = await admin.call("CLIENT", "UNBLOCK", id, ...reason)
        const [reply] = await blocked.read(1)
        const second = await admin.call("CLIENT", "UNBLOCK", id, ...reason)
        const after = fieldsOf((await admin.call("CLIENT", "LIST", "ID", id)).value as string)
        results.push([
          fields.get("flags"),
          fields.get("cmd"),
          (before.value as string).includes("blocked_clients:1\r\n"),
          first.raw,
          reply!.raw,
          second.raw,
          after.get("flags"),
          after.get("cmd")
        ])
        await blocked.close()
      }
      expect(results[0]).toEqual(results[1])
      expect(results[0]![3]).toBe(":1\r\n")
    }
  })
})

// Kills the suite's own connections too, so it has servers of its own.
describeDifferential("CLIENT KILL filters", (servers) => {
  it("CLIENT KILL filters combine: TYPE, LADDR, USER, SKIPME; the caller is closed after its reply with SKIPME no", async () => {
    const s = servers()
    const outcome = async (port: number): Promise<ReadonlyArray<unknown>> => {
      const [killer, v1, v2] = await Promise.all([0, 1, 2].map(() => RawConnection.connect(port)))
      const laddr = fieldsOf((await v1!.call("CLIENT", "INFO")).value as string).get("laddr")!
      const v2id = await idOf(v2!)
      const r1 = await killer!.call("CLIENT", "KILL", "LADDR", laddr, "ID", String(v2id), "TYPE", "normal", "USER", "default")
      await v2!.readUntilClose()
      const r2 = await killer!.call("CLIENT", "KILL", "LADDR", laddr, "TYPE", "normal")
      await v1!.readUntilClose()
      killer!.write(encode(["CLIENT", "KILL", "USER", "default", "SKIPME", "no", "LADDR", laddr]))
      const last = await killer!.readUntilClose()
      return [r1.raw, r2.raw, last.map((r) => r.raw)]
    }
    const ours = await outcome(s.server.port)
    const theirs = await outcome(s.oracle.port)
    expect(ours[0]).toBe(":1\r\n")
    expect(theirs[0]).toBe(":1\r\n")
    // LADDR + TYPE normal kills every other client on that address: v1 and the suite's own connection
    expect(ours[1]).toBe(":2\r\n")
    expect(theirs[1]).toBe(":2\r\n")
    expect(ours[2]).toEqual([":1\r\n"])
    expect(theirs[2]).toEqual([":1\r\n"])
  })

})

describe("CLIENT (in-process)", () => {
  layer(embeddedRedis())((it) => {
    it.effect("CLIENT ID is the connection's id; CLIENT SETINFO stores LIB-NAME/LIB-VER as Redis 7.2 does", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        assert.strictEqual(yield* redis.command("CLIENT", "ID"), redis.id)
        assert.strictEqual(yield* redis.command("CLIENT", "SETINFO", "LIB-NAME", "node-redis"), "OK")
        assert.strictEqual(yield* redis.command("client", "setinfo", "lib-ver", "4.6.0"), "OK")
        const bad = yield* Effect.flip(redis.command("CLIENT", "SETINFO", "lib-name", "a b"))
        assert.strictEqual(bad.message, "ERR lib-name cannot contain spaces, newlines or special characters.")
        const unknown = yield* Effect.flip(redis.command("CLIENT", "SETINFO", "LIB-X", "a"))
        assert.strictEqual(unknown.message, "ERR Unrecognized option 'LIB-X'")
        const arity = yield* Effect.flip(redis.command("CLIENT", "SETINFO", "LIB-NAME"))
        assert.strictEqual(arity.message, "ERR wrong number of arguments for 'client|setinfo' command")
      }))

    it.effect("CLIENT HELP lists every subcommand of the table and nothing else", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const help = (yield* redis.command("CLIENT", "HELP")) as ReadonlyArray<string>
        assert.strictEqual(help[0], "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        const entries = help.filter((l) => /^[A-Z]/.test(l) && l !== help[0]).map((l) => l.split(" ")[0]!.toLowerCase())
        const subcommands = ((yield* redis.command("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*")) as ReadonlyArray<string>)
          .map((n) => n.slice("client|".length))
        assert.deepStrictEqual([...new Set(entries)].sort(), subcommands.sort())
      }))

    it.effect("the in-process connection reports its address and fd -1", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const info = fieldsOf((yield* redis.command("CLIENT", "INFO")) as string)
        assert.strictEqual(info.get("addr"), "in-process:0")
        assert.strictEqual(info.get("fd"), "-1")
        assert.strictEqual(info.get("cmd"), "client|info")
        assert.strictEqual(info.get("argv-mem"), String("client".length + "info".length))
      }))
  })
})

/** A model of what CLIENT reports about a connection, checked through the in-process client. */
interface ClientModel {
  name: string
  noEvict: boolean
  db: number
  resp: 2 | 3
}

describe("CLIENT state against a model", () => {
  layer(embeddedRedis())((it) => {
    it.effect("random SETNAME/NO-EVICT/SELECT/HELLO/RESET keep CLIENT GETNAME and CLIENT INFO as the model says", () =>
      Effect.gen(function*() {
        const runs = fc.sample(
          fc.array(
            fc.oneof(
              fc.constantFrom("", "a", "b-c", "x y", "\u00e9", "n\u0000").map((n) => ["CLIENT", "SETNAME", n]),
              fc.constantFrom("on", "off", "bad").map((m) => ["CLIENT", "NO-EVICT", m]),
              fc.constantFrom("0", "3", "15", "16", "x").map((d) => ["SELECT", d]),
              fc.constantFrom("2", "3", "4").map((p) => ["HELLO", p]),
              fc.constant(["RESET"]),
              fc.constant(["CLIENT", "GETNAME"])
            ),
            { maxLength: 20 }
          ),
          150
        )
        const redis = yield* RedisClient
        for (const run of runs) {
          yield* redis.command("RESET")
          yield* redis.command("CLIENT", "NO-EVICT", "off") // RESET keeps it
          const model: ClientModel = { name: "", noEvict: false, db: 0, resp: 2 }
          for (const command of run) {
            const result = yield* Effect.result(redis.command(...command))
            const [cmd, sub, arg] = command as [string, string, string]
            const ok = result._tag === "Success"
            if (cmd === "CLIENT" && sub === "SETNAME") {
              const valid = /^[!-~]*$/.test(arg)
              assert.strictEqual(ok, valid, `SETNAME ${JSON.stringify(arg)}`)
              if (valid) model.name = arg
            } else if (cmd === "CLIENT" && sub === "NO-EVICT") {
              assert.strictEqual(ok, arg !== "bad")
              if (arg !== "bad") model.noEvict = arg === "on"
            } else if (cmd === "SELECT") {
              const valid = ["0", "3", "15"].includes(sub)
              assert.strictEqual(ok, valid)
              if (valid) model.db = Number(sub)
            } else if (cmd === "HELLO") {
              assert.strictEqual(ok, sub !== "4")
              if (sub !== "4") model.resp = Number(sub) as 2 | 3
            } else if (cmd === "RESET") {
              // NO-EVICT survives RESET, as in Redis 7.0
              Object.assign(model, { name: "", db: 0, resp: 2 })
            } else if (ok) {
              assert.strictEqual(result.success, model.name === "" ? null : model.name)
            }
            if (!ok) assert.instanceOf(result.failure, ReplyError)
          }
          const info = fieldsOf((yield* redis.command("CLIENT", "INFO")) as string)
          assert.strictEqual(info.get("name"), model.name)
          assert.strictEqual(info.get("db"), String(model.db))
          assert.strictEqual(info.get("flags"), model.noEvict ? "e" : "N")
          assert.strictEqual(info.get("resp"), String(model.resp))
        }
      }))
  })
})

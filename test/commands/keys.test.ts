/**
 * Generic key commands against a real redis-server: every error path, random command sequences in
 * RESP2 and RESP3, full SCAN iterations compared as sets, and RANDOMKEY by its invariant.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { type Command, checkCommands, checkSequences, describeDifferential, exact, type Normalize, unordered } from "../support/differential.ts"
import type { RawConnection } from "../support/raw.ts"
import { key, keyCommand, typeName } from "../support/generators/keys.ts"

/** Replies that legitimately differ: orders of unordered results, random picks, clocks. */
const normalize: Normalize = (command, reply) => {
  const name = command[0]!.toLowerCase()
  if (name === "keys" || name === "scan") return unordered(command, reply)
  // the entry ID of XADD * comes from each server's clock
  if (name === "xadd" && typeof reply.value === "string") return "an entry id"
  // any key may come back: compare whether one did (membership is checked by its own test)
  if (name === "randomkey") return reply.value === null ? null : "a key"
  // Redis's shared integers carry the server's start time as their access time
  if (name === "object" && command[1]?.toLowerCase() === "idletime" && typeof reply.value === "number") return "idle"
  return exact(command, reply)
}

/** Pipelined SCAN calls until the cursor comes back to 0; returns every key returned. */
const fullScan = async (conn: RawConnection, options: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const seen: string[] = []
  let cursor = "0"
  for (let calls = 0; ; calls++) {
    if (calls > 10_000) throw new Error("SCAN did not finish")
    const reply = (await conn.call("SCAN", cursor, ...options)).value as [string, ReadonlyArray<string>]
    seen.push(...reply[1])
    cursor = reply[0]
    if (cursor === "0") return seen
  }
}

describeDifferential("generic key commands", (servers) => {
  it("errors and edge cases match Redis", () =>
    checkCommands(servers(), [
      ["SET", "a", "1"],
      ["SET", "", "empty"],
      ["DEL"],
      ["DEL", "a", "a", "nokey"],
      ["SET", "a", "1"],
      ["UNLINK", "a", "a", "nokey"],
      ["SET", "a", "1"],
      ["EXISTS", "a", "a", "nokey", ""],
      ["EXISTS"],
      ["TOUCH", "a", "a", "nokey"],
      ["TYPE", "a"],
      ["TYPE", "nokey"],
      ["TYPE", "a", "b"],
      ["KEYS"],
      ["KEYS", "*"],
      ["KEYS", "**"],
      ["KEYS", ""],
      ["KEYS", "a", "b"],
      ["SCAN"],
      ["SCAN", "x"],
      ["SCAN", " 0"],
      ["SCAN", "0 "],
      ["SCAN", "+0", "COUNT", "100"],
      ["SCAN", "18446744073709551616"],
      ["SCAN", "0", "COUNT"],
      ["SCAN", "0", "COUNT", "0"],
      ["SCAN", "0", "COUNT", "-1"],
      ["SCAN", "0", "COUNT", "x"],
      ["SCAN", "0", "MATCH"],
      ["SCAN", "0", "TYPE"],
      ["SCAN", "0", "FOO", "bar"],
      ["SCAN", "0", "COUNT", "100", "MATCH", "*", "TYPE", "STRING"],
      ["SCAN", "0", "COUNT", "100", "TYPE", "nosuchtype"],
      ["RENAME", "a"],
      ["RENAME", "nokey", "b"],
      ["RENAME", "nokey", "nokey"],
      ["RENAME", "a", "a"],
      ["RENAMENX", "a", "a"],
      ["RENAMENX", "nokey", "b"],
      ["SET", "b", "2"],
      ["RENAMENX", "a", "b"],
      ["RENAME", "a", "b"],
      ["GET", "b"],
      ["EXISTS", "a"],
      ["RENAMENX", "b", "c"],
      ["COPY", "c"],
      ["COPY", "c", "c"],
      ["COPY", "c", "c", "DB", "0"],
      ["COPY", "c", "d", "DB"],
      ["COPY", "c", "d", "DB", "x"],
      ["COPY", "c", "d", "DB", "16"],
      ["COPY", "c", "d", "DB", "-1"],
      ["COPY", "c", "d", "DB", "99999999999"],
      ["COPY", "c", "d", "FOO"],
      ["COPY", "c", "d", "REPLACE", "REPLACE", "DB", "1", "DB", "0"],
      ["COPY", "nokey", "d"],
      ["COPY", "nokey", "nokey"],
      ["COPY", "c", "d"],
      ["SET", "d", "other"],
      ["COPY", "c", "d"],
      ["COPY", "c", "d", "replace"],
      ["GET", "d"],
      ["COPY", "c", "c", "DB", "1"],
      ["MOVE", "c"],
      ["MOVE", "c", "0"],
      ["MOVE", "c", "16"],
      ["MOVE", "c", "-1"],
      ["MOVE", "c", "x"],
      ["MOVE", "c", "2147483648"],
      ["MOVE", "nokey", "0"],
      ["MOVE", "nokey", "1"],
      ["MOVE", "c", "1"],
      ["MOVE", "d", "1"],
      ["EXISTS", "c", "d"],
      ["SELECT", "1"],
      ["KEYS", "*"],
      ["SELECT", "0"],
      ["RANDOMKEY", "x"],
      ["FLUSHALL"],
      ["RANDOMKEY"],
      ["SET", "x", "1"],
      ["RANDOMKEY"],
      ["OBJECT"],
      ["OBJECT", "foo"],
      ["OBJECT", "encoding"],
      ["OBJECT", "encoding", "x", "y"],
      ["OBJECT", "ENCODING", "nokey"],
      ["OBJECT", "REFCOUNT", "nokey"],
      ["OBJECT", "IDLETIME", "nokey"],
      ["OBJECT", "FREQ", "nokey"],
      ["OBJECT", "FREQ", "x"],
      ["OBJECT", "HELP"],
      ["OBJECT", "help", "x"],
      ["SET", "n", "9999"],
      ["SET", "m", "10000"],
      ["SET", "neg", "-1"],
      ["SET", "z", "0"],
      ["SET", "s", "hello"],
      ["SET", "e", "x".repeat(44)],
      ["SET", "r", "x".repeat(45)],
      ["SET", "big", "-9223372036854775808"],
      ["SET", "huge", "9223372036854775808"],
      ["SET", "lz", "01"],
      ...["n", "m", "neg", "z", "s", "e", "r", "big", "huge", "lz"].flatMap((k) => [
        ["OBJECT", "ENCODING", k],
        ["OBJECT", "REFCOUNT", k]
      ]),
      ["COPY", "n", "n2"],
      ["OBJECT", "REFCOUNT", "n2"],
      ["OBJECT", "ENCODING", "n2"]
    ], normalize))

  it("errors and edge cases match Redis in RESP3", () =>
    checkCommands(servers(), [
      ["HELLO", "3"],
      ["RANDOMKEY"],
      ["OBJECT", "ENCODING", "nokey"],
      ["TYPE", "nokey"],
      ["SET", "a", "1"],
      ["TYPE", "a"],
      ["SCAN", "0"],
      ["KEYS", "*"],
      ["OBJECT", "HELP"],
      ["COPY", "a", "b"],
      ["RENAMENX", "b", "c"]
    ], normalize))

  it("random sequences of key commands behave like Redis (RESP2 and RESP3)", async () => {
    const sequences = fc.array(keyCommand, { maxLength: 30, size: "max" })
    await checkSequences(servers(), sequences, { normalize, numRuns: 200 })
    await checkSequences(servers(), sequences, { normalize, numRuns: 100, setup: [["HELLO", "3"]] })
  })

  it("a full SCAN returns the same set of keys as Redis, whatever COUNT, MATCH and TYPE", async () => {
    const { ours, theirs } = servers()
    const canPush = servers().server.engine.lookup("rpush") !== undefined
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat({ max: 400 }), { maxLength: 120 }),
        fc.record({
          count: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
          match: fc.option(fc.constantFrom("*", "key:1*", "key:?", "*5", "key:[0-3]*", "nomatch"), { nil: undefined }),
          type: fc.option(typeName, { nil: undefined })
        }),
        async (ids, { count, match, type }) => {
          const writes: Command[] = ids.map((id) =>
            canPush && id % 7 === 0
              ? ["RPUSH", `key:${id}`, "v"]
              : ["SET", `key:${id}`, "v"]
          )
          await Promise.all([ours, theirs].map((c) => c.pipeline([["RESET"], ["FLUSHALL"], ...writes])))
          const options = [
            ...(count === undefined ? [] : ["COUNT", String(count)]),
            ...(match === undefined ? [] : ["MATCH", match]),
            ...(type === undefined ? [] : ["TYPE", type])
          ]
          const [a, b] = await Promise.all([fullScan(ours, options), fullScan(theirs, options)])
          expect(new Set(a)).toEqual(new Set(b))
          // with no writes during the scan, the slot walk returns each key exactly once
          expect(a.length).toBe(new Set(a).size)
        }
      ),
      { numRuns: 60 }
    )
  })

  it("RANDOMKEY returns one of the keys, and null only for an empty database", async () => {
    const { ours } = servers()
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { maxLength: 5 }), async (keys) => {
        const replies = await ours.pipeline([["FLUSHALL"], ...keys.map((k) => ["SET", k, "v"]), ...keys.map(() => ["RANDOMKEY"])])
        const picks = replies.slice(1 + keys.length).map((r) => r.value)
        for (const pick of picks) expect(keys).toContain(pick)
        if (keys.length === 0) expect((await ours.call("RANDOMKEY")).raw).toBe("$-1\r\n")
      }),
      { numRuns: 100 }
    )
  })
})

describeDifferential("OBJECT under an LFU maxmemory policy", (servers) => {
  it("IDLETIME refuses, FREQ reports a new key's counter", () =>
    checkCommands(servers(), [
      ["SET", "s", "hello"],
      ["OBJECT", "IDLETIME", "s"],
      ["OBJECT", "IDLETIME", "nokey"],
      ["OBJECT", "FREQ", "s"],
      ["OBJECT", "FREQ", "nokey"],
      ["COPY", "s", "c"],
      ["OBJECT", "FREQ", "c"]
    ]))
}, { config: { "maxmemory-policy": "allkeys-lfu" }, oracleArgs: ["--maxmemory-policy", "allkeys-lfu"] })

describeDifferential("OBJECT REFCOUNT with a memory limit and an LRU policy", (servers) => {
  it("small integers are not shared, so their refcount is 1", () =>
    checkCommands(servers(), [
      ["SET", "n", "1"],
      ["SET", "m", "9999"],
      ["OBJECT", "REFCOUNT", "n"],
      ["OBJECT", "REFCOUNT", "m"],
      ["OBJECT", "ENCODING", "n"]
    ]))
}, {
  config: { "maxmemory-policy": "allkeys-lru", maxmemory: "1gb" },
  oracleArgs: ["--maxmemory-policy", "allkeys-lru", "--maxmemory", "1gb"]
})

/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's signatures of a dataset and of values. They must equal
 * redis-server's for the same data (Redis's own tests compare digests across servers), change with any
 * change of the data, and not with the order of unordered collections.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Command, randomDataset, richDataset } from "../support/generators/persistence.ts"
import { describeDifferential } from "../support/differential.ts"
import { connectedServer } from "../support/server.ts"

const digestOf = async (conn: { call: (...args: Array<string>) => Promise<{ value: unknown }> }) => (await conn.call("DEBUG", "DIGEST")).value as string

describe("DEBUG DIGEST on this server", () => {
  const conn = connectedServer({ "enable-debug-command": "yes" })

  it("is forty zeros for an empty dataset, and for a missing key's value", async () => {
    await conn().call("FLUSHALL")
    expect((await conn().call("DEBUG", "DIGEST")).raw).toBe(`+${"0".repeat(40)}\r\n`)
    expect((await conn().call("DEBUG", "DIGEST-VALUE", "nokey")).raw).toBe(`*1\r\n+${"0".repeat(40)}\r\n`)
    expect((await conn().call("DEBUG", "DIGEST-VALUE")).raw).toBe("*0\r\n")
    expect((await conn().call("DEBUG", "DIGEST", "extra")).raw).toBe("-ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.\r\n")
  })

  it("ignores the order in which set members and hash fields were added, not list order, TTLs or the database", async () => {
    const c = conn()
    const states: Array<string> = []
    for (const commands of [
      [["SADD", "s", "a", "b", "c"], ["HSET", "h", "f", "1", "g", "2"], ["RPUSH", "l", "x", "y"]],
      [["HSET", "h", "g", "2", "f", "1"], ["RPUSH", "l", "x", "y"], ["SADD", "s", "c", "b", "a"]],
      [["SADD", "s", "a", "b", "c"], ["HSET", "h", "f", "1", "g", "2"], ["RPUSH", "l", "y", "x"]],
      [["SADD", "s", "a", "b", "c"], ["HSET", "h", "f", "1", "g", "2"], ["RPUSH", "l", "x", "y"], ["EXPIRE", "l", "1000"]],
      [["SELECT", "1"], ["SADD", "s", "a", "b", "c"], ["HSET", "h", "f", "1", "g", "2"], ["RPUSH", "l", "x", "y"], ["SELECT", "0"]]
    ] as Array<Array<Command>>) {
      await c.call("FLUSHALL")
      await c.pipeline(commands)
      states.push(await digestOf(c))
    }
    expect(states[1]).toBe(states[0])
    expect(new Set([states[0], states[2], states[3], states[4]]).size).toBe(4)
  })
})

describeDifferential("DEBUG DIGEST and DIGEST-VALUE against Redis", (servers) => {
  const both = async (commands: ReadonlyArray<Command>) => {
    const { ours, theirs } = servers()
    for (const conn of [ours, theirs]) {
      await conn.call("FLUSHALL")
      for (let i = 0; i < commands.length; i += 200) await conn.pipeline(commands.slice(i, i + 200))
      await conn.call("SELECT", "0")
    }
    return { ours, theirs }
  }

  it("every type and encoding, expiries and several databases give redis-server's digests", async () => {
    const { ours, theirs } = await both(richDataset(Date.now() + 3_600_000))
    expect(await digestOf(ours)).toBe(await digestOf(theirs))
    expect(await digestOf(ours)).not.toBe("0".repeat(40))
    const keys = ((await ours.call("KEYS", "*")).value as Array<string>).sort()
    const values = async (conn: typeof ours) => (await conn.call("DEBUG", "DIGEST-VALUE", ...keys, "missing")).raw
    expect(await values(ours)).toBe(await values(theirs))
  })

  it("random datasets give redis-server's digest", async () => {
    await fc.assert(
      fc.asyncProperty(randomDataset, async (commands) => {
        // explicit stream IDs: "*" would take each server's own clock
        let id = 1
        const deterministic = commands.map((c): Command => (c[0] === "XADD" && c[2] === "*" ? ["XADD", c[1]!, `${id++}-1`, ...c.slice(3)] : c))
        const { ours, theirs } = await both(deterministic)
        expect(await digestOf(ours)).toBe(await digestOf(theirs))
      }),
      { numRuns: 25 }
    )
  })
}, { config: { "enable-debug-command": "yes" } })

describe("DEBUG OBJECT", () => {
  const conn = connectedServer({ "enable-debug-command": "yes" })

  it("describes the stored object as Redis's line does; an in-place INCR keeps its address; a missing key is an error", async () => {
    const c = conn()
    await c.call("FLUSHALL")
    await c.call("SET", "n", "20000")
    const line = (await c.call("DEBUG", "OBJECT", "n")).value as string
    expect(line).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/)
    await c.call("INCR", "n")
    const after = (await c.call("DEBUG", "OBJECT", "n")).value as string
    expect(after.split(" ")[1]).toBe(line.split(" ")[1])
    await c.call("RPUSH", "l", ...Array.from({ length: 300 }, (_, i) => `item-${i}`))
    expect((await c.call("DEBUG", "OBJECT", "l")).value as string).toMatch(
      /encoding:quicklist serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+ ql_nodes:\d+ ql_avg_node:\d+\.\d\d ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:\d+$/
    )
    expect((await c.call("DEBUG", "OBJECT", "missing")).raw).toBe("-ERR no such key\r\n")
  })
})

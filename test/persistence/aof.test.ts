/**
 * The multi-part AOF: the files and manifest Redis 7.0 writes (compared with redis-server's own for the
 * same commands), every write appended in its deterministic form, random command histories replayed
 * from the AOF into the same keyspace, BGREWRITEAOF (new base and incr, manifest replaced, history
 * removed), turning the AOF on at run time, a truncated tail, and appendonlydir interop with
 * redis-server both ways (RDB-preamble and AOF-format bases).
 */
import fc from "fast-check"
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type Command, randomDataset, richDataset } from "../support/generators/persistence.ts"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { hasOracle, skipMessage, startOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { RawConnection } from "../support/raw.ts"
import { freshDirs, info, populate, waitFor, withServer } from "./support.ts"

const freshDir = freshDirs("aof-")

const aofDir = (dir: string) => join(dir, "appendonlydir")
const manifest = (dir: string) => readFileSync(join(aofDir(dir), "appendonly.aof.manifest"), "latin1")

describe("the AOF of this server", () => {
  it("starts with a base and an incr file in the manifest, logging as Redis does", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes" }, async (server) => {
      expect(manifest(dir)).toBe("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
      expect(server.lines).toContain("Creating AOF base file appendonly.aof.1.base.rdb on server start")
      expect(server.lines).toContain("Creating AOF incr file appendonly.aof.1.incr.aof on server start")
      expect(readFileSync(join(aofDir(dir), "appendonly.aof.1.base.rdb")).subarray(0, 9).toString()).toBe("REDIS0010")
    })
    await withServer({ save: "", dir, appendonly: "yes" }, async (server) => {
      expect(server.lines).toContain("Opening AOF incr file appendonly.aof.1.incr.aof on server start")
      expect(server.lines.some((l) => /^DB loaded from append only file: \d+\.\d{3} seconds$/.test(l))).toBe(true)
    })
  })

  it("replays random command histories into the same keyspace, with every fsync policy", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(randomDataset, fc.constantFrom("always", "everysec", "no"), fc.boolean(), async (commands, appendfsync, preamble) => {
        const dir = freshDir()
        const config = { save: "", dir, appendonly: "yes", appendfsync, "aof-use-rdb-preamble": preamble ? "yes" : "no" }
        let expected: Array<unknown> = []
        await withServer(config, async (_server, conn) => {
          await populate(conn, commands, 200)
          // a rewrite half way through, for some runs
          if (run++ % 3 === 0) {
            await conn.call("BGREWRITEAOF")
            await waitFor(async () => (await info(conn, "aof_rewrite_in_progress")) === "0")
            await populate(conn, commands.slice(0, 5), 200)
          }
          expected = await dumpKeyspace(conn, { maskReplayLosses: true })
        })
        await withServer(config, async (_server, conn) => {
          expect(await dumpKeyspace(conn, { maskReplayLosses: true })).toEqual(expected)
        })
      }),
      { numRuns: 12 }
    )
  }, 120_000)

  it("replays an approximate XADD/XTRIM trim with LIMIT exactly as it happened, whatever the node size now", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes", "stream-node-max-entries": "10" }, async (_server, conn) => {
      await conn.pipeline(Array.from({ length: 100 }, (): Command => ["XADD", "s", "*", "item", "v"]))
      await conn.call("XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "*", "item", "v")
      await conn.call("XADD", "t", "1-1", "f", "v")
      await conn.pipeline(Array.from({ length: 99 }, (_, i): Command => ["XADD", "t", `${i + 2}-1`, "f", "v"]))
      await conn.call("XTRIM", "t", "MINID", "~", "60", "LIMIT", "20")
      const lengths = [(await conn.call("XLEN", "s")).value, (await conn.call("XLEN", "t")).value]
      // 30 entries at most may go, whole nodes of 10: three nodes (s), two (t)
      expect(lengths).toEqual([71, 80])
      // the AOF says "MAXLEN = 71 LIMIT 30": the loader obeys it with one entry per node too
      await conn.call("CONFIG", "SET", "stream-node-max-entries", "1")
      expect((await conn.call("DEBUG", "LOADAOF")).raw).toBe("+OK\r\n")
      expect([(await conn.call("XLEN", "s")).value, (await conn.call("XLEN", "t")).value]).toEqual(lengths)
    })
  })

  it("BGREWRITEAOF writes a new base and incr, replaces the manifest, removes the history files", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes" }, async (server, conn) => {
      await populate(conn, richDataset(Date.now() + 3_600_000))
      const before = await dumpKeyspace(conn)
      expect((await conn.call("BGREWRITEAOF")).raw).toBe("+Background append only file rewriting started\r\n")
      await waitFor(async () => (await info(conn, "aof_rewrite_in_progress")) === "0")
      expect(manifest(dir)).toBe("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
      expect(readdirSync(aofDir(dir)).sort()).toEqual(["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"])
      for (const line of [
        `Background append only file rewriting started by pid ${process.pid}`,
        "Creating AOF incr file appendonly.aof.2.incr.aof on background rewrite",
        "Background AOF rewrite terminated with success",
        "Removing the history file appendonly.aof.1.incr.aof in the background",
        "Background AOF rewrite finished successfully"
      ]) expect(server.lines).toContain(line)
      expect(await info(conn, "aof_rewrites")).toBe("1")
      expect(await info(conn, "aof_last_bgrewrite_status")).toBe("ok")
      await conn.call("SET", "after", "rewrite")
      const expected = await dumpKeyspace(conn, { maskReplayLosses: true })
      expect(expected.length).toBe(before.length + 1)
      expect((await conn.call("DEBUG", "LOADAOF")).raw).toBe("+OK\r\n")
      expect(server.lines).toContain("Append Only File loaded by DEBUG LOADAOF")
      expect(await dumpKeyspace(conn, { maskReplayLosses: true })).toEqual(expected)
    })
  })

  it("turns on at run time with a rewrite, and off again", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir }, async (_server, conn) => {
      await conn.call("SET", "before", "1")
      expect((await conn.call("CONFIG", "SET", "appendonly", "yes")).raw).toBe("+OK\r\n")
      await waitFor(async () => (await info(conn, "aof_rewrite_in_progress")) === "0" && (await info(conn, "aof_enabled")) === "1")
      await conn.call("SET", "after", "2")
      expect(manifest(dir)).toBe("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
      await waitFor(async () => readFileSync(join(aofDir(dir), "appendonly.aof.1.incr.aof"), "latin1").includes("after"))
      expect((await conn.call("CONFIG", "SET", "appendonly", "no")).raw).toBe("+OK\r\n")
      expect(await info(conn, "aof_enabled")).toBe("0")
    })
    await withServer({ save: "", dir, appendonly: "yes" }, async (_server, conn) => {
      expect((await conn.call("MGET", "before", "after")).value).toEqual(["1", "2"])
    })
  })

  it("loads a truncated tail with aof-load-truncated (warning, truncation), refuses it without", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes" }, async (_server, conn) => {
      await conn.call("SET", "k", "v")
    })
    const incr = join(aofDir(dir), "appendonly.aof.1.incr.aof")
    const size = readFileSync(incr).length
    appendFileSync(incr, "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab")
    await expect(startPersistentServer({ dir, appendonly: "yes", "aof-load-truncated": "no" })).rejects.toBeDefined()
    await withServer({ save: "", dir, appendonly: "yes" }, async (server, conn) => {
      expect(server.lines).toContain("!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!")
      expect(server.lines).toContain(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${size} !!!`)
      expect(server.lines).toContain("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled")
      expect((await conn.call("GET", "k")).value).toBe("v")
      expect((await conn.call("EXISTS", "x")).value).toBe(0)
    })
    expect(readFileSync(incr).length).toBe(size)
  })

  it("writes #TS: annotations with aof-timestamp-enabled, and skips them when loading", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes", "aof-timestamp-enabled": "yes" }, async (_server, conn) => {
      await conn.call("SET", "k", "v")
      await waitFor(async () => readFileSync(join(aofDir(dir), "appendonly.aof.1.incr.aof"), "latin1").includes("SET"))
      expect(readFileSync(join(aofDir(dir), "appendonly.aof.1.incr.aof"), "latin1")).toMatch(
        /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n/
      )
    })
    await withServer({ save: "", dir, appendonly: "yes" }, async (_server, conn) => {
      expect((await conn.call("GET", "k")).value).toBe("v")
    })
  })

  it("reverts an incomplete MULTI at the end, and refuses a bad format or an unknown command", async () => {
    const dir = freshDir()
    await withServer({ save: "", dir, appendonly: "yes" }, async (_server, conn) => {
      await conn.call("SET", "k", "v")
    })
    const incr = join(aofDir(dir), "appendonly.aof.1.incr.aof")
    appendFileSync(incr, "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nw\r\n")
    await withServer({ save: "", dir, appendonly: "yes" }, async (server, conn) => {
      expect(server.lines).toContain("Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof")
      expect((await conn.call("GET", "k")).value).toBe("v")
    })
    appendFileSync(incr, "*1\r\n$7\r\nNOSUCHC\r\n")
    await expect(startPersistentServer({ dir, appendonly: "yes" })).rejects.toBeDefined()
  })
})

const describeOracle = hasOracle ? describe : describe.skip

describeOracle(`appendonlydir with redis-server 7.0 (${hasOracle ? "interop" : skipMessage})`, () => {
  it("appends exactly the bytes redis-server appends for the same commands", async () => {
    const theirDir = freshDir()
    const ourDir = freshDir()
    const oracle = await startOracle(["--dir", theirDir, "--appendonly", "yes", "--enable-debug-command", "yes"])
    const theirs = await RawConnection.connect(oracle.port)
    await withServer({ save: "", dir: ourDir, appendonly: "yes" }, async (_server, ours) => {
      try {
        // SAVE, DEBUG RELOAD and DEBUG LOADAOF reset the dirty counter and are never appended
        const commands: Array<Command> = [
          ["SET", "a", "1"], ["SAVE"], ["DEBUG", "RELOAD"], ["INCR", "a"], ["DEBUG", "LOADAOF"], ["SELECT", "2"], ["RPUSH", "l", "x", "y"], ["LPOP", "l"], ["SELECT", "0"],
          ["MULTI"], ["HSET", "h", "f", "v"], ["SADD", "s", "m"], ["EXEC"], ["DEL", "a", "nokey"], ["GET", "h"], ["ZADD", "z", "1.5", "m"],
          ["XADD", "x", "1-1", "f", "v"], ["EXPIREAT", "z", "4000000000"], ["FLUSHDB"]
        ]
        await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
        const incr = (dir: string) => readFileSync(join(aofDir(dir), "appendonly.aof.1.incr.aof"), "latin1")
        await waitFor(async () => incr(theirDir).includes("FLUSHDB") && incr(ourDir).includes("FLUSHDB"))
        expect(incr(ourDir)).toBe(incr(theirDir))
        expect(manifest(ourDir)).toBe(manifest(theirDir))
        const fields = async (conn: RawConnection) => ((await conn.call("INFO", "persistence")).value as string).split("\r\n").map((l) => l.split(":")[0])
        expect(await fields(ours)).toEqual(await fields(theirs))
      } finally {
        await theirs.close()
        await oracle.stop()
      }
    })
  })

  it("a replayed consumer group loses its read counter exactly as in redis-server (XREADGROUP propagates as XCLAIM ... LASTID)", async () => {
    const group = async (conn: RawConnection) => {
      const full = (await conn.call("XINFO", "STREAM", "s", "FULL")).value as Array<unknown>
      const groups = full[full.indexOf("groups") + 1] as Array<Array<unknown>>
      const fields = groups[0]!
      return { entriesRead: fields[fields.indexOf("entries-read") + 1], lag: fields[fields.indexOf("lag") + 1] }
    }
    const history: Array<Command> = [
      ["XADD", "s", "1-1", "f", "v"], ["XGROUP", "CREATE", "s", "g", "0"], ["XADD", "s", "2-1", "f", "v"],
      ["XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", ">"]
    ]
    const counters: Array<unknown> = []
    for (const side of ["ours", "theirs"] as const) {
      const dir = freshDir()
      if (side === "ours") {
        await withServer({ save: "", dir, appendonly: "yes", appendfsync: "always" }, async (_server, conn) => {
          await conn.pipeline(history)
          counters.push(await group(conn))
        })
        await withServer({ save: "", dir, appendonly: "yes" }, async (_server, conn) => void counters.push(await group(conn)))
      } else {
        for (const replay of [false, true]) {
          const oracle = await startOracle(["--dir", dir, "--appendonly", "yes", "--appendfsync", "always"])
          const conn = await RawConnection.connect(oracle.port)
          try {
            await waitFor(async () => (await info(conn, "loading")) === "0")
            if (!replay) await conn.pipeline(history)
            counters.push(await group(conn))
          } finally {
            await conn.close()
            await oracle.stop()
          }
        }
      }
    }
    expect(counters.slice(0, 2)).toEqual([{ entriesRead: 2, lag: 0 }, { entriesRead: null, lag: 0 }])
    expect(counters.slice(2)).toEqual(counters.slice(0, 2))
  })

  for (const preamble of ["yes", "no"]) {
    it(`loads redis-server's appendonlydir and redis-server loads ours (aof-use-rdb-preamble ${preamble})`, async () => {
      const dataset = richDataset(Date.now() + 3_600_000)
      // they write (base from a rewrite, then incr), we load
      const theirDir = freshDir()
      const oracle = await startOracle(["--dir", theirDir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
      const theirs = await RawConnection.connect(oracle.port)
      try {
        await populate(theirs, dataset.slice(0, 40))
        await theirs.call("BGREWRITEAOF")
        await waitFor(async () => (await info(theirs, "aof_rewrite_in_progress")) === "0")
        await populate(theirs, dataset.slice(40))
        await waitFor(async () => (await info(theirs, "aof_buffer_length")) === "0")
        await new Promise((r) => setTimeout(r, 200))
        await withServer({ save: "", dir: theirDir, appendonly: "yes", "aof-use-rdb-preamble": preamble }, async (_server, ours) => {
          expect(await dumpKeyspace(ours, { maskReplayLosses: true })).toEqual(await dumpKeyspace(theirs, { maskReplayLosses: true }))
        })
      } finally {
        await theirs.close()
        await oracle.stop()
      }
      // we write, they load
      const ourDir = freshDir()
      let expected: Array<unknown> = []
      await withServer({ save: "", dir: ourDir, appendonly: "yes", "aof-use-rdb-preamble": preamble }, async (_server, ours) => {
        await populate(ours, dataset.slice(0, 40))
        await ours.call("BGREWRITEAOF")
        await waitFor(async () => (await info(ours, "aof_rewrite_in_progress")) === "0")
        await populate(ours, dataset.slice(40))
        expected = await dumpKeyspace(ours, { maskReplayLosses: true })
      })
      expect(existsSync(join(aofDir(ourDir), `appendonly.aof.2.base.${preamble === "yes" ? "rdb" : "aof"}`))).toBe(true)
      const loader = await startOracle(["--dir", ourDir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
      const conn = await RawConnection.connect(loader.port)
      try {
        // redis-server listens before it loads: wait for the load to end
        await waitFor(async () => (await info(conn, "loading")) === "0")
        expect(await dumpKeyspace(conn, { maskReplayLosses: true })).toEqual(expected)
      } finally {
        await conn.close()
        await loader.stop()
      }
    })
  }
})

/**
 * The persistence Layer on an in-process server: SAVE, BGSAVE while commands run (the file holds
 * exactly the keyspace of the instant BGSAVE started), LASTSAVE, save points, MISCONF after a failed
 * background save, DEBUG RELOAD, SHUTDOWN's flags, loading at start-up, and the INFO fields.
 */
import fc from "fast-check"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { loadKeyspace } from "../../src/persistence/rdb/keyspace.ts"
import { type Command, randomDataset, richDataset } from "../support/generators/persistence.ts"
import { type DumpOptions, dumpKeyspace } from "../support/keyspaceDump.ts"
import { hasOracle, skipMessage, startOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { RawConnection } from "../support/raw.ts"
import { freshDirs, info, populate, waitFor, withServer } from "./support.ts"
import { startServer } from "../support/server.ts"

const freshDir = freshDirs("persistence-")

/** The keyspace a file holds, loaded into a fresh server. */
const fileDump = async (file: string, options: DumpOptions = {}): Promise<Array<unknown>> => {
  const server = await startServer()
  const conn = await RawConnection.connect(server.port)
  try {
    loadKeyspace(server.engine.keyspace, server.engine.config, readFileSync(file), () => {})
    return await dumpKeyspace(conn, options)
  } finally {
    await conn.close()
    await server.close()
  }
}

describe("SAVE and LASTSAVE", () => {
  it("writes dir/dbfilename atomically, resets the change counter, updates LASTSAVE", async () => {
    const dir = freshDir()
    await withServer({ dir, dbfilename: "my.rdb", save: "" }, async (server, conn) => {
      await populate(conn, richDataset(Date.now() + 3_600_000))
      expect(Number(await info(conn, "rdb_changes_since_last_save"))).toBeGreaterThan(100)
      const before = (await conn.call("LASTSAVE")).value as number
      expect((await conn.call("SAVE")).raw).toBe("+OK\r\n")
      expect(server.lines).toContain("DB saved on disk")
      expect(await info(conn, "rdb_changes_since_last_save")).toBe("0")
      expect((await conn.call("LASTSAVE")).value as number).toBeGreaterThanOrEqual(before)
      expect(existsSync(join(dir, `temp-${process.pid}.rdb`))).toBe(false)
      expect(await fileDump(join(dir, "my.rdb"))).toEqual(await dumpKeyspace(conn))
    })
  })

  it("answers -ERR when the file cannot be written, logging Redis's line", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (server, conn) => {
      rmSync(dir, { recursive: true })
      expect((await conn.call("SAVE")).raw).toBe("-ERR\r\n")
      expect(server.lines.at(-1)).toBe(`Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${dir}) for saving: No such file or directory`)
    })
  })
})

describe("BGSAVE", () => {
  it("writes exactly the keyspace of its start while commands keep changing it", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (_server, conn) => {
      await fc.assert(
        fc.asyncProperty(randomDataset, randomDataset, async (before, after) => {
          await conn.call("FLUSHALL")
          await populate(conn, before)
          // enough keys that the save spans many slices
          await populate(conn, Array.from({ length: 20 }, (_, i): Command => ["MSET", ...Array.from({ length: 200 }, (_, j) => [`bulk:${i}:${j}`, "x".repeat(j)]).flat()]))
          // values, not encodings: a loader re-chooses them (a hash that grew past the listpack limits and
          // shrank back is a hashtable here and a listpack once loaded, in Redis as here)
          const expected = await dumpKeyspace(conn, { encodings: false })
          // the first writes in BGSAVE's own batch, the others one round trip at a time while it saves
          const [first, ...rest] = after
          const replies = await conn.pipeline([["BGSAVE"], ...(first === undefined ? [] : [first])])
          expect(replies[0]!.raw).toBe("+Background saving started\r\n")
          for (const command of [...rest, ["FLUSHDB"], ["SET", "bulk:0:1", "changed"], ["SELECT", "0"]]) await conn.call(...command)
          await waitFor(async () => (await info(conn, "rdb_bgsave_in_progress")) === "0")
          expect(await info(conn, "rdb_last_bgsave_status")).toBe("ok")
          expect(await fileDump(join(dir, "dump.rdb"), { encodings: false })).toEqual(expected)
        }),
        { numRuns: Number(process.env.RUNS ?? 6) }
      )
    })
  }, 120_000)

  it("keeps serving while it saves, refuses a second one, counts the changes made meanwhile", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (server, conn) => {
      await populate(conn, Array.from({ length: 200 }, (_, i): Command => ["MSET", ...Array.from({ length: 1000 }, (_, j) => [`k:${i}:${j}`, `value-${j}`]).flat()]))
      const replies = await conn.pipeline([["BGSAVE"], ["BGSAVE"], ["SAVE"], ["SET", "during", "1"], ["INFO", "persistence"]])
      expect(replies[0]!.raw).toBe("+Background saving started\r\n")
      expect(replies[1]!.raw).toBe("-ERR Background save already in progress\r\n")
      expect(replies[2]!.raw).toBe("-ERR Background save already in progress\r\n")
      expect(replies[3]!.raw).toBe("+OK\r\n")
      expect(replies[4]!.value as string).toMatch(/rdb_bgsave_in_progress:1\r\n/)
      expect(replies[4]!.value as string).toMatch(/current_save_keys_total:200000\r\n/)
      await waitFor(async () => (await info(conn, "rdb_bgsave_in_progress")) === "0")
      expect(server.lines).toContain(`Background saving started by pid ${process.pid}`)
      expect(server.lines).toContain("Background saving terminated with success")
      expect(await info(conn, "rdb_changes_since_last_save")).toBe("1")
      expect(await info(conn, "rdb_saves")).toBe("1")
      expect(Number(await info(conn, "rdb_last_bgsave_time_sec"))).toBeGreaterThanOrEqual(0)
    })
  })

  it("is scheduled inside MULTI, and BGSAVE SCHEDULE parses like Redis", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (_server, conn) => {
      await conn.call("SET", "a", "1")
      const replies = await conn.pipeline([["MULTI"], ["BGSAVE"], ["EXEC"], ["BGSAVE", "FOO"], ["BGSAVE", "SCHEDULE", "X"]])
      expect(replies[2]!.raw).toBe("*1\r\n+Background saving scheduled\r\n")
      expect(replies[3]!.raw).toBe("-ERR syntax error\r\n")
      expect(replies[4]!.raw).toBe("-ERR syntax error\r\n")
      await waitFor(async () => existsSync(join(dir, "dump.rdb")) && (await info(conn, "rdb_bgsave_in_progress")) === "0")
      expect((await conn.call("BGSAVE", "SCHEDULE")).raw).toBe("+Background saving started\r\n")
      await waitFor(async () => (await info(conn, "rdb_bgsave_in_progress")) === "0")
    })
  })

  it("save points start it: `<changes> changes in <seconds> seconds. Saving...`", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "1 2" }, async (server, conn) => {
      await conn.pipeline([["SET", "a", "1"], ["SET", "b", "2"]])
      await waitFor(async () => existsSync(join(dir, "dump.rdb")) && (await info(conn, "rdb_bgsave_in_progress")) === "0", 10_000)
      expect(server.lines).toContain("2 changes in 1 seconds. Saving...")
      expect(await info(conn, "rdb_changes_since_last_save")).toBe("0")
    })
  })

  it("a failed save: MISCONF for writes and PING while stop-writes-on-bgsave-error, status err", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "3600 1" }, async (server, conn) => {
      rmSync(dir, { recursive: true })
      expect((await conn.call("BGSAVE")).raw).toBe("+Background saving started\r\n")
      await waitFor(async () => (await info(conn, "rdb_bgsave_in_progress")) === "0")
      expect(await info(conn, "rdb_last_bgsave_status")).toBe("err")
      expect(server.lines).toContain("Background saving error")
      const misconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n"
      const replies = await conn.pipeline([
        ["SET", "k", "v"], ["PING"], ["GET", "k"], ["MULTI"], ["SET", "k", "v"], ["EXEC"],
        ["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"], ["SET", "k", "v"],
        ["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"], ["CONFIG", "SET", "save", ""], ["SET", "k", "w"]
      ])
      expect(replies.map((r) => r.raw)).toEqual([
        misconf, misconf, "$-1\r\n", "+OK\r\n", misconf, "-EXECABORT Transaction discarded because of previous errors.\r\n",
        "+OK\r\n", "+OK\r\n", "+OK\r\n", "+OK\r\n", "+OK\r\n"
      ])
    })
  })
})

describe("DEBUG RELOAD", () => {
  it("saves and loads back the same keyspace (encodings as loading gives them)", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (server, conn) => {
      await populate(conn, richDataset(Date.now() + 3_600_000))
      const before = await dumpKeyspace(conn)
      expect((await conn.call("DEBUG", "RELOAD")).raw).toBe("+OK\r\n")
      expect(server.lines).toContain("DB reloaded by DEBUG RELOAD")
      expect(await dumpKeyspace(conn)).toEqual(before)
      expect((await conn.call("DEBUG", "RELOAD", "BOGUS")).raw).toBe("-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n")
      await conn.call("SET", "extra", "1")
      expect((await conn.call("DEBUG", "RELOAD", "NOSAVE")).raw).toBe("+OK\r\n")
      expect((await conn.call("EXISTS", "extra")).value).toBe(0)
    })
  })
})

describe("SHUTDOWN", () => {
  it("saves when save points exist, not with NOSAVE, always with SAVE; ABORT without a shutdown is refused", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "3600 1" }, async (server, conn) => {
      const replies = await conn.pipeline([
        ["SHUTDOWN", "ABORT"], ["SHUTDOWN", "SAVE", "NOSAVE"], ["SHUTDOWN", "ABORT", "NOW"], ["SHUTDOWN", "BOGUS"], ["SET", "k", "v"]
      ])
      expect(replies.map((r) => r.raw)).toEqual([
        "-ERR No shutdown in progress.\r\n", "-ERR syntax error\r\n", "-ERR syntax error\r\n", "-ERR syntax error\r\n", "+OK\r\n"
      ])
      conn.write("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
      await waitFor(async () => server.exits.count === 1)
      expect(existsSync(join(dir, "dump.rdb"))).toBe(false)
      conn.write("*1\r\n$8\r\nSHUTDOWN\r\n")
      await waitFor(async () => server.exits.count === 2)
      expect(server.lines.slice(-4)).toEqual([
        "User requested shutdown...", "Saving the final RDB snapshot before exiting.", "DB saved on disk", "Redis is now ready to exit, bye bye..."
      ])
      expect(existsSync(join(dir, "dump.rdb"))).toBe(true)
    })
  })

  it("refuses to exit when the final save fails, unless FORCE", async () => {
    const dir = freshDir()
    await withServer({ dir, save: "" }, async (server, conn) => {
      rmSync(dir, { recursive: true })
      expect((await conn.call("SHUTDOWN", "SAVE")).raw).toBe("-ERR Errors trying to SHUTDOWN. Check logs.\r\n")
      expect(server.lines.slice(-2)).toEqual([
        "Error trying to save the DB, can't exit.", "Errors trying to shut down the server. Check the logs for more information."
      ])
      expect(server.exits.count).toBe(0)
      conn.write("*3\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n$5\r\nFORCE\r\n")
      await waitFor(async () => server.exits.count === 1)
      expect(server.lines).toContain("Error trying to save the DB. Exit anyway.")
    })
  })
})

describe("loading at start-up", () => {
  it("loads dir/dbfilename, logs as Redis does, and reports the load in INFO", async () => {
    const dir = freshDir()
    let expected: Array<unknown> = []
    await withServer({ dir, save: "" }, async (_server, conn) => {
      await populate(conn, richDataset(Date.now() + 3_600_000))
      await conn.call("SAVE")
      expected = await dumpKeyspace(conn)
    })
    await withServer({ dir, save: "" }, async (server, conn) => {
      expect(await dumpKeyspace(conn)).toEqual(expected)
      expect(server.lines).toContain("Loading RDB produced by version 7.0.15")
      expect(server.lines.some((l) => /^DB loaded from disk: \d+\.\d{3} seconds$/.test(l))).toBe(true)
      expect(Number(await info(conn, "rdb_last_load_keys_loaded"))).toBe(expected.length)
      expect(await info(conn, "loading")).toBe("0")
    })
  })

  it("refuses to start on a damaged file, with the offset", async () => {
    const dir = freshDir()
    writeFileSync(join(dir, "dump.rdb"), Buffer.from("REDIS0010\u00fa\u0005hello", "latin1"))
    await expect(startPersistentServer({ dir })).rejects.toMatchObject({
      lines: ["Short read or OOM loading DB. Unrecoverable error, aborting now.", "Internal error in RDB reading offset 16 -> Unexpected EOF reading RDB file", "Terminating server after rdb file reading failure."]
    })
    writeFileSync(join(dir, "dump.rdb"), Buffer.from("NOTREDIS!"))
    await expect(startPersistentServer({ dir })).rejects.toMatchObject({
      lines: ["Wrong signature trying to load DB from file", "Fatal error loading the DB: Invalid argument. Exiting."]
    })
    expect(statSync(join(dir, "dump.rdb")).size).toBe(9)
  })
})

describe.skipIf(!hasOracle)(`against redis-server (${hasOracle ? "differential" : skipMessage})`, () => {
  it("MISCONF after a failed BGSAVE, and the INFO persistence fields, as redis-server", async () => {
    const theirDir = freshDir()
    const ourDir = freshDir()
    const oracle = await startOracle(["--save", "3600 1", "--dir", theirDir])
    const theirs = await RawConnection.connect(oracle.port)
    await withServer({ dir: ourDir, save: "3600 1" }, async (_server, ours) => {
      try {
        const fieldNames = async (conn: RawConnection) =>
          ((await conn.call("INFO", "persistence")).value as string).split("\r\n").map((l) => l.split(":")[0])
        expect(await fieldNames(ours)).toEqual(await fieldNames(theirs))
        rmSync(theirDir, { recursive: true })
        rmSync(ourDir, { recursive: true })
        for (const conn of [ours, theirs]) {
          expect((await conn.call("BGSAVE")).raw).toBe("+Background saving started\r\n")
          await waitFor(async () => (await info(conn, "rdb_bgsave_in_progress")) === "0")
        }
        const commands: Array<Command> = [
          ["SET", "k", "v"], ["PING"], ["PING", "x"], ["GET", "k"], ["ECHO", "e"], ["MULTI"], ["SET", "k", "v"], ["GET", "k"], ["EXEC"],
          ["INCR", "n"], ["DEL", "k"], ["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"], ["SET", "k", "v"], ["PING"],
          ["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"], ["SET", "k", "w"], ["CONFIG", "SET", "save", ""], ["SET", "k", "w"]
        ]
        const [a, b] = await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
        expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
        expect(await info(ours, "rdb_last_bgsave_status")).toBe(await info(theirs, "rdb_last_bgsave_status"))
      } finally {
        await theirs.close()
        await oracle.stop()
      }
    })
  })

  it("SHUTDOWN's argument errors and ABORT, as redis-server", async () => {
    const oracle = await startOracle()
    const theirs = await RawConnection.connect(oracle.port)
    await withServer({ dir: freshDir(), save: "" }, async (_server, ours) => {
      try {
        const commands: Array<Command> = [
          ["SHUTDOWN", "ABORT"], ["SHUTDOWN", "SAVE", "NOSAVE"], ["SHUTDOWN", "NOSAVE", "SAVE", "NOW"], ["SHUTDOWN", "ABORT", "FORCE"],
          ["SHUTDOWN", "NOPE"], ["BGSAVE", "NOPE"], ["BGSAVE", "SCHEDULE", "NOPE"], ["LASTSAVE", "x"], ["SAVE", "x"],
          ["MULTI"], ["SAVE"], ["SHUTDOWN"], ["DISCARD"], ["DEBUG", "RELOAD", "NOPE"]
        ]
        const [a, b] = await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
        expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
      } finally {
        await theirs.close()
        await oracle.stop()
      }
    })
  })
})

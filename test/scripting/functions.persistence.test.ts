/**
 * Function libraries in files: RDB_OPCODE_FUNCTION2 in an RDB (restart, DEBUG RELOAD, and files
 * exchanged with redis-server both ways), the AOF (FUNCTION LOAD/DELETE/FLUSH/RESTORE propagated as
 * Redis propagates them, compared with redis-server's own AOF; a rewrite's base with and without the
 * RDB preamble), and restarts from each.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { RdbEncoder, standardAux } from "../../src/persistence/rdb/rdb.ts"
import { DEFAULT_LIMITS } from "../../src/persistence/rdb/values.ts"
import { hasOracle, skipMessage, startOracle } from "../support/oracle.ts"
import { startPersistentServer } from "../support/persistentServer.ts"
import { RawConnection } from "../support/raw.ts"
import { lib } from "./function-examples.ts"

const dirs: Array<string> = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "functions-persistence-"))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const LIB_A = lib("liba", "redis.register_function{function_name='fa', callback=function(k, a) return redis.call('set', k[1], a[1]) end, description='sets'}")
const LIB_B = lib("libb", `local pad = '${"pad".repeat(100)}'`, "redis.register_function{function_name='fb', callback=function() return #pad end, flags={'no-writes', 'allow-stale'}}")

/** FUNCTION LIST WITHCODE as a comparable value, libraries sorted by name (its order is a dict's in Redis). */
const listing = async (conn: RawConnection): Promise<unknown> => {
  const value = (await conn.call("FUNCTION", "LIST", "WITHCODE")).value as ReadonlyArray<ReadonlyArray<unknown>>
  return [...value].sort((a, b) => String(a[1]).localeCompare(String(b[1])))
}

const withServer = async (config: Record<string, string>, body: (conn: RawConnection) => Promise<void>) => {
  const server = await startPersistentServer({ save: "", ...config })
  const conn = await RawConnection.connect(server.port)
  try {
    await body(conn)
  } finally {
    await conn.close()
    await server.close()
  }
}

const expectLibraries = async (conn: RawConnection) => {
  const names = ((await conn.call("FUNCTION", "LIST")).value as ReadonlyArray<ReadonlyArray<unknown>>).map((l) => l[1]).sort()
  expect(names).toEqual(["liba", "libb"])
  expect((await conn.call("FCALL", "fb", "0")).raw).toBe(":300\r\n")
  expect((await conn.call("FCALL_RO", "fb", "0")).raw).toBe(":300\r\n")
  expect((await conn.call("FUNCTION", "LIST", "LIBRARYNAME", "liba", "WITHCODE")).value).toEqual([
    ["library_name", "liba", "engine", "LUA", "functions", [["name", "fa", "description", "sets", "flags", []]], "library_code", LIB_A]
  ])
}

describe("function libraries in RDB files", () => {
  it("survive SAVE and a restart, and DEBUG RELOAD (which drops and reloads them)", async () => {
    const dir = tempDir()
    await withServer({ dir, "enable-debug-command": "yes" }, async (conn) => {
      await conn.call("FUNCTION", "LOAD", LIB_A)
      await conn.call("FUNCTION", "LOAD", LIB_B)
      expect((await conn.call("SAVE")).raw).toBe("+OK\r\n")
      await conn.call("FUNCTION", "DELETE", "liba")
      expect((await conn.call("DEBUG", "RELOAD", "NOSAVE")).raw).toBe("+OK\r\n")
      await expectLibraries(conn)
    })
    await withServer({ dir }, expectLibraries)
  })

  it("a file whose libraries collide fails the load with Redis's lines", async () => {
    const dir = tempDir()
    const encoder = new RdbEncoder({ checksum: true, compression: false, limits: DEFAULT_LIMITS })
    encoder.header(standardAux("7.0.15", Date.now(), 1000, false))
    // function names are case-insensitive across libraries
    encoder.functions([lib("one", "redis.register_function('fa', function() return 1 end)"), lib("two", "redis.register_function('FA', function() return 2 end)")])
    const head = encoder.drain()
    writeFileSync(join(dir, "dump.rdb"), Buffer.concat([head, encoder.finish()]))
    // redis-server 7.0.15 logs these three lines and exits
    await expect(startPersistentServer({ dir })).rejects.toMatchObject({
      lines: [
        "Failed loading library, Function FA already exists",
        "Short read or OOM loading DB. Unrecoverable error, aborting now.",
        "Internal error in RDB reading offset 0, function at rdb.c:3249 -> Unexpected EOF reading RDB file"
      ]
    })
  })
})

describe("function libraries in the AOF", () => {
  it("FUNCTION LOAD/DELETE/RESTORE/FLUSH and FCALL replay after a restart; rewrites keep them (with and without the RDB preamble)", async () => {
    for (const preamble of ["yes", "no"]) {
      const dir = tempDir()
      const config = { dir, appendonly: "yes", "aof-use-rdb-preamble": preamble }
      let dump = ""
      await withServer(config, async (conn) => {
        await conn.call("FUNCTION", "LOAD", LIB_A)
        await conn.call("FUNCTION", "LOAD", LIB_B)
        dump = (await conn.call("FUNCTION", "DUMP")).value as string
        await conn.call("FUNCTION", "FLUSH")
        await conn.call("FUNCTION", "RESTORE", dump)
        await conn.call("FUNCTION", "LOAD", lib("gone", "redis.register_function('gone', function() end)"))
        await conn.call("FUNCTION", "DELETE", "gone")
        expect((await conn.call("FCALL", "fa", "1", "key", "value")).raw).toBe("+OK\r\n")
      })
      await withServer(config, async (conn) => {
        await expectLibraries(conn)
        expect((await conn.call("GET", "key")).raw).toBe("$5\r\nvalue\r\n")
        expect((await conn.call("BGREWRITEAOF")).raw).toBe("+Background append only file rewriting started\r\n")
        for (let i = 0; i < 100; i++) {
          const info = (await conn.call("INFO", "persistence")).value as string
          if (info.includes("aof_rewrite_in_progress:0") && !info.includes("aof_rewrite_scheduled:1")) break
          await new Promise((r) => setTimeout(r, 50))
        }
      })
      const base = readFileSync(join(dir, "appendonlydir", `appendonly.aof.2.base.${preamble === "yes" ? "rdb" : "aof"}`), "latin1")
      if (preamble === "no") expect(base).toContain(`*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$${LIB_A.length}\r\n${LIB_A}\r\n`)
      await withServer(config, expectLibraries)
    }
  })
})

describe.skipIf(!hasOracle)(`function libraries and redis-server${hasOracle ? "" : ` (${skipMessage})`}`, () => {
  it("FUNCTION commands propagate to the AOF as Redis propagates them", async () => {
    const ours = tempDir()
    const theirs = tempDir()
    // "$DUMP" stands for the server's last FUNCTION DUMP (without LZF: the same bytes on both)
    const commands: ReadonlyArray<ReadonlyArray<string>> = [
      ["CONFIG", "SET", "rdbcompression", "no"],
      ["FUNCTION", "LOAD", LIB_A],
      ["FUNCTION", "LOAD", "REPLACE", LIB_A],
      ["FUNCTION", "LOAD", LIB_A],
      ["FUNCTION", "LOAD", LIB_B],
      ["FCALL", "fa", "1", "k", "v"],
      ["FCALL", "fb", "0"],
      ["FUNCTION", "DELETE", "libb"],
      ["FUNCTION", "DELETE", "libb"],
      ["FUNCTION", "RESTORE", "\x00"],
      ["FUNCTION", "DUMP"],
      ["FUNCTION", "FLUSH", "ASYNC"],
      ["FUNCTION", "RESTORE", "$DUMP"],
      ["FUNCTION", "RESTORE", "$DUMP", "REPLACE"],
      ["FUNCTION", "RESTORE", "$DUMP", "APPEND"],
      ["FUNCTION", "FLUSH"]
    ]
    const run = async (conn: RawConnection) => {
      const replies: Array<string> = []
      let dump = ""
      for (const command of commands) {
        const reply = await conn.call(...command.map((arg) => (arg === "$DUMP" ? dump : arg)))
        if (command[1] === "DUMP") dump = reply.value as string
        replies.push(reply.raw)
      }
      return replies
    }
    const oracle = await startOracle(["--dir", theirs, "--appendonly", "yes"])
    const conn = await RawConnection.connect(oracle.port)
    const expected = await run(conn)
    await conn.close()
    await oracle.stop()
    await withServer({ dir: ours, appendonly: "yes" }, async (conn) => {
      expect(await run(conn)).toEqual(expected)
    })
    const incr = (dir: string) => readFileSync(join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"), "latin1")
    expect(incr(ours)).toBe(incr(theirs))
  })

  it("an RDB with functions from redis-server loads here, and ours loads in redis-server", async () => {
    const theirs = tempDir()
    const oracle = await startOracle(["--dir", theirs])
    let conn = await RawConnection.connect(oracle.port)
    await conn.call("FUNCTION", "LOAD", LIB_A)
    await conn.call("FUNCTION", "LOAD", LIB_B)
    const expected = await listing(conn)
    await conn.call("SAVE")
    await conn.close()
    await oracle.stop()
    const ours = tempDir()
    copyFileSync(join(theirs, "dump.rdb"), join(ours, "dump.rdb"))
    await withServer({ dir: ours }, async (conn) => {
      expect(await listing(conn)).toEqual(expected)
      await expectLibraries(conn)
      await conn.call("FUNCTION", "DELETE", "libb")
      await conn.call("FUNCTION", "LOAD", lib("ourlib", "redis.register_function('ours', function() return 'written here' end)"))
      await conn.call("SAVE")
    })
    const back = tempDir()
    copyFileSync(join(ours, "dump.rdb"), join(back, "dump.rdb"))
    const again = await startOracle(["--dir", back])
    conn = await RawConnection.connect(again.port)
    expect((await conn.call("FCALL", "ours", "0")).raw).toBe("$12\r\nwritten here\r\n")
    expect((await conn.call("FCALL", "fa", "1", "x", "y")).raw).toBe("+OK\r\n")
    expect((await conn.call("FCALL", "fb", "0")).raw).toBe("-ERR Function not found\r\n")
    await conn.close()
    await again.stop()
  })
})

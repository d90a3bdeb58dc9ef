/**
 * Users from files: `aclfile` at start-up, ACL LOAD and ACL SAVE, config `user` lines (checked as the
 * config loads, applied at start-up, never with an aclfile). Against redis-server: a file either
 * server saves loads in the other to the same users, and ACL LOAD of a broken file fails with the same
 * text on both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { validateUserLine } from "../../src/acl/aclFile.ts"
import { allCommands } from "../../src/commands/index.ts"
import { loadConfig } from "../../src/config/load.ts"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { CoreLive } from "../../src/layers.ts"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"
import { hasOracle, skipMessage, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer } from "../support/server.ts"

const dir = mkdtempSync(join(tmpdir(), "acl-file-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const value = async (c: RawConnection, ...args: ReadonlyArray<string>): Promise<unknown> => (await c.call(...args)).value
const raw = async (c: RawConnection, ...args: ReadonlyArray<string>): Promise<string> => (await c.call(...args)).raw

/** Our server from a command line, as main.ts loads it (config `user` lines checked). */
const startFromArgs = async (argv: ReadonlyArray<string>) => {
  const result = await Effect.runPromise(
    Effect.result(loadConfig(argv, { chdir: false, commandNames: allCommands.map((c) => c.name), validateUser: validateUserLine }))
  )
  if (result._tag === "Failure") return { error: result.failure.message } as const
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      RedisServer.listen({ port: 0, host: "127.0.0.1" }).pipe(Layer.provideMerge(CoreLive), Layer.provideMerge(ServerConfig.layerFrom(result.success.store))),
      scope
    )
  )
  const engine: EngineState = Context.get(context, Engine)
  const conn = await RawConnection.connect(Context.get(context, RedisServer).port)
  return {
    engine,
    conn,
    stop: async () => {
      await conn.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  } as const
}

const ALICE = "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* resetchannels &c -@all +@read -keys -sort_ro (~x* resetchannels -@all +set)"

describe("aclfile, ACL LOAD and ACL SAVE", () => {
  it("loads users at start-up, saves them, and reloads all or nothing", async () => {
    const file = join(dir, "users.acl")
    writeFileSync(file, "user default on nopass ~* &* +@all\nuser alice on >pw ~k* &c +@read -@dangerous (+set ~x*)\n\n")
    const server = await startServer({ aclfile: file })
    try {
      const c = await RawConnection.connect(server.port)
      expect(await value(c, "ACL", "LIST")).toEqual([ALICE, "user default on nopass ~* &* +@all"])
      expect(await raw(c, "ACL", "SETUSER", "bob", "on", ">x", "+get")).toBe("+OK\r\n")
      expect(await raw(c, "ACL", "SAVE")).toBe("+OK\r\n")
      expect(readFileSync(file, "latin1")).toBe(
        `${ALICE}\nuser bob on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 resetchannels -@all +get\nuser default on nopass ~* &* +@all\n`
      )
      // a client of a user the reload replaces is disconnected, even if the user comes back
      const bob = await RawConnection.connect(server.port)
      expect(await raw(bob, "AUTH", "bob", "x")).toBe("+OK\r\n")
      writeFileSync(file, "user carol on nopass +@all\nuser x +nosuch\n foo\nuser carol off\n")
      expect(await raw(c, "ACL", "LOAD")).toBe(
        `-ERR ${file}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:3 should start with user keyword followed by the username. WARNING: Duplicate user 'carol' found on line 4. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n`
      )
      expect(await value(c, "ACL", "USERS")).toEqual(["alice", "bob", "default"])
      writeFileSync(file, "user bob on >x +@all ~*\n")
      expect(await raw(c, "ACL", "LOAD")).toBe("+OK\r\n")
      expect(await value(c, "ACL", "LIST")).toEqual([
        "user bob on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~* resetchannels +@all",
        "user default on nopass ~* &* +@all"
      ])
      await bob.readUntilClose()
      expect(bob.isClosed).toBe(true)
      rmSync(file)
      expect(await raw(c, "ACL", "LOAD")).toBe(`-ERR Error loading ACLs, opening file '${file}': No such file or directory\r\n`)
      await c.close()
    } finally {
      await server.close()
    }
  })

  it("without an aclfile, LOAD and SAVE refuse", async () => {
    const server = await startServer()
    try {
      const c = await RawConnection.connect(server.port)
      const refusal =
        "-ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.\r\n"
      expect(await raw(c, "ACL", "LOAD")).toBe(refusal)
      expect(await raw(c, "ACL", "SAVE")).toBe(refusal)
      await c.close()
    } finally {
      await server.close()
    }
  })
})

describe("config user lines", () => {
  it("defines users; the default user is reset first", async () => {
    const s = await startFromArgs(["--user", "app", "on", ">pw", "~app:*", "+@all", "--user", "default", "on", "nopass", "+@read", "~*"])
    if ("error" in s) throw new Error(s.error)
    try {
      expect(await raw(s.conn, "SET", "k", "v")).toBe("-NOPERM this user has no permissions to run the 'set' command\r\n")
      expect(await raw(s.conn, "AUTH", "app", "pw")).toBe("+OK\r\n")
      expect(await value(s.conn, "ACL", "LIST")).toEqual([
        "user app on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~app:* resetchannels +@all",
        "user default on nopass sanitize-payload ~* resetchannels -@all +@read"
      ])
    } finally {
      await s.stop()
    }
  })

  it("refuses bad lines while loading, as Redis words them", async () => {
    const fail = async (argv: ReadonlyArray<string>) => {
      const s = await startFromArgs(argv)
      if (!("error" in s)) {
        await s.stop()
        throw new Error("started")
      }
      return s.error.split("\n").filter((l) => l !== "").slice(-1)[0]
    }
    expect(await fail(["--user", "bob", "on", "foo"])).toBe("Error in user declaration 'bob': Syntax error")
    expect(await fail(["--user", "bob", "on", "--user", "bob", "off"])).toBe(
      "Error in user declaration 'bob': Duplicate user found. A user can only be defined once in config files"
    )
  })

  it("an unknown command is found at start-up; users and an aclfile together are refused", async () => {
    const s = await startFromArgs(["--user", "bob", "on", "+nosuch"])
    if ("error" in s) throw new Error(s.error)
    try {
      expect(s.engine.registry.acl.startupErrors).toEqual([
        "Error loading ACL rule '+nosuch' for the user named 'bob': Unknown command or category name in ACL",
        "Critical error while loading ACLs. Exiting."
      ])
    } finally {
      await s.stop()
    }
    const file = join(dir, "both.acl")
    writeFileSync(file, "")
    const both = await startFromArgs(["--aclfile", file, "--user", "bob", "on"])
    if ("error" in both) throw new Error(both.error)
    try {
      expect(both.engine.registry.acl.startupErrors).toEqual([
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
      ])
    } finally {
      await both.stop()
    }
  })
})

describe.skipIf(!hasOracle)(`ACL files with redis-server${hasOracle ? "" : ` (${skipMessage})`}`, () => {
  it("a file our server saves loads in Redis, and the other way round; broken files fail alike", async () => {
    const ours = join(dir, "ours.acl")
    const theirs = join(dir, "theirs.acl")
    const rules = ["on", ">p", "~a*", "%R~b*", "%W~c*", "&ch", "+@all", "-@dangerous", "-get", "+config|get", "(~x* +@read -@keyspace)"]
    writeFileSync(ours, "")
    writeFileSync(theirs, "")
    const server = await startServer({ aclfile: ours })
    const oracle = await startOracle(["--aclfile", theirs])
    const a = await RawConnection.connect(server.port)
    const b = await RawConnection.connect(oracle.port)
    try {
      for (const c of [a, b]) {
        expect(await raw(c, "ACL", "SETUSER", "u", ...rules)).toBe("+OK\r\n")
        expect(await raw(c, "ACL", "SETUSER", "v", "off", "nopass", "allkeys", "+select|0", "+select|1")).toBe("+OK\r\n")
        expect(await raw(c, "ACL", "SAVE")).toBe("+OK\r\n")
      }
      // each loads the other's file (the single-command rules may come in another order)
      const sortTail = (l: string) => l.replace(/\(/g, "( ").replace(/\)/g, " )").split(" ").sort().join(" ")
      const ourSaved = readFileSync(ours, "latin1")
      const theirSaved = readFileSync(theirs, "latin1")
      expect(ourSaved.split("\n").map(sortTail)).toEqual(theirSaved.split("\n").map(sortTail))
      writeFileSync(theirs, ourSaved)
      writeFileSync(ours, theirSaved)
      for (const c of [a, b]) expect(await raw(c, "ACL", "LOAD")).toBe("+OK\r\n")
      const listA = (await value(a, "ACL", "LIST")) as Array<string>
      const listB = (await value(b, "ACL", "LIST")) as Array<string>
      expect(listA.map(sortTail)).toEqual(listB.map(sortTail))
      // the same broken file, read by both
      const broken = "user a on +nosuch\nnotuser x\nuser b %X~y\nuser a\nuser c (+get\n"
      writeFileSync(ours, broken)
      writeFileSync(theirs, broken)
      const [errA, errB] = [await raw(a, "ACL", "LOAD"), await raw(b, "ACL", "LOAD")]
      expect(errA.replaceAll(ours, "FILE")).toBe(errB.replaceAll(theirs, "FILE"))
    } finally {
      await a.close()
      await b.close()
      await server.close()
      await oracle.stop()
    }
  })
})

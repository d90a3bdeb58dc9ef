/**
 * ACL examples: rules and their errors, AUTH and HELLO AUTH, NOPERM for commands, keys (%R/%W),
 * channels (PSUBSCRIBE's literal pattern rule), selectors, MULTI/EXEC and scripts, the ACL log, DRYRUN,
 * and what happens to clients when their user changes or goes away. Expected values are Redis 7.0.15's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

let server: TestServer
const conns: Array<RawConnection> = []
const connect = async (): Promise<RawConnection> => {
  const c = await RawConnection.connect(server.port)
  conns.push(c)
  return c
}
beforeAll(async () => {
  server = await startServer()
})
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()))
  await server.close()
})

const raw = async (c: RawConnection, ...args: ReadonlyArray<string>): Promise<string> => (await c.call(...args)).raw
const value = async (c: RawConnection, ...args: ReadonlyArray<string>): Promise<unknown> => (await c.call(...args)).value
const err = (s: string): string => `-${s}\r\n`
const OK = "+OK\r\n"

describe("ACL SETUSER rules", () => {
  it("creates a user off, without passwords or permissions, and shows it as Redis does", async () => {
    const c = await connect()
    expect(await raw(c, "ACL", "SETUSER", "plain")).toBe(OK)
    expect(await value(c, "ACL", "LIST")).toEqual([
      "user default on nopass ~* &* +@all",
      "user plain off resetchannels -@all"
    ])
    expect(await value(c, "ACL", "USERS")).toEqual(["default", "plain"])
    expect(await raw(c, "ACL", "DELUSER", "plain")).toBe(":1\r\n")
  })

  it("stores passwords as SHA-256, accepts #hash and removes with < and !", async () => {
    const c = await connect()
    const hashOfP = "148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940"
    expect(await raw(c, "ACL", "SETUSER", "pw", ">p", `#${"a".repeat(64)}`)).toBe(OK)
    expect(await value(c, "ACL", "GETUSER", "pw")).toEqual([
      "flags",
      ["off"],
      "passwords",
      [hashOfP, "a".repeat(64)],
      "commands",
      "-@all",
      "keys",
      "",
      "channels",
      "",
      "selectors",
      []
    ])
    expect(await raw(c, "ACL", "SETUSER", "pw", "<p", `!${"a".repeat(64)}`)).toBe(OK)
    expect(await raw(c, "ACL", "SETUSER", "pw", "<p")).toBe(
      err("ERR Error in ACL SETUSER modifier '<p': The password you are trying to remove from the user does not exist")
    )
    expect(await raw(c, "ACL", "SETUSER", "pw", "#ABC")).toBe(
      err(
        "ERR Error in ACL SETUSER modifier '#ABC': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
      )
    )
    await raw(c, "ACL", "DELUSER", "pw")
  })

  it("refuses bad rules with Redis's messages and changes nothing", async () => {
    const c = await connect()
    await raw(c, "ACL", "SETUSER", "bad", "on", "+get")
    expect(await raw(c, "ACL", "SETUSER", "bad", "+set", "+nosuchcommand")).toBe(
      err("ERR Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL")
    )
    expect(await raw(c, "ACL", "SETUSER", "bad", "-@nosuch")).toBe(
      err("ERR Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL")
    )
    expect(await raw(c, "ACL", "SETUSER", "bad", "whatever")).toBe(err("ERR Error in ACL SETUSER modifier 'whatever': Syntax error"))
    expect(await raw(c, "ACL", "SETUSER", "bad", "~*", "~x")).toBe(
      err(
        "ERR Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
      )
    )
    expect(await raw(c, "ACL", "SETUSER", "bad", "&*", "&x")).toBe(
      err(
        "ERR Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
      )
    )
    expect(await raw(c, "ACL", "SETUSER", "bad", "+config|get|x")).toBe(
      err("ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported")
    )
    expect(await raw(c, "ACL", "SETUSER", "bad", "%X~k")).toBe(err("ERR Error in ACL SETUSER modifier '%X~k': Syntax error"))
    expect(await raw(c, "ACL", "SETUSER", "bad", "(~x", "+get")).toBe(
      err("ERR Unmatched parenthesis in acl selector starting at '(~x'.")
    )
    expect(await raw(c, "ACL", "SETUSER", "b d")).toBe(err("ERR Usernames can't contain spaces or null characters"))
    expect(await value(c, "ACL", "LIST")).toContain("user bad on resetchannels -@all +get")
    expect(await raw(c, "ACL", "DELUSER", "default")).toBe(err("ERR The 'default' user cannot be removed"))
    await raw(c, "ACL", "DELUSER", "bad")
  })

  it("describes categories greedily, then single commands, first args and selectors", async () => {
    const c = await connect()
    await raw(c, "ACL", "SETUSER", "d", "on", "nopass", "~a*", "%R~b*", "%W~c*", "&ch", "+@all", "-@dangerous", "+select|0", "(~x* +get)")
    expect(await value(c, "ACL", "LIST")).toContain(
      "user d on nopass ~a* %R~b* %W~c* resetchannels &ch +@all -@dangerous (~x* resetchannels -@all +get)"
    )
    await raw(c, "ACL", "SETUSER", "d", "reset", "-@all", "+select|0", "+select|1")
    expect(await value(c, "ACL", "LIST")).toContain("user d off sanitize-payload resetchannels -@all +select|0 +select|1")
    await raw(c, "ACL", "SETUSER", "d", "clearselectors", "allkeys", "allchannels", "nocommands", "+@read", "-@keyspace")
    expect(await value(c, "ACL", "GETUSER", "d")).toEqual(expect.arrayContaining(["keys", "~*", "channels", "&*"]))
    await raw(c, "ACL", "DELUSER", "d")
  })

  it("acl-pubsub-default decides the channels of new and reset users", async () => {
    const c = await connect()
    await raw(c, "CONFIG", "SET", "acl-pubsub-default", "allchannels")
    await raw(c, "ACL", "SETUSER", "nn")
    await raw(c, "ACL", "SETUSER", "nn2", "reset")
    await raw(c, "CONFIG", "SET", "acl-pubsub-default", "resetchannels")
    const list = (await value(c, "ACL", "LIST")) as Array<string>
    expect(list.filter((l) => l.startsWith("user nn"))).toEqual(["user nn off &* -@all", "user nn2 off sanitize-payload &* -@all"])
    await raw(c, "ACL", "DELUSER", "nn", "nn2")
  })

  it("ACL CAT lists categories and a category's commands; GENPASS gives hex of the asked bits", async () => {
    const c = await connect()
    const cats = (await value(c, "ACL", "CAT")) as Array<string>
    expect(cats.slice(0, 3)).toEqual(["keyspace", "read", "write"])
    expect(cats).toHaveLength(21)
    const geo = (await value(c, "ACL", "CAT", "GEO")) as Array<string>
    expect([...geo].sort()).toEqual(
      ["geoadd", "geodist", "geohash", "geopos", "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro", "geosearch", "geosearchstore"]
    )
    expect(await raw(c, "ACL", "CAT", "nope")).toBe(err("ERR Unknown category 'nope'"))
    expect(((await value(c, "ACL", "GENPASS")) as string)).toMatch(/^[0-9a-f]{64}$/)
    expect(((await value(c, "ACL", "GENPASS", "5")) as string)).toMatch(/^[0-9a-f]{2}$/)
    expect(await raw(c, "ACL", "GENPASS", "0")).toBe(
      err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
    )
    expect(await raw(c, "ACL", "WHOAMI")).toBe("$7\r\ndefault\r\n")
  })
})

describe("AUTH and HELLO", () => {
  it("authenticates a named user, refuses wrong passwords and disabled users alike", async () => {
    const admin = await connect()
    await raw(admin, "ACL", "SETUSER", "alice", "on", ">secret", "~*", "+@all")
    await raw(admin, "ACL", "SETUSER", "offuser", "off", ">secret", "~*", "+@all")
    const c = await connect()
    const WRONGPASS = err("WRONGPASS invalid username-password pair or user is disabled.")
    expect(await raw(c, "AUTH", "alice", "nope")).toBe(WRONGPASS)
    expect(await raw(c, "AUTH", "nobody", "secret")).toBe(WRONGPASS)
    expect(await raw(c, "AUTH", "offuser", "secret")).toBe(WRONGPASS)
    expect(await raw(c, "AUTH", "alice", "secret")).toBe(OK)
    expect(await raw(c, "ACL", "WHOAMI")).toBe("$5\r\nalice\r\n")
    expect(await raw(c, "AUTH", "secret")).toBe(
      err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    )
    const h = await connect()
    expect(await raw(h, "HELLO", "3", "AUTH", "alice", "bad")).toBe(WRONGPASS)
    const hello = (await value(h, "HELLO", "3", "AUTH", "alice", "secret")) as Map<string, unknown>
    expect(hello.get("proto")).toBe(3)
    expect(await raw(h, "ACL", "WHOAMI")).toBe("$5\r\nalice\r\n")
    // the failures are in the log, newest first, as "auth" entries of the user named
    const log = (await value(admin, "ACL", "LOG", "2")) as Array<Array<unknown>>
    expect(log[0]!.slice(0, 10)).toEqual(["count", 1, "reason", "auth", "context", "toplevel", "object", "HELLO", "username", "alice"])
    await raw(admin, "ACL", "LOG", "RESET")
    await raw(admin, "ACL", "DELUSER", "alice", "offuser")
  })

  it("requirepass is the default user's password; a new connection must AUTH", async () => {
    const s = await startServer({ requirepass: "pw" })
    try {
      const c = await RawConnection.connect(s.port)
      expect(await raw(c, "GET", "x")).toBe(err("NOAUTH Authentication required."))
      expect(await raw(c, "AUTH", "bad")).toBe(err("WRONGPASS invalid username-password pair or user is disabled."))
      expect(await raw(c, "AUTH", "pw")).toBe(OK)
      expect(await value(c, "ACL", "LIST")).toEqual([
        "user default on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all"
      ])
      expect(await raw(c, "CONFIG", "SET", "requirepass", "")).toBe(OK)
      expect(await value(c, "ACL", "LIST")).toEqual(["user default on nopass ~* &* +@all"])
      await c.close()
    } finally {
      await s.close()
    }
  })
})

describe("enforcement", () => {
  let admin: RawConnection
  let u: RawConnection
  beforeAll(async () => {
    admin = await connect()
    await raw(admin, "ACL", "SETUSER", "bob", "on", ">b", "~k*", "%R~r*", "%W~w*", "&news.*", "+@all", "-flushall", "-config|set")
    u = await connect()
    expect(await raw(u, "AUTH", "bob", "b")).toBe(OK)
  })

  const NOKEY = err("NOPERM this user has no permissions to access one of the keys used as arguments")
  const NOCHAN = err("NOPERM this user has no permissions to access one of the channels used as arguments")

  it("commands and subcommands", async () => {
    expect(await raw(u, "FLUSHALL")).toBe(err("NOPERM this user has no permissions to run the 'flushall' command"))
    expect(await raw(u, "CONFIG", "SET", "maxmemory", "0")).toBe(err("NOPERM this user has no permissions to run the 'config|set' command"))
    expect(await raw(u, "PING")).toBe("+PONG\r\n")
  })

  it("keys, with read and write permissions from the key specs", async () => {
    expect(await raw(u, "SET", "k1", "v")).toBe(OK)
    expect(await raw(u, "SET", "x1", "v")).toBe(NOKEY)
    expect(await raw(u, "GET", "r1")).toBe("$-1\r\n")
    expect(await raw(u, "SET", "r1", "v")).toBe(NOKEY)
    expect(await raw(u, "SET", "w1", "v")).toBe(OK)
    expect(await raw(u, "GET", "w1")).toBe(NOKEY)
    // SET ... GET reads too; EXISTS needs neither permission; LMOVE reads and writes its source
    expect(await raw(u, "SET", "w1", "v", "GET")).toBe(NOKEY)
    expect(await raw(u, "EXISTS", "r1", "w1")).toBe(":1\r\n")
    expect(await raw(u, "LMOVE", "r1", "w1", "LEFT", "LEFT")).toBe(NOKEY)
    expect(await raw(u, "COPY", "r1", "w1")).toBe(":0\r\n")
  })

  it("channels: PUBLISH and SUBSCRIBE match patterns, PSUBSCRIBE needs the very pattern", async () => {
    expect(await raw(u, "PUBLISH", "news.today", "x")).toBe(":0\r\n")
    expect(await raw(u, "PUBLISH", "sport", "x")).toBe(NOCHAN)
    const s = await connect()
    await raw(s, "AUTH", "bob", "b")
    expect(await raw(s, "PSUBSCRIBE", "news.t*")).toBe(NOCHAN)
    expect(await raw(s, "SUBSCRIBE", "news.a", "sport")).toBe(NOCHAN)
    expect(await raw(s, "PSUBSCRIBE", "news.*")).toBe("*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n")
  })

  it("in MULTI at queue time, and at EXEC once the rules changed", async () => {
    expect(await raw(u, "MULTI")).toBe(OK)
    expect(await raw(u, "SET", "x", "1")).toBe(NOKEY)
    expect(await raw(u, "EXEC")).toBe(err("EXECABORT Transaction discarded because of previous errors."))
    expect(await raw(u, "MULTI")).toBe(OK)
    expect(await raw(u, "SET", "k2", "1")).toBe("+QUEUED\r\n")
    await raw(admin, "ACL", "SETUSER", "bob", "resetkeys", "~z*")
    expect(await raw(u, "EXEC")).toBe(
      "*1\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to touch the specified keys\r\n"
    )
    await raw(admin, "ACL", "SETUSER", "bob", "resetkeys", "~k*", "%R~r*", "%W~w*")
  })

  it("inside scripts, in the script's words", async () => {
    // a key EVAL declares is checked against EVAL itself; one the script makes up, at redis.call
    expect(await raw(u, "EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "x9")).toBe(NOKEY)
    expect(await raw(u, "EVAL", "return redis.call('set', ARGV[1], 'v')", "0", "x9")).toBe(
      err(
        "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: b58106168e54d4f26f44a68accc2f7ed6c002166, on @user_script:1."
      )
    )
    const log = (await value(admin, "ACL", "LOG", "1")) as Array<Array<unknown>>
    expect(log[0]!.slice(0, 10)).toEqual(["count", 1, "reason", "key", "context", "lua", "object", "x9", "username", "bob"])
  })

  it("redis.acl_check_cmd answers for the script's caller", async () => {
    expect(
      await value(
        u,
        "EVAL",
        "return tostring(redis.acl_check_cmd('get','k1')) .. tostring(redis.acl_check_cmd('set','x','v')) .. tostring(redis.acl_check_cmd('flushall'))",
        "0"
      )
    ).toBe("truefalsefalse")
  })

  it("selectors: a command passes when one selector allows all of it", async () => {
    await raw(admin, "ACL", "SETUSER", "sel", "on", "nopass", "-@all", "+get", "~a*", "(+set ~b*)")
    const c = await connect()
    await raw(c, "AUTH", "sel", "x")
    expect(await raw(c, "GET", "a1")).toBe("$-1\r\n")
    expect(await raw(c, "SET", "b1", "v")).toBe(OK)
    expect(await raw(c, "SET", "a1", "v")).toBe(NOKEY)
    expect(await raw(c, "GET", "b1")).toBe(NOKEY)
    expect(await raw(c, "DEL", "a1")).toBe(err("NOPERM this user has no permissions to run the 'del' command"))
  })

  it("ACL DRYRUN answers for another user", async () => {
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "GET", "k1")).toBe(OK)
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "GET", "x1")).toBe("$51\r\nThis user has no permissions to access the 'x1' key\r\n")
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "FLUSHALL")).toBe("$58\r\nThis user has no permissions to run the 'flushall' command\r\n")
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "PUBLISH", "c", "m")).toBe("$54\r\nThis user has no permissions to access the 'c' channel\r\n")
    expect(await raw(admin, "ACL", "DRYRUN", "nobody", "GET", "x")).toBe(err("ERR User 'nobody' not found"))
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "NOPE")).toBe(err("ERR Command 'NOPE' not found"))
    expect(await raw(admin, "ACL", "DRYRUN", "bob", "GET")).toBe(err("ERR wrong number of arguments for 'get' command"))
  })

  it("the log groups repeated denials and counts them", async () => {
    await raw(admin, "ACL", "LOG", "RESET")
    await raw(u, "FLUSHALL")
    await raw(u, "FLUSHALL")
    const log = (await value(admin, "ACL", "LOG")) as Array<Array<unknown>>
    expect(log).toHaveLength(1)
    expect(log[0]!.slice(0, 10)).toEqual(["count", 2, "reason", "command", "context", "toplevel", "object", "flushall", "username", "bob"])
    expect(log[0]![10]).toBe("age-seconds")
    expect(log[0]![12]).toBe("client-info")
    expect(log[0]![13]).toMatch(/ cmd=flushall user=bob /)
  })

  it("a deleted user's clients are disconnected; a subscriber losing its channel is too", async () => {
    await raw(admin, "ACL", "SETUSER", "tmp", "on", "nopass", "+@all", "~*", "&chan")
    const c = await connect()
    await raw(c, "AUTH", "tmp", "x")
    const sub = await connect()
    await raw(sub, "AUTH", "tmp", "x")
    await raw(sub, "SUBSCRIBE", "chan")
    await raw(admin, "ACL", "SETUSER", "tmp", "resetchannels", "&other")
    await sub.readUntilClose()
    expect(sub.isClosed).toBe(true)
    expect(c.isClosed).toBe(false)
    expect(await raw(admin, "ACL", "DELUSER", "tmp")).toBe(":1\r\n")
    await c.readUntilClose()
    expect(c.isClosed).toBe(true)
  })

  it("CLIENT KILL USER closes the user's connections, and knows the users", async () => {
    await raw(admin, "ACL", "SETUSER", "killme", "on", "nopass", "+@all")
    const c = await connect()
    await raw(c, "AUTH", "killme", "x")
    expect(await raw(admin, "CLIENT", "KILL", "USER", "killme")).toBe(":1\r\n")
    await c.readUntilClose()
    expect(await raw(admin, "CLIENT", "KILL", "USER", "nosuch")).toBe(err("ERR No such user 'nosuch'"))
    await raw(admin, "ACL", "DELUSER", "killme")
  })

  it("a user whose permissions change loses access at its next command", async () => {
    await raw(admin, "ACL", "SETUSER", "bob", "-get")
    expect(await raw(u, "GET", "k1")).toBe(err("NOPERM this user has no permissions to run the 'get' command"))
    await raw(admin, "ACL", "SETUSER", "bob", "+get")
    expect(await raw(u, "GET", "k1")).toBe("$1\r\nv\r\n")
  })
})

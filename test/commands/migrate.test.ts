/**
 * MIGRATE against Redis 7.0 in both directions: the same MIGRATE lines run from this server and from
 * a real redis-server (the sources, same data) into real redis-server targets (one without a password,
 * one with requirepass and an ACL user), each source into its own database of the target; the replies
 * must be byte-identical, the sources must propagate and notify the same (DEL of the acknowledged keys,
 * "del" events: Redis's AOF and keyevents against ours), and the targets must hold the same values.
 * Then redis-server migrates into this server (RESTORE, AUTH, SELECT as Redis sends them), and both
 * sides migrate to a dead port and to a server that never answers (IOERR texts, keys kept).
 */
import fc from "fast-check"
import * as Net from "node:net"
import { afterAll, beforeAll, expect, it } from "vitest"
import { migrateKeys, MigrateSockets, migrateSpecKeys } from "../../src/server/Migrate.ts"
import type { Command } from "../support/differential.ts"
import { describeEffects } from "../support/effects.ts"
import { freePort, type Oracle, startOracle } from "../support/oracle.ts"
import { processServers } from "../support/processServer.ts"
import { RawConnection, type RawReply } from "../support/raw.ts"

/** The target databases each source migrates into. */
const OURS_DB = "1"
const THEIRS_DB = "2"

describeEffects("MIGRATE", (servers, effects) => {
  const fleet = processServers("migrate")
  let plain: Oracle
  let secured: Oracle
  let plainConn: RawConnection
  let securedConn: RawConnection
  let silent: Net.Server
  let silentPort = 0
  const silentSockets: Array<Net.Socket> = []

  beforeAll(async () => {
    ;[plain, secured] = await Promise.all([
      startOracle(),
      startOracle(["--requirepass", "pw", "--user", "alice", "on", ">secret", "~*", "+@all"])
    ])
    plainConn = await RawConnection.connect(plain.port)
    securedConn = await RawConnection.connect(secured.port)
    await securedConn.call("AUTH", "pw")
    // accepts connections and never replies
    silent = Net.createServer((s) => silentSockets.push(s.on("error", () => {})))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    silentPort = (silent.address() as Net.AddressInfo).port
  })
  afterAll(async () => {
    for (const s of silentSockets) s.destroy()
    silent?.close()
    await Promise.all([plainConn?.close(), securedConn?.close()])
    await Promise.all([plain?.stop(), secured?.stop()])
  })

  const target = (which: "plain" | "secured") => (which === "plain" ? { oracle: plain, conn: plainConn } : { oracle: secured, conn: securedConn })

  /**
   * Runs `setup` on both sources (after FLUSHALL), then `line(port, db)` on each: ours into OURS_DB,
   * theirs into THEIRS_DB of the target. Propagation and events are compared; returns both replies.
   */
  const migrateBoth = async (
    setup: ReadonlyArray<Command>,
    line: (db: string) => Command
  ): Promise<[RawReply, RawReply]> => {
    const { ours, theirs } = servers()
    const all = [["FLUSHALL"], ...setup]
    await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
    let replies: [RawReply, RawReply] | undefined
    await effects.compare(async () => {
      // one after the other: ours holds the test process while it waits for its target
      const a = await ours.call(...line(OURS_DB))
      const b = await theirs.call(...line(THEIRS_DB))
      replies = [a, b]
    })
    return replies!
  }

  /** A target database's keys with their type, encoding, value and whether they have a TTL. */
  const contents = async (conn: RawConnection, db: string): Promise<Array<unknown>> => {
    await conn.call("SELECT", db)
    const keys = ((await conn.call("KEYS", "*")).value as Array<string>).sort()
    const out: Array<unknown> = []
    for (const key of keys) {
      const [type, encoding, ttl] = await conn.pipeline([["TYPE", key], ["OBJECT", "ENCODING", key], ["PTTL", key]])
      const read: Record<string, Command> = {
        string: ["GET", key],
        list: ["LRANGE", key, "0", "-1"],
        set: ["SMEMBERS", key],
        hash: ["HGETALL", key],
        zset: ["ZRANGE", key, "0", "-1", "WITHSCORES"],
        stream: ["XRANGE", key, "-", "+"]
      }
      const value = (await conn.call(...read[type!.value as string]!)).value
      // sets and hashes in hash tables: the order is the table's
      const comparable = Array.isArray(value) && (type!.value === "set" || type!.value === "hash") ? [...value].map(String).sort() : value
      out.push([key, type!.value, encoding!.value, comparable, (ttl!.value as number) > 0 ? "ttl" : ttl!.value])
    }
    return out
  }

  const flushTargets = async () => {
    await Promise.all([plainConn.call("FLUSHALL"), securedConn.call("FLUSHALL")])
  }

  const sameTargets = async (which: "plain" | "secured") => {
    const { conn } = target(which)
    const [a, b] = [await contents(conn, OURS_DB), await contents(conn, THEIRS_DB)]
    expect(a).toEqual(b)
    return a
  }

  const sourceKeys = async (): Promise<[unknown, unknown]> => {
    const { ours, theirs } = servers()
    const [a, b] = await Promise.all([ours.call("KEYS", "*"), theirs.call("KEYS", "*")])
    return [(a.value as Array<string>).sort(), (b.value as Array<string>).sort()]
  }

  it("moves a key: OK, the source key deleted (DEL propagated, del event), the target holds it with its TTL", async () => {
    await flushTargets()
    const [a, b] = await migrateBoth(
      [["SET", "k", "v"], ["PEXPIRE", "k", "100000"], ["SET", "other", "x"]],
      (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "k", db, "5000"]
    )
    expect(a.raw).toBe("+OK\r\n")
    expect(a.raw).toBe(b.raw)
    expect(await sameTargets("plain")).toEqual([["k", "string", "embstr", "v", "ttl"]])
    const [ours, theirs] = await sourceKeys()
    expect(ours).toEqual(["other"])
    expect(ours).toEqual(theirs)
  })

  it("KEYS moves the keys that exist (every type) and answers NOKEY when none does", async () => {
    await flushTargets()
    const setup: Array<Command> = [
      ["SET", "s", "12345"],
      ["RPUSH", "l", "a", "b", "c"],
      ["SADD", "set", "1", "2", "3"],
      ["HSET", "h", "f", "v"],
      ["ZADD", "z", "1", "a", "2.5", "b"],
      ["XADD", "x", "1-1", "f", "v"]
    ]
    const [a, b] = await migrateBoth(setup, (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "", db, "5000", "KEYS", "s", "missing", "l", "set", "h", "z", "x"])
    expect(a.raw).toBe("+OK\r\n")
    expect(a.raw).toBe(b.raw)
    expect((await sameTargets("plain")).length).toBe(6)
    expect(await sourceKeys()).toEqual([[], []])
    const [c, d] = await migrateBoth([], (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "", db, "5000", "KEYS", "nothing", "here"])
    expect(c.raw).toBe("+NOKEY\r\n")
    expect(c.raw).toBe(d.raw)
  })

  it("a key the target already has: BUSYKEY relayed and the key kept; REPLACE overwrites; COPY keeps the source", async () => {
    await flushTargets()
    for (const db of [OURS_DB, THEIRS_DB]) await plainConn.pipeline([["SELECT", db], ["SET", "k", "old"]])
    const [a, b] = await migrateBoth([["SET", "k", "new"]], (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "k", db, "5000"])
    expect(a.raw).toBe("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n")
    expect(a.raw).toBe(b.raw)
    expect(await sourceKeys()).toEqual([["k"], ["k"]])
    const [c, d] = await migrateBoth([["SET", "k", "new"]], (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "k", db, "5000", "COPY", "REPLACE"])
    expect(c.raw).toBe("+OK\r\n")
    expect(c.raw).toBe(d.raw)
    expect(await sourceKeys()).toEqual([["k"], ["k"]])
    await plainConn.call("SELECT", OURS_DB)
    expect((await plainConn.call("GET", "k")).value).toBe("new")
    // one key busy among several: the others move (and propagate as DEL), the busy one stays, the error is relayed
    for (const db of [OURS_DB, THEIRS_DB]) await plainConn.pipeline([["SELECT", db], ["SET", "b", "old"]])
    const [g, h] = await migrateBoth([["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"]], (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "", db, "5000", "KEYS", "a", "b", "c"])
    expect(g.raw).toBe("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n")
    expect(g.raw).toBe(h.raw)
    expect(await sourceKeys()).toEqual([["b"], ["b"]])
    const [e, f] = await migrateBoth([["SET", "k", "newer"]], (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "k", db, "5000", "replace"])
    expect(e.raw).toBe("+OK\r\n")
    expect(e.raw).toBe(f.raw)
    expect(await sourceKeys()).toEqual([[], []])
    await sameTargets("plain")
  })

  it("AUTH and AUTH2: the target's errors relayed (NOAUTH, WRONGPASS), and the keys moved once authenticated", async () => {
    await flushTargets()
    const port = String(secured.port)
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [[], "-ERR Target instance replied with error: NOAUTH Authentication required.\r\n"],
      [["AUTH", "wrong"], "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n"],
      [["AUTH2", "alice", "wrong"], "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n"],
      [["AUTH", "pw"], "+OK\r\n"],
      [["AUTH2", "alice", "secret", "REPLACE"], "+OK\r\n"]
    ]
    for (const [auth, expected] of cases) {
      const [a, b] = await migrateBoth([["SET", "k", "v"]], (db) => ["MIGRATE", "127.0.0.1", port, "k", db, "5000", ...auth])
      expect(a.raw).toBe(expected)
      expect(a.raw).toBe(b.raw)
    }
    await sameTargets("secured")
  })

  it("a database the target lacks: the SELECT error relayed, and the next MIGRATE selects again", async () => {
    const { ours, theirs } = servers()
    const port = String(plain.port)
    await Promise.all([ours.pipeline([["FLUSHALL"], ["SET", "k", "v"]]), theirs.pipeline([["FLUSHALL"], ["SET", "k", "v"]])])
    const a = await ours.call("MIGRATE", "127.0.0.1", port, "k", "99", "5000")
    const b = await theirs.call("MIGRATE", "127.0.0.1", port, "k", "99", "5000")
    expect(a.raw).toBe("-ERR Target instance replied with error: ERR DB index is out of range\r\n")
    expect(a.raw).toBe(b.raw)
    await flushTargets()
    const [c, d] = await migrateBoth([["SET", "k", "v"]], (db) => ["MIGRATE", "127.0.0.1", port, "k", db, "5000"])
    expect(c.raw).toBe("+OK\r\n")
    expect(c.raw).toBe(d.raw)
    await sameTargets("plain")
  })

  it("inside MULTI and from a script it works as at top level (the exchange is synchronous, as in Redis)", async () => {
    await flushTargets()
    const { ours, theirs } = servers()
    const port = String(plain.port)
    const setup = [["FLUSHALL"], ["SET", "a", "1"], ["SET", "b", "2"]]
    await Promise.all([ours.pipeline(setup), theirs.pipeline(setup)])
    const transaction = (db: string) => [["MULTI"], ["MIGRATE", "127.0.0.1", port, "a", db, "5000"], ["SET", "c", "3"], ["EXEC"]]
    const script = (db: string) => ["EVAL", `return redis.call('MIGRATE', '127.0.0.1', '${port}', KEYS[1], '${db}', '5000')`, "1", "b"]
    await effects.compare(async () => {
      const a = await ours.pipeline(transaction(OURS_DB))
      const b = await theirs.pipeline(transaction(THEIRS_DB))
      expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw))
      expect(a[3]!.raw).toBe("*2\r\n+OK\r\n+OK\r\n")
      const c = await ours.call(...script(OURS_DB))
      const d = await theirs.call(...script(THEIRS_DB))
      expect(c.raw).toBe("+OK\r\n")
      expect(c.raw).toBe(d.raw)
    })
    expect(await sourceKeys()).toEqual([["c"], ["c"]])
    expect((await sameTargets("plain")).map((e) => (e as Array<unknown>)[0])).toEqual(["a", "b"])
  })

  it("a cached connection the target closed is replaced at once (one retry): OK, not IOERR", async () => {
    await flushTargets()
    const port = String(plain.port)
    const [a, b] = await migrateBoth([["SET", "k", "1"]], (db) => ["MIGRATE", "127.0.0.1", port, "k", db, "5000"])
    expect([a.raw, b.raw]).toEqual(["+OK\r\n", "+OK\r\n"])
    // the target drops every other client: both sources' cached connections
    await plainConn.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    const [c, d] = await migrateBoth([["SET", "j", "2"]], (db) => ["MIGRATE", "127.0.0.1", port, "j", db, "5000"])
    expect(c.raw).toBe("+OK\r\n")
    expect(c.raw).toBe(d.raw)
    await sameTargets("plain")
  })

  it("MONITOR shows AUTH and AUTH2 passwords redacted, as Redis does", async () => {
    const { ours, theirs, server, oracle } = servers()
    const monitors = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
    try {
      await Promise.all(monitors.map((m) => m.call("MONITOR")))
      const line = ["MIGRATE", "127.0.0.1", "1", "", "0", "100", "AUTH2", "user", "secret", "AUTH", "pass", "KEYS", "nothing"]
      expect((await ours.call(...line)).raw).toBe((await theirs.call(...line)).raw)
      const [a, b] = await Promise.all(monitors.map(async (m) => String((await m.read(1))[0]!.value)))
      const strip = (l: string) => l.replace(/^\S+ \[\d+ [^\]]+\] /, "")
      expect(strip(a)).toBe('"MIGRATE" "127.0.0.1" "1" "" "0" "100" "AUTH2" "(redacted)" "(redacted)" "AUTH" "(redacted)" "KEYS" "nothing"')
      expect(strip(a)).toBe(strip(b))
    } finally {
      await Promise.all(monitors.map((m) => m.close()))
    }
  })

  it("argument errors are Redis's", async () => {
    const { ours, theirs } = servers()
    const port = String(plain.port)
    const lines: Array<Command> = [
      ["MIGRATE", "127.0.0.1", port, "k", "0"],
      ["MIGRATE", "127.0.0.1", port, "k", "0", "x"],
      ["MIGRATE", "127.0.0.1", port, "k", "x", "1000"],
      ["MIGRATE", "127.0.0.1", port, "k", "0", "1000", "AUTH"],
      ["MIGRATE", "127.0.0.1", port, "k", "0", "1000", "AUTH2", "u"],
      ["MIGRATE", "127.0.0.1", port, "k", "0", "1000", "foo"],
      ["MIGRATE", "127.0.0.1", port, "k", "0", "1000", "KEYS", "a"],
      ["MIGRATE", "127.0.0.1", port, "", "0", "1000", "KEYS"],
      ["MIGRATE", "127.0.0.1", port, "nokey", "0", "1000"],
      ["COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "1", "AUTH", "KEYS", "KEYS", "a", "b"],
      ["COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "1", "COPY"],
      ["COMMAND", "GETKEYS", "MIGRATE", "a", "a", "a", "a", "a", "KEYS"],
      ["COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "1", "KEYS"],
      ["COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "1", "KEYS", "a", "b"]
    ]
    for (const line of lines) expect((await ours.call(...line)).raw).toBe((await theirs.call(...line)).raw)
  })

  it("a dead port: IOERR writing; a target that never answers: IOERR reading after the timeout; a bad host: IOERR connecting; keys kept", async () => {
    const dead = String(await freePort())
    const cases: Array<[Command, string]> = [
      [["MIGRATE", "127.0.0.1", dead, "k", "0", "1000"], "-IOERR error or timeout writing to target instance\r\n"],
      [["MIGRATE", "127.0.0.1", String(silentPort), "k", "0", "200"], "-IOERR error or timeout reading to target instance\r\n"],
      [["MIGRATE", "", dead, "k", "0", "200"], "-IOERR error or timeout connecting to the client\r\n"]
    ]
    for (const [line, expected] of cases) {
      const [a, b] = await migrateBoth([["SET", "k", "v"]], () => line)
      expect(a.raw).toBe(expected)
      expect(a.raw).toBe(b.raw)
      expect(await sourceKeys()).toEqual([["k"], ["k"]])
    }
  })

  it("INFO migrate_cached_sockets counts the cached connections", async () => {
    const { ours } = servers()
    const info = (await ours.call("INFO", "stats")).value as string
    expect(Number(/migrate_cached_sockets:(\d+)/.exec(info)![1])).toBeGreaterThan(0)
  })

  it("the socket cache: one connection per host:port, closed once unused for more than 10 seconds", async () => {
    const sockets = new MigrateSockets()
    try {
      const clients = async () => ((await plainConn.call("CLIENT", "LIST")).value as string).trim().split("\n").length
      const before = await clients()
      const socket = sockets.get("127.0.0.1", String(plain.port), 1000, 100)
      expect(socket).toBeDefined()
      expect(sockets.get("127.0.0.1", String(plain.port), 1000, 102)).toBe(socket)
      expect(await clients()).toBe(before + 1)
      sockets.closeTimedOut(112)
      expect(sockets.cache.size).toBe(1)
      sockets.closeTimedOut(113)
      expect(sockets.cache.size).toBe(0)
      for (let i = 0; i < 50 && (await clients()) !== before; i++) await new Promise((r) => setTimeout(r, 20))
      expect(await clients()).toBe(before)
    } finally {
      sockets.link.terminate()
    }
  })

  it("redis-server migrating into this server: RESTORE, SELECT, AUTH2 and BUSYKEY as from Redis", async () => {
    const { ours, theirs, server } = servers()
    await ours.pipeline([["FLUSHALL"], ["ACL", "SETUSER", "bob", "on", ">pass", "~*", "+@all"]])
    const port = String(server.port)
    const setup = [["FLUSHALL"], ["SET", "s", "1"], ["RPUSH", "l", "a", "b"], ["HSET", "h", "f", "v"], ["PEXPIRE", "h", "100000"]]
    await theirs.pipeline(setup)
    const before = [await theirs.call("DUMP", "l"), await theirs.call("DUMP", "h")].map((r) => r.value)
    expect((await theirs.call("MIGRATE", "127.0.0.1", port, "", "3", "5000", "AUTH2", "bob", "pass", "KEYS", "s", "l", "h")).raw).toBe("+OK\r\n")
    await ours.call("SELECT", "3")
    expect((await ours.call("GET", "s")).value).toBe("1")
    expect([(await ours.call("DUMP", "l")).value, (await ours.call("DUMP", "h")).value]).toEqual(before)
    expect((await ours.call("PTTL", "h")).value).toBeGreaterThan(90000)
    await theirs.call("SET", "s", "2")
    expect((await theirs.call("MIGRATE", "127.0.0.1", port, "s", "3", "5000", "AUTH2", "bob", "pass")).raw)
      .toBe("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n")
    expect((await theirs.call("MIGRATE", "127.0.0.1", port, "s", "3", "5000", "AUTH2", "bob", "nope")).raw)
      .toBe("-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n")
    expect((await theirs.call("MIGRATE", "127.0.0.1", port, "s", "3", "5000", "REPLACE")).raw).toBe("+OK\r\n")
    expect((await ours.call("GET", "s")).value).toBe("2")
    await ours.pipeline([["SELECT", "0"], ["ACL", "DELUSER", "bob"]])
  })

  it("this server migrating into another of its kind (a separate process): AUTH, KEYS, BUSYKEY, REPLACE", async () => {
    const { ours } = servers()
    const port = await freePort()
    await fleet.start(port)
    const other = await RawConnection.connect(port)
    try {
      await other.call("CONFIG", "SET", "requirepass", "pw")
      await ours.pipeline([["FLUSHALL"], ["SET", "s", "1"], ["RPUSH", "l", "a", "b"], ["ZADD", "z", "1", "m"], ["PEXPIRE", "z", "100000"]])
      expect((await ours.call("MIGRATE", "127.0.0.1", String(port), "", "2", "5000", "AUTH", "pw", "KEYS", "s", "l", "z")).raw).toBe("+OK\r\n")
      await other.call("SELECT", "2")
      expect([(await other.call("GET", "s")).value, (await other.call("LRANGE", "l", "0", "-1")).value]).toEqual(["1", ["a", "b"]])
      expect((await other.call("PTTL", "z")).value).toBeGreaterThan(90000)
      await ours.call("SET", "s", "2")
      expect((await ours.call("MIGRATE", "127.0.0.1", String(port), "s", "2", "5000", "AUTH", "pw")).raw)
        .toBe("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n")
      expect((await ours.call("MIGRATE", "127.0.0.1", String(port), "s", "2", "5000", "AUTH", "pw", "REPLACE")).raw).toBe("+OK\r\n")
      expect((await other.call("GET", "s")).value).toBe("2")
      expect((await ours.call("DBSIZE")).value).toBe(0)
    } finally {
      await other.close()
    }
  })

  it("property: random keys of every type moved by KEYS land identical on the target from either server", async () => {
    const key = fc.constantFrom("a", "b", "c", "d", "e")
    const write: fc.Arbitrary<Command> = fc.oneof(
      fc.tuple(key, fc.constantFrom("1", "v", "12345678901", "x".repeat(50))).map(([k, v]) => ["SET", k, v]),
      fc.tuple(key, fc.array(fc.constantFrom("1", "a", "bb"), { minLength: 1, maxLength: 4 })).map(([k, vs]) => ["RPUSH", k, ...vs]),
      fc.tuple(key, fc.array(fc.constantFrom("1", "2", "m"), { minLength: 1, maxLength: 4 })).map(([k, vs]) => ["SADD", k, ...vs]),
      fc.tuple(key, fc.constantFrom("f", "g"), fc.constantFrom("1", "v")).map(([k, f, v]) => ["HSET", k, f, v]),
      fc.tuple(key, fc.constantFrom("1", "2.5", "-3"), fc.constantFrom("m", "n")).map(([k, s, m]) => ["ZADD", k, s, m]),
      fc.tuple(key, fc.constantFrom("100000", "200000")).map(([k, t]) => ["PEXPIRE", k, t])
    )
    const options = fc.subarray(["COPY", "REPLACE"])
    await fc.assert(
      fc.asyncProperty(fc.array(write, { maxLength: 12 }), fc.array(key, { minLength: 1, maxLength: 4 }), options, async (setup, keys, opts) => {
        await flushTargets()
        const [a, b] = await migrateBoth(setup, (db) => ["MIGRATE", "127.0.0.1", String(plain.port), "", db, "5000", ...opts, "KEYS", ...keys])
        expect(a.raw).toBe(b.raw)
        await sameTargets("plain")
        const [ours, theirs] = await sourceKeys()
        expect(ours).toEqual(theirs)
      }),
      { numRuns: 25 }
    )
  })
})

it("migrateKeys finds the keys as migrateGetKeys does", () => {
  expect(migrateKeys(["MIGRATE", "h", "1", "k", "0", "1"])).toEqual([3])
  expect(migrateKeys(["MIGRATE", "h", "1", "", "0", "1", "AUTH", "KEYS", "KEYS", "a"])).toEqual([9])
  expect(migrateKeys(["MIGRATE", "h", "1", "k", "0", "1", "KEYS", "a"])).toEqual([])
  expect(migrateKeys(["MIGRATE", "h", "1", "", "0", "1", "AUTH2", "KEYS", "x", "COPY", "keys", "a", "b"])).toEqual([11, 12])
})

it("migrateSpecKeys: the key argument unless a KEYS keyword is found before the last argument", () => {
  expect(migrateSpecKeys(["MIGRATE", "a", "a", "a", "a", "a", "KEYS"])).toEqual([3])
  expect(migrateSpecKeys(["MIGRATE", "h", "1", "", "0", "1", "KEYS"])).toEqual([3])
  expect(migrateSpecKeys(["MIGRATE", "h", "1", "", "0", "1", "AUTH", "KEYS", "KEYS", "a"])).toEqual([9])
  expect(migrateSpecKeys(["MIGRATE", "h", "1", "k", "0", "1", "KEYS", "a"])).toEqual([])
})

/**
 * Replication against real Redis 7.0: redis-server as a replica of this server, and this server as a
 * replica of redis-server. Each side loads the other's RDB, follows writes of every type with expiries,
 * and continues with a partial resync after its link is killed; full keyspaces are compared.
 */
import { afterEach, describe, expect, it } from "vitest"
import { checkCommands, describeDifferential } from "../support/differential.ts"
import { richDataset } from "../support/generators/persistence.ts"
import { dumpKeyspace } from "../support/keyspaceDump.ts"
import { hasOracle, type Oracle, skipMessage, startOracle } from "../support/oracle.ts"
import { encode, RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"
import { info, oracleReplicaArgs, run, waitFor, waitInSync } from "./support.ts"

const future = Date.now() + 3_600_000

/**
 * Full dumps, with raw/embstr told apart no further: OBJECT ENCODING of strings is computed from the
 * value here (a known difference: Redis says "raw" after SETBIT, PFADD, APPEND whatever the length).
 */
const dump = async (conn: RawConnection): Promise<Array<unknown>> =>
  (await dumpKeyspace(conn)).map((entry) => {
    const e = entry as { type: string; encoding: string }
    return e.type === "string" && (e.encoding === "raw" || e.encoding === "embstr") ? { ...e, encoding: "str" } : e
  })
/** Writes after the initial sync: every type, expiries, several databases, a transaction. */
const laterWrites = (tag: string): Array<ReadonlyArray<string>> => [
  ["SET", `${tag}:s`, "v", "PX", "900000"],
  ["INCRBYFLOAT", `${tag}:f`, "1.5"],
  ["RPUSH", `${tag}:l`, "a", "b", "c"],
  ["LPOP", `${tag}:l`],
  ["HSET", `${tag}:h`, "f", "1", "g", "2"],
  ["SADD", `${tag}:t`, "1", "2", "x"],
  ["SPOP", `${tag}:t`],
  ["ZADD", `${tag}:z`, "1.5", "m", "2", "n"],
  ["XADD", `${tag}:x`, "1-1", "f", "v"],
  // approximate trims propagate exact ("=", with LIMIT kept), which only a master's stream may carry
  ...Array.from({ length: 30 }, (_, i) => ["XADD", `${tag}:xs`, "MAXLEN", "~", "5", "LIMIT", "200", `${i + 1}-1`, "f", "v"]),
  ["XTRIM", `${tag}:xs`, "MINID", "~", "10", "LIMIT", "100"],
  ["PFADD", `${tag}:p`, "a", "b"],
  ["SETBIT", `${tag}:b`, "100", "1"],
  ["EXPIRE", `${tag}:h`, "1000"],
  ["PEXPIREAT", `${tag}:z`, String(future)],
  ["SELECT", "5"],
  ["SET", `${tag}:db5`, "x"],
  ["MULTI"],
  ["INCR", `${tag}:n`],
  ["LPUSH", `${tag}:l2`, "q"],
  ["EXEC"],
  ["SELECT", "0"],
  ["DEL", "int:0"]
]

describe.skipIf(!hasOracle)("replication with real Redis", () => {
  let server: TestServer | undefined
  let oracle: Oracle | undefined
  const conns: Array<RawConnection> = []
  const connect = async (port: number) => {
    const c = await RawConnection.connect(port)
    conns.push(c)
    return c
  }
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close()
    await oracle?.stop()
    await server?.close()
    oracle = undefined
    server = undefined
  })

  for (const diskless of ["yes", "no"]) {
    it(`redis-server replicates this server (repl-diskless-sync ${diskless}), then continues after its link is killed`, async () => {
      server = await startServer({ "repl-diskless-sync": diskless, "repl-diskless-sync-delay": "0" })
      const master = await connect(server.port)
      await run(master, richDataset(future))
      oracle = await startOracle([...oracleReplicaArgs(), "--replicaof", "127.0.0.1", String(server.port)])
      const replica = await connect(oracle.port)
      await waitInSync(master, replica)
      await run(master, laterWrites("w1"))
      await waitInSync(master, replica)
      expect(await dump(replica)).toEqual(await dump(master))
      const m = await info(master)
      expect(m.connected_slaves).toBe("1")
      expect(m.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${oracle.port},state=online,offset=\\d+,lag=\\d+$`))
      const r = await info(replica)
      expect(r.master_replid).toBe(m.master_replid)
      // ROLE: the replica acknowledges everything (one atomic reply: the offset and the replica's ack)
      await waitFor("the replica's ACK", async () => {
        const role = (await master.call("ROLE")).value as [string, number, Array<[string, string, string]>]
        expect(role[0]).toBe("master")
        expect(role[2].map(([ip, port]) => [ip, port])).toEqual([["127.0.0.1", String(oracle!.port)]])
        return role[2][0]![2] === String(role[1])
      })
      // the link drops: the replica continues from its offset with the backlog
      expect((await master.call("CLIENT", "KILL", "TYPE", "replica")).value).toBe(1)
      await run(master, laterWrites("w2"))
      await waitInSync(master, replica)
      expect(await dump(replica)).toEqual(await dump(master))
      const stats = await info(master, "stats")
      expect(stats.sync_full).toBe("1")
      expect(stats.sync_partial_ok).toBe("1")
      // WAIT counts the real replica's acknowledgements
      await master.call("SET", "waited", "1")
      expect((await master.call("WAIT", "1", "5000")).value).toBe(1)
    }, 60_000)
  }

  it("this server replicates redis-server, then continues after its link is killed", async () => {
    oracle = await startOracle(["--repl-diskless-sync-delay", "0"])
    const master = await connect(oracle.port)
    await run(master, richDataset(future))
    server = await startServer({ replicaof: ["127.0.0.1", String(oracle.port)] })
    const replica = await connect(server.port)
    await waitInSync(master, replica)
    await run(master, laterWrites("w1"))
    await waitInSync(master, replica)
    expect(await dump(replica)).toEqual(await dump(master))
    const r = await info(replica)
    const m = await info(master)
    expect(r.master_replid).toBe(m.master_replid)
    expect(r.role).toBe("slave")
    expect(r.master_port).toBe(String(oracle.port))
    expect(r.slave_read_only).toBe("1")
    // Redis's master sees our listening port and acknowledgements
    await waitFor("our ACK to reach the master", async () => {
      const role = (await master.call("ROLE")).value as [string, number, Array<[string, string, string]>]
      return role[2].length === 1 && role[2][0]![1] === String(server!.port) && role[2][0]![2] === String(role[1])
    })
    expect((await replica.call("SET", "k", "v")).raw).toBe("-READONLY You can't write against a read only replica.\r\n")
    expect((await master.call("CLIENT", "KILL", "TYPE", "replica")).value).toBe(1)
    await run(master, laterWrites("w2"))
    await waitInSync(master, replica)
    expect(await dump(replica)).toEqual(await dump(master))
    expect((await info(master, "stats")).sync_partial_ok).toBe("1")
    // WAIT on Redis counts our acknowledgements (REPLCONF GETACK answered)
    await master.call("SET", "waited", "1")
    expect((await master.call("WAIT", "1", "5000")).value).toBe(1)
    // ROLE as Redis words it
    const role = (await replica.call("ROLE")).value as Array<unknown>
    expect(role.slice(0, 4)).toEqual(["slave", "127.0.0.1", oracle.port, "connected"])
    // the replica drops its own link (CLIENT KILL TYPE master): it reconnects and continues partially
    expect((await replica.call("CLIENT", "KILL", "TYPE", "master")).value).toBe(1)
    await run(master, laterWrites("w3"))
    await waitInSync(master, replica)
    expect(await dump(replica)).toEqual(await dump(master))
    expect((await info(master, "stats")).sync_partial_ok).toBe("2")
    expect((await info(master, "stats")).sync_full).toBe("1")
  }, 60_000)

  it("a chain redis-server -> this server -> redis-server passes the stream on unchanged", async () => {
    oracle = await startOracle(["--repl-diskless-sync-delay", "0"])
    const top = await connect(oracle.port)
    await run(top, [["SELECT", "2"], ...richDataset(future).slice(0, 20)])
    server = await startServer({ replicaof: ["127.0.0.1", String(oracle.port)], "repl-diskless-sync-delay": "0" })
    const middle = await connect(server.port)
    await waitInSync(top, middle)
    await run(top, [["SELECT", "2"], ["SET", "mid", "1"]])
    await waitInSync(top, middle)
    const bottom = await startOracle([...oracleReplicaArgs(), "--replicaof", "127.0.0.1", String(server.port)])
    try {
      const end = await connect(bottom.port)
      await waitInSync(middle, end)
      // the top's stream still has database 2 selected: the bottom learns it from repl-stream-db
      await run(top, [["SELECT", "2"], ["SET", "late", "1"], ...laterWrites("w1")])
      await waitInSync(top, middle)
      await waitInSync(middle, end)
      expect(await dump(end)).toEqual(await dump(top))
      const [it, im, ie] = [await info(top), await info(middle), await info(end)]
      expect(ie.master_replid).toBe(it.master_replid)
      expect(im.master_replid).toBe(it.master_replid)
      expect(ie.master_repl_offset).toBe(it.master_repl_offset)
    } finally {
      for (const c of conns.splice(0)) await c.close()
      await bottom.stop()
    }
  }, 60_000)

  it("a replica whose link is down with replica-serve-stale-data no answers as Redis does", async () => {
    const args = { replicaof: ["127.0.0.1", "1"], "replica-serve-stale-data": "no" }
    server = await startServer(args)
    oracle = await startOracle([...oracleReplicaArgs(), "--replicaof", "127.0.0.1", "1", "--replica-serve-stale-data", "no"])
    const ours = await connect(server.port)
    const theirs = await connect(oracle.port)
    const script: Array<ReadonlyArray<string>> = [
      ["GET", "k"], ["PING"], ["SET", "k", "v"], ["ECHO", "x"], ["DBSIZE"], ["ROLE"], ["CONFIG", "GET", "replica-serve-stale-data"],
      ["MULTI"], ["GET", "k"], ["EXEC"], ["MULTI"], ["CONFIG", "GET", "port"], ["EXEC"],
      ["CONFIG", "SET", "replica-serve-stale-data", "yes"], ["GET", "k"], ["SET", "k", "v"]
    ]
    for (const command of script) {
      const [a, b] = [await ours.call(...command), await theirs.call(...command)]
      if (command[0] === "ROLE") expect((a.value as Array<unknown>)[0]).toBe((b.value as Array<unknown>)[0])
      else if (command[0] === "CONFIG" && command[2] === "port") continue
      else if (command[0] === "EXEC" && a.raw.includes("port")) continue
      else expect([command, a.raw]).toEqual([command, b.raw])
    }
  }, 30_000)

  it("REPLCONF, PSYNC, REPLICAOF and ROLE replies and errors on a master match Redis's", async () => {
    server = await startServer({})
    oracle = await startOracle([])
    const ours = await connect(server.port)
    const theirs = await connect(oracle.port)
    const script: Array<ReadonlyArray<string>> = [
      ["REPLCONF"], ["REPLCONF", "listening-port"], ["REPLCONF", "listening-port", "abc"], ["REPLCONF", "listening-port", "7000"],
      ["REPLCONF", "ip-address", "x".repeat(255)], ["REPLCONF", "ip-address", "x".repeat(256)], ["REPLCONF", "capa", "eof", "capa", "foo"],
      ["REPLCONF", "rdb-only", "2"], ["REPLCONF", "rdb-only", "x"], ["REPLCONF", "rdb-only", "1"], ["REPLCONF", "foo", "bar"],
      // ACK and GETACK from a client that is not a replica: no reply at all
      ["REPLCONF", "ACK", "10"], ["REPLCONF", "GETACK", "*"], ["PING"],
      ["PSYNC", "?", "abc"], ["PSYNC"], ["SYNC", "x"], ["REPLICAOF", "host"], ["REPLICAOF", "127.0.0.1", "70000"],
      ["REPLICAOF", "127.0.0.1", "-1"], ["REPLICAOF", "127.0.0.1", "x"], ["REPLICAOF", "no", "one"], ["SLAVEOF", "NO", "ONE"],
      ["ROLE", "x"], ["ROLE"], ["MULTI"], ["PSYNC", "?", "-1"], ["DISCARD"], ["WAIT", "0", "0"], ["WAIT", "1", "-1"]
    ]
    for (const command of script) {
      if (command[0] === "REPLCONF" && (command[1] === "ACK" || command[1] === "GETACK")) {
        // no reply: the PING after them answers first on both
        ours.write(encode(command))
        theirs.write(encode(command))
        continue
      }
      const [a, b] = [await ours.call(...command), await theirs.call(...command)]
      expect([command, a.raw]).toEqual([command, b.raw])
    }
  }, 30_000)

  it("authenticates with masterauth (and masteruser) both ways", async () => {
    server = await startServer({ requirepass: "ours", "repl-diskless-sync-delay": "0" })
    const ourMaster = await connect(server.port)
    expect((await ourMaster.call("AUTH", "ours")).raw).toBe("+OK\r\n")
    await ourMaster.call("SET", "a", "1")
    oracle = await startOracle([...oracleReplicaArgs(), "--replicaof", "127.0.0.1", String(server.port), "--masterauth", "ours", "--requirepass", "theirs", "--repl-diskless-sync-delay", "0"])
    const theirReplica = await connect(oracle.port)
    await theirReplica.call("AUTH", "theirs")
    await waitInSync(ourMaster, theirReplica)
    expect((await theirReplica.call("GET", "a")).value).toBe("1")
    // and this server as a replica of a password-protected Redis (AUTH default <password>)
    const second = await startServer({ replicaof: ["127.0.0.1", String(oracle.port)], masterauth: "theirs", masteruser: "default" })
    try {
      const ourReplica = await connect(second.port)
      // a chain ours -> Redis -> ours: INFO replication has Redis's fields in Redis's order on a replica
      await waitInSync(theirReplica, ourReplica)
      const names = async (c: RawConnection) => Object.keys(await info(c)).filter((k) => !/^slave\d+$/.test(k))
      expect(await names(ourReplica)).toEqual(await names(theirReplica))
      await theirReplica.call("REPLICAOF", "NO", "ONE")
      await theirReplica.call("SET", "b", "2")
      await waitInSync(theirReplica, ourReplica)
      expect((await ourReplica.call("GET", "b")).value).toBe("2")
      expect((await ourReplica.call("GET", "a")).value).toBe("1")
      // and on masters (Redis with our replica, ours without its Redis replica now): the same fields
      expect(await names(ourMaster)).toEqual(await names(theirReplica))
      const role = (await theirReplica.call("ROLE")).value as Array<unknown>
      expect(role[2]).toEqual([["127.0.0.1", String(second.port), expect.stringMatching(/^\d+$/)]])
    } finally {
      for (const c of conns.splice(0)) await c.close()
      await second.close()
    }
  }, 60_000)
})

if (!hasOracle) console.log(skipMessage)

describeDifferential("min-replicas-to-write without replicas, against Redis", (servers) => {
  it("writes, a transaction with one, and a script's first write get NOREPLICAS; reads run", () =>
    checkCommands(servers(), [
      ["SET", "k", "v"],
      ["GET", "k"],
      ["MULTI"],
      ["GET", "k"],
      ["SET", "k", "v"],
      ["EXEC"],
      ["EVAL", "return redis.call('get', 'k')", "0"],
      ["EVAL", "return redis.call('set', 'k', 'v')", "0"],
      ["EVAL", "return redis.pcall('set', 'k', 'v')", "0"],
      // a script declaring flags is a write unless no-writes: refused before it runs
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"],
      ["EVAL", "#!lua\nreturn redis.call('get', 'k')", "0"],
      ["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}\nredis.register_function('w', function() return 2 end)"],
      ["FCALL", "r", "0"],
      ["FCALL", "w", "0"],
      ["FUNCTION", "FLUSH"],
      ["CONFIG", "SET", "min-replicas-max-lag", "0"],
      ["SET", "k", "v"],
      ["CONFIG", "SET", "min-replicas-max-lag", "10"],
      ["INCR", "n"]
    ]))
}, { config: { "min-replicas-to-write": "1" }, oracleArgs: ["--min-replicas-to-write", "1"] })

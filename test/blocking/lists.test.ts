/**
 * Blocking list commands with several real connections, each scenario run against this server and
 * against a real redis-server: the transcripts (every reply of every connection, in order) must be
 * identical. Covers FIFO service, the pusher's view, timeouts, MULTI/EXEC, BLMOVE chains,
 * disconnects while blocked, databases, SWAPDB and CLIENT UNBLOCK.
 */
import { expect, it } from "vitest"
import { oursBlocked, redisBlocked, until } from "../support/blocking.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"

/** One server as a scenario sees it: connections, and how many clients it has blocked right now. */
interface Target {
  readonly name: "ours" | "redis"
  readonly connect: () => Promise<Conn>
  readonly blockedClients: () => Promise<number>
}

/** A connection that sends without waiting, and reads replies later. */
class Conn {
  readonly raw: RawConnection
  constructor(raw: RawConnection) {
    this.raw = raw
  }
  send(...commands: ReadonlyArray<Command>): void {
    this.raw.write(Buffer.concat(commands.map(encode)))
  }
  async call(...args: Command): Promise<string> {
    return (await this.raw.call(...args)).raw
  }
  async read(n = 1): Promise<ReadonlyArray<string>> {
    return (await this.raw.read(n)).map((r) => r.raw)
  }
}

/**
 * What a scenario gets: fresh connections on an empty server, and `block(conn, command)`, which
 * sends a blocking command and returns once the server counts one more blocked client, so that the
 * order in which clients block is the same on both servers.
 */
class Scenario {
  readonly transcript: string[] = []
  private readonly conns: Conn[] = []
  readonly target: Target
  constructor(target: Target) {
    this.target = target
  }
  async connect(n: number): Promise<ReadonlyArray<Conn>> {
    const fresh = await Promise.all(Array.from({ length: n }, () => this.target.connect()))
    this.conns.push(...fresh)
    return fresh
  }
  async block(conn: Conn, ...command: Command): Promise<void> {
    const before = await this.target.blockedClients()
    conn.send(command)
    await until(`${command.join(" ")} to block`, async () => (await this.target.blockedClients()) === before + 1)
  }
  async waitBlocked(n: number): Promise<void> {
    await until(`${n} blocked clients`, async () => (await this.target.blockedClients()) === n)
  }
  /** Records replies in the transcript, labelled so that a difference says where it is. */
  record(label: string, replies: string | ReadonlyArray<string>): void {
    for (const r of typeof replies === "string" ? [replies] : replies) this.transcript.push(`${label}: ${r}`)
  }
  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.raw.close()))
  }
}

describeDifferential("blocking list commands with several connections", (servers) => {
  const targets = async (): Promise<ReadonlyArray<Target>> => {
    const { server, oracle } = servers()
    const control = await RawConnection.connect(oracle.port)
    return [
      {
        name: "ours",
        connect: async () => new Conn(await RawConnection.connect(server.port)),
        blockedClients: oursBlocked(server)
      },
      {
        name: "redis",
        connect: async () => new Conn(await RawConnection.connect(oracle.port)),
        blockedClients: redisBlocked(control)
      }
    ]
  }

  /** Runs `body` on both servers from an empty keyspace; returns both transcripts after comparing them. */
  const compare = async (body: (s: Scenario) => Promise<void>): Promise<ReadonlyArray<string>> => {
    const transcripts: Array<ReadonlyArray<string>> = []
    for (const target of await targets()) {
      const s = new Scenario(target)
      const [admin] = await s.connect(1)
      await admin!.call("FLUSHALL")
      await body(s)
      await s.close()
      await s.waitBlocked(0)
      transcripts.push(s.transcript)
    }
    expect(transcripts[1]!.length).toBeGreaterThan(0)
    expect(transcripts[0]).toEqual(transcripts[1])
    return transcripts[1]!
  }

  it("clients blocked on a key are served first come, first served, after the push that fed them", async () => {
    const transcript = await compare(async (s) => {
      const [pusher, a, b, c] = await s.connect(4)
      await s.block(a!, "BLPOP", "k", "0")
      await s.block(b!, "BRPOP", "k", "0")
      await s.block(c!, "BLPOP", "other", "k", "0")
      // the pusher's reply still counts the elements the waiters are about to take
      s.record("pusher", await pusher!.call("RPUSH", "k", "x", "y"))
      s.record("a", await a!.read())
      s.record("b", await b!.read())
      s.record("pusher", await pusher!.call("EXISTS", "k"))
      await s.waitBlocked(1)
      s.record("pusher", await pusher!.call("LPUSH", "k", "1", "2", "3"))
      s.record("c", await c!.read())
      s.record("pusher", await pusher!.call("LRANGE", "k", "0", "-1"))
    })
    expect(transcript).toContain("pusher: :2\r\n")
    expect(transcript).toContain("a: *2\r\n$1\r\nk\r\n$1\r\nx\r\n")
  })

  it("a client blocked on several keys is served once, by the first key that gets data", async () => {
    await compare(async (s) => {
      const [pusher, a, b] = await s.connect(3)
      await s.block(a!, "BRPOP", "k1", "k2", "k3", "0")
      await s.block(b!, "BLPOP", "k3", "0")
      s.record("pusher", await pusher!.call("RPUSH", "k3", "first", "second"))
      s.record("a", await a!.read())
      s.record("b", await b!.read())
      await s.waitBlocked(0)
      s.record("pusher", await pusher!.call("RPUSH", "k1", "more"))
      s.record("pusher", await pusher!.call("LLEN", "k1"))
    })
  })

  it("timeouts answer a null array in RESP2 and a null in RESP3, and leave nothing behind", async () => {
    await compare(async (s) => {
      const [a, b, c, pusher] = await s.connect(4)
      await b!.call("HELLO", "3").then(() => undefined)
      for (const [conn, command] of [
        [a!, ["BLPOP", "k", "0.05"]],
        [b!, ["BRPOP", "k", "0.05"]],
        [c!, ["BLMOVE", "k", "d", "LEFT", "RIGHT", "0.05"]],
        [a!, ["BRPOPLPUSH", "k", "d", "0.05"]],
        [b!, ["BLMPOP", "0.05", "2", "k", "j", "LEFT", "COUNT", "3"]]
      ] as const) {
        s.record(command[0], await conn.call(...command))
      }
      await s.waitBlocked(0)
      s.record("pusher", await pusher!.call("RPUSH", "k", "x"))
      s.record("pusher", await pusher!.call("LLEN", "k"))
    })
  })

  it("a key filled inside MULTI/EXEC wakes its waiters after the transaction", async () => {
    await compare(async (s) => {
      const [tx, a, b] = await s.connect(3)
      await s.block(a!, "BLPOP", "k", "0")
      await s.block(b!, "BLPOP", "q", "0")
      // the transaction sees its own pushes: the waiter takes nothing before EXEC returns
      s.record("tx", await tx!.raw.pipeline([["MULTI"], ["RPUSH", "k", "a", "b"], ["LLEN", "k"], ["LRANGE", "k", "0", "-1"], ["EXEC"]]).then((r) => r.map((x) => x.raw)))
      s.record("a", await a!.read())
      s.record("tx", await tx!.call("LRANGE", "k", "0", "-1"))
      // a transaction that pushes and pops the same element leaves the waiter blocked
      s.record("tx", await tx!.raw.pipeline([["MULTI"], ["RPUSH", "q", "gone"], ["LPOP", "q"], ["EXEC"]]).then((r) => r.map((x) => x.raw)))
      s.record("tx", await tx!.call("EXISTS", "q"))
      await s.waitBlocked(1)
      s.record("tx", await tx!.call("RPUSH", "q", "kept"))
      s.record("b", await b!.read())
    })
  })

  it("inside MULTI a blocking command behaves as its non-blocking form", async () => {
    await compare(async (s) => {
      const [tx] = await s.connect(1)
      const replies = await tx!.raw.pipeline([
        ["MULTI"],
        ["BLPOP", "none", "0"],
        ["BRPOPLPUSH", "none", "d", "0"],
        ["BLMOVE", "none", "d", "LEFT", "LEFT", "0"],
        ["BLMPOP", "0", "1", "none", "RIGHT"],
        ["RPUSH", "src", "1", "2", "3"],
        ["BLMOVE", "src", "d", "LEFT", "LEFT", "0"],
        ["BLMPOP", "0", "1", "src", "RIGHT", "COUNT", "5"],
        ["EXEC"]
      ])
      s.record("tx", replies.map((r) => r.raw))
      s.record("tx", await tx!.call("LRANGE", "d", "0", "-1"))
    })
  })

  it("BLMOVE and BRPOPLPUSH into lists that have waiters chain in one step", async () => {
    await compare(async (s) => {
      const [pusher, a, b, c, d] = await s.connect(5)
      await s.block(a!, "BLMOVE", "l1", "l2", "LEFT", "RIGHT", "0")
      await s.block(b!, "BRPOPLPUSH", "l2", "l3", "0")
      await s.block(c!, "BLMPOP", "0", "2", "nothing", "l3", "LEFT", "COUNT", "2")
      await s.block(d!, "BLPOP", "l1", "0")
      s.record("pusher", await pusher!.call("RPUSH", "l1", "v1", "v2"))
      s.record("a", await a!.read())
      s.record("b", await b!.read())
      s.record("c", await c!.read())
      s.record("d", await d!.read())
      await s.waitBlocked(0)
      for (const k of ["l1", "l2", "l3"]) s.record("pusher", await pusher!.call("LRANGE", k, "0", "-1"))
    })
  })

  it("a waiting BLMOVE whose destination holds another type gets WRONGTYPE and leaves the element", async () => {
    await compare(async (s) => {
      const [pusher, a, b] = await s.connect(3)
      await s.block(a!, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
      await s.block(b!, "BLPOP", "src", "0")
      s.record("pusher", await pusher!.call("SET", "dst", "string"))
      s.record("pusher", await pusher!.call("RPUSH", "src", "x"))
      s.record("a", await a!.read())
      s.record("b", await b!.read())
      s.record("pusher", await pusher!.call("EXISTS", "src"))
    })
  })

  it("a blocked client that disconnects leaves the wait list: the next push is not lost", async () => {
    await compare(async (s) => {
      const [pusher, a, b] = await s.connect(3)
      await s.block(a!, "BLPOP", "k", "0")
      await s.block(b!, "BLMOVE", "k", "dst", "LEFT", "LEFT", "0")
      await a!.raw.close()
      await b!.raw.close()
      await s.waitBlocked(0)
      s.record("pusher", await pusher!.call("RPUSH", "k", "kept"))
      s.record("pusher", await pusher!.call("LRANGE", "k", "0", "-1"))
      s.record("pusher", await pusher!.call("EXISTS", "dst"))
    })
    // and our registry holds nothing for the key any more
    const { server } = servers()
    expect(server.engine.waiters.blockedClients).toBe(0)
    expect(server.engine.waiters.blockingKeys).toBe(0)
    expect(server.engine.waiters.blockedKeys(server.engine.keyspace.dbs[0]!)).toEqual([])
  })

  it("commands pipelined behind a blocking command run after it is served, in order", async () => {
    await compare(async (s) => {
      const [pusher, a] = await s.connect(2)
      const before = await s.target.blockedClients()
      a!.send(["BLPOP", "k", "0"], ["RPUSH", "k", "from-a"], ["LRANGE", "k", "0", "-1"], ["PING"])
      await until("BLPOP to block", async () => (await s.target.blockedClients()) === before + 1)
      s.record("pusher", await pusher!.call("RPUSH", "k", "from-pusher"))
      s.record("a", await a!.read(4))
    })
  })

  it("waiters wait in their own database; a key of another type does not serve them", async () => {
    await compare(async (s) => {
      const [pusher, a] = await s.connect(2)
      await a!.call("SELECT", "3")
      await s.block(a!, "BLPOP", "k", "0")
      s.record("pusher", await pusher!.call("RPUSH", "k", "db0"))
      s.record("pusher", await pusher!.call("SELECT", "3"))
      s.record("pusher", await pusher!.call("SET", "k", "string"))
      s.record("pusher", await pusher!.call("DEL", "k"))
      await s.waitBlocked(1)
      s.record("pusher", await pusher!.call("RPUSH", "k", "db3"))
      s.record("a", await a!.read())
      s.record("pusher", await pusher!.call("SELECT", "0"))
      s.record("pusher", await pusher!.call("LRANGE", "k", "0", "-1"))
    })
  })

  it("SWAPDB serves clients waiting on keys that the swap brings in", async () => {
    await compare(async (s) => {
      const [pusher, a] = await s.connect(2)
      await s.block(a!, "BRPOP", "k", "0")
      s.record("pusher", await pusher!.call("SELECT", "1"))
      s.record("pusher", await pusher!.call("RPUSH", "k", "from-db1", "last"))
      s.record("pusher", await pusher!.call("SWAPDB", "0", "1"))
      s.record("a", await a!.read())
      s.record("pusher", await pusher!.call("SELECT", "0"))
      s.record("pusher", await pusher!.call("LRANGE", "k", "0", "-1"))
    })
  })

  it("a list that appears through RENAME, COPY or MOVE serves the clients waiting on its new name", async () => {
    await compare(async (s) => {
      const [pusher, a, b, c] = await s.connect(4)
      await s.block(a!, "BLPOP", "renamed", "0")
      await s.block(b!, "BRPOP", "copied", "0")
      await c!.call("SELECT", "2")
      await s.block(c!, "BLMPOP", "0", "1", "moved", "LEFT", "COUNT", "5")
      s.record("pusher", await pusher!.call("RPUSH", "src", "1", "2", "3"))
      s.record("pusher", await pusher!.call("RENAME", "src", "renamed"))
      s.record("a", await a!.read())
      s.record("pusher", await pusher!.call("COPY", "renamed", "copied"))
      s.record("b", await b!.read())
      s.record("pusher", await pusher!.call("RENAME", "copied", "moved"))
      s.record("pusher", await pusher!.call("MOVE", "moved", "2"))
      s.record("c", await c!.read())
      for (const k of ["renamed", "copied", "moved"]) s.record("pusher", await pusher!.call("LRANGE", k, "0", "-1"))
    })
  })

  it("one push serves as many BLMPOP waiters as it has elements", async () => {
    await compare(async (s) => {
      const [pusher, a, b, c] = await s.connect(4)
      await s.block(a!, "BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2")
      await s.block(b!, "BLMPOP", "0", "1", "k", "LEFT")
      await s.block(c!, "BLMPOP", "0", "1", "k", "LEFT", "COUNT", "10")
      s.record("pusher", await pusher!.call("RPUSH", "k", "1", "2", "3"))
      s.record("a", await a!.read())
      s.record("b", await b!.read())
      await s.waitBlocked(1)
      s.record("pusher", await pusher!.call("EXISTS", "k"))
      s.record("pusher", await pusher!.call("RPUSH", "k", "4"))
      s.record("c", await c!.read())
    })
  })

  it("CLIENT UNBLOCK answers a waiter with its timeout reply or an UNBLOCKED error", async (context) => {
    const { server } = servers()
    const client = server.engine.lookup("client")
    if (client?.subcommands?.has("unblock") !== true) return context.skip("CLIENT UNBLOCK is not implemented yet")
    await compare(async (s) => {
      const [admin, a, b] = await s.connect(3)
      const idA = (await a!.call("CLIENT", "ID")).slice(1, -2)
      const idB = (await b!.call("CLIENT", "ID")).slice(1, -2)
      await b!.call("HELLO", "3")
      s.record("admin", await admin!.call("CLIENT", "UNBLOCK", idA))
      await s.block(a!, "BLPOP", "k", "0")
      await s.block(b!, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
      s.record("admin", await admin!.call("CLIENT", "UNBLOCK", idA, "TIMEOUT"))
      s.record("a", await a!.read())
      s.record("admin", await admin!.call("CLIENT", "UNBLOCK", idB, "ERROR"))
      s.record("b", await b!.read())
      s.record("admin", await admin!.call("CLIENT", "UNBLOCK", idB))
      await s.block(a!, "BRPOP", "k", "0")
      s.record("admin", await admin!.call("CLIENT", "UNBLOCK", idA, "ERROR"))
      s.record("a", await a!.read())
      s.record("admin", await admin!.call("RPUSH", "k", "x"))
      s.record("admin", await admin!.call("LLEN", "k"))
    })
  })
}, { oracleArgs: ["--hz", "100"] })

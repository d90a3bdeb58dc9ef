/**
 * The command pipeline: resolve -> check -> execute, one set of rules for every way a command comes in
 * (a client, EXEC, a script, AOF loading, the master's link), each caller with its own checks, error
 * wording, propagation and stats, as Redis's processCommand/call/scriptCall/execCommand.
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { RedisCore } from "../../src/layers.ts"
import type { Client } from "../../src/server/Client.ts"
import { CommandRegistry, type Registry } from "../../src/server/CommandRegistry.ts"
import { type Caller, Callers, Engine, type EngineState } from "../../src/server/Engine.ts"
import { checkCommands, describeDifferential } from "../support/differential.ts"

interface Core {
  readonly engine: EngineState
  readonly registry: Registry
  /** Runs a command line for `client` as `caller`; returns what the client was sent and the refusal. */
  readonly run: (client: Client, caller: Caller, ...argv: ReadonlyArray<string>) => { sent: string; refused: string | undefined }
  /** A connection's command: the reply bytes. */
  readonly send: (client: Client, ...argv: ReadonlyArray<string>) => string
  /** Everything propagated so far. */
  readonly propagated: Array<ReadonlyArray<string>>
}

const scopes: Array<Scope.Closeable> = []
afterEach(async () => {
  for (const scope of scopes.splice(0)) await Effect.runPromise(Scope.close(scope, Exit.void))
})

const core = async (config: Record<string, string> = {}): Promise<Core> => {
  const scope = Effect.runSync(Scope.make())
  scopes.push(scope)
  const context = await Effect.runPromise(Layer.buildWithScope(RedisCore(config), scope))
  const engine = Context.get(context, Engine)
  const propagated: Array<ReadonlyArray<string>> = []
  engine.keyspace.onPropagate((_db, argv) => propagated.push(argv))
  const taken = (client: Client) => client.reply.take()?.toString("latin1") ?? ""
  return {
    engine,
    registry: Context.get(context, CommandRegistry),
    propagated,
    run: (client, caller, ...argv) => {
      engine.refreshTime()
      const refused = engine.dispatch(client, argv, caller)
      return { sent: taken(client), refused }
    },
    send: (client, ...argv) => {
      engine.refreshTime()
      engine.processCommand(client, argv)
      return taken(client)
    }
  }
}

describe("resolve", () => {
  it("unknown commands and subcommands, in the client's and a script's words", async () => {
    const { engine, run } = await core()
    const client = engine.createClient()
    expect(run(client, Callers.client, "NOPE", "a").sent).toBe("-ERR unknown command 'NOPE', with args beginning with: 'a' \r\n")
    expect(run(client, Callers.client, "CONFIG", "NOPE").sent).toBe(
      "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n"
    )
    const script = engine.createInternalClient("script")
    // a script raises the error instead of replying it
    expect(run(script, Callers.script, "NOPE")).toEqual({ sent: "", refused: "ERR Unknown Redis command called from script" })
  })
})

describe("check", () => {
  it("arity before authentication, authentication before MULTI, as processCommand orders them", async () => {
    const { engine, send } = await core({ requirepass: "pw" })
    const client = engine.createClient()
    expect(send(client, "GET")).toBe("-ERR wrong number of arguments for 'get' command\r\n")
    expect(send(client, "GET", "k")).toBe("-NOAUTH Authentication required.\r\n")
    expect(send(client, "AUTH", "pw")).toBe("+OK\r\n")
    expect(send(client, "MULTI")).toBe("+OK\r\n")
    expect(send(client, "WATCH", "k")).toBe("-ERR WATCH inside MULTI is not allowed\r\n")
    expect(send(client, "GET", "k")).toBe("+QUEUED\r\n")
    expect(send(client, "EXEC")).toBe("*1\r\n$-1\r\n")
  })

  it("scripts: arity and noscript commands are refused in a script's words, and not replied", async () => {
    const { engine, run } = await core()
    const script = engine.createInternalClient("script")
    expect(run(script, Callers.script, "GET")).toEqual({ sent: "", refused: "ERR Wrong number of args calling Redis command from script" })
    expect(run(script, Callers.script, "MULTI")).toEqual({ sent: "", refused: "ERR This Redis command is not allowed from script" })
    expect(run(script, Callers.script, "WAIT", "0", "0")).toEqual({ sent: "", refused: "ERR This Redis command is not allowed from script" })
    // a blocking command in a script answers as if it timed out
    expect(run(script, Callers.script, "BLMPOP", "0", "1", "list", "LEFT")).toEqual({ sent: "*-1\r\n", refused: undefined })
    // except XREAD/XREADGROUP with BLOCK, which Redis refuses from scripts
    expect(run(script, Callers.script, "XREAD", "BLOCK", "0", "STREAMS", "s", "0")).toEqual({
      sent: "-ERR XREAD command is not allowed with BLOCK option from scripts\r\n",
      refused: undefined
    })
    expect(run(script, Callers.script, "SET", "k", "v")).toEqual({ sent: "+OK\r\n", refused: undefined })
  })

  it("ACL: the check stage words a denial for a client, a script and a transaction", async () => {
    const { engine, registry, run, send } = await core()
    const client = engine.createClient()
    const script = engine.createInternalClient("script")
    let denied: "command" | "key" | "channel" | undefined = undefined
    registry.checks.acl = (_client, command) => (command.spec.name === "set" ? denied : undefined)
    expect(send(client, "MULTI")).toBe("+OK\r\n")
    expect(send(client, "SET", "k", "v")).toBe("+QUEUED\r\n")
    denied = "key"
    expect(send(client, "EXEC")).toBe(
      "*1\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. " +
        "This command is no longer allowed for the following reason: no permission to touch the specified keys\r\n"
    )
    denied = "command"
    expect(send(client, "SET", "k", "v")).toBe("-NOPERM this user has no permissions to run the 'set' command\r\n")
    denied = "channel"
    expect(send(client, "SET", "k", "v")).toBe("-NOPERM this user has no permissions to access one of the channels used as arguments\r\n")
    denied = "key"
    expect(run(script, Callers.script, "SET", "k", "v").refused).toBe(
      "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
    )
    // the master's link and an AOF being loaded are not subject to ACLs
    const master = engine.createInternalClient("master")
    expect(run(master, Callers.master, "SET", "k", "v").refused).toBeUndefined()
    expect(engine.keyspace.dbs[0]!.exists("k")).toBe(true)
    const rejected = engine.lookup("set")!.rejectedCalls
    expect(rejected).toBe(3)
  })

  it("maxmemory: deny-oom commands, and anything queued by MULTI, are refused while out of memory", async () => {
    const { engine, registry, send } = await core()
    const client = engine.createClient()
    let full = false
    registry.checks.outOfMemory = () => full
    expect(send(client, "MULTI")).toBe("+OK\r\n")
    expect(send(client, "SET", "k", "v")).toBe("+QUEUED\r\n")
    full = true
    expect(send(client, "GET", "k")).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n")
    // EXEC is judged by what it would run: a queued SET is deny-oom
    expect(send(client, "EXEC")).toBe(
      "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n"
    )
    expect(send(client, "GET", "k")).toBe("$-1\r\n")
    expect(send(client, "SET", "k", "v")).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n")
    expect(send(client, "DEL", "k")).toBe(":0\r\n")
    // in MULTI only EXEC, DISCARD, QUIT and RESET escape: MULTI and WATCH are refused and doom it
    expect(send(client, "MULTI")).toBe("+OK\r\n")
    expect(send(client, "MULTI")).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n")
    expect(send(client, "WATCH", "k")).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n")
    expect(send(client, "EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n")
  })

  it("a read-only replica refuses writes from clients, EXEC with queued writes too, but not from its master", async () => {
    const { engine, run, send, propagated } = await core()
    const client = engine.createClient()
    engine.keyspace.isReplica = true
    expect(send(client, "SET", "k", "v")).toBe("-READONLY You can't write against a read only replica.\r\n")
    // refused when queued already, which dooms the transaction
    expect(send(client, "MULTI")).toBe("+OK\r\n")
    expect(send(client, "SET", "k", "v")).toBe("-READONLY You can't write against a read only replica.\r\n")
    expect(send(client, "GET", "k")).toBe("+QUEUED\r\n")
    expect(send(client, "EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n")
    const master = engine.createInternalClient("master")
    // the master's replies go nowhere, and what it writes goes on to this replica's own AOF and replicas
    expect(run(master, Callers.master, "SET", "k", "v")).toEqual({ sent: "", refused: undefined })
    expect(propagated).toEqual([["SET", "k", "v"]])
    expect(send(client, "GET", "k")).toBe("$1\r\nv\r\n")
    engine.config.set("replica-read-only", ["no"])
    expect(send(client, "SET", "k", "w")).toBe("+OK\r\n")
  })

  it("a RESP2 client in subscribed mode may only (un)subscribe, PING, QUIT and RESET", async () => {
    const { engine, send } = await core()
    const client = engine.createClient()
    client.setSubscriptions(1, 0, 0)
    expect(send(client, "GET", "k")).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    )
    expect(send(client, "CONFIG", "GET", "port")).toBe(
      "-ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    )
    // PING answers in the array form a subscriber reads
    expect(send(client, "PING")).toBe("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
    expect(send(client, "HELLO", "3").startsWith("-ERR Can't execute 'hello'")).toBe(true)
    client.resp = 3
    expect(send(client, "GET", "k")).toBe("_\r\n")
  })

  it("while a dataset loads, only commands flagged loading run", async () => {
    const { engine, send } = await core()
    const client = engine.createClient()
    engine.loading = true
    expect(send(client, "GET", "k")).toBe("-LOADING Redis is loading the dataset in memory\r\n")
    expect(send(client, "PING")).toBe("-LOADING Redis is loading the dataset in memory\r\n")
    expect(send(client, "CONFIG", "GET", "port")).toBe("*2\r\n$4\r\nport\r\n$4\r\n6379\r\n")
    engine.loading = false
    expect(send(client, "PING")).toBe("+PONG\r\n")
  })
})

describe("execute", () => {
  it("an AOF being loaded: MULTI queues, nothing propagates, nothing is counted, replies are dropped", async () => {
    const { engine, run, propagated } = await core()
    const aof = engine.createInternalClient("aof")
    // a key already expired when the file is loaded: GET deletes it lazily, and that DEL is muted too
    engine.keyspace.dbs[1]!.add("gone", "x")
    engine.keyspace.dbs[1]!.setExpire("gone", 1)
    const lines = [["SELECT", "1"], ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"], ["RPUSH", "l", "x"], ["SET", "b", "1"], [
      "PEXPIREAT",
      "b",
      "1"
    ], ["GET", "gone"]]
    for (const argv of lines) {
      expect(run(aof, Callers.aof, ...argv)).toEqual({ sent: "", refused: undefined })
    }
    expect(engine.keyspace.dbs[1]!.lookupRead("a")).toBeDefined()
    // a past expiry deletes the key: what that propagates (a DEL) is muted while loading as well
    expect(engine.keyspace.dbs[1]!.exists("b")).toBe(false)
    expect(engine.keyspace.dbs[1]!.entries.has("gone")).toBe(false)
    expect(propagated).toEqual([])
    expect(engine.lookup("set")!.calls).toBe(0)
    expect(engine.stats.totalCommands).toBe(0)
    // a line that is not a command is the loader's error to report
    expect(run(aof, Callers.aof, "SET", "a").refused).toBe("ERR wrong number of arguments for 'set' command")
  })

  it("a served waiter and a call propagate by the same rule: the handler's form of a write", async () => {
    const { engine, send, propagated } = await core()
    const waiter = engine.createClient()
    const pusher = engine.createClient()
    expect(send(waiter, "BLPOP", "l", "0")).toBe("")
    expect(send(pusher, "RPUSH", "l", "a", "b")).toBe(":2\r\n")
    expect(waiter.reply.take()?.toString("latin1")).toBe("*2\r\n$1\r\nl\r\n$1\r\na\r\n")
    expect(propagated).toEqual([["RPUSH", "l", "a", "b"], ["LPOP", "l"]])
  })

  it("CLIENT REPLY OFF holds for a reply produced outside the client's batch (a served BLPOP)", async () => {
    const { engine, send } = await core()
    const waiter = engine.createClient()
    const pusher = engine.createClient()
    expect(send(waiter, "CLIENT", "REPLY", "OFF")).toBe("")
    expect(send(waiter, "BLPOP", "l", "0")).toBe("")
    expect(send(pusher, "RPUSH", "l", "a")).toBe(":1\r\n")
    expect(waiter.reply.length).toBe(0)
    expect(waiter.blocked).toBeUndefined()
    expect(send(waiter, "CLIENT", "REPLY", "ON")).toBe("+OK\r\n")
  })
})

describe("internal clients", () => {
  it("the master's link is listed and counted with flags=M; script and AOF clients are not", async () => {
    const { engine, send } = await core()
    const client = engine.createClient()
    engine.createInternalClient("script")
    engine.createInternalClient("aof")
    const master = engine.createInternalClient("master", { addr: "127.0.0.1:6380", laddr: "127.0.0.1:50000" })
    const list = send(client, "CLIENT", "LIST")
    const lines = list.split("\r\n")[1]!.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(new RegExp(`^id=${master.id} addr=127\\.0\\.0\\.1:6380 laddr=127\\.0\\.0\\.1:50000 fd=-1 .* flags=M `))
    expect(send(client, "INFO", "clients")).toMatch(/connected_clients:2\r\n/)
    expect(send(client, "CLIENT", "LIST", "TYPE", "master")).toMatch(/^\$\d+\r\nid=\d+ addr=127\.0\.0\.1:6380 /)
    expect(send(client, "CLIENT", "KILL", "TYPE", "master")).toBe(":1\r\n")
    expect(engine.clients.has(master.id)).toBe(false)
  })
})

describeDifferential(
  "the check stage against Redis, with requirepass",
  (servers) => {
    it("arity, unknown commands, NOAUTH and MULTI rules reply as Redis does", () =>
      checkCommands(servers(), [
        ["GET"],
        ["NOPE", "x"],
        ["CONFIG", "NOPE"],
        ["GET", "k"],
        ["PING"],
        ["MULTI"],
        ["AUTH", "pw"],
        ["MULTI"],
        ["GET"],
        ["SET", "k", "v"],
        ["EXEC"],
        ["MULTI"],
        ["SET", "k", "v"],
        ["WATCH", "x"],
        ["EXEC"],
        ["CLIENT", "PAUSE", "10", "SOMETIMES"],
        ["CLIENT", "PAUSE", "x"],
        ["CLIENT", "PAUSE", "-1"],
        ["CLIENT", "PAUSE", "1", "WRITE", "x"],
        ["CLIENT", "UNPAUSE"],
        ["WAIT", "x", "0"],
        ["WAIT", "0", "-1"],
        ["WAIT", "0", "0"],
        ["WAIT", "1", "20"],
        ["MULTI"],
        ["WAIT", "5", "0"],
        ["EXEC"]
      ]))
  },
  { config: { requirepass: "pw" }, oracleArgs: ["--requirepass", "pw"] }
)

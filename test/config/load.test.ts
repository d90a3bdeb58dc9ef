/**
 * Config files and command lines against the real redis-server: every refused config must produce
 * redis-server's own report (same text, same line number, same line), and every accepted one must
 * leave the same values (CONFIG GET * of a real server started with the same file and arguments).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { allCommands } from "../../src/commands/index.ts"
import { HIDDEN } from "../../src/config/directives.ts"
import { type ConfigLoadError, loadConfig, parseCommandLine } from "../../src/config/load.ts"
import { type ConfigStore, ServerConfig } from "../../src/config/ServerConfig.ts"
import { CoreLive } from "../../src/layers.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"
import { freePort, hasOracle, redisServerPath, skipMessage } from "../support/oracle.ts"
import { RawConnection, type RawReply } from "../support/raw.ts"

/** The server's command table, which `rename-command` lines are checked against. */
const commandNames = allCommands.map((c) => c.name)

const dir = mkdtempSync(join(tmpdir(), "config-load-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let fileCount = 0
/** Writes config text (latin1 bytes) to a new file in the test directory; returns its absolute path. */
const conf = (text: string, name = `c${fileCount++}.conf`): string => {
  const path = join(dir, name)
  writeFileSync(path, Buffer.from(text, "latin1"))
  return path
}

/** Our loader, without moving the test process's working directory. */
const load = (argv: ReadonlyArray<string>, stdin?: string) =>
  Effect.runPromise(Effect.result(loadConfig(argv, { chdir: false, commandNames, ...(stdin === undefined ? {} : { stdin: () => Promise.resolve(stdin) }) })))

const loadError = async (argv: ReadonlyArray<string>, stdin?: string): Promise<string> => {
  const result = await load(argv, stdin)
  if (result._tag === "Success") throw new Error(`loaded: ${JSON.stringify(argv)}`)
  return (result.failure as ConfigLoadError).message
}

const loadStore = async (argv: ReadonlyArray<string>, stdin?: string): Promise<ConfigStore> => {
  const result = await load(argv, stdin)
  if (result._tag === "Failure") throw new Error((result.failure as ConfigLoadError).message)
  return result.success.store
}

/** serverLog's prefix ("pid:C 21 Nov 2026 06:44:40.403 # "), which differs by process and time. */
const LOG_PREFIX = /^\d+:[CM] \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # /gm

/** What redis-server prints when it refuses to start: its stderr report, or its fatal log lines. */
const redisRefusal = (argv: ReadonlyArray<string>, stdin?: string): string => {
  const run = spawnSync(redisServerPath!, argv, { cwd: dir, input: stdin ?? "", encoding: "latin1", timeout: 10_000 })
  if (run.status !== 1) throw new Error(`redis-server ${JSON.stringify(argv)} exited with ${run.status}: ${run.stdout}${run.stderr}`)
  if (run.stderr.includes("FATAL CONFIG FILE ERROR")) return run.stderr
  return run.stdout.split("\n").filter((l) => l.includes(" # ")).join("\n").replace(LOG_PREFIX, "") + "\n"
}

const ourRefusal = async (argv: ReadonlyArray<string>, stdin?: string): Promise<string> =>
  (await loadError(argv, stdin)).replace(LOG_PREFIX, "") + "\n"

/** The same, for errors redis-server logs: only its last lines, after its other warnings. */
const sameRefusal = async (argv: ReadonlyArray<string>, stdin?: string): Promise<void> => {
  const ours = await ourRefusal(argv, stdin)
  const theirs = redisRefusal(argv, stdin)
  if (ours.startsWith("\n*** FATAL")) expect(ours).toBe(theirs)
  else expect(theirs.split("\n").slice(-ours.split("\n").length)).toEqual(ours.split("\n"))
}

const describeOracle = hasOracle ? describe : describe.skip

describeOracle(`config files redis-server refuses (${hasOracle ? "vs redis-server" : skipMessage})`, () => {
  const badLines: ReadonlyArray<string> = [
    "foo bar",
    "port 0 1",
    "  maxmemory   abc  ",
    "maxmemory\tabc",
    "port 0 # comments only start a line",
    "daemonize maybe",
    "loglevel loud",
    "loglevel notice warning",
    "hz 5 6",
    "save 0 1",
    "save 1",
    "save a b",
    "notify-keyspace-events X",
    "save \"a",
    "save 'a'b",
    "client-output-buffer-limit master 1 1 1",
    "client-output-buffer-limit normal 1 1",
    "oom-score-adj-values 1 2",
    "oom-score-adj-values 1 2 3000",
    `bind ${Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(" ")}`,
    "replicaof host 99999",
    "slaveof a",
    "replicaof no",
    "include",
    "include a b",
    "rename-command get",
    "rename-command nosuch x",
    "rename-command get set",
    "rename-command GET fetch\nrename-command fetch get\nrename-command get set",
    "sentinel monitor x",
    "x.y",
    "list-max-ziplist-entries 5 6",
    "unixsocketperm 999",
    "unixsocketperm x",
    "maxmemory-clients 200%",
    "dir /nonexistent/dir",
    "dir /etc/hostname",
    "dbfilename a/b",
    "appendfilename \"\"",
    "appenddirname a/b",
    "proc-title-template {nope}",
    "cluster-announce-hostname bad_host",
    "latency-tracking-info-percentiles 101",
    "latency-tracking-info-percentiles x",
    "shutdown-on-sigint save nosave",
    "shutdown-on-sigint \"\"",
    "enable-debug-command maybe",
    "activedefrag yes",
    "user",
    "logfile /nonexistent/dir/x.log",
    "cluster-enabled yes\nreplicaof 1.2.3.4 5",
    "maxmemory \"\\x31\\x30\"\nhz 100\n\n# comment\n   \nzzz",
    "port 0\r\nfoo\r\n",
    "\u00e9t\u00e9 1",
    "maxmemory 1\u00ff"
  ]

  it.each(badLines.map((l) => [l]))("%j", async (text) => {
    const path = conf(`# a comment\n${text}\n`)
    await sameRefusal([path])
  })

  it("module configs without their module (Redis gets as far as listening: on a unix socket here)", async () => {
    await sameRefusal([conf(`port 0\nunixsocket ${join(dir, "m.sock")}\nx.y 1 2\n`)])
    await sameRefusal([conf(`port 0\nunixsocket ${join(dir, "m.sock")}\nmymodule.opt 1\n`)])
  })

  it("a missing config file, and a missing include", async () => {
    const missing = join(dir, "missing.conf")
    await sameRefusal([missing])
    await sameRefusal([conf(`hz 5\ninclude ${join(dir, "also-missing.conf")}\n`)])
  })

  it("an error in an included file is reported with that file's line", async () => {
    const included = conf("hz 7\n\nmaxmemory lots\n")
    const main = conf(`hz 5\ninclude ${included}\nhz 6\n`)
    expect(await ourRefusal([main])).toBe(redisRefusal([main]))
  })

  it("an include pattern matching nothing is skipped; matches load in order as one text", async () => {
    mkdirSync(join(dir, "conf.d"), { recursive: true })
    writeFileSync(join(dir, "conf.d", "b.conf"), "hz 8\nmaxmemory bad\n")
    writeFileSync(join(dir, "conf.d", "a.conf"), "hz 7\n")
    const main = conf(`include ${join(dir, "nothing.d")}/*.conf\ninclude ${join(dir, "conf.d")}/*.conf\n`)
    expect(await ourRefusal([main])).toBe(redisRefusal([main]))
  })

  it.each([
    [["--port", "0", "--maxmemory", "x"]],
    [["--hz", "5", "6"]],
    [["--loglevel", "--hz", "5"]],
    [["--port"]],
    [["--port", "0", "extra"]],
    [["--no-such-directive", "1"]],
    [["--masteruser", "\u00e9", "x"]]
  ])("command line %j", async (argv) => {
    expect(await ourRefusal(argv)).toBe(redisRefusal(argv))
  })

  it("the file, then stdin, then the command line, in one text", async () => {
    // no newline at the end of the file: the first stdin line continues its last line, as in Redis
    const path = conf("hz 5\nport 0")
    const argv = [path, "--hz", "7", "-"]
    expect(await ourRefusal(argv, "1\nmaxmemory x\n")).toBe(redisRefusal(argv, "1\nmaxmemory x\n"))
    expect(await ourRefusal(["-"], "hz 5\nloglevel x\n")).toBe(redisRefusal(["-"], "hz 5\nloglevel x\n"))
  })
})

// --- accepted configs -------------------------------------------------------------------------------------

const running: Array<ChildProcess> = []
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL")
})

const connectWhenReady = async (port: number, child: ChildProcess, output: () => string): Promise<RawConnection> => {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      return await RawConnection.connect(port)
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${output()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

/**
 * The arguments plus a port and address to listen on, after the config file if there is one, so that
 * a trailing "-" or "--save" keeps its meaning.
 */
const withListener = (argv: ReadonlyArray<string>, port: string): ReadonlyArray<string> => {
  const listener = ["--port", port, "--bind", "127.0.0.1"]
  return argv.length > 0 && !argv[0]!.startsWith("-") ? [argv[0]!, ...listener, ...argv.slice(1)] : [...listener, ...argv]
}

/** Starts redis-server with these arguments (plus a port), returns every directive it reports. */
const redisValues = async (argv: ReadonlyArray<string>, stdin?: string, password = ""): Promise<Map<string, string>> => {
  const port = await freePort()
  const child = spawn(redisServerPath!, withListener(argv, String(port)), {
    cwd: dir,
    stdio: ["pipe", "pipe", "pipe"]
  })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  child.stdin!.end(stdin ?? "")
  const conn = await connectWhenReady(port, child, () => output)
  try {
    const hidden = ["use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period", "loading-process-events-interval-bytes"]
    const auth = password === "" ? [] : [["AUTH", password]]
    const replies = await conn.pipeline([...auth, ["CONFIG", "GET", "*"], ["CONFIG", "GET", ...hidden]])
    const [all, extra] = replies.slice(auth.length)
    return new Map([...pairs(all!), ...pairs(extra!)])
  } finally {
    await conn.close()
    child.kill("SIGKILL")
  }
}

const pairs = (reply: RawReply): Array<[string, string]> => {
  const flat = reply.value as ReadonlyArray<string>
  const out: Array<[string, string]> = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!])
  return out
}

/** Our values for the same arguments, named as CONFIG GET names them (aliases included). */
const ourValues = async (argv: ReadonlyArray<string>, stdin?: string): Promise<Map<string, string>> => {
  const store = await loadStore(withListener(argv, "0"), stdin)
  return new Map(store.configEntries().map((e) => [e.name, store.get(e.name)!] as const))
}

/** Every value but the port (redis-server needs a real one to be asked; ours is never listened on here). */
const comparable = (values: ReadonlyMap<string, string>): Array<[string, string]> =>
  [...values].filter(([k]) => k !== "port").sort(([a], [b]) => (a < b ? -1 : 1))

const sameValues = async (argv: ReadonlyArray<string>, stdin?: string) => {
  const ours = await ourValues(argv, stdin)
  const theirs = await redisValues(argv, stdin, ours.get("requirepass"))
  // Redis lowers maxclients at startup when the file descriptor limit is too low (environment)
  if (theirs.get("maxclients") !== "10000") ours.set("maxclients", theirs.get("maxclients")!)
  expect(comparable(ours)).toEqual(comparable(theirs))
}

describeOracle(`config files and command lines redis-server accepts (${hasOracle ? "vs redis-server" : skipMessage})`, () => {
  const goodFiles: ReadonlyArray<string> = [
    "save 900 1\nsave 300 10",
    "save 900 1\nsave \"\"",
    "save \"\"\nsave 900 1",
    "save 900 1 300 10\nsave 60 5",
    "save 1 1\ninclude INCLUDED\nsave 3 3",
    "hz 5\nhz 7\nhash-max-ziplist-entries 5\nhash-max-listpack-entries 6\nnotify-keyspace-events KEA\nnotify-keyspace-events Kx",
    "requirepass \"a b\\x41\\n\"\nmasteruser 'it\\'s'\nproc-title-template \"{title}  {port}\"\nmasterauth \"a\\x00b\"",
    "client-output-buffer-limit replica 1gb 2mb 30 pubsub 1 2 3\noom-score-adj-values -1 +2 3\nlatency-tracking-info-percentiles 1 2.5 0.0078125",
    "shutdown-on-sigterm now nosave\nshutdown-on-sigint FORCE",
    "hz 1000\nrepl-backlog-size 1\nmaxmemory 1GB\nproto-max-bulk-len 2mb\nmaxmemory-clients 10%",
    "hz 0",
    "list-max-ziplist-entries 5\nlist-max-ziplist-value 6\nlua-replicate-commands yes\nsentinel",
    "rename-command flushall \"\"\nrename-command get fetch\nuser bob on nopass ~* +@all",
    "slave-read-only no\nslave-priority 5\nmin-slaves-to-write 1\nlua-time-limit 100\ncluster-slave-no-failover yes",
    "port 0\r\nhz 12\r\n\tmaxmemory 5mb  \r\n",
    "LOGLEVEL WARNING\nMaxMemory-Policy ALLKEYS-LRU\nappendfsync ALWAYS",
    "tls-cert-file /x\ntls-port 0\ntls-cluster no\nunixsocketperm 755\ndatabases 5\nio-threads 4",
    "bind 127.0.0.1 -::1\nbind 127.0.0.1",
    "notify-keyspace-events \"\"\nignore-warnings ARM64-COW-BUG\nsyslog-ident \"\"\nmaxmemory \"\""
  ]

  it.each(goodFiles.map((t) => [t]))("%j", async (text) => {
    const included = conf("save 2 2\nhz 9\n")
    const path = conf(`dir ${dir}\n${text.replace("INCLUDED", included)}\n`)
    await sameValues([path])
  })

  it.each([
    [["--maxmemory", "1mb", "--hz", "20"]],
    [["--save", "900", "1", "--save", "300", "10"]],
    [["--save"]],
    [["--save", "--hz", "20"]],
    [["--save", "", "--hz", "20"]],
    [["--hz 20", "--maxmemory 1mb"]],
    [["--client-output-buffer-limit", "replica", "1gb", "2mb", "30"]],
    [["--requirepass", "a b\"c\\d\n"]],
    [["--masteruser", "caf\u00e9"]],
    [["--notify-keyspace-events", "KEA", "--notify-keyspace-events", "Ex"]]
  ])("command line %j", async (argv) => {
    await sameValues(["--dir", dir, ...argv])
  })

  it("a config file overridden by the command line and stdin", async () => {
    const path = conf(`dir ${dir}\nhz 5\nmaxmemory 1mb\nsave 60 60\n`)
    await sameValues([path, "--hz", "7", "--save", "30", "30"])
    await sameValues([path, "--hz", "7", "-"], "maxmemory 2mb\nsave 10 10\n")
  })

  it("an include follows `dir` for a relative path, and a pattern includes files in name order", async () => {
    mkdirSync(join(dir, "inc.d"), { recursive: true })
    writeFileSync(join(dir, "inc.d", "20-b.conf"), "hz 20\nsave 20 20\n")
    writeFileSync(join(dir, "inc.d", "10-a.conf"), "hz 10\nsave 10 10\nmaxmemory 10mb\n")
    await sameValues([conf(`dir ${dir}\ninclude inc.d/*.conf\n`)])
  })

  const debian = "/etc/redis/redis.conf"
  const debianReadable = (() => {
    try {
      accessSync(debian, constants.R_OK)
      return true
    } catch {
      return false
    }
  })()
  it.skipIf(!debianReadable)(`Debian's ${debian} loads, with the values redis-server takes from it`, async () => {
    // started in the foreground, logging to stdout and with files under the test directory
    await sameValues([debian, "--daemonize", "no", "--logfile", "", "--pidfile", "", "--dir", dir])
  })
  if (!debianReadable) it.skip(`${debian} is not readable here: Debian's sample config not checked`, () => {})
})

describe("command line (redis-server's main())", () => {
  it("splits arguments into the config file, stdin, and config lines", () => {
    expect(parseCommandLine([])).toEqual({ configFile: undefined, configFromStdin: false, options: "" })
    expect(parseCommandLine(["./redis.conf", "--port", "7000"])).toEqual({
      configFile: "./redis.conf",
      configFromStdin: false,
      options: "port \"7000\" "
    })
    expect(parseCommandLine(["-"]).configFromStdin).toBe(true)
    expect(parseCommandLine(["a.conf", "--hz", "5", "-"]).configFromStdin).toBe(true)
    // "-" elsewhere is a value
    expect(parseCommandLine(["--hz", "-", "5"]).options).toBe("hz \"-\" \"5\" ")
    expect(parseCommandLine(["--save"]).options).toBe("save \"\"")
    expect(parseCommandLine(["--save", "--hz", "5"]).options).toBe("save \"\"\nhz \"5\" ")
    expect(parseCommandLine(["--sentinel", "--hz", "5"]).options).toBe("sentinel \nhz \"5\" ")
    expect(parseCommandLine(["--port 7000", "--hz", "5"]).options).toBe("port 7000 \nhz \"5\" ")
    expect(parseCommandLine(["--x", "a\u00ff\t\"\\"]).options).toBe("x \"a\\xff\\t\\\"\\\\\" ")
  })
})

describe("rename-command", () => {
  /** Our server over TCP, built from a loaded store (the way src/main.ts builds it). */
  const serve = async (store: ConfigStore) => {
    const scope = Effect.runSync(Scope.make())
    const context = await Effect.runPromise(
      Layer.buildWithScope(
        RedisServer.listen({ port: 0, host: "127.0.0.1" }).pipe(Layer.provideMerge(CoreLive), Layer.provideMerge(ServerConfig.layerFrom(store))),
        scope
      )
    )
    return {
      conn: await RawConnection.connect(Context.get(context, RedisServer).port),
      close: () => Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }

  it("renames or removes commands, as the file says", async () => {
    const store = await loadStore([conf("rename-command GET fetch\nrename-command set \"\"\nrename-command fetch Obtain\n")])
    expect(store.commandRenames).toEqual([
      { from: "get", to: "fetch" },
      { from: "set", to: "" },
      { from: "fetch", to: "obtain" }
    ])
    const server = await serve(store)
    try {
      const replies = await server.conn.pipeline([["SET", "k", "v"], ["GET", "k"], ["FETCH", "k"], ["OBTAIN", "k"], ["obtain", "k"]])
      expect(replies.map((r) => r.raw)).toEqual([
        "-ERR unknown command 'SET', with args beginning with: 'k' 'v' \r\n",
        "-ERR unknown command 'GET', with args beginning with: 'k' \r\n",
        "-ERR unknown command 'FETCH', with args beginning with: 'k' \r\n",
        "$-1\r\n",
        "$-1\r\n"
      ])
    } finally {
      await server.conn.close()
      await server.close()
    }
  })
})

describe("loaded values", () => {
  it("hidden directives load from a file like any other", async () => {
    const store = await loadStore([conf("use-exit-on-panic yes\nkey-load-delay -5\n")])
    expect(store.get("use-exit-on-panic")).toBe("yes")
    expect(store.get("key-load-delay")).toBe("-5")
    expect((store.directive("key-load-delay")!.flags & HIDDEN) !== 0).toBe(true)
  })

  it("the config file is remembered by its absolute path, for CONFIG REWRITE", async () => {
    const path = conf("hz 5\n")
    const store = await loadStore([path])
    expect(store.configFile).toBe(path)
    expect((await loadStore(["--hz", "5"])).configFile).toBeUndefined()
  })

  it("loadmodule is kept for main() (which fails to load it after \"Server initialized\"); module configs alone stop the server", async () => {
    expect((await loadStore([conf("loadmodule /x/y.so a b\nloadmodule /z.so\n")])).modules).toEqual(["/x/y.so", "/z.so"])
    expect((await loadStore([conf("loadmodule /x/y.so\nmymodule.option 5\n")])).modules).toEqual(["/x/y.so"])
    expect(await loadError([conf("mymodule.option 5\n")])).toMatch(
      /# Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting$/
    )
  })
})

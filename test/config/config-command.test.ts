/**
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP against a real redis-server (RESP2 and RESP3), plus a
 * model-based property test of CONFIG SET's all-or-nothing semantics in process.
 *
 * Both servers start with the same directives (the oracle's command line: bind, save, appendonly,
 * enable-debug-command, dir). Random CONFIG SET values are drawn per directive type from the table,
 * valid and invalid; values that would break the oracle's own connection or listener (a new port or
 * bind address, tiny client memory or output limits, idle timeouts, AOF on) are left to example tests.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Directive, directives, HIDDEN, IMMUTABLE, PROTECTED } from "../../src/config/directives.ts"
import { ReplyError } from "../../src/resp/ReplyParser.ts"
import { Engine } from "../../src/server/Engine.ts"
import { RedisClient } from "../../src/server/RedisClient.ts"
import { Keyspace } from "../../src/keyspace/Keyspace.ts"
import { checkCommands, checkSequences, type Command, describeDifferential, type Normalize } from "../support/differential.ts"
import { describeEffects } from "../support/effects.ts"
import { embeddedRedis } from "../support/embedded.ts"
import type { RawReply } from "../support/raw.ts"

/** The oracle's startup directives (test/support/oracle.ts), given to our server too. */
const SAME_STARTUP = { bind: "127.0.0.1", save: "", appendonly: "no", "enable-debug-command": "yes", dir: "/tmp" }

/**
 * CONFIG GET replies in dictionary order, which Redis randomizes per process: compare the reply type
 * (RESP2 array or RESP3 map) and the pairs as a set. Everything else byte for byte.
 */
const configGetPairs: Normalize = (command, reply) => {
  const isGet = command[0]?.toLowerCase() === "config" && command[1]?.toLowerCase() === "get"
  if (!isGet || reply.value instanceof ReplyError) return reply.raw
  // each server listens on its own free port
  const pairs = replyPairs(reply).map(([k, v]) => `${k}=${k.toLowerCase() === "port" ? "<port>" : v}`)
  return { type: reply.raw[0], pairs: pairs.sort() }
}

const replyPairs = (reply: RawReply): Array<[string, string]> => {
  const value = reply.value
  if (value instanceof Map) return [...value].map(([k, v]) => [String(k), String(v)])
  const flat = value as ReadonlyArray<unknown>
  const out: Array<[string, string]> = []
  for (let i = 0; i < flat.length; i += 2) out.push([String(flat[i]), String(flat[i + 1])])
  return out
}

const byName = new Map(directives.map((d) => [d.name, d]))

// --- value generators -----------------------------------------------------------------------------------

const INVALID = fc.constantFrom(
  "",
  "abc",
  "-1",
  "1.5",
  " 1",
  "1 ",
  "+1",
  "01",
  "0x10",
  "18446744073709551616",
  "-9223372036854775809",
  "10%",
  "1kb",
  "1 2",
  "yes",
  "YES",
  "nO",
  "local"
)

const withCase = (s: string) => fc.constantFrom(s, s.toUpperCase(), s[0]!.toUpperCase() + s.slice(1))

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 })

const MEMORY_UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ["", 1n],
  ["b", 1n],
  ["k", 1000n],
  ["kb", 1024n],
  ["m", 1000n ** 2n],
  ["mb", 1024n ** 2n],
  ["g", 1000n ** 3n],
  ["gb", 1024n ** 3n]
]

/** A value in [min, max], in any of the forms the directive accepts (memory units, percentages). */
const numericValue = (min: bigint, max: bigint, d: Directive): fc.Arbitrary<string> => {
  const t = d.type
  if (t.kind !== "numeric") throw new Error(d.name)
  const lo = t.percent ? 0n : min
  const plain = fc.oneof(fc.bigInt({ min: lo, max }), fc.constantFrom(lo, max)).map((n) => n.toString(t.octal ? 8 : 10))
  const forms: Array<fc.Arbitrary<string>> = [plain]
  if (t.memory) {
    forms.push(
      fc.constantFrom(...MEMORY_UNITS).chain(([unit, mul]) => {
        const from = (lo + mul - 1n) / mul
        const to = max / mul
        if (from > to) return plain
        return fc.tuple(fc.bigInt({ min: from, max: to }), withCase(unit === "" ? "b" : unit)).map(([n, u]) => `${n}${u}`)
      })
    )
  }
  if (t.percent && min < 0n) forms.push(fc.bigInt({ min: 0n, max: -min }).map((n) => `${n}%`))
  return fc.oneof(...forms)
}

/** Ranges that keep the oracle usable: its test connection must survive every value. */
const SAFE_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  timeout: [3600n, 2147483647n],
  maxclients: [100n, 10000n],
  "maxmemory-clients": [1024n ** 3n, 1024n ** 4n],
  "watchdog-period": [0n, 0n]
}

const NOTIFY_LETTERS = "Ag$lshzxeKEtmdn".split("")

const specialValue = (name: string): fc.Arbitrary<string> => {
  switch (name) {
    case "save":
      return fc.oneof(
        fc.constant(""),
        fc.array(fc.tuple(fc.integer({ min: 3600, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000_000 })), {
          minLength: 1,
          maxLength: 3
        }).map((pairs) => pairs.flat().join(" "))
      )
    case "client-output-buffer-limit": {
      const memory = fc.oneof(fc.integer({ min: 0, max: 1 << 30 }).map(String), fc.constantFrom("0", "1mb", "256mb", "64MB", "1gb", "32k"))
      const group = fc.oneof(
        fc.tuple(fc.constantFrom("replica", "slave", "pubsub", "PUBSUB"), memory, memory, fc.integer({ min: 0, max: 3600 })),
        // the normal class limits the test connection itself: only no limit or generous ones
        fc.tuple(fc.constantFrom("normal"), fc.constantFrom("0", "1gb"), fc.constantFrom("0", "1gb"), fc.constantFrom(0, 60))
      ).map((g) => g.join(" "))
      return fc.array(group, { minLength: 1, maxLength: 3 }).map((gs) => gs.join(" "))
    }
    case "oom-score-adj-values":
      return fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 3, maxLength: 3 }).map((v) => v.join(" "))
    case "notify-keyspace-events":
      return fc.array(fc.constantFrom(...NOTIFY_LETTERS), { maxLength: 6 }).map((l) => l.join(""))
    case "latency-tracking-info-percentiles":
      return fc.array(
        fc.oneof(
          fc.double({ min: 0, max: 100, noNaN: true }).map(String),
          fc.constantFrom("0", "100", "99.9", "0.0078125", "50.0000005", "1e-7", "-0", "1e2")
        ),
        { maxLength: 4 }
      ).map((v) => v.join(" "))
    case "dir":
      return fc.constantFrom("/tmp", ".", "/nonexistent", "")
    case "replicaof":
      return fc.constantFrom("no one", "127.0.0.1 6379", "host 99999")
    default:
      throw new Error(`no generator for ${name}`)
  }
}

/** Directives whose valid values would move the oracle's listener or lock out its test client. */
const EXAMPLES_ONLY = new Set(["port", "bind", "requirepass", "appendonly", "oom-score-adj"])

const validValue = (d: Directive): fc.Arbitrary<string> => {
  const t = d.type
  switch (t.kind) {
    case "bool":
      return fc.constantFrom("yes", "no", "YES", "No")
    case "numeric": {
      const [min, max] = SAFE_RANGES[d.name] ?? [t.min, t.max]
      return numericValue(min, max, d)
    }
    case "enum":
      return t.bitflags
        ? fc.uniqueArray(fc.constantFrom(...t.values), { minLength: 1, maxLength: 3 }).map((v) => v.join(" "))
        : fc.constantFrom(...t.values).chain(withCase)
    case "string":
      return d.name === "cluster-announce-hostname"
        ? fc.stringMatching(/^[A-Za-z0-9.-]{0,12}$/)
        : d.name === "proc-title-template"
        ? fc.constantFrom("{title} {listen-addr} {server-mode}", "{port}", "x{{y", "{title}", "{nope}", "a}b", "{config-file}", "{")
        : latin1
    case "special":
      return specialValue(d.name)
  }
}

const randomDirectives = directives.filter((d) => !EXAMPLES_ONLY.has(d.name))

/** A directive name as a client may send it: any case, or its alias. */
const nameOf = (d: Directive): fc.Arbitrary<string> =>
  fc.oneof(withCase(d.name), d.alias === undefined ? withCase(d.name) : fc.constant(d.alias))

const setPair = fc.constantFrom(...randomDirectives).chain((d) =>
  fc.tuple(nameOf(d), fc.oneof({ weight: 3, arbitrary: validValue(d) }, { weight: 1, arbitrary: INVALID }))
)

/** Puts every directive a sequence may touch back to the oracle's startup value. */
const restoreCommand = (initial: ReadonlyMap<string, string>): Command => {
  const out = ["CONFIG", "SET"]
  for (const d of randomDirectives) {
    if ((d.flags & (IMMUTABLE | PROTECTED)) !== 0) continue
    out.push(d.name, initial.get(d.name) ?? d.default)
  }
  return out
}

// --- differential suites ----------------------------------------------------------------------------------

for (const resp of [2, 3] as const) {
  const setup: ReadonlyArray<Command> = resp === 3 ? [["HELLO", "3"]] : []

  describeDifferential(`CONFIG against Redis (RESP${resp})`, (servers) => {
    let initial: ReadonlyMap<string, string> = new Map()

    it("CONFIG GET * lists the same directives with the same values", async () => {
      const { ours, theirs } = servers()
      const commands: ReadonlyArray<Command> = [...setup, ["CONFIG", "GET", "*"]]
      const [a, b] = (await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])).map((r) => r[r.length - 1])
      expect(a!.raw[0]).toBe(resp === 3 ? "%" : "*")
      expect(b!.raw[0]).toBe(resp === 3 ? "%" : "*")
      const oursMap = new Map(replyPairs(a!))
      const theirsMap = new Map(replyPairs(b!))
      initial = theirsMap
      // port: each server listens on its own free port. maxclients: Redis lowers it at startup when
      // the file descriptor limit is too low for it (adjustOpenFilesLimit), an environment matter.
      const environment = new Set(["port", ...(theirsMap.get("maxclients") === "10000" ? [] : ["maxclients"])])
      const compare = (m: ReadonlyMap<string, string>) => [...m].filter(([k]) => !environment.has(k)).sort()
      expect(compare(oursMap)).toEqual(compare(theirsMap))
    })

    it("replies to GET, SET errors, HELP and REWRITE like Redis", () =>
      checkCommands(servers(), [
        ...setup,
        ["CONFIG"],
        ["CONFIG", "GET"],
        ["CONFIG", "SET"],
        ["CONFIG", "SET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "1", "timeout"],
        ["CONFIG", "FOO"],
        ["CONFIG", "HELP", "x"],
        ["CONFIG", "HELP"],
        ["config", "help"],
        ["CONFIG", "RESETSTAT", "x"],
        ["CONFIG", "REWRITE", "x"],
        ["CONFIG", "REWRITE"],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "GET", "MAXMEMORY"],
        ["CONFIG", "GET", "maxmemory", "MaxMemory", "maxmemory*"],
        ["CONFIG", "GET", "nosuch"],
        ["CONFIG", "GET", "nosuch", "hz"],
        ["CONFIG", "GET", "slaveof", "replicaof", "hash-max-ziplist-entries"],
        ["CONFIG", "GET", "use-exit-on-panic"],
        ["CONFIG", "GET", "*exit*"],
        ["CONFIG", "GET", "watchdog-period", "rdb-key-save-delay", "key-load-delay", "loading-process-events-interval-bytes"],
        ["CONFIG", "GET", "*max*entries*", "hz"],
        ["CONFIG", "GET", "[a-c]*", "*[!]*"],
        ["CONFIG", "GET", "tls-*"],
        ["CONFIG", "GET", "\\hz", "h\\z", "h?"],
        ["CONFIG", "SET", "nosuch", "1"],
        ["CONFIG", "SET", "nosuch", "1", "maxmemory", "x"],
        ["CONFIG", "SET", "maxmemory", "x", "nosuch", "1"],
        ["CONFIG", "SET", "maxmemory", "1", "MAXMEMORY", "2"],
        ["CONFIG", "SET", "databases", "1", "maxmemory", "x"],
        ["CONFIG", "SET", "maxmemory", "x", "databases", "1"],
        ["CONFIG", "SET", "DAtabases", "3"],
        ["CONFIG", "SET", "dir", "/tmp"],
        ["CONFIG", "SET", "dbfilename", "x.rdb"],
        ["CONFIG", "SET", "hz", "20", "dir", "/tmp"],
        ["CONFIG", "SET", "hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2"],
        ["CONFIG", "GET", "hash-max-listpack-entries"],
        ["CONFIG", "SET", "hash-max-ziplist-value", "x"],
        ["CONFIG", "SET", "Hash-Max-Listpack-Value", "x"],
        ["CONFIG", "SET", "slaveof", "no one"],
        ["CONFIG", "SET", "maxmemory\r\nx", "1"],
        ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
        // RESETSTAT clears the error counters INFO shows
        ["GET"],
        ["CONFIG", "RESETSTAT"],
        ["INFO", "errorstats"],
        ["SET"],
        ["SET", "k"],
        ["INFO", "errorstats"],
        ["CONFIG", "RESETSTAT"],
        ["INFO", "errorstats"]
      ], configGetPairs))

    it("SET of every directive type: valid, invalid, and the directives only examples cover", () =>
      checkCommands(servers(), [
        ...setup,
        // bool, enum, bitflags enum
        ["CONFIG", "SET", "activerehashing", "NO"],
        ["CONFIG", "SET", "activerehashing", "maybe"],
        ["CONFIG", "SET", "activerehashing", ""],
        ["CONFIG", "GET", "activerehashing"],
        ["CONFIG", "SET", "loglevel", "WARNING"],
        ["CONFIG", "SET", "loglevel", "nothing"],
        ["CONFIG", "SET", "loglevel", "warning notice"],
        ["CONFIG", "GET", "loglevel"],
        ["CONFIG", "SET", "shutdown-on-sigint", "now NOSAVE"],
        ["CONFIG", "GET", "shutdown-on-sigint"],
        ["CONFIG", "SET", "shutdown-on-sigint", "save nosave"],
        ["CONFIG", "SET", "shutdown-on-sigint", "now  force"],
        ["CONFIG", "SET", "shutdown-on-sigint", ""],
        ["CONFIG", "SET", "shutdown-on-sigint", "default now"],
        ["CONFIG", "GET", "shutdown-on-sigint"],
        ["CONFIG", "SET", "oom-score-adj", "bogus"],
        // numbers: integer, memory, percent, bounds, clamping
        ["CONFIG", "SET", "maxmemory", "1GB"],
        ["CONFIG", "SET", "maxmemory", "17179869184gb"],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "99999999999999999999999"],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "-1"],
        ["CONFIG", "SET", "maxmemory", ""],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "0"],
        ["CONFIG", "SET", "maxmemory-clients", "10%"],
        ["CONFIG", "GET", "maxmemory-clients"],
        ["CONFIG", "SET", "maxmemory-clients", "101%"],
        ["CONFIG", "SET", "maxmemory-clients", "-1"],
        ["CONFIG", "SET", "maxmemory-clients", "18446744073709551615"],
        ["CONFIG", "GET", "maxmemory-clients"],
        ["CONFIG", "SET", "maxmemory-clients", "0"],
        ["CONFIG", "SET", "hz", "1000"],
        ["CONFIG", "GET", "hz"],
        ["CONFIG", "SET", "hz", "0"],
        ["CONFIG", "GET", "hz"],
        ["CONFIG", "SET", "hz", "-1"],
        ["CONFIG", "SET", "hz", "10"],
        ["CONFIG", "SET", "list-max-listpack-size", "-2147483649"],
        ["CONFIG", "SET", "slowlog-log-slower-than", "-2"],
        ["CONFIG", "SET", "client-query-buffer-limit", "1000"],
        ["CONFIG", "SET", "client-query-buffer-limit", "18446744073709551615"],
        ["CONFIG", "SET", "hash-max-listpack-value", "9223372036854775808"],
        ["CONFIG", "SET", "maxclients", "0"],
        ["CONFIG", "SET", "maxclients", "4294967296"],
        ["CONFIG", "SET", "unixsocketperm", "777"],
        ["CONFIG", "SET", "timeout", "01"],
        ["CONFIG", "SET", "timeout", "0"],
        // strings and validators
        ["CONFIG", "SET", "masteruser", "a b\r\n\u00ff"],
        ["CONFIG", "GET", "masteruser"],
        ["CONFIG", "SET", "masteruser", ""],
        ["CONFIG", "SET", "cluster-announce-hostname", "bad_host"],
        ["CONFIG", "SET", "cluster-announce-hostname", "a".repeat(256)],
        ["CONFIG", "SET", "proc-title-template", "{title}"],
        ["CONFIG", "SET", "appendfilename", "x"],
        // special
        ["CONFIG", "SET", "save", "100 1 200"],
        ["CONFIG", "SET", "save", "0 1"],
        ["CONFIG", "SET", "save", "100000 -1"],
        ["CONFIG", "SET", "save", "100000 "],
        ["CONFIG", "GET", "save"],
        ["CONFIG", "SET", "save", "100000  1"],
        ["CONFIG", "SET", "save", "+100000 4294967297"],
        ["CONFIG", "GET", "save"],
        ["CONFIG", "SET", "save", ""],
        ["CONFIG", "GET", "save"],
        ["CONFIG", "SET", "client-output-buffer-limit", "master 1 1 1"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 1"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub x 1 1"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 1 -1"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 1 4294967296"],
        ["CONFIG", "SET", "client-output-buffer-limit", "Replica 1gb 64mb 30 pubsub 1k 2K 5"],
        ["CONFIG", "GET", "client-output-buffer-limit"],
        ["CONFIG", "SET", "client-output-buffer-limit", ""],
        ["CONFIG", "SET", "client-output-buffer-limit", "slave 268435456 67108864 60 pubsub 33554432 8388608 60"],
        ["CONFIG", "SET", "oom-score-adj-values", "1 2"],
        ["CONFIG", "SET", "oom-score-adj-values", "1 2 3000"],
        ["CONFIG", "SET", "oom-score-adj-values", "-5 +7 2000"],
        ["CONFIG", "GET", "oom-score-adj-values"],
        ["CONFIG", "SET", "oom-score-adj-values", "0 200 800"],
        ["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        ["CONFIG", "GET", "notify-keyspace-events"],
        ["CONFIG", "SET", "notify-keyspace-events", "g$lshzxetdn"],
        ["CONFIG", "GET", "notify-keyspace-events"],
        ["CONFIG", "SET", "notify-keyspace-events", "KEx?"],
        ["CONFIG", "SET", "notify-keyspace-events", ""],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", "0.0078125 50 1e-7 -0"],
        ["CONFIG", "GET", "latency-tracking-info-percentiles"],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", "101"],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", "x"],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", "inf"],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", ""],
        ["CONFIG", "GET", "latency-tracking-info-percentiles"],
        ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"],
        ["CONFIG", "SET", "replicaof", "127.0.0.1 6379"],
        // the listener and the connection: only values both servers refuse
        ["CONFIG", "SET", "port", "abc"],
        ["CONFIG", "SET", "port", "65536"],
        ["CONFIG", "SET", "bind", Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(" ")],
        ["CONFIG", "SET", "bind", "127.0.0.1  ::1"],
        ["CONFIG", "GET", "bind"],
        ["CONFIG", "SET", "appendonly", "x"],
        ["CONFIG", "SET", "appendonly", "no"],
        ["CONFIG", "SET", "requirepass", ""],
        ["CONFIG", "SET", "tls-port", "6380"],
        ["CONFIG", "SET", "tls-cluster", "yes", "tls-replication", "yes"],
        ["CONFIG", "SET", "tls-cert-file", "/x", "tls-cluster", "yes"],
        ["CONFIG", "GET", "tls-cert-file", "tls-cluster"],
        ["CONFIG", "SET", "tls-port", "0", "tls-cert-file", "/x"],
        ["CONFIG", "GET", "tls-cert-file"],
        ["CONFIG", "SET", "tls-cert-file", ""],
        // certificate files are volatile: their apply runs (and is blamed) even for an unchanged value
        ["CONFIG", "SET", "tls-client-key-file", "", "tls-port", "1"],
        ["CONFIG", "SET", "tls-ciphers", "", "tls-port", "1"],
        ["CONFIG", "SET", "tls-ca-cert-dir", "", "tls-cluster", "yes"],
        // atomic: a later failure undoes the earlier values
        ["CONFIG", "SET", "hz", "33", "maxmemory", "x"],
        ["CONFIG", "SET", "hz", "33", "loglevel", "x", "maxmemory", "1mb"],
        ["CONFIG", "GET", "hz", "loglevel", "maxmemory"],
        ["CONFIG", "SET", "hz", "10", "loglevel", "notice", "maxmemory", "0", "activerehashing", "yes"]
      ], configGetPairs))

    it("random CONFIG SET/GET sequences, several pairs at a time, give the same replies", async () => {
      const restore = restoreCommand(initial)
      const command = fc.oneof(
        { weight: 3, arbitrary: fc.array(setPair, { minLength: 1, maxLength: 3 }).map((pairs) => ["CONFIG", "SET", ...pairs.flat()]) },
        { weight: 2, arbitrary: fc.constantFrom(...randomDirectives).chain(nameOf).map((n) => ["CONFIG", "GET", n]) }
      )
      await checkSequences(servers(), fc.array(command, { minLength: 1, maxLength: 8 }).map((seq) => [...seq, restore]), {
        normalize: configGetPairs,
        setup,
        numRuns: 120
      })
    })

    it("round trip: CONFIG SET of a random valid value, then CONFIG GET, shows Redis's canonical form", async () => {
      const restore = restoreCommand(initial)
      const mutable = randomDirectives.filter((d) => (d.flags & (IMMUTABLE | PROTECTED)) === 0)
      const roundTrip = fc.constantFrom(...mutable).chain((d) =>
        fc.tuple(nameOf(d), validValue(d)).map(([name, value]): ReadonlyArray<Command> => [
          ["CONFIG", "SET", name, value],
          ["CONFIG", "GET", name],
          ["CONFIG", "GET", d.name]
        ])
      )
      await checkSequences(servers(), fc.array(roundTrip, { minLength: 1, maxLength: 4 }).map((s) => [...s.flat(), restore]), {
        normalize: configGetPairs,
        setup,
        numRuns: 150
      })
    })

    it("CONFIG GET with random glob patterns matches the same names", () => {
      const fragment = fc.oneof(
        fc.constantFrom("max", "mem", "repl", "slave", "list", "-", "ziplist", "tls", "hz", "a", "e", "LAZY", "Port"),
        fc.constantFrom("*", "?", "[a-m]", "[^a-m]", "[!x]", "\\*", "\\", "[", "]")
      )
      const pattern = fc.array(fragment, { minLength: 1, maxLength: 5 }).map((f) => f.join(""))
      return checkSequences(servers(), fc.array(pattern, { minLength: 1, maxLength: 3 }).map((ps) => [["CONFIG", "GET", ...ps]]), {
        normalize: configGetPairs,
        setup,
        numRuns: 150
      })
    })
  }, { config: SAME_STARTUP, oracleArgs: ["--dir", SAME_STARTUP.dir] })
}

// --- in process --------------------------------------------------------------------------------------------

/**
 * A model of CONFIG SET for directives whose canonical form is simple to state: yes/no in lower
 * case, integers as string2ll reads them, enum names in lower case. A command with any invalid pair
 * changes nothing; otherwise every pair is applied in order.
 */
interface ModelDirective {
  readonly name: string
  readonly canonical: (value: string) => string | undefined
}

const boolModel = (name: string): ModelDirective => ({
  name,
  canonical: (v) => (["yes", "no"].includes(v.toLowerCase()) ? v.toLowerCase() : undefined)
})
const intModel = (name: string, min: number, max: number): ModelDirective => ({
  name,
  canonical: (v) => {
    if (!/^(0|-?[1-9]\d*)$/.test(v)) return undefined
    const n = Number(v)
    return n >= min && n <= max ? String(n) : undefined
  }
})
const enumModel = (name: string, values: ReadonlyArray<string>): ModelDirective => ({
  name,
  canonical: (v) => (values.includes(v.toLowerCase()) ? v.toLowerCase() : undefined)
})

const MODELS: ReadonlyArray<ModelDirective> = [
  boolModel("activerehashing"),
  boolModel("lazyfree-lazy-expire"),
  intModel("maxmemory-samples", 1, 2147483647),
  intModel("active-expire-effort", 1, 10),
  intModel("list-max-listpack-size", -2147483648, 2147483647),
  enumModel("loglevel", ["debug", "verbose", "notice", "warning"]),
  enumModel("appendfsync", ["everysec", "always", "no"])
]

const modelValue = fc.oneof(
  fc.integer({ min: -3, max: 12 }).map(String),
  fc.constantFrom("yes", "NO", "debug", "Warning", "always", "no", "x", "", "01", "2147483648", "-2147483649")
)

describe("CONFIG SET model (in process)", () => {
  layer(embeddedRedis())((it) => {
    it.effect("a CONFIG SET applies all its pairs or none, and CONFIG GET shows the model's values", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const run = (...args: ReadonlyArray<string>) => Effect.runPromise(Effect.result(redis.command(...args)))
        const commands = fc.array(fc.array(fc.tuple(fc.constantFrom(...MODELS), modelValue), { minLength: 1, maxLength: 3 }), {
          maxLength: 10
        })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(commands, async (sets) => {
              const model = new Map<string, string>()
              for (const m of MODELS) {
                const reply = await run("CONFIG", "GET", m.name)
                if (reply._tag === "Failure") throw reply.failure
                model.set(m.name, (reply.success as ReadonlyArray<string>)[1]!)
              }
              for (const pairs of sets) {
                const names = pairs.map(([m]) => m.name)
                const values = pairs.map(([m, v]) => m.canonical(v))
                const valid = new Set(names).size === names.length && values.every((v) => v !== undefined)
                const result = await run("CONFIG", "SET", ...pairs.flatMap(([m, v]) => [m.name, v]))
                expect(result._tag === "Success", JSON.stringify(pairs)).toBe(valid)
                if (valid) pairs.forEach(([m], i) => model.set(m.name, values[i]!))
                const got = await run("CONFIG", "GET", ...MODELS.map((m) => m.name))
                if (got._tag === "Failure") throw got.failure
                const flat = got.success as ReadonlyArray<string>
                const shown = new Map<string, string>()
                for (let i = 0; i < flat.length; i += 2) shown.set(flat[i]!, flat[i + 1]!)
                expect(shown).toEqual(model)
              }
            }),
            { numRuns: 100 }
          )
        )
      }))

    it.effect("CONFIG SET notify-keyspace-events and lazyfree-lazy-expire reach the keyspace at once", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const keyspace = yield* Keyspace
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "Kx", "lazyfree-lazy-expire", "yes")
        assert.strictEqual(keyspace.notifyFlags, (1 << 0) | (1 << 8))
        assert.isTrue(keyspace.lazyExpire)
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "A")
        // "A" is every class except key-miss (m) and new-key (n) events
        assert.strictEqual(keyspace.notifyFlags, 0b10011111111100)
        yield* redis.command("CONFIG", "SET", "notify-keyspace-events", "", "lazyfree-lazy-expire", "no")
        assert.strictEqual(keyspace.notifyFlags, 0)
        assert.isFalse(keyspace.lazyExpire)
      }))

    it.effect("CONFIG RESETSTAT zeroes the server, command and keyspace counters", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const engine = yield* Engine
        const keyspace = yield* Keyspace
        yield* redis.command("SET", "k", "v")
        yield* redis.command("GET", "k")
        yield* redis.command("GET", "missing")
        yield* Effect.result(redis.command("CONFIG", "SET", "nosuch", "1"))
        yield* Effect.result(redis.command("GET"))
        assert.isAbove(engine.stats.totalCommands, 0)
        assert.isAbove(engine.stats.totalErrorReplies, 0)
        assert.isAbove(engine.lookup("get")!.calls, 0)
        assert.isAbove(engine.lookup("get")!.rejectedCalls, 0)
        assert.isAbove(engine.lookup("config")!.subcommands!.get("set")!.failedCalls, 0)
        assert.isAbove(keyspace.stats.hits + keyspace.stats.misses, 0)
        assert.strictEqual(yield* redis.command("CONFIG", "RESETSTAT"), "OK")
        // the RESETSTAT call itself is counted after the reset, as in Redis
        assert.strictEqual(engine.stats.totalCommands, 1)
        assert.strictEqual(engine.stats.totalErrorReplies, 0)
        assert.strictEqual(engine.stats.errors.size, 0)
        for (const name of ["get", "set"]) {
          const c = engine.lookup(name)!
          assert.deepStrictEqual([c.calls, c.usec, c.rejectedCalls, c.failedCalls], [0, 0, 0, 0])
        }
        assert.strictEqual(engine.lookup("config")!.subcommands!.get("set")!.failedCalls, 0)
        assert.deepStrictEqual([keyspace.stats.hits, keyspace.stats.misses, keyspace.stats.expiredKeys], [0, 0, 0])
      }))

    it.effect("protected configs: refused by default, allowed for local clients with enable-protected-configs local", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const refused = yield* Effect.flip(redis.command("CONFIG", "SET", "dbfilename", "x.rdb"))
        assert.strictEqual(refused.message, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config")
      }))
  })

  layer(embeddedRedis({ "enable-protected-configs": "local" }))((it) => {
    it.effect("the in-process client is local: dir and dbfilename can be set, and are validated", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        assert.strictEqual(yield* redis.command("CONFIG", "SET", "dbfilename", "x.rdb", "dir", "/tmp"), "OK")
        assert.deepStrictEqual(yield* redis.command("CONFIG", "GET", "dbfilename"), ["dbfilename", "x.rdb"])
        const path = yield* Effect.flip(redis.command("CONFIG", "SET", "dbfilename", "a/b.rdb"))
        assert.strictEqual(path.message, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
        const missing = yield* Effect.flip(redis.command("CONFIG", "SET", "dir", "/nonexistent/dir"))
        assert.strictEqual(missing.message, "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
        const file = yield* Effect.flip(redis.command("CONFIG", "SET", "dir", "/etc/hostname"))
        assert.strictEqual(file.message, "ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory")
        assert.deepStrictEqual(yield* redis.command("CONFIG", "GET", "dir"), ["dir", "/tmp"])
      }))
  })
})

describe("the directive table", () => {
  it("hidden directives are the five Redis hides", () => {
    expect(directives.filter((d) => (d.flags & HIDDEN) !== 0).map((d) => d.name).sort()).toEqual([
      "key-load-delay",
      "loading-process-events-interval-bytes",
      "rdb-key-save-delay",
      "use-exit-on-panic",
      "watchdog-period"
    ])
  })

  it("every directive has a value generator and its default parses to itself", () => {
    for (const d of directives) {
      // dir starts at the working directory; replicaof's default is the absence of the directive
      if (d.name === "dir" || d.name === "replicaof") continue
      if (!EXAMPLES_ONLY.has(d.name)) expect(validValue(d)).toBeDefined()
      const result = d.parse(d.type.kind === "special" || d.type.kind === "enum" ? splitDefault(d) : [d.default], {
        current: d.default,
        accumulate: false,
        get: (n) => byName.get(n)?.default ?? "",
        configFile: undefined
      })
      expect(result, d.name).toEqual({ ok: d.default })
    }
  })
})

const splitDefault = (d: Directive): ReadonlyArray<string> =>
  d.type.kind === "enum" && !d.type.bitflags ? [d.default] : d.default === "" ? [""] : d.default.split(" ")

describeEffects(
  "notify-keyspace-events with A and n",
  (servers, effects) => {
    it("CONFIG GET shows A without the n, as Redis prints it, while new-key events stay on", async () => {
      await checkCommands(servers(), [
        ["CONFIG", "SET", "notify-keyspace-events", "EnA"],
        ["CONFIG", "GET", "notify-keyspace-events"],
        ["CONFIG", "SET", "notify-keyspace-events", "Eng"],
        ["CONFIG", "GET", "notify-keyspace-events"],
        ["CONFIG", "SET", "notify-keyspace-events", "EAn"]
      ])
      await effects.compare(async () => {
        const { ours, theirs } = servers()
        const commands = [["SET", "fresh", "1"], ["SET", "fresh", "2"], ["DEL", "fresh"]]
        await Promise.all([ours.pipeline(commands), theirs.pipeline(commands)])
      })
    })
  },
  { notify: "EAn" }
)

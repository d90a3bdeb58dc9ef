/**
 * What the key and expiry commands tell the rest of the system, compared with a real redis-server:
 * the commands they propagate (Redis's AOF, read back from its file, against our `onPropagate`) and
 * the keyspace events they emit (its `__keyevent@*__` messages against our `onNotify`). Relative
 * expiries propagate as PEXPIREAT with an absolute time each server takes from its own clock, so
 * those times are compared with a tolerance.
 */
import fc from "fast-check"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { NotifyClass } from "../../src/keyspace/Keyspace.ts"
import { ReplyParser } from "../../src/resp/ReplyParser.ts"
import { anyCase } from "../support/arbitraries.ts"
import { type Command, describeDifferential } from "../support/differential.ts"
import { encode, RawConnection } from "../support/raw.ts"

const aofDir = `effect-redis-keys-aof-${process.pid}-${Date.now()}`
const aofPath = `/tmp/${aofDir}`

/** Every command in Redis's incremental AOF file so far. */
const readAof = (): Array<ReadonlyArray<string>> => {
  const file = readdirSync(aofPath).find((f) => f.endsWith(".incr.aof"))
  if (file === undefined) return []
  const parser = new ReplyParser({ bulk: "latin1" })
  parser.feed(readFileSync(`${aofPath}/${file}`))
  const out: Array<ReadonlyArray<string>> = []
  for (let r = parser.next(); r !== undefined; r = parser.next()) out.push(r.value as ReadonlyArray<string>)
  return out
}

const key = fc.constantFrom("a", "b", "c")
const db = fc.constantFrom("0", "1")
const options = fc.constantFrom<ReadonlyArray<string>>([], [], ["NX"], ["xx"], ["GT"], ["LT"])

/**
 * Writes mostly. No short TTLs: a key expiring by itself would do so at a different moment on each
 * server. Past times delete at once, deterministically.
 */
const write: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant("SET"), key, fc.constantFrom("1", "v")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("DEL", "unlink"), fc.array(key, { minLength: 1, maxLength: 3 })).map(([c, ks]) => [c, ...ks]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("rename"), key, key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("RENAMENX"), key, key) },
  {
    weight: 2,
    arbitrary: fc.tuple(key, key, fc.option(db, { nil: undefined }), fc.boolean()).map(([a, b, d, replace]) => [
      "COPY",
      a,
      b,
      ...(d === undefined ? [] : ["DB", d]),
      ...(replace ? ["REPLACE"] : [])
    ])
  },
  { weight: 2, arbitrary: fc.tuple(fc.constant("MOVE"), key, db) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("SELECT"), db) },
  { weight: 2, arbitrary: fc.tuple(anyCase("expire"), key, fc.constantFrom("100", "200", "-1", "0"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("PEXPIRE"), key, fc.constantFrom("100500", "-5"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("EXPIREAT"), key, fc.constantFrom("4102444800", "1"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(anyCase("pexpireat"), key, fc.constantFrom("4102444800123", "5"), options).map(([c, k, t, o]) => [c, k, t, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("PERSIST"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("TOUCH", "EXISTS", "TTL"), key) }
)

// No MULTI: Redis 7.0 propagates a transaction with a single write without MULTI/EXEC, which the
// engine does not do (a transactions matter).
const sequences = fc.array(write, { maxLength: 25, size: "max" })

/** Equal, except that the absolute time of a propagated PEXPIREAT may differ by a few ms. */
const sameCommands = (ours: ReadonlyArray<ReadonlyArray<string>>, theirs: ReadonlyArray<ReadonlyArray<string>>): boolean =>
  ours.length === theirs.length &&
  ours.every((a, i) => {
    const b = theirs[i]!
    if (a.length !== b.length) return false
    return a.every((arg, j) => {
      if (arg === b[j]) return true
      return j === 2 && a[0]!.toUpperCase() === "PEXPIREAT" && /^\d+$/.test(arg) && /^\d+$/.test(b[j]!) &&
        Math.abs(Number(arg) - Number(b[j])) <= 250
    })
  })

describeDifferential("key commands: propagation and keyspace events", (servers) => {
  const propagated: Array<ReadonlyArray<string>> = []
  const events: Array<ReadonlyArray<string>> = []
  let subscriber: RawConnection
  let lastDb = -1

  beforeAll(async () => {
    const { server, oracle } = servers()
    const keyspace = server.engine.keyspace
    keyspace.onPropagate((dbid, argv) => {
      // the AOF names the database when it changes
      if (dbid !== lastDb) propagated.push(["SELECT", String(dbid)])
      lastDb = dbid
      propagated.push(argv)
    })
    keyspace.notifyFlags = NotifyClass.keyevent | NotifyClass.generic | NotifyClass.expired
    keyspace.onNotify((_type, event, key, dbid) => events.push([`__keyevent@${dbid}__:${event}`, key]))
    subscriber = await RawConnection.connect(oracle.port)
    await subscriber.call("PSUBSCRIBE", "__keyevent@*__:*")
  })
  afterAll(async () => {
    await subscriber?.close()
    rmSync(aofPath, { recursive: true, force: true })
  })

  /** Redis's events since the last call: everything its subscriber received before a PING's reply. */
  const redisEvents = async (): Promise<Array<ReadonlyArray<string>>> => {
    subscriber.write(encode(["PING"]))
    const out: Array<ReadonlyArray<string>> = []
    for (;;) {
      const [reply] = await subscriber.read(1)
      const value = reply!.value as ReadonlyArray<string>
      if (value[0] === "pong") return out
      out.push([value[2]!, value[3]!])
    }
  }

  it("random sequences propagate the same commands and emit the same events as Redis", async () => {
    const { ours, theirs } = servers()
    let nonTrivial = 0
    await fc.assert(
      fc.asyncProperty(sequences, async (sequence) => {
        const aofBefore = readAof().length
        await redisEvents()
        propagated.length = 0
        events.length = 0
        const all = [["RESET"], ["FLUSHALL"], ...sequence]
        await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
        const aof = readAof().slice(aofBefore)
        if (!sameCommands(propagated, aof)) {
          throw new Error(`propagation differs\n  ours:  ${JSON.stringify(propagated)}\n  redis: ${JSON.stringify(aof)}`)
        }
        expect(events).toEqual(await redisEvents())
        if (events.length > 0) nonTrivial++
      }),
      { numRuns: 150 }
    )
    // only meaningful if many sequences did more than create keys
    expect(nonTrivial).toBeGreaterThan(50)
  })
}, {
  oracleArgs: ["--appendonly", "yes", "--appenddirname", aofDir, "--appendfsync", "always", "--notify-keyspace-events", "Egx"]
})

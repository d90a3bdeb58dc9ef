/**
 * Side effects compared with a real redis-server: what a command propagates (our `onPropagate` stream
 * against Redis's own incremental AOF file, read back) and the keyspace events it emits (our
 * `onNotify` against the `__keyevent@*__` messages Redis publishes).
 */
import fc from "fast-check"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { afterAll, beforeAll, expect } from "vitest"
import { ReplyParser } from "../../src/resp/ReplyParser.ts"
import { type Command, describeDifferential, type Servers } from "./differential.ts"
import { encode, RawConnection } from "./raw.ts"

/**
 * Positions of absolute times that each server derives from its own clock (SET ... PXAT t,
 * PEXPIREAT k t, XCLAIM ... TIME t).
 */
const clockPosition = (argv: Command): number | undefined => {
  const name = argv[0]!.toUpperCase()
  if (name === "SET" && argv.length >= 5 && argv[3]!.toUpperCase() === "PXAT") return 4
  if (name === "PEXPIREAT") return 2
  // the delivery time of the XCLAIM that stream consumer-group reads and claims propagate
  if (name === "XCLAIM" && argv[6]?.toUpperCase() === "TIME") return 7
  return undefined
}

/**
 * The same commands, except that a time computed from a relative expiry may differ by the distance
 * between the two servers' clocks (well under a second).
 */
export const sameCommands = (ours: ReadonlyArray<Command>, theirs: ReadonlyArray<Command>): boolean =>
  ours.length === theirs.length &&
  ours.every((a, i) => {
    const b = theirs[i]!
    const at = clockPosition(a)
    return a.length === b.length && a.every((arg, j) => arg === b[j] || (j === at && Math.abs(Number(arg) - Number(b[j])) < 1000))
  })

export interface Effects {
  /** Runs `body`, then expects both servers to have propagated and notified the same meanwhile. */
  readonly compare: (body: () => Promise<void>) => Promise<void>
  /** Our propagated commands since the last `compare`, with SELECT where the database changes. */
  readonly propagated: ReadonlyArray<Command>
}

/**
 * The property the propagation tests share: `numRuns` random `sequences`, each run on both servers
 * after a FLUSHALL, inside `compare` (same propagation, same events). Returns how many sequences
 * `counts` (judged on what we propagated), so that the caller can require enough of them to have
 * exercised something.
 */
export const compareRandomSequences = async (
  servers: Servers,
  effects: Effects,
  sequences: fc.Arbitrary<ReadonlyArray<Command>>,
  counts: (propagated: ReadonlyArray<Command>) => boolean,
  numRuns = 150
): Promise<number> => {
  const { ours, theirs } = servers
  let counted = 0
  await fc.assert(
    fc.asyncProperty(sequences, async (sequence) => {
      await effects.compare(async () => {
        const all = [["FLUSHALL"], ...sequence]
        await Promise.all([ours.pipeline(all), theirs.pipeline(all)])
        if (counts(effects.propagated)) counted++
      })
    }),
    { numRuns }
  )
  return counted
}

/**
 * A describe block with both servers set up to expose their effects: Redis writes an AOF (fsync
 * always) and publishes keyevents, we record propagation and notifications. `notify` is the
 * notify-keyspace-events value for both (keyevent classes, e.g. "Elgn" for lists, generic and new keys; "EAn", everything, by default).
 */
export const describeEffects = (
  name: string,
  body: (servers: () => Servers, effects: Effects) => void,
  options: {
    readonly notify?: string
    readonly config?: Readonly<Record<string, string>>
    readonly oracleArgs?: ReadonlyArray<string>
  } = {}
): void => {
  const notify = options.notify ?? "EAn"
  const aofDir = `effect-redis-aof-${process.pid}-${Math.random().toString(36).slice(2)}`
  const aofPath = `/tmp/${aofDir}`

  /** Every command in Redis's incremental AOF file so far. */
  const readAof = (): Array<Command> => {
    let file: string | undefined
    try {
      file = readdirSync(aofPath).find((f) => f.endsWith(".incr.aof"))
    } catch {
      return []
    }
    if (file === undefined) return []
    const parser = new ReplyParser({ bulk: "latin1" })
    parser.feed(readFileSync(`${aofPath}/${file}`))
    const out: Array<Command> = []
    for (let r = parser.next(); r !== undefined; r = parser.next()) out.push(r.value as Command)
    return out
  }

  describeDifferential(
    name,
    (servers) => {
      const propagated: Array<Command> = []
      const events: Array<Command> = []
      let subscriber: RawConnection | undefined
      let lastDb = -1

      beforeAll(async () => {
        const { server, oracle } = servers()
        const keyspace = server.engine.keyspace
        keyspace.onPropagate((dbid, argv) => {
          if (dbid !== lastDb) propagated.push(["SELECT", String(dbid)])
          lastDb = dbid
          propagated.push(argv)
        })
        keyspace.onNotify((_type, event, key, dbid) => events.push([`__keyevent@${dbid}__:${event}`, key]))
        subscriber = await RawConnection.connect(oracle.port)
        await subscriber.call("PSUBSCRIBE", "__keyevent@*__:*")
      })
      afterAll(async () => {
        await subscriber?.close()
        rmSync(aofPath, { recursive: true, force: true })
      })

      /** Redis's events since the last call: what its subscriber received before a PING's reply. */
      const redisEvents = async (): Promise<Array<Command>> => {
        subscriber!.write(encode(["PING"]))
        const out: Array<Command> = []
        for (;;) {
          const [reply] = await subscriber!.read(1)
          const value = reply!.value as ReadonlyArray<string>
          if (value[0] === "pong") return out
          out.push([value[2]!, value[3]!])
        }
      }

      const compare = async (run: () => Promise<void>): Promise<void> => {
        const aofBefore = readAof().length
        await redisEvents()
        propagated.length = 0
        events.length = 0
        await run()
        const aof = readAof().slice(aofBefore)
        if (!sameCommands(propagated, aof)) expect(propagated).toEqual(aof) // shows the difference
        expect(events).toEqual(await redisEvents())
      }

      body(servers, { compare, propagated })
    },
    {
      config: { "notify-keyspace-events": notify, ...options.config },
      oracleArgs: [
        // its AOF is read from /tmp/<aofDir> (loaded at start instead of any dump.rdb in /tmp)
        "--dir",
        "/tmp",
        "--appendonly",
        "yes",
        "--appenddirname",
        aofDir,
        "--appendfsync",
        "always",
        "--notify-keyspace-events",
        notify,
        ...(options.oracleArgs ?? [])
      ]
    }
  )
}

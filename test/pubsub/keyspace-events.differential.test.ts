/**
 * Keyspace events compared with a real redis-server, as a subscriber to `__key*__:*` receives them:
 * random sequences of every command family run on both servers, and the `pmessage`s (pattern,
 * channel, payload: K then E for each event) must be the same, in the same order. Once with
 * notify-keyspace-events KEA (every class), once with KEAnm (plus new keys and key misses).
 *
 * Redis's side is a PSUBSCRIBE over TCP; ours renders `keyspace.onNotify` with the publishing
 * function of src/pubsub/keyspaceEvents.ts until PSUBSCRIBE lands (see `ourEvents`).
 *
 * Active expiry is off on both (DEBUG SET-ACTIVE-EXPIRE 0): a key set with a time in the past
 * would otherwise expire whenever each server's cycle runs. Expiry events, lazy and active, have
 * their own tests in keyspace-events.test.ts.
 */
import fc from "fast-check"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Command, describeDifferential, type Servers } from "../support/differential.ts"
import { bitmapCommand } from "../support/generators/bitmaps.ts"
import { expireCommand } from "../support/generators/expire.ts"
import { geoCommand } from "../support/generators/geo.ts"
import { hashCommand } from "../support/generators/hashes.ts"
import { keyCommand } from "../support/generators/keys.ts"
import { hllCommand } from "../support/generators/hyperloglog.ts"
import { listCommand } from "../support/generators/lists.ts"
import { setCommand } from "../support/generators/sets.ts"
import { groupSequences, streamSequences } from "../support/generators/streams.ts"
import { listSortSequence } from "../support/generators/sort.ts"
import { stringCommand } from "../support/generators/strings.ts"
import { zsetCommand } from "../support/generators/zsets.ts"
import { type EventStream, ourEvents, type PMessage, redisEvents, showMessages } from "../support/keyspaceEvents.ts"

/** Sequences of a family's commands, some groups of them inside MULTI/EXEC. */
const sequencesOf = (command: fc.Arbitrary<Command>, maxLength = 25): fc.Arbitrary<ReadonlyArray<Command>> =>
  fc.array(
    fc.oneof(
      { weight: 8, arbitrary: command.map((c) => [c]) },
      { weight: 1, arbitrary: fc.array(command, { maxLength: 4 }).map((cs) => [["MULTI"], ...cs, ["EXEC"]]) }
    ),
    { minLength: 1, maxLength, size: "medium" }
  ).map((groups) => groups.flat())

/** Every key name the family generators use. */
const anyKey = fc.constantFrom("k1", "k2", "k3", "k4", "", "b\u00ff", "l1", "l2", "l3", "s", "h1", "h2", "s1", "s2", "s3", "str", "z1", "z2", "z3", "g", "dst")

/** A real-time wait in the families' generators: blocking timeouts, and expiry times of 100 ms. */
const waitsOrRaces = (c: Command): boolean =>
  /^b(l|r|z)/i.test(c[0]!) ||
  ["SCAN", "RANDOMKEY"].includes(c[0]!.toUpperCase()) ||
  c.some((a, i) => /^(px|psetex)$/i.test(a) && (c[i + 1] === "100" || c[i + 2] === "100"))

/**
 * Commands of every family on keys that expire in the middle of the sequence: lazy expiry met by
 * every kind of lookup, read or write. A key expires by `PEXPIRE key 2` then `DEBUG SLEEP 0.004`,
 * so that both servers agree on when (Redis reads the time before each command, we per batch and
 * after DEBUG SLEEP; with 1 ms, Redis itself finds the time already past now and then, when its
 * clock turns a millisecond between the two reads of PEXPIRE); nothing else in the sequence waits. Without SCAN and RANDOMKEY, which expire
 * the keys they meet in the order of Redis's hash table, or at random.
 */
const familyCommand: fc.Arbitrary<Command> = fc.oneof(keyCommand, stringCommand, listCommand, hashCommand, setCommand, zsetCommand(true), geoCommand)
  .filter((c) => !waitsOrRaces(c))
const expiringStep: fc.Arbitrary<ReadonlyArray<Command>> = fc.oneof(
  { weight: 6, arbitrary: familyCommand.map((c) => [c]) },
  { weight: 1, arbitrary: anyKey.map((k) => [["PEXPIRE", k, "2"], ["DEBUG", "SLEEP", "0.004"]]) }
)
const expiringSequences: fc.Arbitrary<ReadonlyArray<Command>> = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: expiringStep },
    { weight: 1, arbitrary: fc.array(expiringStep, { maxLength: 4 }).map((steps) => [["MULTI"], ...steps.flat(), ["EXEC"]]) }
  ),
  { minLength: 1, maxLength: 25, size: "medium" }
).map((groups) => groups.flat())

const families: ReadonlyArray<readonly [string, fc.Arbitrary<ReadonlyArray<Command>>, number]> = [
  ["strings", sequencesOf(stringCommand), 150],
  ["bitmaps", sequencesOf(bitmapCommand), 120],
  ["HyperLogLog", sequencesOf(hllCommand, 15), 80],
  ["SORT (BY and GET lookups, STORE)", listSortSequence, 100],
  ["generic key commands (every type, RENAME, COPY, MOVE, SELECT)", sequencesOf(keyCommand), 150],
  ["EXPIRE family, TTL, PERSIST, SET/GETEX with times", sequencesOf(expireCommand), 150],
  ["lists (blocking forms included)", sequencesOf(listCommand), 120],
  ["hashes", sequencesOf(hashCommand), 120],
  ["sets", sequencesOf(setCommand), 120],
  ["sorted sets (stores and blocking pops included)", sequencesOf(zsetCommand(true)), 120],
  ["geo (GEOSEARCHSTORE and GEORADIUS STORE included)", sequencesOf(geoCommand, 15), 80],
  ["streams", streamSequences, 100],
  ["stream consumer groups", groupSequences, 100],
  ["every family, with keys expiring mid-sequence", expiringSequences, 100]
]

/** Where two event lists first differ, with both lists around it. */
const difference = (ours: ReadonlyArray<PMessage>, theirs: ReadonlyArray<PMessage>): string | undefined => {
  const n = Math.max(ours.length, theirs.length)
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(ours[i]) !== JSON.stringify(theirs[i])) {
      return `first difference at message ${i}\n  ours (${ours.length}):\n${showMessages(ours)}\n  redis (${theirs.length}):\n${
        showMessages(theirs)
      }`
    }
  }
  return undefined
}

/** DIFFERENTIAL_SOAK=N multiplies the runs, as for the other differential suites. */
const SOAK = Math.max(1, Number(process.env["DIFFERENTIAL_SOAK"] ?? "1") || 1)

const show = (c: Command) => c.map((a) => JSON.stringify(a)).join(" ")

const suite = (flags: string) =>
  describeDifferential(
    `keyspace events (notify-keyspace-events ${flags}) match Redis's`,
    (servers: () => Servers) => {
      let ours: EventStream | undefined
      let theirs: EventStream | undefined
      beforeAll(async () => {
        const { server, oracle } = servers()
        ;[ours, theirs] = await Promise.all([ourEvents(server), redisEvents(oracle.port)])
      })
      afterAll(async () => {
        await Promise.all([ours?.close(), theirs?.close()])
      })

      for (const [family, sequences, numRuns] of families) {
        it(family, async () => {
          const { ours: a, theirs: b } = servers()
          const prefix: ReadonlyArray<Command> = [["RESET"], ["FLUSHALL"], ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]]
          await fc.assert(
            fc.asyncProperty(sequences, async (sequence) => {
              const all = [...prefix, ...sequence]
              const [x, y] = await Promise.all([a.pipeline(all), b.pipeline(all)])
              expect([x[2]!.raw, y[2]!.raw]).toEqual(["+OK\r\n", "+OK\r\n"]) // active expiry off
              const [got, expected] = await Promise.all([ours!.take(), theirs!.take()])
              const diff = difference(got, expected)
              if (diff !== undefined) {
                throw new Error(`${diff}\nsequence:\n${all.map((c, j) => `  ${j}: ${show(c)}`).join("\n")}`)
              }
            }),
            { numRuns: numRuns * SOAK }
          )
        })
      }
    },
    {
      config: { "notify-keyspace-events": flags, "enable-debug-command": "yes" },
      // hz 100: Redis checks blocking timeouts on its ticks, so the 10 ms timeouts end in ~10 ms
      oracleArgs: ["--notify-keyspace-events", flags, "--hz", "100"]
    }
  )

suite("KEA")
suite("KEAnm")

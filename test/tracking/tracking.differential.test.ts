/**
 * Client-side caching against a real redis-server, three connections on each side: random scripts of
 * reads and writes, transactions, flushes and CLIENT TRACKING in its modes (default, OPTIN/OPTOUT with
 * CLIENT CACHING, NOLOOP, BCAST with prefixes, REDIRECT to a RESP2 subscriber of __redis__:invalidate
 * or to a RESP3 client). After every step, everything each connection received (replies and
 * invalidation messages, in order) must equal Redis's.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import type { RawReply } from "../support/raw.ts"
import { type Command, describeSessions, Session } from "../support/sessions.ts"

const key = fc.constantFrom("k1", "pre:a", "pre:b", "other")
const value = fc.constantFrom("v", "1", "")

const read: fc.Arbitrary<Command> = fc.oneof(
  key.map((k) => ["GET", k]),
  fc.tuple(key, key).map(([a, b]) => ["MGET", a, b]),
  key.map((k) => ["STRLEN", k]),
  key.map((k) => ["EXISTS", k])
)

const write: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v]),
  key.map((k) => ["DEL", k]),
  key.map((k) => ["APPEND", k, "x"]),
  fc.tuple(key, key).map(([a, b]) => ["MSET", a, "1", b, "2"]),
  key.map((k) => ["PEXPIRE", k, "0"])
)

const trackingMode: fc.Arbitrary<Command> = fc.constantFrom(
  [],
  ["OPTIN"],
  ["OPTOUT"],
  ["BCAST"],
  ["BCAST", "PREFIX", "pre:"],
  ["BCAST", "PREFIX", "pre:", "PREFIX", "k"],
  ["REDIRECT", "{2}"],
  ["REDIRECT", "{2}", "BCAST"],
  ["REDIRECT", "{1}"],
  ["REDIRECT", "{0}", "OPTIN"]
)

const trackingOn: fc.Arbitrary<Command> = fc.tuple(trackingMode, fc.boolean()).map(([mode, noloop]) => [
  "CLIENT",
  "TRACKING",
  "ON",
  ...mode,
  ...(noloop ? ["NOLOOP"] : [])
])

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: read },
  { weight: 5, arbitrary: write },
  { weight: 3, arbitrary: trackingOn },
  { weight: 1, arbitrary: fc.constant(["CLIENT", "TRACKING", "OFF"]) },
  { weight: 2, arbitrary: fc.constantFrom(["CLIENT", "CACHING", "YES"], ["CLIENT", "CACHING", "NO"]) },
  { weight: 1, arbitrary: fc.constantFrom(["CLIENT", "TRACKINGINFO"], ["CLIENT", "GETREDIR"]) },
  { weight: 1, arbitrary: fc.constantFrom(["FLUSHDB"], ["FLUSHALL"], ["SELECT", "1"], ["SELECT", "0"]) },
  { weight: 1, arbitrary: fc.constantFrom(["HELLO", "2"], ["HELLO", "3"]) },
  {
    weight: 2,
    arbitrary: fc.array(fc.oneof(read, write), { minLength: 1, maxLength: 3 }).map((cmds) => [
      "MULTI-EXEC",
      ...cmds.map((c) => c.join(" "))
    ])
  }
)

/** A MULTI-EXEC step expands to its commands; every other step is one command. */
const expand = (cmd: Command): ReadonlyArray<Command> =>
  cmd[0] === "MULTI-EXEC" ? [["MULTI"], ...cmd.slice(1).map((c) => c.split(" ")), ["EXEC"]] : [cmd]

/** Client 0 speaks RESP3, client 1 RESP2, client 2 is a RESP2 subscriber of __redis__:invalidate. */
const setup: ReadonlyArray<readonly [number, Command]> = [
  [0, ["HELLO", "3"]],
  [2, ["SUBSCRIBE", "__redis__:invalidate"]]
]

const script = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), command), { minLength: 1, maxLength: 25 })

const show = (steps: ReadonlyArray<readonly [number, Command]>) =>
  steps.map(([c, cmd], i) => `  ${i}: client ${c}: ${cmd.map((a) => JSON.stringify(a)).join(" ")}`).join("\n")

const comparable = (session: Session, cmd: Command, transcript: ReadonlyArray<RawReply>) => {
  const getredir = cmd[0] === "CLIENT" && cmd[1] === "GETREDIR"
  return transcript.map((r, i) => session.maskIds(r.raw, getredir && i === transcript.length - 1))
}

describeSessions("client-side caching with several clients, against Redis", (servers) => {
  it("FLUSHDB by a tracker redirecting to a subscriber other trackers also redirect to: the others' nulls first", async () => {
    const { server, oracle } = servers()
    const steps: ReadonlyArray<readonly [number, Command]> = [
      ...setup,
      [1, ["CLIENT", "TRACKING", "ON", "REDIRECT", "{2}", "BCAST"]],
      [0, ["CLIENT", "TRACKING", "ON", "REDIRECT", "{2}", "BCAST"]],
      [0, ["FLUSHDB"]],
      [0, ["CLIENT", "CACHING", "YES"]]
    ]
    const [ours, theirs] = await Promise.all([Session.open(server.port, 3), Session.open(oracle.port, 3)])
    try {
      for (const [client, step] of steps) {
        const [a, b] = await Promise.all([ours.step(client, step), theirs.step(client, step)])
        expect(comparable(ours, step, a)).toEqual(comparable(theirs, step, b))
      }
      const [a, b] = await Promise.all([ours.drain(2), theirs.drain(2)])
      expect(comparable(ours, ["PING"], a)).toEqual(comparable(theirs, ["PING"], b))
      expect(a.length).toBe(2)
    } finally {
      await Promise.all([ours.close(), theirs.close()])
    }
  })

  it("every reply and every invalidation of a RESP3 client, a RESP2 client and a RESP2 redirect target equals Redis's", async () => {
    const { server, oracle } = servers()
    await fc.assert(
      fc.asyncProperty(script, async (steps) => {
        const [ours, theirs] = await Promise.all([Session.open(server.port, 3), Session.open(oracle.port, 3)])
        try {
          const all = [...setup, ...steps]
          for (let s = 0; s < all.length; s++) {
            const [client, step] = all[s]!
            const cmds = expand(step)
            const [a, b] = await Promise.all([ours.steps(client, cmds), theirs.steps(client, cmds)])
            expect(comparable(ours, step, a), `step ${s}\n${show(all)}`).toEqual(comparable(theirs, step, b))
          }
          for (let client = 0; client < 3; client++) {
            const [a, b] = await Promise.all([ours.drain(client), theirs.drain(client)])
            expect(comparable(ours, ["PING"], a), `drain of client ${client}\n${show(all)}`).toEqual(comparable(theirs, ["PING"], b))
          }
        } finally {
          await Promise.all([ours.close(), theirs.close()])
          // keys read by these clients stay in the tracking tables until invalidated
          await Promise.all([Session.open(server.port, 1), Session.open(oracle.port, 1)].map(async (opening) => {
            const s = await opening
            await s.step(0, ["FLUSHALL"])
            await s.close()
          }))
        }
      }),
      { numRuns: 300 }
    )
  }, 120_000)
})

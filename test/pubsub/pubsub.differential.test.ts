/**
 * Pub/Sub against a real redis-server with several connections on each side: random scripts of
 * (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB, PING, RESET, HELLO and commands refused
 * in subscribed mode, run by three clients (RESP2 and RESP3). After every step, everything each
 * connection received (its replies and every pushed message, in order) must equal Redis's.
 *
 * Redis walks hash tables where it walks "all of a client's channels" (UNSUBSCRIBE without arguments,
 * PUBSUB CHANNELS) and "every pattern" (a message matching several patterns): those runs are compared
 * as sets, everything else exactly.
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { Push } from "../../src/resp/ReplyParser.ts"
import type { RawReply } from "../support/raw.ts"
import { type Command, describeSessions, Session } from "../support/sessions.ts"

const channel = fc.constantFrom("news", "news.tech", "news.art", "chat", "c\u0000h", "")
const pattern = fc.constantFrom("news.*", "news*", "*", "c?at", "[nc]*", "news.\\*", "nomatch")
const payload = fc.constantFrom("hello", "", "x\r\ny", "\u00ff\u0000", "42")

const some = <T>(arb: fc.Arbitrary<T>, min: number) => fc.array(arb, { minLength: min, maxLength: 3 })

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: some(channel, 1).map((cs) => ["SUBSCRIBE", ...cs]) },
  { weight: 3, arbitrary: some(pattern, 1).map((ps) => ["PSUBSCRIBE", ...ps]) },
  { weight: 2, arbitrary: some(channel, 1).map((cs) => ["SSUBSCRIBE", ...cs]) },
  { weight: 3, arbitrary: some(channel, 0).map((cs) => ["UNSUBSCRIBE", ...cs]) },
  { weight: 2, arbitrary: some(pattern, 0).map((ps) => ["PUNSUBSCRIBE", ...ps]) },
  { weight: 1, arbitrary: some(channel, 0).map((cs) => ["SUNSUBSCRIBE", ...cs]) },
  { weight: 8, arbitrary: fc.tuple(channel, payload).map(([c, p]) => ["PUBLISH", c, p]) },
  { weight: 2, arbitrary: fc.tuple(channel, payload).map(([c, p]) => ["SPUBLISH", c, p]) },
  { weight: 1, arbitrary: some(channel, 0).map((cs) => ["PUBSUB", "NUMSUB", ...cs]) },
  { weight: 1, arbitrary: some(channel, 0).map((cs) => ["PUBSUB", "SHARDNUMSUB", ...cs]) },
  { weight: 1, arbitrary: fc.constant(["PUBSUB", "NUMPAT"]) },
  { weight: 1, arbitrary: fc.option(pattern, { nil: undefined }).map((p) => ["PUBSUB", "CHANNELS", ...(p === undefined ? [] : [p])]) },
  { weight: 1, arbitrary: fc.constant(["PUBSUB", "SHARDCHANNELS"]) },
  { weight: 1, arbitrary: fc.constantFrom(["PING"], ["PING", "hi"], ["GET", "k"], ["PUBSUB", "NOPE"]) },
  { weight: 1, arbitrary: fc.constantFrom(["RESET"], ["HELLO", "2"], ["HELLO", "3"]) },
  { weight: 1, arbitrary: fc.constantFrom(["SUBSCRIBE"], ["PUBLISH", "x"], ["PUBSUB", "NUMPAT", "x"], ["PUBSUB", "CHANNELS", "a", "b"]) }
)

const script = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), command), { minLength: 1, maxLength: 30 })

/** The word of a pub/sub array or push, if it is one. */
const words = (reply: RawReply): ReadonlyArray<unknown> | undefined => {
  const v = reply.value
  if (v instanceof Push) return v.values
  return Array.isArray(v) ? v : undefined
}

const UNSUBSCRIBES = new Set(["unsubscribe", "punsubscribe", "sunsubscribe"])

/**
 * A transcript in a comparable form: each reply's exact bytes, except runs of unsubscribe
 * confirmations (channels as a set, the running counts in order), runs of pmessages of one publish
 * (as a set), and PUBSUB CHANNELS replies (as a set).
 */
const comparable = (cmd: Command, transcript: ReadonlyArray<RawReply>): ReadonlyArray<unknown> => {
  const out: Array<unknown> = []
  const masked = transcript.map((r) => r.raw.replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:<id>\r\n"))
  for (let i = 0; i < transcript.length;) {
    const w = words(transcript[i]!)
    const kind = w?.[0]
    if (typeof kind === "string" && UNSUBSCRIBES.has(kind)) {
      let j = i
      while (j < transcript.length && words(transcript[j]!)?.[0] === kind) j++
      const run = transcript.slice(i, j).map((r) => words(r)!)
      out.push({
        run: kind,
        push: transcript[i]!.value instanceof Push,
        channels: run.map((x) => String(x[1])).sort(),
        counts: run.map((x) => x[2])
      })
      i = j
      continue
    }
    if (kind === "pmessage") {
      let j = i
      const key = (r: RawReply) => JSON.stringify(words(r)!.slice(2))
      while (j < transcript.length && words(transcript[j]!)?.[0] === "pmessage" && key(transcript[j]!) === key(transcript[i]!)) j++
      out.push({ pmessages: masked.slice(i, j).sort() })
      i = j
      continue
    }
    out.push(masked[i])
    i++
  }
  const last = transcript.at(-1)
  const sub = cmd[1]?.toLowerCase()
  if (cmd[0] === "PUBSUB" && (sub === "channels" || sub === "shardchannels") && last !== undefined && Array.isArray(last.value)) {
    out[out.length - 1] = { channels: (last.value as ReadonlyArray<unknown>).map(String).sort() }
  }
  return out
}

/** Waits until no channel, pattern or shard channel has a subscriber (closed clients were freed). */
const idle = async (session: Session): Promise<void> => {
  for (let tries = 0; tries < 200; tries++) {
    const [numpat, channels, shards] = await session.connections[0]!.pipeline([
      ["PUBSUB", "NUMPAT"],
      ["PUBSUB", "CHANNELS"],
      ["PUBSUB", "SHARDCHANNELS"]
    ])
    if (numpat!.value === 0 && (channels!.value as ReadonlyArray<unknown>).length === 0 && (shards!.value as ReadonlyArray<unknown>).length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error("subscriptions of closed connections were never dropped")
}

const show = (steps: ReadonlyArray<readonly [number, Command]>) =>
  steps.map(([c, cmd], i) => `  ${i}: client ${c}: ${cmd.map((a) => JSON.stringify(a)).join(" ")}`).join("\n")

describeSessions("Pub/Sub with several clients, against Redis", (servers) => {
  it("every reply and every pushed message of three clients (RESP2, RESP3, RESP2) equals Redis's", async () => {
    const { server, oracle } = servers()
    await fc.assert(
      fc.asyncProperty(script, async (steps) => {
        const [ours, theirs] = await Promise.all([Session.open(server.port, 3), Session.open(oracle.port, 3)])
        try {
          // the previous run's connections are gone once neither server lists a subscription
          await Promise.all([idle(ours), idle(theirs)])
          const all: ReadonlyArray<readonly [number, Command]> = [[1, ["HELLO", "3"]], ...steps]
          for (let s = 0; s < all.length; s++) {
            const [client, cmd] = all[s]!
            const [a, b] = await Promise.all([ours.step(client, cmd), theirs.step(client, cmd)])
            expect(comparable(cmd, a), `step ${s}\n${show(all)}`).toEqual(comparable(cmd, b))
          }
          for (let client = 0; client < 3; client++) {
            const [a, b] = await Promise.all([ours.drain(client), theirs.drain(client)])
            expect(comparable(["PING"], a), `drain of client ${client}\n${show(all)}`).toEqual(comparable(["PING"], b))
          }
        } finally {
          await Promise.all([ours.close(), theirs.close()])
        }
      }),
      { numRuns: 60 }
    )
  })
})

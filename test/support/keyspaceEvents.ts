/**
 * Keyspace events as a subscriber sees them: the `pmessage` triples (pattern, channel, payload) that a
 * client PSUBSCRIBEd to `__key*__:*` receives, from a real redis-server over TCP and from this server.
 *
 * Both sides are real subscribers (`subscribeOverTcp`). `inProcessEvents` renders what
 * `keyspace.onNotify` delivers with `keyspaceEventMessages`, for tests of the rendering itself.
 */
import { keyspaceEventMessages } from "../../src/pubsub/keyspaceEvents.ts"
import { encode, RawConnection } from "./raw.ts"
import type { TestServer } from "./server.ts"

/** What a PSUBSCRIBE client receives for one published message: [pattern, channel, payload]. */
export type PMessage = readonly [pattern: string, channel: string, payload: string]

/** The pattern that matches both kinds of keyspace channels. */
export const EVENTS_PATTERN = "__key*__:*"

export interface EventStream {
  /** The messages received since the previous call, in order (everything published before it). */
  readonly take: () => Promise<ReadonlyArray<PMessage>>
  readonly close: () => Promise<void>
}

/**
 * A connection PSUBSCRIBEd to `__key*__:*`. `take` sends a PING, which a subscribed client may send
 * (RESP2 replies ["pong", ""]): everything published before the server read it comes first.
 */
export const subscribeOverTcp = async (port: number): Promise<EventStream> => {
  const conn = await RawConnection.connect(port)
  const [confirm] = await conn.pipeline([["PSUBSCRIBE", EVENTS_PATTERN]])
  const value = confirm!.value as ReadonlyArray<unknown>
  if (value[0] !== "psubscribe") throw new Error(`PSUBSCRIBE failed: ${JSON.stringify(confirm!.raw)}`)
  return {
    take: async () => {
      conn.write(encode(["PING"]))
      const out: Array<PMessage> = []
      for (;;) {
        const [reply] = await conn.read(1)
        const message = reply!.value as ReadonlyArray<string>
        if (message[0] === "pong") return out
        if (message[0] !== "pmessage") throw new Error(`unexpected push on the subscriber: ${JSON.stringify(reply!.raw)}`)
        out.push([message[1]!, message[2]!, message[3]!])
      }
    },
    close: () => conn.close()
  }
}

/**
 * This server's events as the pub/sub subsystem will publish them: each `onNotify` event rendered
 * into its messages under the notify-keyspace-events flags of the moment, as the pattern delivers them.
 */
export const inProcessEvents = (server: TestServer): EventStream => {
  const keyspace = server.engine.keyspace
  let received: Array<PMessage> = []
  const stop = keyspace.onNotify((type, event, key, dbid) => {
    for (const [channel, payload] of keyspaceEventMessages(type, event, key, dbid, keyspace.notifyFlags)) {
      received.push([EVENTS_PATTERN, channel, payload])
    }
  })
  return {
    take: () => {
      const out = received
      received = []
      return Promise.resolve(out)
    },
    close: () => {
      stop()
      return Promise.resolve()
    }
  }
}

/** This server's event stream, as a PSUBSCRIBE client receives it over TCP. */
export const ourEvents = (server: TestServer): Promise<EventStream> => subscribeOverTcp(server.port)

/** Redis's event stream. */
export const redisEvents = (port: number): Promise<EventStream> => subscribeOverTcp(port)

/** One line per message, for failure output. */
export const showMessages = (messages: ReadonlyArray<PMessage>): string =>
  messages.map(([, channel, payload]) => `    ${JSON.stringify(channel)} ${JSON.stringify(payload)}`).join("\n")

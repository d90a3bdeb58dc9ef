/**
 * Differential testing against a real redis-server: the same random command sequences go to this
 * server and to Redis, and their replies must match byte for byte (or after a normalization for
 * replies that legitimately differ, e.g. unordered sets or time-dependent values).
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe } from "vitest"
import { hasOracle, type Oracle, skipMessage, startOracle } from "./oracle.ts"
import { RawConnection, type RawReply } from "./raw.ts"
import { startServer, type TestServer } from "./server.ts"

export type Command = ReadonlyArray<string>

export interface Servers {
  /** A connection to this server. */
  readonly ours: RawConnection
  /** A connection to the real redis-server. */
  readonly theirs: RawConnection
  readonly server: TestServer
  readonly oracle: Oracle
}

/**
 * A describe block with this server and a real redis-server started for it, skipped (with a message)
 * when no redis-server is installed. `servers()` returns the live connections inside tests.
 */
export const describeDifferential = (
  name: string,
  body: (servers: () => Servers) => void,
  options: { readonly config?: Readonly<Record<string, string>>; readonly oracleArgs?: ReadonlyArray<string> } = {}
): void => {
  if (!hasOracle) {
    describe.skip(`${name} (${skipMessage})`, () => body(() => {
      throw new Error(skipMessage)
    }))
    return
  }
  describe(name, () => {
    let current: Servers | undefined
    beforeAll(async () => {
      const [server, oracle] = await Promise.all([startServer(options.config), startOracle(options.oracleArgs)])
      const [ours, theirs] = await Promise.all([RawConnection.connect(server.port), RawConnection.connect(oracle.port)])
      current = { ours, theirs, server, oracle }
    })
    afterAll(async () => {
      if (current === undefined) return
      await Promise.all([current.ours.close(), current.theirs.close()])
      await Promise.all([current.server.close(), current.oracle.stop()])
    })
    body(() => {
      if (current === undefined) throw new Error("servers not started")
      return current
    })
  })
}

/** How a reply is compared: by default its exact bytes. */
export type Normalize = (command: Command, reply: RawReply) => unknown

export const exact: Normalize = (_command, reply) => reply.raw

const sortDeep = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    return value.map(sortDeep).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
  }
  return value
}

/** Compares a reply as a multiset (order of array elements ignored, recursively). */
export const unordered: Normalize = (_command, reply) => sortDeep(toComparable(reply.value))

/** A JSON-friendly form of a decoded reply. */
export const toComparable = (value: unknown): unknown => {
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [toComparable(k), toComparable(v)]) }
  if (value instanceof Set) return { set: [...value].map(toComparable) }
  if (Array.isArray(value)) return value.map(toComparable)
  if (typeof value === "bigint") return `${value}n`
  if (value instanceof Error) return { error: value.message }
  return value
}

const show = (c: Command) => c.map((a) => JSON.stringify(a)).join(" ")

/** Replies that carry the connection's id (HELLO, CLIENT ID), which differs between two servers. */
const maskConnectionIds = (command: Command, reply: RawReply): RawReply => {
  const name = command[0]?.toLowerCase()
  if (name === "hello") return { ...reply, raw: reply.raw.replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:<id>\r\n") }
  if (name === "client" && command[1]?.toLowerCase() === "id") return { ...reply, raw: reply.raw.replace(/^:\d+/, ":<id>") }
  return reply
}

/**
 * `DIFFERENTIAL_SOAK=N` multiplies the random sequences of every differential test by N: a longer
 * hunt for rare differences than `npm test` can afford (e.g. `DIFFERENTIAL_SOAK=20 npx vitest run`).
 */
const SOAK = Math.max(1, Number(process.env["DIFFERENTIAL_SOAK"] ?? "1") || 1)

/**
 * Sends each sequence to both servers (after RESET and FLUSHALL) and compares the replies.
 * `normalize` picks how each reply is compared (exact bytes by default).
 */
export const checkSequences = async (
  servers: Servers,
  sequences: fc.Arbitrary<ReadonlyArray<Command>>,
  options: {
    readonly normalize?: Normalize
    readonly numRuns?: number
    readonly setup?: ReadonlyArray<Command>
    readonly seed?: number
    /**
     * Accepts a difference the normalized comparison found, for replies that may legitimately differ
     * by a little (a TTL read a few ms apart on the two servers).
     */
    readonly tolerate?: (command: Command, ours: RawReply, theirs: RawReply) => boolean
  } = {}
): Promise<void> => {
  const normalize = options.normalize ?? exact
  const prefix: ReadonlyArray<Command> = [["RESET"], ["FLUSHALL"], ...(options.setup ?? [])]
  await fc.assert(
    fc.asyncProperty(sequences, async (sequence) => {
      const all = [...prefix, ...sequence]
      const [a, b] = await Promise.all([servers.ours.pipeline(all), servers.theirs.pipeline(all)])
      for (let i = 0; i < all.length; i++) {
        const command = all[i]!
        const ours = normalize(command, maskConnectionIds(command, a[i]!))
        const theirs = normalize(command, maskConnectionIds(command, b[i]!))
        if (
          JSON.stringify(toComparable(ours)) !== JSON.stringify(toComparable(theirs)) &&
          options.tolerate?.(command, a[i]!, b[i]!) !== true
        ) {
          throw new Error(
            `reply ${i} differs for ${show(command)}\n  ours:  ${JSON.stringify(a[i]!.raw)}\n  redis: ${JSON.stringify(b[i]!.raw)}\n` +
              `sequence:\n${all.map((c, j) => `  ${j}: ${show(c)}`).join("\n")}`
          )
        }
      }
    }),
    {
      numRuns: Math.ceil((options.numRuns ?? 200) * (options.numRuns === 1 ? 1 : SOAK)),
      ...(options.seed === undefined ? {} : { seed: options.seed })
    }
  )
}

/** Sends fixed commands to both servers and compares, for example tests that name exact cases. */
export const checkCommands = (servers: Servers, commands: ReadonlyArray<Command>, normalize: Normalize = exact) =>
  checkSequences(servers, fc.constant(commands), { normalize, numRuns: 1 })

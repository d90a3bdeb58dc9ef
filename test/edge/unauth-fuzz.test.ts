/**
 * Random, often malformed, RESP and inline input from clients of a server with requirepass set, sent
 * to this server and to a real redis-server configured the same way: the replies, and where the
 * server closes the connection, must match byte for byte; the server survives, and an authenticated
 * client alongside is unaffected. Each input ends with EOF, so both servers answer or refuse every
 * byte before closing (no timing involved).
 */
import fc from "fast-check"
import { expect, it } from "vitest"
import { describeDifferential } from "../support/differential.ts"
import { exchange } from "../support/exchange.ts"
import { encode } from "../support/raw.ts"

const PASSWORD = "pw"
const bulk = (args: ReadonlyArray<string>) => encode(args).toString("latin1")
const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`)

const piece: fc.Arbitrary<string> = fc.oneof(
  // authentication, right and wrong, multibulk and inline; RESET drops it again
  fc.constantFrom(
    bulk(["AUTH", PASSWORD]),
    bulk(["AUTH", "wrong"]),
    bulk(["AUTH", "default", PASSWORD]),
    `AUTH ${PASSWORD}\r\n`,
    "AUTH\r\n",
    bulk(["RESET"])
  ),
  // ordinary commands
  fc.constantFrom(bulk(["PING"]), "PING\r\n", bulk(["ECHO", "hi"]), bulk(["SET", "k", "v"]), bulk(["GET", "k"]), "GET k\r\n", bulk(["QUIT"])),
  // argument counts around the unauthenticated limit of 10, multibulk and inline (no limit inline)
  fc.integer({ min: 1, max: 14 }).map((n) => bulk(["DEL", ...keys(n)])),
  fc.integer({ min: 1, max: 14 }).map((n) => `DEL ${keys(n).join(" ")}\r\n`),
  // declared lengths beyond the unauthenticated limits (and beyond the absolute ones)
  fc.oneof(fc.integer({ min: 11, max: 2_000_000_000 }), fc.constantFrom(11, 2147483647, 2147483648)).map((n) => `*${n}\r\n`),
  fc.oneof(fc.integer({ min: 16385, max: 600_000_000 }), fc.constantFrom(16384, 16385, 536870912, 536870913))
    .map((n) => `*2\r\n$4\r\nECHO\r\n$${n}\r\n`),
  fc.integer({ min: 0, max: 300 }).map((n) => bulk(["ECHO", "x".repeat(n)])),
  // malformed requests
  fc.constantFrom(
    "*abc\r\n",
    "*-\r\n",
    "*1\r\n$abc\r\n",
    "*1\r\n$-1\r\n",
    "*1\r\n+foo\r\n",
    "*1\r\n:1\r\n",
    "set \"a b\r\n",
    "foo bar 'baz\r\n",
    "echo \"a\"b\r\n",
    "*0\r\n",
    "*-1\r\n",
    "\r\n",
    "*2\r\n$4\r\nECHO\r\n", // incomplete: the next piece continues it
    "*1\r\n$4\r\nPI"
  ),
  // random bytes from the protocol's alphabet
  fc.string({ unit: fc.constantFrom(..."*$\r\n0123456789 -+:abcPINGECHO\"'\\x\0\t\xff"), maxLength: 24 })
)

/** The pieces, and whether each goes out in a write of its own (arbitrary chunk boundaries). */
const input = fc.record({ pieces: fc.array(piece, { minLength: 1, maxLength: 8 }), paced: fc.boolean() })

describeDifferential("requirepass with random malformed protocol input", (servers) => {
  it("replies and closings match Redis; the server survives; an authenticated client is unaffected", async () => {
    const { server, oracle } = servers()
    const controls = await Promise.all([servers().ours, servers().theirs].map(async (c) => {
      expect((await c.call("AUTH", PASSWORD)).raw).toBe("+OK\r\n")
      expect((await c.call("SET", "runs", "0")).raw).toBe("+OK\r\n")
      return c
    }))
    let runs = 0
    await fc.assert(
      fc.asyncProperty(input, async ({ paced, pieces }) => {
        const bytes = paced ? pieces : [pieces.join("")]
        const [ours, theirs] = await Promise.all([
          exchange(server.port, bytes, 0, { endInput: true, paced }),
          exchange(oracle.port, bytes, 0, { endInput: true, paced })
        ])
        expect({ input: bytes, ...ours }).toEqual({ input: bytes, ...theirs })
        expect(ours.closed).toBe(true)
        runs++
        for (const control of controls) {
          expect((await control.call("INCR", "runs")).raw).toBe(`:${runs}\r\n`)
        }
      }),
      { numRuns: 150 * Math.max(1, Number(process.env["DIFFERENTIAL_SOAK"] ?? "1") || 1) }
    )
    // the servers kept every authenticated client's data, and serve new clients
    for (const port of [server.port, oracle.port]) {
      expect(await exchange(port, [bulk(["AUTH", PASSWORD]), bulk(["GET", "runs"])], 0, { endInput: true }))
        .toEqual({ received: `+OK\r\n$${String(runs).length}\r\n${runs}\r\n`, closed: true })
    }
  })
}, { config: { requirepass: PASSWORD }, oracleArgs: ["--requirepass", PASSWORD] })

/**
 * With requirepass set, a client that has not authenticated may not declare a multibulk of more than
 * 10 arguments or a bulk of more than 16384 bytes: Redis (networking.c processMultibulkBuffer,
 * authRequired) answers "Protocol error: unauthenticated multibulk/bulk length" and closes it, before
 * allocating anything for the declared length. Compared byte for byte with a real redis-server
 * started with the same requirepass.
 */
import { expect, it } from "vitest"
import { ProtocolError, RequestParser } from "../../src/resp/RequestParser.ts"
import { describeDifferential } from "../support/differential.ts"
import { encode } from "../support/raw.ts"
import { exchange } from "../support/exchange.ts"

const PASSWORD = "s3cret"
const AUTH = encode(["AUTH", PASSWORD]).toString("latin1")
const args = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`)

/** Requests sent by a fresh connection, each compared with Redis (replies and whether it closed). */
const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["11 arguments declared", ["*11\r\n"]],
  ["a huge multibulk count", ["*2000000000\r\n"]],
  ["10 arguments are fine", [encode(["ECHO", ...args(9)]).toString("latin1")]],
  ["11 complete arguments", [encode(["ECHO", ...args(10)]).toString("latin1")]],
  ["a count beyond INT_MAX is invalid first", ["*2147483648\r\n"]],
  ["a negative count", ["*-20\r\nPING\r\n"]],
  ["a bulk of 16385 bytes declared", ["*2\r\n$4\r\nECHO\r\n$16385\r\n"]],
  ["a huge bulk length", ["*1\r\n$536870912\r\n"]],
  ["a bulk beyond proto-max-bulk-len is invalid first", ["*1\r\n$536870913\r\n"]],
  ["a bulk of 16384 bytes is fine", [encode(["ECHO", "x".repeat(16384)]).toString("latin1")]],
  ["the command before is answered", ["PING\r\n*1\r\n$4\r\nPING\r\n*12\r\n$4\r\nPING\r\n"]],
  ["a wrong password does not lift the limit", [encode(["AUTH", "nope"]).toString("latin1"), "*11\r\n"]],
  ["after AUTH, 11 arguments", [AUTH, encode(["DEL", ...args(10)]).toString("latin1")]],
  ["after AUTH, a big bulk", [AUTH, encode(["ECHO", "y".repeat(20000)]).toString("latin1")]],
  ["after HELLO AUTH, 11 arguments", [encode(["HELLO", "2", "AUTH", "default", PASSWORD]).toString("latin1"), encode(["DEL", ...args(12)]).toString("latin1")]],
  // HELLO's options act in their order: SETNAME names the client even if it then answers NOAUTH
  ["HELLO without credentials", [
    encode(["HELLO", "3", "SETNAME", "foo"]).toString("latin1"),
    encode(["HELLO", "2", "SETNAME", "bar", "AUTH", "default", "bad", "BOGUS"]).toString("latin1"),
    encode(["HELLO", "2", "AUTH", "default", "bad", "SETNAME", "baz"]).toString("latin1"),
    AUTH,
    encode(["CLIENT", "GETNAME"]).toString("latin1")
  ]],
  ["inline requests have no such limit", [`ECHO ${"z".repeat(20000)}\r\n`, `${"PING ".repeat(20)}\r\n`]],
  // Redis finds line ends with strchr: a NUL byte before the "\r" (or an inline "\n") hides it
  ["a NUL in a bulk length line", [AUTH, "*1\r\n$4\0\r\nPING\r\n"]],
  ["a NUL in a multibulk count line", [AUTH, "*1\0\r\n$4\r\nPING\r\n"]],
  ["a NUL where '$' is expected", [AUTH, "*1\r\n\0x\r\n"]],
  ["a NUL in an inline request", [AUTH, "PI\0NG\r\nPING\r\n"]],
  ["NUL bytes inside a bulk payload are data", [AUTH, "*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n"]],
  // the character found instead of '$' is shown with \r and \n as spaces
  ["'\\r' where '$' is expected", [AUTH, "*2\r\n$4\r\nECHO\r\n\r\n"]],
  ["'\\n' where '$' is expected", [AUTH, "*1\r\n\nx\r\n"]],
  ["a byte above 127 where '$' is expected", [AUTH, "*1\r\n\xffx\r\n"]]
]

describeDifferential("unauthenticated protocol limits", (servers) => {
  for (const [name, bytes] of cases) {
    it(`${name}: same replies and closing as Redis`, async () => {
      const { server, oracle } = servers()
      const [ours, theirs] = await Promise.all([
        exchange(server.port, bytes, 0, { endInput: true }),
        exchange(oracle.port, bytes, 0, { endInput: true })
      ])
      // HELLO's reply carries the connection id, which differs between the servers
      const maskId = (e: typeof ours) => ({ ...e, received: e.received.replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:<id>\r\n") })
      expect(JSON.stringify(maskId(ours))).toBe(JSON.stringify(maskId(theirs)))
    })
  }

  it("the limit errors close the client, and the error texts are Redis's", async () => {
    const { server } = servers()
    expect(await exchange(server.port, ["*11\r\n"])).toEqual({ received: "-ERR Protocol error: unauthenticated multibulk length\r\n", closed: true })
    expect(await exchange(server.port, ["*1\r\n$16385\r\n"])).toEqual({ received: "-ERR Protocol error: unauthenticated bulk length\r\n", closed: true })
    // another client, authenticated, is unaffected
    expect(await exchange(server.port, [AUTH, "PING\r\n"])).toEqual({ received: "+OK\r\n+PONG\r\n", closed: false })
  })
}, { config: { requirepass: PASSWORD }, oracleArgs: ["--requirepass", PASSWORD] })

it("the parser rejects a huge declared length from an unauthenticated client before allocating for it", () => {
  let authRequired = true
  const parser = new RequestParser({ maxBulkLength: () => 512 * 1024 * 1024, authRequired: () => authRequired })
  parser.feed(Buffer.from("*2000000000\r\n"))
  const error = parser.next()
  expect(error).toBeInstanceOf(ProtocolError)
  expect((error as ProtocolError).message).toBe("ERR Protocol error: unauthenticated multibulk length")
  authRequired = false
  const authed = new RequestParser({ maxBulkLength: () => 512 * 1024 * 1024, authRequired: () => authRequired })
  authed.feed(Buffer.from("*11\r\n"))
  expect(authed.next()).toBeUndefined()
})

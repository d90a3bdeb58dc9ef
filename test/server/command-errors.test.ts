/**
 * The errors every command shares, as Redis words them: unknown command (name and arguments cut at
 * 128 bytes, CR/LF blanked), wrong number of arguments (by full name, "config|get"), unknown
 * subcommand. Example cases, then random command lines over the whole table where either server
 * answers one of these errors.
 */
import fc from "fast-check"
import { it } from "vitest"
import { allCommands } from "../../src/commands/index.ts"
import { type Command, checkCommands, checkSequences, describeDifferential, type Normalize } from "../support/differential.ts"

const cases: ReadonlyArray<Command> = [
  ["NOSUCH"],
  ["nosuch", "a", "b"],
  ["NOSUCH", "x".repeat(200)],
  ["NOSUCH", ...Array.from({ length: 40 }, (_, i) => `arg${i}`)],
  ["y".repeat(200), "a"],
  ["NO\r\nSUCH", "a\nb", "c\rd"],
  ["", ""],
  ["GET"],
  ["get", "a", "b"],
  ["Get", "a", "b", "c"],
  ["SET", "k"],
  ["CLIENT"],
  ["client", "nosuch"],
  ["CLIENT", "x".repeat(200)],
  ["CLIENT", "a\r\nb"],
  ["client", "getname", "x"],
  ["CLIENT", "SETNAME"],
  ["MEMORY"],
  ["memory", "usage"],
  ["Memory", "Nosuch", "x"],
  ["COMMAND", "GETKEYS"],
  ["COMMAND", "nosuch"],
  ["DBSIZE", "x"],
  ["TIME", "x"],
  ["ECHO"],
  ["ECHO", "a", "b"],
  // a rejected EXEC aborts the transaction, in MULTI or not
  ["EXEC", "a"],
  ["MULTI"],
  ["SET", "k", "v"],
  ["EXEC", "x"],
  ["EXEC"],
  ["GET", "k"]
]

/** Replies are compared when either server answers an unknown-command, unknown-subcommand or arity error. */
const commonErrors: Normalize = (_command, reply) =>
  /^-ERR (wrong number of arguments|unknown command|unknown subcommand)/.test(reply.raw) ? reply.raw : "another reply"

/** Commands that would block, close the connection, sleep or kill clients with random arguments. */
const UNSAFE = new Set(["quit", "debug", "client", "shutdown", "monitor", "subscribe", "psubscribe", "ssubscribe", "sync", "psync", "failover", "replicaof", "slaveof", "wait"])

describeDifferential("unknown commands and wrong arity", (servers) => {
  it("example cases match Redis byte for byte", () => checkCommands(servers(), cases))

  it("random command lines over the whole table give the same arity and unknown-(sub)command errors", async () => {
    const names = allCommands.filter((c) => !UNSAFE.has(c.name) && !c.flags.includes("blocking")).map((c) => c.name)
    const subcommands = allCommands.flatMap((c) => (c.subcommands ?? []).map((s) => `${c.name} ${s.name}`)).filter((n) => !n.startsWith("client") && n !== "client setinfo")
    const head = fc.oneof(
      fc.constantFrom(...names).map((n) => [n]),
      fc.constantFrom(...subcommands).map((n) => n.split(" ")),
      fc.constantFrom("nosuch", "GETX", "memory nosuch", "command nosuch").map((n) => n.split(" "))
    )
    const line = fc.tuple(head, fc.array(fc.constantFrom("a", "1", "0", "x"), { maxLength: 4 })).map(([h, args]): Command => [...h, ...args])
    await checkSequences(servers(), fc.array(line, { minLength: 1, maxLength: 6 }), { numRuns: 300, normalize: commonErrors })
  })
})

/**
 * Which connections become clients (issue 15): protected mode (a non-loopback peer while the default
 * user has no password gets Redis's DENIED text and is closed) and maxclients (Redis's error, then
 * close), both counted in INFO stats rejected_connections. A peer from 127.0.0.2 is not local to Redis
 * (only 127.0.0.1 and ::1 are), which lets one machine test both sides.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AclStore } from "../../src/acl/Acl.ts"
import { MAX_CLIENTS_REACHED, PROTECTED_MODE_DENIED } from "../../src/commands/errors.ts"
import { ConfigStore } from "../../src/config/ServerConfig.ts"
import { isLocalPeer, protectedModeRefuses } from "../../src/server/admission.ts"
import { hasOracle, type Oracle, skipMessage, startOracle } from "../support/oracle.ts"
import { RawConnection } from "../support/raw.ts"
import { startServer, type TestServer } from "../support/server.ts"

/** What a peer from `localAddress` gets: its PING reply, or what it read before the server closed. */
const outcome = async (port: number, localAddress: string): Promise<{ closed: boolean; replies: ReadonlyArray<string> }> => {
  const conn = await RawConnection.connect(port, "127.0.0.1", { localAddress })
  conn.write("*1\r\n$4\r\nPING\r\n")
  try {
    const [reply] = await conn.read(1, 3000)
    // a refused peer is closed right after its one line
    await new Promise((r) => setTimeout(r, 50))
    const closed = conn.isClosed
    await conn.close()
    return { closed, replies: [reply!.raw] }
  } catch {
    return { closed: true, replies: [] }
  }
}

const stat = async (port: number, field: string): Promise<number> => {
  const conn = await RawConnection.connect(port)
  const info = String((await conn.call("INFO", "stats")).value)
  await conn.close()
  return Number(new RegExp(`^${field}:(\\d+)`, "m").exec(info)![1])
}

const DENIED_LINE = `-${PROTECTED_MODE_DENIED}\r\n`

describe("protected mode", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  it("refuses a non-loopback peer with the DENIED text, counted as rejected; loopback is served", async () => {
    const before = await stat(server.port, "rejected_connections")
    const total = await stat(server.port, "total_connections_received")
    expect(await outcome(server.port, "127.0.0.2")).toEqual({ closed: true, replies: [DENIED_LINE] })
    expect(await outcome(server.port, "127.0.0.1")).toEqual({ closed: false, replies: ["+PONG\r\n"] })
    expect(await stat(server.port, "rejected_connections")).toBe(before + 1)
    // the refused peer never became a client: two INFO connections and the served one
    expect(await stat(server.port, "total_connections_received")).toBe(total + 3)
  })

  it("CONFIG SET protected-mode no, or a password for the default user, lets the peer in", async () => {
    const admin = await RawConnection.connect(server.port)
    expect((await admin.call("CONFIG", "SET", "protected-mode", "no")).raw).toBe("+OK\r\n")
    expect(await outcome(server.port, "127.0.0.2")).toEqual({ closed: false, replies: ["+PONG\r\n"] })
    expect((await admin.call("CONFIG", "SET", "protected-mode", "yes", "requirepass", "pw")).raw).toBe("+OK\r\n")
    // in, but must authenticate like anyone else
    expect((await outcome(server.port, "127.0.0.2")).replies[0]).toMatch(/^-NOAUTH /)
    expect((await admin.call("AUTH", "pw")).raw).toBe("+OK\r\n")
    expect((await admin.call("CONFIG", "SET", "requirepass", "")).raw).toBe("+OK\r\n")
    expect(await outcome(server.port, "127.0.0.2")).toEqual({ closed: true, replies: [DENIED_LINE] })
    await admin.close()
  })

  it("isLocalPeer: exactly 127.0.0.1 and ::1 (also IPv4-mapped), and every unix socket client", () => {
    expect(isLocalPeer("127.0.0.1", false)).toBe(true)
    expect(isLocalPeer("::ffff:127.0.0.1", false)).toBe(true)
    expect(isLocalPeer("::1", false)).toBe(true)
    expect(isLocalPeer("127.0.0.2", false)).toBe(false)
    expect(isLocalPeer("::ffff:10.0.0.1", false)).toBe(false)
    expect(isLocalPeer(undefined, true)).toBe(true)
    fc.assert(
      fc.property(fc.ipV4(), fc.boolean(), (address, mapped) => {
        const shown = mapped ? `::ffff:${address}` : address
        expect(isLocalPeer(shown, false)).toBe(address === "127.0.0.1")
      })
    )
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        expect(isLocalPeer(address, false)).toBe(address === "::1" || /^::ffff:127\.0\.0\.1$/i.test(address))
      })
    )
  })

  it("protectedModeRefuses: only with protected-mode yes and a default user without password", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom("", "secret"), fc.boolean(), (on, password, local) => {
        const config = new ConfigStore()
        expect(config.set("protected-mode", [on ? "yes" : "no"])).toBeUndefined()
        // requirepass sets the default user's password, as the ACL layer applies it
        const acl = new AclStore()
        acl.setDefaultPassword(password)
        const address = local ? "127.0.0.1" : "192.0.2.7"
        expect(protectedModeRefuses(config, acl, address, false)).toBe(on && password === "" && !local)
        // a unix socket client is always local
        expect(protectedModeRefuses(config, acl, undefined, true)).toBe(false)
      })
    )
  })
})

describe("maxclients", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ maxclients: "2" })
  })
  afterAll(() => server.close())

  it("refuses the connection past the limit with Redis's error and closes it", async () => {
    const first = await RawConnection.connect(server.port)
    const before = Number(/rejected_connections:(\d+)/.exec(String((await first.call("INFO", "stats")).value))![1])
    const second = await RawConnection.connect(server.port)
    expect((await second.call("PING")).raw).toBe("+PONG\r\n")
    const third = await RawConnection.connect(server.port)
    expect((await third.readUntilClose(3000)).map((r) => r.raw)).toEqual([`-${MAX_CLIENTS_REACHED}\r\n`])
    expect(String((await first.call("INFO", "stats")).value)).toContain(`rejected_connections:${before + 1}\r\n`)
    // room again once one leaves
    await second.close()
    await new Promise((r) => setTimeout(r, 50))
    const fourth = await RawConnection.connect(server.port)
    expect((await fourth.call("PING")).raw).toBe("+PONG\r\n")
    await Promise.all([first.close(), fourth.close()])
  })
})

describe.skipIf(!hasOracle)("admission against redis-server", () => {
  let oracle: Oracle
  let ours: TestServer
  beforeAll(async () => {
    oracle = await startOracle(["--maxclients", "2"])
    ours = await startServer({ maxclients: "2" })
  })
  afterAll(async () => {
    await oracle?.stop()
    await ours?.close()
  })

  it("the same bytes for a non-loopback peer and for one past maxclients", async () => {
    const same = async (f: (port: number) => Promise<unknown>) => expect(await f(ours.port)).toEqual(await f(oracle.port))
    await same((port) => outcome(port, "127.0.0.2"))
    await same((port) => outcome(port, "127.0.0.1"))
    await same(async (port) => {
      const held = await Promise.all([RawConnection.connect(port), RawConnection.connect(port)])
      await Promise.all(held.map((c) => c.call("PING")))
      const refused = await RawConnection.connect(port)
      const got = (await refused.readUntilClose(3000)).map((r) => r.raw)
      await Promise.all(held.map((c) => c.close()))
      return got
    })
    // protected mode off on both: the peer is served
    await same(async (port) => {
      const admin = await RawConnection.connect(port)
      await admin.call("CONFIG", "SET", "protected-mode", "no")
      await admin.close()
      await new Promise((r) => setTimeout(r, 50))
      return outcome(port, "127.0.0.2")
    })
  })
})

if (!hasOracle) it.skip(skipMessage, () => {})

/**
 * TLS (issue 15): `tls-port` served through the same connection path as TCP, client certificates per
 * `tls-auth-clients`, protocols, CONFIG SET reloading the context, start-up failures with Redis's log
 * lines, and real clients (redis-cli --tls, ioredis, node-redis). Certificates are made at test time.
 */
import { execFile, execFileSync, spawn } from "node:child_process"
import * as Crypto from "node:crypto"
import * as FS from "node:fs"
import * as Tls from "node:tls"
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import fc from "fast-check"
import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Engine, type EngineState } from "../../src/server/Engine.ts"
import { RedisServer } from "../../src/server/RedisServer.ts"
import { opensslErrorText, parseTlsProtocols } from "../../src/server/Tls.ts"
import { KEY_PASSWORD, makeCertificates, type TestCertificates } from "../support/certificates.ts"
import { freePort, hasOracle, type Oracle, skipMessage, startOracle } from "../support/oracle.ts"
import { encode, RawConnection } from "../support/raw.ts"

const hasRedisCli = (() => {
  try {
    execFileSync("redis-cli", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

interface TlsServer {
  readonly port: number
  readonly tlsPort: number
  readonly engine: EngineState
  readonly logs: Array<string>
  readonly close: () => Promise<void>
}

const startTlsServer = async (config: Readonly<Record<string, string>>, tlsPort = 0): Promise<TlsServer> => {
  const scope = Effect.runSync(Scope.make())
  const logs: Array<string> = []
  const layer = RedisServer.layer({ port: 0, host: "127.0.0.1", tlsPort, config }).pipe(
    Layer.provide(Logger.layer([Logger.make(({ message }) => logs.push((Array.isArray(message) ? message : [message]).join(" ")))]))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const server = Context.get(context, RedisServer)
  return {
    port: server.port,
    tlsPort: server.tlsPort,
    engine: Context.get(context, Engine),
    logs,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

interface ClientCert {
  readonly cert?: string
  readonly key?: string
}

/** A raw RESP connection over TLS; rejects if the handshake fails. */
const connectTls = (port: number, ca: string, client: ClientCert = {}, options: Tls.ConnectionOptions = {}): Promise<RawConnection> =>
  new Promise((resolve, reject) => {
    const socket = Tls.connect({
      port,
      host: "127.0.0.1",
      servername: "localhost",
      ca: FS.readFileSync(ca),
      ...(client.cert === undefined ? {} : { cert: FS.readFileSync(client.cert), key: FS.readFileSync(client.key!) }),
      ...options
    }, () => resolve(RawConnection.over(socket)))
    socket.once("error", reject)
  })

/**
 * Whether a client gets PONG over TLS: the handshake and the first command both count, since with
 * TLS 1.3 a refused certificate is only seen by the client after its own handshake is done.
 */
const pingOutcome = async (port: number, ca: string, client: ClientCert = {}): Promise<"PONG" | "refused"> => {
  try {
    const conn = await connectTls(port, ca, client)
    try {
      conn.write(encode(["PING"]))
      const [reply] = await conn.read(1, 3000)
      return reply?.raw === "+PONG\r\n" ? "PONG" : "refused"
    } catch {
      return "refused"
    } finally {
      conn.socket.destroy()
    }
  } catch {
    return "refused"
  }
}

const run = (file: string, args: ReadonlyArray<string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) =>
    execFile(file, args, { encoding: "utf8", timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  )

let certs: TestCertificates
beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)
afterAll(() => certs?.remove())

const serverConfig = (extra: Record<string, string> = {}): Record<string, string> => ({
  "tls-cert-file": certs.serverCert,
  "tls-key-file": certs.serverKey,
  "tls-ca-cert-file": certs.caCert,
  ...extra
})

describe("TLS with tls-auth-clients yes (the default)", () => {
  let server: TlsServer
  beforeAll(async () => {
    server = await startTlsServer(serverConfig())
  })
  afterAll(() => server.close())

  it("serves a client with a certificate from the CA, and refuses one without or from another CA", async () => {
    expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
    expect(await pingOutcome(server.tlsPort, certs.caCert)).toBe("refused")
    expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.strangerCert, key: certs.strangerKey })).toBe("refused")
    // logged as Redis logs a failed accept
    expect(server.logs).toContain("Error accepting a client connection: error:0A0000C7:SSL routines::peer did not return a certificate")
    expect(server.logs).toContain("Error accepting a client connection: error:0A000086:SSL routines::certificate verify failed")
  })

  it("serves TCP beside TLS, and a plaintext client on the TLS port gets nothing", async () => {
    const tcp = await RawConnection.connect(server.port)
    expect((await tcp.call("PING")).raw).toBe("+PONG\r\n")
    await tcp.close()
    const plain = await RawConnection.connect(server.tlsPort)
    plain.write(encode(["PING"]))
    expect(await plain.readUntilClose(3000)).toEqual([])
  })

  it("a TLS client is an ordinary client: pipelines, blocking, CLIENT LIST", async () => {
    const conn = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    conn.write(Buffer.concat([encode(["SET", "tls:k", "v"]), encode(["GET", "tls:k"]), encode(["CLIENT", "INFO"])]))
    const [set, get, info] = await conn.read(3)
    expect(set!.raw).toBe("+OK\r\n")
    expect(get!.raw).toBe("$1\r\nv\r\n")
    expect(String(info!.value)).toMatch(new RegExp(`^id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${server.tlsPort} fd=\\d+ name= .* flags=N db=0 `))
    // a blocked client is woken by a TCP client's push
    conn.write(encode(["BLPOP", "tls:list", "0"]))
    const tcp = await RawConnection.connect(server.port)
    await new Promise((r) => setTimeout(r, 50))
    expect((await tcp.call("RPUSH", "tls:list", "x")).raw).toBe(":1\r\n")
    const [popped] = await conn.read(1)
    expect(popped!.raw).toBe("*2\r\n$8\r\ntls:list\r\n$1\r\nx\r\n")
    // CLIENT KILL closes a TLS client like any other
    const victim = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    const id = (await victim.call("CLIENT", "ID")).value
    expect((await tcp.call("CLIENT", "KILL", "ID", String(id))).raw).toBe(":1\r\n")
    expect(await victim.readUntilClose(3000)).toEqual([])
    // QUIT: the reply, then the close
    victim.socket.destroy()
    const quitter = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    quitter.write(encode(["QUIT"]))
    expect((await quitter.readUntilClose(3000)).map((r) => r.raw)).toEqual(["+OK\r\n"])
    await Promise.all([conn.close(), tcp.close()])
  })

  it("property: any values and pipeline splits round-trip over TLS as over TCP", async () => {
    const conn = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 5 }),
        async (values, cuts) => {
          const commands = values.flatMap((v, i) => [encode(["SET", `tls:p:${i}`, Buffer.from(v).toString("latin1")]), encode(["GET", `tls:p:${i}`])])
          const bytes = Buffer.concat(commands)
          // written in arbitrary pieces: TLS records do not follow command boundaries either
          let at = 0
          for (const cut of cuts) {
            if (at >= bytes.length) break
            conn.socket.write(bytes.subarray(at, at + cut))
            at += cut
          }
          if (at < bytes.length) conn.socket.write(bytes.subarray(at))
          const replies = await conn.read(values.length * 2)
          values.forEach((v, i) => {
            expect(replies[2 * i]!.raw).toBe("+OK\r\n")
            expect(replies[2 * i + 1]!.raw).toBe(`$${v.length}\r\n${Buffer.from(v).toString("latin1")}\r\n`)
          })
        }
      ),
      { numRuns: 25 }
    )
    await conn.close()
  })

  it("ioredis and node-redis connect with TLS options", async () => {
    const tls = { ca: FS.readFileSync(certs.caCert), cert: FS.readFileSync(certs.clientCert), key: FS.readFileSync(certs.clientKey), servername: "localhost" }
    const io = new Redis({ host: "127.0.0.1", port: server.tlsPort, tls, lazyConnect: true, maxRetriesPerRequest: 0 })
    await io.connect()
    expect(await io.set("tls:io", "1")).toBe("OK")
    const nr = createClient({ socket: { host: "127.0.0.1", port: server.tlsPort, tls: true, ...tls } })
    await nr.connect()
    expect(await nr.incr("tls:io")).toBe(2)
    await Promise.all([io.quit(), nr.close()])
  })

  it.skipIf(!hasRedisCli)("redis-cli --tls with and without a client certificate", async () => {
    const base = ["-h", "127.0.0.1", "-p", String(server.tlsPort), "--tls", "--cacert", certs.caCert]
    const ok = await run("redis-cli", [...base, "--cert", certs.clientCert, "--key", certs.clientKey, "ECHO", "over tls"])
    expect(ok.stdout).toBe("over tls\n")
    const refused = await run("redis-cli", [...base, "ECHO", "over tls"])
    expect(refused.stdout).not.toContain("over tls")
  })

  it("maxclients: a TLS connection past the limit is dropped before its handshake and counted", async () => {
    const conn = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    expect((await conn.call("CONFIG", "SET", "maxclients", "1")).raw).toBe("+OK\r\n")
    const before = server.engine.stats.rejectedConnections
    expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("refused")
    expect(server.engine.stats.rejectedConnections).toBe(before + 1)
    // over TCP the error is written, as Redis writes it
    const tcp = await RawConnection.connect(server.port)
    expect((await tcp.readUntilClose(3000)).map((r) => r.raw)).toEqual(["-ERR max number of clients reached\r\n"])
    // a connection still in its handshake counts, as Redis has made its client already
    expect((await conn.call("CONFIG", "SET", "maxclients", "2")).raw).toBe("+OK\r\n")
    const silent = await RawConnection.connect(server.tlsPort)
    await new Promise((r) => setTimeout(r, 50))
    const third = await RawConnection.connect(server.port)
    expect((await third.readUntilClose(3000)).map((r) => r.raw)).toEqual(["-ERR max number of clients reached\r\n"])
    silent.socket.destroy()
    await new Promise((r) => setTimeout(r, 50))
    const fourth = await RawConnection.connect(server.port)
    expect((await fourth.call("PING")).raw).toBe("+PONG\r\n")
    await fourth.close()
    expect((await conn.call("CONFIG", "SET", "maxclients", "10000")).raw).toBe("+OK\r\n")
    await conn.close()
  })
})

describe("tls-auth-clients optional and no", () => {
  it("optional: no certificate is fine, a certificate must verify; no: nothing is checked", async () => {
    const optional = await startTlsServer(serverConfig({ "tls-auth-clients": "optional" }))
    try {
      expect(await pingOutcome(optional.tlsPort, certs.caCert)).toBe("PONG")
      expect(await pingOutcome(optional.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
      expect(await pingOutcome(optional.tlsPort, certs.caCert, { cert: certs.strangerCert, key: certs.strangerKey })).toBe("refused")
      // CONFIG SET takes effect for the next connection
      const conn = await connectTls(optional.tlsPort, certs.caCert)
      expect((await conn.call("CONFIG", "SET", "tls-auth-clients", "no")).raw).toBe("+OK\r\n")
      await conn.close()
      expect(await pingOutcome(optional.tlsPort, certs.caCert, { cert: certs.strangerCert, key: certs.strangerKey })).toBe("PONG")
    } finally {
      await optional.close()
    }
    // with `no`, no CA is needed at all
    const none = await startTlsServer({ "tls-cert-file": certs.serverCert, "tls-key-file": certs.serverKey, "tls-auth-clients": "no" })
    try {
      expect(await pingOutcome(none.tlsPort, certs.caCert)).toBe("PONG")
    } finally {
      await none.close()
    }
  })
})

describe("TLS configuration", () => {
  it("an encrypted key loads with tls-key-file-pass; a CA directory works like a CA file", async () => {
    const dir = `${certs.dir}/cadir`
    FS.mkdirSync(dir, { recursive: true })
    FS.copyFileSync(certs.caCert, `${dir}/ca.pem`)
    const server = await startTlsServer({
      "tls-cert-file": certs.serverCert,
      "tls-key-file": certs.serverKeyEncrypted,
      "tls-key-file-pass": KEY_PASSWORD,
      "tls-ca-cert-dir": dir
    })
    try {
      expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
      expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.strangerCert, key: certs.strangerKey })).toBe("refused")
    } finally {
      await server.close()
    }
  })

  it("tls-ciphers and tls-ciphersuites each choose their half", async () => {
    const server = await startTlsServer(serverConfig({
      "tls-ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384",
      "tls-ciphersuites": "TLS_CHACHA20_POLY1305_SHA256"
    }))
    const client = { cert: certs.clientCert, key: certs.clientKey }
    try {
      const v12 = await connectTls(server.tlsPort, certs.caCert, client, { maxVersion: "TLSv1.2" })
      expect((v12.socket as Tls.TLSSocket).getCipher().name).toBe("ECDHE-ECDSA-AES256-GCM-SHA384")
      await v12.close()
      const v13 = await connectTls(server.tlsPort, certs.caCert, client)
      expect((v13.socket as Tls.TLSSocket).getCipher().name).toBe("TLS_CHACHA20_POLY1305_SHA256")
      await v13.close()
      // tls-ciphers alone leaves TLSv1.3 on with OpenSSL's suites (Node's `ciphers` alone would not)
      const conn = await connectTls(server.tlsPort, certs.caCert, client)
      expect((await conn.call("CONFIG", "SET", "tls-ciphersuites", "")).raw).toBe("+OK\r\n")
      await conn.close()
      const after = await connectTls(server.tlsPort, certs.caCert, client)
      expect((after.socket as Tls.TLSSocket).getProtocol()).toBe("TLSv1.3")
      await after.close()
    } finally {
      await server.close()
    }
  })

  it("tls-protocols limits the versions a client may use", async () => {
    const server = await startTlsServer(serverConfig({ "tls-protocols": "TLSv1.2" }))
    try {
      const conn = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
      expect((conn.socket as Tls.TLSSocket).getProtocol()).toBe("TLSv1.2")
      await conn.close()
      await expect(connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey }, { minVersion: "TLSv1.3" }))
        .rejects.toThrow()
    } finally {
      await server.close()
    }
  })

  it("start-up fails with Redis's lines when the certificates cannot be loaded", async () => {
    const failure = async (config: Record<string, string>) => {
      const exit = await Effect.runPromiseExit(
        Layer.build(RedisServer.layer({ port: 0, host: "127.0.0.1", tlsPort: 0, config })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? JSON.parse(JSON.stringify(exit.cause)) : undefined
      return JSON.stringify(error)
    }
    expect(await failure({ "tls-key-file": certs.serverKey, "tls-auth-clients": "no" })).toContain("No tls-cert-file configured!")
    expect(await failure({ "tls-cert-file": certs.serverCert, "tls-key-file": certs.serverKey })).toContain(
      "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"
    )
    const missing = await failure(serverConfig({ "tls-cert-file": `${certs.dir}/missing.crt` }))
    expect(missing).toContain(`Failed to load certificate: ${certs.dir}/missing.crt: error:80000002:system library::No such file or directory`)
    expect(missing).toContain("Failed to configure TLS. Check logs for more info.")
    expect(await failure(serverConfig({ "tls-key-file": certs.clientKey }))).toContain(
      `Failed to load private key: ${certs.clientKey}: error:05800074:x509 certificate routines::key values mismatch`
    )
    expect(await failure(serverConfig({ "tls-key-file": certs.serverKeyEncrypted }))).toContain(
      `Failed to load private key: ${certs.serverKeyEncrypted}: error:07880109:common libcrypto routines::interrupted or cancelled`
    )
    expect(await failure(serverConfig({ "tls-protocols": "TLSv1.4" }))).toContain(
      "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."
    )
    expect(await failure(serverConfig({ "tls-ciphers": "NOPE" }))).toContain("Failed to configure ciphers: NOPE")
  })

  it("CONFIG SET reloads the certificates; a failure keeps the old context and says so", async () => {
    const server = await startTlsServer(serverConfig())
    const client = { cert: certs.clientCert, key: certs.clientKey }
    const peerName = async () => {
      const conn = await connectTls(server.tlsPort, certs.caCert, client)
      const cn = (conn.socket as Tls.TLSSocket).getPeerCertificate().subject.CN
      await conn.close()
      return cn
    }
    try {
      expect(await peerName()).toBe("server")
      const conn = await connectTls(server.tlsPort, certs.caCert, client)
      expect((await conn.call("CONFIG", "SET", "tls-cert-file", `${certs.dir}/missing.crt`)).raw).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n"
      )
      expect(server.logs).toContain(`Failed to load certificate: ${certs.dir}/missing.crt: error:80000002:system library::No such file or directory`)
      expect((await conn.call("CONFIG", "GET", "tls-cert-file")).value).toEqual(["tls-cert-file", certs.serverCert])
      expect(await peerName()).toBe("server")
      expect((await conn.call("CONFIG", "SET", "tls-cert-file", certs.secondCert, "tls-key-file", certs.secondKey)).raw).toBe("+OK\r\n")
      expect(await peerName()).toBe("second")
      // the same file names again: the files are read again (Redis's VOLATILE_CONFIG)
      FS.copyFileSync(certs.serverCert, certs.secondCert)
      FS.copyFileSync(certs.serverKey, certs.secondKey)
      expect((await conn.call("CONFIG", "SET", "tls-cert-file", certs.secondCert)).raw).toBe("+OK\r\n")
      expect(await peerName()).toBe("server")
      // the connection made before every change is still served
      expect((await conn.call("PING")).raw).toBe("+PONG\r\n")
      await conn.close()
    } finally {
      await server.close()
    }
  })

  it("CONFIG SET tls-port moves the TLS listener; 0 closes it", async () => {
    const server = await startTlsServer(serverConfig())
    try {
      const next = await freePort()
      const tcp = await RawConnection.connect(server.port)
      // a TLS client of the old port stays connected, as in Redis
      const stays = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
      expect((await tcp.call("CONFIG", "SET", "tls-port", String(next))).raw).toBe("+OK\r\n")
      await new Promise((r) => setTimeout(r, 100))
      expect(await pingOutcome(next, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
      expect(await pingOutcome(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("refused")
      expect((await tcp.call("CONFIG", "SET", "tls-port", "0")).raw).toBe("+OK\r\n")
      await new Promise((r) => setTimeout(r, 100))
      expect(await pingOutcome(next, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("refused")
      expect((await stays.call("PING")).raw).toBe("+PONG\r\n")
      await stays.close()
      await tcp.close()
    } finally {
      await server.close()
    }
  })

  it("releasing the server closes its TLS clients, and one still in its handshake", async () => {
    const server = await startTlsServer(serverConfig())
    const conn = await connectTls(server.tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })
    expect((await conn.call("PING")).raw).toBe("+PONG\r\n")
    // connected, but never says hello
    const silent = await RawConnection.connect(server.tlsPort)
    await server.close()
    expect(await conn.readUntilClose(3000)).toEqual([])
    expect(await silent.readUntilClose(3000)).toEqual([])
  })

  it("timeout closes a connection that stays in its handshake", async () => {
    const server = await startTlsServer(serverConfig({ timeout: "1" }))
    try {
      const silent = await RawConnection.connect(server.tlsPort)
      const started = Date.now()
      expect(await silent.readUntilClose(4000)).toEqual([])
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    } finally {
      await server.close()
    }
  })

  it("a TCP-only server turns TLS on with CONFIG SET, or says why it cannot", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const context = await Effect.runPromise(Layer.buildWithScope(RedisServer.layer({ port: 0, host: "127.0.0.1" }), scope))
      const port = Context.get(context, RedisServer).port
      const tcp = await RawConnection.connect(port)
      const next = await freePort()
      expect((await tcp.call("CONFIG", "SET", "tls-port", String(next))).raw).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs.\r\n"
      )
      expect((await tcp.call(
        "CONFIG", "SET", "tls-cert-file", certs.serverCert, "tls-key-file", certs.serverKey, "tls-ca-cert-file", certs.caCert, "tls-port", String(next)
      )).raw).toBe("+OK\r\n")
      await new Promise((r) => setTimeout(r, 100))
      expect(await pingOutcome(next, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
      await tcp.close()
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })

  it("parseTlsProtocols: Redis's words in any case, holes switched off by options", () => {
    expect(parseTlsProtocols("")).toMatchObject({ min: "TLSv1.2", max: "TLSv1.3", options: 0 })
    expect(parseTlsProtocols("tlsv1.3")).toMatchObject({ min: "TLSv1.3", max: "TLSv1.3" })
    const holes = parseTlsProtocols("TLSv1 TLSv1.3")!
    expect(holes.min).toBe("TLSv1")
    expect(holes.max).toBe("TLSv1.3")
    expect(holes.options).not.toBe(0)
    expect(parseTlsProtocols("TLSv1.2  TLSv1.3")).toBeUndefined()
    expect(parseTlsProtocols("SSLv3")).toBeUndefined()
    // property: any non-empty set of Redis's words, in any order and case, enables exactly those versions
    const names = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const
    const flags = [Crypto.constants.SSL_OP_NO_TLSv1, Crypto.constants.SSL_OP_NO_TLSv1_1, Crypto.constants.SSL_OP_NO_TLSv1_2, Crypto.constants.SSL_OP_NO_TLSv1_3]
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (chosen, upper) => {
          const words = chosen.map((i) => (upper[i] ? names[i]!.toUpperCase() : names[i]!.toLowerCase()))
          const parsed = parseTlsProtocols(words.join(" "))!
          const enabled = (i: number) =>
            names.indexOf(parsed.min) <= i && i <= names.indexOf(parsed.max) && (parsed.options & flags[i]!) === 0
          for (let i = 0; i < 4; i++) expect(enabled(i)).toBe(chosen.includes(i))
        }
      )
    )
    expect(opensslErrorText(new Error("40AD8E317A7F0000:error:0A0000C7:SSL routines:tls_process_client_certificate:peer did not return a certificate:../deps/x.c:1:")))
      .toBe("error:0A0000C7:SSL routines::peer did not return a certificate")
  })
})

describe.skipIf(!hasOracle)("TLS against redis-server --tls-port", () => {
  let oracle: Oracle
  let oracleTls: number
  let ours: TlsServer
  beforeAll(async () => {
    oracleTls = await freePort()
    oracle = await startOracle(["--tls-port", String(oracleTls), ...Object.entries(serverConfig()).flatMap(([k, v]) => [`--${k}`, v])])
    ours = await startTlsServer(serverConfig())
  }, 20_000)
  afterAll(async () => {
    await oracle?.stop()
    await ours?.close()
  })

  it("the same clients are served and refused, with the same replies", async () => {
    const clients: ReadonlyArray<ClientCert> = [
      { cert: certs.clientCert, key: certs.clientKey },
      {},
      { cert: certs.strangerCert, key: certs.strangerKey }
    ]
    for (const client of clients) {
      expect(await pingOutcome(ours.tlsPort, certs.caCert, client)).toBe(await pingOutcome(oracleTls, certs.caCert, client))
    }
    const replies = async (port: number) => {
      const conn = await connectTls(port, certs.caCert, clients[0]!)
      const out = [
        (await conn.call("SET", "k", "v")).raw,
        (await conn.call("CONFIG", "SET", "tls-cert-file", `${certs.dir}/missing.crt`)).raw,
        (await conn.call("CONFIG", "SET", "tls-protocols", "TLSv9")).raw,
        (await conn.call("CONFIG", "GET", "tls-cert-file")).raw,
        (await conn.call("CONFIG", "SET", "tls-auth-clients", "maybe")).raw
      ]
      await conn.close()
      return out
    }
    expect(await replies(ours.tlsPort)).toEqual(await replies(oracleTls))
  })

  it.skipIf(!hasRedisCli)("redis-cli --tls sees the same in both", async () => {
    const cli = (port: number) =>
      run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--tls", "--cacert", certs.caCert, "--cert", certs.clientCert, "--key", certs.clientKey, "ECHO", "x"])
    expect((await cli(ours.tlsPort)).stdout).toBe((await cli(oracleTls)).stdout)
  })
})

if (!hasOracle) it.skip(skipMessage, () => {})

describe("the command line with TLS", () => {
  const root = new URL("../..", import.meta.url).pathname
  const spawnServer = (args: ReadonlyArray<string>) => {
    const child = spawn(process.execPath, ["src/main.ts", "--save", "", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout!.on("data", (d) => (output += d))
    child.stderr!.on("data", (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 15_000
      while (!output.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in:\n${output}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    return { child, exited, waitFor, output: () => output }
  }

  it("--port 0 --tls-port: TLS only, announced with the TLS port; SIGTERM ends it", async () => {
    const tlsPort = await freePort()
    const server = spawnServer([
      "--port", "0", "--tls-port", String(tlsPort), "--tls-cert-file", certs.serverCert, "--tls-key-file", certs.serverKey,
      "--tls-ca-cert-file", certs.caCert
    ])
    try {
      await server.waitFor("Ready to accept connections tls")
      expect(server.output()).toContain(`Running mode=standalone, port=${tlsPort}.`)
      expect(server.output()).not.toContain("Ready to accept connections tcp")
      expect(await pingOutcome(tlsPort, certs.caCert, { cert: certs.clientCert, key: certs.clientKey })).toBe("PONG")
      server.child.kill("SIGTERM")
      expect(await server.exited).toBe(0)
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL")
    }
  })

  it("a certificate that cannot be loaded stops the start-up with Redis's lines and status 1", async () => {
    const server = spawnServer([
      "--port", String(await freePort()), "--tls-port", String(await freePort()), "--tls-cert-file", `${certs.dir}/none.crt`,
      "--tls-key-file", certs.serverKey, "--tls-ca-cert-file", certs.caCert
    ])
    expect(await server.exited).toBe(1)
    expect(server.output()).toMatch(new RegExp(
      `# Failed to load certificate: ${certs.dir}/none\\.crt: error:80000002:system library::No such file or directory\\n.* # Failed to configure TLS\\. Check logs for more info\\.\\n`
    ))
    expect(server.output()).not.toContain("Ready to accept connections")
  })
})

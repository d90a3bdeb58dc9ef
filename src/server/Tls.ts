/**
 * TLS as Redis 7.0's tls.c configures it, with Node's own `tls` module: the directives make one server
 * context (tlsConfigure), built again whenever CONFIG SET changes one of them; a failure is logged in
 * Redis's words and leaves the old context in place. Connections are wrapped in a `TLSSocket` after
 * the listener accepted them (server/RedisServer.ts) and then served exactly like TCP ones.
 */
import * as Crypto from "node:crypto"
import * as FS from "node:fs"
import * as Path from "node:path"
import * as Tls from "node:tls"
import { strerror } from "../config/directives.ts"

/** `tls-auth-clients`: whether a client certificate is required, only checked when sent, or ignored. */
export type TlsAuthClients = "yes" | "no" | "optional"

/** The TLS server context, and what each accepted connection needs besides it. */
export interface TlsSetup {
  readonly context: Tls.SecureContext
}

/** What tlsConfigure gives: a context, or the lines Redis logs before it refuses the configuration. */
export type TlsConfigureResult = { readonly setup: TlsSetup } | { readonly lines: ReadonlyArray<string> }

const PROTOCOLS: ReadonlyArray<readonly [string, Tls.SecureVersion, number]> = [
  ["tlsv1", "TLSv1", Crypto.constants.SSL_OP_NO_TLSv1],
  ["tlsv1.1", "TLSv1.1", Crypto.constants.SSL_OP_NO_TLSv1_1],
  ["tlsv1.2", "TLSv1.2", Crypto.constants.SSL_OP_NO_TLSv1_2],
  ["tlsv1.3", "TLSv1.3", Crypto.constants.SSL_OP_NO_TLSv1_3]
]

/**
 * parseProtocolsConfig: words out of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (any case); none means TLSv1.2
 * and TLSv1.3. The result is a version range plus SSL_OP_NO_* options for versions left out inside it,
 * which is how Redis switches versions off.
 */
export const parseTlsProtocols = (
  value: string
): { readonly min: Tls.SecureVersion; readonly max: Tls.SecureVersion; readonly options: number } | undefined => {
  const words = value === "" ? ["tlsv1.2", "tlsv1.3"] : value.split(" ")
  const enabled = new Set<number>()
  for (const word of words) {
    // sdssplitlen on " " gives empty words for repeated spaces, which Redis refuses like any other
    const i = PROTOCOLS.findIndex(([name]) => name === word.toLowerCase())
    if (i === -1) return undefined
    enabled.add(i)
  }
  const sorted = [...enabled].sort()
  const min = sorted[0]!
  const max = sorted[sorted.length - 1]!
  let options = 0
  for (let i = min; i <= max; i++) if (!enabled.has(i)) options |= PROTOCOLS[i]![2]
  return { min: PROTOCOLS[min]![1], max: PROTOCOLS[max]![1], options }
}

/**
 * An OpenSSL error as ERR_error_string_n writes it in Redis's logs ("error:0A000086:SSL
 * routines::certificate verify failed"), from Node's longer message (which adds the function, the
 * source file and line).
 */
export const opensslErrorText = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e)
  const m = /error:([0-9A-Fa-f]{8}):([^:]*):[^:]*:([^:\n]*)/.exec(message)
  return m === null ? message : `error:${m[1]!.toUpperCase()}:${m[2]}::${m[3]}`
}

/** OpenSSL's text for a file it could not open: ERR_LIB_SYS with the errno, as OpenSSL 3 reports it. */
const systemError = (e: unknown): string => {
  const errno = typeof e === "object" && e !== null && "errno" in e ? Math.abs(Number(e.errno)) : 0
  return `error:${(0x80000000 + errno).toString(16).toUpperCase()}:system library::${strerror(e)}`
}

/** The certificates of a CApath directory: every file in it holding PEM certificates (c_rehash names). */
const readCaDir = (dir: string): Array<Buffer> => {
  let names: Array<string>
  try {
    names = FS.readdirSync(dir)
  } catch {
    // OpenSSL only looks into the directory when it verifies a peer
    return []
  }
  const out: Array<Buffer> = []
  for (const name of names.sort()) {
    try {
      const bytes = FS.readFileSync(Path.join(dir, name))
      if (bytes.includes("-----BEGIN CERTIFICATE-----")) out.push(bytes)
    } catch {
      // not a readable file: skipped, as an unmatched hash name would be
    }
  }
  return out
}

/**
 * Node's `ciphers` option mixes TLSv1.2 cipher lists and TLSv1.3 suites (names starting with TLS_) and
 * turns a version off when its half is empty; Redis sets each half apart, so an unset half keeps
 * OpenSSL's default.
 */
const cipherString = (ciphers: string, suites: string): string | undefined => {
  if (ciphers === "" && suites === "") return undefined
  const defaults = Tls.DEFAULT_CIPHERS.split(":")
  const list = ciphers !== "" ? ciphers : defaults.filter((c) => !c.startsWith("TLS_")).join(":")
  const tls13 = suites !== "" ? suites : defaults.filter((c) => c.startsWith("TLS_")).join(":")
  return `${tls13}:${list}`
}

/**
 * tlsConfigure: checks and loads everything the directives name, in Redis's order and with its log
 * lines. `get` reads directive values (CONFIG SET's pending ones while it applies them).
 */
export const tlsConfigure = (get: (name: string) => string): TlsConfigureResult => {
  const certFile = get("tls-cert-file")
  const keyFile = get("tls-key-file")
  const caFile = get("tls-ca-cert-file")
  const caDir = get("tls-ca-cert-dir")
  if (certFile === "") return { lines: ["No tls-cert-file configured!"] }
  if (keyFile === "") return { lines: ["No tls-key-file configured!"] }
  if (
    (get("tls-auth-clients") !== "no" || get("tls-cluster") === "yes" || get("tls-replication") === "yes") &&
    caFile === "" && caDir === ""
  ) {
    return {
      lines: [
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"
      ]
    }
  }
  const protocols = parseTlsProtocols(get("tls-protocols"))
  if (protocols === undefined) {
    return { lines: ["Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."] }
  }
  const read = (file: string): Buffer | { readonly error: string } => {
    try {
      return FS.readFileSync(file)
    } catch (e) {
      return { error: systemError(e) }
    }
  }
  const cert = read(certFile)
  if (!Buffer.isBuffer(cert)) return { lines: [`Failed to load certificate: ${certFile}: ${cert.error}`] }
  try {
    Tls.createSecureContext({ cert })
  } catch (e) {
    return { lines: [`Failed to load certificate: ${certFile}: ${opensslErrorText(e)}`] }
  }
  const key = read(keyFile)
  if (!Buffer.isBuffer(key)) return { lines: [`Failed to load private key: ${keyFile}: ${key.error}`] }
  const passphrase = get("tls-key-file-pass")
  const base: Tls.SecureContextOptions = {
    cert,
    key,
    // without a password OpenSSL's callback fails: an encrypted key then fails to load
    ...(passphrase === "" ? {} : { passphrase }),
    minVersion: protocols.min,
    maxVersion: protocols.max,
    secureOptions: protocols.options | Crypto.constants.SSL_OP_NO_COMPRESSION |
      (get("tls-prefer-server-ciphers") === "yes" ? Crypto.constants.SSL_OP_CIPHER_SERVER_PREFERENCE : 0) |
      // session caching off: no session tickets either (Node's resumption is ticket-based)
      (get("tls-session-caching") === "yes" ? 0 : Crypto.constants.SSL_OP_NO_TICKET),
    sessionTimeout: Number(get("tls-session-cache-timeout")),
    sessionIdContext: "redis"
  }
  // OpenSSL asks the password callback, which has none to give; Node would try an empty password
  if (passphrase === "" && key.includes("ENCRYPTED")) {
    return { lines: [`Failed to load private key: ${keyFile}: error:07880109:common libcrypto routines::interrupted or cancelled`] }
  }
  try {
    Tls.createSecureContext(base)
  } catch (e) {
    return { lines: [`Failed to load private key: ${keyFile}: ${opensslErrorText(e)}`] }
  }
  const ca: Array<Buffer> = []
  if (caFile !== "") {
    const bytes = read(caFile)
    if (!Buffer.isBuffer(bytes)) return { lines: [`Failed to configure CA certificate(s) file/directory: ${bytes.error}`] }
    ca.push(bytes)
  }
  if (caDir !== "") ca.push(...readCaDir(caDir))
  const withCa: Tls.SecureContextOptions = caFile === "" && caDir === "" ? base : { ...base, ca }
  try {
    Tls.createSecureContext(withCa)
  } catch (e) {
    return { lines: [`Failed to configure CA certificate(s) file/directory: ${opensslErrorText(e)}`] }
  }
  const ciphers = get("tls-ciphers")
  const suites = get("tls-ciphersuites")
  // each half is checked on its own first, for Redis's line naming the one that failed
  if (ciphers !== "") {
    try {
      Tls.createSecureContext({ ciphers: cipherString(ciphers, "")! })
    } catch {
      return { lines: [`Failed to configure ciphers: ${ciphers}`] }
    }
  }
  if (suites !== "") {
    try {
      Tls.createSecureContext({ ciphers: cipherString("", suites)! })
    } catch {
      return { lines: [`Failed to configure ciphersuites: ${suites}`] }
    }
  }
  const dhFile = get("tls-dh-params-file")
  let dhparam: Buffer | undefined
  if (dhFile !== "") {
    try {
      dhparam = FS.readFileSync(dhFile)
    } catch (e) {
      return { lines: [`Failed to load ${dhFile}: ${strerror(e)}`] }
    }
  }
  const cipherList = cipherString(ciphers, suites)
  try {
    const context = Tls.createSecureContext({
      ...withCa,
      ...(cipherList === undefined ? {} : { ciphers: cipherList }),
      ...(dhparam === undefined ? {} : { dhparam })
    })
    return { setup: { context } }
  } catch (e) {
    return { lines: [dhparam !== undefined ? `Failed to load DH params file: ${dhFile}: ${opensslErrorText(e)}` : opensslErrorText(e)] }
  }
}

/**
 * Whether the peer's certificate failed verification (Node's TLSWrap verifyError: what `authorized`
 * is computed from when a tls.Server owns the socket, which is not the case here). Undefined when it
 * verified or none was sent.
 */
export const peerVerifyError = (socket: Tls.TLSSocket): Error | undefined => {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null | undefined } })._handle
  return handle?.verifyError?.() ?? undefined
}

/** The peer sent a certificate (an empty object from Node when it did not). */
export const hasPeerCertificate = (socket: Tls.TLSSocket): boolean => Object.keys(socket.getPeerCertificate()).length > 0

/** OpenSSL's texts for the two ways a client certificate is refused, as Redis logs them. */
export const NO_PEER_CERTIFICATE = "error:0A0000C7:SSL routines::peer did not return a certificate"
export const CERTIFICATE_VERIFY_FAILED = "error:0A000086:SSL routines::certificate verify failed"

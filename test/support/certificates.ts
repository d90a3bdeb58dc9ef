/**
 * Certificates for TLS tests, made at test time with openssl in a temp dir: a CA, a server certificate
 * (localhost, 127.0.0.1) and a client certificate signed by it, a second server certificate (to see a
 * reload), an encrypted copy of the server key, and a client certificate from another CA.
 */
import { execFile } from "node:child_process"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as Path from "node:path"

export interface TestCertificates {
  readonly dir: string
  readonly caCert: string
  readonly serverCert: string
  readonly serverKey: string
  /** The server key encrypted with the password `KEY_PASSWORD`. */
  readonly serverKeyEncrypted: string
  /** Another server certificate from the same CA, CN "second". */
  readonly secondCert: string
  readonly secondKey: string
  readonly clientCert: string
  readonly clientKey: string
  /** A client certificate from a CA the server does not trust. */
  readonly strangerCert: string
  readonly strangerKey: string
  readonly otherCaCert: string
  readonly remove: () => void
}

export const KEY_PASSWORD = "secret"

const openssl = (cwd: string, args: ReadonlyArray<string>): Promise<void> =>
  new Promise((resolve, reject) =>
    execFile("openssl", args, { cwd }, (error, _stdout, stderr) => (error === null ? resolve() : reject(new Error(`openssl ${args.join(" ")}: ${stderr}`))))
  )

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

export const makeCertificates = async (): Promise<TestCertificates> => {
  const dir = FS.mkdtempSync(Path.join(OS.tmpdir(), "ers-tls-"))
  FS.writeFileSync(Path.join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
  const ca = (name: string, cn: string) =>
    openssl(dir, ["req", "-x509", "-new", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${cn}`])
  const sign = async (name: string, issuer: string) => {
    await openssl(dir, ["req", "-new", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`])
    await openssl(dir, [
      "x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-set_serial", String(Date.now() % 1e9),
      "-out", `${name}.crt`, "-days", "2", "-extfile", "san.ext"
    ])
  }
  await Promise.all([ca("ca", "Test CA"), ca("other-ca", "Other CA")])
  await Promise.all([sign("server", "ca"), sign("second", "ca"), sign("client", "ca"), sign("stranger", "other-ca")])
  await openssl(dir, ["pkey", "-in", "server.key", "-aes256", "-passout", `pass:${KEY_PASSWORD}`, "-out", "server-encrypted.key"])
  const p = (name: string) => Path.join(dir, name)
  return {
    dir,
    caCert: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    serverKeyEncrypted: p("server-encrypted.key"),
    secondCert: p("second.crt"),
    secondKey: p("second.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    strangerCert: p("stranger.crt"),
    strangerKey: p("stranger.key"),
    otherCaCert: p("other-ca.crt"),
    remove: () => FS.rmSync(dir, { recursive: true, force: true })
  }
}

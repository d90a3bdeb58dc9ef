/**
 * The oracle: a real redis-server (Redis 7.0, from Debian in CI) started on a free port for
 * differential tests. When no redis-server is on PATH the differential suites are skipped with a
 * message, except under CI (CI=true), where that is an error: CI always installs one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

const findRedisServer = (): string | undefined => {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
}

export const redisServerPath = findRedisServer()

if (redisServerPath === undefined && process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
  throw new Error("CI=true but no redis-server on PATH: the differential suites need it (.ci/run installs it)")
}

/** Message for `describe.skipIf(!hasOracle)`. */
export const hasOracle = redisServerPath !== undefined
export const skipMessage = "no redis-server on PATH: differential tests against real Redis skipped"

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Oracle {
  readonly port: number
  readonly stop: () => Promise<void>
}

const waitForPort = async (port: number, deadline: number): Promise<void> => {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = Net.connect(port, "127.0.0.1", () => {
        socket.end()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The oracle must be the Redis this server imitates: its replies are the expected ones. */
export const ORACLE_VERSION_PREFIX = "7.0."

/**
 * Checks the `INFO server` text of the oracle: its redis_version must start with "7.0.". Throws an
 * error that says what was found and what is needed otherwise.
 */
export const checkOracleVersion = (info: string, where = redisServerPath ?? "redis-server"): string => {
  const version = /^redis_version:(\S+)/m.exec(info)?.[1]
  if (version === undefined) {
    throw new Error(`the oracle ${where} did not report redis_version in INFO server: the differential tests need Redis 7.0.x`)
  }
  if (!version.startsWith(ORACLE_VERSION_PREFIX)) {
    throw new Error(
      `the oracle ${where} is Redis ${version}, but the differential tests compare with Redis 7.0.x ` +
        `(install Redis 7.0, e.g. Debian's redis-server 7.0, or put one first on PATH)`
    )
  }
  return version
}

/** Sends INFO server to the redis-server on `port` and returns the text of its reply. */
const infoServer = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1", () => socket.write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"))
    let received = ""
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1")
      const header = /^\$(\d+)\r\n/.exec(received)
      if (header !== null && received.length >= header[0].length + Number(header[1])) {
        socket.end()
        resolve(received.slice(header[0].length, header[0].length + Number(header[1])))
      } else if (received.startsWith("-") && received.endsWith("\r\n")) {
        socket.end()
        resolve(received)
      }
    })
    socket.once("error", reject)
  })

/** Spawns redis-server on a free port with persistence off; `extraArgs` as on its command line. */
const spawnRedis = async (extraArgs: ReadonlyArray<string>): Promise<Oracle> => {
  if (redisServerPath === undefined) throw new Error(skipMessage)
  const port = await freePort()
  // a directory of its own: a dump.rdb another test left in a shared one would be loaded at start
  const dir = mkdtempSync(join(tmpdir(), "oracle-"))
  const child: ChildProcess = spawn(
    redisServerPath,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--dir", dir, ...extraArgs],
    { stdio: "ignore" }
  )
  const stop = () =>
    new Promise<void>((resolve) => {
      const removeDir = () => {
        rmSync(dir, { recursive: true, force: true })
        resolve()
      }
      if (child.exitCode !== null) return removeDir()
      child.once("exit", removeDir)
      child.kill("SIGKILL")
    })
  try {
    await waitForPort(port, Date.now() + 10_000)
  } catch (e) {
    await stop()
    throw e
  }
  return { port, stop }
}

/**
 * The version check, once per test process: on a redis-server of its own, since the INFO call would
 * show in the INFO commandstats of an oracle that a test compares with ours.
 */
let versionChecked: Promise<void> | undefined
const checkOracleOnce = (): Promise<void> =>
  versionChecked ??= (async () => {
    const probe = await spawnRedis([])
    try {
      checkOracleVersion(await infoServer(probe.port))
    } finally {
      await probe.stop()
    }
  })()

/** Starts a real redis-server with persistence off and DEBUG enabled, after checking it is Redis 7.0. */
export const startOracle = async (extraArgs: ReadonlyArray<string> = []): Promise<Oracle> => {
  await checkOracleOnce()
  return spawnRedis(extraArgs)
}

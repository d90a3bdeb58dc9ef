/**
 * This server in processes of their own (src/main.ts with a config file in a directory of its own), for
 * tests that kill and restart servers: replication faults, Sentinel. `processServers()` registers the
 * cleanup with the calling file's afterAll.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import { RawConnection } from "./raw.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))

/** Polls `check` (errors count as false) until it holds. */
export const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One command on a fresh connection; its decoded reply. */
export const call = async (port: number, ...args: Array<string>): Promise<unknown> => {
  const c = await RawConnection.connect(port)
  try {
    return (await c.call(...args)).value
  } finally {
    await c.close()
  }
}

export const role = async (port: number): Promise<Array<unknown>> => (await call(port, "ROLE")) as Array<unknown>

export interface ProcessServers {
  /** A temp directory removed after the file's tests. */
  readonly base: string
  /**
   * Starts a server on `port` with a config file in `base/s<port>` (a restart on the same port keeps
   * the directory and its files unless `fresh`); resolves once it answers PING.
   */
  readonly start: (port: number, args?: ReadonlyArray<string>, options?: { readonly fresh?: boolean }) => Promise<ChildProcess>
  /** Registers another process to kill after the file's tests. */
  readonly track: (child: ChildProcess) => void
}

export const processServers = (prefix: string): ProcessServers => {
  const base = mkdtempSync(join(tmpdir(), `${prefix}-`))
  const running: Array<ChildProcess> = []
  afterAll(() => {
    for (const child of running) if (child.exitCode === null) child.kill("SIGKILL")
    rmSync(base, { recursive: true, force: true })
  })
  const start = async (port: number, args: ReadonlyArray<string> = [], options: { readonly fresh?: boolean } = {}) => {
    const dir = join(base, `s${port}`)
    if (options.fresh !== false) rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    // a config file, as Sentinel's reconfiguration ends with CONFIG REWRITE
    const conf = join(dir, "redis.conf")
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsave ""\n`)
    const child = spawn(process.execPath, [join(root, "src/main.ts"), conf, "--dir", dir, ...args], { cwd: dir, stdio: "ignore" })
    running.push(child)
    await until(`server ${port}`, async () => (await call(port, "PING")) === "PONG")
    return child
  }
  return { base, start, track: (child) => void running.push(child) }
}

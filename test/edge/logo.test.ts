/**
 * The start-up log shows Redis's ASCII logo, with the version, mode, port and pid lines inside it,
 * when `always-show-logo yes` (or stdout is a TTY and no logfile is set), as redis-server does
 * (server.c redisAsciiArt; Redis's own test harness waits for the "PID:" line). Otherwise the log
 * says "Running mode=standalone, port=N.".
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { REDIS_VERSION } from "../../src/version.ts"
import { freePort } from "../support/oracle.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
const running: Array<ChildProcess> = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

/** Starts `node src/main.ts args` and waits until `read()` contains `text`; returns what it read. */
const startAndWait = async (args: ReadonlyArray<string>, text: string, read?: () => string) => {
  const child = spawn(process.execPath, ["src/main.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const source = read ?? (() => output)
  const deadline = Date.now() + 15_000
  for (;;) {
    const current = (() => {
      try {
        return source()
      } catch {
        return ""
      }
    })()
    if (current.includes(text)) return { child, text: current }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in output:\n${output}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * startAndWait on a free port, again on another one when the port was taken between freePort() and the
 * server's bind (other test files start servers at the same time).
 */
const startOnFreePort = async (args: (port: number) => ReadonlyArray<string>, text: string, read?: () => string) => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      return { port, ...(await startAndWait(args(port), text, read)) }
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("Address already in use")) throw error
    }
  }
}

const expectLogo = (text: string, port: number, pid: number) => {
  const lines = text.split("\n")
  const at = lines.findIndex((l) => l.startsWith("                _._ "))
  expect(at).toBeGreaterThanOrEqual(0)
  const logo = lines.slice(at, at + 17)
  expect(logo[2]).toBe(`      _.-\`\`    \`.  \`_.  ''-._           Redis ${REDIS_VERSION} (00000000/0) 64 bit`)
  expect(logo[4]).toBe(" (    '      ,       .-`  | `,    )     Running in standalone mode")
  expect(logo[5]).toBe(` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`)
  expect(logo[6]).toBe(` |    \`-._   \`._    /     _.-'    |     PID: ${pid}`)
  expect(logo[9]).toBe(" |    `-._`-._        _.-'_.-'    |           https://redis.io       ")
  expect(logo[16]).toBe("              `-.__.-'                                               ")
  // a blank line after the logo, then log lines again; raw lines carry no "pid:M date" prefix
  expect(lines[at + 17]).toBe("")
  expect(text).not.toContain("Running mode=")
  // the logo comes before "Server initialized", as in redis-server
  expect(text.indexOf("PID:")).toBeLessThan(text.indexOf("Server initialized"))
}

describe("start-up logo", () => {
  it("always-show-logo yes prints the logo with the Port: and PID: lines", async () => {
    const { port, child, text } = await startOnFreePort((port) => ["--port", String(port), "--bind", "127.0.0.1", "--always-show-logo", "yes"], "Ready to accept connections")
    expectLogo(text, port, child.pid!)
  })

  it("into the logfile when one is set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logo-"))
    try {
      const logfile = join(dir, "redis.log")
      const { port, child, text } = await startOnFreePort(
        (port) => ["--port", String(port), "--bind", "127.0.0.1", "--always-show-logo", "yes", "--logfile", logfile],
        "Ready to accept connections",
        () => readFileSync(logfile, "latin1")
      )
      expectLogo(text, port, child.pid!)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("without it (stdout is not a TTY) the log says Running mode=standalone, port=N.", async () => {
    const { port, text } = await startOnFreePort((port) => ["--port", String(port), "--bind", "127.0.0.1"], "Ready to accept connections")
    expect(text).toContain(`Running mode=standalone, port=${port}.`)
    expect(text).not.toContain("PID:")
    expect(text).not.toContain("_._")
  })
})

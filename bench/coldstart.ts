/**
 * `npm run bench:coldstart [-- --runs N]`: cold start, the time from spawn to "Ready to accept
 * connections" on the server's stdout, for the installed package's binary (packed and installed into a
 * scratch project as a user gets it, see test/support/package.ts) next to redis-server, both started
 * as `<server> --port P --bind 127.0.0.1 --save ""`. Also the checkout's `node src/main.ts` (type
 * stripping) and, when the npm package node@22 can be installed, the binary on Node 22. The runs
 * alternate between the servers; the table gives the median and the fastest run, in milliseconds.
 */
import { spawn } from "node:child_process"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { freePort } from "../test/support/oracle.ts"
import { childEnv, installNode22, packAndInstall, root, scratchDir, v8Flags } from "../test/support/package.ts"

const args = process.argv.slice(2)
const runsIndex = args.indexOf("--runs")
const runs = runsIndex === -1 ? 15 : Number(args[runsIndex + 1])

interface Contender {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
}

/** Milliseconds from spawn to the ready line; the process is then killed and awaited. */
const coldStart = async (c: Contender): Promise<number> => {
  const port = await freePort()
  const started = process.hrtime.bigint()
  const child = spawn(c.command, [...c.args, "--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
    cwd: c.cwd,
    env: c.env,
    stdio: ["ignore", "pipe", "ignore"]
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  let output = ""
  const ready = await new Promise<bigint>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString("latin1")
      if (output.includes("Ready to accept connections")) resolve(process.hrtime.bigint())
    })
    child.once("exit", (code) => reject(new Error(`${c.name} exited (${code}) before ready:\n${output}`)))
  })
  child.kill("SIGKILL")
  await exited
  return Number(ready - started) / 1e6
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const dir = scratchDir("effect-redis-server-coldstart-")
try {
  process.stderr.write("packing and installing the package...\n")
  const installed = await packAndInstall(dir)
  const node22 = await installNode22()
  const contenders: Array<Contender> = [
    { name: "redis-server", command: "redis-server", args: [], env: process.env, cwd: dir },
    {
      name: `effect-redis-server, installed binary (Node ${process.version})`,
      command: installed.bin,
      args: [],
      env: childEnv(process.execPath),
      cwd: installed.project
    },
    {
      name: `effect-redis-server, checkout: node ${v8Flags} src/main.ts (Node ${process.version})`,
      command: process.execPath,
      args: [...v8Flags.split(" "), join(root, "src", "main.ts")],
      env: childEnv(process.execPath),
      cwd: root
    }
  ]
  if ("node" in node22) {
    contenders.push({
      name: "effect-redis-server, installed binary (Node 22)",
      command: installed.bin,
      args: [],
      env: childEnv(node22.node),
      cwd: installed.project
    })
  } else {
    process.stderr.write(`Node 22 left out: ${node22.error}\n`)
  }
  // one warm-up start each (disk cache), not counted
  for (const c of contenders) await coldStart(c)
  const times = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  for (let i = 0; i < runs; i++) {
    for (const c of contenders) times.get(c.name)!.push(await coldStart(c))
  }
  const redis = median(times.get("redis-server")!)
  process.stdout.write(`\nspawn to "Ready to accept connections", ${runs} alternating runs\n\n`)
  process.stdout.write("| server | median ms | fastest ms | vs redis-server (median) |\n|---|---|---|---|\n")
  for (const c of contenders) {
    const t = times.get(c.name)!
    const m = median(t)
    const ratio = c.name === "redis-server" ? "1x" : `+${(m - redis).toFixed(0)} ms`
    process.stdout.write(`| ${c.name} | ${m.toFixed(0)} | ${Math.min(...t).toFixed(0)} | ${ratio} |\n`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

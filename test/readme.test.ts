/**
 * The README tells the truth: its embedding examples are the files in examples/, quoted verbatim, and
 * those files run (examples/expiry.test.ts runs as part of this suite; the programs run here).
 */
import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(`${root}README.md`, "utf8")
const examples = readdirSync(`${root}examples`).filter((f) => f.endsWith(".ts"))

/** The ```ts blocks of the README. */
const codeBlocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

const run = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    // "effect-redis-server" resolves to src/ in the checkout (package.json's exports; dist/ is for consumers)
    const args = ["--conditions=effect-redis-server-source", file]
    execFile(process.execPath, args, { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} failed: ${error.message}\n${stderr}`))
      else resolve(stdout + stderr)
    })
  })

describe("README", () => {
  it.each(examples)("quotes examples/%s verbatim", (file) => {
    expect(codeBlocks).toContain(readFileSync(`${root}examples/${file}`, "utf8"))
  })

  it("has no TypeScript example that is not a file of examples/", () => {
    const files = examples.map((f) => readFileSync(`${root}examples/${f}`, "utf8"))
    for (const block of codeBlocks) expect(files).toContain(block)
  })

  it("examples/in-process.ts runs: INCR answers 42", async () => {
    expect(await run("examples/in-process.ts")).toContain("counter=42")
  })

  it("examples/message-bus.ts runs: a pattern subscription receives what is published, in order", async () => {
    expect(await run("examples/message-bus.ts")).toContain("[ 'orders.created: #1001', 'orders.shipped: #1001' ]")
  })

  it("examples/config-loader.ts runs: the directives of its command line reach CONFIG GET", async () => {
    expect(await run("examples/config-loader.ts")).toContain(`CONFIG GET databases: ["databases","4"]`)
  })

  it("examples/custom-command.ts runs: a Layer's own command and INFO field answer", async () => {
    const out = await run("examples/custom-command.ts")
    expect(out).toContain("hello, world (#1)")
    expect(out).toContain("greetings:1")
  })

  it("examples/tcp-server.ts runs: a node-redis client sets and gets through the embedded server", async () => {
    expect(await run("examples/tcp-server.ts")).toMatch(/port \d+: greeting=hello/)
  })
})
